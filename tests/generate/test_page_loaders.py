"""Zendesk loaders written in code become the Messenger snippet in the same form: a next/script
`<Script>` element, a script element a function creates, a page held in a template string, and
an inline page script that adds the loader next to other widget code.

The new bootstrap is then run under node, with just enough of `document` to see the script
element it adds and the configuration it hands over.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from test_page_rewrites import NODE, PAGE, needs_node, write_site
from wiring_support import DEPLOYMENT, after, assert_parses, generate_site

BOOTSTRAP = "https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js"
CONFIG = {"environment": "prod-euw1", "deploymentId": DEPLOYMENT}
KEY = "3c1f9e0a-7b2d-4e8f-9a61-5d4c3b2a1f00"

# Runs code as a page would, then prints the scripts it added and what `Genesys` holds.
RUNNER = r"""
'use strict';
const vm = require('vm');
const added = [];
function element(tag) {
  return { tagName: tag, setAttribute(name, value) { this[name] = value; } };
}
const sandbox = {
  console,
  document: {
    createElement: element,
    head: { appendChild(node) { added.push(node); } },
    body: { appendChild(node) { added.push(node); } },
    getElementsByTagName() {
      return [{ appendChild(node) { added.push(node); }, parentNode: { insertBefore(node) { added.push(node); } } }];
    },
  },
  exports: {},
  module: { exports: {} },
  require: () => ({}),
};
sandbox.window = sandbox;
vm.createContext(sandbox);
const [code, then] = JSON.parse(process.argv[2]);
vm.runInContext(code, sandbox);
if (then) vm.runInContext(then, sandbox);
const g = sandbox.Genesys;
process.stdout.write(JSON.stringify({
  scripts: added.map((node) => node.src),
  genesys: typeof g,
  config: g && g.c ? g.c : null,
  queued: g && g.q ? Array.from(g.q, (args) => Array.from(args).slice(0, 2)) : [],
  globalName: sandbox._genesysJs || null,
}) + '\n');
"""


def run(tmp_path, code: str, then: str = "") -> dict:
    runner = tmp_path / "run_bootstrap.js"
    runner.write_text(RUNNER, encoding="utf-8")
    done = subprocess.run([NODE, str(runner), json.dumps([code, then])], capture_output=True, text=True, check=False,
                          timeout=20)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


NEXT_APP = f"""import Script from 'next/script';
import type {{ AppProps }} from 'next/app';

export default function App({{ Component, pageProps }}: AppProps) {{
  return (
    <>
      <Script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key={KEY}" strategy="afterInteractive" />
      <Component {{...pageProps}} />
    </>
  );
}}
"""

NEXT_CHAT = """'use client';

export function ChatButton() {
  return <button onClick={() => zE('messenger', 'open')}>Chat with us</button>;
}
"""


def _inline_html(tsx: str) -> str:
    """The code a JSX element hands over with dangerouslySetInnerHTML={{ __html: `...` }}."""
    m = re.search(r"dangerouslySetInnerHTML=\{\{ __html: `(.*?)` \}\}", tsx, re.DOTALL)
    assert m, tsx
    return m.group(1)


def test_next_script_loader_becomes_a_next_script_bootstrap(tmp_path):
    site = write_site(tmp_path / "site", {"pages/_app.tsx": NEXT_APP, "components/ChatButton.tsx": NEXT_CHAT})
    result = generate_site(site)
    texts = after(result)
    app = texts["pages/_app.tsx"]
    assert_parses("tsx", app)
    assert "zdassets" not in app
    assert "import Script from 'next/script';" in app
    (element,) = re.findall(r"<Script\b.*?/>", app, re.DOTALL)
    assert 'id="genesys-messenger"' in element and 'strategy="afterInteractive"' in element
    assert BOOTSTRAP in element and DEPLOYMENT in element
    assert "onClick={() => Genesys('command', 'Messenger.open')}" in texts["components/ChatButton.tsx"]
    assert not [n for n in result.notes if "_app.tsx" in n]
    assert any(r.startswith("pages/_app.tsx: ") and "snippet" in r for r in result.changes.summary)


@needs_node
def test_next_script_bootstrap_defines_genesys(tmp_path):
    app = after(generate_site(write_site(tmp_path / "site", {"pages/_app.tsx": NEXT_APP})))["pages/_app.tsx"]
    record = run(tmp_path, _inline_html(app), "Genesys('command', 'Messenger.open');")
    assert record["scripts"] == [BOOTSTRAP]
    assert record["genesys"] == "function" and record["config"] == CONFIG
    assert record["queued"] == [["command", "Messenger.open"]]


CREATE_ELEMENT = f"""var ZENDESK_KEY = '{KEY}';

function loadChat() {{
  var s = document.createElement('script');
  s.id = 'ze-snippet';
  s.async = true;
  s.src = 'https://static.zdassets.com/ekr/snippet.js?key=' + ZENDESK_KEY;
  s.onload = function () {{
    zE('messenger', 'open');
  }};
  document.body.appendChild(s);
}}

