"""The rendered Next.js provider core (templates/typescript/nextjs/genesys-oidc.ts.j2): type-checked
with tsc, then run under tsx through the same contract tests as the Node provider.

tests/generated/node/host_app.js mounts the core's web-Request methods at the issuer path the way
the generated route modules do, with the site's session lookup inside the claims function (Next.js
has no guard middleware); every test of test_node_provider.py runs here again against it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import test_node_provider as node_contract
from test_node_provider import clock, host, http, signing_key  # noqa: F401  (fixtures reused as they are)
from test_ts_express_provider import typecheck

from migrate.generate.render import render

globals().update(node_contract.reused())


def render_core(directory: Path) -> Path:
    target = directory / "genesys-oidc.ts"
    target.write_text(render("typescript/nextjs/genesys-oidc.ts.j2", issuer_path="/oidc"), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def provider_js(tmp_path_factory) -> Path:
    return render_core(tmp_path_factory.mktemp("nextjs-core"))


def test_tsc_accepts_the_core_and_the_route_modules(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    render_core(lib)
    (lib / "genesys-oidc-claims.ts").write_text(
        "import type { OidcClaims } from './genesys-oidc';\n\n"
        "export async function claims(request: Request): Promise<OidcClaims | null> {\n"
        "  return request.headers.get('cookie') ? { sub: 42, name: 'Alice' } : null;\n}\n")
    files = ["lib/genesys-oidc.ts", "lib/genesys-oidc-claims.ts"]
    for endpoint, (method, methods) in {
        ".well-known/openid-configuration": ("discovery", ["GET"]), "jwks.json": ("jwks", ["GET"]),
        "authorize": ("authorize", ["GET"]), "token": ("token", ["POST"]), "userinfo": ("userinfo", ["GET", "POST"]),
    }.items():
        route = tmp_path / "app" / "oidc" / endpoint / "route.ts"
        route.parent.mkdir(parents=True)
        lib_rel = "/".join([".."] * (len(endpoint.split("/")) + 2)) + "/lib"
        route.write_text(render("typescript/nextjs/route.ts.j2", issuer_path="/oidc", endpoint=endpoint,
                                handler=method, methods=methods, lib=lib_rel))
        files.append(route.relative_to(tmp_path).as_posix())
    done = typecheck(tmp_path, files, esm=True, extra={"lib": ["es2022", "dom"], "isolatedModules": True})
    assert done.returncode == 0, done.stdout + done.stderr


def test_route_modules_export_only_route_fields():
    text = render("typescript/nextjs/route.ts.j2", issuer_path="/oidc", endpoint="userinfo", handler="userinfo",
                  methods=["GET", "POST"], lib="../../../lib")
    assert "export function GET(request: Request)" in text and "export function POST(request: Request)" in text
    assert "export const dynamic = 'force-dynamic';" in text and "export const runtime = 'nodejs';" in text
    assert text.endswith("}\n") and not text.endswith("\n\n")
