"""The widget extractor on JavaScript / TypeScript files, through the public stage API."""

import time

import pytest

from migrate.extract import extract, widgets
from migrate.extract.base import Source
from migrate.extract.treesitter import Doc
from migrate.model import FileFacts


def facts(code: str, path: str = "app.js", language: str = "javascript") -> FileFacts:
    return extract(Source.of(path, language, code))


def calls(code: str, **kw) -> list[tuple[str, str]]:
    return [(c.api, c.command) for c in facts(code, **kw).calls]


def call(code: str, command: str, **kw):
    return next(c for c in facts(code, **kw).calls if c.command == command)


# --- loaders ----------------------------------------------------------------------------------

def test_snippet_loader_in_a_string_gives_kind_key_and_position():
    code = ("const s = document.createElement('script');\n"
            "s.async = true;\n"
            "s.src = 'https://static.zdassets.com/ekr/snippet.js?key=5b3e1f7c-2f2a-4c8e';\n")
    (loader,) = facts(code).loaders
    assert (loader.kind, loader.key, loader.line, loader.column) == ("snippet", "5b3e1f7c-2f2a-4c8e", 3, 9)
    assert loader.is_async


@pytest.mark.parametrize("url,kind,key", [
    ("https://assets.zendesk.com/embeddable_framework/main.js", "zembed", None),
    ("https://v2.zopim.com/?4rTmZ1x7bQw9", "zopim", "4rTmZ1x7bQw9"),
    ("//v2.zopim.com/", "zopim", None),
    ("https://apps.mypurecloud.com/widgets/9.0/widgets.min.js", "genesys-webchat", None),
    ("https://apps.mypurecloud.ie/webchat/jsapi-v1.js", "genesys-webchat", None),
    ("https://apps.usw2.pure.cloud/genesys-bootstrap/genesys.min.js", "genesys-messenger", None),
])
def test_loader_kinds(url, kind, key):
    (loader,) = facts(f"loadScript('{url}');\n").loaders
    assert (loader.kind, loader.key) == (kind, key)


def test_genesys_messenger_snippet_key_is_the_deployment_id():
    code = ("(function (g, e, n, es, ys) {\n"
            "  ys = document.createElement('script'); ys.async = 1; ys.src = n; document.head.appendChild(ys);\n"
            "})(window, 'Genesys', 'https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js',\n"
            "   { environment: 'prod-euw1', deploymentId: '0f7c1a2b-3c4d' });\n")
    (loader,) = facts(code).loaders
    assert (loader.kind, loader.key, loader.line, loader.is_async) == ("genesys-messenger", "0f7c1a2b-3c4d", 3, True)


def test_a_url_in_a_comment_is_not_a_loader():
    assert facts("// see https://static.zdassets.com/ekr/snippet.js?key=abc\nzE('messenger', 'open');\n").loaders == ()


# --- Zendesk API calls --------------------------------------------------------------------------

def test_messaging_calls_with_position_and_args():
    code = ("zE('messenger', 'open');\n"
            "zE('messenger:set', 'locale', 'de');\n"
            "  zE('messenger:on', 'unreadMessages', function (n) { badge(n); });\n")
    got = facts(code).calls
    assert [(c.api, c.command, c.line, c.column) for c in got] == [
        ("messenger", "open", 1, 1), ("messenger:set", "locale", 2, 1),
        ("messenger:on", "unreadMessages", 3, 3)]
    assert got[1].args == ("'messenger:set'", "'locale'", "'de'")


def test_web_widget_calls():
    code = ("zE('webWidget', 'identify', { name: 'Ada', email: 'ada@example.com' });\n"
            "zE('webWidget:on', 'chat:status', function (s) {});\n"
            "var shown = zE('webWidget:get', 'display');\n")
    assert calls(code) == [("webWidget", "identify"), ("webWidget:on", "chat:status"),
                           ("webWidget:get", "display")]


def test_the_global_through_window_and_friends():
    code = ("window.zE('messenger', 'open');\n"
            "window['zE']('messenger', 'close');\n"
            "globalThis.zE('messenger', 'show');\n"
            "window.zE?.('messenger', 'hide');\n")
    assert calls(code) == [("messenger", "open"), ("messenger", "close"), ("messenger", "show"),
                           ("messenger", "hide")]


