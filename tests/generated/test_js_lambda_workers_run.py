"""An AWS Lambda handler module and a Cloudflare Worker migrated by `migrate generate` and run under
node, each through the same relying party (code + PKCE + nonce, the ID token verified by the served
JWKS) while its Zendesk token route still answers; after --cutover the route is gone.

tests/generated/node/sites/lambda: `export const handler = async (event) => ...` behind an API
authorizer; the provider is a second handler of the module (genesysOidcHandler). lambda_host.mjs
calls the handlers with API Gateway (HTTP API 2.0) events, with a stand-in for the authorizer.

tests/generated/node/sites/workers: `export default { async fetch(request, env, ctx) }` signing
with jose in an `if (url.pathname === '/zendesk/jwt')` branch; the provider answers first in
fetch(). worker_host.mjs hands it node's global Request/Response and its settings through env only
(the key as the GENESYS_OIDC_PRIVATE_KEY secret)."""

from __future__ import annotations

import json

import httpx
import pytest
from js_sites import HERE, migrate, serve, signs_alice_in
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize

LAMBDA_HOST = str(HERE / "node" / "lambda_host.mjs")
WORKER_HOST = str(HERE / "node" / "worker_host.mjs")
SHOWN = ("sub", "name", "email", "email_verified")


def _migrated(tmp_path_factory, name):
    mp = pytest.MonkeyPatch()
    try:
        return migrate(name, tmp_path_factory.mktemp(name), mp)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def lam(tmp_path_factory):
    return _migrated(tmp_path_factory, "lambda")


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    return _migrated(tmp_path_factory, "workers")


def test_lambda_module_gets_a_provider_handler_beside_the_kept_one(lam):
    module = (lam.default / "handler.mjs").read_text()
    assert "import { createLambdaHandler } from './genesys-oidc-provider.cjs';" in module
    assert "export const genesysOidcHandler = createLambdaHandler({\n  claims: async (event) => {\n" \
           "    const customerId = event.requestContext?.authorizer?.lambda?.customerId;\n" \
           "    if (!customerId) return null; // the old route's check: not signed in\n" in module
    note = module.index("// TODO(migrate:ZG220): remove after cut-over: the Zendesk token code below is kept")
    assert module[note:].split("\n", 1)[1].startswith("export const handler = async (event) => {")
    (outcome,) = lam.first.outcomes
    assert outcome.status == "wired" and outcome.route is None and "(lambda_handler)" in outcome.text


def test_lambda_signs_alice_in_beside_the_kept_handler(lam, signing_key):  # noqa: F811
    key, key_file = signing_key
    with serve(lam.default, [LAMBDA_HOST, "handler.mjs"], key_file) as origin, httpx.Client(timeout=10) as http:
        claims, _ = signs_alice_in(http, origin, key)
        assert {k: claims[k] for k in SHOWN} == {k: ALICE[k] for k in SHOWN}
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None).response
        assert nobody.status_code == 302 and "error=login_required" in nobody.headers["location"]
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2


def test_lambda_cutover_removes_the_handler(lam, signing_key):  # noqa: F811
    module = (lam.cut / "handler.mjs").read_text()
    assert "export const handler" not in module and "jsonwebtoken" not in module and "ZG220" not in module
    assert "export const genesysOidcHandler = createLambdaHandler(" in module
    assert "jsonwebtoken" not in json.loads((lam.cut / "package.json").read_text())["dependencies"]
    assert any("names handler.handler, which is gone" in r for r in lam.cutover.changes.summary)
    key, key_file = signing_key
    with serve(lam.cut, [LAMBDA_HOST, "handler.mjs"], key_file) as origin, httpx.Client(timeout=10) as http:
        assert signs_alice_in(http, origin, key)[0]["sub"] == "42"
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404


def test_worker_answers_the_provider_first_in_fetch(worker):
    module = (worker.default / "src/index.js").read_text()
    assert "import { createWorkerHandler } from './genesys-oidc-provider.cjs';" in module
    assert "const genesysOidc = createWorkerHandler({\n  claims: async (request, env, ctx) => {\n" \
           "    const customer = await sessionCustomer(request);\n    if (!customer) return null;" in module
    assert "  async fetch(request, env, ctx) {\n    const oidcAnswer = await genesysOidc(request, env, ctx);\n" \
           "    if (oidcAnswer) return oidcAnswer;\n    const url = new URL(request.url);\n" in module
    assert module.index("TODO(migrate:ZG220)") < module.index("export default {")
    (outcome,) = worker.first.outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt"


def test_worker_signs_alice_in_beside_the_kept_branch(worker, signing_key):  # noqa: F811
    key, key_file = signing_key
    with serve(worker.default, [WORKER_HOST, "src/index.js"], key_file) as origin, httpx.Client(timeout=10) as http:
        claims, _ = signs_alice_in(http, origin, key)
        assert {k: claims[k] for k in SHOWN} == {k: ALICE[k] for k in SHOWN}
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2


def test_worker_cutover_removes_the_branch(worker, signing_key):  # noqa: F811
    module = (worker.cut / "src/index.js").read_text()
    assert "/zendesk/jwt" not in module and "SignJWT" not in module and "ZG220" not in module
    assert "url.pathname === '/health'" in module and "await genesysOidc(request, env, ctx)" in module
    key, key_file = signing_key
    with serve(worker.cut, [WORKER_HOST, "src/index.js"], key_file) as origin, httpx.Client(timeout=10) as http:
        assert signs_alice_in(http, origin, key)[0]["sub"] == "42"
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404
