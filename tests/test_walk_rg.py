"""The walk: ripgrep finds and prefilters the files, with git's ignore rules (nested .gitignore
files, negations, .git/info/exclude, the global excludes file); only regular files are opened;
the walk is bounded; a Python walk takes over only when rg cannot run, and says so."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from typer.testing import CliRunner

from migrate import files
from migrate.cli import app
from migrate.inventory import collect

runner = CliRunner()
WIDGET = "zE('messenger', 'open');\n"


def _scan(root, *extra) -> dict:
    r = runner.invoke(app, ["scan", str(root), "--format", "json", "--jobs", "1", *extra])
    assert r.exit_code in (0, 1), r.stderr
    return json.loads(r.stdout)


def _widgets(data: dict) -> set[str]:
    return {w["path"] for w in data["widgets"]}


def _errors(data: dict) -> dict[str, str]:
    return {e["path"]: e["message"] for e in data["errors"]}


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    # a global excludes file of this user only (git reads it from XDG_CONFIG_HOME/git/ignore)
    xdg = tmp_path / "xdg"
    (xdg / "git").mkdir(parents=True)
    (xdg / "git" / "ignore").write_text("*.local.js\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.setenv("HOME", str(tmp_path))
    return root


def test_ignore_rules_are_gits(repo):
    for rel in ("app.js", "debug.local.js", "private/x.js", "gen/a.js", "gen/keep.js", "lib/deep/b.js"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(WIDGET)
    (repo / ".git" / "info" / "exclude").write_text("private/\n")
    (repo / ".gitignore").write_text("gen/*\n!gen/keep.js\nlib/**/b.js\n")
    listed = set(_widgets(_scan(repo)))
    # git agrees on every one of them
    ignored = subprocess.run(["git", "-C", str(repo), "check-ignore", "--no-index", "app.js", "debug.local.js",
                              "private/x.js", "gen/a.js", "gen/keep.js", "lib/deep/b.js"],
                             capture_output=True, text=True, check=False).stdout.split()
    assert listed == {"app.js", "gen/keep.js"}
    assert set(ignored) == {"debug.local.js", "private/x.js", "gen/a.js", "lib/deep/b.js"}


def test_a_backtracking_gitignore_pattern_does_not_hang_the_walk(tmp_path):
    (tmp_path / ".gitignore").write_text("*a*a*a*a*a*a*a*a*a*a*a*b\n")
    (tmp_path / ("a" * 80 + ".js")).write_text(WIDGET)
    inv = collect(str(tmp_path), jobs=1, walk_deadline=30)
    assert not [e for e in inv.errors if "walk" in e.message]
    assert [w.path for w in inv.widgets] == ["a" * 80 + ".js"]


def test_a_gitignore_that_is_a_fifo_costs_the_deadline_and_is_said(tmp_path):
    os.mkfifo(tmp_path / ".gitignore")
    (tmp_path / "a.js").write_text(WIDGET)
    inv = collect(str(tmp_path), jobs=1, walk_deadline=1)
    assert any("the file walk took more than 1 s" in e.message for e in inv.errors)


def test_a_gitignore_linked_to_dev_zero_stops_at_the_memory_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "RG_MEMORY", 128 * 1024 * 1024)
    (tmp_path / ".gitignore").symlink_to("/dev/zero")
    (tmp_path / "a.js").write_text(WIDGET)
    inv = collect(str(tmp_path), jobs=1, walk_deadline=60)
    assert any("the file walk stopped early" in e.message for e in inv.errors)


def test_only_regular_files_are_opened(tmp_path):
    (tmp_path / "kmsg.js").symlink_to("/proc/kmsg")
    (tmp_path / "zero.js").symlink_to("/dev/zero")
    (tmp_path / "random.ts").symlink_to("/dev/urandom")
    (tmp_path / "linked.js").symlink_to(tmp_path / "real.js")
    (tmp_path / "real.js").write_text(WIDGET)
    os.mkfifo(tmp_path / "pipe.js")
    data = _scan(tmp_path)
    errors = _errors(data)
    assert "kernel or device file" in errors["kmsg.js"] or "cannot read" in errors["kmsg.js"]
    assert "not a regular file" in errors["zero.js"] and "not a regular file" in errors["random.ts"]
    assert "not a regular file" in errors["pipe.js"]
    assert _widgets(data) == {"real.js", "linked.js"}  # a link to a file is read


def test_a_file_swapped_for_a_device_after_the_walk_is_refused(tmp_path):
    (tmp_path / "a.js").symlink_to("/proc/self/status")  # stat says regular file
    with pytest.raises(OSError, match="kernel or device file"):
        files.read_bytes(str(tmp_path / "a.js"), 1024)


def test_oversized_files_and_route_files_come_from_the_listing(tmp_path):
    (tmp_path / "big.js").write_text("// zE\n" + "x" * (2 * 1024 * 1024))
    (tmp_path / "quiet.js").write_text("var a = 1;\n" * 300_000)  # over the limit, no needle: not said
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "routes.rb").write_text("Rails.application.routes.draw do\nend\n")
    inv = collect(str(tmp_path), jobs=1, max_bytes=1024 * 1024)
    errors = {e.path: e.message for e in inv.errors}
    assert "over the 1 MB limit" in errors["big.js"] and "quiet.js" not in errors
    assert "config/routes.rb" in {f.path for f in inv.files}


def test_without_rg_the_python_walk_takes_over_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_RG", "")
    (tmp_path / ".gitignore").write_text("*.js\n!keep.js\n")
    (tmp_path / "keep.js").write_text(WIDGET)
    (tmp_path / "drop.js").write_text(WIDGET)
    data = _scan(tmp_path)
    assert _widgets(data) == {"keep.js"}
    assert "ripgrep could not run" in _errors(data)["."]


def test_rg_is_what_walks_by_default(tmp_path):
    (tmp_path / "a.js").write_text(WIDGET)
    stats = files.WalkStats()
    found = [i for i in files.walk(str(tmp_path), stats=stats) if isinstance(i, files.Candidate)]
    assert stats.engine == "ripgrep" and files.rg_binary() is not None
    assert [c.rel for c in found] == ["a.js"]


@pytest.mark.parametrize(("pattern", "rel", "is_dir", "expected"), [
    ("*.js", "a/b/c.js", False, True),
    ("/c.js", "a/c.js", False, False),
    ("a/**/c.js", "a/x/y/c.js", False, True),
    ("a/**/c.js", "a/c.js", False, True),
    ("build/", "build", False, False),
    ("build/", "src/build/x.js", False, True),
    ("**/gen", "x/gen/y.js", False, True),
    ("*a*a*a*a*a*a*a*a*a*a*b", "a" * 80, False, False),
])
def test_exclude_patterns_match_like_gitignore(pattern, rel, is_dir, expected):
    assert files.exclusions([pattern])(rel, is_dir) is expected