exports.loadChat = loadChat;
"""


@needs_node
def test_created_script_element_loads_the_genesys_bootstrap(tmp_path):
    site = write_site(tmp_path / "site", {"views/index.html": PAGE.replace(
        '<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=' + KEY + '"></script>\n', ""),
        "public/js/loader.js": CREATE_ELEMENT})
    result = generate_site(site)
    loader = after(result)["public/js/loader.js"]
    assert_parses("javascript", loader)
    assert "zdassets" not in loader and "ZENDESK_KEY" in loader.split("function loadChat")[0]
    assert "document.createElement('script')" in loader
    record = run(tmp_path, loader, "exports.loadChat();")
    assert record["scripts"] == [BOOTSTRAP]
    assert record["genesys"] == "function" and record["config"] == CONFIG
    assert record["globalName"] == "Genesys"
    assert not [n for n in result.notes if "loader.js" in n]


LAYOUT = f"""const ZENDESK_KEY = process.env.ZENDESK_KEY || '{KEY}';

function layout(title, body) {{
  return `<!doctype html>
<html lang="en">
<head>
  <title>${{title}}</title>
  <!-- Start of Zendesk Widget script -->
  <script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=${{ZENDESK_KEY}}"></script>
  <!-- End of Zendesk Widget script -->
</head>
<body>${{body}}</body>
</html>`;
}}

module.exports = {{ layout }};
"""


def test_loader_in_a_template_string_becomes_the_snippet_there(tmp_path):
    site = write_site(tmp_path / "site", {"server/layout.js": LAYOUT})
    result = generate_site(site)
    layout = after(result)["server/layout.js"]
    assert_parses("javascript", layout)
    assert "zdassets" not in layout and "Zendesk Widget" not in layout
    assert "<title>${title}</title>" in layout and "<body>${body}</body>" in layout
    # The page the template produces: its Messenger snippet parses and loads the bootstrap.
    html = re.search(r"return `(.*?)`;", layout, re.DOTALL).group(1)
    assert_parses("html", html.replace("${title}", "Shop").replace("${body}", ""))
    assert "genesys-bootstrap/genesys.min.js" in html and DEPLOYMENT in html
    if NODE:
        body = re.search(r"<script[^>]*>(.*?)</script>", html, re.DOTALL).group(1)
        record = run(tmp_path, body)
        assert record["scripts"] == [BOOTSTRAP] and record["config"] == CONFIG


INLINE_LOADER_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<title>Shop</title>
<script>
  window.zESettings = {{ webWidget: {{ color: {{ theme: '#78a300' }} }} }};
  (function (d) {{
    var s = d.createElement('script');
    s.id = 'ze-snippet';
    s.src = 'https://static.zdassets.com/ekr/snippet.js?key={KEY}';
    d.getElementsByTagName('head')[0].appendChild(s);
  }})(document);
  zE('messenger', 'open');
</script>
</head>
<body></body>
</html>
"""


@needs_node
def test_inline_script_that_adds_the_loader_keeps_its_other_code(tmp_path):
    site = write_site(tmp_path / "site", {"views/index.html": INLINE_LOADER_PAGE})
    result = generate_site(site)
    page = after(result)["views/index.html"]
    assert_parses("html", page)
    assert "zdassets" not in page and "// window.zESettings = { webWidget: { color: { theme: '#78a300' } } };" in page
    assert "Genesys('command', 'Messenger.open');" in page
    body = re.search(r"<script>(.*?)</script>", page, re.DOTALL).group(1)
    record = run(tmp_path, body)
    assert record["scripts"] == [BOOTSTRAP] and record["config"] == CONFIG
    assert record["queued"] == [["command", "Messenger.open"]]


@pytest.mark.parametrize("files", [
    {"pages/_app.tsx": NEXT_APP},
    {"public/js/loader.js": CREATE_ELEMENT},
    {"server/layout.js": LAYOUT},
    {"views/index.html": INLINE_LOADER_PAGE},
], ids=["next-script", "create-element", "template-string", "inline"])
def test_no_note_says_a_replaced_loader_is_left(tmp_path, files):
    result = generate_site(write_site(tmp_path / "site", files))
    assert not [n for n in result.notes if "loader" in n], result.notes


MODULE_CONSTANT = f"""import Script from 'next/script';

const ZENDESK_SRC = 'https://static.zdassets.com/ekr/snippet.js?key={KEY}';

export function SupportChat() {{
  return <Script id="ze-snippet" src={{ZENDESK_SRC}} strategy="lazyOnload" />;
}}
"""


@needs_node
def test_loader_url_in_a_module_constant_leaves_server_rendering_alone(tmp_path):
    site = write_site(tmp_path / "site", {"components/SupportChat.jsx": MODULE_CONSTANT})
    result = generate_site(site)
    chat = after(result)["components/SupportChat.jsx"]
    assert_parses("javascript", chat)
    assert f"const ZENDESK_SRC = '{BOOTSTRAP}';" in chat and "zdassets" not in chat
    # The module also loads on the server (next build, server rendering): no window there.
    block = re.search(r"^if \(typeof window !== 'undefined'\) \{\n.*?^\}$", chat, re.DOTALL | re.MULTILINE).group(0)
    server = subprocess.run([NODE, "-e", block], capture_output=True, text=True, timeout=20, check=False)
    assert server.returncode == 0, server.stderr
    record = run(tmp_path, block, "Genesys('command', 'Messenger.open');")
    assert record["genesys"] == "function" and record["config"] == CONFIG
    assert record["queued"] == [["command", "Messenger.open"]]
