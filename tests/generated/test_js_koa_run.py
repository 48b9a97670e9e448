"""A Koa shop (tests/generated/node/sites/koa: @koa/router, a session cookie, a login middleware in
front of the Zendesk token route) migrated by `migrate generate` and run under node: the provider
is Koa middleware on the app, beside the kept route; the relying party signs alice in through it
(code + PKCE + nonce, the ID token verified by the served JWKS) while the Zendesk route still
answers. After --cutover the route, its import and jsonwebtoken are gone and the provider still
signs alice in."""

from __future__ import annotations

import json

import httpx
import pytest
from certified_rp import drive
from js_sites import migrated, serve, signs_alice_in
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, Host, authorize


@pytest.fixture(scope="module")
def koa(tmp_path_factory):
    yield from migrated("koa", tmp_path_factory)


def test_koa_gets_koa_middleware_beside_the_kept_route(koa):
    server = (koa.default / "server.js").read_text()
    assert "createOidcProvider" not in server and "express" not in server  # never wired as Express
    assert "const { createKoaMiddleware } = require('./genesys-oidc-provider.cjs');" in server
    assert "app.use(createKoaMiddleware({\n  guard: requireCustomer,\n  claims: (ctx) => {\n" in server
    note = server.index("// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt")
    assert server[note:].split("\n", 1)[1].startswith("router.get('/zendesk/jwt', requireCustomer, async (ctx) => {")
    (outcome,) = koa.first.outcomes
    mounted = server.split("\n").index("app.use(createKoaMiddleware({") + 1
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt"
    assert f"provider mounted at server.js:{mounted} (koa)" in outcome.text
    assert json.loads((koa.default / "package.json").read_text())["dependencies"]["jose"].startswith("^5")


def test_koa_site_signs_alice_in_beside_the_kept_zendesk_route(koa, signing_key):  # noqa: F811
    key, key_file = signing_key
    with serve(koa.default, ["server.js"], key_file) as origin, httpx.Client(timeout=10) as http:
        claims, authorized = signs_alice_in(http, origin, key)
        assert {k: claims[k] for k in ("sub", "name", "email", "email_verified")} == \
            {k: ALICE[k] for k in ("sub", "name", "email", "email_verified")}
        assert "scope" not in claims
        assert authorized.headers["x-guard"] == "ran"  # the route's own middleware guards /authorize
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None)
        assert nobody.response.status_code == 401
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2


def test_koa_cutover_removes_the_route_and_the_provider_still_signs_in(koa, signing_key):  # noqa: F811
    server = (koa.cut / "server.js").read_text()
    assert "/zendesk/jwt" not in server and "jsonwebtoken" not in server and "ZG220" not in server
    assert "requireCustomer" in server and "router.get('/health'" in server  # nothing else goes
    assert "jsonwebtoken" not in json.loads((koa.cut / "package.json").read_text())["dependencies"]
    assert [o.status for o in koa.cutover.outcomes] == ["cut"]
    key, key_file = signing_key
    with serve(koa.cut, ["server.js"], key_file) as origin, httpx.Client(timeout=10) as http:
        claims, _ = signs_alice_in(http, origin, key)
        assert claims["sub"] == "42"
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404


def test_a_certified_relying_party_signs_in_and_refreshes_through_the_koa_site(koa, signing_key):  # noqa: F811
    """panva's openid-client through the Koa middleware: discovery, code + PKCE + nonce, the ID token
    validated by the library, userinfo, refresh with rotation and reuse refused, the refusals."""
    _key, key_file = signing_key
    with serve(koa.default, ["server.js"], key_file) as origin:
        seen = drive(f"{origin}/oidc", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI,
                     headers={"Cookie": "session=alice"}, scope="openid profile email offline_access", refresh=True)
    assert seen["claims"]["sub"] == ALICE["sub"] and seen["userinfo"]["sub"] == ALICE["sub"]
    assert seen["expires_in"] == 900
    assert seen["refreshed"] == {"sub": ALICE["sub"], "rotated": True} and seen["refresh_reused"] == "invalid_grant"
    assert seen["rotated_after_reuse"] == "invalid_grant" and seen["access_after_code_reuse"] is not None
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] is not None
