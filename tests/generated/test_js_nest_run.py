"""A NestJS shop (tests/generated/node/sites/nestjs: a session guard and a custom parameter decorator
on the Zendesk token route's controller method, the controllers listed by AppModule) migrated by
`migrate generate` and run under node (tsx, the site's tsconfig with its decorators): the provider
is GenesysOidcController beside the kept route, listed by AppModule, its /authorize behind the
route's own guard and handed the same @CurrentCustomer() parameter; the relying party signs alice
in through it (code + PKCE + nonce, the ID token verified by the served JWKS) while the Zendesk
route still answers. After --cutover the route's method, jsonwebtoken and its import are gone and
the provider still signs alice in."""

from __future__ import annotations

import json

import httpx
import pytest
from js_sites import TSX, migrated, serve, signs_alice_in
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize

CONTROLLER = "src/zendesk/zendesk.controller.ts"


@pytest.fixture(scope="module")
def nest(tmp_path_factory):
    yield from migrated("nestjs", tmp_path_factory)


def _serve(site, key_file):
    return serve(site, ["--import", TSX, "src/main.ts"], key_file, TSX_TSCONFIG_PATH=str(site / "tsconfig.json"))


def test_nest_gets_a_controller_listed_beside_the_kept_route(nest):
    controller = (nest.default / CONTROLLER).read_text()
    module = (nest.default / "src/app.module.ts").read_text()
    assert "import { createNestHandler } from './genesys-oidc-provider.cjs';" in controller
    assert "@Controller('oidc')\nexport class GenesysOidcController {" in controller
    assert "  @Get('authorize')\n  @UseGuards(SessionGuard)\n  async authorize(@CurrentCustomer() customer: Customer, " \
           "@Req() req: any, @Res() res: any): Promise<void> {\n    return genesysOidc(req, res, { customer });\n" \
           in controller
    assert "  claims: ({ customer }: { customer: Customer }) => ({\n    sub: String(customer.id)," in controller
    note = controller.index("  // TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt")
    assert controller[note:].split("\n", 1)[1].startswith("  @Get('jwt')\n  @UseGuards(SessionGuard)\n  token(")
    assert "controllers: [HealthController, ZendeskController, GenesysOidcController]," in module
    assert "import { ZendeskController, GenesysOidcController } from './zendesk/zendesk.controller';" in module
    (outcome,) = nest.first.outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt"
    assert "provider mounted at src/app.module.ts:6 (nestjs)" in outcome.text
    assert json.loads((nest.default / "package.json").read_text())["dependencies"]["jose"].startswith("^5")


def test_nest_site_signs_alice_in_beside_the_kept_zendesk_route(nest, signing_key):  # noqa: F811
    key, key_file = signing_key
    with _serve(nest.default, key_file) as origin, httpx.Client(timeout=10) as http:
        claims, authorized = signs_alice_in(http, origin, key)
        assert {k: claims[k] for k in ("sub", "name", "email", "email_verified")} == \
            {k: ALICE[k] for k in ("sub", "name", "email", "email_verified")}
        assert "scope" not in claims
        assert authorized.headers["x-guard"] == "ran"  # the route's own guard ran on /authorize
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None)
        assert nobody.response.status_code == 403  # Nest's answer when a guard refuses
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2
        assert http.get(f"{origin}/health").text == "ok"


def test_nest_cutover_removes_the_route_and_the_provider_still_signs_in(nest, signing_key):  # noqa: F811
    controller = (nest.cut / CONTROLLER).read_text()
    assert "/zendesk/jwt" not in controller and "'jwt'" not in controller and "jsonwebtoken" not in controller
    assert "ZG220" not in controller and "@Controller('zendesk')" in controller  # the class stays
    assert "jsonwebtoken" not in json.loads((nest.cut / "package.json").read_text())["dependencies"]
    (outcome,) = nest.cutover.outcomes
    assert outcome.status == "cut"
    key, key_file = signing_key
    with _serve(nest.cut, key_file) as origin, httpx.Client(timeout=10) as http:
        claims, _ = signs_alice_in(http, origin, key)
        assert claims["sub"] == "42"
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404
