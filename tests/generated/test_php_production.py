"""What makes the PHP and Ruby providers fit for production, run against the plain-PHP provider
under `php -S` here and imported by test_rb_production.py for the Ruby one (pytest collects them
there with its fixtures): refresh tokens with rotation and reuse detection, 15-minute access tokens,
GENESYS_OIDC_REFRESH_TTL, a reused code revoking what it issued, Sec-Fetch-Site in redirect mode,
max_age and prompt with the site's sign-in time, the next key in the JWKS, the /token body limit,
two servers sharing a real Redis, and the certified relying party (openid-client) through it all.

Fixtures the tests use: `http`, `host` (a running provider whose site signs in "alice" / "bob" from a
`session` cookie and takes the sign-in time from X-Test-Signed-In-At), `clock` (shifts the
provider's clock) and `launch` (a context manager: another provider with settings overridden).
"""

from __future__ import annotations

import contextlib
import time

import httpx
import jwt
import pytest
from certified_rp import drive
from provider_fixtures import clock  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    authorize,
    basic_auth,
    redeem,
    rfc7638_thumbprint,
    rsa_pem,
    signed_in_code,
    verify_id_token,
)
from site_runs import http  # noqa: F401 (fixture used by name)
from test_php_provider import PHP, render_provider, running_php

OFFLINE = "openid profile email offline_access"

pytestmark = pytest.mark.skipif(PHP is None, reason="php is not installed (apt-get install php-cli)")


# --- the PHP provider under php -S (test_rb_production.py has the Ruby one) -------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("php-production")


@pytest.fixture(scope="module")
def signing_key(workdir):
    key, pem = rsa_pem()
    (workdir / "oidc-key.pem").write_bytes(pem)
    return key, workdir / "oidc-key.pem"


@pytest.fixture(scope="module")
def launch(workdir, signing_key):
    provider = render_provider(workdir)
    key, key_file = signing_key

    @contextlib.contextmanager
    def start(**overrides):
        with running_php(provider, key_file, key, workdir, **overrides) as running:
            yield running

    return start


@pytest.fixture(scope="module")
def host(launch):
    with launch() as running:
        yield running


def refresh(http: httpx.Client, host, token: str, secret: str = CLIENT_SECRET) -> httpx.Response:
    return http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token", "refresh_token": token},
                     headers={"Authorization": basic_auth(CLIENT_ID, secret)})


