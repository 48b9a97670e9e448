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

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from startup_checks import weak_key
from oidc_contract import (  # noqa: F401  (the contract's tests run against the PHP provider)
    test_bad_authorization_requests_get_an_error_not_a_code,
    test_code_expires_after_sixty_seconds,
    test_discovery_document,
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
    test_wrong_secret_is_invalid_client,
    test_wrong_verifier_is_refused_and_kills_the_code,
)
from provider_fixtures import clock  # noqa: F401 (fixture used by name)
from relying_party import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    Host,
    rfc7638_thumbprint,
    rsa_pem,
    signed_in_code,
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


def test_unknown_path_is_left_to_the_site(http, host):
    assert http.get(f"{host.origin}/elsewhere").status_code == 404
    assert http.get(f"{host.issuer}/nothing-here").status_code == 404


# --- the file store -----------------------------------------------------------------------------


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
    done = settings_check(provider_php, weak_key(tmp_path, kind), workdir)
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
