"""A Rails 6.1 site migrated by `migrate generate`, booted for real (Debian's ruby-railties, under
rackup and WEBrick) and driven by the independent relying party.

tests/generated/ruby/sites/rails is a small controllers-only Rails app whose ZendeskController#jwt
sits behind `before_action :authenticate_user!`. Generate (default mode) adds
GenesysOidcController, routed under /oidc beside the kept route; the patched app is booted on
127.0.0.1 and alice is signed in through code + PKCE + nonce with the ID token verified by the
served JWKS, while /zendesk/jwt still answers. After `--cutover` the action and its route are gone
and the provider still serves.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, authorize, redeem, signed_in_code, verify_id_token
from site_runs import (
    certified_through,
    migrated_copies,
    one_code_across_two_servers,
    signs_in,
    started,
)
from test_rb_sinatra_run import RACKUP, RUBY, rackup

SITE = Path(__file__).resolve().parent / "ruby" / "sites" / "rails"


def _has_rails() -> bool:
    if RUBY is None or RACKUP is None:
        return False
    done = subprocess.run([RUBY, "-e", "require 'rails'; require 'action_controller/railtie'; require 'jwt'; "
                                       "require 'webrick'; exit(Rails::VERSION::MAJOR >= 6 ? 0 : 1)"],
                          capture_output=True, timeout=60)
    return done.returncode == 0


pytestmark = pytest.mark.skipif(not _has_rails(), reason="Debian's ruby-railties (Rails 6.1), ruby-jwt and "
                                                           "ruby-webrick are not installed (make's RUBY_INSTALL)")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    return migrated_copies(SITE, tmp_path_factory.mktemp("rails-site"), "ruby")


def _started(migrated, which: str, signing_key, log: str | None = None, **overrides):  # noqa: F811
    root = migrated[which]
    return started(rackup, root, signing_key, root.parent / f"{log or which}.log", ZENDESK_KEY_ID="app_123",
                   RAILS_ENV="production", SECRET_KEY_BASE="test-secret-key-base-" + "0" * 40, **overrides)


def test_generate_keeps_the_action_and_routes_the_provider_beside_it(migrated):
    (outcome,) = migrated["default"].outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt", outcome.text
    assert "provider mounted at config/routes.rb:" in outcome.text
    controller = (migrated["site"] / "app/controllers/zendesk_controller.rb").read_text()
    assert "TODO(migrate:ZG220)" in controller and "def jwt" in controller
    routes = (migrated["site"] / "config/routes.rb").read_text()
    assert "get 'zendesk/jwt', to: 'zendesk#jwt'" in routes and "scope '/oidc', controller: :genesys_oidc" in routes
    again = migrated["again"]
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]
    assert [o.status for o in migrated["cutover"].outcomes] == ["cut"]
    assert not (migrated["cut"] / "app/controllers/zendesk_controller.rb").read_text().count("def jwt")
    assert "zendesk#jwt" not in (migrated["cut"] / "config/routes.rb").read_text()


def test_migrated_rails_app_signs_alice_in_and_the_old_route_still_answers(migrated, signing_key):  # noqa: F811
    with _started(migrated, "site", signing_key) as host, httpx.Client(timeout=20, follow_redirects=False) as http:
        claims, _, _ = signs_in(http, host, discovery=True)
        assert {k: claims[k] for k in ALICE} == ALICE
        # nobody signed in: authenticate_user!, the old action's before_action, refuses
        assert authorize(http, host, session=None).response.status_code == 401
        old = http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2, old.text


def test_after_cutover_the_provider_serves_and_the_zendesk_route_is_gone(migrated, signing_key):  # noqa: F811
    with _started(migrated, "cut", signing_key) as host, httpx.Client(timeout=20, follow_redirects=False) as http:
        auth = signed_in_code(http, host)
        response = redeem(http, host, auth.code, auth.verifier)
        assert verify_id_token(http, host, response.json()["id_token"])["sub"] == ALICE["sub"]
        assert http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404


def test_with_a_per_process_cache_the_provider_says_so(migrated, signing_key):  # noqa: F811
    with _started(migrated, "site", signing_key, log="memory") as host, \
            httpx.Client(timeout=20, follow_redirects=False) as http:
        assert http.get(f"{host.issuer}/jwks.json").status_code == 200  # the controller is loaded
    said = (migrated["site"].parent / "memory.log").read_text()
    assert "GENESYS_OIDC_STORE_URL" in said and "memory" in said


def test_two_servers_sharing_rails_cache_redeem_a_code_once(migrated, signing_key, tmp_path):  # noqa: F811
    """Two servers of the app whose Rails.cache is one host's file store: a code issued by one is
    redeemed at the other, once; the certified relying party signs in and refreshes through them."""
    shared = {"SHOP_CACHE_DIR": str(tmp_path / "cache")}
    one = _started(migrated, "site", signing_key, log="one", **shared)
    two = _started(migrated, "site", signing_key, log="two", **shared)
    with one as a, two as b, httpx.Client(timeout=20, follow_redirects=False) as http:
        one_code_across_two_servers(http, a, b, ALICE["sub"])
        certified_through(b, ALICE["sub"])
    assert list((tmp_path / "cache").rglob("*")), "the codes went through Rails.cache"
    assert "GENESYS_OIDC_STORE_URL" not in (migrated["site"].parent / "one.log").read_text()
