"""The System.Web provider (templates/csharp/systemweb/GenesysOidcHandler.cs.j2) run for real: a
small site (tests/generated/csharp/provider: Web.config mapping /oidc/*, claims from a `session`
cookie) built with Mono's mcs and served by ASP.NET's own runtime (AspNetHost.cs) on 127.0.0.1.

- two processes of the site sharing a real Redis (GENESYS_OIDC_STORE_URL): a code authorized at
  one is redeemed at the other and a replay is refused at either; refresh tokens rotate across
  them and a reused one revokes its family;
- one process without a store: it says at start-up that codes stay in its memory;
- the security review's findings, each as the request a browser or an attacker sends;
- the certified relying party (openid-client) through discovery, code + PKCE + nonce, refresh,
  userinfo and the refusals.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest
from production_checks import OFFLINE, signed_in_tokens, userinfo
from redis_server import redis_url  # noqa: F401  (fixture)
from relying_party import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    Host,
    authorize,
    basic_auth,
    redeem,
    rfc7638_thumbprint,
    rsa_pem,
    signed_in_code,
    verify_id_token,
)
from site_runs import http  # noqa: F401 (fixture used by name)

from migrate.generate.render import render

sys.path.insert(0, str(Path(__file__).resolve().parent / "csharp"))
import aspnet_site as aspnet

SITE = aspnet.HERE / "provider"

pytestmark = pytest.mark.skipif(
    not aspnet.available(),
    reason="Mono with System.Web is not installed (mono-mcs, libmono-system-web4.0-cil)")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("systemweb-provider") / "site"
    shutil.copytree(SITE, root)
    (root / "GenesysOidcHandler.cs").write_text(render("csharp/systemweb/GenesysOidcHandler.cs.j2",
                                                       issuer_path="/oidc"))
    return aspnet.build(root)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for name in ("current", "next"):
        key, pem = rsa_pem()
        (folder / f"{name}.pem").write_bytes(pem)
        out[name] = (key, folder / f"{name}.pem")
    return out


@pytest.fixture(scope="module")
def memory(site, keys, tmp_path_factory):
    """One process, no shared store; the shortest refresh lifetime; a next key in the JWKS."""
    import contextlib

    log = tmp_path_factory.mktemp("log") / "memory.log"
    with contextlib.ExitStack() as stack:
        host = stack.enter_context(aspnet.started(site, *keys["current"], log, GENESYS_OIDC_REFRESH_TTL="900",
                                                  GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE=str(keys["next"][1])))
        yield host, log


@pytest.fixture(scope="module")
def pair(site, keys, redis_url, tmp_path_factory):  # noqa: F811
    """Two processes of the same site sharing one Redis."""
    import contextlib

    folder = tmp_path_factory.mktemp("log")
    with contextlib.ExitStack() as stack:
        hosts = [stack.enter_context(aspnet.started(site, *keys["current"], folder / f"{name}.log",
                                                    GENESYS_OIDC_STORE_URL=redis_url)) for name in ("a", "b")]
        yield hosts, folder


def _refresh(http: httpx.Client, host: Host, token: str, **extra: str) -> httpx.Response:
    return http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token", "refresh_token": token, **extra},
                     headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})


def _clock(http: httpx.Client, host: Host, offset: int) -> None:
    http.post(f"{host.origin}/test/clock", params={"offset": offset}).raise_for_status()


# --- shared state: two processes, one Redis ---------------------------------------------------------


def test_a_code_from_one_process_is_redeemed_at_the_other_and_dies_at_both(http, pair):
    (a, b), logs = pair
    auth = signed_in_code(http, a)
    response = redeem(http, b, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    # Each process has its own issuer URL here (its own port), so the token says the one it came from.
    claims = jwt.decode(response.json()["id_token"], options={"verify_signature": False})
    assert claims["sub"] == "42" and claims["nonce"] == auth.nonce
    # Userinfo answers at either process for an access token issued by one.
    assert userinfo(http, a, response.json()["access_token"]).json()["sub"] == "42"
    for host in (a, b):
        replay = redeem(http, host, auth.code, auth.verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    for name in ("a", "b"):
        assert "GENESYS_OIDC_STORE_URL" not in (logs / f"{name}.log").read_text(), "a shared store warns of nothing"


def test_concurrent_redemptions_at_two_processes_give_one_token(http, pair):
    import concurrent.futures

    (a, b), _ = pair
    auth = signed_in_code(http, a)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda h: redeem(http, h, auth.code, auth.verifier), [a, b, a, b]))
    assert sorted(r.status_code for r in answers) == [200, 400, 400, 400]


def test_refresh_tokens_rotate_across_processes_and_a_reused_one_revokes_the_family(http, pair):
    (a, b), _ = pair
    first = signed_in_tokens(http, a)
    assert first["expires_in"] == 900 and "offline_access" in first["scope"].split()
    renewed = _refresh(http, b, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert second["refresh_token"] != first["refresh_token"], "rotated"
    claims = jwt.decode(second["id_token"], options={"verify_signature": False})
    first_claims = jwt.decode(first["id_token"], options={"verify_signature": False})
    assert claims["sub"] == "42" and "nonce" not in claims and claims["auth_time"] == first_claims["auth_time"]
    assert userinfo(http, a, second["access_token"]).status_code == 200

    reused = _refresh(http, a, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # The family is gone: the rotated token and its access token too, at both processes.
    for host in (a, b):
        assert userinfo(http, host, second["access_token"]).status_code == 401
    after = _refresh(http, b, second["refresh_token"])
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"


def test_a_replayed_code_revokes_the_tokens_issued_from_it(http, pair):
    (a, b), _ = pair
    auth = signed_in_code(http, a, scope=OFFLINE)
    tokens = redeem(http, a, auth.code, auth.verifier).json()
    assert userinfo(http, b, tokens["access_token"]).status_code == 200
    assert redeem(http, b, auth.code, auth.verifier).json()["error"] == "invalid_grant"
    assert userinfo(http, a, tokens["access_token"]).status_code == 401
    assert _refresh(http, a, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_the_certified_relying_party_through_two_processes(pair):
    from certified_rp import drive

    (a, _), _ = pair
    seen = drive(a.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI,
                 headers={"Cookie": "session=alice"}, scope=OFFLINE, refresh=True)
    assert seen["claims"]["sub"] == "42" and seen["userinfo"]["sub"] == "42"
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] is not None
    assert seen["refresh_token"] and seen["refreshed"] == {"sub": "42", "rotated": True}
    assert seen["refresh_reused"] == "invalid_grant"
    assert "refresh_token" in seen["discovery"]["grant_types_supported"]
    assert "offline_access" in seen["discovery"]["scopes_supported"]


# --- one process, no shared store ---------------------------------------------------------------------


def test_the_in_process_store_says_so_at_start_up(http, memory):
    host, log = memory
    assert http.get(f"{host.issuer}/.well-known/openid-configuration").status_code == 200
    deadline = time.monotonic() + 5
    while "GENESYS_OIDC_STORE_URL" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert "WARNING" in text and "GENESYS_OIDC_STORE_URL" in text and "memory" in text


def test_the_certified_relying_party(memory):
    from certified_rp import drive

    host, _ = memory
    seen = drive(host.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI,
                 headers={"Cookie": "session=alice"}, scope=OFFLINE, refresh=True)
    assert seen["issuer"] == host.issuer and seen["authorize_status"] == 302
    assert seen["claims"]["sub"] == "42" and seen["claims"]["roles"] == ["customer", "vip"]
    assert seen["userinfo"]["email"] == "alice@example.com" and seen["expires_in"] == 900
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] is not None
    assert seen["refreshed"] == {"sub": "42", "rotated": True} and seen["refresh_reused"] == "invalid_grant"


def test_discovery_advertises_refresh_and_offline_access(http, memory):
    host, _ = memory
    doc = http.get(f"{host.issuer}/.well-known/openid-configuration").json()
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert "offline_access" in doc["scopes_supported"]


def test_no_refresh_token_without_offline_access(http, memory):
    host, _ = memory
    tokens = signed_in_tokens(http, host, scope="openid profile email")
    assert "refresh_token" not in tokens and tokens["expires_in"] == 900
    assert verify_id_token(http, host, tokens["id_token"])["sub"] == "42"


def test_a_sign_in_is_renewed_until_the_refresh_lifetime_and_no_longer(http, memory):
    host, _ = memory  # GENESYS_OIDC_REFRESH_TTL=900
    tokens = signed_in_tokens(http, host)
    try:
        _clock(http, host, 870)  # 30 s of margin: Mono is slow on a busy machine, and the real clock runs on
        renewed = _refresh(http, host, tokens["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        _clock(http, host, 901)
        late = _refresh(http, host, renewed.json()["refresh_token"])
        assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    finally:
        _clock(http, host, 0)


def test_refresh_cannot_widen_the_scope(http, memory):
    host, _ = memory
    tokens = signed_in_tokens(http, host, scope="openid email offline_access")
    wider = _refresh(http, host, tokens["refresh_token"], scope="openid email profile offline_access")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"


def test_the_jwks_carries_the_next_key_and_tokens_are_signed_with_the_current(http, memory, keys):
    host, _ = memory
    kids = [k["kid"] for k in http.get(f"{host.issuer}/jwks.json").json()["keys"]]
    assert kids == [rfc7638_thumbprint(keys["current"][0]), rfc7638_thumbprint(keys["next"][0])]
    token = signed_in_tokens(http, host)["id_token"]
    assert jwt.get_unverified_header(token)["kid"] == kids[0]


# --- the review's findings ------------------------------------------------------------------------------


@pytest.mark.parametrize("site_header", ["cross-site", "same-site"])
def test_browser_requests_from_another_site_get_no_code_in_either_mode(http, memory, site_header):
    host, _ = memory
    for as_json in (False, True):
        auth = authorize(http, host, as_json=as_json, headers={"Sec-Fetch-Site": site_header})
        assert auth.response.status_code == 403, auth.response.text
        assert "location" not in auth.response.headers and "code" not in auth.response.json()
    # A top-level navigation typed or bookmarked (none) and the site's own fetch still work.
    assert authorize(http, host, headers={"Sec-Fetch-Site": "none"}).response.status_code == 302
    assert authorize(http, host, as_json=True, headers={"Sec-Fetch-Site": "same-origin"}).response.status_code == 200


@pytest.mark.parametrize("name", ["state", "nonce"])
def test_state_and_nonce_are_limited_to_512_characters(http, memory, name):
    host, _ = memory
    assert "code" in authorize(http, host, **{name: "s" * 512}).location
    auth = authorize(http, host, **{name: "s" * 513})
    assert auth.location.get("error") == ["invalid_request"] and "code" not in auth.location
    assert "state" not in auth.location, "an oversized value is not sent back"


def test_pkce_values_follow_rfc_7636(http, memory):
    host, _ = memory
    short = authorize(http, host, code_challenge="A" * 42)
    assert short.location.get("error") == ["invalid_request"]
    for challenge in ("A" * 42 + "!", "A" * 44, "A" * 42 + "~"):  # S256 gives 43 base64url characters
        assert authorize(http, host, code_challenge=challenge).location.get("error") == ["invalid_request"]
    auth = signed_in_code(http, host)
    bad = redeem(http, host, auth.code, auth.verifier[:42])
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_auth_time_is_the_sites_sign_in_time_and_max_age_and_prompt_are_honoured(http, memory):
    host, _ = memory
    stale = signed_in_code(http, host, session="alice-stale")
    claims = verify_id_token(http, host, redeem(http, host, stale.code, stale.verifier).json()["id_token"])
    assert 3590 <= claims["iat"] - claims["auth_time"] <= 3610, "the hour-old sign-in, not the code's time"

    for params in ({"max_age": "600"}, {"prompt": "login"}):
        auth = authorize(http, host, session="alice-stale", **params)
        assert auth.location.get("error") == ["login_required"] and "code" not in auth.location
    assert "code" in authorize(http, host, session="alice-stale", max_age="7200").location
    assert "code" in authorize(http, host, session="alice-fresh", prompt="login", max_age="60").location
    assert "code" in authorize(http, host, session="alice", prompt="none").location
    # A sign-in of unknown age fails what asks for a recent one.
    for params in ({"max_age": "7200"}, {"prompt": "login"}):
        assert authorize(http, host, session="alice", **params).location.get("error") == ["login_required"]
    both = authorize(http, host, session="alice", prompt="none login")
    assert both.location.get("error") == ["invalid_request"]
    assert authorize(http, host, session=None, prompt="none").location.get("error") == ["login_required"]


def test_every_endpoint_answer_is_no_store(http, memory):
    host, _ = memory
    auth = authorize(http, host, as_json=True)
    assert "no-store" in auth.response.headers["cache-control"]
    token = redeem(http, host, auth.code, auth.verifier)
    assert "no-store" in token.headers["cache-control"]
    assert "no-store" in userinfo(http, host, token.json()["access_token"]).headers["cache-control"]


@pytest.mark.parametrize("name", ["client_secret", "code", "code_verifier", "refresh_token"])
def test_token_refuses_credentials_in_the_query_string(http, memory, name):
    host, _ = memory
    auth = signed_in_code(http, host)
    value = {"client_secret": CLIENT_SECRET, "code": auth.code, "code_verifier": auth.verifier,
             "refresh_token": "x"}[name]
    response = http.post(f"{host.issuer}/token", params={name: value},
                         data={"grant_type": "authorization_code", "code": auth.code, "redirect_uri": REDIRECT_URI,
                               "code_verifier": auth.verifier},
                         headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert redeem(http, host, auth.code, auth.verifier).status_code == 200, "nothing was redeemed"


def test_an_oversized_token_body_is_refused_before_client_authentication(http, memory):
    host, _ = memory
    padding = {"padding": "x" * (16 * 1024)}
    for headers in ({}, {"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)}):
        response = http.post(f"{host.issuer}/token", data={"grant_type": "authorization_code", **padding},
                             headers=headers)
        assert response.status_code == 413 and response.json()["error"] == "invalid_request"


def test_settings_refuse_plain_http_redirects_bad_lifetimes_and_stores(site, keys, http, tmp_path):
    with aspnet.started(site, *keys["current"], tmp_path / "bad.log",
                        GENESYS_OIDC_REDIRECT_URIS="http://shop.example.com/, http://127.0.0.1:3000/cb",
                        GENESYS_OIDC_REFRESH_TTL="60", GENESYS_OIDC_STORE_URL="http://cache.example:6379") as bad:
        response = http.get(f"{bad.issuer}/.well-known/openid-configuration")
    assert response.status_code == 500
    text = response.text
    assert "http://shop.example.com/ must use https" in text and "127.0.0.1:3000" not in text
    assert "GENESYS_OIDC_REFRESH_TTL" in text and "GENESYS_OIDC_STORE_URL: must be a redis://" in text


BOUNDED_STORE = """
using System;
using System.Reflection;
using System.Threading;
using GenesysOidc;

