"""Java: jjwt, auth0 java-jwt and nimbus (also in JSP scriptlets); Spring Boot and Jakarta REST (JAX-RS)."""

import re

from migrate.lang import Framework, Language

LANGUAGE = Language(
    name="java",
    extensions={".java": "java"},
    needles=(b"wt", b"WT"),
    gate=(),
    libraries=("jjwt", "java-jwt", "nimbus"),
    frameworks=(Framework("spring", re.compile(r"org\.springframework")),
                Framework("jaxrs", re.compile(r"\b(jakarta|javax)\.ws\.rs\b"))),
    now="Instant.now().getEpochSecond()",
    now_plus_5_min="Instant.now().getEpochSecond() + 300",
    to_string="String.valueOf({})",
)
