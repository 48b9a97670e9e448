"""A corpus of hostile inputs: every one is reported or read, none stops the scan or leaks a traceback."""

import json
import os
import socket

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.scan import scan

runner = CliRunner()
ZD = "zE('messenger', 'open');\n"
SIGN = ("const jwt = require('jsonwebtoken');\n"
        "jwt.sign({ external_id: String(u.id), scope: 'user', exp: Date.now() + 60 }, process.env.S, "
        "{ keyid: process.env.K || 'app_1' });\n")

SYNTAX_ERRORS = {
    "broken.js": "const jwt = require('jsonwebtoken');\nfunction (( {\n" + SIGN,
    "broken.ts": "const jwt = require('jsonwebtoken');\nlet x: = ;\n" + SIGN,
    "broken.py": "import jwt\ndef f(:\n    return jwt.encode({'external_id': 1}, 's')\n",
    "broken.cs": "using JWT;\nclass A { void F( { var t = new JwtBuilder(); }\n",
    "Broken.java": "import com.auth0.jwt.JWT;\nclass A { void f( { JWT.create(); }\n",
    "broken.go": "package main\nimport \"github.com/golang-jwt/jwt/v5\"\nfunc f( {\n",
    "broken.rb": "require 'jwt'\ndef f(\n  JWT.encode({a: 1}, 's'\n",
    "broken.php": "<?php\nuse Firebase\\JWT\\JWT;\nfunction f( { JWT::encode([, 's');\n",
    "broken.html": "<script>zE('messenger', 'open'</script><script id=\"ze-snippet\" src=\"x\">",
}


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "good.js").write_text(SIGN)
    (root / "binary.js").write_bytes(b"\x00\x01zE\x00jwt" * 100)
    (root / "latin1.js").write_bytes("// caf\xe9 zE\n".encode("latin-1") + ZD.encode())
    (root / "bom.js").write_bytes(b"\xef\xbb\xbf" + ZD.encode())
    (root / "utf16.js").write_bytes(ZD.encode("utf-16"))
    (root / "crlf.js").write_bytes(SIGN.replace("\n", "\r\n").encode())
    (root / "bundle.min.js").write_text("var a=1;" * 650_000 + ZD.strip())  # ~5 MB on one line
    with open(root / "huge.js", "wb") as fh:  # 50 MB, sparse
        fh.write(b"// zE\n")
        fh.truncate(50 * 1024 * 1024)
    loop = root / "loop"
    loop.mkdir()
    (loop / "again").symlink_to(loop)
    (root / "a.js").symlink_to(root / "b.js")
    (root / "b.js").symlink_to(root / "a.js")
    (root / "dangling.ts").symlink_to(root / "missing.ts")
    (root / "unreadable.js").symlink_to("/proc/self/mem")  # stat says file, read() fails even for root
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "socket.js"))
    os.mkfifo(root / "pipe.js")
    for name, text in SYNTAX_ERRORS.items():
        (root / name).write_text(text)
    yield root
    sock.close()


def test_corpus_scans_without_traceback(corpus):
    r = runner.invoke(app, ["scan", str(corpus), "--format", "json", "--jobs", "1"])
    assert r.exit_code in (0, 1), r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    data = json.loads(r.stdout)
    errors = {e["path"]: e["message"] for e in data["errors"]}
    assert "binary" in errors["binary.js"]
    assert "not valid UTF-8" in errors["latin1.js"]
    assert "over the 8 MB limit" in errors["huge.js"]
    assert "looping" in errors["a.js"] or "looping" in errors["b.js"]
    assert "broken symlink" in errors["dangling.ts"]
    assert "cannot read" in errors["unreadable.js"]
    assert "not a regular file" in errors["pipe.js"] and "not a regular file" in errors["socket.js"]
    for name in SYNTAX_ERRORS:
        assert "syntax error" in errors.get(name, ""), (name, errors.get(name))
    # what could be read was read
    paths = {w["path"] for w in data["widgets"]}
    assert {"bom.js", "utf16.js", "latin1.js", "bundle.min.js"} <= paths
    signers = {s["path"] for s in data["signers"]}
    assert {"good.js", "crlf.js"} <= signers


