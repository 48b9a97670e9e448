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

import httpx
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
from provider_fixtures import clock, signing_key  # noqa: F401 (fixtures used by name)
from relying_party import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    Host,
    authorize,
    basic_auth,
    provider_env,
    redeem,
    rfc7638_thumbprint,
    rsa_pem,
    signed_in_code,
    verify_id_token,
)
from toolchains import (
    BuildFailed,
    Unavailable,
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
    try:
        return build_go_host(tmp_path_factory.mktemp("go-provider") / "hostapp")
    except Unavailable as e:
        pytest.skip(str(e))
    except BuildFailed as e:
        pytest.fail(str(e), pytrace=False)


def command(hostapp: Path, router: str = "nethttp", entry: str = "new") -> list[str]:
    return [str(hostapp), "-router", router, "-entry", entry]


@contextlib.contextmanager
def running_host(hostapp: Path, key_file: Path, key: rsa.RSAPrivateKey, router: str = "nethttp",
                 entry: str = "new", **overrides: str | None):
    env = provider_env(key_file, **{"HOST_APP_MAX_SECONDS": HOST_SECONDS, **overrides})
    log = hostapp.parent / f"host-{router}-{entry}-{next(_logs)}.log"
    with running(command(hostapp, router, entry), env, log, START_TIMEOUT) as port:
        origin = f"http://127.0.0.1:{port}"
        yield Host(origin=origin, issuer=f"{origin}/oidc", key=key)


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


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        yield client


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
    try:
        build_go_provider_alone(tmp_path, wiring_modules())
    except Unavailable as e:
        pytest.skip(str(e))
    except BuildFailed as e:
        pytest.fail(str(e), pytrace=False)


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


# --- discovery, refresh and the sign-in's tokens ----------------------------------------------------


OFFLINE = "openid profile email offline_access"


def refresh(http, host, token: str, *, auth: str = "basic"):
    form = {"grant_type": "refresh_token", "refresh_token": token}
    headers = {"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)} if auth == "basic" else {}
    if auth == "post":
        form.update(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    return http.post(f"{host.issuer}/token", data=form, headers=headers)


def userinfo(http, host, access_token: str):
    return http.get(f"{host.issuer}/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def signed_in_tokens(http, host, scope: str = OFFLINE, **params) -> dict:
    auth = signed_in_code(http, host, scope=scope, **params)
    response = redeem(http, host, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    return response.json()


def test_discovery_advertises_refresh_and_offline_access(http, host):
    doc = http.get(f"{host.issuer}/.well-known/openid-configuration").json()
    assert doc["issuer"] == host.issuer and doc["token_endpoint"] == f"{host.issuer}/token"
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["scopes_supported"] == ["openid", "profile", "email", "offline_access"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert {"sub", "name", "email", "nonce", "auth_time"} <= set(doc["claims_supported"])


def test_access_tokens_last_fifteen_minutes_and_refresh_needs_offline_access(http, host, clock):
    plain = signed_in_tokens(http, host, scope="openid profile email")
    assert plain["expires_in"] == 900 and "refresh_token" not in plain
    tokens = signed_in_tokens(http, host)
    assert tokens["expires_in"] == 900 and tokens["refresh_token"]
    clock(899)
    assert userinfo(http, host, tokens["access_token"]).status_code == 200
    clock(901)
    assert userinfo(http, host, tokens["access_token"]).status_code == 401


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(http, host):
    first = signed_in_tokens(http, host)
    second = refresh(http, host, first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.headers["cache-control"] == "no-store"
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"] and body["access_token"] != first["access_token"]
    assert body["expires_in"] == 900 and body["token_type"] == "Bearer"
    claims = verify_id_token(http, host, body["id_token"])
    first_claims = verify_id_token(http, host, first["id_token"])
    assert claims["sub"] == "42" and claims["auth_time"] == first_claims["auth_time"] and "nonce" not in claims
    assert userinfo(http, host, body["access_token"]).json()["sub"] == "42"
    # The first refresh token again: refused, and everything issued from that sign-in stops working.
    reused = refresh(http, host, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert refresh(http, host, body["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(http, host, body["access_token"]).status_code == 401
    # Another sign-in is untouched.
    other = signed_in_tokens(http, host)
    assert refresh(http, host, other["refresh_token"], auth="post").status_code == 200


def test_refresh_needs_the_client(http, host):
    tokens = signed_in_tokens(http, host)
    anonymous = http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token",
                                                         "refresh_token": tokens["refresh_token"]})
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    assert refresh(http, host, tokens["refresh_token"]).status_code == 200  # not burnt by the attempt
    assert refresh(http, host, "not-a-refresh-token").json()["error"] == "invalid_grant"


def test_a_replayed_code_revokes_the_tokens_issued_from_it(http, host):
    auth = signed_in_code(http, host, scope=OFFLINE)
    tokens = redeem(http, host, auth.code, auth.verifier).json()
    assert userinfo(http, host, tokens["access_token"]).status_code == 200
    assert redeem(http, host, auth.code, auth.verifier).json()["error"] == "invalid_grant"
    assert userinfo(http, host, tokens["access_token"]).status_code == 401
    assert refresh(http, host, tokens["refresh_token"]).json()["error"] == "invalid_grant"


@pytest.fixture(scope="module")
def short_refresh(hostapp, signing_key):
    key, key_file = signing_key
    with running_host(hostapp, key_file, key, GENESYS_OIDC_REFRESH_TTL="120") as site:
        yield site


def test_refresh_lifetime_is_genesys_oidc_refresh_ttl(http, short_refresh):
    host = short_refresh

    def shift(seconds: int) -> None:
        http.post(f"{host.origin}/test/clock", params={"offset": seconds}).raise_for_status()

    try:
        tokens = signed_in_tokens(http, host)
        shift(100)
        rotated = refresh(http, host, tokens["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        shift(121)  # the sign-in's lifetime runs from the sign-in, not from the last rotation
        late = refresh(http, host, rotated.json()["refresh_token"])
        assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    finally:
        shift(0)


@pytest.mark.parametrize("value", ["0", "-5", "a day"])
def test_a_bad_refresh_ttl_stops_start_up(hostapp, signing_key, value):
    assert "GENESYS_OIDC_REFRESH_TTL" in start_refused(hostapp, signing_key[1], GENESYS_OIDC_REFRESH_TTL=value)


# --- the security review's findings -----------------------------------------------------------------


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
@pytest.mark.parametrize("as_json", [False, True])
def test_browser_requests_from_another_site_get_no_code(http, host, site, as_json):
    auth = authorize(http, host, as_json=as_json, headers={"Sec-Fetch-Site": site})
    assert auth.response.status_code == 403 and "location" not in auth.response.headers
    assert auth.response.json()["error"] == "access_denied"
    for allowed in ("same-origin", "none"):
        ok = authorize(http, host, as_json=as_json, headers={"Sec-Fetch-Site": allowed})
        assert ok.response.status_code == (200 if as_json else 302) and ok.code


def test_authorize_answers_are_not_stored_by_caches(http, host):
    for auth in (authorize(http, host), authorize(http, host, as_json=True), authorize(http, host, session=None),
                 authorize(http, host, client_id="someone-else"),
                 authorize(http, host, headers={"Sec-Fetch-Site": "cross-site"})):
        assert auth.response.headers["cache-control"] == "no-store", auth.response.status_code


@pytest.mark.parametrize("challenge", ["A" * 42, "A" * 44, "!" * 43, "A" * 42 + "="])
def test_the_challenge_must_be_an_s256_digest(http, host, challenge):
    auth = authorize(http, host, code_challenge=challenge)
    assert auth.response.status_code == 302
    assert auth.location["error"] == ["invalid_request"] and "code" not in auth.location


@pytest.mark.parametrize("verifier", ["a" * 42, "a" * 129, "a" * 42 + "!"])
def test_a_verifier_outside_rfc_7636_is_refused_even_when_it_hashes_to_the_challenge(http, host, verifier):
    import base64
    import hashlib

    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    auth = signed_in_code(http, host, code_challenge=challenge)
    response = redeem(http, host, auth.code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("name", ["state", "nonce"])
def test_state_and_nonce_are_bounded(http, host, name):
    auth = authorize(http, host, **{name: "s" * 513})
    assert auth.response.status_code == 302
    assert auth.location["error"] == ["invalid_request"] and "code" not in auth.location
    assert "s" * 513 not in auth.response.headers["location"]
    assert authorize(http, host, **{name: "s" * 512}).response.status_code == 302


@pytest.mark.parametrize("where", ["code", "client_secret", "code_verifier"])
def test_token_refuses_codes_and_secrets_in_the_url(http, host, where):
    auth = signed_in_code(http, host)
    params = {"code": auth.code, "client_secret": CLIENT_SECRET, "code_verifier": auth.verifier}
    response = http.post(f"{host.issuer}/token", params={where: params[where]},
                         data={"grant_type": "authorization_code", "code": auth.code, "redirect_uri": REDIRECT_URI,
                               "code_verifier": auth.verifier},
                         headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert redeem(http, host, auth.code, auth.verifier).status_code == 200  # the code was not used


def test_token_body_is_bounded_before_client_authentication(http, host):
    big = {"grant_type": "authorization_code", "code": "x" * (1 << 20)}
    response = http.post(f"{host.issuer}/token", data=big)  # no credentials at all
    assert response.status_code == 413 and response.json()["error"] == "invalid_request"


def test_auth_time_is_the_sites_sign_in_time(http, host, clock):
    def claims(tokens: dict) -> dict:  # the shifted clock puts iat in the future for the verifier
        return jwt.decode(tokens["id_token"], options={"verify_signature": False})

    first = claims(signed_in_tokens(http, host))
    clock(300)
    later = claims(signed_in_tokens(http, host))
    assert later["auth_time"] == first["auth_time"] and later["iat"] >= first["iat"] + 299
    # bob's sign-in time is unknown to the site: the code's time stands in for it
    bob = claims(signed_in_tokens(http, host, session="bob"))
    assert abs(bob["auth_time"] - bob["iat"]) <= 1


def test_max_age_and_prompt(http, host, clock):
    assert signed_in_code(http, host, max_age="600").code
    clock(700)
    stale = authorize(http, host, max_age="600")
    assert stale.location["error"] == ["login_required"] and "code" not in stale.location
    assert authorize(http, host, max_age="800").code
    clock(0)
    unknown = authorize(http, host, session="bob", max_age="3600")  # the site does not say when bob signed in
    assert unknown.location["error"] == ["login_required"]
    assert authorize(http, host, prompt="login").location["error"] == ["login_required"]
    assert authorize(http, host, prompt="none").code
    assert authorize(http, host, prompt="none", session=None).location["error"] == ["login_required"]
    assert authorize(http, host, prompt="none login").location["error"] == ["invalid_request"]
    assert authorize(http, host, max_age="soon").location["error"] == ["invalid_request"]


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


# --- the certified relying party ------------------------------------------------------------------


def test_a_certified_relying_party_signs_in_refreshes_and_is_refused(host):
    from certified_rp import drive

    seen = drive(host.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI,
                 headers={"Cookie": "session=alice"}, scope=OFFLINE, refresh=True)
    assert seen["issuer"] == host.issuer and seen["authorize_status"] == 302
    assert seen["claims"]["sub"] == "42" and seen["claims"]["email"] == "alice@example.com"
    assert seen["userinfo"]["sub"] == "42" and seen["expires_in"] == 900
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] is not None
    assert seen["refresh_token"] is True
    assert seen["refreshed"] == {"sub": "42", "rotated": True}
    assert seen["refresh_reused"] == "invalid_grant"
    assert seen["rotated_after_reuse"] == "invalid_grant"  # the reuse revoked the whole sign-in
    assert seen["access_after_code_reuse"] is not None  # ...and the reused code what it had issued
    assert "refresh_token" in seen["discovery"]["grant_types_supported"]
