"""A Next.js Pages Router shop (tests/generated/node/sites/nextjs-pages: the Zendesk token API route
pages/api/zendesk/jwt.js with its session lookup and login check) migrated by `migrate generate`:
the provider is the catch-all API route pages/api/oidc/[...oidc].js beside the kept route, and
next.config.js rewrites /oidc/* to it. Next itself is not installed for the tests: the site runs
under node with tests/generated/node/next_pages_host.mjs, which serves pages/api the way `next
start` does (rewrites, catch-all parameters, body parsing unless turned off, res.status/json). The
relying party signs alice in (code + PKCE + nonce, the ID token verified by the served JWKS) while
the Zendesk route still answers; after --cutover the route's file is deleted."""

from __future__ import annotations

import json

import httpx
import pytest
from js_sites import HERE, TSX, migrated, serve, signs_alice_in
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize

HOST = str(HERE / "node" / "next_pages_host.mjs")
ROUTE = "pages/api/oidc/[...oidc].js"


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    yield from migrated("nextjs-pages", tmp_path_factory)


def test_the_provider_is_a_catch_all_api_route_beside_the_kept_route(pages):
    route = (pages.default / ROUTE).read_text()
    assert "export const config = { api: { bodyParser: false } };" in route
    assert "import { getCustomer } from '../../../lib/session';" in route  # moved with the claims
    assert "import { createNextApiHandler } from '../../../lib/genesys-oidc-provider.cjs';" in route
    assert "  guard: async (req, res, next) => {  // the old route's login check\n" \
           "    const customer = await getCustomer(req);\n    if (!customer) {\n" in route
    assert "  claims: async (req) => {\n    const customer = await getCustomer(req);\n    return {\n" in route
    old = (pages.default / "pages/api/zendesk/jwt.js").read_text()
    assert "// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route * /api/zendesk/jwt is kept" \
           "" in old and "jwt.sign(" in old
    config = (pages.default / "next.config.js").read_text()
    assert 'return [{ source: "/oidc/:path*", destination: "/api/oidc/:path*" }];' in config
    assert "reactStrictMode: true," in config
    (outcome,) = pages.first.outcomes
    assert outcome.status == "wired" and outcome.route == "* /api/zendesk/jwt"
    assert f"provider mounted at {ROUTE}:" in outcome.text


def test_pages_site_signs_alice_in_beside_the_kept_zendesk_route(pages, signing_key):  # noqa: F811
    key, key_file = signing_key
    with serve(pages.default, ["--import", TSX, HOST, str(pages.default)], key_file) as origin, \
            httpx.Client(timeout=10) as http:
        claims, _ = signs_alice_in(http, origin, key)
        assert {k: claims[k] for k in ("sub", "name", "email", "email_verified")} == \
            {k: ALICE[k] for k in ("sub", "name", "email", "email_verified")}
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None).response
        assert nobody.status_code == 401 and nobody.json() == {"error": "sign in first"}  # the handler's check
        old = http.get(f"{origin}/api/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2


def test_pages_cutover_deletes_the_route_file_and_the_provider_still_signs_in(pages, signing_key):  # noqa: F811
    assert not (pages.cut / "pages/api/zendesk/jwt.js").exists()
    assert (pages.cut / "pages/api/health.js").exists() and (pages.cut / "lib/session.js").exists()
    assert "jsonwebtoken" not in json.loads((pages.cut / "package.json").read_text())["dependencies"]
    (outcome,) = pages.cutover.outcomes
    assert outcome.status == "cut"
    key, key_file = signing_key
    with serve(pages.cut, ["--import", TSX, HOST, str(pages.cut)], key_file) as origin, \
            httpx.Client(timeout=10) as http:
        assert signs_alice_in(http, origin, key)[0]["sub"] == "42"
        assert http.get(f"{origin}/api/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404
