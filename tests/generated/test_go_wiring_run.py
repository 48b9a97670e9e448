"""A Go site migrated by `migrate generate`, built with the go command and run for real.

tests/generated/go/sites/nethttp is a small net/http shop whose Zendesk token route sits behind its
login middleware. Generate (default mode) adds the genesysoidc provider beside it; the patched
site is built once and started on 127.0.0.1, and the independent relying party of
relying_party.py signs "alice" in through code + PKCE + nonce and verifies the ID token by the
served JWKS, while the old route still answers. Then `--cutover` removes the route: that build
serves the provider and no Zendesk token any more. Both builds use go.mod and go.sum as generate wrote
them (-mod=readonly: nothing missing, nothing to tidy), and `go vet` of the provider is clean.
Without Go or the module proxy the tests skip.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, Host, authorize, provider_env, redeem, signed_in_code, verify_id_token
from toolchains import BUILD_TIMEOUT, DOWNLOAD_TIMEOUT, go_binary, go_env, running, vet_clean

from migrate.generate import config as cfg
from migrate.generate.run import generate

SITE = Path(__file__).resolve().parent / "go" / "sites" / "nethttp"
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"


def _generate(site: Path, cutover: bool):
    config = cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc")
    result = generate(site, config, cutover=cutover)
    result.changes.apply()
    return result


def _build(site: Path, name: str) -> Path:
    """The migrated site built as generate left it: go.mod and go.sum are not updated by the build
    (-mod=readonly, no `go mod tidy`), and `go vet` of the provider package is clean."""
    go = go_binary()
    if go is None:
        pytest.skip("go is not installed")
    env = {**go_env(), "GOFLAGS": "-mod=readonly -buildvcs=false"}
    fetched = subprocess.run([go, "mod", "download"], cwd=site, env=env, capture_output=True, text=True,
                             timeout=DOWNLOAD_TIMEOUT)
    if fetched.returncode != 0:
        pytest.skip(f"the Go module proxy cannot be reached: {fetched.stderr.strip()[-300:]}")
    binary = site.parent / name
    built = subprocess.run([go, "build", "-o", str(binary), "."], cwd=site, env=env, capture_output=True, text=True,
                           timeout=BUILD_TIMEOUT)
    assert built.returncode == 0, built.stdout + built.stderr
    if (site / "genesysoidc").is_dir():
        vet_clean(go, site, "./genesysoidc")
    return binary


@pytest.fixture(scope="module")
def migrated(tmp_path_factory, signing_key):  # noqa: F811
    """The site after the default generate, built; and after --cutover, built."""
    work = tmp_path_factory.mktemp("go-site")
    site = work / "site"
    shutil.copytree(SITE, site)
    mp = pytest.MonkeyPatch()
    mp.setenv("MIGRATE_SECRETS_DIR", str(work / "secrets"))
    try:
        default = _generate(site, cutover=False)
        before_cut = (site / "main.go").read_text()
        kept = _build(site, "shop-default")
        cut_result = _generate(site, cutover=True)
        cut = _build(site, "shop-cutover")
    finally:
        mp.undo()
    return {"default": default, "cut": cut_result, "kept_main": before_cut, "site": site,
            "bin": {"default": kept, "cut": cut}}


def _serve(migrated, which: str, signing_key):  # noqa: F811
    key, key_file = signing_key
    env = provider_env(key_file, HOST_APP_MAX_SECONDS="60", ZENDESK_SECRET="zendesk-shared-secret",
                       ZENDESK_KEY_ID="app_123")
    log = migrated["site"].parent / f"{which}.log"
    return running([str(migrated["bin"][which])], env, log, 20), key


def test_default_outcome_and_the_kept_route_note(migrated):
    (outcome,) = migrated["default"].outcomes
    assert outcome.status == "wired" and outcome.route == "* /zendesk/jwt"
    assert "TODO(migrate:ZG220)" in migrated["kept_main"] and "func zendeskJWT(" in migrated["kept_main"]
    (cut,) = migrated["cut"].outcomes
    assert cut.status == "cut"


def test_migrated_site_signs_alice_in_and_the_old_route_still_answers(migrated, signing_key):  # noqa: F811
    started, key = _serve(migrated, "default", signing_key)
    with started as port, httpx.Client(timeout=10, follow_redirects=False) as http:
        origin = f"http://127.0.0.1:{port}"
        host = Host(origin=origin, issuer=f"{origin}/oidc", key=key)
        auth = signed_in_code(http, host)
        assert auth.response.headers["x-guard"] == "ran"  # the route's own middleware guards /authorize
        response = redeem(http, host, auth.code, auth.verifier)
        assert response.status_code == 200, response.text
        claims = verify_id_token(http, host, response.json()["id_token"])
        assert claims["nonce"] == auth.nonce
        assert {k: claims[k] for k in ("sub", "name", "email")} == {k: ALICE[k] for k in ("sub", "name", "email")}
        assert "scope" not in claims
        # nobody signed in: the site's middleware refuses before the provider hands out a code
        assert authorize(http, host, session=None).response.status_code == 401
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2


def test_after_cutover_the_provider_serves_and_the_zendesk_route_is_gone(migrated, signing_key):  # noqa: F811
    started, key = _serve(migrated, "cut", signing_key)
    with started as port, httpx.Client(timeout=10, follow_redirects=False) as http:
        origin = f"http://127.0.0.1:{port}"
        host = Host(origin=origin, issuer=f"{origin}/oidc", key=key)
        auth = signed_in_code(http, host)
        response = redeem(http, host, auth.code, auth.verifier)
        assert verify_id_token(http, host, response.json()["id_token"])["sub"] == "42"
        old = http.get(f"{origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 404  # the file server answers: the route is gone
