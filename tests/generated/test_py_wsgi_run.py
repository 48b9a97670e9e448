"""A plain WSGI shop (tests/generated/python/sites/wsgi: the standard library's server, a session
cookie, the Zendesk token signed by a helper outside any route) migrated by `migrate generate`: no
framework wiring takes the helper, so the standalone provider (genesys_oidc.mount) is written next
to it with `genesys_claims(customer)` and the TODO(migrate:ZG221) saying where to mount it. The test
mounts it by hand the way that note and the module's docstring say, in front of the site's WSGI
application, behind the site's own login check; the site is served by wsgiref on 127.0.0.1 and the
relying party signs alice in through it (code + PKCE + nonce, the ID token verified by the served
JWKS), while the Zendesk route still answers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import jwt
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize

sys.path.insert(0, str(Path(__file__).resolve().parent / "python"))
from py_sites import SITES, ZENDESK, apply, certified_sign_in, free_port, run_generate, serve, signs_in, site_env

PROFILE = ("sub", "name", "email", "email_verified")
# What the site's developer adds to app.py, as the ZG221 note and genesys_oidc's docstring say: the
# provider in front of the application, the claims of the request's signed-in customer or None.
MOUNTING = '''

import genesys_oidc
from tokens import genesys_claims


def _signed_in_claims(environ):
    customer = customer_of(environ)
    return genesys_claims(customer) if customer is not None else None


application = genesys_oidc.mount(application, claims=_signed_in_claims)
'''


@pytest.fixture(scope="module")
def wsgi_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("wsgi")
    site = work / "site"
    shutil.copytree(SITES / "wsgi", site, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["git", "init", "-q"], cwd=site, check=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("MIGRATE_SECRETS_DIR", str(work / "secrets"))
    try:
        result = apply(site, cutover=False)
        with open(site / "app.py", "a", encoding="utf-8") as app:
            app.write(MOUNTING)
        again = run_generate(site)
    finally:
        mp.undo()
    return site, result, again


def test_the_standalone_provider_is_written_beside_the_helper_with_the_mount_note(wsgi_site):
    site, result, again = wsgi_site
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "tokens.py:9: framework not recognised" in outcome.text, outcome.text
    tokens = (site / "tokens.py").read_text().splitlines()
    assert tokens[8].startswith("# TODO(migrate:ZG221): mount the sign-in provider from genesys_oidc.py at /oidc")
    assert tokens[10] == "def zendesk_token(customer):"
    assert "def genesys_claims(customer):" in tokens
    assert (site / "genesys_oidc.py").is_file()
    assert (site / "requirements.txt").read_text() == "PyJWT[crypto]>=2.8\n"
    # mounted by hand, the site is left alone by the next run
    assert again.changes.empty, again.changes.diff()
    assert [o.status for o in again.outcomes] == ["standalone"]


def test_the_mounted_provider_signs_alice_in_and_the_zendesk_route_still_answers(wsgi_site, signing_key):  # noqa: F811
    site, _, _ = wsgi_site
    key, key_file = signing_key
    port = free_port()
    env = site_env(key_file, port, PORT=str(port), **ZENDESK)
    with serve([sys.executable, "serve.py"], site, env, port) as origin, httpx.Client(timeout=10) as http:
        login = httpx.post(f"{origin}/login", data={"username": "alice"}, timeout=10)
        assert login.status_code == 303, login.text
        alice = login.cookies["session"]
        claims, _ = signs_in(http, origin, key, session=alice)
        assert {k: claims[k] for k in PROFILE} == {k: ALICE[k] for k in PROFILE}
        assert "scope" not in claims
        # nobody signed in: the claims function says so, and the provider answers login_required
        nobody = authorize(http, Host(origin, f"{origin}/oidc", key), session=None)
        assert nobody.response.status_code == 302
        assert nobody.location["error"] == ["login_required"] and nobody.location["state"] == [nobody.state]
        assert "code" not in nobody.location
        # the site itself, and the Zendesk token route, answer as before
        assert http.get(f"{origin}/", headers={"Cookie": f"session={alice}"}).text == \
            "<h1>Shop</h1><p>Alice Example</p>"
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": f"session={alice}"})
        assert old.status_code == 200, old.text
        token = jwt.decode(old.json()["token"], ZENDESK["ZENDESK_SECRET"], algorithms=["HS256"])
        assert token["external_id"] == "42" and token["scope"] == "user"


def test_a_certified_relying_party_signs_alice_in_and_renews_her_session(wsgi_site, signing_key):  # noqa: F811
    site, _, _ = wsgi_site
    _, key_file = signing_key
    port = free_port()
    with serve([sys.executable, "serve.py"], site, site_env(key_file, port, PORT=str(port), **ZENDESK), port) as origin:
        login = httpx.post(f"{origin}/login", data={"username": "alice"}, timeout=10)
        seen = certified_sign_in(origin, f"session={login.cookies['session']}")
        assert {k: seen["claims"][k] for k in PROFILE} == {k: ALICE[k] for k in PROFILE}