def test_legacy_v1_api_inside_ready():
    code = ("zE(function () {\n"
            "  zE.identify({ name: 'Ada' });\n"
            "  zE.setLocale('de');\n"
            "  zE.hide();\n"
            "});\n")
    assert calls(code) == [("zE", "ready"), ("zE", "identify"), ("zE", "setLocale"), ("zE", "hide")]


def test_zesettings_one_call_per_leaf_key_at_the_key():
    code = ("window.zESettings = {\n"
            "  webWidget: {\n"
            "    color: { theme: '#78a300' },\n"
            "    launcher: {},\n"
            "    authenticate: { chat: { jwtFn: function (cb) { cb(t); } } }\n"
            "  }\n"
            "};\n")
    got = facts(code).calls
    assert [(c.api, c.command, c.line) for c in got] == [
        ("zESettings", "webWidget.color.theme", 3), ("zESettings", "webWidget.launcher", 4),
        ("zESettings", "webWidget.authenticate.chat.jwtFn", 5)]
    assert got[2].column == code.split("\n")[4].index("jwtFn") + 1


def test_zesettings_declared_or_assigned_by_path():
    code = ("var zESettings = { webWidget: { offset: { horizontal: '100px' } } };\n"
            "zESettings.webWidget.authenticate = { jwtFn(callback) { callback(tok); } };\n"
            "window.zESettings.webWidget.zIndex = 999;\n")
    assert calls(code) == [("zESettings", "webWidget.offset.horizontal"),
                           ("zESettings", "webWidget.authenticate.jwtFn"),
                           ("zESettings", "webWidget.zIndex")]


def test_zopim_ready_and_call_chains():
    code = ("$zopim(function () {\n"
            "  $zopim.livechat.setName('Ada');\n"
            "  $zopim.livechat.window.show();\n"
            "  window.$zopim.livechat.setOnUnreadMsgs(function (n) {});\n"
            "});\n")
    assert calls(code) == [("$zopim", "ready"), ("$zopim", "livechat.setName"),
                           ("$zopim", "livechat.window.show"), ("$zopim", "livechat.setOnUnreadMsgs")]


def test_zopim_snippet_defines_zopim_without_calling_it():
    code = ('window.$zopim||(function(d,s){var z=$zopim=function(c){z._.push(c)},$=z.s=d.createElement(s);'
            '$.src="https://v2.zopim.com/?4rTmZ1";})(document,"script");\n')
    f = facts(code)
    assert f.calls == ()
    assert [(ld.kind, ld.key) for ld in f.loaders] == [("zopim", "4rTmZ1")]


# --- Genesys ------------------------------------------------------------------------------------

def test_genesys_legacy_webchat_calls():
    code = ("ININ.webchat.create(chatConfig, function (err, webchat) {});\n"
            "window._genesys = { widgets: { main: { theme: 'dark' }, webchat: { transport: { dataURL: u } } } };\n"
            "_genesys.widgets.webchat.userData = { email: e };\n"
            "CXBus.command('WebChat.open');\n"
            "CXBus.configure({ debug: false });\n")
    assert calls(code) == [
        ("ININ.webchat", "create"), ("_genesys.widgets", "main.theme"),
        ("_genesys.widgets", "webchat.transport.dataURL"), ("_genesys.widgets", "webchat.userData.email"),
        ("CXBus", "WebChat.open"), ("CXBus", "configure")]


def test_genesys_messenger_commands():
    code = ("Genesys('command', 'Messenger.open');\n"
            "Genesys('subscribe', 'Messenger.ready', function () {});\n"
            "Genesys('registerPlugin', 'AuthProvider', function (AuthProvider) {});\n"
            "Genesys('somethingElse', 'x');\n")
    assert calls(code) == [("Genesys", "Messenger.open"), ("Genesys", "Messenger.ready"),
                           ("Genesys", "AuthProvider")]


# --- only the real globals ------------------------------------------------------------------------

def test_a_local_function_named_zE_is_not_the_widget():
    code = ("// Potential energy: zE(mass, height)\n"
            "function zE(mass, height) { return mass * 9.81 * height; }\n"
            "export const energies = [zE(1, 2), zE('messenger', 'open')];\n")
    f = facts(code)
    assert f.calls == () and f.loaders == ()


