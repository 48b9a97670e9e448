"""The servlet provider (templates/java/servlet/GenesysOidcServlet.java.j2, on the Java core), built with
Maven and run for real.

toolchains.py writes the rendered servlet into a copy of tests/generated/java/servlethost, a site of
plain servlets on embedded Tomcat that maps it at /oidc/* behind its login filter (javac -Xlint:all
-Werror), and packages it once for this module. The jar is started on 127.0.0.1 and driven through
the contract tests of oidc_contract.py, the production checks of production_checks.py and the
certified relying party; two processes on one real Redis (GENESYS_OIDC_STORE_URL) share codes and
refresh tokens. Without mvn and java, or Maven Central, the tests skip with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from java_sites import LOGS, jar_env, running_jar
from oidc_contract import (  # noqa: F401  (the imported tests run against the servlet site)
    test_bad_authorization_requests_get_an_error_not_a_code,
    test_code_expires_after_sixty_seconds,
    test_full_flow_redirect_then_basic_auth,
    test_id_token_lifetime_is_at_most_ten_minutes,
    test_json_mode_refuses_cross_site_requests,
    test_json_mode_then_post_auth,
    test_jwks_kid_is_the_rfc7638_thumbprint,
    test_missing_client_credentials_are_invalid_client,
    test_redirect_uri_mismatch_at_token_is_refused,
    test_replayed_code_is_refused,
    test_unregistered_redirect_or_client_never_gets_a_redirect,
    test_unsupported_grant_type,
    test_userinfo_with_the_access_token,
    test_without_nonce_the_token_has_none,
    test_wrong_verifier_is_refused_and_kills_the_code,
)
from production_checks import (  # noqa: F401  (the imported tests run against the servlet site)
    refresh,
    test_a_certified_relying_party_signs_in_refreshes_and_is_refused,
    test_a_refresh_may_narrow_the_scope_never_widen_it,
    test_a_replayed_code_revokes_the_tokens_issued_from_it,
    test_a_verifier_outside_rfc_7636_is_refused_even_when_it_hashes_to_the_challenge,
    test_access_tokens_last_fifteen_minutes_and_refresh_needs_offline_access,
    test_auth_time_is_the_sites_sign_in_time,
    test_authorize_answers_are_not_stored_by_caches,
    test_browser_requests_from_another_site_get_no_code,
    test_discovery_advertises_refresh_and_offline_access,
    test_max_age_and_prompt,
    test_refresh_needs_the_client,
    test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family,
    test_state_and_nonce_are_bounded,
    test_the_challenge_must_be_an_s256_digest,
    test_token_body_is_bounded_before_client_authentication,
    test_token_refuses_codes_and_secrets_in_the_url,
    userinfo,
)
from provider_fixtures import clock, signing_key  # noqa: F401 (fixtures used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import CLIENT_ID, redeem, signed_in_code
from site_runs import ISSUER, OFFLINE, built, http  # noqa: F401 (fixture used by name)
from toolchains import build_servlet_host, failed_start, free_port, java_tools

START_TIMEOUT = 60
HOST_SECONDS = "300"
JVM = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-Xmx192m"]


@pytest.fixture(scope="module")
def jar(tmp_path_factory) -> Path:
    return built(build_servlet_host, tmp_path_factory.mktemp("java-servlet") / "servlethost")


def command(jar: Path) -> Callable[[int], list[str]]:
    return lambda port: [java_tools()[1], *JVM, "-jar", str(jar), str(port)]


def running_host(jar: Path, key_file: Path, key, **overrides: str | None):
    return running_jar(command(jar), jar.parent, key_file, key, START_TIMEOUT, HOST_SECONDS, **overrides)


@pytest.fixture(scope="module")
def host(jar, signing_key):
    key, key_file = signing_key
    with running_host(jar, key_file, key) as site:
        yield site


def test_the_login_filter_guards_authorize_only(http, host):
    auth = signed_in_code(http, host)
    assert auth.response.headers["x-guard"] == "ran"
    assert "x-guard" not in redeem(http, host, auth.code, auth.verifier).headers


def test_the_in_process_store_says_so_at_start_up(host):
    text = LOGS[host.origin].read_text()
    assert "WARNING" in text and "GENESYS_OIDC_STORE_URL" in text


@pytest.mark.parametrize("overrides, says", [
    ({"GENESYS_OIDC_CLIENT_SECRET": None}, "missing GENESYS_OIDC_CLIENT_SECRET"),
    ({"GENESYS_OIDC_REDIRECT_URIS": "http://shop.example.com/"}, "http only for loopback hosts"),
    ({"GENESYS_OIDC_REFRESH_TTL": "60"}, "GENESYS_OIDC_REFRESH_TTL"),
    ({"GENESYS_OIDC_STORE_URL": "redis://127.0.0.1:1/0"}, "GENESYS_OIDC_STORE_URL"),
])
def test_bad_settings_stop_start_up_naming_them(jar, signing_key, overrides, says):
    port = free_port()
    output = failed_start(command(jar)(port), jar_env(signing_key[1], port, HOST_SECONDS, **overrides),
                          START_TIMEOUT)[1]
    assert says in output


# --- two processes on one Redis -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair(jar, signing_key, redis_url):  # noqa: F811
    key, key_file = signing_key
    with running_host(jar, key_file, key, GENESYS_OIDC_ISSUER=ISSUER, GENESYS_OIDC_STORE_URL=redis_url) as a, \
            running_host(jar, key_file, key, GENESYS_OIDC_ISSUER=ISSUER, GENESYS_OIDC_STORE_URL=redis_url) as b:
        yield a, b


def test_two_processes_share_codes_and_refresh_tokens(http, pair):
    a, b = pair
    auth = signed_in_code(http, a, scope=OFFLINE)
    response = redeem(http, b, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    claims = jwt.decode(tokens["id_token"], a.key.public_key(), algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER)
    assert claims["sub"] == "42" and claims["nonce"] == auth.nonce
    rotated = refresh(http, a, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    assert refresh(http, b, tokens["refresh_token"]).json()["error"] == "invalid_grant"  # reuse at the other
    assert userinfo(http, a, rotated.json()["access_token"]).status_code == 401  # ...revoked the sign-in
    for host in (a, b):
        assert redeem(http, host, auth.code, auth.verifier).json()["error"] == "invalid_grant"
    assert "GENESYS_OIDC_STORE_URL" not in LOGS[a.origin].read_text()
