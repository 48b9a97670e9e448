"""The pre-commit hook (.pre-commit-hooks.yaml), run by pre-commit itself in a throw-away repository.

pre-commit installs a `language: python` hook by pip-installing this project, with every dependency,
into an environment of its own: minutes and the network on each new revision.  The run here keeps
everything else pre-commit does (reading the manifest from the hook repository at a revision,
choosing the changed files by the hook's `files`, passing them to its `entry` with `args`, failing
the commit) and overrides only `language`, to `unsupported`, so that the `entry` command is the one
this test environment installed.  MIGRATE_TEST_PRECOMMIT_INSTALL=1 also runs the hook as a user gets
it, installed by pre-commit.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from test_cli_scan_paths import SIGNER, WIDGET

from migrate.extract import CODE_EXTENSIONS, PAGE_EXTENSIONS, language_for

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent
FIXED = SIGNER.replace("exp: Date.now() + 300", "exp: Math.floor(Date.now() / 1000) + 300")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def hook() -> dict:
    (only,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return only


def env(tmp: Path) -> dict:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"), "PRE_COMMIT_COLOR": "never",
            "GIT_AUTHOR_NAME": "Shop Dev", "GIT_AUTHOR_EMAIL": "dev@shop.example",
            "GIT_COMMITTER_NAME": "Shop Dev", "GIT_COMMITTER_EMAIL": "dev@shop.example",
            "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp)}


def run(args: list[str], cwd: Path, tmp: Path, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run(args, cwd=cwd, env=env(tmp), capture_output=True, text=True, check=False, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"{args} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def pre_commit(args: list[str], cwd: Path, tmp: Path) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pre_commit", *args], cwd, tmp, check=False)


def test_the_manifest_is_valid_for_pre_commit(tmp_path):
    run([sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)], ROOT, tmp_path)
    h = hook()
    assert h["id"] == "migrate-scan" and h["language"] == "python"
    command = h["entry"].split()[0]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[command] == "migrate.cli:main"  # what pip installs into the hook's environment


def test_the_hook_takes_exactly_the_files_migrate_reads():
    files = re.compile(hook()["files"])
    read = sorted(set(CODE_EXTENSIONS) | set(PAGE_EXTENSIONS)) + [".blade.php"]
    for ext in read:
        for name in (f"app/x{ext}", f"app/X{ext.upper()}"):
            assert files.search(name), name
    others = (".md", ".json", ".css", ".scss", ".yaml", ".txt", ".map", ".lock", ".xml", ".svg", ".sh",
              ".jsonc", ".tsbuildinfo", ".pyc", ".class", ".gohtml", ".rs")
    for ext in others:
        assert not files.search(f"app/x{ext}"), ext
        assert language_for(f"x{ext}") is None  # so the list above is right to leave it out


@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path, str]:
    """A hook repository holding this manifest (committed), and a site repository using it."""
    hooks, site = tmp_path / "hooks", tmp_path / "site"
    hooks.mkdir()
    shutil.copy(MANIFEST, hooks / ".pre-commit-hooks.yaml")
    run(["git", "init", "-q", "-b", "main"], hooks, tmp_path)
    run(["git", "add", "."], hooks, tmp_path)
    run(["git", "commit", "-q", "-m", "hooks"], hooks, tmp_path)
    rev = run(["git", "rev-parse", "HEAD"], hooks, tmp_path).stdout.strip()
    site.mkdir()
    run(["git", "init", "-q", "-b", "main"], site, tmp_path)
    (site / "README.md").write_text("# shop\n")
    (site / "public").mkdir()
    (site / "public" / "chat.js").write_text(WIDGET)
    run(["git", "add", "."], site, tmp_path)
    run(["git", "commit", "-q", "-m", "site"], site, tmp_path)
    return hooks, site, rev


def config(site: Path, hooks: Path, rev: str, language: str | None = "unsupported", args=("--select", "ZG201")):
    entry = {"id": "migrate-scan", "args": list(args)}
    if language:
        entry["language"] = language
    (site / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(hooks), "rev": rev, "hooks": [entry]}]}, sort_keys=False))


def test_pre_commit_runs_the_hook_on_the_changed_files_and_stops_the_commit(repos, tmp_path):
    hooks, site, rev = repos
    config(site, hooks, rev)
    run(["git", "add", ".pre-commit-config.yaml"], site, tmp_path)
    run(["git", "commit", "-q", "-m", "pre-commit"], site, tmp_path)
    assert "installed" in pre_commit(["install"], site, tmp_path).stdout

    (site / "src").mkdir()
    (site / "src" / "token.js").write_text(SIGNER)
    (site / "README.md").write_text("# shop\n\nNow with sign-in.\n")
    run(["git", "add", "src/token.js", "README.md"], site, tmp_path)
    commit = run(["git", "commit", "-m", "zendesk token"], site, tmp_path, check=False)
    out = commit.stdout + commit.stderr
    assert commit.returncode != 0, out
    assert re.search(r"migrate scan \(Zendesk widget and JWT code\)\.+Failed", out), out
    assert re.search(r"^src/token\.js:5:\d+: ZG201 exp `Date\.now\(\) \+ 300` is in milliseconds", out, re.MULTILINE), out
    assert "README.md" not in out and "public/chat.js" not in out  # only the changed files it reads
    assert "Found 1 error in 1 file." in out

    (site / "src" / "token.js").write_text(FIXED)
    run(["git", "add", "src/token.js"], site, tmp_path)
    commit = run(["git", "commit", "-m", "zendesk token in seconds"], site, tmp_path, check=False)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert re.search(r"migrate scan \(Zendesk widget and JWT code\)\.+Passed", commit.stdout + commit.stderr)

    # A commit that touches no file migrate reads skips the hook.
    (site / "README.md").write_text("# shop\n")
    run(["git", "add", "README.md"], site, tmp_path)
    commit = run(["git", "commit", "-m", "docs"], site, tmp_path)
    assert re.search(r"migrate scan .*\(no files to check\)Skipped", commit.stdout + commit.stderr)


def test_several_files_are_one_report(repos, tmp_path):
    hooks, site, rev = repos
    config(site, hooks, rev, args=())
    (site / "src").mkdir()
    (site / "src" / "token.js").write_text(SIGNER)
    (site / "src" / "other.js").write_text(SIGNER.replace("zendeskToken", "messagingToken"))
    r = pre_commit(["run", "--files", "src/token.js", "src/other.js", "public/chat.js", "README.md"], site, tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.count("Found ") == 1  # require_serial: one scan, one report
    assert re.search(r"^src/other\.js:\d+:\d+: ZG201 ", r.stdout, re.MULTILINE)
    assert re.search(r"^src/token\.js:\d+:\d+: ZG201 ", r.stdout, re.MULTILINE)
    assert re.search(r"Found \d+ errors?.* in 3 files\.", r.stdout), r.stdout


@pytest.mark.skipif(not os.environ.get("MIGRATE_TEST_PRECOMMIT_INSTALL"),
                    reason="installs this project and its dependencies into pre-commit's own environment "
                           "(network, minutes): set MIGRATE_TEST_PRECOMMIT_INSTALL=1")
def test_the_hook_as_pre_commit_installs_it(tmp_path):
    """pre-commit clones this repository at its HEAD and pip-installs it (language: python)."""
    head = run(["git", "rev-parse", "HEAD"], ROOT, tmp_path).stdout.strip()
    site = tmp_path / "site"
    (site / "src").mkdir(parents=True)
    run(["git", "init", "-q", "-b", "main"], site, tmp_path)
    (site / "src" / "token.js").write_text(SIGNER)
    config(site, ROOT, head, language=None)
    run(["git", "add", "."], site, tmp_path)
    r = pre_commit(["run", "--all-files"], site, tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r"^src/token\.js:5:\d+: ZG201 ", r.stdout, re.MULTILINE), r.stdout
