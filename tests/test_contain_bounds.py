"""Every contained worker is bounded: one blocked in a read that never returns (a fifo, a hung file
system) is killed at the file's time limit, or, with no time limit, once it has used no CPU for a
while; a worker the kernel does not let die at once does not hold the run up; and no worker
outlives the process that started it, even one blocked in a read when that process is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from migrate import contain, files
from migrate.inventory import collect

pytestmark = pytest.mark.skipif(not contain.available(), reason="workers need fork")

TOKEN_JS = """
const jwt = require('jsonwebtoken');
app.get('/zendesk/token', (req, res) => {
  res.send(jwt.sign({ external_id: String(req.user.id), scope: 'user' }, process.env.ZENDESK_SECRET, { keyid: 'app_1' }));
});
"""


class Hung(AssertionError):
    pass


@contextmanager
def bounded(seconds: float):
    """Fail instead of hanging: what is tested here hung for ever before."""
    def ring(signum, frame):
        raise Hung(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def never_written():
    """The read end of a pipe nobody writes to: os.read on it never returns."""
    r, w = os.pipe()
    yield r
    os.close(r)
    os.close(w)


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    for name in ("token.js", "slow.js"):
        (root / name).write_text(textwrap.dedent(TOKEN_JS).lstrip("\n"))
    return root


def _block_reading(monkeypatch, name: str, fd: int) -> None:
    real = files.read_bytes

    def read_bytes(path, max_bytes):
        if path.endswith(name):
            os.read(fd, 1)  # as a read from a fifo or a hung file system: never returns
        return real(path, max_bytes)

    monkeypatch.setattr(files, "read_bytes", read_bytes)


def _blocked_read(fd: int) -> bytes:
    return os.read(fd, 1)


def test_a_worker_blocked_in_a_read_is_killed_at_the_time_limit(never_written):
    with bounded(10):
        started = time.monotonic()
        ok, why = contain.call(_blocked_read, never_written, timeout=0.5)
    assert not ok and why.reason(0.5, 0) == "took more than 0.5 s"
    assert time.monotonic() - started < 5


def test_with_no_time_limit_a_worker_blocked_in_a_read_is_killed_once_it_stalls(never_written, monkeypatch):
    monkeypatch.setattr(contain, "STALL_SECONDS", 0.5, raising=False)
    with bounded(10):
        ok, why = contain.call(_blocked_read, never_written, timeout=0)
    assert not ok and why.kind == "blocked"
    assert why.reason(0, 0) == "stalled for more than 0.5 s (blocked on a read)"


def test_with_no_time_limit_a_busy_worker_is_not_taken_for_a_blocked_one(monkeypatch):
    monkeypatch.setattr(contain, "STALL_SECONDS", 0.3, raising=False)

    def spin(seconds: float) -> str:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass
        return "done"

    with bounded(20):
        assert contain.call(spin, 1.5, timeout=0) == (True, "done")


@pytest.mark.parametrize("file_timeout", [1.0, 0.0], ids=["time-limit", "no-limit"])
def test_scan_reports_a_file_whose_read_never_returns_and_goes_on(tmp_path, monkeypatch, never_written,
                                                                  file_timeout):
    monkeypatch.setattr(contain, "STALL_SECONDS", 1.0, raising=False)
    _block_reading(monkeypatch, "slow.js", never_written)
    with bounded(30):
        inv = collect(str(_site(tmp_path)), jobs=1, file_timeout=file_timeout)
    errors = {e.path: e.message for e in inv.errors}
    expected = "took more than 1 s" if file_timeout else "stalled for more than 1 s (blocked on a read)"
    assert expected in errors["slow.js"]
    assert [s.signer.path for s in inv.signers] == ["token.js"]


def test_a_killed_worker_the_kernel_keeps_alive_does_not_hold_up_the_run(monkeypatch, never_written):
    """A process in uninterruptible sleep (a read on a hung network file system) dies only when
    its read returns: the run reports the file and goes on instead of waiting for it."""
    real_kill = os.kill
    spared: list[int] = []

    def kill(pid, sig):
        if sig == signal.SIGKILL and pid not in spared:
            spared.append(pid)  # the kill is pending: it takes effect later
            return
        real_kill(pid, sig)

    monkeypatch.setattr(os, "kill", kill)
    try:
        with bounded(15):
            started = time.monotonic()
            ok, why = contain.call(_blocked_read, never_written, timeout=0.5)
        assert not ok and why.kind == "timeout"
        assert time.monotonic() - started < 8
        assert spared
    finally:
        for pid in spared:  # the pending kill lands
            real_kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if hasattr(contain, "_unreaped"):
            contain._unreaped[:] = [p for p in contain._unreaped if p not in spared]


# The scan as its own process: the slow file's read never returns, so its worker waits for ever
# unless something ends it.
SCAN = r"""
import os, sys, runpy
from migrate import files
r, w = os.pipe()
real = files.read_bytes
def read_bytes(path, max_bytes):
    if path.endswith("slow.js"):
        open(os.environ["BLOCKED_FLAG"], "w").close()
        os.read(r, 1)
    return real(path, max_bytes)
