"""A Flask shop (tests/generated/python/sites/flask: Flask's signed session cookie, a login_required
decorator on the Zendesk token route) migrated by `migrate generate` and served by werkzeug's
server (`flask run`) on 127.0.0.1: the provider's blueprint is registered beside the kept route,
behind the same decorator; the relying party signs alice in through it (code + PKCE + nonce, the ID
token verified by the served JWKS) while the Zendesk route still answers. After --cutover the
route and the settings only it read are gone, and the provider still signs alice in."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize

sys.path.insert(0, str(Path(__file__).resolve().parent / "python"))
from py_sites import ZENDESK, certified_sign_in, free_port, migrate, serve, signs_in, site_env

PROFILE = ("sub", "name", "email", "email_verified")


@pytest.fixture(scope="module")
def flask_site(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    try:
        yield migrate("flask", tmp_path_factory.mktemp("flask"), mp)
    finally:
        mp.undo()


def _serve(site: Path, key_file: Path, **extra: str | None):
    port = free_port()
    env = site_env(key_file, port, SHOP_SESSION_SECRET="shop-session-secret", **extra)
    command = [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port),
               "--no-reload", "--no-debugger"]
    return serve(command, site, env, port)


def code_of(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _session(origin: str, username: str) -> str:
    """Signs in on the site's own form, as a browser; returns Flask's session cookie."""
    response = httpx.post(f"{origin}/login", data={"username": username}, timeout=10)
    assert response.status_code == 302, response.text
    return response.cookies["session"]


def test_the_blueprint_is_registered_beside_the_kept_route(flask_site):
    app = (flask_site.default / "app.py").read_text()
    (outcome,) = flask_site.first.outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt", outcome.text
    mounted = app.splitlines().index("app.register_blueprint(") + 1
    assert f"provider mounted at app.py:{mounted} (flask)" in outcome.text
    note = app.index("# TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt")
    assert app[note:].split("\n", 1)[1].startswith('@app.route("/zendesk/jwt")\n@login_required\ndef zendesk_jwt():')
    assert "genesys_oidc.create_blueprint(claims=genesys_claims, guard=login_required)" in app
    assert (flask_site.default / "genesys_oidc.py").is_file()
    assert (flask_site.default / "requirements.txt").read_text() == "Flask>=3.0\nPyJWT[crypto]>=2.8\n"


def test_flask_site_signs_alice_in_beside_the_kept_zendesk_route(flask_site, signing_key):  # noqa: F811
    key, key_file = signing_key
    with _serve(flask_site.default, key_file, **ZENDESK) as origin, httpx.Client(timeout=10) as http:
        alice = _session(origin, "alice")
        claims, _ = signs_in(http, origin, key, session=alice)
        assert {k: claims[k] for k in PROFILE} == {k: ALICE[k] for k in PROFILE}
        assert "scope" not in claims
        # nobody signed in: the route's own login_required sends the visitor to sign in, no code
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None)
        assert nobody.response.status_code == 302
        assert urlsplit(nobody.response.headers["location"]).path == "/login"
        # until the cut-over the Zendesk widget still gets its token from the old route
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": f"session={alice}"})
        assert old.status_code == 200, old.text
        token = jwt.decode(old.json()["token"], ZENDESK["ZENDESK_SECRET"], algorithms=["HS256"])
        assert token["external_id"] == 42 and token["scope"] == "user"


def test_flask_cutover_removes_the_route_and_the_provider_still_signs_in(flask_site, signing_key):  # noqa: F811
    app = (flask_site.cut / "app.py").read_text()
    code = code_of(app)
    assert "/zendesk/jwt" not in code and "import jwt" not in code and "ZG220" not in app
    assert "def login():" in app and "def genesys_claims():" in app  # nothing else goes
    # the settings only the route read go with it: the site starts without them
    assert "ZENDESK_SECRET" not in app and "ZENDESK_KEY_ID" not in app and "import os" in app
    assert [o.status for o in flask_site.cutover.outcomes] == ["cut"]
    key, key_file = signing_key
    with _serve(flask_site.cut, key_file) as origin, httpx.Client(timeout=10) as http:
        alice = _session(origin, "alice")
        claims, _ = signs_in(http, origin, key, session=alice)
        assert claims["sub"] == ALICE["sub"]
        assert http.get(f"{origin}/zendesk/jwt", headers={"Cookie": f"session={alice}"}).status_code == 404


def test_a_certified_relying_party_signs_alice_in_and_renews_her_session(flask_site, signing_key):  # noqa: F811
    _, key_file = signing_key
    with _serve(flask_site.default, key_file, **ZENDESK) as origin:
        seen = certified_sign_in(origin, f"session={_session(origin, 'alice')}")
        assert {k: seen["claims"][k] for k in PROFILE} == {k: ALICE[k] for k in PROFILE}
