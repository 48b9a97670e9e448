"""`migrate generate`: config, mapping rules, plan, diff, apply — on the bundled example and small trees."""

import json
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.generate import config as cfg
from migrate.generate.mapping import MappingError, load, load_file
from migrate.generate.run import generate
from migrate.extract.treesitter import Doc

from conftest import ROOT

runner = CliRunner()
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
FLAGS = ["--region", "eu-west-1", "--deployment-id", DEPLOYMENT, "--issuer", "https://shop.example.com/oidc"]


@pytest.fixture
def shop(tmp_path, monkeypatch):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def _config(site, **kw):
    return cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc", **kw)


def _snapshot(site):
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


# --- configuration ------------------------------------------------------------------------

def test_missing_values_are_named(tmp_path):
    # --issuer is asked for by generate, once it sees the site signs visitors in to the widget.
    with pytest.raises(cfg.ConfigError, match="missing --deployment-id:"):
        cfg.load(tmp_path, region="eu-west-1")


def test_migrate_yaml_and_flags_win(tmp_path):
    (tmp_path / "migrate.yaml").write_text(f"region: prod-euc1\ndeployment-id: {DEPLOYMENT}\n"
                                           "issuer: https://a.example.com/oidc/\nclient_id: from-file\n")
    c = cfg.load(tmp_path, region="mypurecloud.ie")
    assert (c.region.aws, c.issuer, c.client_id) == ("eu-west-1", "https://a.example.com/oidc", "from-file")
    assert c.redirect_uri == "https://a.example.com/" and c.issuer_path == "/oidc"


@pytest.mark.parametrize("kw,message", [
    ({"issuer": "http://shop.example.com/oidc"}, "http only for localhost"),
    ({"deployment_id": "not-a-uuid"}, "is not a UUID"),
    ({"region": "mars-1"}, "unknown region"),
    # values that reach generated code in every language are plain
    ({"issuer": "https://shop.example.com/oidc*/;require('fs')/*"}, "its path must be plain segments"),
    ({"issuer": "https://shop.example.com/a/../oidc"}, "its path must be plain segments"),
    ({"issuer": "https://shop.example.com/oi%22dc"}, "its path must be plain segments"),
    ({"issuer": "https://../oidc"}, "is not a host name"),
    ({"issuer": "https://user@shop.example.com/oidc"}, "is not a host name"),
    ({"login_url": "//evil.example/login"}, "must be a path like /login"),
    ({"login_url": "/login\"onload=\"x"}, "must be a path like /login"),
    ({"redirect_uri": "http://shop.example.com/"}, "http only for localhost"),
    ({"client_id": "genesys'); drop"}, "--client-id"),
])
def test_bad_values_are_explained(tmp_path, kw, message):
    args = {"region": "eu-west-1", "deployment_id": DEPLOYMENT, "issuer": "https://s.example.com/oidc", **kw}
    with pytest.raises(cfg.ConfigError, match=message):
        cfg.load(tmp_path, **args)


