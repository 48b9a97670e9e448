"""The rendered Ruby OpenID provider core (templates/ruby/genesys_oidc.rb.j2), run under ruby.

The core is a Rack app; tests/generated/ruby/host_app.rb serves it with WEBrick on 127.0.0.1 with a
test login guard and claims function, the way the Rails controller hands them over. The contract
tests of oidc_contract.py run against it unchanged (imported below, so pytest collects them here
with this module's `host`), ID tokens verified with PyJWT against the served JWKS; the start-up
refusals are checked here.
"""

from __future__ import annotations

import contextlib
import select
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from oidc_contract import (  # noqa: F401  (the imported tests run against the Ruby host)
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
from relying_party import (
    Host,
    provider_env,
    redeem,
    signed_in_code,
    verify_id_token,
)
from site_runs import http  # noqa: F401 (fixture used by name)
from startup_checks import (  # noqa: F401  (the start-up refusals, against this provider)
    test_http_issuer_is_refused_off_localhost,
    test_missing_settings_stop_start_up_naming_them_all,
    test_pkcs1_key_is_accepted,
    test_weak_or_non_rsa_key_is_refused,
)

from migrate.generate.render import render

RUBY = shutil.which("ruby")
HARNESS = Path(__file__).resolve().parent / "ruby" / "host_app.rb"
START_TIMEOUT = 15  # seconds for ruby to start and print its port

def _ruby_ready() -> bool:
    if RUBY is None:
        return False
    probe = subprocess.run([RUBY, "-e", "require 'jwt'; require 'rack'; require 'webrick'"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _ruby_ready(), reason="needs ruby with ruby-jwt, rack and webrick "
                                "(apt-get install ruby ruby-jwt ruby-rack ruby-webrick)")


def ruby_env(key_file: Path | None, **overrides: str | None) -> dict[str, str]:
    return provider_env(key_file, **overrides)


@contextlib.contextmanager
def running_host(provider_rb: Path, key_file: Path, key: rsa.RSAPrivateKey, **overrides: str | None):
    """Starts host_app.rb on 127.0.0.1 (port 0) and stops it on exit, whatever happens."""
    proc = subprocess.Popen([RUBY, str(HARNESS), str(provider_rb)], env=ruby_env(key_file, **overrides),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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


def failed_start(provider_rb: Path, key_file: Path | None, **overrides: str | None) -> str:
    done = subprocess.run([RUBY, str(HARNESS), str(provider_rb)], env=ruby_env(key_file, **overrides),
                          capture_output=True, text=True, timeout=START_TIMEOUT)
    assert done.returncode != 0, done.stdout
    assert "listening" not in done.stdout
    return done.stderr


# --- fixtures (the names the imported contract tests use) -----------------------------------------


@pytest.fixture(scope="module")
def provider_rb(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("ruby-provider") / "genesys_oidc.rb"
    target.write_text(render("ruby/genesys_oidc.rb.j2", issuer_path="/oidc"), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def host(provider_rb, signing_key):
    key, key_file = signing_key
    with running_host(provider_rb, key_file, key) as running:
        yield running


def test_discovery_document(http, host):
    """The contract's discovery, with what this provider adds: refresh tokens and offline_access."""
    doc = http.get(f"{host.issuer}/.well-known/openid-configuration").json()
    assert doc["issuer"] == host.issuer and doc["token_endpoint"] == f"{host.issuer}/token"
    assert doc["jwks_uri"] == f"{host.issuer}/jwks.json" and doc["userinfo_endpoint"] == f"{host.issuer}/userinfo"
    assert doc["authorization_endpoint"] == f"{host.issuer}/authorize"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["scopes_supported"] == ["openid", "profile", "email", "offline_access"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert sorted(doc["token_endpoint_auth_methods_supported"]) == ["client_secret_basic", "client_secret_post"]
    assert {"sub", "name", "email", "nonce", "auth_time"} <= set(doc["claims_supported"])


# --- start-up refusals ------------------------------------------------------------------------------


def test_the_template_names_its_issuer_path():
    text = render("ruby/genesys_oidc.rb.j2", issuer_path="/chat/oidc")
    assert "map('/chat/oidc')" in text and "{{" not in text


@pytest.fixture
def refused(provider_rb):
    return lambda key_file, **settings: failed_start(provider_rb, key_file, **settings)


@pytest.fixture
def started(provider_rb):
    return lambda key_file, key: running_host(provider_rb, key_file, key)


def _active_support() -> bool:
    return RUBY is not None and subprocess.run([RUBY, "-e", "require 'active_support'; require 'active_support/cache'"],
                                               capture_output=True).returncode == 0


@pytest.mark.skipif(not _active_support(), reason="needs ActiveSupport (apt-get install ruby-activesupport)")
def test_a_code_from_one_process_is_redeemed_once_at_another_through_a_shared_cache(
        provider_rb, signing_key, tmp_path, http):
    """Puma workers: with an ActiveSupport cache (here a FileStore both processes share) a code issued
    by one process is redeemed at another, once, and dead everywhere after that."""
    key, key_file = signing_key
    shared = {"HOST_APP_CACHE_DIR": str(tmp_path / "cache")}
    with running_host(provider_rb, key_file, key, **shared) as one, \
            running_host(provider_rb, key_file, key, **shared) as two:
        auth = signed_in_code(http, one)
        response = redeem(http, two, auth.code, auth.verifier)
        assert response.status_code == 200, response.text
        claims = verify_id_token(http, two, response.json()["id_token"])
        assert claims["sub"] == "42" and claims["nonce"] == auth.nonce
        access = response.json()["access_token"]
        assert http.get(f"{one.issuer}/userinfo", headers={"Authorization": f"Bearer {access}"}).json()["sub"] == "42"
        for host in (one, two):
            replay = redeem(http, host, auth.code, auth.verifier)
            assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert list((tmp_path / "cache").rglob("*")), "the codes went through the shared cache"
