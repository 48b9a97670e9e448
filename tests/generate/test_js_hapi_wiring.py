"""hapi is recognised as itself: the provider's routes go on the server beside the Zendesk token
route (a plugin where the block can await, routes where it cannot), /authorize behind the route's
own auth and pre-handlers, or its handler's login checks, or a guard that refuses; the claims read
hapi's request; a route of an array is cut out of it alone; a route a plugin adds gets the
standalone provider; scan and generate read the same route."""

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
    (root / "package.json").write_text('{"name": "shop", "dependencies": {"@hapi/hapi": "^21.4.0", '
                                       '"jsonwebtoken": "^9.0.3"}}\n')
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def _scanned_route(root: Path) -> str | None:
    (signer,) = [s for s in scan(str(root), jobs=1).inventory.signers if s.purpose == "zendesk"]
    return signer.signer.route


def _cutover(root: Path):
    return generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER), cutover=True)


# A server built at the top of a CommonJS file: nothing there can await.
TOP = """
const Hapi = require('@hapi/hapi');
const jwt = require('jsonwebtoken');

const server = Hapi.server({ port: 3000 });
{setup}
{route}
server.start();
"""


def _top(tmp_path, route: str, setup: str = "") -> Path:
    text = TOP.replace("{setup}", textwrap.dedent(setup)).replace("{route}", textwrap.dedent(route))
    return _site(tmp_path, {"server.js": text})


def test_route_with_an_auth_strategy_gets_the_provider_routes_behind_it(tmp_path):
    root = _top(tmp_path, """
        server.route({
          method: 'GET',
          path: '/zendesk/jwt',
          options: { auth: 'session' },
          handler: (request) => ({ token: jwt.sign({ external_id: request.auth.credentials.id }, process.env.ZD_SECRET) }),
        });
        """)
    result = generate_site(root)
    server = after(result)["server.js"]
    assert_parses("javascript", server)
    assert "const { createHapiRoutes } = require('./genesys-oidc-provider.cjs');" in server
    assert "server.route(createHapiRoutes({\n  auth: 'session',\n  claims: (request) => ({\n" \
           "    sub: String(request.auth.credentials.id)," in server
    assert "guard:" not in server  # the strategy is the guard
    assert "TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt" in server
    assert server.index("server.route(createHapiRoutes(") < server.index("server.start();")
    (outcome,) = result.outcomes
    assert outcome.status == "wired"
    assert outcome.route == "GET /zendesk/jwt" == _scanned_route(root)
    provider = after(result)["genesys-oidc-provider.cjs"]
    assert "function createHapiRoutes(" in provider and "createHapiPlugin," in provider


def test_login_check_in_the_handler_becomes_the_guard(tmp_path):
    root = _top(tmp_path, """
        server.route({
          method: 'POST',
          path: '/api/zendesk/token',
          options: { auth: { mode: 'try', strategy: 'session' } },
          handler: async (request, h) => {
            if (!request.auth.isAuthenticated) {
              return h.response({ error: 'sign in first' }).code(401);
            }
            const { credentials: user } = request.auth;
            return { token: jwt.sign({ external_id: String(user.id), email: user.email }, process.env.ZD_SECRET) };
          },
        });
        """)
    result = generate_site(root)
    server = after(result)["server.js"]
    assert_parses("javascript", server)
    assert "  auth: { mode: 'try', strategy: 'session' },\n" in server
    assert "  guard: async (request, h) => {  // the old route's login check\n" \
           "    if (!request.auth.isAuthenticated) {\n" \
           "      return h.response({ error: 'sign in first' }).code(401);\n    }\n" \
           "    return h.continue;\n  },\n" in server
    assert "    const { credentials: user } = request.auth;\n" in server
    (outcome,) = result.outcomes
    assert outcome.route == "POST /api/zendesk/token" == _scanned_route(root)


def test_route_without_auth_gets_a_guard_that_refuses_and_parses(tmp_path):
    root = _top(tmp_path, """
        server.route({ method: 'GET', path: '/zendesk/jwt', handler: (request) => jwt.sign({ external_id: request.query.id }, process.env.ZD_SECRET) });
        """)
    server = after(generate_site(root))["server.js"]
    assert_parses("javascript", server)
    assert "  // TODO(migrate:ZG223): the old route had no login check: this guard refuses everyone" in server
    assert "  guard: (_request, h) => h.response({ error: 'login_required' }).code(401),\n" in server
    assert "auth:" not in server.split("createHapiRoutes({", 1)[1]


def test_server_default_strategy_guards_the_route_and_authorize(tmp_path):
    root = _top(tmp_path, setup="""
        server.auth.strategy('session', 'cookie', { cookie: { name: 'sid', password: process.env.COOKIE_PASSWORD } });
        server.auth.default('session');
        """, route="""
        server.route({
          method: 'GET',
          path: '/zendesk/jwt',
          options: { pre: [{ method: loadCustomer, assign: 'customer' }] },
          handler: (request) => ({ token: jwt.sign({ external_id: request.pre.customer.id }, process.env.ZD_SECRET) }),
        });
        """)
    server = after(generate_site(root))["server.js"]
    assert_parses("javascript", server)
    mount = server.split("server.route(createHapiRoutes({", 1)[1]
    assert mount.startswith("\n  pre: [{ method: loadCustomer, assign: 'customer' }],\n  claims: (request) => ({\n"
                            "    sub: String(request.pre.customer.id),")
    assert "ZG223" not in server and "guard:" not in mount


