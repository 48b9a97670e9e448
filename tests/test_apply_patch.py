"""`migrate apply PATCH`, `migrate keys` and `generate --apply --patch-file`: what is written is exactly
the reviewed patch, through the CLI, stdout and stderr apart."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from migrate import __version__
from migrate.cli import app

runner = CliRunner()
ISSUER = "https://shop.example.com/oidc"
FLAGS = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60", "--issuer", ISSUER]
GIT_ENV = {"GIT_AUTHOR_NAME": "shop", "GIT_AUTHOR_EMAIL": "shop@example.com", "GIT_COMMITTER_NAME": "shop",
           "GIT_COMMITTER_EMAIL": "shop@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(site: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=site, env={**os.environ, **GIT_ENV}, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def secrets(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "secrets"
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(folder))
    return folder


@pytest.fixture
def shop(tmp_path, secrets) -> Path:
    """examples/shop as a committed git work tree."""
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    git(site, "init", "-q")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "the shop")
    return site


def snapshot(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and ".git" not in p.parts}


def make_patch(site: Path, target: Path, *extra: str) -> str:
    r = runner.invoke(app, ["generate", str(site), *FLAGS, "--patch-file", str(target), *extra])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    return r.stderr


def test_apply_writes_exactly_the_reviewed_patch_then_the_keys(shop, secrets, tmp_path):
    patch = tmp_path / "genesys.patch"
    make_patch(shop, patch)
    # what `generate --apply` would write, in a twin of the site
    twin = tmp_path / "twin"
    shutil.copytree(shop, twin)
    direct = runner.invoke(app, ["generate", str(twin), *FLAGS, "--apply"],
                           env={"MIGRATE_SECRETS_DIR": str(tmp_path / "twin-secrets")})
    assert direct.exit_code == 0, direct.stderr

    r = runner.invoke(app, ["apply", str(patch), str(shop)])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    for name in ("genesys-oidc-provider.js", "package.json", "public/chat.js", "server.js", "views/index.html"):
        assert f"wrote {name}\n" in r.stderr
    assert {k: v for k, v in snapshot(shop).items()} == snapshot(twin)
    for name in ("client-secret", "oidc-signing-key.pem"):
        f = secrets / name
        assert f.is_file() and stat.S_IMODE(f.stat().st_mode) == 0o600
        assert f"created {f} (mode 0600; its value is not shown)" in r.stderr
    assert (secrets / "client-secret").read_text().strip() not in r.stdout + r.stderr
    assert r.stderr.rstrip().splitlines()[-1].startswith("next: review `git diff`")
    assert f"git apply -R {patch}" in r.stderr
    # the site matches the patch: git agrees, and applying it again is refused (files moved on)
    assert subprocess.run(["git", "apply", "-R", "--check", str(patch)], cwd=shop, check=False).returncode == 0
    again = runner.invoke(app, ["apply", str(patch), str(shop)])
    assert again.exit_code == 2 and again.stdout == ""
    assert "is not as the patch expects" in again.stderr and "nothing was written" in again.stderr


def test_the_header_says_version_inputs_keys_files_and_the_rule_behind_each_hunk(shop, tmp_path):
    patch = tmp_path / "genesys.patch"
    make_patch(shop, patch)
    text = patch.read_text()
    head, diff = text.split("\n\ndiff --git ", 1)
    lines = head.splitlines()
    assert all(line.startswith("# ") for line in lines)  # lines git apply ignores
    assert f"# tool: migrate {__version__}" in lines
    inputs = next(line for line in lines if line.startswith("# inputs: "))
    assert "--region eu-west-1" in inputs and f"--issuer {ISSUER}" in inputs and "--deployment-id" in inputs
    assert any(line.startswith(f"# keys: {ISSUER} ") for line in lines)
    files = {line.rsplit(" ", 1)[1]: line.split()[2:6] for line in lines if line.startswith("# file: ")}
    assert set(files) == {"genesys-oidc-provider.js", "package.json", "public/chat.js", "server.js",
                          "views/index.html"}
    state, added, removed, before = files["server.js"]
    assert state == "changed" and added.startswith("+") and removed == "-0"
    assert before == "sha256:" + hashlib.sha256((shop / "server.js").read_bytes()).hexdigest()
    assert files["genesys-oidc-provider.js"][0] == "new" and files["genesys-oidc-provider.js"][3] == "-"
    # every hunk of the diff is listed with its rule
    hunks = re.findall(r"^diff --git a/(\S+) .*?$|^(@@ [^@]+ @@)", "diff --git " + diff, re.MULTILINE)
    current, listed = None, []
    for path, hunk in hunks:
        current = path or current
        if hunk:
            listed.append(f"# {current} {hunk}")
    assert listed and all(h in lines for h in listed)
    at = lines.index(next(h for h in listed if h.startswith("# views/index.html")))
    assert "Zendesk loader -> Genesys Messenger snippet" in lines[at + 1] and "[regions.yaml]" in lines[at + 1]
    # git apply takes the file as it is
    check = subprocess.run(["git", "apply", "--check", str(patch)], cwd=shop, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr


def test_the_summary_counts_lines_in_the_new_files(shop, tmp_path):
    stderr = make_patch(shop, tmp_path / "p.patch")
    applied = runner.invoke(app, ["apply", str(tmp_path / "p.patch"), str(shop)])
    assert applied.exit_code == 0, applied.stderr
    found = re.findall(r"^  (public/chat\.js|views/index\.html|server\.js): line (\d+): (.*)$", stderr, re.MULTILINE)
    assert len(found) >= 4
    for path, n, what in found:
        line = (shop / path).read_text().splitlines()[int(n) - 1]
        if "locale" in what:
            assert "TODO(migrate:ZG107)" in line and "locale" in line, (path, n, line)
        elif "Messenger snippet" in what:
            assert "<script" in line, (path, n, line)
        elif "OpenID provider mounted" in what:
            assert "/oidc" in line, (path, n, line)
        elif "Auth.logout" in what:
            assert "Auth.logout" in line, (path, n, line)
    assert re.search(r"^Per file: .*public/chat\.js \+\d+ -\d+", stderr, re.MULTILINE)


def test_a_file_changed_since_the_patch_is_refused_and_nothing_is_written(shop, secrets, tmp_path):
    patch = tmp_path / "genesys.patch"
    make_patch(shop, patch)
    (shop / "server.js").write_text((shop / "server.js").read_text() + "// edited after the review\n")
    git(shop, "commit", "-q", "-am", "edit")
    before = snapshot(shop)
    r = runner.invoke(app, ["apply", str(patch), str(shop)])
    assert r.exit_code == 2 and r.stdout == ""
    assert "server.js is not as the patch expects" in r.stderr
    assert "run `migrate generate` again" in r.stderr and "nothing was written" in r.stderr
    assert snapshot(shop) == before
    assert not secrets.exists(), "no keys for a patch that was not applied"


def test_uncommitted_changes_are_not_written_over_unless_forced(shop, tmp_path):
    (shop / "public" / "chat.js").write_text((shop / "public" / "chat.js").read_text() + "// work in progress\n")
    patch = tmp_path / "genesys.patch"
    make_patch(shop, patch)  # the patch was made over the uncommitted edit
    before = snapshot(shop)
    r = runner.invoke(app, ["apply", str(patch), str(shop)])
    assert r.exit_code == 2 and r.stdout == ""
    assert "uncommitted changes in public/chat.js" in r.stderr
    assert "commit or stash them first, or pass --force-dirty" in r.stderr
    assert snapshot(shop) == before
    same = runner.invoke(app, ["generate", str(shop), *FLAGS, "--apply"])  # generate --apply checks it too
    assert same.exit_code == 2 and "uncommitted changes in public/chat.js" in same.stderr
    assert snapshot(shop) == before
    forced = runner.invoke(app, ["apply", str(patch), str(shop), "--force-dirty"])
    assert forced.exit_code == 0, forced.stderr
    assert "// work in progress" in (shop / "public" / "chat.js").read_text()
    assert "registerPlugin" in (shop / "public" / "chat.js").read_text()


def test_a_patch_edited_after_generate_is_refused(shop, tmp_path):
    patch = tmp_path / "genesys.patch"
    make_patch(shop, patch)
    text = patch.read_text()
    edited = text.replace('+app.use("/oidc"', '+app.use("/elsewhere"', 1)
    assert edited != text
    patch.write_text(edited)
    before = snapshot(shop)
    r = runner.invoke(app, ["apply", str(patch), str(shop)])
    assert r.exit_code == 2 and r.stdout == ""
    assert "server.js: its hunks do not give what the header records; the patch was edited" in r.stderr
    assert snapshot(shop) == before


def test_a_plain_diff_is_not_taken_for_a_reviewed_patch(shop, tmp_path):
    plain = tmp_path / "plain.patch"
    plain.write_text("diff --git a/server.js b/server.js\n--- a/server.js\n+++ b/server.js\n@@ -1 +1 @@\n-a\n+b\n")
    r = runner.invoke(app, ["apply", str(plain), str(shop)])
    assert r.exit_code == 2 and r.stdout == ""
    assert "not a patch made by `migrate generate`" in r.stderr and "--patch-file" in r.stderr


def test_a_deleted_file_and_a_symbolic_link(tmp_path, secrets):
    """A cut-over that deletes the Zendesk token script: apply removes it; a link in its place is refused."""
    site = tmp_path / "php"
    site.mkdir()
    (site / "index.php").write_text(
        "<!doctype html><html><head><script id=\"ze-snippet\" src=\"https://static.zdassets.com/ekr/snippet.js"
        "?key=5f1c2b8e-8d41-4b57-9f0e-3a6c1d2e4b7a\"></script>\n<script>\nzE('messenger', 'loginUser', "
        "function (cb) { fetch('/zendesk-jwt.php').then(r => r.text()).then(cb); });\n</script></head></html>\n")
    (site / "zendesk-jwt.php").write_text(
        "<?php\nrequire __DIR__ . '/vendor/autoload.php';\nuse Firebase\\JWT\\JWT;\nsession_start();\n"
        "$user = $_SESSION['user'];\n$payload = ['external_id' => (string) $user['id'], 'name' => $user['name'], "
        "'email' => $user['email'], 'exp' => time() + 300, 'scope' => 'user'];\n"
        "echo JWT::encode($payload, getenv('ZENDESK_SECRET'), 'HS256', getenv('ZENDESK_KEY_ID'));\n")
    first = runner.invoke(app, ["generate", str(site), *FLAGS, "--apply"])
    assert first.exit_code == 0, first.stderr
    cut = tmp_path / "cutover.patch"
    r = runner.invoke(app, ["generate", str(site), *FLAGS, "--cutover", "--patch-file", str(cut)])
    assert r.exit_code == 0, r.stderr
    header = cut.read_text().split("\n\ndiff --git ", 1)[0]
    if "# file: deleted " not in header:
        pytest.skip("the cut-over of this site keeps the script: " + header)
    gone = next(line.rsplit(" ", 1)[1] for line in header.splitlines() if line.startswith("# file: deleted "))
    twin = tmp_path / "twin"
    shutil.copytree(site, twin)
    (twin / gone).unlink()
    (twin / gone).symlink_to(site / gone)
    linked = runner.invoke(app, ["apply", str(cut), str(twin)])
    assert linked.exit_code == 2 and "symbolic link" in linked.stderr
    assert (twin / gone).is_symlink()
    done = runner.invoke(app, ["apply", str(cut), str(site)])
    assert done.exit_code == 0, done.stderr
    assert not (site / gone).exists() and f"deleted {gone}" in done.stderr


def test_generate_apply_with_the_reviewed_patch(shop, secrets, tmp_path):
    patch = tmp_path / "genesys.patch"
    make_patch(shop, patch)
    other = runner.invoke(app, ["generate", str(shop), *FLAGS, "--client-id", "another-client", "--apply",
                                "--patch-file", str(patch)])
    assert other.exit_code == 2 and other.stdout == ""
    assert f"{patch} is not what generate makes now" in other.stderr and f"migrate apply {patch}" in other.stderr
    assert not (shop / "genesys-oidc-provider.js").exists()
    same = runner.invoke(app, ["generate", str(shop), *FLAGS, "--apply", "--patch-file", str(patch)])
    assert same.exit_code == 0, same.stderr
    assert "wrote server.js" in same.stderr and (secrets / "client-secret").is_file()
    assert subprocess.run(["git", "apply", "-R", "--check", str(patch)], cwd=shop, check=False).returncode == 0


def test_keys_is_its_own_step(shop, secrets, tmp_path):
    patch = tmp_path / "genesys.patch"
    make_patch(shop, patch)
    r = runner.invoke(app, ["apply", str(patch), str(shop), "--no-keys"])
    assert r.exit_code == 0, r.stderr
    assert not secrets.exists()
    assert f"next: `migrate keys {shop} --issuer {ISSUER}`" in r.stderr
    k = runner.invoke(app, ["keys", str(shop), "--issuer", ISSUER])
    assert k.exit_code == 0, k.stderr
    assert k.stdout == ""
    assert f"created {secrets / 'client-secret'}" in k.stderr and f"created {secrets / 'oidc-signing-key.pem'}" in k.stderr
    assert (secrets / "client-secret").read_text().strip() not in k.stderr
    key = (secrets / "oidc-signing-key.pem").read_bytes()
    again = runner.invoke(app, ["keys", str(shop), "--issuer", ISSUER])
    assert again.exit_code == 0 and f"kept {secrets / 'oidc-signing-key.pem'}" in again.stderr
    assert (secrets / "oidc-signing-key.pem").read_bytes() == key
    inside = runner.invoke(app, ["keys", str(shop), "--issuer", ISSUER], env={"MIGRATE_SECRETS_DIR": str(shop / "s")})
    assert inside.exit_code == 2 and "inside the project" in inside.stderr and not (shop / "s").exists()
    none = runner.invoke(app, ["keys", str(tmp_path)])
    assert none.exit_code == 2 and "no issuer" in none.stderr


def test_unsafe_secrets_folder_stops_apply_before_anything_is_written(shop, tmp_path):
    patch = tmp_path / "genesys.patch"
    make_patch(shop, patch)
    before = snapshot(shop)
    r = runner.invoke(app, ["apply", str(patch), str(shop)], env={"MIGRATE_SECRETS_DIR": str(shop / ".secrets")})
    assert r.exit_code == 2 and "inside the project" in r.stderr and "nothing was written" in r.stderr
    assert snapshot(shop) == before
