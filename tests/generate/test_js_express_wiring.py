"""Express in JavaScript: the shapes real sites had that the wiring got wrong. A route without a
guard (the refusing guard must parse), a login check inside the handler (it becomes the guard),
a claim reading a name of the handler the provider cannot hand over (ZG222: no user, never a
free variable), and signing outside any route (the standalone provider)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from wiring_support import after, assert_parses, generate_site


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def _site(tmp_path: Path, server: str) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "package.json").write_text('{"name": "shop", "dependencies": {"express": "^4.21.2"}}\n')
    (root / "server.js").write_text(textwrap.dedent(server).lstrip("\n"))
    return root


HEAD = """
const express = require('express');
const jwt = require('jsonwebtoken');
const app = express();
"""


def test_a_route_without_a_guard_gets_a_refusing_guard_that_parses(tmp_path):
    root = _site(tmp_path, HEAD + """
        app.get('/zendesk/jwt', (req, res) => {
          res.json({ token: jwt.sign({ external_id: String(req.user.id), name: req.user.name }, process.env.ZD_SECRET) });
        });
        """.replace("\n        ", "\n"))
    server = after(generate_site(root))["server.js"]
    assert_parses("javascript", server)
    assert "TODO(migrate:ZG223): the old route had no login check" in server
    assert "guard: (_req, res) => {\n    res.status(401).json({ error: 'login_required' });\n  }," in server
    assert "guard: undefined" not in server


@pytest.mark.parametrize("check", ["if (!req.session.user) return res.sendStatus(401);",
                                   "if (!req.user) {\n    return res.status(401).json({ error: 'sign in' });\n  }"])
def test_a_login_check_inside_the_handler_becomes_the_guard(tmp_path, check):
    root = _site(tmp_path, HEAD + f"""
app.get('/zendesk/jwt', (req, res) => {{
  {check}
  const user = req.session.user || req.user;
  res.json({{ token: jwt.sign({{ external_id: String(user.id), email: user.email }}, process.env.ZD_SECRET) }});
}});
""")
    server = after(generate_site(root))["server.js"]
    assert_parses("javascript", server)
    guard = server.split("  guard: ", 1)[1].split("\n  claims:", 1)[0]
    assert guard.startswith("(req, res, next) => {  // the old route's login check")
    assert check.split("\n")[0] in guard and "return next();" in guard
    claims = server.split("  claims: ", 1)[1]
    assert claims.startswith("(req) => {\n    const user = req.session.user || req.user;\n    return {\n")
    assert "TODO(migrate:ZG223): the old route had no login check" not in server


def test_res_locals_is_rebound_and_an_unbindable_name_returns_no_user(tmp_path):
    root = _site(tmp_path, HEAD + """
app.get('/zendesk/jwt', requireLogin, (req, res, next) => {
  for (const account of res.locals.accounts) {
    res.json({ token: jwt.sign({ external_id: account.ref, name: res.locals.user.name }, process.env.ZD_SECRET) });
  }
});
""")
    server = after(generate_site(root))["server.js"]
    assert_parses("javascript", server)
    claims = server.split("  claims: ", 1)[1].split("\n}));", 1)[0]
    assert "TODO(migrate:ZG222): the claims below read `account` of the old route" in claims
    assert "//   name: req.res.locals.user.name," in claims  # res -> req.res
    assert claims.rstrip().endswith("return null;\n  },")
    assert "\n    sub: account" not in claims  # no free variable left in code


def test_res_locals_alone_is_rebound_to_the_request(tmp_path):
    root = _site(tmp_path, HEAD + """
app.get('/zendesk/jwt', requireLogin, (req, res) => {
  res.json({ token: jwt.sign({ external_id: res.locals.user.id, name: res.locals.user.name }, process.env.ZD_SECRET) });
});
""")
    server = after(generate_site(root))["server.js"]
    assert "    name: req.res.locals.user.name,  // name -> name" in server
    assert "ZG222" not in server


def test_signing_in_a_helper_outside_any_route_gets_the_standalone_provider(tmp_path):
    root = _site(tmp_path, HEAD + """
// Zendesk Messaging token for a user record.
function zendeskToken(user) {
  return jwt.sign({ external_id: String(user.id), name: user.name }, process.env.ZD_SECRET);
}

app.get('/me/chat-token', (req, res) => res.json({ token: zendeskToken(req.user) }));
""")
    result = generate_site(root)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "not inside an Express route" in outcome.text
    files = after(result)
    server = files["server.js"]
    assert_parses("javascript", server)
    assert "createOidcProvider" not in server  # nothing mounted by hand-waving
    assert "// TODO(migrate:ZG221): mount the sign-in provider from ./genesys-oidc-provider.cjs at /oidc here" in server
    assert "TODO(migrate:ZG222): `user` of the old code is not in the request" in server
    assert "function zendeskToken(user) {" in server  # the old code stays
    assert "createNodeHandler" in files["genesys-oidc-provider.cjs"]
    assert_parses("javascript", files["genesys-oidc-provider.cjs"])
    assert '"jose"' in files["package.json"]
