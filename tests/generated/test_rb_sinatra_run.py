"""Sinatra sites migrated by `migrate generate`, run for real with rackup and WEBrick (Debian's
ruby-sinatra, ruby-rack, ruby-webrick, ruby-jwt).

tests/generated/ruby/sites holds a classic app (its Zendesk route checks the login itself: `halt 401
unless current_user`) and a modular one (`class Shop < Sinatra::Base`, the route guarded by a
`before '/zendesk/*'` filter). Generate (default mode) mounts GenesysOidc::Middleware and an
/oidc/authorize route beside the kept Zendesk route; each patched app is started on 127.0.0.1 and
the independent relying party signs alice in through code + PKCE + nonce, verifying the ID token by
the served JWKS, while the old route still answers. After `--cutover` the route is gone and the
provider still serves.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from certified_rp import drive
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import (
    ALICE,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    Host,
    authorize,
    provider_env,
    redeem,
    signed_in_code,
    verify_id_token,
)

from migrate.extract.treesitter import Doc
from migrate.generate import config as cfg
from migrate.generate.run import generate

SITES = Path(__file__).resolve().parent / "ruby" / "sites"
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
RUBY, RACKUP = shutil.which("ruby"), shutil.which("rackup")
START_TIMEOUT = 20
MAX_SECONDS = 60  # a started app ends itself after this, whatever the test does


def _has_sinatra() -> bool:
    if RUBY is None or RACKUP is None:
        return False
    done = subprocess.run([RUBY, "-e", "require 'sinatra/base'; require 'jwt'; require 'webrick'"],
                          capture_output=True, timeout=30)
    return done.returncode == 0


pytestmark = pytest.mark.skipif(not _has_sinatra(), reason="Debian's ruby-sinatra, ruby-jwt and ruby-webrick are "
                                                             "not installed (make's RUBY_INSTALL)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(command: list[str], cwd: Path, env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """Starts `command` (bounded by `timeout`) and yields its origin once 127.0.0.1:port accepts."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(["timeout", str(MAX_SECONDS), *command], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the app did not start:\n{log.read_text(errors='replace')[-4000:]}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def migrate_site(site: Path, cutover: bool):
    config = cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc")
    result = generate(site, config, cutover=cutover)
    for change in result.changes.changes:  # every changed or new Ruby file parses
        if change.after is not None and change.path.endswith(".rb"):
            doc = Doc.parse("ruby", change.after.encode())
            assert doc.first_error() is None, (change.path, [doc.text(e)[:80] for e in doc.errors()])
    result.changes.apply()
    return result


@pytest.fixture(scope="module", params=["sinatra-classic", "sinatra-modular"])
def migrated(request, tmp_path_factory):
    """The site after the default generate, and a copy of it after --cutover as well."""
    work = tmp_path_factory.mktemp(request.param)
    site, cut = work / "site", work / "cut"
    shutil.copytree(SITES / request.param, site)
    mp = pytest.MonkeyPatch()
    mp.setenv("MIGRATE_SECRETS_DIR", str(work / "secrets"))
    try:
        default = migrate_site(site, cutover=False)
        again = generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT,
                                         issuer="https://shop.example.com/oidc"))
        shutil.copytree(site, cut)
        cutover = migrate_site(cut, cutover=True)
    finally:
        mp.undo()
    return {"name": request.param, "site": site, "cut": cut, "default": default, "again": again,
            "cutover": cutover}


def _started(migrated, which: str, signing_key, log: str | None = None, **overrides):  # noqa: F811
    key, key_file = signing_key
    port = free_port()
    env = provider_env(key_file, ZENDESK_SECRET="zendesk-shared-secret", ZENDESK_KEY_ID="app_123", **overrides)
    env["GENESYS_OIDC_ISSUER"] = env["GENESYS_OIDC_ISSUER"].replace("{port}", str(port))
    root = migrated[which]
    command = [RACKUP, "-s", "webrick", "-o", "127.0.0.1", "-p", str(port), "config.ru"]
    return serve(command, root, env, port, root.parent / f"{log or which}.log"), key


