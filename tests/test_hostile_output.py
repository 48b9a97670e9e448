"""What migrate prints stays valid UTF-8 text, free of terminal control and of 100 KB values, whatever
a token, a source file or a file name holds.

The commands run as the installed program does (`python -m migrate`), with a strict UTF-8 stdout
(PYTHONIOENCODING=utf-8:strict, as in a container without a locale), and through a pseudo-terminal
where what reaches a terminal is the point."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from token_factory import b64url

FLASK = Path(__file__).resolve().parent / "fixtures" / "sites" / "flask"
STRICT = {"PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}


def migrate(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    full = dict(os.environ, **STRICT, **(env or {}))
    full.pop("MIGRATE_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "migrate", *args], capture_output=True, timeout=timeout, env=full)


def text_of(r: subprocess.CompletedProcess) -> str:
    """Both streams, which must decode as strict UTF-8; no internal error among them."""
    out = r.stdout.decode("utf-8") + r.stderr.decode("utf-8")  # raises on invalid UTF-8
    assert "internal error" not in out, out[-2000:]
    assert r.returncode in (0, 1, 2), r.returncode
    return out


def on_terminal(*args: str, timeout: float = 60) -> bytes:
    """What `migrate ARGS` writes to a terminal (stdout and stderr on one pseudo-terminal)."""
    main, sub = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", NO_COLOR="1", COLUMNS="200")
    env.pop("MIGRATE_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "migrate", *args], stdin=subprocess.DEVNULL, stdout=sub,
                            stderr=sub, env=env, close_fds=True)
    os.close(sub)
    chunks, end = [], time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    data = os.read(main, 65536)
                except OSError:  # the other side closed
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
    return b"".join(chunks)


def lone_surrogate_token(where: str) -> str:
    """A token whose header or payload JSON escapes a lone surrogate (valid JSON, not valid text)."""
    header = '{"alg":"\\ud800HS256","typ":"JWT"}' if where == "header" else '{"alg":"HS256","typ":"JWT"}'
    claims = '{"external_id":"1","name":"\\udfffAda","iat":1700000000}'
    return f"{b64url(header)}.{b64url(claims)}.{b64url(b'x' * 32)}"


@pytest.mark.parametrize("where", ["header", "payload"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_check_token_with_a_lone_surrogate_says_what_it_read(where, fmt):
    r = migrate("check-token", lone_surrogate_token(where), "--format", fmt, "--now", "1700000000")
    out = text_of(r)
    assert r.returncode in (0, 1)
    assert "\ufffdAda" in out  # the claim is shown, the surrogate replaced
    if where == "header":
        assert "\ufffdHS256" in out


@pytest.fixture
def surrogate_site(tmp_path: Path) -> Path:
    """A Flask signer whose algorithm literal escapes a lone surrogate, in a file whose name has a
    byte that is not UTF-8 and an OSC title sequence."""
    root = tmp_path / "site"
    shutil.copytree(FLASK, root)
    app = root / "app.py"
    app.write_text(app.read_text().replace('algorithm="HS256"', 'algorithm="\\ud800HS256"'))
    assert "\\ud800HS256" in app.read_text()
    odd = os.fsdecode(b"tok\xff\x1b]0;owned\x07en.py")
    (root / odd).write_text(app.read_text())
    return root


@pytest.mark.parametrize("fmt", ["full", "concise", "json", "sarif", "github", "gitlab", "junit"])
def test_scan_of_lone_surrogates_in_source_and_names_is_valid_utf8(surrogate_site, fmt):
    r = migrate("scan", str(surrogate_site), "--output-format", fmt)
    out = text_of(r)
    assert r.returncode in (0, 1)
    assert "app.py" in out
    if fmt in ("json", "sarif", "gitlab"):
        import json

        json.loads(r.stdout.decode("utf-8"))
    if fmt == "junit":  # well-formed XML: no control character from the file name
        import xml.etree.ElementTree as ET

        assert "owned" in ET.fromstring(r.stdout).findall(".//testsuite")[0].get("name") + r.stdout.decode()


def test_generate_with_a_lone_surrogate_in_source_is_valid_utf8(surrogate_site):
    r = migrate("generate", str(surrogate_site), "--region", "eu-west-1", "--deployment-id",
                "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60", "--issuer", "https://shop.example.com/oidc",
                env={"MIGRATE_SECRETS_DIR": str(surrogate_site.parent / "secrets")})
    text_of(r)


def test_control_sequences_in_file_names_do_not_reach_the_terminal(surrogate_site):
    raw = on_terminal("scan", str(surrogate_site), "--color", "never")
    assert b"app.py" in raw, raw[-2000:]
    assert b"owned" in raw  # the name is shown...
    assert b"\x1b]" not in raw and b"\x07" not in raw  # ...without the sequence that would retitle the terminal
    raw.decode("utf-8")


def test_control_sequences_in_a_token_do_not_reach_the_terminal():
    claims = '{"external_id":"1","name":"\\u001b]52;c;cGF5bG9hZA==\\u0007\\u001b[2J\\u009b31mx","iat":1}'
    token = ".".join([b64url('{"alg":"HS256"}'), b64url(claims), b64url(b"x" * 32)])
    raw = on_terminal("--color", "never", "check-token", token)
    assert b"external_id" in raw, raw
    assert b"\x1b" not in raw.replace(b"\x1b[2K", b"") and b"\xc2\x9b" not in raw  # no OSC 52, no clear, no C1 CSI
    # JSON escapes the C0 controls itself; a C1 control is dropped before it reaches the terminal
    raw = on_terminal("--color", "never", "check-token", token, "--format", "json")
    assert b"\\u001b]52" in raw and b"\xc2\x9b" not in raw


def test_a_100kb_value_is_shortened_in_the_error_line():
    value = "https://[" + "x" * 100_000
    r = migrate("verify-deployment", "--deployment-id", "d3e4f5a6-1111-4111-8111-000000000002", "--issuer", value,
                env={"GENESYSCLOUD_OAUTHCLIENT_ID": "id", "GENESYSCLOUD_OAUTHCLIENT_SECRET": "not-used",
                     "GENESYSCLOUD_API_HOST": "http://127.0.0.1:9"})
    out = text_of(r)
    assert r.returncode == 2
    assert "--issuer" in out and "is not a URL" in out
    assert len(out) < 2000, len(out)
    assert "more]" in out  # said to be shortened, with how much


@pytest.mark.parametrize("flag", ["--output", "--html"])
def test_reports_written_to_files_are_valid_utf8(surrogate_site, tmp_path, flag):
    target = tmp_path / ("report.html" if flag == "--html" else "report.txt")
    r = migrate("scan", str(surrogate_site), flag, str(target))
    text_of(r)
    assert r.returncode in (0, 1)
    text = target.read_bytes().decode("utf-8")  # raises on invalid UTF-8
    assert "app.py" in text and "\ufffd" in text


def test_the_generate_review_page_is_valid_utf8(surrogate_site, tmp_path):
    page = tmp_path / "review.html"
    r = migrate("generate", str(surrogate_site), "--region", "eu-west-1", "--deployment-id",
                "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60", "--issuer", "https://shop.example.com/oidc",
                "--html", str(page), env={"MIGRATE_SECRETS_DIR": str(tmp_path / "secrets")})
    text_of(r)
    assert r.returncode in (0, 1)
    page.read_bytes().decode("utf-8")


def test_long_claim_values_are_shortened_in_the_text_report_not_in_json():
    claims = '{"external_id":"' + "x" * 5000 + '","scope":"' + "s" * 5000 + '","exp":1700000300}'
    token = ".".join([b64url('{"alg":"HS256","kid":"app_1"}'), b64url(claims), b64url(b"x" * 32)])
    r = migrate("check-token", token, "--now", "1700000000")
    out = text_of(r)
    assert r.returncode == 1
    assert max(len(line) for line in out.splitlines()) < 400
    assert "ZG206" in out and "more]" in out
    r = migrate("check-token", token, "--now", "1700000000", "--format", "json")
    assert "s" * 5000 in text_of(r)  # the data in full where a program reads it


def test_long_server_values_are_shortened_in_verify_text(tmp_path):
    import fakegenesys as fg

    org = fg.Org(client_name="n" * 50_000)
    with fg.FakeGenesys(org) as fake:
        r = migrate("verify-scopes", env={"GENESYSCLOUD_OAUTHCLIENT_ID": fg.CLIENT_ID, "HOME": str(tmp_path),
                                          "GENESYSCLOUD_OAUTHCLIENT_SECRET": fg.SECRET,
                                          "GENESYSCLOUD_API_HOST": fake.url})
    out = text_of(r)
    assert r.returncode == 0, out
    assert "n" * 100 in out and "n" * 1000 not in out
