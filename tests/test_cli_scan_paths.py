"""`migrate scan` on several folders and files (one report) and with --exclude, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app

runner = CliRunner()

SIGNER = """const jwt = require('jsonwebtoken');

// Zendesk Messaging: end-user authentication token
function zendeskToken(user) {
  return jwt.sign({ external_id: String(user.id), name: user.name, scope: 'user', exp: Date.now() + 300 },
    process.env.ZENDESK_MESSAGING_SECRET, { keyid: process.env.ZENDESK_KEY_ID });
}

module.exports = { zendeskToken };
"""
WIDGET = "zE('messenger', 'open');\nzE('messenger:set', 'locale', 'de');\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch) -> Path:
    """A small site: a signer in src/, the widget in public/ and in legacy/, a vendored copy."""
    for rel, text in {"src/token.js": SIGNER, "public/chat.js": WIDGET, "legacy/old.js": WIDGET,
                      "third_party/zd/token.js": SIGNER, "README.md": "# shop\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _json(args: list[str]) -> tuple[int, dict, str]:
    r = runner.invoke(app, ["scan", *args, "--format", "json", "--jobs", "1"])
    assert r.stdout, r.stderr
    return r.exit_code, json.loads(r.stdout), r.stderr


def _paths(data: dict) -> set[str]:
    return {f["path"] for f in data["findings"]} | {w["path"] for w in data["widgets"]} | \
        {s["path"] for s in data["signers"]}


def test_several_files_one_report_with_paths_from_the_current_folder(site):
    code, data, err = _json(["src/token.js", "public/chat.js"])
    assert code == 1 and err == ""
    assert data["root"] == str(site)
    assert _paths(data) == {"src/token.js", "public/chat.js"}  # legacy/ and third_party/ not read
    assert data["stats"]["files"] == 2
    assert {"ZG201", "ZG205"} <= {f["rule"] for f in data["findings"] if f["path"] == "src/token.js"}


def test_a_folder_and_a_file_inside_it_are_read_once(site):
    _, data, _ = _json(["src", "src/token.js", "./src/token.js"])
    assert data["stats"]["files"] == 1
    rules = [f["rule"] for f in data["findings"]]
    assert rules.count("ZG201") == 1


def test_one_file_in_the_current_folder_keeps_its_folder_in_the_path(site):
    r = runner.invoke(app, ["scan", "src/token.js", "--output-format", "concise"])
    assert r.exit_code == 1 and r.stderr == ""
    assert r.stdout.startswith("src/token.js:5:")


def test_paths_outside_the_current_folder_are_relative_to_the_folder_they_share(site, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("cwd")
    import os
    os.chdir(elsewhere)
    _, data, _ = _json([str(site / "src" / "token.js"), str(site / "public")])
    assert data["root"] == str(site)
    assert _paths(data) == {"src/token.js", "public/chat.js"}


def test_one_folder_is_still_the_root(site):
    _, data, _ = _json(["src"])
    assert data["root"] == str(site / "src")
    assert _paths(data) == {"token.js"}


def test_exclude_takes_gitignore_patterns(site):
    _, everything, _ = _json(["."])
    assert "third_party/zd/token.js" in _paths(everything)
    _, data, _ = _json([".", "--exclude", "third_party/", "--exclude", "legacy/*.js"])
    assert _paths(data) == {"src/token.js", "public/chat.js"}
    # A later !pattern re-includes, as in .gitignore; a name without a slash matches at any depth.
    _, data, _ = _json([".", "--exclude", "*.js", "--exclude", "!chat.js"])
    assert _paths(data) == {"public/chat.js"}


def test_exclude_applies_to_files_named_on_the_command_line(site):
    _, data, _ = _json(["src/token.js", "third_party/zd/token.js", "--exclude", "third_party"])
    assert _paths(data) == {"src/token.js"}


def test_gitignore_still_holds_in_a_named_folder_and_not_for_a_named_file(site):
    (site / ".gitignore").write_text("legacy/\n")
    (site / "src" / ".gitignore").write_text("generated.js\n")
    (site / "src" / "generated.js").write_text(SIGNER)
    _, data, _ = _json(["src", "public"])  # src's own .gitignore, and the root's above it
    assert _paths(data) == {"src/token.js", "public/chat.js"}
    _, data, _ = _json([".", "src/generated.js"])
    assert "src/generated.js" in _paths(data) and "legacy/old.js" not in _paths(data)


def test_a_bad_exclude_pattern_is_a_usage_error(site):
    r = runner.invoke(app, ["scan", ".", "--exclude", "legacy/", "--exclude", "!"])  # "!" negates nothing
    assert r.exit_code == 2 and r.stdout == ""
    assert "exclude pattern '!' is not a gitignore pattern" in r.stderr and "Traceback" not in r.stderr


def test_a_missing_path_among_several_is_a_usage_error(site):
    r = runner.invoke(app, ["scan", "src", "no-such.js"])
    assert r.exit_code == 2 and r.stdout == ""
    assert "no-such.js" in r.stderr


def test_a_file_of_a_type_migrate_does_not_read_is_said_with_the_others(site):
    _, data, err = _json(["src/token.js", "README.md"])
    assert [e["path"] for e in data["errors"]] == ["README.md"]
    assert "not a file type migrate reads" in data["errors"][0]["message"]
    assert "could not be read" in err  # the note goes to stderr, the report stays JSON