def signed_in_tokens(http, host, scope: str = OFFLINE, **params) -> dict:
    auth = signed_in_code(http, host, scope=scope, **params)
    response = redeem(http, host, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    return {"auth": auth, **response.json()}


def userinfo(http, host, access_token: str) -> httpx.Response:
    return http.get(f"{host.issuer}/userinfo", headers={"Authorization": f"Bearer {access_token}"})


# --- sessions that last ---------------------------------------------------------------------------


def test_access_tokens_last_fifteen_minutes(http, host, clock):
    tokens = signed_in_tokens(http, host)
    assert tokens["expires_in"] == 900
    clock(899)
    assert userinfo(http, host, tokens["access_token"]).status_code == 200
    clock(901)
    assert userinfo(http, host, tokens["access_token"]).status_code == 401


def test_offline_access_gets_a_refresh_token_that_rotates(http, host):
    tokens = signed_in_tokens(http, host)
    first = verify_id_token(http, host, tokens["id_token"])
    response = refresh(http, host, tokens["refresh_token"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    renewed = response.json()
    assert renewed["refresh_token"] != tokens["refresh_token"] and renewed["expires_in"] == 900
    claims = verify_id_token(http, host, renewed["id_token"])
    assert claims["sub"] == first["sub"] == "42" and claims["auth_time"] == first["auth_time"]
    assert claims["iat"] >= first["iat"] and claims["aud"] == CLIENT_ID and "nonce" not in claims
    assert userinfo(http, host, renewed["access_token"]).json()["sub"] == "42"
    # the new one rotates again
    assert refresh(http, host, renewed["refresh_token"]).status_code == 200


def test_a_reused_refresh_token_revokes_the_whole_sign_in(http, host):
    tokens = signed_in_tokens(http, host)
    renewed = refresh(http, host, tokens["refresh_token"]).json()
    reused = refresh(http, host, tokens["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # the thief's copy and the visitor's newer tokens die together
    assert refresh(http, host, renewed["refresh_token"]).status_code == 400
    assert userinfo(http, host, renewed["access_token"]).status_code == 401
    assert userinfo(http, host, tokens["access_token"]).status_code == 401


def test_without_offline_access_there_is_no_refresh_token(http, host):
    tokens = signed_in_tokens(http, host, scope="openid profile email")
    assert "refresh_token" not in tokens
    assert refresh(http, host, "not-a-refresh-token").json()["error"] == "invalid_grant"


def test_a_refresh_needs_the_client_secret(http, host):
    tokens = signed_in_tokens(http, host)
    wrong = refresh(http, host, tokens["refresh_token"], secret=CLIENT_SECRET + "x")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert refresh(http, host, tokens["refresh_token"]).status_code == 200  # not burnt by the stranger


def test_refresh_tokens_end_a_day_after_the_sign_in_by_default(http, host, clock):
    tokens = signed_in_tokens(http, host)
    clock(86000)
    renewed = refresh(http, host, tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    clock(86401)
    assert refresh(http, host, renewed.json()["refresh_token"]).status_code == 400


def test_the_refresh_lifetime_follows_GENESYS_OIDC_REFRESH_TTL(http, launch):
    with launch(GENESYS_OIDC_REFRESH_TTL="1200") as short:
        tokens = signed_in_tokens(http, short)
        http.post(f"{short.origin}/test/clock", params={"offset": 1100}).raise_for_status()
        renewed = refresh(http, short, tokens["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        http.post(f"{short.origin}/test/clock", params={"offset": 1201}).raise_for_status()
        assert refresh(http, short, renewed.json()["refresh_token"]).status_code == 400
        http.post(f"{short.origin}/test/clock", params={"offset": 0}).raise_for_status()


def test_a_reused_code_revokes_the_tokens_issued_from_it(http, host):
    tokens = signed_in_tokens(http, host)
    auth = tokens["auth"]
    replay = redeem(http, host, auth.code, auth.verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert userinfo(http, host, tokens["access_token"]).status_code == 401
    assert refresh(http, host, tokens["refresh_token"]).status_code == 400


# --- review findings ------------------------------------------------------------------------------


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_redirect_mode_refuses_browsers_sent_by_another_site(http, host, site):
    auth = authorize(http, host, headers={"Sec-Fetch-Site": site})
    assert auth.response.status_code == 403
    assert "location" not in auth.response.headers and "code" not in auth.response.text


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_redirect_mode_serves_same_origin_and_typed_navigations(http, host, site):
    auth = authorize(http, host, headers={"Sec-Fetch-Site": site})
    assert auth.response.status_code == 302 and auth.location["code"]


def test_max_age_is_honoured_with_the_sites_sign_in_time(http, host):
    signed_in_at = int(time.time()) - 600
    header = {"X-Test-Signed-In-At": str(signed_in_at)}
    old = authorize(http, host, headers=header, max_age="300")
    assert old.response.status_code == 302 and old.location["error"] == ["login_required"]
    assert "code" not in old.location
    recent = authorize(http, host, headers=header, max_age="900")
    assert recent.response.status_code == 302 and recent.location["code"]
    claims = verify_id_token(http, host, redeem(http, host, recent.code, recent.verifier).json()["id_token"])
    assert claims["auth_time"] == signed_in_at  # the sign-in, not the code
    assert authorize(http, host, max_age="soon").location["error"] == ["invalid_request"]
    # a sign-in time the site does not know cannot be shown to be recent enough
    assert authorize(http, host, max_age="86400").location["error"] == ["login_required"]


def test_prompt_login_needs_a_fresh_sign_in_and_prompt_none_never_prompts(http, host):
    stale = authorize(http, host, headers={"X-Test-Signed-In-At": str(int(time.time()) - 600)}, prompt="login")
    assert stale.location["error"] == ["login_required"]
    unknown = authorize(http, host, prompt="login")
    assert unknown.location["error"] == ["login_required"]
    fresh = authorize(http, host, headers={"X-Test-Signed-In-At": str(int(time.time()))}, prompt="login")
    assert fresh.location["code"]
    assert authorize(http, host, prompt="none").location["code"]
    assert authorize(http, host, prompt="none", session=None).location["error"] == ["login_required"]
    assert authorize(http, host, prompt="none login").location["error"] == ["invalid_request"]


@pytest.mark.parametrize("param", ["nonce", "state"])
def test_nonce_and_state_are_limited_in_length(http, host, param):
    auth = authorize(http, host, **{param: "n" * 513})
    assert auth.response.status_code == 302 and auth.location["error"] == ["invalid_request"]
    assert "code" not in auth.location


def test_a_large_token_body_is_refused_before_client_authentication(http, host):
    response = http.post(f"{host.issuer}/token", content=b"grant_type=authorization_code&code=" + b"a" * 20000,
                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                  "Authorization": basic_auth(CLIENT_ID, "wrong")})
    assert response.status_code == 413 and response.json()["error"] == "invalid_request"


def test_secret_and_code_in_the_query_string_are_not_read(http, host):
    auth = signed_in_code(http, host)
    response = http.post(f"{host.issuer}/token", params={
        "grant_type": "authorization_code", "code": auth.code, "redirect_uri": REDIRECT_URI,
        "code_verifier": auth.verifier, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert redeem(http, host, auth.code, auth.verifier).status_code == 200  # the code was not spent


def test_the_jwks_carries_the_next_key_and_tokens_stay_signed_by_the_current_one(http, launch, tmp_path):
    next_key, pem = rsa_pem()
    (tmp_path / "next.pem").write_bytes(pem)
    with launch(GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE=str(tmp_path / "next.pem")) as rotating:
        keys = http.get(f"{rotating.issuer}/jwks.json").json()["keys"]
        assert [k["kid"] for k in keys] == [rfc7638_thumbprint(rotating.key), rfc7638_thumbprint(next_key)]
        assert all("d" not in k for k in keys)
        tokens = signed_in_tokens(http, rotating)
        assert jwt.get_unverified_header(tokens["id_token"])["kid"] == rfc7638_thumbprint(rotating.key)


# --- several processes, one Redis -------------------------------------------------------------------


def test_two_processes_share_codes_and_refresh_tokens_through_redis(http, launch, redis_url):  # noqa: F811
    with launch(GENESYS_OIDC_STORE_URL=redis_url) as one, launch(GENESYS_OIDC_STORE_URL=redis_url) as two:
        auth = signed_in_code(http, one, scope=OFFLINE)
        response = redeem(http, two, auth.code, auth.verifier)
        assert response.status_code == 200, response.text
        tokens = response.json()
        claims = verify_id_token(http, two, tokens["id_token"])
        assert claims["sub"] == "42" and claims["nonce"] == auth.nonce
        assert userinfo(http, one, tokens["access_token"]).json()["sub"] == "42"
        for host in (one, two):
            replay = redeem(http, host, auth.code, auth.verifier)
            assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        # the code's replay revoked that sign-in everywhere
        assert userinfo(http, one, tokens["access_token"]).status_code == 401

        later = redeem(http, one, *_code(http, two)).json()
        renewed = refresh(http, two, later["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        assert refresh(http, one, later["refresh_token"]).status_code == 400  # reuse, at the other process
        assert userinfo(http, two, renewed.json()["access_token"]).status_code == 401


def _code(http, host) -> tuple[str, str]:
    auth = signed_in_code(http, host, scope=OFFLINE)
    return auth.code, auth.verifier


# --- the certified relying party -------------------------------------------------------------------------


def test_the_certified_relying_party_signs_in_refreshes_and_sees_the_refusals(host):
    seen = drive(host.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI,
                 headers={"Cookie": "session=alice"}, scope=OFFLINE, refresh=True)
    assert seen["issuer"] == host.issuer
    assert "refresh_token" in seen["discovery"]["grant_types_supported"]
    assert "offline_access" in seen["discovery"]["scopes_supported"]
    assert seen["claims"]["sub"] == "42" and seen["userinfo"]["sub"] == "42"
    assert seen["expires_in"] == 900
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"]  # the library refused an ID token without the nonce it sent
    assert seen["refresh_token"] and seen["refreshed"] == {"sub": "42", "rotated": True}
    assert seen["refresh_reused"] == "invalid_grant"
