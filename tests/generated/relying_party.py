"""The independent relying party that drives every generated OpenID provider the tests run.

It is what Genesys Cloud does with the site's provider, written against the contract of
templates/README.md and nothing else: PKCE S256 + nonce + state at /authorize, client
authentication at /token, and the ID token verified like a relying party verifies it (the key
picked by `kid` from the served JWKS, RS256 only, `iss`, `aud`, `exp`, the required claims). The
provider tests of every language use it (test_node_provider.py and the TypeScript ones, Ruby, PHP,
Go, Java); oidc_contract.py holds the contract tests written with it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "genesys-messenger"
CLIENT_SECRET = "s3cret:with/odd+chars%"  # exercises the form-encoding of client_secret_basic
REDIRECT_URI = "https://shop.example.com/"
OTHER_REDIRECT_URI = "https://shop.example.com/chat/callback"
ALICE = {"sub": "42", "name": "Alice Example", "email": "alice@example.com", "email_verified": True}


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


@dataclass
class Host:
    origin: str
    issuer: str
    key: rsa.RSAPrivateKey


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


def provider_env(key_file: Path | None, **overrides: str | None) -> dict[str, str]:
    """A host app's environment: a complete, valid configuration unless overridden (None = unset).

    GENESYS_OIDC_ISSUER holds "{port}", which the host app fills in once it listens; it exits by
    itself after HOST_APP_MAX_SECONDS (60 unless overridden)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GENESYS_OIDC_")}
    env.update(HOST_APP_MAX_SECONDS="60")
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

