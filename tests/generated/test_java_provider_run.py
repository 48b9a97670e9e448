"""The Spring Boot provider (templates/java/spring/GenesysOidcController.java.j2), built with Maven
and run for real.

toolchains.py writes the rendered controller into a copy of tests/generated/java/hostapp, a Spring
Boot site with Spring Security whose old controller implements `GenesysOidcController.Claims`
behind `@PreAuthorize` as the wiring leaves it, with a fake login session, and packages it once
for this module (spring-boot-starter-parent 3.5.7, nimbus-jose-jwt 10.10). The jar is started
with `java -jar` on 127.0.0.1 and driven through the contract tests of oidc_contract.py by the
independent relying party of relying_party.py (PKCE S256, nonce, state, client authentication,
the ID token verified by kid from the served JWKS); the start-up refusals are checked here.
Without mvn and java, or Maven Central, these tests are skipped, with the reason.
(test_java_provider.py keeps the parse, golden, mutation and javac checks.)
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from java_sites import JVM, LOGS, jar_env, running_jar
from oidc_contract import (  # noqa: F401  (the imported tests run against the Spring Boot site)
    test_bad_authorization_requests_get_an_error_not_a_code,
    test_code_expires_after_sixty_seconds,
    test_full_flow_redirect_then_basic_auth,
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
    test_userinfo_with_the_access_token,
    test_without_nonce_the_token_has_none,
    test_wrong_verifier_is_refused_and_kills_the_code,
)
from production_checks import (  # noqa: F401  (the imported tests run against the Spring Boot site)
    refresh,
    signed_in_tokens,
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
)
from provider_fixtures import clock, signing_key  # noqa: F401 (fixtures used by name)
from relying_party import (
    CLIENT_SECRET,
    redeem,
    rfc7638_thumbprint,
    rsa_pem,
    signed_in_code,
    verify_id_token,
)
from site_runs import built, http  # noqa: F401 (fixture used by name)
from toolchains import build_java_host, failed_start, free_port, java_tools

START_TIMEOUT = 120  # seconds for Spring Boot to start on a busy 2-core machine
HOST_SECONDS = "600"  # the module's site never outlives this


@pytest.fixture(scope="module")
def jar(tmp_path_factory) -> Path:
    return built(build_java_host, tmp_path_factory.mktemp("java-provider") / "hostapp")


def command(jar: Path) -> Callable[[int], list[str]]:
    return lambda port: [java_tools()[1], *JVM, "-jar", str(jar), f"--server.port={port}"]


def running_host(jar: Path, key_file: Path, key: rsa.RSAPrivateKey, **overrides: str | None):
    return running_jar(command(jar), jar.parent, key_file, key, START_TIMEOUT, HOST_SECONDS, **overrides)


def start_refused(jar: Path, key_file: Path | None, **overrides: str | None) -> str:
    port = free_port()
    return failed_start(command(jar)(port), jar_env(key_file, port, HOST_SECONDS, **overrides), START_TIMEOUT)[1]


# --- fixtures (the names the imported contract tests use) -----------------------------------------


@pytest.fixture(scope="module")
def host(jar, signing_key):
    key, key_file = signing_key
    with running_host(jar, key_file, key) as site:
        yield site


# --- where the Spring Boot provider answers in its own words ---------------------------------------


@pytest.mark.parametrize("method", ["basic", "post"])
def test_wrong_secret_is_invalid_client(http, host, method):
    """As in oidc_contract.py; the body also carries an error_description that tells nothing more."""
    auth = signed_in_code(http, host)
    response = redeem(http, host, auth.code, auth.verifier, auth=method, secret=CLIENT_SECRET + "x")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "client authentication failed"}
    assert ("www-authenticate" in response.headers) == (method == "basic")
    # An unauthenticated caller cannot burn the code either.
    assert redeem(http, host, auth.code, auth.verifier, auth=method).status_code == 200


def test_the_site_keeps_its_own_security(http, host):
    """Spring Security still guards the rest of the site; the provider's endpoints need no login."""
    assert http.get(f"{host.origin}/account").status_code in (401, 403)
    assert http.get(f"{host.issuer}/jwks.json").status_code == 200


# --- start-up refusals ------------------------------------------------------------------------------
# Each is a Spring Boot start that fails; they run side by side to keep the wall time down.


def _key_file(directory: Path, kind: str) -> Path:
    path = directory / f"{kind}.pem"
    if kind == "rsa-1024":
        path.write_bytes(rsa_pem(1024)[1])
    elif kind == "ec-p256":
        path.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    elif kind == "pkcs1":
        path.write_bytes(rsa_pem(pkcs1=True)[1])
    elif kind == "not-pem":
        path.write_text("hello\n")
    return path