@pytest.mark.parametrize("code", [
    "function energy(zE) { return zE('messenger', 'open'); }\n",
    "const f = (zE) => zE('messenger', 'open');\n",
    "function g() { const zE = makeStub(); zE('messenger', 'open'); }\n",
    "import zE from './physics';\nzE('messenger', 'open');\n",
    "physics.zE('messenger', 'open');\n",
    "zE(mass, height);\nzE(1, 2);\nzE('velocity', 3);\n",
    "const $zopim = fake();\n$zopim.livechat.setName('x');\n",
])
def test_names_that_are_not_the_widget(code):
    assert facts(code).calls == ()


def test_a_local_in_another_function_does_not_hide_the_global():
    code = ("function physics(zE) { return zE * 2; }\n"
            "function chat() { zE('messenger', 'open'); }\n")
    assert calls(code) == [("messenger", "open")]


# --- the token handed to the widget --------------------------------------------------------------

@pytest.mark.parametrize("body,source,line", [
    ("callback(JSON.stringify(t));", "json-stringify", 2),
    ("fetch('/jwt')\n.then(function (r) { return r.text(); })\n.then(function (t) { callback(t); });",
     "fetch-text", 3),
    ("fetch('/jwt').then(r => r.text()).then(callback);", "fetch-text", 2),
    ("(async () => { const res = await fetch('/jwt'); const jwt = await res.text(); callback(jwt); })();",
     "fetch-text", 2),
    ("var x = new XMLHttpRequest(); x.onload = function () { callback(x.responseText); };",
     "fetch-text", 2),
    ("(async () => {\nconst { token } = await (await fetch('/jwt')).json();\ncallback(token); })();",
     "fetch-json", 3),
    ("axios.get('/jwt').then(function (res) { callback(res.data.token); });", "fetch-json", 2),
    ("$.get('/jwt', function (data) { callback(data.jwt); });", "fetch-json", 2),
    ("callback('eyJhbGciOiJIUzI1NiJ9.eyJleHRlcm5hbF9pZCI6IjEifQ.sig');", "literal", 2),
    ("callback(window.zendeskToken);", "variable", 2),
    ("callback(readCookie('zd_jwt'));", "unknown", 2),
])
def test_token_source_of_login_user(body, source, line):
    code = "zE('messenger', 'loginUser', function (callback) {\n" + body + "\n});\n"
    c = call(code, "loginUser")
    assert (c.token_source, c.token_line) == (source, line)


def test_token_source_through_named_callbacks_and_local_functions():
    code = ("function getJwt(done) {\n"
            "  fetch('/zendesk/jwt').then(function (r) { return r.text(); }).then(done);\n"
            "}\n"
            "function jwtCallback(callback) { getJwt(callback); }\n"
            "zE('messenger', 'loginUser', jwtCallback);\n")
    c = call(code, "loginUser")
    assert (c.token_source, c.token_line) == ("fetch-text", 2)


def test_token_source_of_a_value_assigned_later():
    code = ("let jwt;\n"
            "fetch('/jwt').then(r => r.json()).then(body => { jwt = body.token; });\n"
            "zE('messenger', 'loginUser', cb => cb(jwt));\n")
    assert call(code, "loginUser").token_source == "fetch-json"


def test_token_source_of_classic_jwt_fn_and_zopim_authenticate():
    code = ("window.zESettings = { webWidget: { authenticate: { chat: { jwtFn: function (cb) {\n"
            "  cb(JSON.stringify(tok));\n"
            "} } } } };\n"
            "$zopim.livechat.authenticate({ jwtFn: function (callback) {\n"
            "  fetch('/chat/jwt').then(function (r) { return r.text(); }).then(callback);\n"
            "} });\n")
    got = {c.command: (c.token_source, c.token_line) for c in facts(code).calls}
    assert got["webWidget.authenticate.chat.jwtFn"] == ("json-stringify", 2)
    assert got["livechat.authenticate"] == ("fetch-text", 5)


def test_token_source_of_a_shorthand_jwt_fn():
    code = ("function jwtFn(callback) { callback(JSON.stringify(t)); }\n"
            "window.zESettings = { webWidget: { authenticate: { jwtFn } } };\n")
    c = call(code, "webWidget.authenticate.jwtFn")
    assert (c.line, c.token_source, c.token_line) == (2, "json-stringify", 1)


def test_calls_without_a_login_have_no_token_source():
    assert call("zE('messenger', 'open');", "open").token_source is None


# --- markers and secrets -------------------------------------------------------------------------

