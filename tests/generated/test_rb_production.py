"""The production tests of test_php_production.py, run against the Ruby provider core
(templates/ruby/genesys_oidc.rb.j2) served by tests/generated/ruby/host_app.rb: refresh tokens with
rotation and reuse detection, 15-minute access tokens, GENESYS_OIDC_REFRESH_TTL, a reused code
revoking what it issued, Sec-Fetch-Site in redirect mode, max_age and prompt, the next key in the
JWKS, the /token body limit, two Ruby processes sharing a real Redis (the redis gem), and the
certified relying party. The Ruby-only checks (the in-process store's start-up warning and bound,
settings refusals) follow them.
"""

from __future__ import annotations

import contextlib
import subprocess

import pytest
from provider_fixtures import clock, signing_key  # noqa: F401 (fixtures used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import redeem, signed_in_code
from site_runs import http  # noqa: F401 (fixture used by name)
from test_php_production import (  # noqa: F401 (the imported tests run against the Ruby host)
    test_a_large_token_body_is_refused_before_client_authentication,
    test_a_refresh_needs_the_client_secret,
    test_a_reused_code_revokes_the_tokens_issued_from_it,
    test_a_reused_refresh_token_revokes_the_whole_sign_in,
    test_access_tokens_last_fifteen_minutes,
    test_max_age_is_honoured_with_the_sites_sign_in_time,
    test_nonce_and_state_are_limited_in_length,
    test_offline_access_gets_a_refresh_token_that_rotates,
    test_prompt_login_needs_a_fresh_sign_in_and_prompt_none_never_prompts,
    test_redirect_mode_refuses_browsers_sent_by_another_site,
    test_redirect_mode_serves_same_origin_and_typed_navigations,
    test_refresh_tokens_end_a_day_after_the_sign_in_by_default,
    test_secret_and_code_in_the_query_string_are_not_read,
    test_the_certified_relying_party_signs_in_refreshes_and_sees_the_refusals,
    test_the_jwks_carries_the_next_key_and_tokens_stay_signed_by_the_current_one,
    test_the_refresh_lifetime_follows_GENESYS_OIDC_REFRESH_TTL,
    test_two_processes_share_codes_and_refresh_tokens_through_redis,
    test_without_offline_access_there_is_no_refresh_token,
)
from test_ruby_provider import HARNESS, RUBY, _ruby_ready, failed_start, ruby_env, running_host

from migrate.generate.render import render

pytestmark = pytest.mark.skipif(not _ruby_ready(), reason="needs ruby with ruby-jwt, rack and webrick "
                                "(apt-get install ruby ruby-jwt ruby-rack ruby-webrick)")


def _has_redis_gem() -> bool:
    return RUBY is not None and subprocess.run([RUBY, "-e", "require 'redis'"], check=False, capture_output=True,
                                               timeout=30).returncode == 0


