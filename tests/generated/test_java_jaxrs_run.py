"""A Jersey (Jakarta REST) shop migrated by `migrate generate`, packaged with Maven and run for real.

tests/generated/java/sites/jaxrs is a small shop on Jersey 4 served by the JDK's own HTTP server (a
light container, no servlets): a request filter turns its "session" cookie into the SecurityContext,
RolesAllowedDynamicFeature enforces @RolesAllowed, and SupportResource signs the Zendesk JWT with
java-jwt at GET /support/zendesk/jwt behind @RolesAllowed("CUSTOMER"). Generate (default mode) adds
the Claims method beside that endpoint (its @RolesAllowed as a check) and GenesysOidcResource, which
the application's package scanning registers; the site is packaged once (`mvn package`, offline
from .venv/m2 first) and started on 127.0.0.1, and the relying party of relying_party.py signs
"alice" in through code + PKCE + nonce and verifies the ID token by the served JWKS, while the old
endpoint still signs its Zendesk JWT. After `--cutover` (packaged once more) the provider serves and
the endpoint, its imports and java-jwt are gone. The contract tests of oidc_contract.py that need no
clock, no guard marker and no fixture user of their own run against the migrated site too, with
the production checks of production_checks.py that need no clock (refresh, the review's findings,
the certified relying party).
Without mvn and java, or Maven Central, the tests skip with the reason.
"""

from __future__ import annotations

import difflib

import pytest
from java_sites import (  # noqa: F401  (the shared test runs against the migrated Jersey site)
    cut_and_still_signing_in,
    fixtures,
    test_alice_signs_in_through_the_provider,
    the_old_endpoint_signs_for_alice_only,
)
from oidc_contract import (  # noqa: F401  (the imported tests run against the migrated Jersey site)
    test_bad_authorization_requests_get_an_error_not_a_code,
    test_id_token_lifetime_is_at_most_ten_minutes,
    test_json_mode_refuses_cross_site_requests,
    test_json_mode_then_post_auth,
    test_jwks_kid_is_the_rfc7638_thumbprint,
    test_missing_client_credentials_are_invalid_client,
    test_no_session_is_login_required_without_a_code,
    test_redirect_uri_mismatch_at_token_is_refused,
    test_replayed_code_is_refused,
    test_unregistered_redirect_or_client_never_gets_a_redirect,
    test_unsupported_grant_type,
    test_without_nonce_the_token_has_none,
    test_wrong_verifier_is_refused_and_kills_the_code,
)
from production_checks import (  # noqa: F401  (the checks that need no clock, against the migrated Jersey site)
    test_a_certified_relying_party_signs_in_refreshes_and_is_refused,
    test_a_refresh_may_narrow_the_scope_never_widen_it,
    test_a_replayed_code_revokes_the_tokens_issued_from_it,
    test_a_verifier_outside_rfc_7636_is_refused_even_when_it_hashes_to_the_challenge,
    test_authorize_answers_are_not_stored_by_caches,
    test_browser_requests_from_another_site_get_no_code,
    test_discovery_advertises_refresh_and_offline_access,
    test_refresh_needs_the_client,
    test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family,
    test_state_and_nonce_are_bounded,
    test_the_challenge_must_be_an_s256_digest,
    test_token_body_is_bounded_before_client_authentication,
    test_token_refuses_codes_and_secrets_in_the_url,
)
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import authorize

WEB = "src/main/java/com/example/shop/api"
CONTROLLER = f"{WEB}/SupportResource.java"
# the JDK's HTTP server starts quickly; 60 s on a busy 2-core machine; the port from PORT
migrated, default_site, cut_site = fixtures("jaxrs", CONTROLLER, 60, lambda port: ([], {"PORT": str(port)}))


@pytest.fixture(scope="module")
def http(default_site):
    return default_site[0]


@pytest.fixture(scope="module")
def host(default_site):
    return default_site[1]


def test_default_keeps_the_endpoint_and_adds_the_claims_and_the_provider_resource(migrated):
    (outcome,) = migrated["default"].outcomes
    assert (outcome.status, outcome.route) == ("wired", "GET /support/zendesk/jwt")
    main = (migrated["site"] / "src/main/java/com/example/shop/Main.java").read_text()
    line = next(n for n, text in enumerate(main.split("\n"), 1) if '.packages("com.example.shop.api")' in text)
    assert f"provider mounted at src/main/java/com/example/shop/Main.java:{line} (jaxrs)" in outcome.text
    controller = migrated["kept"][CONTROLLER]
    lines = controller.split("\n")
    note = next(n for n, text in enumerate(lines) if "TODO(migrate:ZG220)" in text)
    assert lines[note - 1].lstrip().startswith("// Zendesk messaging") and lines[note + 1] == "    @GET"
    original = migrated["original"][CONTROLLER].split("\n")
    ops = [o for o in difflib.SequenceMatcher(None, original, lines, autojunk=False).get_opcodes() if o[0] != "equal"]
    for tag, i1, i2, j1, j2 in ops:  # nothing of the old code goes: the class gains the interface, the rest is added
        assert tag == "insert" or (original[i1:i2], lines[j1:j2]) == (
            ["public class SupportResource {"], ["public class SupportResource implements GenesysOidcResource.Claims {"])
    method = controller.split("    @Override\n", 1)[1]
    assert method.startswith("    public Map<String, Object> claims(SecurityContext security, HttpHeaders headers) {\n"
                             '        if (!(security.isUserInRole("CUSTOMER"))) { // the endpoint\'s @RolesAllowed\n')
    new = {c.path for c in migrated["default"].changes.changes if c.new}
    assert new == {f"{WEB}/GenesysOidcResource.java"}
    assert "resources.getResource(SupportResource.class).claims(security, headers)" in \
        (migrated["site"] / WEB / "GenesysOidcResource.java").read_text()
    again = migrated["again"]
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]


def test_nobody_and_a_user_the_endpoint_refused_get_no_code(default_site):
    http, host = default_site
    nobody = authorize(http, host, session=None, as_json=True)
    assert nobody.response.status_code == 401 and nobody.response.json()["error"] == "login_required"
    # carol is signed in without the CUSTOMER role: the endpoint's @RolesAllowed went to the claims
    staff = authorize(http, host, session="carol", as_json=True)
    assert staff.response.status_code == 401 and staff.response.json()["error"] == "login_required"


def test_the_old_endpoint_still_answers_and_the_rest_of_the_site_keeps_its_rules(default_site):
    the_old_endpoint_signs_for_alice_only(*default_site)


def test_after_cutover_the_provider_serves_and_the_endpoint_and_java_jwt_are_gone(migrated, cut_site):
    controller = cut_and_still_signing_in(migrated, cut_site, CONTROLLER)
    # what the other endpoint uses stays
    assert '@Path("hours")' in controller and "import jakarta.ws.rs.GET;" in controller and \
        "import jakarta.ws.rs.core.Context;" not in controller
