"""The hostile inputs that once crashed migrate or left a site half-migrated, each run through the
CLI: a native parser crash, a folder --apply cannot write, a PHP file that is both page and signer,
a server file that also holds widget calls, a linked source file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FLAGS = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
         "--issuer", "https://shop.example.com/oidc"]
ROOT = os.geteuid() == 0
CHATTR = shutil.which("chattr")

SERVER_JS = """
const express = require('express');
const jwt = require('jsonwebtoken');
const app = express();
app.get('/zendesk/jwt', requireLogin, (req, res) => {
  res.json({ token: jwt.sign({ external_id: String(req.user.id), scope: 'user' }, process.env.ZENDESK_SECRET, { keyid: 'app_1' }) });
});
app.listen(3000);
"""
LOGIN = ("zE('messenger', 'loginUser', function (cb) { fetch('/zendesk/jwt').then(r => r.json())"
         ".then(d => cb(d.token)); });")
PAGE = ("<!doctype html>\n<html lang=\"en\">\n<body>\n  <h1>Welcome to the shop</h1>\n"
        "  <script id=\"ze-snippet\" src=\"https://static.zdassets.com/ekr/snippet.js?key=k\"></script>\n"
        f"  <script>{LOGIN}</script>\n</body>\n</html>\n")


def migrate(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`migrate ARGS` as its own process: a native crash shows as its exit status."""
    return subprocess.run([sys.executable, "-m", "migrate", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "NO_COLOR": "1", **env})


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"MIGRATE_SECRETS_DIR": str(tmp_path / "secrets")}


