"""What `migrate generate` leaves to a person, seen by `migrate scan`: before generate, every TODO it
will leave (under the rule that means it); after the change set is applied, every open
`TODO(migrate:ZGxxx)` comment with its text; and the provider generate wrote as the site's own
OpenID provider, not a signer to migrate."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from typer.testing import CliRunner

from migrate.cli import app
from migrate.generate import config as cfg
from migrate.generate.run import generate
from migrate.rules import all_rules

runner = CliRunner()
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ISSUER = "https://shop.example.com/oidc"
TODO = re.compile(r"TODO\(migrate:(ZG\d{3})\)[:\s]*([^\n]*)")
# The rules generate writes TODOs under.
TODO_RULES = {r.id for r in all_rules() if "generate" in r.where} | {"ZG107", "ZG220"}

BAKERY = {
    # The token route reads the session itself: no login middleware in front of it.
    "server.js": """\
// Bakery shop: the chat token comes from the visitor's session, with no login middleware.
const express = require('express');
const jwt = require('jsonwebtoken');
const { loyalty } = require('./loyalty');

const app = express();
app.use(express.static('public'));

app.get('/chat/token', (req, res) => {
  const account = req.session.account;
  const payload = {
    external_id: String(account.id),
    name: account.displayName,
    email: account.email,
    plan: account.plan,
    ...loyalty(account),
    scope: 'user',
  };
  const token = jwt.sign(payload, process.env.ZENDESK_SECRET, {
    algorithm: 'HS256',
    keyid: process.env.ZENDESK_KEY_ID,
    expiresIn: '5m',
  });
  res.type('text/plain').send(token);
});

app.listen(process.env.PORT || 3000);
""",
    "package.json": '{\n  "name": "bakery",\n  "private": true,\n'
                    '  "dependencies": { "express": "^4.19.2", "jsonwebtoken": "^9.0.2" }\n}\n',
    "public/chat.js": """\
// Chat sign-in for the bakery.
zE('messenger', 'loginUser', function (callback) {
  fetch('/chat/token').then(function (r) { return r.text(); }).then(callback);
});
zE('messenger:set', 'locale', 'fr');
""",
    "views/index.html": """\
<!doctype html>
<html>
<body>
  <h1>Bakery</h1>
  <script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"></script>
  <script src="/chat.js"></script>
