"""A Fastify shop in ESM (tests/generated/node/sites/fastify: a session hook, the Zendesk token
route as `fastify.route({...})` with its login check inside the handler) migrated by `migrate
generate` and run under node: the provider is a Fastify plugin under the issuer path beside the
kept route, the handler's login check its guard; the relying party signs alice in through it
(code + PKCE + nonce, the ID token verified by the served JWKS) while the Zendesk route still
answers. After --cutover the route and jsonwebtoken are gone and the provider still signs alice in."""

from __future__ import annotations

import json

import httpx
import pytest
from js_sites import migrated, serve, signs_alice_in
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize


@pytest.fixture(scope="module")
def fastify(tmp_path_factory):
    yield from migrated("fastify", tmp_path_factory)


def test_fastify_gets_a_plugin_beside_the_kept_route(fastify):
    server = (fastify.default / "server.mjs").read_text()
    assert "createOidcProvider" not in server and "express" not in server  # never wired as Express
    assert "import { createFastifyPlugin } from './genesys-oidc-provider.cjs';" in server
    assert "fastify.register(createFastifyPlugin({\n  guard: async (request, reply) => {  // the old route's login " \
           "check\n    if (!request.customer) {\n      return reply.code(401).send({ error: 'sign in first' });\n" in server
    assert '}), { prefix: "/oidc" });' in server
    note = server.index("// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt")
    assert server[note:].split("\n", 1)[1].startswith("fastify.route({\n  method: 'GET',\n  url: '/zendesk/jwt',")
    (outcome,) = fastify.first.outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt" and "(fastify)" in outcome.text


def test_fastify_site_signs_alice_in_beside_the_kept_zendesk_route(fastify, signing_key):  # noqa: F811
    key, key_file = signing_key
    with serve(fastify.default, ["server.mjs"], key_file) as origin, httpx.Client(timeout=10) as http:
        claims, _ = signs_alice_in(http, origin, key)
        assert {k: claims[k] for k in ("sub", "name", "email", "email_verified")} == \
            {k: ALICE[k] for k in ("sub", "name", "email", "email_verified")}
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None).response
        assert nobody.status_code == 401 and nobody.json() == {"error": "sign in first"}  # the handler's check
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2


def test_fastify_cutover_removes_the_route_and_the_provider_still_signs_in(fastify, signing_key):  # noqa: F811
    server = (fastify.cut / "server.mjs").read_text()
    assert "/zendesk/jwt" not in server and "jsonwebtoken" not in server and "ZG220" not in server
    assert "fastify.get('/health'" in server and "customerFromCookie" in server  # nothing else goes
    assert "jsonwebtoken" not in json.loads((fastify.cut / "package.json").read_text())["dependencies"]
    key, key_file = signing_key
    with serve(fastify.cut, ["server.mjs"], key_file) as origin, httpx.Client(timeout=10) as http:
        assert signs_alice_in(http, origin, key)[0]["sub"] == "42"
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404