def tree(root: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        out[rel] = "-> " + os.readlink(p) if p.is_symlink() else p.read_bytes() if p.is_file() else "dir"
    return out


def express_site(root: Path, server: str = SERVER_JS) -> Path:
    root.mkdir()
    (root / "package.json").write_text('{"name": "shop", "dependencies": {"express": "^4.21.2", '
                                       '"jsonwebtoken": "^9.0.2"}}\n')
    (root / "server.js").write_text(textwrap.dedent(server).lstrip("\n"))
    (root / "views").mkdir()
    (root / "views" / "index.html").write_text(PAGE)
    return root


def test_a_python_file_that_overflows_the_native_parser_costs_that_file_only(tmp_path, env):
    site = express_site(tmp_path / "site")
    (site / "tools.py").write_text("import jwt\n\n\ndef api_token(user):\n    return jwt.encode({'sub': str(user.id)}, "
                                   "os.environ['API_KEY'], algorithm='HS256')\n\n\n"
                                   "x = " + "[" * 1500 + "]" * 1500 + "\n")
    scan = migrate("scan", str(site), "--format", "json", env=env)
    assert scan.returncode in (0, 1), scan.stderr[-2000:]
    data = json.loads(scan.stdout)
    assert "server.js" in {s["path"] for s in data["signers"]}
    assert [e["path"] for e in data["errors"]] == ["tools.py"]
    made = migrate("generate", str(site), *FLAGS, env=env)
    assert made.returncode == 0, made.stderr[-2000:]
    assert "diff --git a/server.js" in made.stdout


def _lock(path: Path) -> int:
    """``path`` unwritable even for root (which ignores modes): immutable where chattr works."""
    mode = path.stat().st_mode & 0o7777
    if ROOT:
        if not CHATTR or subprocess.run([CHATTR, "+i", str(path)], capture_output=True).returncode:
            pytest.skip("running as root without chattr: nothing here can be made unwritable")
    else:
        path.chmod(0o555)
    return mode


def _unlock(path: Path, mode: int) -> None:
    if ROOT:
        subprocess.run([CHATTR, "-i", str(path)], capture_output=True, check=False)
    path.chmod(mode)


def test_apply_with_a_folder_it_cannot_write_leaves_the_site_as_it_was(tmp_path, env):
    """package.json and server.js come before views/index.html: they must not stay rewritten."""
    site = express_site(tmp_path / "site")
    before = tree(site)
    mode = _lock(site / "views")
    try:
        r = migrate("generate", str(site), *FLAGS, "--apply", env=env)
    finally:
        _unlock(site / "views", mode)
    assert r.returncode in (1, 2), r.stderr[-2000:]
    assert "views/index.html" in r.stderr and "put back" in r.stderr and "internal error" not in r.stderr
    assert tree(site) == before
    assert not (tmp_path / "secrets").exists() or not any((tmp_path / "secrets").rglob("*"))


PHP_BOTH = """<?php
require __DIR__ . '/vendor/autoload.php';
use Firebase\\JWT\\JWT;
session_start();
$token = JWT::encode(['external_id' => (string) $_SESSION['uid'], 'scope' => 'user'], getenv('ZENDESK_SECRET'), 'HS256', 'app_1');
?>
<!doctype html>
<html lang="en">
<body>
  <h1>Welcome to the shop</h1>
  <script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=k"></script>
  <script>zE('messenger', 'loginUser', function (cb) { cb('<?= $token ?>'); });</script>
</body>
</html>
"""


def test_a_php_file_that_is_both_page_and_signer_keeps_its_page(tmp_path, env):
    site = tmp_path / "site"
    site.mkdir()
    (site / "composer.json").write_text('{"name": "shop/site", "require": {"firebase/php-jwt": "^6.10"}}\n')
    (site / "index.php").write_text(PHP_BOTH)
    r = migrate("generate", str(site), *FLAGS, "--apply", env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    page = (site / "index.php").read_text()
    assert "<h1>Welcome to the shop</h1>" in page and "</html>" in page
    assert "Genesys('registerPlugin', 'AuthProvider'" in page and "ze-snippet" not in page
    again = migrate("generate", str(site), *FLAGS, "--apply", env=env)
    assert again.returncode == 0 and "wrote" not in again.stderr, again.stderr[-2000:]


def test_a_second_apply_on_a_server_file_that_also_holds_widget_calls_changes_nothing(tmp_path, env):
    server = SERVER_JS.replace("app.listen(3000);", f"function chatLogin() {{\n  {LOGIN}\n}}\napp.listen(3000);")
    site = express_site(tmp_path / "site", server)
    first = migrate("generate", str(site), *FLAGS, "--apply", env=env)
    assert first.returncode == 0 and "wrote server.js" in first.stderr, first.stderr[-2000:]
    done = tree(site)
    again = migrate("generate", str(site), *FLAGS, "--apply", env=env)
    assert again.returncode == 0 and "nothing to change" in again.stderr, again.stderr[-2000:]
    assert tree(site) == done


def test_a_linked_server_file_stays_a_link_and_nothing_is_written(tmp_path, env):
    site = express_site(tmp_path / "site")
    (site / "src").mkdir()
    (site / "server.js").rename(site / "src" / "server.js")
    (site / "server.js").symlink_to("src/server.js")
    before = tree(site)
    r = migrate("generate", str(site), *FLAGS, "--apply", env=env)
    assert "internal error" not in r.stderr
    assert (site / "server.js").is_symlink() and os.readlink(site / "server.js") == "src/server.js"
    if r.returncode != 0:
        assert tree(site) == before and "nothing was written" in r.stderr


def test_a_routes_file_no_parser_should_see_costs_the_wiring_not_minutes(tmp_path, env):
    """A routes.rb holding `<!--` 5,000 times: scan skips it, and generate (and scan's prediction of
    it) no longer hands it to the Ruby parser for minutes: the signer gets the standalone provider,
    with the reason."""
    site = tmp_path / "rails"
    shutil.copytree(Path(__file__).parent / "fixtures" / "sites" / "rails", site)
    routes = site / "config" / "routes.rb"
    lines = routes.read_text().split("\n")
    lines.insert(len(lines) * 2 // 3, "<!--" * 5000)
    routes.write_text("\n".join(lines))
    scanned = migrate("scan", str(site), "--format", "json", env=env)
    assert scanned.returncode in (0, 1), scanned.stderr
    assert "angle brackets" in {e["path"]: e["message"] for e in json.loads(scanned.stdout)["errors"]}["config/routes.rb"]
    made = migrate("generate", str(site), *FLAGS, "--format", "json", env=env)
    assert made.returncode == 0, made.stderr
    (signer,) = json.loads(made.stdout)["signers"]
    assert signer["status"] == "standalone" and "a file the rails wiring reads" in signer["text"]
