"""The page templates: the rendered AuthProvider plugin run under node against the real rendered
Node provider, and the Messenger bootstrap snippet.

The plugin runs with a stub `Genesys` global (tests/generated/node/authprovider_runner.js),
node's fetch and WebCrypto; the code it resolves is then redeemed at /token as Genesys would.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from relying_party import ALICE, CLIENT_ID, REDIRECT_URI, redeem, rsa_pem, verify_id_token
from site_runs import http  # noqa: F401 (fixture used by name)
from test_node_provider import HARNESS, NODE, render_provider, running_host

from migrate.generate.render import render

LOGIN_URL = "https://shop.example.com/login?next=/chat"
VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
# Sequences that server-side page templates (Jinja/Django/Twig, Handlebars, ERB/EJS, Razor, JSP EL)
# would interpret if they appeared in code pasted into a page.
TEMPLATE_SYNTAX = ("{{", "{%", "{#", "<%", "${", "#{", "@")


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    directory = tmp_path_factory.mktemp("authprovider")
    key, pem = rsa_pem()
    key_file = directory / "oidc-key.pem"
    key_file.write_bytes(pem)
    with running_host(render_provider(directory), key_file, key) as running:
        yield running


def render_plugin(directory: Path, host, login_url: str | None = LOGIN_URL) -> Path:
    target = directory / "authprovider.js"
    target.write_text(render(
        "page/authprovider.js.j2",
        authorize_url=f"{host.issuer}/authorize",
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT_URI,
        login_url=login_url,
        scope="openid profile email",
    ), encoding="utf-8")
    return target


def run_plugin(plugin: Path, **options) -> dict:
    done = subprocess.run([NODE, str(HARNESS / "authprovider_runner.js"), str(plugin), json.dumps(options)],
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_resolved_code_is_redeemed_as_genesys_would(tmp_path, host, http):
    record = run_plugin(render_plugin(tmp_path, host), calls=2, session="alice")
    assert record["registered"] == [["registerPlugin", "AuthProvider"]]
    assert record["commands"] == ["getAuthCode", "signIn", "reAuthenticate"]
    assert record["ready"] == 1

    first, second = (r["resolved"] for r in record["results"])
    for resolved in (first, second):
        assert set(resolved) == {"authCode", "redirectUri", "nonce", "codeVerifier"}
        assert resolved["redirectUri"] == REDIRECT_URI
        assert VERIFIER.match(resolved["codeVerifier"])
        assert len(resolved["nonce"]) >= 22

        response = redeem(http, host, resolved["authCode"], resolved["codeVerifier"],
                          redirect_uri=resolved["redirectUri"])
        assert response.status_code == 200, response.text
        claims = verify_id_token(http, host, response.json()["id_token"])
        assert claims["nonce"] == resolved["nonce"]
        assert {k: claims[k] for k in ALICE} == ALICE

    # Every call is fresh.
    for field in ("authCode", "nonce", "codeVerifier"):
        assert first[field] != second[field]


def test_not_signed_in_rejects_and_resolves_nothing(tmp_path, host):
    record = run_plugin(render_plugin(tmp_path, host), calls=1, session=None)
    assert record["ready"] == 1
    (result,) = record["results"]
    assert "resolved" not in result
    assert result["rejected"]["code"] == "login_required"
    assert "anonymous" in result["rejected"]["message"]


def test_answer_with_another_state_is_rejected(tmp_path, host):
    record = run_plugin(render_plugin(tmp_path, host), calls=1, session="alice", tamperState=True)
    (result,) = record["results"]
    assert "resolved" not in result
    assert result["rejected"]["code"] == "state_mismatch"


def test_provider_error_is_rejected_with_its_reason(tmp_path, host):
    plugin = render_plugin(tmp_path, host)
    plugin.write_text(plugin.read_text().replace(f'"{CLIENT_ID}"', '"not-the-client"'))
    (result,) = run_plugin(plugin, calls=1, session="alice")["results"]
    assert result["rejected"]["code"] == "invalid_request"


@pytest.mark.parametrize("login_url, navigation", [
    (LOGIN_URL, [{"assign": LOGIN_URL}]),
    (None, [{"reload": True}]),
])
def test_reauthenticate_goes_to_the_sites_login(tmp_path, host, login_url, navigation):
    record = run_plugin(render_plugin(tmp_path, host, login_url=login_url), reAuthenticate=True)
    assert record["navigation"] == navigation


def test_plugin_is_safe_to_paste_into_server_templates(tmp_path, host):
    source = render_plugin(tmp_path, host).read_text()
    for syntax in TEMPLATE_SYNTAX:
        assert syntax not in source, syntax
    assert "</" not in source  # cannot close the <script> element it is placed in


def test_context_values_are_escaped(tmp_path, host):
    plugin = tmp_path / "plugin.js"
    plugin.write_text(render("page/authprovider.js.j2", authorize_url=f"{host.issuer}/authorize",
                             client_id="a'b\"</script>", redirect_uri=REDIRECT_URI, login_url=None,
                             scope="openid"))
    assert "</script>" not in plugin.read_text()
    check = subprocess.run([NODE, "--check", str(plugin)], capture_output=True, text=True, timeout=10)
    assert check.returncode == 0, check.stderr


# --- the Messenger bootstrap snippet ---------------------------------------------------------------

SNIPPET_RUNNER = """
const vm = require('vm');
const appended = [];
const context = { document: { createElement: (tag) => ({ tag }), head: { appendChild: (el) => appended.push(el) } } };
context.window = context;
const html = require('fs').readFileSync(process.argv[1], 'utf8');
const script = /<script[^>]*>([\\s\\S]*)<\\/script>/.exec(html)[1];
vm.runInNewContext(script, context);
context.Genesys('command', 'Messenger.open');
process.stdout.write(JSON.stringify({
  js: context._genesysJs, queue: context.Genesys.q.map((args) => Array.from(args)),
  config: context.Genesys.c, appended,
}));
"""


def test_messenger_snippet_loads_the_regional_bootstrap(tmp_path):
    snippet = render("page/messenger-snippet.html.j2", apps_host="https://apps.mypurecloud.ie",
                     environment="prod-euw1", deployment_id="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    assert snippet.startswith("<script") and snippet.rstrip().endswith("</script>")
    for syntax in TEMPLATE_SYNTAX:
        assert syntax not in snippet, syntax
    page = tmp_path / "snippet.html"
    page.write_text(snippet)
    done = subprocess.run([NODE, "-e", SNIPPET_RUNNER, str(page)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["js"] == "Genesys"
    assert result["config"] == {"environment": "prod-euw1",
                                "deploymentId": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"}
    assert result["appended"] == [{"tag": "script", "async": 1, "charset": "utf-8",
                                   "src": "https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js"}]
    assert result["queue"] == [["command", "Messenger.open"]]  # calls before the bootstrap loads are kept


# --- session upgrade: the signIn command -----------------------------------------------------------

SIGNIN_RUNNER = r"""
'use strict';
const fs = require('fs');
const vm = require('vm');
const [pluginFile, session] = process.argv.slice(1);
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (session) headers.set('Cookie', `session=${session}`);
  return realFetch(url, { ...init, headers, signal: AbortSignal.timeout(5000) });
};
const navigation = [];
globalThis.window = globalThis;
Object.defineProperty(globalThis, 'location', {
  value: { assign: (url) => navigation.push({ assign: url }), reload: () => navigation.push({ reload: true }) },
});
const record = { published: [], navigation };
let commands = {};
globalThis.Genesys = (verb, name, factory) => factory({
  registerCommand: (command, handler) => { commands[command] = handler; },
  publish: (event, data) => record.published.push([event, data]),
  subscribe: () => {},
  ready: () => {},
});
setTimeout(() => { process.stderr.write('timed out\n'); process.exit(2); }, 10000).unref();
vm.runInThisContext(fs.readFileSync(pluginFile, 'utf8'), { filename: pluginFile });
commands.signIn({
  resolve: () => { record.outcome = 'resolved'; done(); },
  reject: (error) => { record.outcome = 'rejected:' + error.code; done(); },
});
function done() { setTimeout(() => process.stdout.write(JSON.stringify(record)), 10); }
"""


@pytest.mark.parametrize("session, outcome, event, navigation", [
    ("alice", "resolved", "signedIn", []),
    (None, "rejected:login_required", "signInFailed", [{"assign": LOGIN_URL}]),
])
def test_sign_in_for_a_session_upgrade(tmp_path, host, session, outcome, event, navigation):
    """MessagingService.stepUpConversation calls AuthProvider.signIn: signed in to the site, the
    plugin says signedIn (Messenger then asks getAuthCode); not signed in, signInFailed and the
    site's login."""
    plugin = render_plugin(tmp_path, host)
    done = subprocess.run([NODE, "-e", SIGNIN_RUNNER, str(plugin), session or ""], capture_output=True, text=True,
                          timeout=20)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["outcome"] == outcome
    assert [e for e, _ in record["published"]] == [event]
    assert record["navigation"] == navigation