REFUSALS = {
    # name: (settings overrides, what the message must contain)
    "missing settings": ({"GENESYS_OIDC_CLIENT_SECRET": "  ", "GENESYS_OIDC_PRIVATE_KEY_FILE": None,
                          "GENESYS_OIDC_REDIRECT_URIS": None},
                         ["missing GENESYS_OIDC_CLIENT_SECRET, GENESYS_OIDC_PRIVATE_KEY_FILE, GENESYS_OIDC_REDIRECT_URIS"]),
    "http issuer": ({"GENESYS_OIDC_ISSUER": "http://shop.example.com/oidc"}, ["GENESYS_OIDC_ISSUER must use https"]),
    "http lookalike issuer": ({"GENESYS_OIDC_ISSUER": "http://localhost.example.com/oidc"},
                              ["GENESYS_OIDC_ISSUER must use https"]),
    "relative issuer": ({"GENESYS_OIDC_ISSUER": "/oidc"}, ["GENESYS_OIDC_ISSUER is not an absolute URL"]),
    "issuer not a URI": ({"GENESYS_OIDC_ISSUER": "https://shop example/oidc"},
                         ["GENESYS_OIDC_ISSUER is not an absolute URL"]),
    "1024-bit key": ({"key": "rsa-1024"}, ["GENESYS_OIDC_PRIVATE_KEY_FILE", "2048"]),
    "EC key": ({"key": "ec-p256"}, ["GENESYS_OIDC_PRIVATE_KEY_FILE", "RSA"]),
    "PKCS#1 key": ({"key": "pkcs1"}, ["GENESYS_OIDC_PRIVATE_KEY_FILE", "PKCS#1", "openssl pkcs8 -topk8 -nocrypt"]),
    "not PEM": ({"key": "not-pem"}, ["GENESYS_OIDC_PRIVATE_KEY_FILE", "PEM"]),
    "no key file": ({"key": "absent"}, ["GENESYS_OIDC_PRIVATE_KEY_FILE"]),
    "refresh TTL not seconds": ({"GENESYS_OIDC_REFRESH_TTL": "a day"},
                                ["GENESYS_OIDC_REFRESH_TTL must be a number of seconds from 900 to 7776000"]),
    "refresh TTL under 900 s": ({"GENESYS_OIDC_REFRESH_TTL": "120"}, ["GENESYS_OIDC_REFRESH_TTL"]),
    "weak next key": ({"next": "rsa-1024"}, ["GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE", "2048"]),
    "http redirect URI": ({"GENESYS_OIDC_REDIRECT_URIS": "https://shop.example.com/, http://shop.example.com/cb"},
                          ["GENESYS_OIDC_REDIRECT_URIS", "http only for loopback hosts"]),
    "unreachable store": ({"GENESYS_OIDC_STORE_URL": "redis://127.0.0.1:1/0"}, ["GENESYS_OIDC_STORE_URL"]),
}


@pytest.fixture(scope="module")
def refusals(jar, signing_key, tmp_path_factory) -> dict[str, str]:
    """What each broken configuration made the site say when it refused to start."""
    keys = tmp_path_factory.mktemp("keys")

    def attempt(overrides: dict[str, str | None]) -> str:
        overrides = dict(overrides)
        kind = overrides.pop("key", None)
        key_file = _key_file(keys, kind) if kind else signing_key[1]
        if "next" in overrides:
            overrides["GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE"] = str(_key_file(keys, overrides.pop("next")))
        return start_refused(jar, key_file, **overrides)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(attempt, overrides) for name, (overrides, _) in REFUSALS.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_settings_stop_start_up_naming_them(refusals, case):
    output = refusals[case]
    for needed in REFUSALS[case][1]:
        assert needed in output, f"{needed!r} not in the start-up output:\n{output[-3000:]}"
    if case == "missing settings":
        assert "GENESYS_OIDC_ISSUER" not in output.split("missing ", 1)[1].splitlines()[0]



# --- the settings of a second site: refresh lifetime, next key, loopback redirect URIs -------------------


@pytest.fixture(scope="module")
def next_key(tmp_path_factory):
    key, pem = rsa_pem()
    path = tmp_path_factory.mktemp("next") / "next.pem"
    path.write_bytes(pem)
    return key, path


@pytest.fixture(scope="module")
def tuned(jar, signing_key, next_key):
    key, key_file = signing_key
    with running_host(jar, key_file, key, GENESYS_OIDC_REFRESH_TTL="900",
                      GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE=str(next_key[1]),
                      GENESYS_OIDC_REDIRECT_URIS="https://shop.example.com/, http://127.0.0.1:8080/cb, "
                                                 "http://localhost/cb, http://[::1]/cb") as site:
        yield site


def test_refresh_lifetime_is_genesys_oidc_refresh_ttl(http, tuned):
    def shift(seconds: int) -> None:
        http.post(f"{tuned.origin}/test/clock", params={"offset": seconds}).raise_for_status()

    try:
        tokens = signed_in_tokens(http, tuned)
        shift(800)
        rotated = refresh(http, tuned, tokens["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        shift(901)  # the sign-in's lifetime runs from the sign-in, not from the last rotation
        late = refresh(http, tuned, rotated.json()["refresh_token"])
        assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    finally:
        shift(0)


def test_the_jwks_carries_the_next_key(http, tuned, next_key):
    keys = http.get(f"{tuned.issuer}/jwks.json").json()["keys"]
    assert [k["kid"] for k in keys] == [rfc7638_thumbprint(tuned.key), rfc7638_thumbprint(next_key[0])]
    assert all("d" not in k for k in keys)
    auth = signed_in_code(http, tuned)
    token = redeem(http, tuned, auth.code, auth.verifier).json()["id_token"]
    assert verify_id_token(http, tuned, token)["sub"] == "42"  # still signed with the current key


@pytest.mark.parametrize("uri", ["http://127.0.0.1:8080/cb", "http://localhost/cb", "http://[::1]/cb"])
def test_http_redirect_uris_are_taken_for_loopback_hosts(http, tuned, uri):
    assert signed_in_code(http, tuned, redirect_uri=uri).code


def test_the_in_process_store_says_so_at_start_up(host):
    text = LOGS[host.origin].read_text()
    assert "WARNING" in text and "GENESYS_OIDC_STORE_URL" in text and "memory" in text
