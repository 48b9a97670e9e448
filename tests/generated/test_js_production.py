"""The JavaScript and TypeScript providers in production: one core (templates/node/_oidc-core.j2)
behind the Express router (JS), the framework-neutral module (its web-Request methods) and the
Next.js App Router module (TypeScript, under tsx), each run under node by host_app.js.

- Shared state: two node processes of the same provider share a real Redis
  (GENESYS_OIDC_STORE_URL): a code authorized on one is redeemed on the other, once, and a replay
  is refused on either; a refresh token rotates across them and its reuse revokes the sign-in
  everywhere. Without the setting, start-up says the store is in-process.
- Sessions that last: offline_access gives a refresh token, rotated on use; a reused refresh
  token or code revokes what its sign-in issued; access tokens last 15 minutes;
  GENESYS_OIDC_REFRESH_TTL bounds the sign-in.
- The review's findings: JSON (never an HTML stack trace) for a body in another charset or
  compressed, a body over 16 KiB refused before client authentication and without reading it all,
  no secret or code in the /token URL, Sec-Fetch-Site cross-site/same-site refused in redirect
  mode, prompt=login and max_age, the next key in the JWKS, http redirect URIs only on loopback,
  a bounded code store that evicts the oldest code and not everyone's.
- The certified relying party (openid-client) through discovery, code + PKCE + nonce, refresh
  with rotation, userinfo and the refusals.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gzip
import json
import select
import socket
import subprocess
import time
from pathlib import Path

import httpx
import jwt
import pytest
from certified_rp import drive
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import (
    ALICE,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    Host,
    authorize,
    basic_auth,
    redeem,
    rfc7638_thumbprint,
    rsa_pem,
    verify_id_token,
)
from site_runs import http  # noqa: F401 (fixture used by name)
from test_node_provider import NODE, NODE_MODULES, failed_start, provider_env

from migrate.generate.render import render

HARNESS = Path(__file__).resolve().parent / "node"
START_TIMEOUT = 20  # seconds: tsx compiles the TypeScript module first
OFFLINE = "openid profile email offline_access"

PROVIDERS = {  # kind -> (template, file name under the rendered directory)
    "express": ("node/oidc-provider.js.j2", "genesys-oidc-provider.js"),
    "web": ("node/oidc-provider-web.cjs.j2", "genesys-oidc-provider.cjs"),
    "nextjs": ("typescript/nextjs/genesys-oidc.ts.j2", "lib/genesys-oidc.ts"),
}


def render_provider(kind: str, directory: Path) -> Path:
    template, name = PROVIDERS[kind]
    target = directory / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(template, issuer_path="/oidc"), encoding="utf-8")
    return target


class Running:
    def __init__(self, proc: subprocess.Popen, host: Host):
        self.proc, self.host = proc, host

    def stderr(self) -> str:
        """What the process said on stderr so far (it is stopped first)."""
        stop(self.proc)
        return self.proc.stderr.read()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextlib.contextmanager
def started(provider: Path, key_file: Path, key, **overrides: str | None):
    """host_app.js with `provider` on 127.0.0.1, port 0; stopped on exit whatever happens."""
    proc = subprocess.Popen([NODE, str(HARNESS / "host_app.js"), str(provider)],
                            env=provider_env(key_file, **overrides), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("listening "):
            stop(proc)
            raise AssertionError(f"host app did not start: {line!r} {proc.stderr.read()}")
        origin = f"http://127.0.0.1:{int(line.split()[1])}"
        yield Running(proc, Host(origin=origin, issuer=f"{origin}/oidc", key=key))
    finally:
        stop(proc)
        proc.stdout.close()
        proc.stderr.close()


def tokens_for(http: httpx.Client, host: Host, scope: str = OFFLINE, **params: str) -> dict:
    auth = authorize(http, host, scope=scope, **params)
    assert auth.response.status_code == 302, auth.response.text
    response = redeem(http, host, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    return {**response.json(), "nonce": auth.nonce}


def refresh(http: httpx.Client, host: Host, token: str, **extra: str) -> httpx.Response:
    return http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token", "refresh_token": token, **extra},
                     headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})


def userinfo(http: httpx.Client, host: Host, access_token: str) -> httpx.Response:
    return http.get(f"{host.issuer}/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def shift_clock(http: httpx.Client, host: Host, seconds: int) -> None:
    http.post(f"{host.origin}/test/clock", params={"offset": seconds}).raise_for_status()


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=list(PROVIDERS))
def kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def provider(kind, tmp_path_factory) -> Path:
    return render_provider(kind, tmp_path_factory.mktemp(f"{kind}-provider"))


@pytest.fixture(scope="module")
def running(provider, signing_key):  # noqa: F811
    key, key_file = signing_key
    with started(provider, key_file, key) as host:
        yield host


@pytest.fixture(scope="module")
def host(running) -> Host:
    return running.host


# --- start-up -----------------------------------------------------------------------------------


def test_the_in_process_store_says_so_at_start_up(provider, signing_key):  # noqa: F811
    key, key_file = signing_key
    with started(provider, key_file, key) as host:
        said = host.stderr()
    assert "GENESYS_OIDC_STORE_URL" in said and "memory" in said


@pytest.mark.parametrize("setting, value", [
    ("GENESYS_OIDC_REDIRECT_URIS", "http://shop.example.com/"),
    ("GENESYS_OIDC_REFRESH_TTL", "60"),
    ("GENESYS_OIDC_REFRESH_TTL", "a day"),
    ("GENESYS_OIDC_STORE_URL", "memcached://127.0.0.1:11211"),
])
def test_unusable_settings_stop_start_up_naming_them(provider, signing_key, setting, value):  # noqa: F811
    message = failed_start(provider, signing_key[1], **{setting: value})
    assert setting in message
    if setting == "GENESYS_OIDC_STORE_URL":
        assert value not in message  # a store URL may hold a password: never echoed


def test_http_redirect_uris_are_accepted_on_loopback_hosts(provider, signing_key, http):  # noqa: F811
    key, key_file = signing_key
    loopback = "http://127.0.0.1:8080/chat/callback"
    with started(provider, key_file, key, GENESYS_OIDC_REDIRECT_URIS=loopback) as running:
        auth = authorize(http, running.host, redirect_uri=loopback)
        assert auth.response.status_code == 302 and auth.response.headers["location"].startswith(loopback)


# --- refresh tokens -----------------------------------------------------------------------------


def test_offline_access_gets_a_refresh_token_rotated_on_use(http, host):
    first = tokens_for(http, host)
    assert first["expires_in"] == 900 and first["refresh_token"]
    renewed = refresh(http, host, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    assert renewed.headers["cache-control"] == "no-store"
    body = renewed.json()
    assert body["refresh_token"] and body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"] and body["expires_in"] == 900
    claims = verify_id_token(http, host, body["id_token"])
    original = verify_id_token(http, host, first["id_token"])
    assert claims["sub"] == ALICE["sub"] and claims["auth_time"] == original["auth_time"]
    assert "nonce" not in claims and original["nonce"] == first["nonce"]
    assert userinfo(http, host, body["access_token"]).json()["sub"] == ALICE["sub"]
    again = refresh(http, host, body["refresh_token"])  # the new one works in turn
    assert again.status_code == 200 and again.json()["refresh_token"] not in (body["refresh_token"],)


def test_without_offline_access_there_is_no_refresh_token(http, host):
    body = tokens_for(http, host, scope="openid profile email")
    assert "refresh_token" not in body and body["expires_in"] == 900


def test_a_reused_refresh_token_revokes_the_sign_in(http, host):
    first = tokens_for(http, host)
    second = refresh(http, host, first["refresh_token"]).json()
    reused = refresh(http, host, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # the thief's or the owner's newer tokens die with it
    assert refresh(http, host, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(http, host, second["access_token"]).status_code == 401
    assert userinfo(http, host, first["access_token"]).status_code == 401


def test_a_reused_code_revokes_what_it_was_exchanged_for(http, host):
    auth = authorize(http, host, scope=OFFLINE)
    body = redeem(http, host, auth.code, auth.verifier).json()
    assert userinfo(http, host, body["access_token"]).status_code == 200
    replay = redeem(http, host, auth.code, auth.verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert userinfo(http, host, body["access_token"]).status_code == 401
    assert refresh(http, host, body["refresh_token"]).json()["error"] == "invalid_grant"


def test_refresh_needs_the_client_and_no_wider_scope(http, host):
    body = tokens_for(http, host)
    wrong = http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
                      headers={"Authorization": basic_auth(CLIENT_ID, "not-the-secret")})
    assert wrong.status_code == 401
    wider = refresh(http, host, body["refresh_token"], scope="openid admin")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    assert refresh(http, host, "made-up-token").json()["error"] == "invalid_grant"


def test_refresh_ttl_bounds_the_sign_in(provider, signing_key, http):  # noqa: F811
    key, key_file = signing_key
    with started(provider, key_file, key, GENESYS_OIDC_REFRESH_TTL="900") as running:
        host = running.host
        early, late = tokens_for(http, host), tokens_for(http, host)
        try:
            shift_clock(http, host, 800)
            assert refresh(http, host, early["refresh_token"]).status_code == 200
            shift_clock(http, host, 901)
            expired = refresh(http, host, late["refresh_token"])
            assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"
        finally:
            shift_clock(http, host, 0)


# --- findings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers, body", [
    ({"Content-Type": "application/x-www-form-urlencoded; charset=koi8-r"}, b"grant_type=authorization_code"),
    ({"Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip"}, b"\x1f\x8bnot gzip at all"),
    ({"Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip"},
     gzip.compress(b"grant_type=authorization_code&code=x")),
    ({"Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "br"}, b"\x00\x01"),
], ids=["charset", "bad-gzip", "gzip", "br"])
def test_a_token_body_in_another_charset_or_compressed_is_a_json_400(http, host, headers, body):
    response = http.post(f"{host.issuer}/token", content=body,
                         headers={**headers, "Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "invalid_request"
    assert "<" not in response.text and " at " not in response.text  # no HTML, no stack trace


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_large_token_body_is_refused_before_client_authentication(http, host, chunked):
    big = b"grant_type=authorization_code&code=" + b"x" * 200_000
    content = iter([big[i:i + 8192] for i in range(0, len(big), 8192)]) if chunked else big
    response = http.post(f"{host.issuer}/token", content=content, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Authorization": basic_auth(CLIENT_ID, "wrong")})
    assert response.status_code == 413 and response.json()["error"] == "invalid_request"


def test_secrets_and_codes_in_the_token_url_are_refused(http, host):
    auth = authorize(http, host)
    form = {"grant_type": "authorization_code", "code": auth.code, "redirect_uri": REDIRECT_URI,
            "code_verifier": auth.verifier, "client_id": CLIENT_ID}
    response = http.post(f"{host.issuer}/token", params={"client_secret": CLIENT_SECRET}, data=form)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    response = http.post(f"{host.issuer}/token", params={"code": auth.code}, data={**form, "client_secret": CLIENT_SECRET})
    assert response.status_code == 400
    # the code was never looked at: it still redeems, from the body
    assert redeem(http, host, auth.code, auth.verifier).status_code == 200


@pytest.mark.parametrize("site, refused", [("cross-site", True), ("same-site", True), ("same-origin", False),
                                           ("none", False)])
def test_redirect_mode_refuses_browser_requests_from_other_sites(http, host, site, refused):
    auth = authorize(http, host, headers={"Sec-Fetch-Site": site})
    if refused:
        assert auth.response.status_code == 403 and "location" not in auth.response.headers
        assert auth.response.json()["error"] == "access_denied"
    else:
        assert auth.response.status_code == 302 and auth.location["code"]
    assert auth.response.headers["cache-control"] == "no-store"


def test_prompt_login_and_max_age_need_a_recent_sign_in_the_site_knows(http, host):
    now = int(time.time())
    # the site does not say when its user signed in: neither can be honoured
    assert authorize(http, host, prompt="login").location["error"] == ["login_required"]
    assert authorize(http, host, max_age="3600").location["error"] == ["login_required"]
    assert authorize(http, host, headers={"X-Test-Auth-Time": str(now - 30)}, prompt="login").location["code"]
    old = authorize(http, host, headers={"X-Test-Auth-Time": str(now - 600)}, prompt="login")
    assert old.location["error"] == ["login_required"]
    assert authorize(http, host, headers={"X-Test-Auth-Time": str(now - 600)}, max_age="300").location["error"] == \
        ["login_required"]
    recent = authorize(http, host, headers={"X-Test-Auth-Time": str(now - 100)}, max_age="300")
    body = redeem(http, host, recent.code, recent.verifier).json()
    assert verify_id_token(http, host, body["id_token"])["auth_time"] == now - 100  # the real sign-in time
    for prompt in ("none login", "bogus"):
        assert authorize(http, host, prompt=prompt).location["error"] == ["invalid_request"]
    assert authorize(http, host, max_age="soon").location["error"] == ["invalid_request"]
    assert authorize(http, host, prompt="none").location["code"]  # signed in: nothing to show


def test_the_jwks_carries_the_next_key(provider, signing_key, http, tmp_path):  # noqa: F811
    key, key_file = signing_key
    next_key, pem = rsa_pem()
    next_file = tmp_path / "next.pem"
    next_file.write_bytes(pem)
    with started(provider, key_file, key, GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE=str(next_file)) as running:
        keys = http.get(f"{running.host.issuer}/jwks.json").json()["keys"]
        assert [k["kid"] for k in keys] == [rfc7638_thumbprint(key), rfc7638_thumbprint(next_key)]
        body = tokens_for(http, running.host)
        assert jwt.get_unverified_header(body["id_token"])["kid"] == rfc7638_thumbprint(key)  # signs with the current


# --- in-process limits (node, no server) ----------------------------------------------------------

LIMITS_SCRIPT = r"""
const { pathToFileURL } = require('node:url');
(async () => {
  const loaded = await import(pathToFileURL(process.argv[1]).href);
  const { createOidcProvider } = loaded.createOidcProvider ? loaded : loaded.default;
  const provider = createOidcProvider({ claims: () => ({ sub: 'alice' }) });
  const issuer = process.env.GENESYS_OIDC_ISSUER;
  const out = {};
  // A body of 1 MiB with no Content-Length: how much of it is read before the answer?
  let pulled = 0;
  const chunk = new Uint8Array(16 * 1024).fill(120);
  const stream = new ReadableStream({
    pull(controller) {
      pulled += chunk.length;
      if (pulled > 1024 * 1024) controller.close(); else controller.enqueue(chunk);
    },
  });
  const big = await provider.token(new Request(`${issuer}/token`, {
    method: 'POST', body: stream, duplex: 'half',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  }));
  out.big = { status: big.status, pulled };  // when the answer came
  // More codes than the store holds: the oldest goes, not every pending one.
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  const codes = [];
  for (let i = 0; i < Number(process.argv[2]); i += 1) {
    const url = new URL(`${issuer}/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: process.env.GENESYS_OIDC_CLIENT_ID,
      redirect_uri: 'https://shop.example.com/', scope: 'openid', code_challenge: challenge,
      code_challenge_method: 'S256' })) url.searchParams.set(k, v);
    const answer = await provider.authorize(new Request(url, { headers: { Accept: 'application/json' } }));
    codes.push((await answer.json()).code);
  }
  const redeem = async (code) => (await provider.token(new Request(`${issuer}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://shop.example.com/',
      code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', client_id: process.env.GENESYS_OIDC_CLIENT_ID,
      client_secret: process.env.GENESYS_OIDC_CLIENT_SECRET }),
  }))).status;
  out.first = await redeem(codes[0]);
  out.second = await redeem(codes[1]);
  out.last = await redeem(codes[codes.length - 1]);
  console.log(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
"""


def run_limits(provider: Path, key_file: Path, codes: int) -> dict:
    env = provider_env(key_file, GENESYS_OIDC_ISSUER="https://shop.example.com/oidc")
    done = subprocess.run([NODE, "--import", "tsx", "-e", LIMITS_SCRIPT, str(provider), str(codes)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=NODE_MODULES.parent, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_token_body_is_read_16_kib_at_most_and_the_code_store_is_bounded(kind, provider, signing_key):  # noqa: F811
    if kind == "express":
        pytest.skip("the Express router has no web-Request methods; its core is the one run here for the others")
    seen = run_limits(provider, signing_key[1], 10_001)
    assert seen["big"]["status"] == 413
    assert seen["big"]["pulled"] <= 256 * 1024  # answered after a few chunks, not the whole MiB
    # 10,000 pending codes at most: the oldest was dropped, the others still redeem
    assert seen["first"] == 400 and seen["second"] == 200 and seen["last"] == 200


# --- shared state across processes (Redis) ---------------------------------------------------------


@pytest.fixture(scope="module")
def pair(provider, signing_key, redis_url):  # noqa: F811
    """Two processes of the same provider behind one issuer, sharing Redis (a load balancer's view)."""
    key, key_file = signing_key
    shared = {"GENESYS_OIDC_STORE_URL": redis_url, "GENESYS_OIDC_ISSUER": "https://shop.example.com/oidc"}
    with started(provider, key_file, key, **shared) as one, started(provider, key_file, key, **shared) as two:
        yield one, two


def test_two_processes_share_codes_through_redis(pair, http):
    one, two = pair
    auth = authorize(http, one.host, scope=OFFLINE)
    assert auth.response.status_code == 302
    body = redeem(http, two.host, auth.code, auth.verifier)
    assert body.status_code == 200, body.text
    claims = jwt.decode(body.json()["id_token"], options={"verify_signature": False})
    assert claims["iss"] == "https://shop.example.com/oidc" and claims["nonce"] == auth.nonce
    for where in (one, two):  # a replay is refused on either
        replay = redeem(http, where.host, auth.code, auth.verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # ...and it revoked what the code was exchanged for, in both processes
    assert userinfo(http, one.host, body.json()["access_token"]).status_code == 401


def test_a_shared_code_is_taken_once_when_both_processes_race_for_it(pair, http):
    one, two = pair
    for _ in range(5):
        auth = authorize(http, two.host)
        def race(where: Running, auth=auth) -> int:
            return redeem(http, where.host, auth.code, auth.verifier).status_code

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(race, (one, two)))
        assert sorted(answers) == [200, 400]


def test_refresh_rotates_across_processes_and_reuse_revokes_everywhere(pair, http):
    one, two = pair
    first = tokens_for(http, one.host)
    assert userinfo(http, two.host, first["access_token"]).json()["sub"] == ALICE["sub"]
    second = refresh(http, two.host, first["refresh_token"])
    assert second.status_code == 200, second.text
    assert refresh(http, one.host, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(http, two.host, second.json()["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(http, one.host, second.json()["access_token"]).status_code == 401


def test_an_unreachable_store_is_a_json_503_not_a_hang(provider, signing_key, http):  # noqa: F811
    key, key_file = signing_key
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"redis://:store-password@127.0.0.1:{closed.getsockname()[1]}/0"
    with started(provider, key_file, key, GENESYS_OIDC_STORE_URL=url) as running:
        began = time.monotonic()
        auth = authorize(http, running.host, as_json=True)
        assert auth.response.status_code == 503 and auth.response.json() == {"error": "temporarily_unavailable"}
        assert time.monotonic() - began < 8
        said = running.stderr()
    assert "the store does not answer" in said and "store-password" not in said


def test_with_redis_start_up_does_not_warn_about_memory(pair):
    for running in pair:
        assert "memory" not in running.stderr()


# --- the certified relying party -------------------------------------------------------------------


def test_a_certified_relying_party_signs_in_and_refreshes(host):
    seen = drive(host.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI,
                 headers={"Cookie": "session=alice"}, scope=OFFLINE, refresh=True)
    assert seen["issuer"] == host.issuer and seen["authorize_status"] == 302
    assert "refresh_token" in seen["discovery"]["grant_types_supported"]
    assert "offline_access" in seen["discovery"]["scopes_supported"]
    assert seen["claims"]["sub"] == ALICE["sub"] and seen["userinfo"]["sub"] == ALICE["sub"]
    assert seen["expires_in"] == 900 and seen["refresh_token"] is True
    assert seen["refreshed"] == {"sub": ALICE["sub"], "rotated": True}
    assert seen["refresh_reused"] == "invalid_grant"
    assert seen["rotated_after_reuse"] == "invalid_grant"  # the reuse revoked the whole sign-in
    assert seen["access_after_code_reuse"] is not None  # ...and the reused code what it had issued
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] is not None
