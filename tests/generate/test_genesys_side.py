"""The Genesys side as generate states it: anonymous sites need no --issuer and get no provider;
client id and secret go in the integration's Credentials; allowed domains on the deployment; the
widget-API facts checked against the Messenger SDK pages (mappings/widget-api.yaml)."""

import re
import shutil

import pytest
from typer.testing import CliRunner
from wiring_support import after, generate_site

from migrate.cli import app
from migrate.widgetapi import lookup

from conftest import ROOT

runner = CliRunner()
BASE = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"]

ANONYMOUS = """<!doctype html>
<html><head><title>Help</title></head>
<body>
<button id="chat">Chat with us</button>
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=3c1f9e0a-7b2d-4e8f-9a61-5d4c3b2a1f00"></script>
<script>
  document.getElementById('chat').addEventListener('click', function () {
    zE('messenger', 'open');
  });
</script>
</body></html>
"""


@pytest.fixture
def anonymous(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(ANONYMOUS)
    return site


def test_anonymous_site_needs_no_issuer_and_gets_no_provider(anonymous, tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    r = runner.invoke(app, ["generate", str(anonymous), *BASE, "--apply"])
    assert r.exit_code == 0, r.output
    page = (anonymous / "index.html").read_text()
    assert "https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js" in page
    assert "Genesys('command', 'Messenger.open')" in page and "zE(" not in page
    assert "AuthProvider" not in page  # unauthenticated Messenger snippet
    assert sorted(p.name for p in anonymous.iterdir()) == ["index.html"]  # no provider module
    assert not (tmp_path / "secrets").exists()  # no key, no client secret
    said = " ".join(r.stderr.split())
    assert "Messenger stays anonymous" in said and "OpenID Connect Messenger Configuration" not in said
    assert "--issuer" not in said


def test_anonymous_json_has_no_integration(anonymous):
    import json

    r = runner.invoke(app, ["generate", str(anonymous), *BASE, "--format", "json"])
    data = json.loads(r.stdout)["genesys"]
    assert data["authenticated"] is False and "integration" not in data and "provider_environment" not in data


def test_a_site_that_signs_in_still_needs_the_issuer(tmp_path):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    r = runner.invoke(app, ["generate", str(site), *BASE])
    assert r.exit_code == 2
    said = " ".join(r.stderr.split())
    assert "missing --issuer" in said and "server.js" in said  # where it signs


def test_credentials_configuration_and_deployment_steps(tmp_path, monkeypatch):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", "/etc/migrate/shop")
    r = runner.invoke(app, ["generate", str(site), *BASE, "--issuer", "https://shop.example.com/oidc",
                            "--refresh-lifetime", "12h", "--allow-session-upgrade"])
    assert r.exit_code == 0, r.output
    text = r.stderr
    configuration = text[text.index("Configuration:"):text.index("Credentials")]
    credentials = text[text.index("Credentials"):text.index("and activate it")]
    assert "Discovery URI" in configuration and "Max Refresh Token Lifetime  43200 seconds (12 h)" in configuration
    assert "Client ID" not in configuration and "Client" in credentials and "Client Secret" in credentials
    step2 = text[text.index("2. Admin > Message > Messenger Configurations"):text.index("3. Admin")]
    assert "allowed domains" not in step2.lower()  # a deployment setting
    assert "Allow session upgrade on" in step2 and "keep everything else as it is" in step2
    step3 = text[text.index("3. Admin > Message > Messenger Deployments"):]
    assert re.search(r"add shop\.example\.com to its\s+allowed domains \(keep the others\)", step3)


@pytest.mark.parametrize("api, command, event", [
    # developer.genesys.cloud Messenger SDK: MessagingService.started is published for a new
    # conversation or connection; conversationReset only after a read-only conversation's reset;
    # ready only says the plugin loaded.
    ("webWidget:on", "chat:start", "MessagingService.started"),
    ("webWidget:on", "chat:connected", "MessagingService.started"),
    ("$zopim", "livechat.setOnConnected", "MessagingService.started"),
    ("webWidget:on", "chat:end", "MessagingService.conversationDisconnected"),
])
def test_chat_events_map_to_the_documented_messenger_events(api, command, event):
    entry = lookup(api, command)
    assert entry is not None and entry.genesys == f"Genesys('subscribe', '{event}', {{args}})"
    assert "conversationReset" not in entry.genesys and "MessagingService.ready" not in entry.genesys


def test_chat_start_is_translated_on_the_page(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(ANONYMOUS.replace(
        "</script>\n</body>", "  zE('webWidget:on', 'chat:start', function () { track('chat'); });\n</script>\n</body>"))
    page = after(generate_site(site))["index.html"]
    assert "Genesys('subscribe', 'MessagingService.started', function () { track('chat'); })" in page


def test_offset_and_launcher_text_have_equivalents():
    assert lookup("zESettings", "webWidget.offset").config == "position.side_space / position.bottom_space"
    assert lookup("zESettings", "webWidget.offset.vertical").config == "position.bottom_space"
    assert lookup("zESettings", "webWidget.offset.mobile.horizontal").config is None  # per device: none
    assert "MessengerLauncherButtonText" in lookup("zESettings", "webWidget.launcher.chatLabel.*").config


def test_the_provider_settings_carry_the_refresh_lifetime_genesys_is_given(tmp_path):
    """The provider's refresh lifetime and the integration's Max Refresh Token Lifetime are one value."""
    from migrate.generate import config as cfg
    from migrate.generate.genesys_side import genesys_side

    conf = cfg.load(tmp_path, region="eu-west-1", deployment_id="5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
                    issuer="https://shop.example.com/oidc", refresh_lifetime=3600)
    side = genesys_side(conf)
    env = side.to_dict()["provider_environment"]
    assert env["GENESYS_OIDC_REFRESH_TTL"] == "3600"
    assert "Max Refresh Token Lifetime  3600 seconds" in side.text()
    assert "GENESYS_OIDC_REFRESH_TTL=3600" in side.text() and "GENESYS_OIDC_STORE_URL=redis://" in side.text()
