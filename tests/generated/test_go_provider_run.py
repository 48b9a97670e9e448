"""The Go provider (templates/go/genesysoidc.go.j2), built with the go command and run for real.

toolchains.py renders it into a copy of tests/generated/go/hostapp, a Go module whose site mounts
it the way the generated wiring does (net/http `mux.Handle`, chi `Mount`, gin one route per
endpoint with the login middleware on /authorize only), with a fake login session, and builds it
once for this module. Each site is started on 127.0.0.1 and driven through the contract tests of
oidc_contract.py by the independent relying party of relying_party.py (PKCE S256, nonce, state,
client authentication, the ID token verified by kid from the served JWKS); the start-up refusals
are checked here. Without Go or the module proxy these tests are skipped, with the reason.
(test_go_provider.py keeps the parse, golden and mutation checks.)
"""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from oidc_contract import (  # noqa: F401  (the imported tests run against the Go sites)
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
from production_checks import (  # noqa: F401  (the imported tests run against the Go sites)
    OFFLINE,
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
    authorize,
    provider_env,
    redeem,
    rfc7638_thumbprint,
    rsa_pem,
    signed_in_code,
    verify_id_token,
)
from site_runs import built, host_at, http  # noqa: F401 (fixture used by name)
from toolchains import (
    build_go_host,
    build_go_provider_alone,
    failed_start,
    go_test,
    running,
    wiring_modules,
)

ROUTERS = ["nethttp", "chi", "gin"]
START_TIMEOUT = 20  # seconds for the built site to print its port
HOST_SECONDS = "300"  # a module's site never outlives this
_logs = itertools.count()


@pytest.fixture(scope="module")
def hostapp(tmp_path_factory) -> Path:
    return built(build_go_host, tmp_path_factory.mktemp("go-provider") / "hostapp")


def command(hostapp: Path, router: str = "nethttp", entry: str = "new") -> list[str]:
    return [str(hostapp), "-router", router, "-entry", entry]


@contextlib.contextmanager
def running_host(hostapp: Path, key_file: Path, key: rsa.RSAPrivateKey, router: str = "nethttp",
                 entry: str = "new", **overrides: str | None):
    env = provider_env(key_file, **{"HOST_APP_MAX_SECONDS": HOST_SECONDS, **overrides})
    log = hostapp.parent / f"host-{router}-{entry}-{next(_logs)}.log"
    with running(command(hostapp, router, entry), env, log, START_TIMEOUT) as port:
        yield host_at(f"http://127.0.0.1:{port}", key)


def start_refused(hostapp: Path, key_file: Path | None, entry: str = "new", **overrides: str | None) -> str:
    env = provider_env(key_file, **overrides)
    env["GENESYS_OIDC_ISSUER"] = env.get("GENESYS_OIDC_ISSUER", "").replace("{port}", "8080")
    return failed_start(command(hostapp, entry=entry), env, START_TIMEOUT)[1]


# --- fixtures (the names the imported contract tests use) -----------------------------------------


@pytest.fixture(scope="module", params=ROUTERS)
def host(request, hostapp, signing_key):
    key, key_file = signing_key
    with running_host(hostapp, key_file, key, router=request.param) as site:
        yield site


# --- where the Go provider answers in its own words ----------------------------------------------


def test_no_session_is_login_required_without_a_code(http, host):
    """As in oidc_contract.py; the redirect also carries an error_description."""
    auth = authorize(http, host, session=None)
    assert auth.response.status_code == 302
    assert auth.location["error"] == ["login_required"] and auth.location["state"] == [auth.state]
    assert "code" not in auth.location

    auth = authorize(http, host, session=None, as_json=True)
    assert auth.response.status_code == 401
    assert auth.response.json()["error"] == "login_required"
    assert "code" not in auth.response.json() and "location" not in auth.response.headers


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


def test_unknown_paths_are_not_found(http, host):
    assert http.get(f"{host.issuer}/nothing-here").status_code == 404
    assert http.post(f"{host.issuer}/authorize").status_code in (404, 405)
    assert http.get(f"{host.origin}/elsewhere").status_code == 404


def test_handler_as_the_wiring_calls_it_serves_the_flow(hostapp, signing_key, http):
    """genesysoidc.Handler(claims, requireLogin) mounted with chi, settings from the environment."""
    key, key_file = signing_key
    with running_host(hostapp, key_file, key, router="chi", entry="handler") as site:
        auth = signed_in_code(http, site)
        assert auth.response.headers["x-guard"] == "ran"
        response = redeem(http, site, auth.code, auth.verifier)
        assert response.status_code == 200, response.text
        claims = verify_id_token(http, site, response.json()["id_token"])
        assert claims["sub"] == "42" and claims["nonce"] == auth.nonce


def test_the_provider_builds_with_the_module_versions_the_wiring_requires(tmp_path):
    """The host app requires newer versions; a migrated site's go.mod gets the wiring's."""
    built(build_go_provider_alone, tmp_path, wiring_modules())


# --- start-up refusals ------------------------------------------------------------------------------


def test_missing_settings_stop_start_up_naming_them_all(hostapp, signing_key):
    message = start_refused(hostapp, signing_key[1], GENESYS_OIDC_CLIENT_SECRET="  ",
                            GENESYS_OIDC_PRIVATE_KEY_FILE=None, GENESYS_OIDC_REDIRECT_URIS=None)
    assert len(message.strip().splitlines()) == 1
    for name in ("GENESYS_OIDC_CLIENT_SECRET", "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS"):
        assert name in message
    assert "GENESYS_OIDC_ISSUER" not in message and "GENESYS_OIDC_CLIENT_ID" not in message


def test_handler_panics_naming_the_missing_settings(hostapp, signing_key):
    message = start_refused(hostapp, signing_key[1], entry="handler", GENESYS_OIDC_CLIENT_ID=None)
    first = message.strip().splitlines()[0]
    assert first.startswith("panic: ") and "missing GENESYS_OIDC_CLIENT_ID" in first


@pytest.mark.parametrize("issuer", ["http://shop.example.com/oidc", "http://localhost.example.com/oidc",
                                    "not a url"])
def test_http_or_relative_issuer_is_refused(hostapp, signing_key, issuer):
    message = start_refused(hostapp, signing_key[1], GENESYS_OIDC_ISSUER=issuer)
    assert "GENESYS_OIDC_ISSUER" in message
    assert ("https" in message) if issuer.startswith("http") else ("absolute URL" in message)


@pytest.mark.parametrize("kind, says", [("rsa-1024", "2048"), ("ec-p256", "RSA"), ("not-pem", "PEM"),
                                        ("no-file", "no such file")])
def test_weak_non_rsa_or_unreadable_key_is_refused(hostapp, tmp_path, kind, says):
    key_file = tmp_path / "key.pem"
    if kind == "rsa-1024":
        key_file.write_bytes(rsa_pem(1024)[1])
    elif kind == "ec-p256":
        key_file.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    elif kind == "not-pem":
        key_file.write_text("hello\n")
    message = start_refused(hostapp, key_file)
    assert "GENESYS_OIDC_PRIVATE_KEY_FILE" in message and says in message


def test_pkcs1_key_is_accepted(hostapp, tmp_path, http):
    key, pem = rsa_pem(pkcs1=True)
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    key_file = tmp_path / "pkcs1.pem"
    key_file.write_bytes(pem)
    with running_host(hostapp, key_file, key) as site:
        (jwk,) = http.get(f"{site.issuer}/jwks.json").json()["keys"]
        assert jwk["kid"] == rfc7638_thumbprint(key)


# --- refresh lifetime, keys, redirect URIs and the store: settings of the Go site -----------------------


@pytest.fixture(scope="module")
def short_refresh(hostapp, signing_key):
    key, key_file = signing_key
    with running_host(hostapp, key_file, key, GENESYS_OIDC_REFRESH_TTL="900") as site:
        yield site


def test_refresh_lifetime_is_genesys_oidc_refresh_ttl(http, short_refresh):
    host = short_refresh

    def shift(seconds: int) -> None:
        http.post(f"{host.origin}/test/clock", params={"offset": seconds}).raise_for_status()

    try:
        tokens = signed_in_tokens(http, host)
        shift(800)
        rotated = refresh(http, host, tokens["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        shift(901)  # the sign-in's lifetime runs from the sign-in, not from the last rotation
        late = refresh(http, host, rotated.json()["refresh_token"])
        assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    finally:
        shift(0)


@pytest.mark.parametrize("value", ["0", "899", "7776001", "a day"])
def test_a_bad_refresh_ttl_stops_start_up(hostapp, signing_key, value):
    assert "GENESYS_OIDC_REFRESH_TTL" in start_refused(hostapp, signing_key[1], GENESYS_OIDC_REFRESH_TTL=value)


def test_the_jwks_carries_the_next_key(hostapp, signing_key, tmp_path, http):
    key, key_file = signing_key
    next_key, pem = rsa_pem()
    next_file = tmp_path / "next.pem"
    next_file.write_bytes(pem)
    with running_host(hostapp, key_file, key, GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE=str(next_file)) as site:
        keys = http.get(f"{site.issuer}/jwks.json").json()["keys"]
        assert [k["kid"] for k in keys] == [rfc7638_thumbprint(key), rfc7638_thumbprint(next_key)]
        assert all("d" not in k for k in keys)
        auth = signed_in_code(http, site)
        token = redeem(http, site, auth.code, auth.verifier).json()["id_token"]
        assert verify_id_token(http, site, token)["sub"] == "42"  # still signed with the current key
        assert jwt.get_unverified_header(token)["kid"] == rfc7638_thumbprint(key)


def test_a_weak_next_key_stops_start_up(hostapp, signing_key, tmp_path):
    weak = tmp_path / "weak.pem"
    weak.write_bytes(rsa_pem(1024)[1])
    message = start_refused(hostapp, signing_key[1], GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE=str(weak))
    assert "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE" in message and "2048" in message


@pytest.mark.parametrize("uris, accepted", [
    ("http://shop.example.com/", False),
    ("https://shop.example.com/, http://10.0.0.8/cb", False),
    ("https://shop.example.com/#x", False),
    ("http://127.0.0.1:8080/cb, http://localhost/cb, http://[::1]/cb", True),
])
def test_http_redirect_uris_only_for_loopback_hosts(hostapp, signing_key, http, uris, accepted):
    key, key_file = signing_key
    if accepted:
        with running_host(hostapp, key_file, key, GENESYS_OIDC_REDIRECT_URIS=uris) as site:
            assert signed_in_code(http, site, redirect_uri="http://localhost/cb").code
    else:
        assert "GENESYS_OIDC_REDIRECT_URIS" in start_refused(hostapp, key_file, GENESYS_OIDC_REDIRECT_URIS=uris)


def test_the_in_process_store_says_so_at_start_up(hostapp, signing_key):
    key, key_file = signing_key
    with running_host(hostapp, key_file, key) as site:
        log = max(hostapp.parent.glob("host-nethttp-new-*.log"), key=lambda p: p.stat().st_mtime)
        assert site.origin
        text = log.read_text()
        assert "WARNING" in text and "GENESYS_OIDC_STORE_URL" in text and "memory" in text


def test_an_unreachable_store_stops_start_up(hostapp, signing_key):
    from toolchains import free_port

    message = start_refused(hostapp, signing_key[1], GENESYS_OIDC_STORE_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert "GENESYS_OIDC_STORE_URL" in message and "cannot start" in message


def test_the_in_process_store_is_bounded_and_expires_entries_one_by_one(hostapp):
    """tests/generated/go/store_test.go, run with `go test` inside the rendered package."""
    done = go_test(hostapp.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok" in done.stdout


