"""The provider contract tests (templates/README.md), written with the relying party of
relying_party.py against the fixtures of the module that imports them: `http` (an httpx.Client),
`host` (a running relying_party.Host whose site signs in "alice" and "bob" from a `session` cookie
behind its login guard, which adds `X-Guard: ran`), and `clock` (shifts the provider's clock).

A provider test imports the tests it runs, and pytest collects them in that module with its
fixtures: test_node_provider.py (and through it the TypeScript ones), test_ruby_provider.py,
test_go_provider_run.py, test_java_provider_run.py.
"""

from __future__ import annotations

import jwt
import pytest
from relying_party import (
    ALICE,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    authorize,
    b64url,
    basic_auth,
    pkce_pair,
    redeem,
    rfc7638_thumbprint,
    signed_in_code,
    verify_id_token,
)

# --- discovery and keys -------------------------------------------------------------------------


def test_discovery_document(http, host):
    response = http.get(f"{host.issuer}/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == host.issuer
    assert doc["authorization_endpoint"] == f"{host.issuer}/authorize"
    assert doc["token_endpoint"] == f"{host.issuer}/token"
    assert doc["jwks_uri"] == f"{host.issuer}/jwks.json"
    assert doc["userinfo_endpoint"] == f"{host.issuer}/userinfo"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["subject_types_supported"] == ["public"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert sorted(doc["token_endpoint_auth_methods_supported"]) == ["client_secret_basic", "client_secret_post"]
    assert doc["scopes_supported"] == ["openid", "profile", "email", "offline_access"]
    assert {"sub", "name", "email", "nonce", "auth_time"} <= set(doc["claims_supported"])


def test_jwks_kid_is_the_rfc7638_thumbprint(http, host):
    (jwk,) = http.get(f"{host.issuer}/jwks.json").json()["keys"]
    numbers = host.key.public_key().public_numbers()
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert jwk["n"] == b64url(numbers.n.to_bytes(256, "big"))
    assert jwk["e"] == "AQAB"
    assert jwk["kid"] == rfc7638_thumbprint(host.key)
    assert "d" not in jwk and "p" not in jwk  # public half only


# --- the full flow ------------------------------------------------------------------------------


def test_full_flow_redirect_then_basic_auth(http, host):
    auth = signed_in_code(http, host)
    assert auth.response.headers["x-guard"] == "ran"  # the site's guard protects /authorize
    response = redeem(http, host, auth.code, auth.verifier, auth="basic")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "x-guard" not in response.headers  # ...and only /authorize
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0 and body["access_token"]

    header = jwt.get_unverified_header(body["id_token"])
    assert header == {"alg": "RS256", "kid": rfc7638_thumbprint(host.key), "typ": "JWT"}
    claims = verify_id_token(http, host, body["id_token"])
    assert claims["nonce"] == auth.nonce
    assert claims["aud"] == CLIENT_ID
    assert {k: claims[k] for k in ALICE} == ALICE
    assert claims["iat"] <= claims["exp"] and claims["auth_time"] <= claims["iat"] + 1


def test_json_mode_then_post_auth(http, host):
    auth = authorize(http, host, as_json=True)
    assert auth.response.status_code == 200, auth.response.text
    assert "location" not in auth.response.headers
    assert auth.response.json()["state"] == auth.state
    response = redeem(http, host, auth.code, auth.verifier, auth="post")
    assert response.status_code == 200, response.text
    claims = verify_id_token(http, host, response.json()["id_token"])
    assert claims["nonce"] == auth.nonce and claims["sub"] == "42"


def test_without_nonce_the_token_has_none(http, host):
    auth = signed_in_code(http, host, nonce=None)
    claims = verify_id_token(http, host, redeem(http, host, auth.code, auth.verifier).json()["id_token"])
    assert "nonce" not in claims


def test_id_token_lifetime_is_at_most_ten_minutes(http, host):
    auth = signed_in_code(http, host)
    token = redeem(http, host, auth.code, auth.verifier).json()["id_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert 0 < claims["exp"] - claims["iat"] <= 600


def test_userinfo_with_the_access_token(http, host):
    auth = signed_in_code(http, host, session="bob")
    access_token = redeem(http, host, auth.code, auth.verifier).json()["access_token"]
    response = http.get(f"{host.issuer}/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    assert response.status_code == 200
    assert response.json() == {"sub": "b-7", "name": "Bob Example", "email": "bob@example.com",
                               "email_verified": True}

    bad = http.get(f"{host.issuer}/userinfo", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"].startswith("Bearer")
    assert http.get(f"{host.issuer}/userinfo").status_code == 401


# --- refusals at /token ---------------------------------------------------------------------------


def test_replayed_code_is_refused(http, host):
    auth = signed_in_code(http, host)
    assert redeem(http, host, auth.code, auth.verifier).status_code == 200
    replay = redeem(http, host, auth.code, auth.verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_wrong_verifier_is_refused_and_kills_the_code(http, host):
    auth = signed_in_code(http, host)
    wrong = redeem(http, host, auth.code, pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # The code stays dead: no second guess, not even the right one.
    retry = redeem(http, host, auth.code, auth.verifier)
    assert retry.status_code == 400 and retry.json()["error"] == "invalid_grant"


def test_redirect_uri_mismatch_at_token_is_refused(http, host):
    auth = signed_in_code(http, host, redirect_uri=OTHER_REDIRECT_URI)  # registered, but not this one
    response = redeem(http, host, auth.code, auth.verifier, redirect_uri=REDIRECT_URI)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("method", ["basic", "post"])
def test_wrong_secret_is_invalid_client(http, host, method):
    auth = signed_in_code(http, host)
    response = redeem(http, host, auth.code, auth.verifier, auth=method, secret=CLIENT_SECRET + "x")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}
    assert ("www-authenticate" in response.headers) == (method == "basic")
    # An unauthenticated caller cannot burn the code either.
    assert redeem(http, host, auth.code, auth.verifier, auth=method).status_code == 200


def test_missing_client_credentials_are_invalid_client(http, host):
    auth = signed_in_code(http, host)
    response = redeem(http, host, auth.code, auth.verifier, auth="none")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_code_expires_after_sixty_seconds(http, host, clock):
    fresh = signed_in_code(http, host)
    clock(59)
    assert redeem(http, host, fresh.code, fresh.verifier).status_code == 200
    clock(0)
    stale = signed_in_code(http, host)
    clock(61)
    response = redeem(http, host, stale.code, stale.verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_unsupported_grant_type(http, host):
    response = http.post(f"{host.issuer}/token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


# --- refusals at /authorize -----------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"redirect_uri": "https://evil.example/"},
    {"redirect_uri": "https://shop.example.com"},  # exact match: no trailing slash is another URI
    {"redirect_uri": "https://shop.example.com/?x=1"},
    {"redirect_uri": None},
    {"client_id": "someone-else"},
])
@pytest.mark.parametrize("as_json", [False, True])
def test_unregistered_redirect_or_client_never_gets_a_redirect(http, host, params, as_json):
    auth = authorize(http, host, as_json=as_json, **params)
    assert auth.response.status_code == 400
    assert "location" not in auth.response.headers
    assert auth.response.json()["error"] == "invalid_request"


def test_no_session_is_login_required_without_a_code(http, host):
    auth = authorize(http, host, session=None)
    assert auth.response.status_code == 302
    assert auth.location == {"error": ["login_required"], "state": [auth.state]}

    auth = authorize(http, host, session=None, as_json=True)
    assert auth.response.status_code == 401
    assert auth.response.json()["error"] == "login_required"
    assert "code" not in auth.response.json() and "location" not in auth.response.headers


@pytest.mark.parametrize("params, error", [
    ({"code_challenge": None}, "invalid_request"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"scope": "profile email"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
])
def test_bad_authorization_requests_get_an_error_not_a_code(http, host, params, error):
    auth = authorize(http, host, **params)
    assert auth.response.status_code == 302
    assert auth.location["error"] == [error] and "code" not in auth.location


def test_json_mode_refuses_cross_site_requests(http, host):
    auth = authorize(http, host, as_json=True, headers={"Sec-Fetch-Site": "cross-site"})
    assert auth.response.status_code == 403 and "code" not in auth.response.json()
    auth = authorize(http, host, as_json=True, headers={"Sec-Fetch-Site": "same-origin"})
    assert auth.response.status_code == 200 and auth.response.json()["code"]
