"""gorilla/mux and echo shops migrated by `migrate generate`, built with the go command and run for real.

tests/generated/go/sites/gorilla keeps its Zendesk token route on a subrouter under /zendesk with
the login middleware (`support.Use(requireLogin)`); tests/generated/go/sites/echo on a group made
with it (`e.Group("/zendesk", requireLogin)`), the handler reading the customer from the
echo.Context and refusing without one. Generate (default mode) mounts the provider on the top
router beside that route (gorilla: a PathPrefix route, so every endpoint under /oidc/ answers),
with the group's middleware on /authorize; each patched site is built once and started on
127.0.0.1, and the relying party of relying_party.py signs "alice" in through code + PKCE + nonce
and verifies the ID token by the served JWKS, while the old route still signs its Zendesk JWT.
After `--cutover` (built once more) the provider serves and the Zendesk route is gone.
Without Go or the module proxy the tests skip.
"""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import httpx
import jwt
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from relying_party import ALICE, authorize, redeem, signed_in_code, verify_id_token
from site_runs import listening, migrated_and_built, signs_in
from toolchains import BUILD_TIMEOUT, DOWNLOAD_TIMEOUT, go_binary, go_env

SITES = Path(__file__).resolve().parent / "go" / "sites"
ZENDESK_SECRET = "zendesk-shared-secret-of-32-bytes+"
# site -> (the route scan and generate read, the line the provider is mounted with)
EXPECTED = {
    "gorilla": ("GET /zendesk/jwt", 'r.PathPrefix("/oidc/").Handler(genesysoidc.Handler('),
    "echo": ("GET /zendesk/jwt", "oidc := genesysoidc.Handler("),
}


def _build(site: Path, name: str) -> Path:
    go = go_binary()
    if go is None:
        pytest.skip("go is not installed")
    env = go_env()
    tidy = subprocess.run([go, "mod", "tidy"], cwd=site, env=env, capture_output=True, text=True,
                          timeout=DOWNLOAD_TIMEOUT)
    if tidy.returncode != 0:
        pytest.skip(f"the Go module proxy cannot be reached: {tidy.stderr.strip()[-300:]}")
    binary = site.parent / name
    built = subprocess.run([go, "build", "-o", str(binary), "."], cwd=site, env=env, capture_output=True, text=True,
                           timeout=BUILD_TIMEOUT)
    assert built.returncode == 0, built.stdout + built.stderr
    return binary


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def migrated(request, tmp_path_factory):
    """One site after the default generate, built; and after --cutover, built."""
    name = request.param
    return {"name": name, **migrated_and_built(SITES / name, tmp_path_factory.mktemp(f"go-{name}"), "go", _build,
                                               ("main.go",))}


def _serve(migrated, which: str, signing_key):  # noqa: F811
    return listening([str(migrated["bin"][which])], signing_key, migrated["site"].parent / f"{which}.log",
                     ZENDESK_SECRET=ZENDESK_SECRET)


def test_default_mounts_beside_the_kept_route_and_a_second_run_changes_nothing(migrated):
    route, mount = EXPECTED[migrated["name"]]
    (outcome,) = migrated["default"].outcomes
    assert (outcome.status, outcome.route) == ("wired", route)
    kept = migrated["kept"]["main.go"]
    line = next(n for n, text in enumerate(kept.split("\n"), 1) if mount in text)
    assert f"provider mounted at main.go:{line} (" in outcome.text
    # the old code, line for line, with the keep note right above the handler
    lines = kept.split("\n")
    note = lines.index(next(x for x in lines if "TODO(migrate:ZG220)" in x))
    assert lines[note + 1].startswith("func zendeskJWT(")
    ops = difflib.SequenceMatcher(None, migrated["original"]["main.go"].split("\n"), lines, autojunk=False).get_opcodes()
    assert {tag for tag, *_ in ops} == {"equal", "insert"}  # nothing of the old code removed or changed
    again = migrated["again"]
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]


def test_the_group_middleware_guards_authorize_on_the_top_router(migrated):
    kept = migrated["kept"]["main.go"]
    if migrated["name"] == "gorilla":
        assert 'support.PathPrefix("/oidc' not in kept and 'r.Handle("/oidc/"' not in kept
        assert "}, requireLogin))\n" in kept  # the subrouter's Use(requireLogin)
    else:
        assert 'e.GET("/oidc/authorize", func(c echo.Context) error {' in kept and "}, requireLogin)\n" in kept
        assert "c, _ := r.Context().Value(genesysoidc.ContextKey{}).(echo.Context)" in kept
        assert "\t\tif !ok {\n\t\t\treturn nil\n\t\t}\n" in kept  # the handler's own login check
        assert 'support.GET("/oidc' not in kept


def test_migrated_site_signs_alice_in_and_the_old_route_still_answers(migrated, signing_key):  # noqa: F811
    with _serve(migrated, "default", signing_key) as host, httpx.Client(timeout=10, follow_redirects=False) as http:
        claims, auth, tokens = signs_in(http, host, discovery=True)
        assert auth.response.headers["x-guard"] == "ran"  # the group's middleware guards /authorize
        assert {k: claims[k] for k in ("sub", "name", "email")} == {k: ALICE[k] for k in ("sub", "name", "email")}
        userinfo = http.get(f"{host.issuer}/userinfo",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert userinfo.status_code == 200 and userinfo.json()["sub"] == "42"
        # nobody signed in: the site's middleware refuses before the provider hands out a code
        refused = authorize(http, host, session=None)
        assert refused.response.status_code == 401 and "location" not in refused.response.headers
        old = http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200
        token = jwt.decode(old.json()["token"], ZENDESK_SECRET, algorithms=["HS256"])
        assert token["external_id"] == "42" and token["scope"] == "user"
        assert http.get(f"{host.origin}/zendesk/jwt").status_code == 401


def test_after_cutover_the_provider_serves_and_the_zendesk_route_is_gone(migrated, signing_key):  # noqa: F811
    (cut,) = migrated["cut"].outcomes
    assert cut.status == "cut"
    main = migrated["cut_files"]["main.go"]
    for gone in ("func zendeskJWT", "TODO(migrate:ZG220)", "golang-jwt", "support.GET(", "HandleFunc(\"/jwt\""):
        assert gone not in main
    if migrated["name"] == "echo":  # the group served only the Zendesk route: a Go variable nothing reads
        assert "support :=" not in main  # would not compile
    with _serve(migrated, "cut", signing_key) as host, httpx.Client(timeout=10, follow_redirects=False) as http:
        auth = signed_in_code(http, host)
        assert auth.response.headers["x-guard"] == "ran"
        response = redeem(http, host, auth.code, auth.verifier)
        assert verify_id_token(http, host, response.json()["id_token"])["sub"] == "42"
        old = http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 404
