"""The page side of `migrate generate` on shapes met on real sites: feature tests on `window.zE`,
loginUser's sign-in callback, zESettings with their values, widget code nested in other widget
code, and the reasons the report gives for each page.

Each site is written here, small; the migrated scripts are run under node with a stub `Genesys`
global (the snippet's queue, recording calls and subscriptions) to see that the new code runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from wiring_support import after, assert_parses, generate_site

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node runs the migrated page scripts")

# Runs a migrated script the way a browser would once the Messenger snippet has defined
# `Genesys`, then publishes the given Messenger events to what the script subscribed.
RUNNER = r"""
'use strict';
const fs = require('fs');
const vm = require('vm');
const [file, rawEvents, rawCall] = process.argv.slice(2);
const record = { calls: [], plugins: [], commands: [], elements: {}, errors: [] };
const subscribers = {};
function element(id) {
  if (!record.elements[id]) record.elements[id] = { removed: false, hidden: true, text: '' };
  const state = record.elements[id];
  return {
    remove() { state.removed = true; },
    set hidden(value) { state.hidden = value; },
    get hidden() { return state.hidden; },
    set textContent(value) { state.text = String(value); },
    addEventListener() {},
  };
}
function Genesys(verb, name, arg) {
  record.calls.push([verb, name]);
  if (verb === 'subscribe') (subscribers[name] = subscribers[name] || []).push(arg);
  if (verb === 'registerPlugin') {
    record.plugins.push(name);
    arg({
      registerCommand(command) { record.commands.push(command); },
      ready() {},
      subscribe() {},
      publish() {},
      command() { return Promise.resolve(); },
    });
  }
}
Genesys.q = [];
const sandbox = {
  Genesys,
  console,
  setTimeout,
  fetch: () => new Promise(() => {}),
  document: {
    getElementById: element,
    querySelector: (selector) => element(selector),
    documentElement: { lang: 'en' },
  },
  exports: {},
};
sandbox.window = sandbox;
sandbox.self = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(file, 'utf8'), sandbox, { filename: file });
if (rawCall) vm.runInContext(rawCall, sandbox);
for (const [name, data] of JSON.parse(rawEvents || '[]')) {
  for (const callback of subscribers[name] || []) {
    try { callback(data); } catch (error) { record.errors.push(String(error)); }
  }
}
process.stdout.write(JSON.stringify(record) + '\n');
"""


def write_site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def run_script(tmp_path: Path, text: str, events: list | None = None, then: str = "") -> dict:
    runner = tmp_path / "run_page_script.js"
    runner.write_text(RUNNER, encoding="utf-8")
    script = tmp_path / "migrated_script.js"
    script.write_text(text, encoding="utf-8")
    done = subprocess.run([NODE, str(runner), str(script), json.dumps(events or []), then],
                          capture_output=True, text=True, timeout=20, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


PAGE = """<!doctype html>
<html lang="en">
<head>
<title>Shop</title>
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=3c1f9e0a-7b2d-4e8f-9a61-5d4c3b2a1f00"></script>
</head>
<body>
<div id="chat"></div>
<script src="/js/chat.js"></script>
</body>
</html>
"""

GUARDED = """// Chat sign-in, only where the widget loaded (ad blockers remove it).
if (typeof window.zE === 'function') {
  zE('messenger', 'loginUser', function (callback) {
    fetch('/zendesk/jwt', { credentials: 'same-origin' })
      .then(function (response) { return response.text(); })
      .then(callback);
  });
}

window.zE && zE('messenger', 'open');

if (window.zE) {
  zE('messenger:on', 'close', function () {
    document.getElementById('chat').hidden = true;
  });
}

function chatAvailable() {
  return typeof zE !== 'undefined';
}