</body>
</html>
""",
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def bakery(tmp_path) -> Path:
    return _write(tmp_path / "bakery", BAKERY)


def _generate(site: Path):
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER))


def _added_todos(result) -> list[tuple[str, str, str, bool]]:
    """(rule, text, path, new file) of each TODO comment the change set adds."""
    out = []
    for c in result.changes.changes:
        before = Counter((m.group(1), m.group(2).strip()) for m in TODO.finditer(c.before.text if c.before else ""))
        for m in TODO.finditer(c.after or ""):
            key = (m.group(1), m.group(2).strip())
            if before[key]:
                before[key] -= 1
            else:
                out.append((*key, c.path, c.before is None))
    return out


def _scan(site: Path, *args: str) -> tuple[int, dict]:
    r = runner.invoke(app, ["scan", str(site), "--format", "json", *args])
    assert r.exit_code in (0, 1), r.output
    return r.exit_code, json.loads(r.stdout)


def _apply(site: Path, result) -> None:
    for c in result.changes.changes:
        target = site / c.path
        if c.after is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(c.after, encoding="utf-8")


@pytest.mark.parametrize("site", ["bakery", "shop", "flask", "rails", "spring", "gohttp"])
def test_scan_counts_every_todo_generate_will_leave(site, bakery, tmp_path):
    root = {"bakery": bakery, "shop": ROOT / "examples" / "shop"}.get(site) or FIXTURES / "sites" / site
    left = Counter(rule for rule, *_ in _added_todos(_generate(root)))
    assert left["ZG220"]  # every site gets at least the kept route's TODO...
    del left["ZG220"]  # ...which scan reports once the route is kept, not before (no provider yet)
    _, report = _scan(root)
    said = Counter(f["rule"] for f in report["findings"] if f["rule"] in TODO_RULES)
    assert said == left


def test_each_decision_is_reported_under_its_own_rule_where_it_arises(bakery):
    code, report = _scan(bakery)
    found = {f["rule"]: f for f in report["findings"]}
    server = BAKERY["server.js"].split("\n")
    # the claims, at the claim
    assert server[found["ZG227"]["line"] - 1].strip().startswith("plan:")
    assert "claim 'plan' has no Genesys use" in found["ZG227"]["message"]
    assert "...loyalty(account)" in server[found["ZG228"]["line"] - 1]
    assert "spreads `...loyalty(account)`" in found["ZG228"]["message"]
    # the wiring's decisions, at the Zendesk signer they come from
    assert server[found["ZG223"]["line"] - 1].lstrip().startswith("const token = jwt.sign(")
    assert "no login check" in found["ZG223"]["message"]
    assert found["ZG223"]["message"].startswith("`migrate generate` will leave TODO(migrate:ZG223): ")
    assert found["ZG223"]["name"] == "route-without-login"
    # no Genesys equivalent: the call, as before
    assert found["ZG107"]["path"] == "public/chat.js" and found["ZG107"]["line"] == 5
    # decisions to come are advice: only the missing kid (an error) fails the run
    assert {f["severity"] for f in report["findings"] if f["rule"] in TODO_RULES} == {"info"}
    assert code == 1 and [f["rule"] for f in report["findings"] if f["severity"] != "info"] == ["ZG205"]


def test_decisions_follow_select_ignore_and_suppressions(bakery):
    _, only = _scan(bakery, "--select", "ZG223")
    assert [f["rule"] for f in only["findings"]] == ["ZG223"]
    _, without = _scan(bakery, "--ignore", "ZG2")
    assert not [f for f in without["findings"] if f["rule"].startswith("ZG2")]
    server = bakery / "server.js"
    signing = "const token = jwt.sign(payload, process.env.ZENDESK_SECRET, {"
    server.write_text(server.read_text().replace(signing, signing + "  // migrate: ignore[ZG223]"))
    _, suppressed = _scan(bakery)
    assert "ZG223" not in {f["rule"] for f in suppressed["findings"]}
    assert "ZG227" in {f["rule"] for f in suppressed["findings"]}


def test_after_apply_every_open_todo_is_reported_with_its_text(bakery):
    result = _generate(bakery)
    added = _added_todos(result)
    _apply(bakery, result)
    code, report = _scan(bakery)
    assert not [f for f in report["findings"] if "will leave" in f["message"]]  # generate has run
    todos = [f for f in report["findings"] if f["message"].startswith("open TODO left by `migrate generate`: ")]
    # each comment in the files, where it is, under its rule, with what it says
    in_files = []
    for path in sorted({p for *_, p, _ in added}):
        text = (bakery / path).read_text()
        for number, line in enumerate(text.split("\n"), 1):
            m = TODO.search(line)
            if m and m.group(1) != "ZG220":  # the kept route is ZG220's own finding, on the route
                in_files.append((m.group(1), path, number))
    assert sorted((f["rule"], f["path"], f["line"]) for f in todos) == sorted(in_files)
    assert {rule for rule, *_ in in_files} == {"ZG107", "ZG223", "ZG227", "ZG228"}
    by_rule = {f["rule"]: f for f in todos}
    assert by_rule["ZG223"]["name"] == "route-without-login" and by_rule["ZG223"]["severity"] == "warning"
    assert by_rule["ZG223"]["message"].endswith("the old route had no login check: this guard refuses everyone "
                                                "until the site's own login middleware takes its place")
    assert "no runtime locale command" in by_rule["ZG107"]["message"]
    # the kept route, once, on the route
    assert [f["line"] for f in report["findings"] if f["rule"] == "ZG220"] == [
        n for n, line in enumerate((bakery / "server.js").read_text().split("\n"), 1) if "jwt.sign(" in line]
    assert code == 1  # the open ZG223 is a warning: the run fails until someone decides


def test_the_provider_generate_wrote_is_the_sites_openid_provider(bakery):
    result = _generate(bakery)
    provider = next(c.path for c in result.changes.changes if c.before is None and "oidc" in c.path)
    _apply(bakery, result)
    _, report = _scan(bakery)
    mine = [s for s in report["signers"] if s["path"] == provider]
    assert mine and {s["purpose"] for s in mine} == {"openid-provider"}
    assert all(s["profile"] is None and "written by `migrate generate`" in s["reason"] for s in mine)
    assert not [f for f in report["findings"] if f["path"] == provider and "zendesk" in f.get("profile", "")]
    text = runner.invoke(app, ["scan", str(bakery)]).stdout
    assert re.search(rf"{re.escape(provider)}:\d+ .* openid-provider$", text, re.MULTILINE)


def test_a_symmetric_alg_in_the_generated_provider_is_still_zg303(bakery):
    """Recognised as the provider, it is judged as one: an ID token signed with HS256 is refused."""
    result = _generate(bakery)
    _apply(bakery, result)
    provider = next(c.path for c in result.changes.changes if c.before is None and "oidc" in c.path)
    path = bakery / provider
    text = path.read_text()
    assert "alg: 'RS256'" in text
    path.write_text(text.replace("alg: 'RS256'", "alg: 'HS256'"))
    _, report = _scan(bakery, "--select", "ZG303")
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [("ZG303", provider)]


SETTINGS_PAGE = """\
<!doctype html>
<html>
<head>
  <script>
    window.zESettings = window.SHOP_CHAT_SETTINGS;
  </script>
  <script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"></script>
