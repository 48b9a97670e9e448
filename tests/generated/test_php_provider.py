"""The rendered plain-PHP OpenID provider, run under `php -S` and driven over HTTP.

The provider is rendered from templates/php/oidc-provider.php.j2 and served by a small front
controller (tests/generated/php/router.php) with a test login guard and claims function, the way
the generated wiring calls genesys_oidc_handle. ID tokens are checked with PyJWT against the JWKS.
Every request is a fresh PHP run, so codes go through the provider's file store.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from provider_fixtures import clock  # noqa: F401 (fixture used by name)
from relying_party import (
    ALICE,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    Host,
    authorize,
    b64url,
    basic_auth,
    pkce_pair,
    redeem,
    rfc7638_thumbprint,
    rsa_pem,
    signed_in_code,
    verify_id_token,
)
from site_runs import http  # noqa: F401 (fixture used by name)

from migrate.generate.render import render

PHP = shutil.which("php")
HARNESS = Path(__file__).resolve().parent / "php"
START_TIMEOUT = 10

pytestmark = pytest.mark.skipif(PHP is None, reason="php is not installed (apt-get install php-cli)")


def render_provider(directory: Path) -> Path:
    target = directory / "genesys-oidc-provider.php"
    target.write_text(render("php/oidc-provider.php.j2", issuer_path="/oidc"), encoding="utf-8")
    return target


def php_env(provider: Path, key_file: Path | None, workdir: Path, **overrides: str | None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("GENESYS_OIDC_")}
    settings = {
        "GENESYS_OIDC_ISSUER": "http://127.0.0.1:{port}/oidc",
        "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "GENESYS_OIDC_PRIVATE_KEY_FILE": str(key_file) if key_file else None,
        "GENESYS_OIDC_REDIRECT_URIS": f"{REDIRECT_URI}, {OTHER_REDIRECT_URI}",
        "GENESYS_OIDC_STORE_DIR": str(workdir / "store"),
    }
    settings.update(overrides)
    env.update({name: value for name, value in settings.items() if value is not None})
    env.update(GENESYS_OIDC_PROVIDER_FILE=str(provider), TEST_CLOCK_FILE=str(workdir / "clock"))
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_php(provider: Path, key_file: Path, key: rsa.RSAPrivateKey, workdir: Path, log: Path | None = None,
                **overrides: str | None):
    """`php -S 127.0.0.1:PORT router.php`, stopped on exit whatever happens."""
    port = free_port()
    env = php_env(provider, key_file, workdir, **overrides)
    env["GENESYS_OIDC_ISSUER"] = env["GENESYS_OIDC_ISSUER"].replace("{port}", str(port))
    err = open(log, "wb") if log else subprocess.PIPE  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([PHP, "-S", f"127.0.0.1:{port}", str(HARNESS / "router.php")], env=env,
                            cwd=str(workdir), stdout=subprocess.DEVNULL, stderr=err)
    if log:
        err.close()
    try:
        origin = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    said = log.read_text(errors="replace") if log else proc.stderr.read().decode(errors="replace")
                    raise AssertionError(f"php -S did not start: {said}")
                time.sleep(0.05)
        yield Host(origin=origin, issuer=f"{origin}/oidc", key=key)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc.stderr:
            proc.stderr.close()


def settings_check(provider: Path, key_file: Path | None, workdir: Path, **overrides: str | None):
    """`php genesys-oidc-provider.php`: the deploy-time check of the settings."""
    env = php_env(provider, key_file, workdir, **overrides)
    env["GENESYS_OIDC_ISSUER"] = env.get("GENESYS_OIDC_ISSUER", "").replace("{port}", "8080")
    return subprocess.run([PHP, str(provider)], env=env, capture_output=True, text=True, timeout=START_TIMEOUT)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("php-provider")


@pytest.fixture(scope="module")
def provider_php(workdir) -> Path:
    return render_provider(workdir)


@pytest.fixture(scope="module")
def signing_key(workdir) -> tuple[rsa.RSAPrivateKey, Path]:
    key, pem = rsa_pem()
    path = workdir / "oidc-key.pem"
    path.write_bytes(pem)
    return key, path


@pytest.fixture(scope="module")
def host(provider_php, signing_key, workdir):
    key, key_file = signing_key
    with running_php(provider_php, key_file, key, workdir) as running:
        yield running


# --- the provider runs --------------------------------------------------------------------------


def test_the_template_is_valid_php(provider_php):
    done = subprocess.run([PHP, "-l", str(provider_php)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


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
    assert "d" not in jwk and "p" not in jwk


def test_unknown_path_is_left_to_the_site(http, host):
    assert http.get(f"{host.origin}/elsewhere").status_code == 404
    assert http.get(f"{host.issuer}/nothing-here").status_code == 404


def test_full_flow_redirect_then_basic_auth(http, host):
    auth = signed_in_code(http, host)
    assert auth.response.headers["x-guard"] == "ran"
    response = redeem(http, host, auth.code, auth.verifier, auth="basic")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "x-guard" not in response.headers
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


# --- refusals at /token -------------------------------------------------------------------------


def test_replayed_code_is_refused(http, host):
    auth = signed_in_code(http, host)
    assert redeem(http, host, auth.code, auth.verifier).status_code == 200
    replay = redeem(http, host, auth.code, auth.verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_wrong_verifier_is_refused_and_kills_the_code(http, host):
    auth = signed_in_code(http, host)
    wrong = redeem(http, host, auth.code, pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    retry = redeem(http, host, auth.code, auth.verifier)
    assert retry.status_code == 400 and retry.json()["error"] == "invalid_grant"


def test_redirect_uri_mismatch_at_token_is_refused(http, host):
    auth = signed_in_code(http, host, redirect_uri=OTHER_REDIRECT_URI)
    response = redeem(http, host, auth.code, auth.verifier, redirect_uri=REDIRECT_URI)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("method", ["basic", "post"])
def test_wrong_secret_is_invalid_client(http, host, method):
    auth = signed_in_code(http, host)
    response = redeem(http, host, auth.code, auth.verifier, auth=method, secret=CLIENT_SECRET + "x")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}
    assert ("www-authenticate" in response.headers) == (method == "basic")
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


# --- refusals at /authorize ---------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"redirect_uri": "https://evil.example/"},
    {"redirect_uri": "https://shop.example.com"},
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


def test_codes_are_files_named_by_hash_in_a_private_store(http, host, workdir):
    auth = signed_in_code(http, host)
    store = workdir / "store"
    stored = "".join(p.read_text() for p in store.rglob("*.json"))
    assert stored and auth.code not in stored and auth.code not in " ".join(p.name for p in store.rglob("*"))
    assert store.stat().st_mode & 0o777 == 0o700


# --- settings refusals (`php genesys-oidc-provider.php` checks them) ------------------------------


def test_complete_settings_pass_the_check(provider_php, signing_key, workdir):
    done = settings_check(provider_php, signing_key[1], workdir)
    assert done.returncode == 0, done.stderr
    assert rfc7638_thumbprint(signing_key[0]) in done.stdout


def test_missing_settings_are_named_all_at_once(provider_php, signing_key, workdir):
    done = settings_check(provider_php, signing_key[1], workdir, GENESYS_OIDC_CLIENT_SECRET="  ",
                          GENESYS_OIDC_PRIVATE_KEY_FILE=None, GENESYS_OIDC_REDIRECT_URIS=None)
    assert done.returncode != 0
    message = done.stderr
    assert len(message.strip().splitlines()) == 1
    for name in ("GENESYS_OIDC_CLIENT_SECRET", "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS"):
        assert name in message
    assert "GENESYS_OIDC_ISSUER" not in message and "GENESYS_OIDC_CLIENT_ID" not in message


def test_missing_settings_fail_the_request_not_silently(http, provider_php, signing_key, workdir):
    key, key_file = signing_key
    with running_php(provider_php, key_file, key, workdir, GENESYS_OIDC_CLIENT_SECRET=None) as running:
        response = http.get(f"{running.issuer}/.well-known/openid-configuration")
        assert response.status_code == 500


@pytest.mark.parametrize("issuer", ["http://shop.example.com/oidc", "http://localhost.example.com/oidc"])
def test_http_issuer_is_refused_off_localhost(provider_php, signing_key, workdir, issuer):
    done = settings_check(provider_php, signing_key[1], workdir, GENESYS_OIDC_ISSUER=issuer)
    assert done.returncode != 0
    assert "GENESYS_OIDC_ISSUER" in done.stderr and "https" in done.stderr


@pytest.mark.parametrize("kind", ["rsa-1024", "ec-p256"])
def test_weak_or_non_rsa_key_is_refused(provider_php, workdir, tmp_path, kind):
    if kind == "rsa-1024":
        pem = rsa_pem(1024)[1]
    else:
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    key_file = tmp_path / "weak.pem"
    key_file.write_bytes(pem)
    done = settings_check(provider_php, key_file, workdir)
    assert done.returncode != 0
    assert "GENESYS_OIDC_PRIVATE_KEY_FILE" in done.stderr and "2048" in done.stderr


def test_pkcs1_key_is_accepted(provider_php, workdir, tmp_path, http):
    key, pem = rsa_pem(pkcs1=True)
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    key_file = tmp_path / "pkcs1.pem"
    key_file.write_bytes(pem)
    with running_php(provider_php, key_file, key, workdir) as running:
        (jwk,) = http.get(f"{running.issuer}/jwks.json").json()["keys"]
        assert jwk["kid"] == rfc7638_thumbprint(key)