function openChat() {
  if (!window.zE) {
    return;
  }
  zE('messenger', 'open');
}
"""


@pytest.fixture
def guarded_site(tmp_path):
    return write_site(tmp_path / "site", {"views/index.html": PAGE, "public/js/chat.js": GUARDED})


def test_feature_tests_on_ze_become_tests_on_genesys(guarded_site):
    result = generate_site(guarded_site)
    chat = after(result)["public/js/chat.js"]
    assert_parses("javascript", chat)
    assert "zE" not in chat.replace("zE('messenger'", "")  # no test on zE is left
    assert "if (typeof window.Genesys === 'function') {" in chat
    assert "window.Genesys && Genesys('command', 'Messenger.open');" in chat
    assert "if (window.Genesys) {" in chat
    assert "return typeof Genesys !== 'undefined';" in chat
    assert "if (!window.Genesys) {" in chat


@needs_node
def test_guarded_code_runs_once_genesys_is_there(guarded_site, tmp_path):
    chat = after(generate_site(guarded_site))["public/js/chat.js"]
    record = run_script(tmp_path, chat, [["Messenger.closed", None]],
                        "if (chatAvailable()) openChat();")
    assert record["plugins"] == ["AuthProvider"]
    assert record["commands"] == ["getAuthCode", "signIn", "reAuthenticate"]
    assert record["calls"].count(["command", "Messenger.open"]) == 2
    assert ["subscribe", "Messenger.closed"] in record["calls"]
    assert record["elements"]["chat"]["hidden"] is True
    assert record["errors"] == []


LOGIN_CALLBACK = """(function () {
  var chat = document.getElementById('chat');
  var greeting = document.getElementById('greeting');

  zE('messenger', 'loginUser', function (callback) {
    fetch('/zendesk/jwt', { credentials: 'same-origin' })
      .then(function (response) { return response.text(); })
      .then(callback);
  }, function (error) {
    if (error) {
      // Signed-in support only: no anonymous chat.
      chat.remove();
      return;
    }
    greeting.textContent = 'Signed in to chat';
    zE('messenger', 'open');
  });
})();
"""


@pytest.fixture
def callback_site(tmp_path):
    return write_site(tmp_path / "site", {"views/index.html": PAGE, "public/js/chat.js": LOGIN_CALLBACK})


def test_login_callback_is_kept_on_the_auth_events(callback_site):
    result = generate_site(callback_site)
    chat = after(result)["public/js/chat.js"]
    assert_parses("javascript", chat)
    assert "chat.remove();" in chat and "greeting.textContent = 'Signed in to chat';" in chat
    assert "Genesys('subscribe', 'Auth.authenticated'" in chat
    assert "Genesys('subscribe', 'Auth.authError'" in chat
    # The call inside the kept callback is translated too.
    assert "zE(" not in chat and "Genesys('command', 'Messenger.open');" in chat
    # An event only third-party lists name is marked as such where it is used.
    for line in chat.splitlines():
        if "Auth.authProviderError" in line and "subscribe" in line:
            assert re.search(r"unconfirmed", chat[:chat.index(line)].rsplit("\n\n", 1)[-1] + line, re.IGNORECASE), line
    (why,) = [r for r in result.changes.summary if "loginUser" in r]
    assert "callback" in why and "Auth.authenticated" in why


@needs_node
@pytest.mark.parametrize("event, removed, text, opened", [
    ("Auth.authError", True, "", False),
    ("Auth.authenticated", False, "Signed in to chat", True),
])
def test_login_callback_runs_on_the_messenger_outcome(callback_site, tmp_path, event, removed, text, opened):
    chat = after(generate_site(callback_site))["public/js/chat.js"]
    record = run_script(tmp_path, chat, [[event, {"message": "sign-in failed"}], [event, None]])
    assert record["plugins"] == ["AuthProvider"]
    assert record["elements"]["chat"]["removed"] is removed
    assert record["elements"]["greeting"]["text"] == text
    assert (["command", "Messenger.open"] in record["calls"]) is opened
    assert record["errors"] == []


SHORT_CIRCUIT = """window.zE && zE('messenger', 'loginUser', function (callback) {
  fetch('/zendesk/jwt').then(function (response) { return response.text(); }).then(callback);
}, function (error) { if (error) document.getElementById('chat').remove(); });
"""


@needs_node
def test_login_call_behind_a_short_circuit_test(tmp_path):
    site = write_site(tmp_path / "site", {"views/index.html": PAGE, "public/js/chat.js": SHORT_CIRCUIT})
    chat = after(generate_site(site))["public/js/chat.js"]
    assert_parses("javascript", chat)
    assert chat.startswith("window.Genesys && (\n")
    record = run_script(tmp_path, chat, [["Auth.authError", None]])
    assert record["plugins"] == ["AuthProvider"]
    assert record["elements"]["chat"]["removed"] is True


SETTINGS_PAGE = """<!doctype html>
<html lang="en">
<head>
<title>Shop</title>
<script>
  window.zESettings = {
    webWidget: {
      color: { theme: '#78a300', launcherText: '#ffffff' },
      position: { horizontal: 'left', vertical: 'bottom' },
      offset: { horizontal: '100px', vertical: '150px' },
      zIndex: 999999,
      contactForm: { suppress: true }
    }
  };
