"""The rendered Node/Express OpenID provider, run under node and driven over HTTP.

The provider is rendered from templates/node/oidc-provider.js.j2 and mounted by a small
Express site (tests/generated/node/host_app.js) with a test login guard and claims function,
the way the generated wiring mounts it. ID tokens are checked with PyJWT against the JWKS.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import select
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from conftest import ROOT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from migrate.generate.render import render

NODE = shutil.which("node") or "node"
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
HARNESS = Path(__file__).resolve().parent / "node"

CLIENT_ID = "genesys-messenger"
CLIENT_SECRET = "s3cret:with/odd+chars%"  # exercises the form-encoding of client_secret_basic
REDIRECT_URI = "https://shop.example.com/"
OTHER_REDIRECT_URI = "https://shop.example.com/chat/callback"
ALICE = {"sub": "42", "name": "Alice Example", "email": "alice@example.com", "email_verified": True}
START_TIMEOUT = 10  # seconds for node to start and print its port


# --- helpers shared with test_authprovider.py ---------------------------------------------------


def rsa_pem(bits: int = 2048, pkcs1: bool = False) -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if pkcs1 else serialization.PrivateFormat.PKCS8
    return key, key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rfc7638_thumbprint(key: rsa.RSAPrivateKey) -> str:
    """The RFC 7638 SHA-256 thumbprint, computed from the key's numbers (not from the JWKS)."""
    numbers = key.public_key().public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    canonical = json.dumps({"e": b64url(e), "kty": "RSA", "n": b64url(n)}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)  # 64 characters
    return verifier, b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def render_provider(directory: Path) -> Path:
    target = directory / "genesys-oidc-provider.js"
    target.write_text(render("node/oidc-provider.js.j2", issuer_path="/oidc"), encoding="utf-8")
    return target