@pytest.mark.parametrize("body", ["mapping: 5\n", "mapping: [1]\n", "1: x\n", "issuer: [a, b]\n"])
def test_malformed_migrate_yaml_is_a_config_error(tmp_path, body):
    (tmp_path / "migrate.yaml").write_text(body)
    with pytest.raises(cfg.ConfigError, match="migrate.yaml"):
        cfg.load(tmp_path, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://s.example.com/oidc")


def test_http_issuer_on_localhost_is_fine(tmp_path):
    c = cfg.load(tmp_path, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="http://127.0.0.1:3000/oidc")
    assert c.redirect_uri == "http://127.0.0.1:3000/"


# --- mapping rules ------------------------------------------------------------------------

def test_shipped_rules_cover_the_three_profiles():
    profiles = load()
    assert set(profiles) == {"zendesk-messaging", "zendesk-classic-chat", "zendesk-classic-hc"}
    ext = profiles["zendesk-messaging"].claim("external_id")
    assert ext.targets == ("sub",) and ext.transform == "string" and ext.origin.startswith("zendesk-messaging.yaml:")
    assert profiles["zendesk-messaging"].claim("scope").drop


@pytest.mark.parametrize("body,where", [
    ("profile: zendesk-messaging\nclaims:\n  email: {to: email, transform: bool}\n", ":3: claims.email.transform"),
    ("profile: zendesk-messaging\nclaims:\n  email: {to: email, drop: x}\n", ":3: claims.email"),
    ("profile: nope\n", ":1: profile"),
    ("profile: zendesk-messaging\nclaims: [\n", ":3: not valid YAML"),
    ("profile: zendesk-messaging\nextra: 1\n", ":2: extra"),
    ("profile: zendesk-messaging\nclaims:\n  ? [a]\n  : {to: sub}\n", ":3: claims"),
    ("profile: zendesk-messaging\nclaims:\n  email: {drop: [x]}\n", ":3: claims.email.drop"),
    ("profile: [x]\n", ":1: profile"),
    # a claim name is written into code: no quotes, newlines or escapes can reach it
    ("profile: zendesk-messaging\nclaims:\n  plan: {to: \"a'b\"}\n", ":3: claims.plan.to"),
    ("profile: zendesk-messaging\nclaims:\n  plan: {to: \"x\\ny\"}\n", ":3: claims.plan.to"),
    ("profile: zendesk-messaging\nclaims:\n  plan: {to: [sub, \"`rm`\"]}\n", ":3: claims.plan.to"),
])
def test_invalid_mapping_names_file_line_and_key(tmp_path, body, where):
    f = tmp_path / "m.yaml"
    f.write_text(body)
    with pytest.raises(MappingError) as info:
        load_file(f)
    assert str(info.value).startswith(str(f)) and where in str(info.value)


def test_mapping_file_overrides_and_extends(tmp_path, shop):
    f = tmp_path / "m.yaml"
    f.write_text("profile: zendesk-messaging\nclaims:\n  name: {drop: \"we do not share names\"}\n"
                 "  plan: {to: customer_plan}\n")
    profiles = load((f,))
    assert profiles["zendesk-messaging"].claim("name").drop == "we do not share names"
    assert profiles["zendesk-messaging"].claim("external_id").targets == ("sub",)
    result = generate(shop, _config(shop, mappings=(f,)))
    server = next(c for c in result.changes.changes if c.path == "server.js")
    provider = server.after.split("createOidcProvider({", 1)[1]
    assert "sub: String(req.user.id)" in provider and "name: req.user.name" not in provider
    assert any("we do not share names" in r for r in server.reasons)


# --- plan and diff on the example -----------------------------------------------------------

def test_plan_maps_the_old_expressions(shop):
    result = generate(shop, _config(shop))
    (backend,) = result.plan.backends
    mapped = {m.target: (m.source, m.expression.text, m.transform) for m in backend.claims}
    assert mapped["sub"] == ("external_id", "req.user.id", "string")
    assert mapped["email_verified"][0] == "email_verified"
    assert {d.name for d in backend.dropped} >= {"scope", "exp", "header kid"}
    actions = {(p.call.api, p.call.command): p.action for p in result.plan.calls}
    assert actions[("messenger", "loginUser")] == "authprovider"
    assert actions[("messenger:set", "locale")] == "todo"
    assert actions[("messenger:on", "unreadMessages")] == "todo"
    assert actions[("messenger", "logoutUser")] == "replace"


def test_diff_writes_nothing_and_applies_with_git(shop):
    before = _snapshot(shop)
    r = runner.invoke(app, ["generate", str(shop), *FLAGS])
    assert r.exit_code == 0, r.stderr
    assert _snapshot(shop) == before, "nothing is written without --apply"
    diff = r.stdout
    assert "+++ b/genesys-oidc-provider.js" in diff and "new file mode 100644" in diff
    assert "-  <script id=\"ze-snippet\"" in diff
    assert "https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js" in diff
    assert "TODO(migrate:ZG107)" in diff
    assert "[zendesk-messaging.yaml:" in r.stderr and "[widget-api.yaml]" in r.stderr
    assert "Discovery URI  https://shop.example.com/oidc/.well-known/openid-configuration" in r.stderr
    subprocess.run(["git", "init", "-q"], cwd=shop, check=True)
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=shop, input=diff.encode(), capture_output=True)
    assert check.returncode == 0, check.stderr.decode()


