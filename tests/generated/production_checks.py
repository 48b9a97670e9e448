"""The provider contract's production checks (templates/README.md: store, refresh, rotation, limits),
written with the relying party of relying_party.py against the fixtures of the module that imports
them, like oidc_contract.py: `http`, `host` (a running provider whose site signs in "alice", whose
sign-in time it knows, and "bob", whose it does not) and `clock`.

Refresh: offline_access gives a refresh token, each works once (rotation), a reused one revokes the
sign-in, access tokens live 15 minutes. The security review's findings: Sec-Fetch-Site cross-site and
same-site refused in both /authorize modes, `Cache-Control: no-store` on /authorize, RFC 7636
challenge and verifier formats, bounded state, nonce and /token body, no code or secret in the /token
URL, a replayed code revoking what it issued, auth_time from the site, max_age and prompt.
test_go_provider_run.py and test_java_provider_run.py import them.
"""

from __future__ import annotations

import base64
import hashlib

import jwt
import pytest
from certified_rp import drive
from relying_party import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    authorize,
    basic_auth,
    redeem,
    signed_in_code,
    verify_id_token,
)

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


def test_a_refresh_may_narrow_the_scope_never_widen_it(http, host):
    tokens = signed_in_tokens(http, host)
    wider = http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                                     "scope": "openid admin"},
                      headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    narrower = http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token",
                                                        "refresh_token": tokens["refresh_token"],
                                                        "scope": "openid offline_access"},
                         headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})
    assert narrower.status_code == 200, narrower.text  # the refused attempt did not use the token up


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
    """16 KiB at most, read before the client is authenticated. The body is 64 KiB, which the socket
    buffers take whole: a server that answers without reading it all must not reset the sender."""
    big = {"grant_type": "authorization_code", "code": "x" * (64 << 10)}
    response = http.post(f"{host.issuer}/token", data=big)  # no credentials at all
    assert response.status_code == 413 and response.json()["error"] == "invalid_request"
    sent_without_length = http.post(f"{host.issuer}/token", content=iter([b"grant_type=x&code=" + b"x" * (64 << 10)]),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert sent_without_length.status_code == 413
    fits = http.post(f"{host.issuer}/token", data={"grant_type": "authorization_code", "code": "x" * (15 << 10)})
    assert fits.status_code == 401  # within the limit: on to client authentication


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
    assert authorize(http, host, prompt="login").location["error"] == ["login_required"]  # not just signed in
    clock(0)
    unknown = authorize(http, host, session="bob", max_age="3600")  # the site does not say when bob signed in
    assert unknown.location["error"] == ["login_required"]
    assert authorize(http, host, prompt="login", session="bob").location["error"] == ["login_required"]
    assert authorize(http, host, prompt="none").code
    assert authorize(http, host, prompt="none", session=None).location["error"] == ["login_required"]
    assert authorize(http, host, prompt="none login").location["error"] == ["invalid_request"]
    assert authorize(http, host, max_age="soon").location["error"] == ["invalid_request"]


def test_a_certified_relying_party_signs_in_refreshes_and_is_refused(host):
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
