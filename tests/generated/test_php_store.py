"""The plain-PHP provider's code store, attacked and shared.

The file store (used when neither GENESYS_OIDC_STORE_URL nor a framework cache is given) must be
a directory private to the server's user: a directory someone else created, or one others can
write to, is refused, so a local user cannot plant a code and have /token sign an ID token for it.
With GENESYS_OIDC_STORE_URL=redis://... two `php -S` servers share codes and refresh tokens through
a real Redis (phpredis): a code issued by one is redeemed at the other, once.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from relying_party import (
    CLIENT_ID,
    REDIRECT_URI,
    pkce_pair,
    redeem,
    rsa_pem,
    signed_in_code,
)
from site_runs import http  # noqa: F401 (fixture used by name)
from test_php_provider import PHP, render_provider, running_php, settings_check

pytestmark = pytest.mark.skipif(PHP is None, reason="php is not installed (apt-get install php-cli)")

NOBODY = 65534


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    work = tmp_path_factory.mktemp("php-store")
    key, pem = rsa_pem()
    key_file = work / "oidc-key.pem"
    key_file.write_bytes(pem)
    return work, render_provider(work), key, key_file


def _plant(directory: Path, code: str, challenge: str) -> None:
    """What the attacker writes: a code for sub 42, in the store's own file format."""
    entry = {"expires_at": time.time() + 3600, "until": time.time() + 3600,
             "value": {"client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "code_challenge": challenge,
                       "nonce": None, "scope": "openid", "claims": {"sub": "42"}, "auth_time": int(time.time())}}
    for name in (f"code-{hashlib.sha256(code.encode()).hexdigest()}.json",
                 f"code:{hashlib.sha256(code.encode()).hexdigest()}.json",
                 hashlib.sha256(f"code:{code}".encode()).hexdigest() + ".json"):
        (directory / name).write_text(json.dumps(entry))


def _default_store_dir(tmpdir: Path, port_issuer: str) -> Path:
    # The name the provider derives from the public issuer under the system temporary directory.
    return tmpdir / ("genesys-oidc-" + hashlib.sha256(port_issuer.encode()).hexdigest()[:16])


@pytest.mark.parametrize("attack", ["foreign-owner", "world-writable"])
def test_a_code_planted_in_a_store_directory_someone_else_made_is_never_redeemed(setup, http, tmp_path, attack):
    if attack == "foreign-owner" and os.geteuid() != 0:
        pytest.skip("making a directory owned by another user needs root")
    work, provider, key, key_file = setup
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    tmpdir.chmod(0o1777)
    verifier, challenge = pkce_pair()
    code = "planted-code-for-sub-42-" + "x" * 20
    # The attacker plants once the issuer (public, in discovery) is known.
    with running_php(provider, key_file, key, work, GENESYS_OIDC_STORE_DIR=None, TMPDIR=str(tmpdir)) as host:
        store = _default_store_dir(tmpdir, host.issuer)
        store.mkdir(mode=0o777)
        store.chmod(0o777)
        if attack == "foreign-owner":
            os.chown(store, NOBODY, NOBODY)
            store.chmod(0o755)
        _plant(store, code, challenge)
        if attack == "foreign-owner":
            for planted in store.iterdir():
                os.chown(planted, NOBODY, NOBODY)
        response = redeem(http, host, code, verifier)
        assert response.status_code != 200, "a planted code was redeemed"
        assert "id_token" not in response.text
        # ...and no code is ever handed out through that directory either.
        auth = http.get(f"{host.issuer}/authorize", params={
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": "openid",
            "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"},
            headers={"Cookie": "session=alice"})
        assert "code=" not in auth.headers.get("location", "")


def test_a_store_directory_through_a_symlink_is_refused(setup, http, tmp_path):
    work, provider, key, key_file = setup
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    link = tmp_path / "store"
    link.symlink_to(real)
    verifier, challenge = pkce_pair()
    _plant(real, "planted-code-through-a-link-xxxxxxxxxxxx", challenge)
    with running_php(provider, key_file, key, work, GENESYS_OIDC_STORE_DIR=str(link)) as host:
        response = redeem(http, host, "planted-code-through-a-link-xxxxxxxxxxxx", verifier)
        assert response.status_code != 200 and "id_token" not in response.text


def test_the_default_store_is_made_private_and_still_works(setup, http, tmp_path):
    work, provider, key, key_file = setup
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    with running_php(provider, key_file, key, work, GENESYS_OIDC_STORE_DIR=None, TMPDIR=str(tmpdir)) as host:
        auth = signed_in_code(http, host)
        response = redeem(http, host, auth.code, auth.verifier)
        assert response.status_code == 200, response.text
        (store,) = [p for p in tmpdir.iterdir() if p.name.startswith("genesys-oidc-")]
        assert store.stat().st_uid == os.geteuid() and store.stat().st_mode & 0o777 == 0o700


def test_without_a_shared_store_the_settings_check_says_so(setup):
    work, provider, _, key_file = setup
    done = settings_check(provider, key_file, work)
    assert done.returncode == 0, done.stderr
    assert "GENESYS_OIDC_STORE_URL" in done.stderr


@pytest.mark.parametrize("uri", ["http://shop.example.com/", "http://localhost.example.com/cb"])
def test_http_redirect_uris_are_refused_off_loopback(setup, uri):
    work, provider, _, key_file = setup
    done = settings_check(provider, key_file, work, GENESYS_OIDC_REDIRECT_URIS=uri)
    assert done.returncode != 0 and "GENESYS_OIDC_REDIRECT_URIS" in done.stderr and "https" in done.stderr


def test_http_redirect_uris_on_loopback_are_accepted(setup):
    work, provider, _, key_file = setup
    done = settings_check(provider, key_file, work,
                          GENESYS_OIDC_REDIRECT_URIS="http://127.0.0.1:8080/cb, http://localhost/cb, http://[::1]/cb")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("ttl", ["soon", "899", "7776001"])
def test_a_refresh_lifetime_genesys_cannot_match_is_refused(setup, ttl):
    work, provider, _, key_file = setup
    done = settings_check(provider, key_file, work, GENESYS_OIDC_REFRESH_TTL=ttl)
    assert done.returncode != 0 and "GENESYS_OIDC_REFRESH_TTL" in done.stderr


def test_a_redis_store_url_that_is_not_redis_is_refused_without_repeating_it(setup, http):
    work, provider, key, key_file = setup
    with running_php(provider, key_file, key, work, GENESYS_OIDC_STORE_URL="http://user:hunter2@cache.example/") as host:
        auth = http.get(f"{host.issuer}/authorize", params={
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": "openid",
            "state": "s", "code_challenge": pkce_pair()[1], "code_challenge_method": "S256"},
            headers={"Cookie": "session=alice"})
        assert auth.status_code == 500 and "code=" not in auth.headers.get("location", "")
        assert "hunter2" not in auth.text


def test_the_file_store_says_at_first_use_that_it_serves_one_server(setup, http, tmp_path):
    work, provider, key, key_file = setup
    store, log = tmp_path / "store", tmp_path / "php.log"
    with running_php(provider, key_file, key, work, log=log, GENESYS_OIDC_STORE_DIR=str(store)) as host:
        signed_in_code(http, host)
        signed_in_code(http, host)
    said = log.read_text()
    assert said.count("GENESYS_OIDC_STORE_URL") == 1 and str(store) in said  # once, when the store is made
    assert store.is_dir() and store.stat().st_mode & 0o777 == 0o700