def test_legacy_webchat_endpoints_are_marked_in_any_file():
    code = ("const express = require('express');\n"
            "const url = `https://api.${host}/api/v2/webchat/guest/conversations`;\n"
            "axios.post('https://api.mypurecloud.ie/api/v2/signeddata', data);\n")
    assert [(m.kind, m.line, m.text) for m in facts(code).markers] == [
        ("genesys-webchat-url", 2, "/api/v2/webchat"), ("genesys-webchat-url", 3, "/api/v2/signeddata")]


def test_client_credentials_token_handed_to_the_widget():
    code = ("async function orgToken() {\n"
            "  const r = await fetch('https://login.mypurecloud.de/oauth/token', {\n"
            "    method: 'POST', body: 'grant_type=client_credentials' });\n"
            "  return (await r.json()).access_token;\n"
            "}\n"
            "Genesys('registerPlugin', 'AuthProvider', (AuthProvider) => {\n"
            "  AuthProvider.registerCommand('getAuthCode', async (e) => {\n"
            "    e.resolve({ authCode: await orgToken(), redirectUri: location.href });\n"
            "  });\n"
            "});\n")
    (m,) = [m for m in facts(code).markers if m.kind == "genesys-client-credentials"]
    assert (m.line, m.text) == (2, "widget")


def test_client_credentials_token_for_the_api():
    code = ("const platformClient = require('purecloud-platform-client-v2');\n"
            "const client = platformClient.ApiClient.instance;\n"
            "async function main() {\n"
            "  await client.loginClientCredentialsGrant(process.env.GC_ID, process.env.GC_SECRET);\n"
            "}\n")
    f = facts(code)
    assert [(m.kind, m.line, m.text) for m in f.markers] == [("genesys-client-credentials", 4, "api")]
    assert not f.browser  # so no secret marker for the server's own secret


def test_an_oauth_token_url_of_another_provider_is_not_genesys():
    code = "fetch('https://login.example.com/oauth/token', { body: 'grant_type=client_credentials' });\n"
    assert facts(code).markers == ()


def test_genesys_secrets_in_browser_code():
    code = ("const GENESYS_CLIENT_SECRET = 'Xq9-secret-value';\n"
            "document.title = 'Genesys chat';\n"
            "client.loginClientCredentialsGrant(cfg.id, cfg.password);\n"
            "client.loginClientCredentialsGrant(cfg.id, GENESYS_CLIENT_SECRET);\n"
            "async function t(id, pw) {\n"
            "  return fetch('https://login.mypurecloud.com/oauth/token', { headers: {\n"
            "    Authorization: 'Basic ' + btoa(id + ':' + pw) } });\n"
            "}\n")
    f = facts(code)
    got = [(m.kind, m.line, m.text) for m in f.markers if m.kind == "genesys-client-secret"]
    assert got == [("genesys-client-secret", 1, "GENESYS_CLIENT_SECRET"),
                   ("genesys-client-secret", 3, "loginClientCredentialsGrant"),
                   ("genesys-client-secret", 7, "basic-auth")]
    assert "Xq9-secret-value" not in repr(f)


def test_zendesk_secret_in_browser_code_never_shows_its_value():
    code = ("const zendeskSharedSecret = 'zd-very-secret-1';\n"
            "const config = { zd_jwt_secret: \"zd-very-secret-2\", widgetKey: '5b3e1f7c' };\n"
            "window.zE('messenger', 'loginUser', function (cb) {\n"
            "  var chatSecret = 'zd-very-secret-3';\n"
            "  cb(sign('eyJhbGciOiJIUzI1NiJ9.e30.sig', chatSecret));\n"
            "});\n")
    f = facts(code)
    assert [(m.kind, m.line, m.text) for m in f.markers] == [
        ("zendesk-secret", 1, "zendeskSharedSecret"), ("zendesk-secret", 2, "zd_jwt_secret"),
        ("zendesk-secret", 4, "chatSecret")]
    text = repr(f)
    assert "zd-very-secret" not in text and "eyJhbGciOiJIUzI1NiJ9" not in text
    assert '"***"' in f.calls[0].args[2]


def test_zendesk_secret_on_a_server_is_not_a_browser_secret():
    code = ("const express = require('express');\n"
            "const zendeskSharedSecret = 'zd-very-secret-1';\n")
    f = facts(code)
    assert not f.browser and f.markers == ()