@pytest.fixture(scope="module")
def provider_rb(tmp_path_factory):
    target = tmp_path_factory.mktemp("ruby-production") / "genesys_oidc.rb"
    target.write_text(render("ruby/genesys_oidc.rb.j2", issuer_path="/oidc"), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def launch(provider_rb, signing_key, request):
    key, key_file = signing_key

    @contextlib.contextmanager
    def start(**overrides):
        if "GENESYS_OIDC_STORE_URL" in overrides and not _has_redis_gem():
            pytest.skip("the redis gem is not installed (apt-get install ruby-redis)")
        with running_host(provider_rb, key_file, key, **overrides) as running:
            yield running

    return start


@pytest.fixture(scope="module")
def host(launch):
    with launch() as running:
        yield running


# --- Ruby only ------------------------------------------------------------------------------------


def _start_and_stop(provider_rb, key_file, **overrides) -> str:
    """What the host app prints on stderr from start-up until it is stopped."""
    proc = subprocess.Popen([RUBY, str(HARNESS), str(provider_rb)], env=ruby_env(key_file, **overrides),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening "), proc.stderr.read()
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate(timeout=5)
    return err


def test_the_in_process_store_says_so_at_start_up(provider_rb, signing_key):
    said = _start_and_stop(provider_rb, signing_key[1])
    assert "GENESYS_OIDC_STORE_URL" in said and "memory" in said


@pytest.mark.skipif(not _has_redis_gem(), reason="the redis gem is not installed (apt-get install ruby-redis)")
def test_with_redis_nothing_is_said(provider_rb, signing_key, redis_url):  # noqa: F811
    assert "GENESYS_OIDC_STORE_URL" not in _start_and_stop(provider_rb, signing_key[1],
                                                           GENESYS_OIDC_STORE_URL=redis_url)


@pytest.mark.parametrize("overrides, name", [
    ({"GENESYS_OIDC_REDIRECT_URIS": "http://shop.example.com/"}, "GENESYS_OIDC_REDIRECT_URIS"),
    ({"GENESYS_OIDC_REFRESH_TTL": "899"}, "GENESYS_OIDC_REFRESH_TTL"),
    ({"GENESYS_OIDC_REFRESH_TTL": "7776001"}, "GENESYS_OIDC_REFRESH_TTL"),
    ({"GENESYS_OIDC_STORE_URL": "http://user:hunter2@cache.example/"}, "GENESYS_OIDC_STORE_URL"),
])
def test_settings_that_cannot_work_stop_start_up(provider_rb, signing_key, overrides, name):
    if name == "GENESYS_OIDC_STORE_URL" and not _has_redis_gem():
        pytest.skip("the redis gem is not installed (apt-get install ruby-redis)")
    message = failed_start(provider_rb, signing_key[1], **overrides)
    assert name in message and "hunter2" not in message


def test_loopback_http_redirect_uris_are_accepted(provider_rb, signing_key, http):
    with running_host(provider_rb, signing_key[1], signing_key[0],
                      GENESYS_OIDC_REDIRECT_URIS="https://shop.example.com/, http://127.0.0.1:9/cb, http://[::1]/cb") \
            as running:
        assert http.get(f"{running.issuer}/jwks.json").status_code == 200


def test_the_in_process_store_is_bounded_and_expires_each_entry(provider_rb):
    script = f"""
    require {str(provider_rb)!r}
    store = GenesysOidc::MemoryStore.new(max_entries: 3)
    store.put('a', {{ 'v' => 1 }}, 60)
    store.put('short', {{ 'v' => 2 }}, 0.2)
    store.put('b', {{ 'v' => 3 }}, 60)
    sleep 0.3
    store.put('c', {{ 'v' => 4 }}, 60)  # full: the expired entry goes, nothing else
    puts [store.get('a'), store.get('short'), store.get('b'), store.get('c')].inspect
    store.put('d', {{ 'v' => 5 }}, 60)  # full of live entries: the oldest goes
    puts [store.get('a'), store.get('b'), store.get('c'), store.get('d')].inspect
    puts [store.take('d'), store.take('d')].inspect
    """
    done = subprocess.run([RUBY, "-e", script], check=False, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        '[{"v"=>1}, nil, {"v"=>3}, {"v"=>4}]',
        '[nil, {"v"=>3}, {"v"=>4}, {"v"=>5}]',
        '[{"v"=>5}, nil]',
    ]


def test_a_code_redeemed_through_a_shared_rails_cache_revokes_on_replay_everywhere(provider_rb, signing_key,
                                                                                   tmp_path, http):
    """Puma workers sharing an ActiveSupport cache (a FileStore here): a code from one is redeemed at the
    other, and its replay at the first revokes the tokens the second issued."""
    if subprocess.run([RUBY, "-e", "require 'active_support'; require 'active_support/cache'"],
                      check=False, capture_output=True).returncode != 0:
        pytest.skip("needs ActiveSupport (apt-get install ruby-activesupport)")
    key, key_file = signing_key
    shared = {"HOST_APP_CACHE_DIR": str(tmp_path / "cache")}
    with running_host(provider_rb, key_file, key, **shared) as one, \
            running_host(provider_rb, key_file, key, **shared) as two:
        auth = signed_in_code(http, one, scope="openid offline_access")
        tokens = redeem(http, two, auth.code, auth.verifier).json()
        assert redeem(http, one, auth.code, auth.verifier).status_code == 400
        assert http.get(f"{two.issuer}/userinfo",
                        headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
