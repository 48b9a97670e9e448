"""The rendered Node/Express OpenID provider, run under node and driven over HTTP.

The provider is rendered from templates/node/oidc-provider.js.j2 and mounted by a small
Express site (tests/generated/node/host_app.js) with a test login guard and claims function,
the way the generated wiring mounts it. The contract tests of oidc_contract.py run against it,
driven by the relying party of relying_party.py (ID tokens checked with PyJWT against the JWKS);
the start-up refusals are checked here.
"""

from __future__ import annotations

import contextlib
import select
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from cryptography.hazmat.primitives.asymmetric import rsa
from oidc_contract import (  # noqa: F401  (the contract tests, collected here against the Node host)
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
    test_wrong_secret_is_invalid_client,
    test_wrong_verifier_is_refused_and_kills_the_code,
)
from provider_fixtures import clock, signing_key  # noqa: F401 (fixtures used by name)
from relying_party import Host
from relying_party import provider_env as settings_env
from site_runs import http  # noqa: F401 (fixture used by name)
from startup_checks import (  # noqa: F401  (the start-up refusals, against this provider)
    test_http_issuer_is_refused_off_localhost,
    test_missing_settings_stop_start_up_naming_them_all,
    test_pkcs1_key_is_accepted,
    test_weak_or_non_rsa_key_is_refused,
)

from migrate.generate.render import render

NODE = shutil.which("node") or "node"
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
HARNESS = Path(__file__).resolve().parent / "node"
START_TIMEOUT = 10  # seconds for node to start and print its port


# --- the Node host --------------------------------------------------------------------------------


def render_provider(directory: Path) -> Path:
    target = directory / "genesys-oidc-provider.js"
    target.write_text(render("node/oidc-provider.js.j2", issuer_path="/oidc"), encoding="utf-8")
    return target


def provider_env(key_file: Path | None, **overrides: str | None) -> dict[str, str]:
    """The host app's environment: a complete, valid configuration unless overridden (None = unset)."""
    return {**settings_env(key_file, **overrides), "NODE_PATH": str(NODE_MODULES)}


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


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider_js(tmp_path_factory) -> Path:
    return render_provider(tmp_path_factory.mktemp("node-provider"))


@pytest.fixture(scope="module")
def host(provider_js, signing_key):
    key, key_file = signing_key
    with running_host(provider_js, key_file, key) as running:
        yield running


# --- discovery (the contract's document, with refresh tokens) ---------------------------------------


def test_discovery_document(http, host):
    doc = http.get(f"{host.issuer}/.well-known/openid-configuration").json()
    assert doc["issuer"] == host.issuer
    assert doc["authorization_endpoint"] == f"{host.issuer}/authorize"
    assert doc["token_endpoint"] == f"{host.issuer}/token"
    assert doc["userinfo_endpoint"] == f"{host.issuer}/userinfo"
    assert doc["jwks_uri"] == f"{host.issuer}/jwks.json"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["scopes_supported"] == ["openid", "profile", "email", "offline_access"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert sorted(doc["token_endpoint_auth_methods_supported"]) == ["client_secret_basic", "client_secret_post"]
    assert {"sub", "name", "email", "nonce", "auth_time"} <= set(doc["claims_supported"])


# --- start-up refusals ------------------------------------------------------------------------------


@pytest.fixture
def refused(provider_js):
    return lambda key_file, **settings: failed_start(provider_js, key_file, **settings)


@pytest.fixture
def started(provider_js):
    return lambda key_file, key: running_host(provider_js, key_file, key)


def reused() -> dict:
    """What a module testing another Node-family provider collects again: every test here and the
    fixtures the start-up checks take (`provider_js` is that module's own provider)."""
    return {name: value for name, value in globals().items() if name.startswith("test_") or name in ("refused", "started")}