</head>
<body></body>
</html>
"""


def test_settings_set_as_a_whole_are_zg110_in_scan_and_in_generate(tmp_path):
    site = _write(tmp_path / "site", {"index.html": SETTINGS_PAGE})
    _, report = _scan(site)
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("ZG110", 5)]
    added = _added_todos(_generate(site))
    assert [rule for rule, *_ in added] == ["ZG110"]
    assert "ZG107" not in {f["rule"] for f in report["findings"]}


def test_sarif_lists_the_rules_of_decisions(bakery):
    r = runner.invoke(app, ["scan", str(bakery), "--format", "sarif"])
    sarif = json.loads(r.stdout)
    rules = [x["id"] for x in sarif["runs"][0]["tool"]["driver"]["rules"]]
    results = sarif["runs"][0]["results"]
    assert {"ZG223", "ZG227", "ZG228"} <= {x["ruleId"] for x in results}
    assert all(rules[x["ruleIndex"]] == x["ruleId"] for x in results)


@pytest.mark.parametrize("comment,said", [
    ("  // TODO(migrate:ZG222): the claims below read `email` of the old route;\n"
     "  // write them from the request, then return them.\n  //   sub: String(email),\n  return null;\n",
     "the claims below read `email` of the old route; write them from the request, then return them."),
    ("    # TODO(migrate:ZG221): mount the provider\n    # behind the login check\n    app.run()\n",
     "mount the provider behind the login check"),
    ("/* TODO(migrate:ZG223): the old route had no login check */\n/* another comment */\n",
     "the old route had no login check"),
    ("// TODO(migrate:ZG107): no runtime locale\n// TODO(migrate:ZG107): no unread count\n",
     "no runtime locale"),
])
def test_an_open_todo_is_reported_with_all_it_says_over_its_comment_lines(tmp_path, comment, said):
    (tmp_path / "app.js").write_text("const jwt = require('jsonwebtoken');\nfunction f() {\n" + comment + "}\n")
    _, report = _scan(tmp_path)
    messages = [f["message"] for f in report["findings"] if f["message"].startswith("open TODO left by")]
    assert messages[0] == f"open TODO left by `migrate generate`: {said}", messages
