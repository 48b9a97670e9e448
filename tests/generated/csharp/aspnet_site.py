"""Building and serving a System.Web fixture site under Mono, for the tests/generated/test_cs_*_run.py
modules: the project's Compile items (and the JWT.Net stand-in) built with mcs into bin/Shop.dll,
then the site served by ASP.NET's own runtime through AspNetHost.cs on 127.0.0.1, stopping by
itself after SERVE_SECONDS."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
MONO, MCS = shutil.which("mono"), shutil.which("mcs")
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ZENDESK_SECRET = "zendesk-messaging-shared-secret-0123456789"
START_TIMEOUT = 30
SERVE_SECONDS = 120


def available(*assemblies: str) -> bool:
    return MONO is not None and MCS is not None and \
        all(Path("/usr/lib/mono/4.5", a).is_file() for a in ("System.Web.dll", *assemblies))


def compile_items(site: Path) -> list[str]:
    project = ET.parse(site / "Shop.csproj").getroot()
    ns = {"m": "http://schemas.microsoft.com/developer/msbuild/2003"}
    return [c.get("Include").replace("\\", "/") for c in project.iterfind(".//m:Compile", ns)]


def build(site: Path, references: tuple[str, ...] = (), extra: tuple[Path, ...] = ()) -> Path:
    """bin/Shop.dll from the project's Compile items, and the test host beside it."""
    (site / "bin").mkdir(exist_ok=True)
    sources = [str(site / item) for item in compile_items(site)] + [str(HERE / "stubs" / "JwtNet.cs")] + \
        [str(p) for p in extra]
    refs = [f"-r:{r}" for r in ("System.Web.dll", "System.Configuration.dll", *references)]
    done = subprocess.run([MCS, "-target:library", "-nowarn:414", *refs, f"-out:{site / 'bin' / 'Shop.dll'}",
                           *sources], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    host = site / "bin" / "AspNetHost.exe"
    if not host.exists():
        done = subprocess.run([MCS, "-r:System.Web.dll", f"-out:{host}", str(HERE / "AspNetHost.cs")],
                              check=False, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    return site


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(site: Path, env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """The site on http://127.0.0.1:<port> until the block ends (or SERVE_SECONDS pass)."""
    with log.open("wb") as out:
        proc = subprocess.Popen([MONO, str(site / "bin" / "AspNetHost.exe"), str(port), str(site),
                                 str(SERVE_SECONDS)], cwd=str(site), env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the site did not start: {log.read_text(errors='replace')}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