def provider_env(key_file: Path | None, **overrides: str | None) -> dict[str, str]:
    """The host app's environment: a complete, valid configuration unless overridden (None = unset)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GENESYS_OIDC_")}
    env.update(NODE_PATH=str(NODE_MODULES), HOST_APP_MAX_SECONDS="60")
    settings = {
        "GENESYS_OIDC_ISSUER": "http://127.0.0.1:{port}/oidc",
        "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "GENESYS_OIDC_PRIVATE_KEY_FILE": str(key_file) if key_file else None,
        "GENESYS_OIDC_REDIRECT_URIS": f"{REDIRECT_URI}, {OTHER_REDIRECT_URI}",
    }
    settings.update(overrides)
    env.update({name: value for name, value in settings.items() if value is not None})
    return env


@dataclass
class Host:
    origin: str
    issuer: str
    key: rsa.RSAPrivateKey


@contextlib.contextmanager
def running_host(provider_js: Path, key_file: Path, key: rsa.RSAPrivateKey, **overrides: str | None):
    """Starts host_app.js on 127.0.0.1 (port 0) and stops it on exit, whatever happens."""
    proc = subprocess.Popen(
        [NODE, str(HARNESS / "host_app.js"), str(provider_js)],
        env=provider_env(key_file, **overrides),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("listening "):
            proc.kill()
            raise AssertionError(f"host app did not start: {line!r} {proc.communicate(timeout=5)[1]}")
        origin = f"http://127.0.0.1:{int(line.split()[1])}"
        yield Host(origin=origin, issuer=f"{origin}/oidc", key=key)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        proc.stdout.close()
        proc.stderr.close()


def failed_start(provider_js: Path, key_file: Path | None, **overrides: str | None) -> str:
    """Runs the host app with a broken configuration; returns what it said when it stopped."""
    done = subprocess.run(
        [NODE, str(HARNESS / "host_app.js"), str(provider_js)],
        env=provider_env(key_file, **overrides),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert done.returncode != 0, done.stdout
    assert "listening" not in done.stdout
    return done.stderr


def verify_id_token(http: httpx.Client, host: Host, id_token: str) -> dict:
    """Verifies the ID token the way a relying party does: JWKS by kid, RS256, iss, aud, exp."""
    kid = jwt.get_unverified_header(id_token)["kid"]
    keys = http.get(f"{host.issuer}/jwks.json").json()["keys"]
    (jwk,) = [k for k in keys if k["kid"] == kid]
    return jwt.decode(
        id_token,
        key=jwt.PyJWK(jwk),
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=host.issuer,
        options={"require": ["iss", "sub", "aud", "exp", "iat", "auth_time"]},
    )


def basic_auth(client_id: str, secret: str) -> str:
    # RFC 6749 2.3.1: each part form-encoded before base64.
    from urllib.parse import quote_plus

    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def redeem(http: httpx.Client, host: Host, code: str, verifier: str, *, redirect_uri: str = REDIRECT_URI,
           auth: str = "basic", secret: str = CLIENT_SECRET) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    headers = {}
    if auth == "basic":
        headers["Authorization"] = basic_auth(CLIENT_ID, secret)
    elif auth == "post":
        form.update(client_id=CLIENT_ID, client_secret=secret)
    return http.post(f"{host.issuer}/token", data=form, headers=headers)


@dataclass
class Authorization:
    response: httpx.Response
    state: str
    nonce: str
    verifier: str

    @property
    def location(self) -> dict[str, list[str]]:
        location = self.response.headers["location"]
        return parse_qs(urlsplit(location).query)

    @property
    def code(self) -> str:
        if self.response.status_code == 200:
            return self.response.json()["code"]
        return self.location["code"][0]


def authorize(http: httpx.Client, host: Host, *, session: str | None = "alice", as_json: bool = False,
              headers: dict[str, str] | None = None, **params: str | None) -> Authorization:
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
             "scope": "openid profile email", "state": state, "nonce": nonce,
             "code_challenge": challenge, "code_challenge_method": "S256"}
    query.update(params)
    sent = dict(headers or {})
    if session:
        sent["Cookie"] = f"session={session}"
    if as_json:
        sent["Accept"] = "application/json"
    response = http.get(f"{host.issuer}/authorize",
                        params={k: v for k, v in query.items() if v is not None}, headers=sent)
    return Authorization(response, state, nonce, verifier)


def signed_in_code(http: httpx.Client, host: Host, **params: str | None) -> Authorization:
    auth = authorize(http, host, **params)
    assert auth.response.status_code == 302, auth.response.text
    assert auth.response.headers["location"].startswith(params.get("redirect_uri") or REDIRECT_URI)
    assert auth.location["state"] == [auth.state]
    return auth


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider_js(tmp_path_factory) -> Path:
    return render_provider(tmp_path_factory.mktemp("node-provider"))


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory) -> tuple[rsa.RSAPrivateKey, Path]:
    key, pem = rsa_pem()
    path = tmp_path_factory.mktemp("key") / "oidc-key.pem"
    path.write_bytes(pem)
    return key, path


@pytest.fixture(scope="module")
def host(provider_js, signing_key):
    key, key_file = signing_key
    with running_host(provider_js, key_file, key) as running:
        yield running


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=5, follow_redirects=False) as client:
        yield client


@pytest.fixture
def clock(http, host):
    """Shifts the provider's clock (seconds); always put back."""
    def shift(seconds: int) -> None:
        http.post(f"{host.origin}/test/clock", params={"offset": seconds}).raise_for_status()

    try:
        yield shift
    finally:
        shift(0)


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
    assert doc["grant_types_supported"] == ["authorization_code"]
    assert doc["subject_types_supported"] == ["public"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert sorted(doc["token_endpoint_auth_methods_supported"]) == ["client_secret_basic", "client_secret_post"]
    assert doc["scopes_supported"] == ["openid", "profile", "email"]
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


# --- start-up refusals ------------------------------------------------------------------------------


def test_missing_settings_stop_start_up_naming_them_all(provider_js, signing_key):
    message = failed_start(provider_js, signing_key[1], GENESYS_OIDC_CLIENT_SECRET="  ",
                           GENESYS_OIDC_PRIVATE_KEY_FILE=None, GENESYS_OIDC_REDIRECT_URIS=None)
    assert len(message.strip().splitlines()) == 1
    for name in ("GENESYS_OIDC_CLIENT_SECRET", "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS"):
        assert name in message
    assert "GENESYS_OIDC_ISSUER" not in message and "GENESYS_OIDC_CLIENT_ID" not in message


@pytest.mark.parametrize("issuer", ["http://shop.example.com/oidc", "http://localhost.example.com/oidc"])
def test_http_issuer_is_refused_off_localhost(provider_js, signing_key, issuer):
    message = failed_start(provider_js, signing_key[1], GENESYS_OIDC_ISSUER=issuer)
    assert "GENESYS_OIDC_ISSUER" in message and "https" in message


@pytest.mark.parametrize("kind", ["rsa-1024", "ec-p256"])
def test_weak_or_non_rsa_key_is_refused(provider_js, tmp_path, kind):
    if kind == "rsa-1024":
        pem = rsa_pem(1024)[1]
    else:
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    key_file = tmp_path / "weak.pem"
    key_file.write_bytes(pem)
    message = failed_start(provider_js, key_file)
    assert "GENESYS_OIDC_PRIVATE_KEY_FILE" in message and "2048" in message


def test_pkcs1_key_is_accepted(provider_js, tmp_path, http):
    key, pem = rsa_pem(pkcs1=True)
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    key_file = tmp_path / "pkcs1.pem"
    key_file.write_bytes(pem)
    with running_host(provider_js, key_file, key) as running:
        (jwk,) = http.get(f"{running.issuer}/jwks.json").json()["keys"]
        assert jwk["kid"] == rfc7638_thumbprint(key)
