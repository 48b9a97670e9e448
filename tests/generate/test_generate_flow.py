"""What generate guarantees whatever the framework: the patch parses, the page is never switched
to an AuthProvider nobody serves, a kept Zendesk route is seen by scan, and each signer's fate is
reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate import lang
from migrate.cli import app
from migrate.generate import backends, reparse
from migrate.generate.config import load
from migrate.generate.run import GenerateError, generate

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
FLAGS = ["--region", "eu-west-1", "--deployment-id", DEPLOYMENT, "--issuer", "https://shop.example.com/oidc"]


@pytest.fixture
def shop(tmp_path, monkeypatch):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def _config(site):
    return load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc")


# --- every changed file is parsed again ------------------------------------------------------

@pytest.mark.parametrize(("path", "before", "after", "line"), [
    ("server.js", "app.get('/a', f);\n",
     "app.get('/a', f);\napp.use('/oidc', p({\n  guard: x  // c,\n  claims: y,\n}));\n", 4),
    ("app.py", "x = 1\n", "x = 1\ndef f(:\n    pass\n", 2),
    ("package.json", '{"a": 1}\n', '{"a": 1,}\n', 1),
    ("Web.config", "<configuration/>", "<configuration><system.web></configuration>", 1),
    ("index.html", "<p>x</p>\n", "<p>x</p>\n<script>\nGenesys('command', 'Auth.getTokens', {\n</script>\n", 3),
    ("new.go", None, "package main\nfunc main() {\n", 2),
])
def test_a_file_that_would_not_parse_is_named_with_its_line(path, before, after, line):
    problem = reparse.problem(path, before, after)
    assert problem is not None and problem.startswith(f"line {line}"), problem


def test_a_file_that_already_had_syntax_errors_may_keep_them():
    broken = "const q = [;\nconst a = 1;\n"  # the site's own error, not the migration's
    assert reparse.problem("a.js", broken, broken + "// TODO(migrate:ZG220): kept\n") is None
    assert reparse.problem("a.js", broken, broken + "const x = ;\n") == "line 3: syntax error"
    assert reparse.problem("notes.txt", "a", "(((") is None  # not code: nothing to tell


def test_a_wiring_that_breaks_the_file_is_a_tool_error_and_nothing_is_shown(shop, monkeypatch):
    def broken(framework, ctx):
        s = ctx.plan.signer
        w = backends.Wiring(route=s.route, mounted=f"{s.path}:1")
        w.files[s.path] = ctx.source(s.path).text + (
            "\napp.use('/oidc', createOidcProvider({\n  guard: g  // x,\n  claims: c,\n}));\n")
        return w

    monkeypatch.setattr(backends, "wire", broken)
    with pytest.raises(GenerateError, match=r"server\.js: the migrated file would not parse \(line \d+"):
        generate(shop, _config(shop))
    result = CliRunner().invoke(app, ["generate", str(shop), *FLAGS])
    assert result.exit_code == 2
    assert "server.js: the migrated file would not parse" in result.stderr
    assert "diff --git" not in result.stdout


# --- never half-migrate ------------------------------------------------------------------------

def test_without_a_provider_the_page_keeps_its_zendesk_sign_in(shop, monkeypatch):
    """No provider in the patch (and none possible): switching the page to an AuthProvider would
    call an /authorize nobody serves, so the pages are not touched at all."""
    monkeypatch.setattr(backends, "FRAMEWORKS", ())
    monkeypatch.setattr(lang, "standalone", lambda language: None)
    result = generate(shop, _config(shop))
    changed = {c.path for c in result.changes.changes}
    assert not any(p.startswith("views/") or p.startswith("public/") for p in changed), changed
    (outcome,) = result.outcomes
    assert outcome.status == "manual" and "framework not recognised" in outcome.text
    assert any("the pages are left on Zendesk" in n and "server.js" in n for n in result.notes)


def test_each_signer_outcome_is_in_the_summary_and_the_json(shop):
    result = CliRunner().invoke(app, ["generate", str(shop), *FLAGS, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    signers = json.loads(result.stdout)["signers"]
    assert [(s["path"], s["status"]) for s in signers] == [("server.js", "wired")]
    assert signers[0]["route"] and signers[0]["route"] in signers[0]["text"]
    text = CliRunner().invoke(app, ["generate", str(shop), *FLAGS])
    assert "Sign-in, per Zendesk token signer:" in text.stderr
    assert signers[0]["text"] in text.stderr


# --- a kept route ------------------------------------------------------------------------------

KEPT = """\
const express = require('express');
const jwt = require('jsonwebtoken');
const app = express();