def test_named_handler_route_cut_over_in_one_step(tmp_path):
    root = _top(tmp_path, """
        // Zendesk widget token.
        async function zendeskToken(request, h) {
          const customer = request.auth.credentials;
          return h.response({ token: jwt.sign({ external_id: customer.id }, process.env.ZD_SECRET) });
        }

        server.route({ method: 'GET', path: '/zendesk/jwt', options: { auth: 'session' }, handler: zendeskToken });
        """)
    result = _cutover(root)
    server = after(result)["server.js"]
    assert_parses("javascript", server)
    assert "zendeskToken" not in server and "jsonwebtoken" not in server and "'/zendesk/jwt'" not in server
    assert "Zendesk widget token" not in server and "ZG220" not in server
    assert "server.route(createHapiRoutes({\n  auth: 'session',\n  claims: (request) => {\n" \
           "    const customer = request.auth.credentials;\n" in server
    assert "(it replaces the Zendesk token route GET /zendesk/jwt)" in server
    assert [o.status for o in result.outcomes] == ["cut"]
    assert "jsonwebtoken" not in after(result)["package.json"]


INIT = """
import Hapi from '@hapi/hapi';
import jwt from 'jsonwebtoken';

export async function init() {
  const server = Hapi.server({ port: 3000 });
  server.route([
    { method: 'GET', path: '/health', handler: () => 'ok' },
    {
      method: 'GET',
      path: '/zendesk/jwt',
      options: { auth: 'session' },
      handler: (request) => ({ token: jwt.sign({ external_id: request.auth.credentials.id }, process.env.ZD_SECRET) }),
    },
    { method: 'GET', path: '/about', handler: () => 'about' },
  ]);
  await server.start();
  return server;
}
"""


def test_route_of_an_array_in_an_async_init_is_kept_then_cut_out_alone(tmp_path):
    root = _site(tmp_path, {"src/server.mjs": INIT})
    result = generate_site(root)
    server = after(result)["src/server.mjs"]
    assert_parses("javascript", server)
    assert "import { createHapiPlugin } from './genesys-oidc-provider.cjs';" in server
    assert "  ]);\n\n  // Genesys Cloud Messenger signs visitors in" in server
    assert "  await server.register(createHapiPlugin({\n    auth: 'session',\n" in server
    note = server.index("// TODO(migrate:ZG220)")
    assert server[note:].split("\n", 1)[1].startswith("export async function init() {")
    (outcome,) = result.outcomes
    assert outcome.route == "GET /zendesk/jwt" == _scanned_route(root)

    result.changes.apply()
    assert generate_site(root).changes.diff() == ""  # kept: a second run leaves it alone
    cut = after(_cutover(root))["src/server.mjs"]
    assert_parses("javascript", cut)
    assert "'/zendesk/jwt'" not in cut and "import jwt" not in cut and "ZG220" not in cut
    assert "    { method: 'GET', path: '/health', handler: () => 'ok' },\n" \
           "    { method: 'GET', path: '/about', handler: () => 'about' },\n  ]);" in cut
    assert "await server.register(createHapiPlugin({" in cut


def test_route_added_by_a_plugin_gets_the_standalone_provider(tmp_path):
    root = _site(tmp_path, {"plugins/zendesk.js": """
        const jwt = require('jsonwebtoken');

        exports.plugin = {
          name: 'zendesk',
          register: async (server) => {
            server.route({
              method: 'GET',
              path: '/zendesk/jwt',
              options: { auth: 'session' },
              handler: (request, h) => h.response({ token: jwt.sign({ external_id: request.auth.credentials.id }, process.env.ZD_SECRET) }),
            });
          },
        };
        """})
    result = generate_site(root)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "added by a plugin's register()" in outcome.text
    files = after(result)
    assert_parses("javascript", files["plugins/zendesk.js"])
    assert "// TODO(migrate:ZG221): mount the sign-in provider from ./genesys-oidc-provider.cjs" in \
        files["plugins/zendesk.js"]
    assert "createHapiPlugin" in files["plugins/genesys-oidc-provider.cjs"]


def test_hapi_in_typescript_gets_the_provider_types(tmp_path):
    root = _site(tmp_path, {"src/server.ts": """
        import Hapi, { Request, ResponseToolkit } from '@hapi/hapi';
        import jwt from 'jsonwebtoken';

        const start = async () => {
          const server = Hapi.server({ port: 3000 });
          server.route({
            method: 'GET',
            path: '/zendesk/jwt',
            options: { auth: 'session' },
            handler: (request: Request, h: ResponseToolkit) =>
              h.response({ token: jwt.sign({ external_id: String(request.auth.credentials.id) }, process.env.ZD_SECRET!) }),
          });
          await server.start();
        };
        start();
        """})
    files = after(generate_site(root))
    assert_parses("typescript", files["src/server.ts"])
    assert "import { createHapiPlugin } from './genesys-oidc-provider.cjs';" in files["src/server.ts"]
    assert "    claims: (request: Request) => ({\n" in files["src/server.ts"]
    assert_parses("typescript", files["src/genesys-oidc-provider.d.cts"])
    assert "export function createHapiPlugin(" in files["src/genesys-oidc-provider.d.cts"]