@pytest.mark.parametrize("code,browser", [
    ("document.querySelector('#chat').onclick = () => zE('messenger', 'open');\n", True),
    ("'use client';\nexport function Chat() { return null; }\n", True),
    ("const app = require('express')();\napp.get('/jwt', (req, res) => res.send(zendeskJwt()));\n", False),
])
def test_browser_flag(code, browser):
    assert facts(code).browser is browser


# --- robustness ----------------------------------------------------------------------------------

def test_syntax_error_is_reported_once_and_the_rest_is_read():
    code = "zE('messenger', 'open');\nfunction (( {\nlet = ;\nzE('messenger', 'close');\n"
    f = facts(code)
    assert len(f.errors) == 1 and "syntax error" in f.errors[0].message
    assert ("messenger", "open") in [(c.api, c.command) for c in f.calls]


def test_crlf_lines():
    code = "// chat\r\n\r\nzE('messenger', 'open');\r\nzE('messenger', 'close');\r\n"
    assert [(c.line, c.column) for c in facts(code).calls] == [(3, 1), (4, 1)]


def test_columns_count_characters_not_bytes():
    code = "const título = 'Señor Müller'; zE('messenger', 'open');\n"
    (c,) = facts(code).calls
    assert c.column == code.index("zE") + 1


def test_typescript_and_tsx():
    ts_code = ("declare const zE: (...a: unknown[]) => void;\n"
               "const locale: string = navigator.language as string;\n"
               "zE('messenger:set', 'locale', locale!);\n")
    assert calls(ts_code, path="chat.ts", language="typescript") == [("messenger:set", "locale")]
    tsx_code = ("export function Chat({ k }: { k: string }) {\n"
                "  useEffect(() => { window.zE('messenger', 'open'); }, []);\n"
                "  return <Script src='https://static.zdassets.com/ekr/snippet.js?key=abc' />;\n"
                "}\n")
    f = facts(tsx_code, path="Chat.tsx", language="tsx")
    assert [(c.api, c.command) for c in f.calls] == [("messenger", "open")]
    assert [(ld.kind, ld.key, ld.line) for ld in f.loaders] == [("snippet", "abc", 3)]


def test_a_file_without_widget_words_is_not_parsed_for_nothing():
    # This extractor alone: a file that cannot hold widget code costs no parse (and reports
    # no syntax error of its own).
    found = widgets.extract(Source.of("math.js", "javascript", "export const add = (a, b) => a + b;\nfunction (( {\n"))
    assert found.calls == [] and found.errors == []


