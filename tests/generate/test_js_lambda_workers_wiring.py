"""AWS Lambda handler modules and Cloudflare Workers: recognised, wired beside the kept route in
the module's own style (CommonJS exports, a fetch that was not async), a route with no login check
of its own refuses, and the Worker route scan reports is the one generate wires."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from wiring_support import after, assert_parses, generate_site

from migrate.scan import scan


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def _site(tmp_path: Path, rel: str, text: str) -> Path:
    root = tmp_path / "site"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text('{"name": "fn", "dependencies": {"jsonwebtoken": "^9.0.3"}}\n')
    (root / rel).write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def test_commonjs_lambda_without_a_check_relies_on_the_authorizer(tmp_path):
    root = _site(tmp_path, "functions/token.js", """
        const jwt = require('jsonwebtoken');

        exports.handler = async (event) => {
          const claims = event.requestContext.authorizer.claims;
          return { statusCode: 200, body: jwt.sign({ external_id: claims.sub, email: claims.email }, process.env.ZD) };
        };
        """)
    result = generate_site(root)
    module = after(result)["functions/token.js"]
    assert_parses("javascript", module)
    assert "const { createLambdaHandler } = require('./genesys-oidc-provider.cjs');" in module
    assert "exports.genesysOidcHandler = createLambdaHandler({\n  claims: (event) => {\n" \
           "    // TODO(migrate:ZG223): the old handler checked no login itself" in module
    assert "    if (!event.requestContext || !event.requestContext.authorizer) return null;\n" \
           "    const claims = event.requestContext.authorizer.claims;\n" in module
    (outcome,) = result.outcomes
    assert outcome.status == "wired" and "(lambda_handler)" in outcome.text


def test_worker_without_a_login_check_refuses_and_its_fetch_becomes_async(tmp_path):
    root = _site(tmp_path, "src/worker.js", """
        import { SignJWT } from 'jose';

        export default {
          fetch(request, env) {
            const url = new URL(request.url);
            if (url.pathname === '/api/chat-token') {
              const user = JSON.parse(request.headers.get('x-user'));
              return new SignJWT({ external_id: user.id, name: user.name })
                .setProtectedHeader({ alg: 'HS256' })
                .sign(new TextEncoder().encode(env.ZENDESK_SECRET))
                .then((token) => Response.json({ token }));
            }
            return new Response('not found', { status: 404 });
          },
        };
        """)
    result = generate_site(root)
    module = after(result)["src/worker.js"]
    assert_parses("javascript", module)
    assert "  async fetch(request, env) {\n    const oidcAnswer = await genesysOidc(request, env);\n" in module
    assert "ctx" not in module  # the fetch has no ctx: none is read
    assert "claims: (request, env) => {\n    // TODO(migrate:ZG223): the old route checked no login itself" in module
    assert "    return null;\n    const user = JSON.parse(request.headers.get('x-user'));" in module
    (outcome,) = result.outcomes
    (signer,) = [s for s in scan(str(root), jobs=1).inventory.signers if s.purpose == "zendesk"]
    assert outcome.route == signer.signer.route == "* /api/chat-token"
