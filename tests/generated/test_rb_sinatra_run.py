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

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import ALICE, authorize, redeem, signed_in_code, verify_id_token
from site_runs import (
    certified_through,
    migrated_copies,
    one_code_across_two_servers,
    signs_in,
    started,
)

SITES = Path(__file__).resolve().parent / "ruby" / "sites"
RUBY, RACKUP = shutil.which("ruby"), shutil.which("rackup")


def _has_sinatra() -> bool:
    if RUBY is None or RACKUP is None:
        return False
    done = subprocess.run([RUBY, "-e", "require 'sinatra/base'; require 'jwt'; require 'webrick'"],
                          capture_output=True, timeout=30)
    return done.returncode == 0


pytestmark = pytest.mark.skipif(not _has_sinatra(), reason="Debian's ruby-sinatra, ruby-jwt and ruby-webrick are "
                                                             "not installed (make's RUBY_INSTALL)")


def rackup(port: int) -> list[str]:
    return [RACKUP, "-s", "webrick", "-o", "127.0.0.1", "-p", str(port), "config.ru"]


@pytest.fixture(scope="module", params=["sinatra-classic", "sinatra-modular"])
def migrated(request, tmp_path_factory):
    """The site after the default generate, and a copy of it after --cutover as well."""
    return {"name": request.param,
            **migrated_copies(SITES / request.param, tmp_path_factory.mktemp(request.param), "ruby")}


def _started(migrated, which: str, signing_key, log: str | None = None, **overrides):  # noqa: F811
    root = migrated[which]
    return started(rackup, root, signing_key, root.parent / f"{log or which}.log", ZENDESK_KEY_ID="app_123",
                   **overrides)


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
    with _started(migrated, "site", signing_key) as host, httpx.Client(timeout=10, follow_redirects=False) as http:
        claims, _, _ = signs_in(http, host, discovery=True)
        assert {k: claims[k] for k in ("sub", "name", "email")} == {k: ALICE[k] for k in ("sub", "name", "email")}
        assert "scope" not in claims
        # nobody signed in: the Zendesk route's login check refuses before a code is handed out
        assert authorize(http, host, session=None).response.status_code == 401
        # an unknown client is refused before any login check, never redirected
        assert authorize(http, host, session=None, client_id="someone-else").response.status_code == 400
        old = http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["jwt"].count(".") == 2, old.text
        assert http.get(f"{host.origin}/zendesk/jwt").status_code == 401


def test_after_cutover_the_provider_serves_and_the_zendesk_route_is_gone(migrated, signing_key):  # noqa: F811
    with _started(migrated, "cut", signing_key) as host, httpx.Client(timeout=10, follow_redirects=False) as http:
        auth = signed_in_code(http, host)
        response = redeem(http, host, auth.code, auth.verifier)
        assert verify_id_token(http, host, response.json()["id_token"])["sub"] == ALICE["sub"]
        old = http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 404 and "json" not in old.headers.get("content-type", "")


def _has_redis_gem() -> bool:
    return RUBY is not None and subprocess.run([RUBY, "-e", "require 'redis'"], capture_output=True,
                                               timeout=30).returncode == 0


@pytest.mark.skipif(not _has_redis_gem(), reason="the redis gem is not installed (apt-get install ruby-redis)")
def test_two_servers_of_the_migrated_app_share_one_redis(migrated, signing_key, redis_url):  # noqa: F811
    """Two rackup servers of the same app (two instances behind a load balancer), one Redis: a code
    issued by one is redeemed at the other, once; the certified relying party signs in, refreshes
    and sees its refusals across them."""
    one = _started(migrated, "site", signing_key, log="one", GENESYS_OIDC_STORE_URL=redis_url)
    two = _started(migrated, "site", signing_key, log="two", GENESYS_OIDC_STORE_URL=redis_url)
    with one as a, two as b, httpx.Client(timeout=10, follow_redirects=False) as http:
        one_code_across_two_servers(http, a, b, ALICE["sub"])
        certified_through(a, ALICE["sub"])
    assert "memory" not in (migrated["site"].parent / "one.log").read_text()  # no in-process warning