files.read_bytes = read_bytes
sys.argv = ["migrate", "scan", sys.argv[1], "--jobs", "1", "--file-timeout", "0"]
runpy.run_module("migrate", run_name="__main__", alter_sys=True)
"""


def _marked(marker: bytes) -> list[int]:
    """Live processes (not zombies) whose environment holds the marker."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes():
                state = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
                if state not in (b"Z", b"X"):
                    out.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_worker_outlives_a_scan_that_is_sigkilled(tmp_path):
    site = _site(tmp_path)
    flag = tmp_path / "blocked"
    marker = f"MIGRATE_TEST_MARKER={uuid.uuid4().hex}"
    name, value = marker.split("=")
    env = {**os.environ, name: value, "BLOCKED_FLAG": str(flag), "NO_COLOR": "1"}
    scan = subprocess.Popen([sys.executable, "-c", SCAN, str(site)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not flag.exists():
            assert scan.poll() is None and time.monotonic() < deadline, "the scan never reached the slow file"
            time.sleep(0.05)
        workers = [pid for pid in _marked(marker.encode()) if pid != scan.pid]
        assert workers, "no worker found"
        scan.kill()  # SIGKILL: no clean-up runs in the scan
        scan.wait(10)
        left = workers
        deadline = time.monotonic() + 2
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = _marked(marker.encode())
        assert not left, f"workers {left} outlived the scan"
    finally:
        if scan.poll() is None:
            scan.kill()
            scan.wait(10)
        for pid in _marked(marker.encode()):  # never leave one behind, even when the test fails
            os.kill(pid, signal.SIGKILL)


SERVER_JS = """
const express = require('express');
const jwt = require('jsonwebtoken');
const app = express();
app.get('/zendesk/jwt', requireLogin, (req, res) => {
  res.json({ token: jwt.sign({ external_id: String(req.user.id) }, process.env.ZD_SECRET) });
});
app.listen(3000);
"""


def test_generate_reports_a_wiring_whose_read_never_returns_and_goes_on(tmp_path, monkeypatch, never_written):
    from migrate.generate import backends, run
    from migrate.generate import config as cfg

    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    root = tmp_path / "site"
    root.mkdir()
    (root / "package.json").write_text('{"name": "shop", "dependencies": {"express": "^4.21.2"}}\n')
    (root / "server.js").write_text(textwrap.dedent(SERVER_JS).lstrip("\n"))
    monkeypatch.setattr(run, "EDIT_TIMEOUT", 1.0)
    monkeypatch.setattr(backends, "wire", lambda framework, ctx: os.read(never_written, 1))
    config = cfg.load(root, region="eu-west-1", deployment_id="5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
                      issuer="https://shop.example.com/oidc")
    with bounded(60):
        result = run.generate(root, config, cutover=False)
    (outcome,) = result.outcomes
    assert outcome.status == "manual" and "wiring the provider took more than 1 s" in outcome.text
    assert "server.js" not in {c.path for c in result.changes.changes}
