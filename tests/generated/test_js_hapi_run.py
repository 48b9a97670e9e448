"""A hapi shop (tests/generated/node/sites/hapi: routes added as an array inside an async init(), a
cookie auth strategy on the Zendesk token route) migrated by `migrate generate` and run under node:
the provider is a hapi plugin registered on the server beside the kept route, /authorize behind
the route's own auth; the relying party signs alice in through it (code + PKCE + nonce, the ID
token verified by the served JWKS) while the Zendesk route still answers. After --cutover the
route's element of the array, its import and jsonwebtoken are gone, and the provider still signs
alice in. A second shop (sites/hapi-checks) builds its server at the top of the file and checks the
login inside the handler: the provider's routes carry that check as /authorize's guard."""

from __future__ import annotations

import json

import httpx
import pytest
from js_sites import migrated, serve, signs_alice_in
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize


@pytest.fixture(scope="module")
def hapi(tmp_path_factory):
    yield from migrated("hapi", tmp_path_factory)


def test_hapi_gets_a_plugin_beside_the_kept_route(hapi):
    server = (hapi.default / "server.js").read_text()
    assert "createOidcProvider" not in server and "express" not in server
    assert "const { createHapiPlugin } = require('./genesys-oidc-provider.cjs');" in server
    assert "  await server.register(createHapiPlugin({\n    auth: 'session',\n    claims: (request) => {\n" in server
    note = server.index("// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt")
    assert server[note:].split("\n", 1)[1].startswith("const init = async () => {")  # the piece holding the route
    assert "      path: '/zendesk/jwt',\n      options: { auth: 'session' },\n" in server  # kept as it was
    (outcome,) = hapi.first.outcomes
    mounted = server.split("\n").index("  await server.register(createHapiPlugin({") + 1
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt"
    assert f"provider mounted at server.js:{mounted} (hapi)" in outcome.text
    assert json.loads((hapi.default / "package.json").read_text())["dependencies"]["jose"].startswith("^5")


def test_hapi_site_signs_alice_in_beside_the_kept_zendesk_route(hapi, signing_key):  # noqa: F811
    key, key_file = signing_key
    with serve(hapi.default, ["server.js"], key_file) as origin, httpx.Client(timeout=10) as http:
        claims, authorized = signs_alice_in(http, origin, key)
        assert {k: claims[k] for k in ("sub", "name", "email", "email_verified")} == \
            {k: ALICE[k] for k in ("sub", "name", "email", "email_verified")}
        assert "scope" not in claims
        assert authorized.headers["x-guard"] == "ran"  # the route's auth strategy authenticated /authorize
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None)
        assert nobody.response.status_code == 401
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2
        assert http.get(f"{origin}/health").text == "ok"


def test_hapi_cutover_removes_the_route_and_the_provider_still_signs_in(hapi, signing_key):  # noqa: F811
    server = (hapi.cut / "server.js").read_text()
    assert "/zendesk/jwt" not in server and "jsonwebtoken" not in server and "ZG220" not in server
    assert "path: '/health'" in server and "server.auth.strategy('session'" in server  # nothing else goes
    assert "jsonwebtoken" not in json.loads((hapi.cut / "package.json").read_text())["dependencies"]
    assert [o.status for o in hapi.cutover.outcomes] == ["cut"]
    key, key_file = signing_key
    with serve(hapi.cut, ["server.js"], key_file) as origin, httpx.Client(timeout=10) as http:
        claims, _ = signs_alice_in(http, origin, key)
        assert claims["sub"] == "42"
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404


# --- a server built at the top of the file, its login check inside the handler ----------------------

@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    yield from migrated("hapi-checks", tmp_path_factory)


def test_the_handlers_login_check_guards_authorize(checks, signing_key):  # noqa: F811
    server = (checks.default / "server.js").read_text()
    assert "server.route(createHapiRoutes({\n  auth: { mode: 'try', strategy: 'session' },\n" \
           "  guard: async (request, h) => {  // the old route's login check\n" \
           "    const { customer } = request.auth.credentials;\n    if (!customer) {\n" in server
    key, key_file = signing_key
    with serve(checks.default, ["server.js"], key_file) as origin, httpx.Client(timeout=10) as http:
        claims, _ = signs_alice_in(http, origin, key)
        assert claims["sub"] == "42" and claims["email"] == ALICE["email"]
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None)
        assert nobody.response.status_code == 401 and nobody.response.headers["x-guard"] == "refused"
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 200
    assert "/zendesk/jwt" not in (checks.cut / "server.js").read_text()
