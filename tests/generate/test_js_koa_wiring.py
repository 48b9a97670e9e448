"""Koa (with @koa/router) and Fastify are recognised as themselves, never wired as Express: the
shapes their routes take, their guards (route middleware, hooks, login checks inside the handler,
none at all), claims that cannot be rebound, a route generate cannot mount beside (the standalone
provider), the one-step cut-over, and the route scan reports being the one generate wires."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from wiring_support import DEPLOYMENT, ISSUER, after, assert_parses, generate_site

from migrate.generate import config as cfg
from migrate.generate.run import generate
from migrate.scan import scan


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "package.json").write_text('{"name": "shop", "dependencies": {"jsonwebtoken": "^9.0.3"}}\n')
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def _scanned_route(root: Path) -> str | None:
    (signer,) = [s for s in scan(str(root), jobs=1).inventory.signers if s.purpose == "zendesk"]
    return signer.signer.route


def _cutover(root: Path):
    return generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER), cutover=True)


KOA = """
const Koa = require('koa');
const Router = require('@koa/router');
const jwt = require('jsonwebtoken');

const app = new Koa();
const router = new Router();
{route}
app.use(router.routes());
app.listen(3000);
"""


def _koa(tmp_path, route: str) -> Path:
    return _site(tmp_path, {"server.js": KOA.replace("{route}", textwrap.dedent(route))})


def test_koa_login_check_in_the_handler_becomes_koa_middleware(tmp_path):
    root = _koa(tmp_path, """
        router.post('/zendesk/jwt', async (ctx) => {
          if (!ctx.session.user) {
            ctx.status = 401;
            return;
          }
          const user = ctx.session.user;
          ctx.body = { token: jwt.sign({ external_id: user.id, name: user.name }, process.env.ZD_SECRET) };
        });
        """)
    result = generate_site(root)
    server = after(result)["server.js"]
    assert_parses("javascript", server)
    assert "  guard: async (ctx, next) => {  // the old route's login check\n    if (!ctx.session.user) {\n" \
           "      ctx.status = 401;\n      return;\n    }\n    return next();\n  },\n" in server
    assert "  claims: (ctx) => {\n    const user = ctx.session.user;\n" in server
    assert "createOidcProvider" not in server
    (outcome,) = result.outcomes
    assert outcome.route == "POST /zendesk/jwt" == _scanned_route(root)
    # the mount is before app.listen, where Koa composes its middleware
    assert server.index("app.use(createKoaMiddleware(") < server.index("app.listen(3000)")


def test_koa_route_without_a_guard_gets_one_that_refuses_and_parses(tmp_path):
    root = _koa(tmp_path, """
        router.get('/zendesk/jwt', (ctx) => {
          ctx.body = jwt.sign({ external_id: String(ctx.state.user.id) }, process.env.ZD_SECRET);
        });
        """)
    server = after(generate_site(root))["server.js"]
    assert_parses("javascript", server)
    assert "  // TODO(migrate:ZG223): the old route had no login check: this guard refuses everyone" in server
    assert "  guard: (ctx) => {\n    ctx.status = 401;\n    ctx.body = { error: 'login_required' };\n  },\n" in server
    assert "guard: undefined" not in server


def test_koa_claims_reading_a_loop_variable_say_no_user(tmp_path):
    root = _koa(tmp_path, """
        router.get('/zendesk/jwt', requireLogin, async (ctx) => {
          for (const account of ctx.state.accounts) {
            ctx.body = jwt.sign({ external_id: account.ref, name: ctx.state.user.name }, process.env.ZD_SECRET);
          }
        });
        """)
    server = after(generate_site(root))["server.js"]
    assert_parses("javascript", server)
    claims = server.split("  claims: ", 1)[1].split("\n}));", 1)[0]
    assert "TODO(migrate:ZG222): the claims below read `account` of the old route" in claims
    assert claims.rstrip().endswith("return null;\n  },")


def test_koa_router_module_without_the_app_gets_the_standalone_provider(tmp_path):
    root = _site(tmp_path, {"routes/zendesk.js": """
        const Router = require('@koa/router');
        const jwt = require('jsonwebtoken');
        const router = new Router();

        router.get('/zendesk/jwt', requireLogin, (ctx) => {
          ctx.body = jwt.sign({ external_id: ctx.state.user.id }, process.env.ZD_SECRET);
        });

        module.exports = router;
        """})
    result = generate_site(root)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "the Koa app (new Koa()) is not created" in outcome.text
    files = after(result)
    assert "// TODO(migrate:ZG221): mount the sign-in provider from ./genesys-oidc-provider.cjs" in files["routes/zendesk.js"]
    assert "createKoaMiddleware" in files["routes/genesys-oidc-provider.cjs"]


def test_koa_cutover_in_one_step_replaces_the_route(tmp_path):
    root = _koa(tmp_path, """
        // Zendesk widget token.
        router.get('/zendesk/jwt', requireLogin, (ctx) => {
          ctx.body = jwt.sign({ external_id: ctx.state.user.id }, process.env.ZD_SECRET);
        });
        """)
    result = _cutover(root)
    server = after(result)["server.js"]
    assert_parses("javascript", server)
    assert "jwt.sign" not in server and "jsonwebtoken" not in server and "ZG220" not in server
    assert "Zendesk widget token" not in server
    assert "app.use(createKoaMiddleware({\n  guard: requireLogin,\n" in server
    assert "(it replaces the Zendesk token route GET /zendesk/jwt)" in server
    assert [o.status for o in result.outcomes] == ["cut"]


def test_koa_in_typescript_gets_the_provider_types(tmp_path):
    root = _site(tmp_path, {"src/server.ts": """
        import Koa from 'koa';
        import Router from '@koa/router';
        import jwt from 'jsonwebtoken';

        const app = new Koa();
        const router = new Router();
        router.get('/api/zendesk/token', requireLogin, (ctx: Koa.Context) => {
          ctx.body = jwt.sign({ external_id: String(ctx.state.user.id) }, process.env.ZD_SECRET!);
        });
        app.use(router.routes());
        """})
    files = after(generate_site(root))
    assert_parses("typescript", files["src/server.ts"])
    assert "import { createKoaMiddleware } from './genesys-oidc-provider.cjs';" in files["src/server.ts"]
    assert "  claims: (ctx: Koa.Context) => ({\n" in files["src/server.ts"]
    assert_parses("typescript", files["src/genesys-oidc-provider.d.cts"])
    assert "export function createKoaMiddleware(" in files["src/genesys-oidc-provider.d.cts"]


# --- Fastify ------------------------------------------------------------------------------------

FASTIFY = """
import Fastify from 'fastify';
import jwt from 'jsonwebtoken';

