"""Drive a running generated provider with a certified relying party (node/certified_rp.mjs, on
panva's openid-client), next to the suite's own relying party (relying_party.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
NODE_MODULES = HERE.parent / "node" / "node_modules"


def available() -> str | None:
    """Why the certified relying party cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_MODULES / "openid-client").is_dir():
        return "openid-client is not installed (make test installs tests/node)"
    return None


def drive(issuer: str, *, client_id: str, client_secret: str, redirect_uri: str,
          headers: dict[str, str] | None = None, scope: str | None = None, refresh: bool = False) -> dict:
    reason = available()
    if reason:
        pytest.skip(reason)
    run = subprocess.run(
        ["node", str(HERE / "node" / "certified_rp.mjs")],
        input=json.dumps({"issuer": issuer, "client_id": client_id, "client_secret": client_secret,
                          "redirect_uri": redirect_uri, "headers": headers or {}, "scope": scope,
                          "refresh": refresh}),
        capture_output=True, text=True, timeout=60, cwd=HERE.parent / "node")
    assert run.returncode == 0, run.stderr or run.stdout
    return json.loads(run.stdout)