</script>
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=3c1f9e0a-7b2d-4e8f-9a61-5d4c3b2a1f00"></script>
</head>
<body></body>
</html>
"""


def test_settings_are_kept_commented_with_their_values(tmp_path):
    site = write_site(tmp_path / "site", {"views/index.html": SETTINGS_PAGE})
    result = generate_site(site)
    page = after(result)["views/index.html"]
    assert_parses("html", page)
    # The values survive, commented out, so the Messenger configuration can be set from them.
    for original in ("window.zESettings = {", "color: { theme: '#78a300', launcherText: '#ffffff' },",
                     "position: { horizontal: 'left', vertical: 'bottom' },",
                     "offset: { horizontal: '100px', vertical: '150px' },", "zIndex: 999999,"):
        assert re.search(r"^\s*// +" + re.escape(original) + "$", page, re.MULTILINE), original
    assert not re.search(r"^\s*window\.zESettings", page, re.MULTILINE)  # no longer runs
    todo = page[page.index("TODO(migrate:ZG107)"):page.index("// window.zESettings")]
    for setting, equivalent in (("webWidget.color.theme", "styles.primary_color"),
                                ("webWidget.position.horizontal", "position.alignment"),
                                ("webWidget.offset.horizontal", "position.side_space"),
                                ("webWidget.offset.vertical", "position.bottom_space")):
        assert re.search(re.escape(setting) + r"\W.*" + re.escape(equivalent), todo), (setting, todo)
    none = todo[todo.index("no Messenger"):]
    for setting in ("webWidget.zIndex", "webWidget.contactForm.suppress", "webWidget.color.launcherText"):
        assert setting in none, (setting, none)


VUE_PLUGIN = """import Vue from 'vue';
import App from './App.vue';

Vue.use({
  install(Vue, options) {
    window.zESettings = options.settings;
    Vue.prototype.$chat = {
      open() {
        zE('messenger', 'open');
      },
    };
  },
}, { settings: { webWidget: { color: { theme: '#004b87' } } } });

new Vue({ render: (h) => h(App) }).$mount('#app');
"""


def test_settings_next_to_a_widget_call_in_one_statement(tmp_path):
    site = write_site(tmp_path / "site", {"views/index.html": PAGE, "src/main.js": VUE_PLUGIN})
    result = generate_site(site)
    main = after(result)["src/main.js"]
    assert_parses("javascript", main)
    assert re.search(r"^\s*// window\.zESettings = options\.settings;$", main, re.MULTILINE)
    assert "Genesys('command', 'Messenger.open');" in main and "zE(" not in main
    assert "new Vue({ render: (h) => h(App) }).$mount('#app');" in main
    assert not [n for n in result.notes if "overlap" in n]
    why = [r for r in result.changes.summary if r.startswith("src/main.js")]
    assert any("zESettings" in r and "options.settings" in r and "commented out" in r for r in why), why


NESTED = """zE('webWidget:on', 'chat:status', function (status) {
  if (status === 'online') {
    zE('webWidget', 'show');
  }
});
zE('messenger:on', 'open', function () {
  zE('messenger', 'close');
});
"""


def test_a_call_inside_commented_code_is_said_to_be_there(tmp_path):
    site = write_site(tmp_path / "site", {"views/index.html": PAGE, "public/js/chat.js": NESTED})
    result = generate_site(site)
    chat = after(result)["public/js/chat.js"]
    assert_parses("javascript", chat)
    # The handler of an event without equivalent is commented out whole, the call in it with it.
    assert re.search(r"^// +zE\('webWidget', 'show'\);$", chat, re.MULTILINE)
    # A callback that is kept has its own calls translated.
    assert "Genesys('subscribe', 'Messenger.opened', function () {\n  Genesys('command', 'Messenger.close');" in chat
    why = [r for r in result.changes.summary if r.startswith("public/js/chat.js")]
    show = [r for r in why if "webWidget show" in r]
    assert show and "commented out" in show[0] and "Launcher.show" not in show[0], why


def _reason_holds(reason: str, before: str, text: str) -> None:
    """A reason that names a Genesys call or a TODO names something the file now holds."""
    m = re.search(r"-> (Genesys\('(?:command|subscribe)', '[\w.]+')", reason)
    if m:
        assert m.group(1) in text, reason
    m = re.search(r"TODO\(migrate:ZG107\): (.*?) \[", reason)
    if m and "-> TODO" in reason:
        assert m.group(1) in text, reason


@pytest.mark.parametrize("files", [
    {"views/index.html": PAGE, "public/js/chat.js": GUARDED},
    {"views/index.html": PAGE, "public/js/chat.js": LOGIN_CALLBACK},
    {"views/index.html": PAGE, "public/js/chat.js": NESTED},
    {"views/index.html": SETTINGS_PAGE},
    {"views/index.html": PAGE, "src/main.js": VUE_PLUGIN},
], ids=["guards", "callback", "nested", "settings", "vue"])
def test_reasons_agree_with_the_diff(tmp_path, files):
    site = write_site(tmp_path / "site", files)
    result = generate_site(site)
    texts = after(result)
    assert result.changes.summary
    for line in result.changes.summary:
        path, reason = line.split(": ", 1)
        _reason_holds(reason, files[path], texts[path])
    # Every file with a reason changed, and every changed page file has a reason.
    assert {line.split(": ", 1)[0] for line in result.changes.summary} == set(texts)
