"""The rendered TypeScript/Express OpenID provider: type-checked with tsc, then run under tsx
through the same contract tests as the Node provider.

tests/generated/node/host_app.js loads a `.ts` provider through tsx, so every test of
test_node_provider.py runs here again against templates/typescript/oidc-provider-express.ts.j2.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import test_node_provider as node_contract
from conftest import ROOT
from test_node_provider import clock, host, http, signing_key  # noqa: F401  (fixtures reused as they are)

from migrate.generate.render import render

NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
TSC = NODE_MODULES / ".bin" / "tsc"

# Every contract test of the Node provider, collected again in this module, where `provider_js`
# is the TypeScript provider.
globals().update(node_contract.reused())


def render_ts_provider(directory: Path) -> Path:
    target = directory / "genesys-oidc-provider.ts"
    target.write_text(render("typescript/oidc-provider-express.ts.j2", issuer_path="/oidc"), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def provider_js(tmp_path_factory) -> Path:
    return render_ts_provider(tmp_path_factory.mktemp("ts-provider"))


def typecheck(directory: Path, files: list[str], *, esm: bool, extra: dict | None = None) -> subprocess.CompletedProcess:
    """tsc --noEmit over `files` in `directory` (strict), as a CommonJS or an ESM (bundler) project."""
    if not (directory / "node_modules").exists():
        (directory / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    options = {"strict": True, "target": "es2022", "noEmit": True, "esModuleInterop": True,
               "skipLibCheck": True, "types": ["node"], "forceConsistentCasingInFileNames": True}
    options.update({"module": "esnext", "moduleResolution": "bundler"} if esm
                   else {"module": "nodenext", "moduleResolution": "nodenext"})
    options.update(extra or {})
    (directory / "tsconfig.json").write_text(json.dumps({"compilerOptions": options, "files": files}))
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    return subprocess.run([str(TSC), "-p", "tsconfig.json"], cwd=directory, capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.parametrize("esm", [False, True], ids=["commonjs", "esm"])
def test_tsc_accepts_the_provider(tmp_path, esm):
    render_ts_provider(tmp_path)
    done = typecheck(tmp_path, ["genesys-oidc-provider.ts"], esm=esm)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_provider_is_esm_typescript_with_jose():
    text = render("typescript/oidc-provider-express.ts.j2", issuer_path="/oidc")
    assert "import { SignJWT, exportJWK, calculateJwkThumbprint } from 'jose';" in text
    assert "export function createOidcProvider(" in text
    assert "require(" not in text and "module.exports" not in text
