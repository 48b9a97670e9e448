"""Python: PyJWT, python-jose and authlib, read with tree-sitter; Flask, Django and FastAPI."""

import re

from migrate.lang import Framework, Language

LANGUAGE = Language(
    name="python",
    extensions={".py": "python"},
    needles=(b"wt", b"WT"),
    gate=("encode", "urlpatterns"),  # urlpatterns: Django's URL patterns route the views that sign
    libraries=("pyjwt", "python-jose", "authlib"),
    frameworks=(
        Framework("fastapi", re.compile(r"^\s*(from|import)\s+fastapi\b", re.M)),
        Framework("django", re.compile(r"^\s*(from|import)\s+django\b", re.M)),
        Framework("flask", re.compile(r"^\s*(from|import)\s+flask\b", re.M)),
    ),
    now="int(time.time())",
    now_plus_5_min="int(time.time()) + 300",
    to_string="str({})",
    true="True",
)
