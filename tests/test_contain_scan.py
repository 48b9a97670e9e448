"""Each file's analysis is contained: a native crash, a time overrun or a memory blow-up in one
file's parse costs that file only (reported with its reason), and pathological shapes are
skipped before a parser sees them.  The scan goes on and exits as usual."""

from __future__ import annotations

import ctypes
import json
import signal

import pytest
from typer.testing import CliRunner

from migrate import inventory
from migrate.cli import app
from migrate.scan import scan

runner = CliRunner()
SIGN = ("const jwt = require('jsonwebtoken');\n"
        "function zendeskToken(u) {\n"
        "  return jwt.sign({ external_id: String(u.id), scope: 'user', exp: Date.now() + 60 }, process.env.S,\n"
        "    { keyid: process.env.K || 'app_1' });\n}\nmodule.exports = { zendeskToken };\n")
WIDGET = "zE('messenger', 'open');\n"


def _site(tmp_path, hostile: dict[str, str]):
    root = tmp_path / "site"
    root.mkdir()
    (root / "token.js").write_text(SIGN)
    (root / "chat.js").write_text(WIDGET)
    for name, text in hostile.items():
        (root / name).write_text(text)
    return root


def _errors(result) -> dict[str, str]:
    return {e.path: e.message for e in result.inventory.errors}


def _patch_extract(monkeypatch, bad: str, action) -> None:
    real = inventory.extract

    def extract(src):
        if src.path == bad:
            action()
        return real(src)

    monkeypatch.setattr(inventory, "extract", extract)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_parser_that_crashes_costs_that_file_only(tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(inventory, "POOL_MIN_FILES", 0)
    root = _site(tmp_path, {"crash.js": WIDGET, "after.js": WIDGET})
    _patch_extract(monkeypatch, "crash.js", lambda: ctypes.string_at(0))  # a real SIGSEGV in native code
    result = scan(str(root), jobs=jobs)
    errors = _errors(result)
    assert "parser crashed (SIGSEGV)" in errors["crash.js"]
    # the worker was replaced: the files after it were read
    assert {w.path for w in result.inventory.widgets} == {"chat.js", "after.js"}
    assert [v.signer.path for v in result.inventory.signers] == ["token.js"]


def test_a_parse_stuck_in_native_code_is_killed_at_the_time_limit(tmp_path, monkeypatch):
    def stuck():  # SIGALRM blocked: only the watchdog can end this
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        while True:
            pass

    root = _site(tmp_path, {"stuck.js": WIDGET})
    _patch_extract(monkeypatch, "stuck.js", stuck)
    result = scan(str(root), jobs=1, file_timeout=0.5)
    assert "took more than 0.5 s" in _errors(result)["stuck.js"]
    assert {w.path for w in result.inventory.widgets} == {"chat.js"}
    assert [v.signer.path for v in result.inventory.signers] == ["token.js"]


def test_a_parse_that_needs_too_much_memory_is_stopped_and_said(tmp_path, monkeypatch):
    held = []
    root = _site(tmp_path, {"greedy.js": WIDGET})
    _patch_extract(monkeypatch, "greedy.js", lambda: held.append(bytearray(600 * 1024 * 1024)))
    result = scan(str(root), jobs=1, file_memory=200)
    assert "needed more than 200 MB" in _errors(result)["greedy.js"]
    assert [v.signer.path for v in result.inventory.signers] == ["token.js"]
    assert not held  # it happened in the worker, not here


NESTED_JS = "// jwt.sign\nconst x = " + "[" * 1500 + "]" * 1500 + ";\n"
HOSTILE = {
    "nested.js": NESTED_JS,
    "verify.js": NESTED_JS.replace("jwt.sign", "jwt.verify"),
    "Generic.cs": "using System.IdentityModel.Tokens.Jwt;\nclass A { void F() { var x = " + "a<" * 25000 + "; } }\n",
    "comments.html": "<script>zE('messenger', 'open');</script>\n" + "<!--" * 15000 + "\n",
    "minus.py": "import jwt\ntoken = jwt.encode({'external_id': " + "- " * 10000 + "1}, 's')\n",
}


def test_pathological_files_are_skipped_before_a_parser_sees_them(tmp_path):
    root = _site(tmp_path, HOSTILE)
    r = runner.invoke(app, ["scan", str(root), "--format", "json"])
    assert r.exit_code == 1, r.stderr  # findings on token.js, as usual
    data = json.loads(r.stdout)
    errors = {e["path"]: e["message"] for e in data["errors"]}
    assert "nested 1500 deep" in errors["nested.js"]
    assert "angle brackets" in errors["Generic.cs"]
    assert "angle brackets" in errors["comments.html"]
    assert "operator signs" in errors["minus.py"]
    assert "verify.js" not in errors  # no parser reads it: nothing to skip, nothing to say
    assert [s["path"] for s in data["signers"]] == ["token.js"]
    assert {w["path"] for w in data["widgets"]} == {"chat.js"}


def test_a_minified_bundle_on_one_line_is_still_read(tmp_path):
    root = _site(tmp_path, {"bundle.min.js": "var a=1;" * 200_000 + WIDGET})
    result = scan(str(root), jobs=1)
    assert "bundle.min.js" in {w.path for w in result.inventory.widgets}
    assert "bundle.min.js" not in _errors(result)


def test_jobs_above_the_cores_is_lowered_and_said(tmp_path):
    root = _site(tmp_path, {})
    r = runner.invoke(app, ["scan", str(root), "--format", "json", "--jobs", "1000"])
    assert r.exit_code == 1
    assert "--jobs 1000" in r.stderr and "using" in r.stderr
    assert [s["path"] for s in json.loads(r.stdout)["signers"]] == ["token.js"]