def test_minified_5mb_bundle_with_one_call_is_fast():
    chunk = 'function a{0}(b,c){{var d="s{0}"+b;return c>{0}?d.split(","):{{k:[1,2],f:function(){{return c}}}}}};'
    parts = [chunk.format(i) for i in range(50_000)]
    parts.insert(25_000, "window.zE&&zE('messenger','open');")
    code = "".join(parts)
    code = code * (5_000_000 // len(code) + 1)
    assert len(code.encode()) >= 5_000_000 and "\n" not in code
    # CPU time, so that other work on the machine does not count; the machine's speed is
    # measured as tree-sitter parsing one fifth of the bundle.
    started = time.process_time()
    Doc.parse("javascript", code[:1_000_000].encode())
    fifth = time.process_time() - started
    # This extractor alone: the stage also runs the JavaScript signer extractor on the file.
    started = time.process_time()
    found = widgets.extract(Source.of("dist/app.min.js", "javascript", code))
    elapsed = time.process_time() - started
    assert ("messenger", "open") in {(c.api, c.command) for c in found.calls}
    # Parsing the whole bundle takes 5 * fifth (about 2 s) and the browser check about as long
    # again (about 4.5 s in all); walking every node in Python would add 15 * fifth more.
    assert elapsed < 25 * fifth, f"{elapsed:.1f} s CPU, parse of 1 MB {fifth:.2f} s"


# --- widget code built in strings -----------------------------------------------------------------

def test_a_created_script_element_with_a_spliced_key_and_code_in_its_text():
    from migrate.inventory import kind_of
    code = ("const ZD_KEY = '5b3e1f7c-2f2a';\n"
            "const s = document.createElement('script');\n"
            "s.src = 'https://static.zdassets.com/ekr/snippet.js?key=' + ZD_KEY;\n"
            "s.id = 'ze-snippet';\n"
            "document.head.appendChild(s);\n"
            "const boot = document.createElement('script');\n"
            "boot.text = \"zE('messenger', 'loginUser', function (cb) { cb(window.zdToken); });\";\n"
            "document.body.appendChild(boot);\n")
    f = facts(code)
    (loader,) = f.loaders
    assert (loader.kind, loader.key, loader.line, loader.column) == ("snippet", "5b3e1f7c-2f2a", 3, 9)
    (c,) = f.calls
    assert (c.api, c.command, c.line, c.column) == ("messenger", "loginUser", 7, 14)
    assert c.args[:2] == ("'messenger'", "'loginUser'")
    assert kind_of(f.calls) == "messaging" and f.browser


def test_markup_in_a_template_string_gives_the_loader_and_the_calls_at_their_lines():
    code = ("const key = 'abc-123';\n"
            "document.body.insertAdjacentHTML('beforeend', `\n"
            "  <script id=\"ze-snippet\" src=\"https://static.zdassets.com/ekr/snippet.js?key=${key}\"></script>\n"
            "  <script>\n"
            "    zE('messenger', 'open');\n"
            "    zE('messenger:set', 'locale', '${lang}');\n"
            "  </script>`);\n")
    f = facts(code)
    assert [(ld.kind, ld.key, ld.line, ld.column) for ld in f.loaders] == [("snippet", "abc-123", 3, 32)]
    assert [(c.api, c.command, c.line, c.column) for c in f.calls] == [
        ("messenger", "open", 5, 5), ("messenger:set", "locale", 6, 5)]
    assert f.calls[1].args[2] == "'${lang}'"
    assert f.errors == ()


def test_escaped_quotes_and_closing_tags_in_inner_html():
    code = ("el.innerHTML = '<div></div><script>zE(\\'messenger:set\\', \\'locale\\', \\'de\\');<\\/script>';\n"
            "document.write('<script>' +\n"
            "  '$zopim(function () { $zopim.livechat.setName(\"' + user.name + '\"); });' +\n"
            "  '<\\/script>');\n")
    f = facts(code)
    assert [(c.api, c.command, c.line, c.column) for c in f.calls] == [
        ("messenger:set", "locale", 1, 36), ("$zopim", "ready", 3, 4), ("$zopim", "livechat.setName", 3, 25)]
    assert f.calls[0].args == ("'messenger:set'", "'locale'", "'de'")
    assert f.errors == ()


@pytest.mark.parametrize("code", [
    "document.body.innerHTML += '<script>zE(\"messenger\", \"loginUser\", cb => cb(\"' + jwt + '\"))</script>';\n",
    # a CommonJS module (not plainly browser code) that still writes into the document
    "module.exports = function mount(panel, jwt) {\n"
    "  panel.insertAdjacentHTML('beforeend', `<script>zE('messenger', 'loginUser', cb => cb('${jwt}'))</script>`);\n"
    "};\n",
])
def test_a_token_spliced_into_browser_markup_is_written_once_not_a_server_template(code):
    (c,) = facts(code).calls
    assert (c.command, c.line) == ("loginUser", code.count("\n", 0, code.index("zE(")) + 1)
    assert c.token_source == "written"  # fixed when the markup is written; not the server's


def test_a_server_sending_a_page_keeps_its_calls_at_their_lines():
    code = ("const express = require('express');\n"
            "const app = express();\n"
            "app.get('/chat', (req, res) => {\n"
            "  const token = sign(req.user);\n"
            "  res.send(`<html><body>\n"
            "<script>\n"
            "  zE(\"messenger\", \"loginUser\", cb => cb(\"${token}\"));\n"
            "</script></body></html>`);\n"
            "});\n")
    f = facts(code, path="server.js")
    (c,) = f.calls
    assert (c.command, c.line, c.column, c.token_source, c.token_line) == ("loginUser", 7, 3, "template", 7)
    assert c.args[2] == 'cb => cb("${token}")'
    assert not f.browser


@pytest.mark.parametrize("code", [
    "console.log(\"call zE('messenger', 'open') to open the chat\");\n",  # prose
    "const help = \"zE('messenger', 'open')\";\nel.innerHTML = help;\n",  # code text that is not run here
    "el.innerHTML = '<p>zE(\"messenger\", \"open\")</p>';\n",  # markup, but no script element
    "el.innerHTML = '<script type=\"text/template\">zE(\"messenger\", \"open\")</script>';\n",
])
def test_strings_that_are_not_widget_code(code):
    assert facts(code).calls == ()