public static class Probe
{
    public static void Main()
    {
        var type = typeof(GenesysOidcHandler).GetNestedType("MemoryStore", BindingFlags.NonPublic);
        var store = (IGenesysOidcStore)Activator.CreateInstance(type, new object[] { 3 });
        store.Set("soon", "1", TimeSpan.FromHours(1));
        store.Set("later", "2", TimeSpan.FromHours(2));
        store.Set("gone", "3", TimeSpan.FromMilliseconds(1));
        Thread.Sleep(20);
        store.Set("fourth", "4", TimeSpan.FromHours(3));  // full: the expired entry makes room
        Console.WriteLine(string.Join(",", store.Get("soon"), store.Get("later"), store.Get("fourth")));
        store.Set("fifth", "5", TimeSpan.FromHours(4));  // full again: the soonest to expire goes
        Console.WriteLine(string.Join(",", store.Get("soon") ?? "-", store.Get("later"), store.Get("fourth"),
            store.Get("fifth")));
        Console.WriteLine(store.Take("later") + "," + (store.Take("later") ?? "-"));
    }
}
"""


def test_the_in_process_store_is_bounded_and_drops_the_soonest_to_expire_not_everyone(site, tmp_path):
    import subprocess

    source = tmp_path / "Probe.cs"
    source.write_text(BOUNDED_STORE)
    exe = tmp_path / "Probe.exe"
    built = subprocess.run([aspnet.MCS, f"-r:{site / 'bin' / 'Shop.dll'}", "-r:System.Web.dll", f"-out:{exe}",
                            str(source)], check=False, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stdout + built.stderr
    run = subprocess.run([aspnet.MONO, str(exe)], check=False, capture_output=True, text=True, timeout=60,
                         env={"MONO_PATH": str(site / "bin"), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1,2,4", "-,2,4,5", "2,-"]