// {note}
app.get('/zendesk/jwt', requireLogin, (req, res) => {{
  const token = jwt.sign({{ name: req.user.name, email: req.user.email, external_id: String(req.user.id),
    scope: 'user', exp: Math.floor(Date.now() / 1000) + 300 }}, process.env.ZENDESK_SECRET, {{ keyid: 'app_1' }});
  res.json({{ token }});
}});
"""


def test_scan_reports_a_route_kept_until_cut_over_and_still_judges_it_zendesk(tmp_path):
    config = _config(tmp_path)
    note = backends.keep_note("GET /zendesk/jwt", config)
    (tmp_path / "server.js").write_text(KEPT.format(note=note))
    result = CliRunner().invoke(app, ["scan", str(tmp_path), "--format", "json"])
    report = json.loads(result.stdout)
    assert [s["path"] for s in report["signers"]] == ["server.js"]
    kept = [f for f in report["findings"] if f["rule"] == "ZG220"]
    assert len(kept) == 1 and "GET /zendesk/jwt" in kept[0]["message"] and kept[0]["severity"] == "info"
    # Without the note it is an ordinary Zendesk route: no ZG220.
    (tmp_path / "server.js").write_text(KEPT.format(note="the token route"))
    report = json.loads(CliRunner().invoke(app, ["scan", str(tmp_path), "--format", "json"]).stdout)
    assert not [f for f in report["findings"] if f["rule"] == "ZG220"]


SHARED = """\
const express = require('express');
const jwt = require('jsonwebtoken');
const app = express();

app.get('/tokens', requireLogin, (req, res) => {
  const widget = jwt.sign({ scope: 'user', external_id: String(req.user.id), name: req.user.name,
    exp: Math.floor(Date.now() / 1000) + 300 }, process.env.ZENDESK_MESSAGING_SECRET, { keyid: 'app_1' });
  const sso = jwt.sign({ iat: Math.floor(Date.now() / 1000), jti: String(Date.now()), name: req.user.name,
    email: req.user.email }, process.env.ZENDESK_SSO_SECRET);
  res.json({ widget, ssoUrl: 'https://acme.zendesk.com/access/jwt?jwt=' + sso });
});
"""


def test_cut_over_never_removes_a_route_that_also_signs_another_token(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    site = tmp_path / "site"
    site.mkdir()
    (site / "server.js").write_text(SHARED)
    result = generate(site, _config(site), cutover=True)
    (outcome,) = result.outcomes
    assert outcome.status == "manual" and "also signs another token (line 8)" in outcome.text
    assert "server.js" not in {c.path for c in result.changes.changes}


BLADE = """\
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=abc"></script>
@php
  $token = \\Firebase\\JWT\\JWT::encode(['scope' => 'user', 'external_id' => (string) auth()->id(),
      'name' => auth()->user()->name, 'exp' => time() + 300], config('services.zendesk.secret'), 'HS256', 'app_1');
@endphp
<script>
  zE('messenger', 'loginUser', function (callback) { callback('{{ $token }}'); });