def test_generate_wires_beside_the_kept_route_and_a_second_run_changes_nothing(migrated):
    (outcome,) = migrated["default"].outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt", outcome.text
    app = "app.rb" if migrated["name"] == "sinatra-classic" else "shop.rb"
    text = (migrated["site"] / app).read_text()
    assert "provider mounted at " + app + ":" in outcome.text
    note = text.index("TODO(migrate:ZG220)")
    assert text.index("get '/zendesk/jwt' do") > note > text.index("# Zendesk Messaging")
    assert "require_relative 'genesys_oidc'" in text and "use GenesysOidc::Middleware, '/oidc'" in text
    assert (migrated["site"] / "genesys_oidc.rb").is_file()
    again = migrated["again"]
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]
    (cut,) = migrated["cutover"].outcomes
    assert cut.status == "cut"
    after = (migrated["cut"] / app).read_text()
    assert "get '/zendesk/jwt'" not in after and "JWT.encode" not in after and "require 'jwt'" not in after
    assert "TODO(migrate:ZG220)" not in after and "# Zendesk Messaging" not in after
    assert "get '/oidc/authorize' do" in after  # the provider stays


def test_migrated_app_signs_alice_in_and_the_old_route_still_answers(migrated, signing_key):  # noqa: F811
    started, key = _started(migrated, "site", signing_key)
    with started as origin, httpx.Client(timeout=10, follow_redirects=False) as http:
        host = Host(origin=origin, issuer=f"{origin}/oidc", key=key)
        discovery = http.get(f"{host.issuer}/.well-known/openid-configuration")
        assert discovery.status_code == 200 and discovery.json()["issuer"] == host.issuer
        auth = signed_in_code(http, host)
        response = redeem(http, host, auth.code, auth.verifier)  # server to server: no session cookie
        assert response.status_code == 200, response.text
        claims = verify_id_token(http, host, response.json()["id_token"])
        assert claims["nonce"] == auth.nonce
        assert {k: claims[k] for k in ("sub", "name", "email")} == {k: ALICE[k] for k in ("sub", "name", "email")}
        assert "scope" not in claims
        # nobody signed in: the Zendesk route's login check refuses before a code is handed out
        assert authorize(http, host, session=None).response.status_code == 401
        # an unknown client is refused before any login check, never redirected
        assert authorize(http, host, session=None, client_id="someone-else").response.status_code == 400
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["jwt"].count(".") == 2, old.text
        assert http.get(f"{origin}/zendesk/jwt").status_code == 401


def test_after_cutover_the_provider_serves_and_the_zendesk_route_is_gone(migrated, signing_key):  # noqa: F811
    started, key = _started(migrated, "cut", signing_key)
    with started as origin, httpx.Client(timeout=10, follow_redirects=False) as http:
        host = Host(origin=origin, issuer=f"{origin}/oidc", key=key)
        auth = signed_in_code(http, host)
        response = redeem(http, host, auth.code, auth.verifier)
        assert verify_id_token(http, host, response.json()["id_token"])["sub"] == ALICE["sub"]
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 404 and "json" not in old.headers.get("content-type", "")


def _has_redis_gem() -> bool:
    return RUBY is not None and subprocess.run([RUBY, "-e", "require 'redis'"], capture_output=True,
                                               timeout=30).returncode == 0


@pytest.mark.skipif(not _has_redis_gem(), reason="the redis gem is not installed (apt-get install ruby-redis)")
def test_two_servers_of_the_migrated_app_share_one_redis(migrated, signing_key, redis_url):  # noqa: F811
    """Two rackup servers of the same app (two instances behind a load balancer), one Redis: a code
    issued by one is redeemed at the other, once; the certified relying party signs in, refreshes
    and sees its refusals across them."""
    one, key = _started(migrated, "site", signing_key, log="one", GENESYS_OIDC_STORE_URL=redis_url)
    two, _ = _started(migrated, "site", signing_key, log="two", GENESYS_OIDC_STORE_URL=redis_url)
    with one as first, two as second, httpx.Client(timeout=10, follow_redirects=False) as http:
        a, b = Host(origin=first, issuer=f"{first}/oidc", key=key), Host(origin=second, issuer=f"{second}/oidc", key=key)
        auth = signed_in_code(http, a, scope="openid profile email offline_access")
        response = redeem(http, b, auth.code, auth.verifier)
        assert response.status_code == 200, response.text
        assert verify_id_token(http, b, response.json()["id_token"])["nonce"] == auth.nonce
        for host in (a, b):
            replay = redeem(http, host, auth.code, auth.verifier)
            assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        seen = drive(a.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI,
                     headers={"Cookie": "session=alice"}, scope="openid profile email offline_access", refresh=True)
        assert seen["claims"]["sub"] == ALICE["sub"] and seen["userinfo"]["sub"] == ALICE["sub"]
        assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
        assert seen["wrong_nonce"] and seen["refreshed"]["rotated"] and seen["refresh_reused"] == "invalid_grant"
    assert "memory" not in (migrated["site"].parent / "one.log").read_text()  # no in-process warning
