"""The framework-neutral Node provider (templates/node/oidc-provider-web.cjs.j2) that plain http
servers, Koa, Fastify, Next.js API routes and Lambda handlers mount through its adapters: run
under node through the same contract tests as the Express provider.

tests/generated/node/host_app.js mounts the provider's web-Request methods at the issuer path (the
way it mounts the Next.js core), with the site's session lookup inside the claims function.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import test_node_provider as node_contract
from conftest import ROOT
from test_node_provider import clock, host, http, signing_key  # noqa: F401  (fixtures reused as they are)

from migrate.generate.render import render

NODE = shutil.which("node") or "node"
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"

globals().update(node_contract.reused())


def render_web_provider(directory: Path) -> Path:
    target = directory / "genesys-oidc-provider.cjs"
    target.write_text(render("node/oidc-provider-web.cjs.j2", issuer_path="/oidc"), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def provider_js(tmp_path_factory) -> Path:
    return render_web_provider(tmp_path_factory.mktemp("web-provider"))


def test_the_provider_is_commonjs_with_every_adapter(provider_js):
    done = subprocess.run([NODE, "-e", "console.log(Object.keys(require(process.argv[1])).join(' '))",
                           str(provider_js)], capture_output=True, text=True, timeout=20,
                          env={"NODE_PATH": str(NODE_MODULES), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["createOidcProvider", "createNodeHandler", "createNextApiHandler",
                                   "createKoaMiddleware", "createFastifyPlugin", "createHapiRoutes",
                                   "createHapiPlugin", "createNestHandler", "createLambdaHandler",
                                   "createWorkerHandler"]
