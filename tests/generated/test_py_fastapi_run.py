"""A FastAPI storefront (tests/generated/python/sites/fastapi: an opaque session id in a cookie, the
Zendesk token route behind `Depends(current_user)`) migrated by `migrate generate` and served by
uvicorn on 127.0.0.1: the provider's router is included beside the kept route, with the route's
dependency as its guard and what it returns handed to the claims function; the relying party signs
alice in through it (code + PKCE + nonce, the ID token verified by the served JWKS) while the
Zendesk route still answers. After --cutover the route is gone and the provider still signs alice
in."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import jwt
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize

sys.path.insert(0, str(Path(__file__).resolve().parent / "python"))
from py_sites import ZENDESK, certified_sign_in, free_port, migrate, serve, signs_in, site_env

pytest.importorskip("uvicorn", reason="uvicorn (the test extra) serves the FastAPI site")

PROFILE = ("sub", "name", "email", "email_verified")


@pytest.fixture(scope="module")
def fastapi_site(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    try:
        yield migrate("fastapi", tmp_path_factory.mktemp("fastapi"), mp)
    finally:
        mp.undo()


def _serve(site: Path, key_file: Path, **extra: str | None):
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "storefront.main:app", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log"]
    return serve(command, site, site_env(key_file, port, **extra), port)


def _session(origin: str, username: str) -> str:
    response = httpx.post(f"{origin}/login", json={"username": username}, timeout=10)
    assert response.json() == {"signed_in": True}
    return response.cookies["session"]


def code_of(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_the_router_is_included_beside_the_kept_route(fastapi_site):
    main = (fastapi_site.default / "storefront" / "main.py").read_text()
    (outcome,) = fastapi_site.first.outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt", outcome.text
    mounted = main.splitlines().index("app.include_router(") + 1
    assert f"provider mounted at storefront/main.py:{mounted} (fastapi)" in outcome.text
    note = main.index("# TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt")
    assert main[note:].split("\n", 1)[1].startswith(
        '@app.get("/zendesk/jwt")\nasync def zendesk_jwt(user: User = Depends(current_user)) -> dict:')
    assert "from . import genesys_oidc" in main and "def genesys_claims(user):" in main
    assert "genesys_oidc.create_router(claims=genesys_claims, guard=current_user)" in main
    assert '"PyJWT[crypto]>=2.8",  # Zendesk Messaging tokens' in (fastapi_site.default / "pyproject.toml").read_text()


def test_fastapi_site_signs_alice_in_beside_the_kept_zendesk_route(fastapi_site, signing_key):  # noqa: F811
    key, key_file = signing_key
    with _serve(fastapi_site.default, key_file, **ZENDESK) as origin, httpx.Client(timeout=10) as http:
        alice = _session(origin, "alice")
        claims, _ = signs_in(http, origin, key, session=alice)
        assert {k: claims[k] for k in PROFILE} == {k: ALICE[k] for k in PROFILE}
        assert "scope" not in claims
        # nobody signed in: the route's dependency refuses before a code is handed out
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None)
        assert nobody.response.status_code == 401 and "location" not in nobody.response.headers
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": f"session={alice}"})
        assert old.status_code == 200, old.text
        token = jwt.decode(old.json()["jwt"], ZENDESK["ZENDESK_SECRET"], algorithms=["HS256"])
        assert token["external_id"] == 42 and token["name"] == "Alice Example"


def test_fastapi_cutover_removes_the_route_and_the_provider_still_signs_in(fastapi_site, signing_key):  # noqa: F811
    main = (fastapi_site.cut / "storefront" / "main.py").read_text()
    assert "zendesk_jwt" not in code_of(main) and "import jwt" not in main and "ZG220" not in main
    assert "def orders(user: User = Depends(current_user))" in main and "def genesys_claims(user):" in main
    assert [o.status for o in fastapi_site.cutover.outcomes] == ["cut"]
    key, key_file = signing_key
    # the Zendesk settings are gone from the environment: nothing reads them any more
    with _serve(fastapi_site.cut, key_file) as origin, httpx.Client(timeout=10) as http:
        alice = _session(origin, "alice")
        claims, _ = signs_in(http, origin, key, session=alice)
        assert claims["sub"] == ALICE["sub"]
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": f"session={alice}"}).status_code == 404


def test_a_certified_relying_party_signs_alice_in_and_renews_her_session(fastapi_site, signing_key):  # noqa: F811
    _, key_file = signing_key
    with _serve(fastapi_site.default, key_file, **ZENDESK) as origin:
        seen = certified_sign_in(origin, f"session={_session(origin, 'alice')}")
        assert {k: seen["claims"][k] for k in PROFILE} == {k: ALICE[k] for k in PROFILE}