</script>
"""


def test_a_token_signed_inside_a_page_template_is_not_wired_as_a_route(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    site = tmp_path / "site"
    (site / "resources" / "views").mkdir(parents=True)
    (site / "resources" / "views" / "chat.blade.php").write_text(BLADE)
    (site / "routes").mkdir()
    (site / "routes" / "web.php").write_text("<?php\nRoute::view('/chat', 'chat')->middleware('auth');\n")
    result = generate(site, _config(site))
    (outcome,) = result.outcomes
    assert "the token is signed inside a page template" in outcome.text
    assert outcome.status == "standalone" and outcome.route is None
    # The view is both the signer and the page: it gets the mount note and the Messenger snippet.
    view = next(c.after for c in result.changes.changes if c.path == "resources/views/chat.blade.php")
    assert "TODO(migrate:ZG221)" in view and "genesys-bootstrap" in view and "zdassets" not in view
    assert not [n for n in result.notes if "left as they are" in n]
    # Applied, a second run adds nothing: the note says the provider is waiting to be mounted.
    result.changes.apply()
    again = generate(site, _config(site))
    assert again.changes.empty, again.changes.diff()
    (outcome,) = again.outcomes
    assert outcome.status == "standalone" and "written by an earlier run" in outcome.text


def test_a_deleted_file_is_a_diff_git_applies_and_apply_removes_it(tmp_path):
    import subprocess

    from migrate.generate.changes import ChangeSet, FileChange, SourceFile

    (tmp_path / "zendesk-jwt.php").write_text("<?php\necho 'token';\n")
    (tmp_path / "keep.php").write_text("<?php\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    change = ChangeSet(tmp_path, (FileChange("zendesk-jwt.php", SourceFile.read(tmp_path, "zendesk-jwt.php"), None),))
    diff = change.diff()
    assert "deleted file mode 100644" in diff and "+++ /dev/null" in diff
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=tmp_path, input=diff.encode(), capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    assert change.apply() == ["zendesk-jwt.php"]
    assert not (tmp_path / "zendesk-jwt.php").exists() and (tmp_path / "keep.php").exists()


def test_a_claim_whose_name_is_not_plain_is_not_written_into_code(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    site = tmp_path / "site"
    site.mkdir()
    (site / "server.js").write_text(KEPT.format(note="the token route").replace(
        "scope: 'user',", "scope: 'user', 'x\\'); require(\"fs\"); (\\'': 1,"))
    result = generate(site, _config(site))
    (backend,) = result.plan.backends
    assert not [m for m in backend.claims if "require" in m.target]
    assert any(t.rule == "ZG228" and "not a plain claim name" in t.text for t in backend.todos)
    assert all('require("fs")' not in (c.after or "") for c in result.changes.changes if c.path != "server.js")


def test_a_kept_zendesk_route_beside_the_provider_settings_is_still_a_zendesk_signer(tmp_path):
    """A server file that mounts the provider (its GENESYS_OIDC_* settings and discovery path
    appear in it) and keeps the Zendesk route: the route's token is not the provider's."""
    from migrate.scan import scan

    config = _config(tmp_path)
    text = KEPT.format(note=backends.keep_note("GET /zendesk/jwt", config)) + (
        "// GENESYS_OIDC_ISSUER is read by the provider; Genesys fetches /oidc/.well-known/openid-configuration\n")
    (tmp_path / "server.js").write_text(text)
    views = scan(str(tmp_path), jobs=1).inventory.signers
    assert [(v.purpose, v.signer.route) for v in views] == [("zendesk", "GET /zendesk/jwt")]


def test_a_site_with_many_signers_is_scanned_without_predicting_generate(tmp_path):
    """Predicting generate's decisions runs generate in memory: beyond a few signers the scan
    stays fast and says where to see them instead."""
    from migrate.rules import _todos

    routes = "\n".join(
        f"app.get('/zendesk/jwt{i}', (req, res) => res.json({{ token: jwt.sign({{ external_id: String(req.user.id), "
        f"scope: 'user' }}, process.env.ZENDESK_SECRET, {{ keyid: 'app_1' }}) }}));"
        for i in range(_todos.MAX_PREDICTED + 1))
    (tmp_path / "server.js").write_text("const jwt = require('jsonwebtoken');\nconst app = require('express')();\n"
                                        + routes + "\n")
    r = CliRunner().invoke(app, ["scan", str(tmp_path), "--format", "json", "--exit-zero"])
    report = json.loads(r.stdout)
    assert len(report["signers"]) == _todos.MAX_PREDICTED + 1
    assert report["stats"]["decisions_not_predicted"] == _todos.MAX_PREDICTED + 1
    assert not [f for f in report["findings"] if f["message"].startswith("`migrate generate` will leave")]
    text = CliRunner().invoke(app, ["scan", str(tmp_path), "--exit-zero"]).stdout
    assert "are not predicted here; `migrate generate` lists them" in text


def test_file_extensions_are_matched_in_any_case(tmp_path):
    """Site.Master, Default.Aspx: the walk finds pages whatever the case of their extension."""
    from migrate.scan import scan

    page = ('<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=abc"></script>\n'
            "<script>zE('messenger', 'open');</script>\n")
    for name in ("Site.Master", "Default.Aspx", "index.HTML"):
        (tmp_path / name).write_text(page)
    widgets = sorted(w.path for w in scan(str(tmp_path), jobs=1).inventory.widgets)
    assert widgets == ["Default.Aspx", "Site.Master", "index.HTML"]
