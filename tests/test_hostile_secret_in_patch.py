"""A literal signing secret in a Zendesk route is never printed or written by migrate: not in scan's
reports, not in the diff generate prints, its --format json, --html or the patch file, not in removed
lines of a cut-over; and the masked patch still applies, giving exactly the tree --apply gives."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app

runner = CliRunner()
FLAGS = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
         "--issuer", "https://shop.example.com/oidc"]
FIXTURES = Path(__file__).parent / "fixtures" / "sites"
CANARY = "s3cr3t-canary-Vb7Qm2Xz9Lt4"

EXPRESS = """
const express = require('express');
const jwt = require('jsonwebtoken');
const ZENDESK_SECRET = "%s";
const app = express();
app.get('/zendesk/jwt', requireLogin, (req, res) => {
  res.json({ token: jwt.sign({ external_id: String(req.user.id), scope: 'user' }, ZENDESK_SECRET, { keyid: 'app_1' }) });
});
app.listen(3000);
"""
PAGE = ("<script id=\"ze-snippet\" src=\"https://static.zdassets.com/ekr/snippet.js?key=k\"></script>\n"
        "<script>zE('messenger', 'loginUser', function (cb) { fetch('/zendesk/jwt').then(r => r.json())"
        ".then(d => cb(d.token)); });</script>\n")


def _js(root: Path) -> None:
    root.mkdir()
    (root / "package.json").write_text('{"name": "shop", "dependencies": {"express": "^4.21.2", '
                                       '"jsonwebtoken": "^9.0.2"}}\n')
    (root / "server.js").write_text(textwrap.dedent(EXPRESS).lstrip("\n") % CANARY)
    (root / "index.html").write_text(PAGE)


def _js_inline(root: Path) -> None:
    """The literal on a line of its own inside the signing call: no name tells it is a secret."""
    _js(root)
    server = root / "server.js"
    server.write_text(server.read_text().replace(f'const ZENDESK_SECRET = "{CANARY}";\n', "").replace(
        "jwt.sign({ external_id: String(req.user.id), scope: 'user' }, ZENDESK_SECRET, { keyid: 'app_1' })",
        f"jwt.sign(\n    {{ external_id: String(req.user.id), scope: 'user' }},\n    '{CANARY}',\n"
        "    { keyid: 'app_1' },\n  )"))


def _js_plain_name(root: Path) -> None:
    """A constant whose name does not say secret: the scan knows it is the key."""
    _js(root)
    server = root / "server.js"
    server.write_text(server.read_text().replace("ZENDESK_SECRET", "zd"))


def _python(root: Path) -> None:
    shutil.copytree(FIXTURES / "flask", root)
    app_py = root / "app.py"
    text = app_py.read_text()
    assert 'ZENDESK_SECRET = os.environ["ZENDESK_MESSAGING_SECRET"]' in text
    app_py.write_text(text.replace('os.environ["ZENDESK_MESSAGING_SECRET"]', f'"{CANARY}"'))


def _php(root: Path) -> None:
    """The secret as a nowdoc: its value on a line of its own."""
    shutil.copytree(FIXTURES / "php", root)
    route = root / "public" / "zendesk-jwt.php"
    text = route.read_text()
    assert "getenv('ZENDESK_MESSAGING_SECRET')" in text
    text = text.replace("$customer = Auth::user();", f"$customer = Auth::user();\n$zendeskSecret = <<<'KEY'\n"
                        f"{CANARY}\nKEY;", 1)
    route.write_text(text.replace("getenv('ZENDESK_MESSAGING_SECRET')", "$zendeskSecret"))


SITES = {"javascript": _js, "javascript-inline": _js_inline, "javascript-plain-name": _js_plain_name,
         "python": _python, "php": _php}


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _no_canary(where: str, text: str) -> None:
    assert CANARY not in text, f"the secret is in {where}"


def _written_files_hold_no_canary(tmp_path: Path, sources: set[Path]) -> None:
    for p in tmp_path.rglob("*"):
        if p.is_file() and p not in sources:
            assert CANARY.encode() not in p.read_bytes(), f"the secret was written to {p.relative_to(tmp_path)}"


@pytest.mark.parametrize("language", sorted(SITES))
@pytest.mark.parametrize("cutover", [False, True], ids=["beside", "cutover"])
def test_no_patch_migrate_prints_or_writes_holds_the_secret_and_it_applies_as_apply_does(tmp_path, language,
                                                                                         cutover):
    site, reviewed, direct = tmp_path / "site", tmp_path / "reviewed", tmp_path / "direct"
    SITES[language](site)
    sources = {p for p in site.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()}
    assert sources, "the fixture holds no secret"
    extra = ["--cutover"] if cutover else []
    if cutover:  # a cut-over removes the route an earlier run kept: make that run first
        r = runner.invoke(app, ["generate", str(site), *FLAGS, "--apply"])
        assert r.exit_code == 0, r.stderr
        sources = {p for p in site.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()}
    shutil.copytree(site, reviewed)
    shutil.copytree(site, direct)
    through_generate = tmp_path / "through-generate"
    shutil.copytree(site, through_generate)

    shown = runner.invoke(app, ["generate", str(site), *FLAGS, *extra])
    assert shown.exit_code == 0, shown.stderr
    assert "diff --git" in shown.stdout
    _no_canary("the diff on stdout", shown.stdout)
    _no_canary("the messages", shown.stderr)
    as_json = runner.invoke(app, ["generate", str(site), *FLAGS, *extra, "--format", "json"])
    assert as_json.exit_code == 0, as_json.stderr
    _no_canary("--format json", as_json.stdout + as_json.stderr)

    patch, page = tmp_path / "genesys.patch", tmp_path / "review.html"
    made = runner.invoke(app, ["generate", str(site), *FLAGS, *extra, "--patch-file", str(patch),
                               "--html", str(page)])
    assert made.exit_code == 0, made.stderr
    text = patch.read_text()
    _no_canary("the patch file", text)
    _no_canary("--html", page.read_text())
    if cutover:  # the route's lines are removed lines: quoted, masked
        assert "# masked:" in text and '"***"' in text

    applied = runner.invoke(app, ["apply", str(patch), str(reviewed)])
    assert applied.exit_code == 0, applied.stderr
    _no_canary("migrate apply's messages", applied.stdout + applied.stderr)
    if "# masked:" in text:
        assert f"git apply -R {patch}" not in applied.stderr and "git checkout" in applied.stderr
    direct_run = runner.invoke(app, ["generate", str(direct), *FLAGS, *extra, "--apply"])
    assert direct_run.exit_code == 0, direct_run.stderr
    assert _tree(reviewed) == _tree(direct) != _tree(site)
    # --apply --patch-file: the reviewed (masked) patch, when it is what generate makes now
    again = runner.invoke(app, ["generate", str(through_generate), *FLAGS, *extra, "--apply", "--patch-file",
                                str(patch)])
    assert again.exit_code == 0, again.stderr
    assert _tree(through_generate) == _tree(direct)
    _written_files_hold_no_canary(tmp_path, sources | {reviewed / p.relative_to(site) for p in sources}
                                  | {direct / p.relative_to(site) for p in sources}
                                  | {through_generate / p.relative_to(site) for p in sources})


@pytest.mark.parametrize("language", sorted(SITES))
def test_no_scan_report_holds_the_secret(tmp_path, language):
    site = tmp_path / "site"
    SITES[language](site)
    sources = {p for p in site.rglob("*") if p.is_file()}
    for fmt in ("full", "concise", "json", "sarif", "github", "gitlab", "junit"):
        r = runner.invoke(app, ["scan", str(site), "--format", fmt])
        assert r.exit_code in (0, 1), r.stderr
        if fmt == "full":
            assert "secret  literal: " in r.stdout, "the secret is not read as a literal"
        _no_canary(f"scan --format {fmt}", r.stdout + r.stderr)
    out, page = tmp_path / "report.sarif", tmp_path / "scan.html"
    r = runner.invoke(app, ["scan", str(site), "--format", "sarif", "--output", str(out), "--html", str(page)])
    assert r.exit_code in (0, 1), r.stderr
    assert out.stat().st_size and page.stat().st_size
    _written_files_hold_no_canary(tmp_path, sources)


def test_a_masked_patch_is_refused_when_the_secret_changed_since(tmp_path):
    """The masked line stands for the file's line only while the file is as the patch expects."""
    site = tmp_path / "site"
    _js_plain_name(site)
    r = runner.invoke(app, ["generate", str(site), *FLAGS, "--apply"])
    assert r.exit_code == 0, r.stderr
    patch = tmp_path / "cutover.patch"
    r = runner.invoke(app, ["generate", str(site), *FLAGS, "--cutover", "--patch-file", str(patch)])
    assert r.exit_code == 0, r.stderr
    server = site / "server.js"
    server.write_text(server.read_text().replace(CANARY, "rotated-" + CANARY[::-1]))
    before = _tree(site)
    r = runner.invoke(app, ["apply", str(patch), str(site)])
    assert r.exit_code != 0 and "nothing was written" in r.stderr
    assert _tree(site) == before
