"""Credentials for the verify commands: an OAuth client, else GENESYSCLOUD_ACCESS_TOKEN, else a profile
of the gc CLI (~/.gc/config.toml), through the real CLI and SDK against the fake Genesys on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import fakegenesys as fg
import pytest
from fakegenesys import sdk_home  # noqa: F401  (fixture)
from typer.testing import CliRunner

from migrate.cli import app
from migrate.genesys.auth import CredentialsError, resolve

pytestmark = pytest.mark.usefixtures("sdk_home")
runner = CliRunner()
CLEAR = {"GENESYSCLOUD_OAUTHCLIENT_ID": None, "GENESYSCLOUD_OAUTHCLIENT_SECRET": None, "GENESYSCLOUD_REGION": None,
         "GENESYSCLOUD_API_HOST": None, "GENESYSCLOUD_ACCESS_TOKEN": None, "MIGRATE_HTTP_TIMEOUT": "3"}


def _gc(home: Path, text: str) -> Path:
    (home / ".gc").mkdir(parents=True, exist_ok=True)
    (home / ".gc" / "config.toml").write_text(text, encoding="utf-8")
    return home


def verify(home: Path, *args: str, **env: str | None):
    r = runner.invoke(app, ["verify-scopes", "--format", "json", *args], env={**CLEAR, "HOME": str(home), **env})
    out = r.stdout + r.stderr
    assert fg.SECRET not in out and fg.TOKEN not in out, "a secret or the token was printed"
    assert "Traceback" not in out
    return r


def test_an_access_token_in_the_environment_is_used_without_a_grant(tmp_path):
    with fg.FakeGenesys() as fake:
        r = verify(tmp_path, GENESYSCLOUD_ACCESS_TOKEN=fg.TOKEN, GENESYSCLOUD_API_HOST=fake.url)
        paths = [p for _, p in fake.requests]
    assert r.exit_code == 0, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert data["client"]["id"] == fg.CLIENT_ID  # told by tokens/me
    assert not [p for p in paths if p.endswith("/oauth/token")]  # no client-credentials grant


def test_a_wrong_access_token_is_refused_and_not_shown(tmp_path):
    with fg.FakeGenesys() as fake:
        r = verify(tmp_path, GENESYSCLOUD_ACCESS_TOKEN="stale-token-XYZ123", GENESYSCLOUD_API_HOST=fake.url)
    assert r.exit_code == 2 and "401" in r.stderr and "stale-token-XYZ123" not in r.stdout + r.stderr


def test_the_default_gc_profile_gives_client_and_environment(tmp_path):
    _gc(tmp_path, f'[DEFAULT]\nenvironment="mypurecloud.ie"\nclient_credentials="{fg.CLIENT_ID}"\n'
                  f'client_secret="{fg.SECRET}"\n')
    with fg.FakeGenesys() as fake:
        r = verify(tmp_path, GENESYSCLOUD_API_HOST=fake.url)
        token_calls = [p for _, p in fake.requests if p.endswith("/oauth/token")]
    assert r.exit_code == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["client"]["id"] == fg.CLIENT_ID and token_calls
    # its environment is the region when none is given
    found = resolve(None, home=tmp_path, environ={})
    assert found.environment == "mypurecloud.ie" and found.client_id == fg.CLIENT_ID


def test_a_named_gc_profile_with_an_access_token(tmp_path):
    _gc(tmp_path, '[DEFAULT]\nenvironment="mypurecloud.com"\nclient_credentials="other"\nclient_secret="nope"\n'
                  f'[shop_prod]\nenvironment="mypurecloud.ie"\naccess_token="{fg.TOKEN}"\n')
    with fg.FakeGenesys() as fake:
        r = verify(tmp_path, "--gc-profile", "shop_prod", GENESYSCLOUD_API_HOST=fake.url)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["client"]["id"] == fg.CLIENT_ID


def test_the_oauth_client_comes_first_then_the_token_then_the_profile(tmp_path):
    _gc(tmp_path, '[DEFAULT]\nclient_credentials="from-gc"\nclient_secret="gc-secret"\n')
    env = {"GENESYSCLOUD_ACCESS_TOKEN": "tok", "MY_SECRET": "s"}
    assert resolve("cli-client", "MY_SECRET", home=tmp_path, environ=env).client_id == "cli-client"
    assert resolve(None, "MY_SECRET", home=tmp_path, environ=env).access_token == "tok"
    assert resolve(None, "MY_SECRET", home=tmp_path, environ={}).client_id == "from-gc"


@pytest.mark.parametrize("config, profile, words", [
    (None, None, "no Genesys Cloud credentials"),
    ('[DEFAULT]\nenvironment="mypurecloud.com"\n', None, "neither client_credentials"),
    ('[DEFAULT]\nclient_credentials="x"\nclient_secret="y"\n', "missing", "has no profile 'missing' (it has: DEFAULT)"),
    ('[DEFAULT\nclient_secret="do-not-print-me"\n', None, "not valid TOML"),
    (None, "shop", "cannot read"),
])
def test_no_usable_credentials_is_a_usage_error_that_says_where_to_put_them(tmp_path, config, profile, words):
    if config is not None:
        _gc(tmp_path, config)
    r = verify(tmp_path, *(["--gc-profile", profile] if profile else []), GENESYSCLOUD_API_HOST="http://127.0.0.1:9")
    assert r.exit_code == 2 and words in r.stderr, r.stderr
    assert "do-not-print-me" not in r.stderr
    if config is None and profile is None:
        assert "GENESYSCLOUD_ACCESS_TOKEN" in r.stderr and ".gc/config.toml" in r.stderr


def test_resolve_never_shows_secrets_in_its_repr(tmp_path):
    _gc(tmp_path, '[DEFAULT]\nclient_credentials="c"\nclient_secret="very-secret-value"\n')
    assert "very-secret-value" not in repr(resolve(None, home=tmp_path, environ={}))
    with pytest.raises(CredentialsError):
        resolve(None, gc_profile="nope", home=tmp_path, environ={})