const app = Fastify();
{route}
await app.listen({ port: 3000 });
"""


def _fastify(tmp_path, route: str) -> Path:
    return _site(tmp_path, {"server.mjs": FASTIFY.replace("{route}", textwrap.dedent(route))})


def test_fastify_shorthand_route_hooks_become_the_guard(tmp_path):
    root = _fastify(tmp_path, """
        app.get('/zendesk/jwt', { onRequest: [app.authenticate], preHandler: loadCustomer }, async (request) => {
          return { token: jwt.sign({ external_id: request.user.sub, email: request.user.email }, process.env.ZD_SECRET) };
        });
        """)
    result = generate_site(root)
    server = after(result)["server.mjs"]
    assert_parses("javascript", server)
    assert "app.register(createFastifyPlugin({\n  guard: [app.authenticate, loadCustomer],\n" in server
    assert "  claims: (request) => ({\n    sub: String(request.user.sub)," in server
    assert '}), { prefix: "/oidc" });' in server
    assert server.index("app.register(createFastifyPlugin(") < server.index("await app.listen(")
    (outcome,) = result.outcomes
    assert outcome.route == "GET /zendesk/jwt" == _scanned_route(root)


def test_fastify_route_object_with_methods_and_no_guard(tmp_path):
    root = _fastify(tmp_path, """
        app.route({
          method: ['POST'],
          url: '/api/zendesk/jwt',
          handler: async (request) => ({ token: jwt.sign({ external_id: request.session.userId }, process.env.ZD_SECRET) }),
        });
        """)
    result = generate_site(root)
    server = after(result)["server.mjs"]
    assert_parses("javascript", server)
    assert "  guard: async (_request, reply) => reply.code(401).send({ error: 'login_required' }),\n" in server
    assert "TODO(migrate:ZG223): the old route had no login check" in server
    (outcome,) = result.outcomes
    assert outcome.route == "POST /api/zendesk/jwt" == _scanned_route(root)


def test_fastify_route_inside_a_plugin_function_gets_the_standalone_provider(tmp_path):
    root = _site(tmp_path, {"routes/zendesk.js": """
        const jwt = require('jsonwebtoken');

        module.exports = async function zendeskRoutes(fastify) {
          fastify.get('/zendesk/jwt', { preHandler: fastify.auth }, async (request) => {
            return { token: jwt.sign({ external_id: request.user.id }, process.env.ZD_SECRET) };
          });
        };
        """})
    result = generate_site(root)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "registered inside a function" in outcome.text
    assert "createFastifyPlugin" in after(result)["routes/genesys-oidc-provider.cjs"]


def test_fastify_cutover_in_one_step_replaces_the_route(tmp_path):
    root = _fastify(tmp_path, """
        app.get('/zendesk/jwt', { preHandler: requireLogin }, async (request) => {
          return { token: jwt.sign({ external_id: request.user.id }, process.env.ZD_SECRET) };
        });
        """)
    server = after(_cutover(root))["server.mjs"]
    assert_parses("javascript", server)
    assert "jwt.sign" not in server and "import jwt" not in server and "'/zendesk/jwt'" not in server
    assert "app.register(createFastifyPlugin({\n  guard: requireLogin,\n" in server
