"""A Spring Boot shop migrated by `migrate generate`, packaged with Maven and run for real.

tests/generated/java/sites/spring is a small Spring Boot 3 shop with Spring Security (its own
SecurityFilterChain and a login session cookie) whose SupportController signs the Zendesk JWT with
java-jwt at GET /support/zendesk/jwt behind @PreAuthorize("hasRole('CUSTOMER')"). Generate (default
mode) adds the Claims method beside that endpoint, GenesysOidcController, and GenesysOidcSecurity
(the provider's server-to-server endpoints ahead of the site's chain); the site is packaged once
(`mvn package`, offline from .venv/m2 first) and started on 127.0.0.1, and the relying party of
relying_party.py signs "alice" in through code + PKCE + nonce and verifies the ID token by the
served JWKS, while the old endpoint still signs its Zendesk JWT. After `--cutover` (packaged once
more) the provider serves and the endpoint, its imports and java-jwt are gone.
Without mvn and java, or Maven Central, the tests skip with the reason.
"""

from __future__ import annotations

import difflib

from java_sites import (  # noqa: F401  (the shared test runs against the migrated Spring Boot site)
    cut_and_still_signing_in,
    fixtures,
    test_alice_signs_in_through_the_provider,
    the_old_endpoint_signs_for_alice_only,
)
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import authorize

WEB = "src/main/java/com/example/shop/web"
CONTROLLER = f"{WEB}/SupportController.java"
# 120 s for Spring Boot to start on a busy 2-core machine; the port from --server.port
migrated, default_site, cut_site = fixtures("spring", CONTROLLER, 120, lambda port: ([f"--server.port={port}"], {}))


def test_default_keeps_the_endpoint_and_adds_the_claims_the_provider_and_its_security(migrated):
    (outcome,) = migrated["default"].outcomes
    assert (outcome.status, outcome.route) == ("wired", "GET /support/zendesk/jwt")
    controller = migrated["kept"][CONTROLLER]
    line = next(n for n, text in enumerate(controller.split("\n"), 1) if "public Map<String, Object> claims(" in text)
    assert f"provider mounted at {CONTROLLER}:{line} (spring)" in outcome.text
    lines = controller.split("\n")
    note = next(n for n, text in enumerate(lines) if "TODO(migrate:ZG220)" in text)
    assert lines[note + 1] == '    @GetMapping("/zendesk/jwt")'  # above the endpoint's annotations
    original = migrated["original"][CONTROLLER].split("\n")
    ops = difflib.SequenceMatcher(None, original, lines, autojunk=False).get_opcodes()
    changed = [(original[i1:i2], lines[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
    # nothing of the old code goes: the class declaration gains the interface, the rest is added
    assert all(tag == "insert" or (old, new) == (["public class SupportController {"],
               ["public class SupportController implements GenesysOidcController.Claims {"])
               for (tag, *_), (old, new) in zip([o for o in ops if o[0] != "equal"], changed, strict=True))
    assert "    @PreAuthorize(\"hasRole('CUSTOMER')\")\n    public Map<String, Object> claims(" in controller
    new = {c.path for c in migrated["default"].changes.changes if c.new}
    assert {f"{WEB}/GenesysOidcController.java", f"{WEB}/GenesysOidcSecurity.java"} <= new
    assert "TODO(migrate:ZG225): Spring Security" not in controller  # the new chain does what it asked
    again = migrated["again"]
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]


def test_nobody_and_a_user_the_endpoint_refused_get_no_code(default_site):
    http, host = default_site
    nobody = authorize(http, host, session=None, as_json=True)
    assert nobody.response.status_code == 401 and nobody.response.json()["error"] == "login_required"
    # carol is signed in without the CUSTOMER role: the endpoint's @PreAuthorize went to the claims
    staff = authorize(http, host, session="carol")
    assert staff.response.status_code == 403 and "code=" not in staff.response.headers.get("location", "")


def test_the_old_endpoint_still_answers_and_the_rest_of_the_site_keeps_its_rules(default_site):
    the_old_endpoint_signs_for_alice_only(*default_site)
    http, host = default_site
    assert http.get(f"{host.origin}/account/orders").status_code == 401  # the site's own chain


def test_after_cutover_the_provider_serves_and_the_endpoint_and_java_jwt_are_gone(migrated, cut_site):
    controller = cut_and_still_signing_in(migrated, cut_site, CONTROLLER)
    # what the other endpoint uses stays
    assert '@GetMapping("/hours")' in controller and \
        "import org.springframework.web.bind.annotation.GetMapping;" in controller
