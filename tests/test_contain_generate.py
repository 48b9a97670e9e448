"""generate's per-file edits are contained: a parser that crashes while a wiring edits a file
leaves that signer to be done by hand, said in its outcome, and the run goes on."""

from __future__ import annotations

import ctypes
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "generate"))

from wiring_support import generate_site

from migrate.generate import backends

SERVER = """
const express = require('express');
const jwt = require('jsonwebtoken');
const app = express();
app.get('/zendesk/jwt', requireLogin, (req, res) => {
  res.json({ token: jwt.sign({ external_id: String(req.user.id), name: req.user.name }, process.env.ZD_SECRET) });
});
app.listen(3000);
"""


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "package.json").write_text('{"name": "shop", "dependencies": {"express": "^4.21.2"}}\n')
    (root / "server.js").write_text(textwrap.dedent(SERVER).lstrip("\n"))
    (root / "index.html").write_text("<script id=\"ze-snippet\" src=\"https://static.zdassets.com/ekr/snippet.js?"
                                     "key=k\"></script>\n<script>zE('messenger', 'loginUser', function (cb) "
                                     "{ fetch('/zendesk/jwt').then(r => r.json()).then(d => cb(d.token)); });"
                                     "</script>\n")
    return root


def test_the_wiring_runs_as_before(tmp_path):
    result = generate_site(_site(tmp_path))
    assert [o.status for o in result.outcomes] == ["wired"]
    assert "server.js" in {c.path for c in result.changes.changes}


def test_a_parser_crash_in_a_wiring_costs_that_signer_only(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "wire", lambda framework, ctx: ctypes.string_at(0))  # SIGSEGV in C
    result = generate_site(_site(tmp_path))
    (outcome,) = result.outcomes
    assert outcome.status == "manual" and "parser crashed (SIGSEGV)" in outcome.text
    assert "server.js" not in {c.path for c in result.changes.changes}
    # with no provider, the pages stay on Zendesk, and the run says why
    assert any("left on Zendesk" in n for n in result.notes)


def test_an_exception_in_a_wiring_is_raised_as_before(tmp_path, monkeypatch):
    def boom(framework, ctx):
        raise KeyError("a wiring bug")

    monkeypatch.setattr(backends, "wire", boom)
    with pytest.raises(KeyError, match="a wiring bug"):
        generate_site(_site(tmp_path))