def test_generated_javascript_parses_and_keeps_the_user_expressions(shop):
    result = generate(shop, _config(shop))
    changed = {c.path: c.after for c in result.changes.changes}
    server = changed["server.js"]
    # The Zendesk route stays, marked, until the cut-over; the provider is mounted beside it.
    before = (shop / "server.js").read_text()
    old_route = before[before.index("app.get('/zendesk/jwt'"):before.index("});", before.index("app.get('/zendesk/jwt'")) + 3]
    assert old_route in server and "jwt.sign" in server
    assert server.index("TODO(migrate:ZG220): remove after cut-over") < server.index(old_route)
    assert "app.use(\"/oidc\", createOidcProvider({" in server
    assert "guard: requireAuth" in server
    assert "sub: String(req.user.id)" in server
    chat = changed["public/chat.js"]
    assert "zE('messenger', 'loginUser'" not in chat and "registerPlugin" in chat
    assert "Genesys('command', 'Auth.logout')" in chat
    assert "// zE('messenger:set', 'locale', document.documentElement.lang);" in chat
    for path in ("server.js", "public/chat.js", "genesys-oidc-provider.js"):
        assert Doc.parse("javascript", changed[path].encode()).first_error() is None, path
        if shutil.which("node"):
            out = subprocess.run(["node", "--check", "-"], input=changed[path].encode(), capture_output=True)
            assert out.returncode == 0, (path, out.stderr.decode())
    pkg = json.loads(changed["package.json"])
    assert pkg["dependencies"]["jose"].startswith("^5")


def test_apply_writes_atomically_then_second_run_is_a_no_op(shop, tmp_path):
    r = runner.invoke(app, ["generate", str(shop), *FLAGS, "--apply"])
    assert r.exit_code == 0, r.stderr
    assert (shop / "genesys-oidc-provider.js").is_file()
    secret = tmp_path / "secrets" / "client-secret"
    assert secret.is_file() and oct(secret.stat().st_mode & 0o777) == "0o600"
    assert secret.read_text().strip() not in r.stdout + r.stderr
    assert not list(shop.rglob("*.migrate")), "no temporary files left behind"
    again = runner.invoke(app, ["generate", str(shop), *FLAGS])
    assert again.exit_code == 0 and again.stdout == ""
    assert "Nothing to change: the site is migrated; 1 Zendesk token route(s) stay beside the provider" in again.stderr
    assert "server.js:" in again.stderr and "until cut-over" in again.stderr  # which route, and what next


def test_apply_refuses_a_file_changed_since_the_diff(shop):
    c = _config(shop)
    result = generate(shop, c)
    (shop / "public" / "chat.js").write_text("// edited meanwhile\n")
    from migrate.generate.changes import StaleFile

    before = _snapshot(shop)
    with pytest.raises(StaleFile, match="public/chat.js changed"):
        result.changes.apply()
    assert _snapshot(shop) == before, "all or nothing"


def test_crlf_and_bom_survive(shop):
    chat = shop / "public" / "chat.js"
    chat.write_bytes(b"\xef\xbb\xbf" + chat.read_bytes().replace(b"\n", b"\r\n"))
    result = generate(shop, _config(shop))
    result.changes.apply()
    data = chat.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_patch_file_and_json(shop, tmp_path):
    patch = tmp_path / "out.patch"
    r = runner.invoke(app, ["generate", str(shop), *FLAGS, "--patch-file", str(patch)])
    text = patch.read_text()
    assert r.exit_code == 0 and r.stdout == "" and text.startswith("# migrate patch 1")  # a header, then the diff
    assert "\n\ndiff --git a/" in text
    j = runner.invoke(app, ["generate", str(shop), *FLAGS, "--format", "json"])
    data = json.loads(j.stdout)
    assert {c["path"] for c in data["changes"]} >= {"server.js", "public/chat.js", "views/index.html",
                                                    "genesys-oidc-provider.js", "package.json"}
    assert data["genesys"]["integration"]["credentials"]["client_secret"]["value"] == "***"


def test_usage_errors_are_one_line(shop):
    r = runner.invoke(app, ["generate", str(shop), "--region", "eu-west-1"])
    assert r.exit_code == 2 and "--deployment-id" in r.stderr and "Traceback" not in r.stderr
    both = runner.invoke(app, ["generate", str(shop), *FLAGS, "--apply", "--patch-file", "x"])
    assert both.exit_code == 2


def test_login_url_reaches_the_authprovider(shop):
    result = generate(shop, _config(shop, login_url="/login"))
    chat = next(c.after for c in result.changes.changes if c.path == "public/chat.js")
    assert 'const LOGIN_URL = "/login";' in chat
    plain = next(c.after for c in generate(shop, _config(shop)).changes.changes if c.path == "public/chat.js")
    assert "const LOGIN_URL = null;" in plain
    with pytest.raises(cfg.ConfigError, match="--login-url"):
        _config(shop, login_url="javascript:alert(1)")