def test_bom_and_crlf_keep_lines_and_columns(corpus):
    inv = scan(str(corpus), jobs=1).inventory
    bom = next(w for w in inv.widgets if w.path == "bom.js")
    assert (bom.calls[0].line, bom.calls[0].column) == (1, 1)
    crlf = next(v.signer for v in inv.signers if v.signer.path == "crlf.js")
    plain = next(v.signer for v in inv.signers if v.signer.path == "good.js")
    assert crlf.line == plain.line == 2
    assert {k: (e.line, e.column) for k, e in crlf.claims.items()} == \
        {k: (e.line, e.column) for k, e in plain.claims.items()}


def test_parallel_scan_finds_the_same(corpus, monkeypatch):
    import migrate.inventory

    monkeypatch.setattr(migrate.inventory, "POOL_MIN_FILES", 0)
    serial = scan(str(corpus), jobs=1)
    parallel = scan(str(corpus), jobs=2)
    assert serial.findings == parallel.findings
    assert serial.inventory.errors == parallel.inventory.errors


def test_one_slow_file_is_reported_and_the_scan_goes_on(tmp_path, monkeypatch):
    import time

    import migrate.inventory as inventory

    real = inventory.extract

    def slow_for_one(src):
        if src.path == "slow.js":
            while True:  # a pathological file: never finishes on its own
                time.sleep(0.01)
        return real(src)

    monkeypatch.setattr(inventory, "extract", slow_for_one)
    (tmp_path / "slow.js").write_text(ZD)
    (tmp_path / "good.js").write_text(SIGN)
    started = time.monotonic()
    result = scan(str(tmp_path), jobs=1, file_timeout=0.5)
    assert time.monotonic() - started < 5
    errors = {e.path: e.message for e in result.inventory.errors}
    assert "took more than 0.5 s" in errors["slow.js"]
    assert [v.signer.path for v in result.inventory.signers] == ["good.js"]


def test_a_bad_gitignore_line_is_skipped_like_git_does(tmp_path):
    (tmp_path / ".gitignore").write_text("!\n[z-a]\nignored.js\n")
    (tmp_path / "ignored.js").write_text(ZD)
    (tmp_path / "kept.js").write_text(ZD)
    r = runner.invoke(app, ["scan", str(tmp_path), "--format", "json", "--jobs", "1"])
    assert r.exit_code == 0, r.stderr
    assert {w["path"] for w in json.loads(r.stdout)["widgets"]} == {"kept.js"}


def test_a_deeper_gitignore_can_re_include(tmp_path):
    (tmp_path / ".gitignore").write_text("*.js\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("!keep.js\n")
    (tmp_path / "sub" / "keep.js").write_text(ZD)
    (tmp_path / "sub" / "drop.js").write_text(ZD)
    paths = {w.path for w in scan(str(tmp_path), jobs=1).inventory.widgets}
    assert paths == {"sub/keep.js"}


def test_a_single_file_migrate_cannot_read_is_said(tmp_path):
    (tmp_path / "notes.txt").write_text(ZD)
    r = runner.invoke(app, ["scan", str(tmp_path / "notes.txt"), "--format", "json"])
    assert "not a file type migrate reads" in json.loads(r.stdout)["errors"][0]["message"]


@pytest.mark.parametrize("option", [["--max-file-size", "99999999999999"], ["--file-timeout", "1e300"]])
def test_absurd_limits_are_usage_errors(tmp_path, option):
    r = runner.invoke(app, ["scan", str(tmp_path), *option])
    assert r.exit_code == 2 and "Traceback" not in r.stdout + r.stderr and "internal error" not in r.stderr
