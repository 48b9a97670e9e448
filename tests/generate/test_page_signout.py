"""Sign-out paths: on a site that signs visitors in, the sign-out links and forms found in its routes
and pages call Auth.logout before they go on (Messenger keeps its tokens in localStorage until then),
not only the pages that called logoutUser. The hook runs under node with a small DOM stand-in."""

import json
import shutil
import subprocess

import pytest
from wiring_support import after, assert_parses, generate_site

from migrate.generate import config as cfg
from migrate.generate.run import generate

from conftest import ROOT

NODE = shutil.which("node")

NAV = """<nav>
  <a href="/account">Account</a>
  <a href="/users/sign_out" data-method="delete">Sign out</a>
</nav>
"""

HOOK_RUNNER = r"""
'use strict';
const fs = require('fs');
const vm = require('vm');
const [file, href] = process.argv.slice(1);
const html = fs.readFileSync(file, 'utf8');
const hook = /<script[^>]*>(\s*\/\/ Messenger keeps the visitor's tokens[\s\S]*?)<\/script>/.exec(html)[1];
const record = { calls: [], navigation: [], prevented: false };
const listeners = {};
const context = {
  URL, setTimeout: (fn, ms) => { record.timeout = ms; },
  document: { addEventListener: (type, fn) => { listeners[type] = fn; } },
  Genesys: (verb, command, data, resolve) => { record.calls.push([verb, command]); resolve(); },
  HTMLFormElement: { prototype: { submit() { record.navigation.push('submitted'); } } },
};
context.window = { location: { href: 'https://shop.example.com/account', origin: 'https://shop.example.com',
                               assign: (u) => record.navigation.push(u) }, setTimeout: context.setTimeout };
vm.runInNewContext(hook, context);
const link = { href: new URL(href, 'https://shop.example.com/').href };
listeners.click({ target: { closest: () => link }, button: 0, preventDefault() { record.prevented = true; } });
process.stdout.write(JSON.stringify(record));
"""


@pytest.fixture
def shop(tmp_path, monkeypatch):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    (site / "views" / "nav.html").write_text(NAV)
    server = (site / "server.js").read_text()
    (site / "server.js").write_text(server + "\napp.post('/logout', (req, res) => { req.session = null; "
                                    "res.redirect('/'); });\n")
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def test_sign_out_paths_get_auth_logout_first(shop):
    result = generate_site(shop)
    page = after(result)["views/index.html"]
    assert_parses("html", page)
    assert '["/logout", "/users/sign_out"]' in page
    assert "Genesys('command', 'Auth.logout', {}, go, go);" in page
    why = [r for r in result.changes.summary if r.startswith("views/index.html") and "sign-out" in r]
    assert why and "server.js:" in why[0] and "views/nav.html:3" in why[0]


@pytest.mark.skipif(NODE is None, reason="node runs the hook")
@pytest.mark.parametrize("href, logout, navigation", [
    ("/users/sign_out", True, ["https://shop.example.com/users/sign_out"]),
    ("/logout/", True, ["https://shop.example.com/logout/"]),
    ("/account", False, []),
    ("https://elsewhere.example/logout", False, []),
])
def test_the_hook_logs_messenger_out_then_goes_on(shop, tmp_path, href, logout, navigation):
    page = tmp_path / "index.html"
    page.write_text(after(generate_site(shop))["views/index.html"])
    done = subprocess.run([NODE, "-e", HOOK_RUNNER, str(page), href], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert (record["calls"] == [["command", "Auth.logout"]]) is logout
    assert record["prevented"] is logout and record["navigation"] == navigation
    if logout:
        assert record["timeout"] == 2000  # a Messenger that never answers does not keep the visitor


def test_anonymous_site_gets_no_hook(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<a href="/logout">Sign out</a>\n<script id="ze-snippet" '
        'src="https://static.zdassets.com/ekr/snippet.js?key=3c1f9e0a-7b2d-4e8f-9a61-5d4c3b2a1f00"></script>\n')
    conf = cfg.load(site, region="eu-west-1", deployment_id="5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60")
    page = after(generate(site, conf))["index.html"]
    assert "genesys.min.js" in page and "Auth.logout" not in page
