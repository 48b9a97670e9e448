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

import subprocess
from pathlib import Path

import httpx
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, authorize, redeem, signed_in_code, verify_id_token
from site_runs import listening, migrated_and_built, signs_in
from toolchains import BUILD_TIMEOUT, DOWNLOAD_TIMEOUT, go_binary, go_env, vet_clean

SITE = Path(__file__).resolve().parent / "go" / "sites" / "nethttp"


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
def migrated(tmp_path_factory):
    """The site after the default generate, built; and after --cutover, built."""
    return migrated_and_built(SITE, tmp_path_factory.mktemp("go-site"), "go", _build, ("main.go",))


def _serve(migrated, which: str, signing_key):  # noqa: F811
    return listening([str(migrated["bin"][which])], signing_key, migrated["site"].parent / f"{which}.log")


def test_default_outcome_and_the_kept_route_note(migrated):
    (outcome,) = migrated["default"].outcomes
    assert outcome.status == "wired" and outcome.route == "* /zendesk/jwt"
    kept = migrated["kept"]["main.go"]
    assert "TODO(migrate:ZG220)" in kept and "func zendeskJWT(" in kept
    (cut,) = migrated["cut"].outcomes
    assert cut.status == "cut"


def test_migrated_site_signs_alice_in_and_the_old_route_still_answers(migrated, signing_key):  # noqa: F811
    with _serve(migrated, "default", signing_key) as host, httpx.Client(timeout=10, follow_redirects=False) as http:
        claims, auth, _ = signs_in(http, host)
        assert auth.response.headers["x-guard"] == "ran"  # the route's own middleware guards /authorize
        assert {k: claims[k] for k in ("sub", "name", "email")} == {k: ALICE[k] for k in ("sub", "name", "email")}
        assert "scope" not in claims
        # nobody signed in: the site's middleware refuses before the provider hands out a code
        assert authorize(http, host, session=None).response.status_code == 401
        old = http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["token"].count(".") == 2


def test_after_cutover_the_provider_serves_and_the_zendesk_route_is_gone(migrated, signing_key):  # noqa: F811
    with _serve(migrated, "cut", signing_key) as host, httpx.Client(timeout=10, follow_redirects=False) as http:
        auth = signed_in_code(http, host)
        response = redeem(http, host, auth.code, auth.verifier)
        assert verify_id_token(http, host, response.json()["id_token"])["sub"] == "42"
        old = http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 404  # the file server answers: the route is gone
