"""Sinatra wiring: GenesysOidc::Middleware and an /oidc/authorize route go beside the kept Zendesk
route (classic and modular apps), carrying its login checks (`halt` in the block, `before` filters
on its path) and its claims; names the new route cannot have make the claims say nobody (ZG222);
a route with no login check gets a guard that refuses; `--cutover` removes the kept route, or
replaces a route never wired in one step. The apps run for real in
tests/generated/test_rb_sinatra_run.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from wiring_support import DEPLOYMENT, ISSUER, after, assert_parses

from migrate.generate import config as cfg
from migrate.generate.run import generate
from migrate.lang.ruby import LANGUAGE
from migrate.scan import scan

PAYLOAD = "{ external_id: current_user[:id].to_s, name: current_user[:name], exp: Time.now.to_i + 300 }"


def _site(tmp_path: Path, monkeypatch, files: dict[str, str]) -> Path:
    root = tmp_path / "site"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return root


def _generate(root: Path, cutover: bool = False):
    return generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER),
                    cutover=cutover)


def _authorize_route(text: str) -> str:
    start = text.index("get '/oidc/authorize' do")
    return text[start:text.index("\nend", start) + 4] if text[start - 1] == "\n" else \
        text[start:text.index("\n  end", start) + 6]


def test_sinatra_files_are_recognised_before_rails():
    assert LANGUAGE.recognise("require 'sinatra'\nget '/' do\nend\n") == "sinatra"
    assert LANGUAGE.recognise("require 'sinatra/base'\nclass Shop < Sinatra::Base\nend\n") == "sinatra"
    assert LANGUAGE.recognise("class ZendeskController < ApplicationController\nend\n") == "rails"


def test_classic_route_without_a_login_check_gets_a_refusing_guard(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, {"app.rb": f"""
        require 'sinatra'
        require 'jwt'

        get '/chat/token' do
          JWT.encode({PAYLOAD}, ENV['ZENDESK_SECRET'], 'HS256')
        end
        """})
    result = _generate(root)
    (outcome,) = result.outcomes
    assert outcome.status == "wired" and outcome.route == "GET /chat/token"
    text = after(result)["app.rb"]
    assert_parses("ruby", text)
    route = _authorize_route(text)
    assert "TODO(migrate:ZG223): the Zendesk token route GET /chat/token had no login check" in route
    assert route.rstrip().endswith("GenesysOidc.app.authorize(request, nil)\nend")
    assert "#   sub: current_user[:id].to_s," in route  # the claims wait, commented, for the site's check
    # the old route is untouched, its note right above it
    assert "# TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /chat/token" \
           "" in text.split("get '/chat/token' do")[0].splitlines()[-1]


def test_block_parameter_the_new_route_cannot_have_says_nobody(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, {"app.rb": """
        require 'sinatra'
        require 'jwt'

        get '/zendesk/jwt/:id' do |id|
          halt 401 unless session[:user_id]
          JWT.encode({ external_id: id, name: session[:name] }, ENV['ZENDESK_SECRET'], 'HS256')
        end
        """})
    result = _generate(root)
    text = after(result)["app.rb"]
    assert_parses("ruby", text)
    route = _authorize_route(text)
    assert "# TODO(migrate:ZG222): `id` reads `id`, unknown in the sign-in route" in route
    assert "  halt 401 unless session[:user_id]\n" in route  # the check still runs, uncommented
    assert route.rstrip().endswith("GenesysOidc.app.authorize(request, nil)\nend")


def test_modular_filter_on_the_route_path_is_carried_and_a_global_one_is_not(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, {"lib/shop.rb": f"""
        require 'sinatra/base'
        require 'jwt'

        class Shop < Sinatra::Base
          before do
            @visitor = session[:visitor]
          end

          before '/zendesk/*' do
            redirect '/login' unless current_user
          end

          get '/zendesk/jwt' do
            JWT.encode({PAYLOAD}.merge(visit: @visitor), ENV['ZENDESK_SECRET'], 'HS256')
          end
        end
        """, "Gemfile": "source 'https://rubygems.org'\ngem 'sinatra'\n"})
    result = _generate(root)
    changed = after(result)
    text = changed["lib/shop.rb"]
    assert_parses("ruby", text)
    assert set(changed) == {"lib/shop.rb", "lib/genesys_oidc.rb", "Gemfile"}
    assert "gem 'jwt'" in changed["Gemfile"]
    route = _authorize_route(text)
    assert route.startswith("get '/oidc/authorize' do\n    # the login check of `before '/zendesk/*'`")
    assert "    redirect '/login' unless current_user\n" in route
    assert "@visitor = session[:visitor]" not in route  # the global filter runs before it anyway
    assert "visit: @visitor," in route and "ZG222" not in route
    assert "  use GenesysOidc::Middleware, '/oidc'\n" in text
    (outcome,) = result.outcomes
    assert outcome.text.startswith("lib/shop.rb:") and "provider mounted at lib/shop.rb:" in outcome.text


def test_cutover_of_a_route_never_wired_replaces_it_in_one_step(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, {"app.rb": f"""
        require 'sinatra'
        require 'jwt'

        get '/' do
          'Shop'
        end

        # Zendesk Messaging sign-in
        get '/zendesk/jwt' do
          halt 401 unless current_user
          JWT.encode({PAYLOAD}, ENV['ZENDESK_SECRET'], 'HS256')
        end
        """})
    result = _generate(root, cutover=True)
    text = after(result)["app.rb"]
    assert_parses("ruby", text)
    assert "get '/zendesk/jwt'" not in text and "Zendesk Messaging sign-in" not in text
    assert "require 'jwt'\n" not in text and "require_relative 'genesys_oidc'" in text
    assert "get '/' do\n  'Shop'\nend" in text  # nothing else goes
    assert [o.status for o in result.outcomes] == ["cut"]


def test_scan_and_generate_agree_on_the_route(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, {"app.rb": f"""
        require 'sinatra/base'
        require 'jwt'

        class Api < Sinatra::Base
          post '/api/zendesk/token' do
            halt 401 unless current_user
            JWT.encode({PAYLOAD}, ENV['ZENDESK_SECRET'], 'HS256')
          end
        end
        """})
    (signer,) = [s for s in scan(str(root), jobs=1).inventory.signers]
    (outcome,) = _generate(root).outcomes
    assert signer.signer.route == outcome.route == "POST /api/zendesk/token"


@pytest.mark.parametrize("site", ["sinatra-classic", "sinatra-modular"])
def test_fixture_sites_second_run_after_apply_changes_nothing(tmp_path, monkeypatch, site):
    import shutil

    root = tmp_path / "site"
    shutil.copytree(Path(__file__).resolve().parents[1] / "generated" / "ruby" / "sites" / site, root)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    first = _generate(root)
    for c in first.changes.changes:
        if c.path.endswith(".rb"):
            assert_parses("ruby", c.after)
    first.changes.apply()
    again = _generate(root)
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]
