"""The Go provider run as two processes of one site sharing a real Redis (GENESYS_OIDC_STORE_URL).

Both processes are the host app of toolchains.py with the same settings and one issuer, as two
instances behind a load balancer are: a code issued by one is redeemed at the other and dead at both
afterwards, a refresh token rotates across them and its reuse at either revokes the sign-in, and
without the shared store (the control) a code issued by one is unknown to the other. Redis is
Debian's redis-server on 127.0.0.1 (redis_server.py); without it, Go or the module proxy the tests skip.
"""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path

import httpx
import jwt
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import CLIENT_ID, CLIENT_SECRET, Host, basic_auth, provider_env, redeem, signed_in_code
from toolchains import BuildFailed, Unavailable, build_go_host, running

ISSUER = "https://shop.example.com/oidc"  # one issuer for both processes, as behind a load balancer
START_TIMEOUT = 20
_logs = itertools.count()


@pytest.fixture(scope="module")
def hostapp(tmp_path_factory) -> Path:
    try:
        return build_go_host(tmp_path_factory.mktemp("go-shared") / "hostapp")
    except Unavailable as e:
        pytest.skip(str(e))
    except BuildFailed as e:
        pytest.fail(str(e), pytrace=False)


@contextlib.contextmanager
def instance(hostapp: Path, key_file: Path, key, router: str, **overrides: str):
    env = provider_env(key_file, GENESYS_OIDC_ISSUER=ISSUER, HOST_APP_MAX_SECONDS="120", **overrides)
    log = hostapp.parent / f"instance-{router}-{next(_logs)}.log"
    with running([str(hostapp), "-router", router], env, log, START_TIMEOUT) as port:
        origin = f"http://127.0.0.1:{port}"
        yield Host(origin=origin, issuer=f"{origin}/oidc", key=key), log


@pytest.fixture(scope="module")
def pair(hostapp, signing_key, redis_url):  # noqa: F811
    """Two processes of the site (net/http and chi mounts) on one Redis."""
    key, key_file = signing_key
    with instance(hostapp, key_file, key, "nethttp", GENESYS_OIDC_STORE_URL=redis_url) as (a, log_a), \
            instance(hostapp, key_file, key, "chi", GENESYS_OIDC_STORE_URL=redis_url) as (b, log_b):
        yield a, b, (log_a, log_b)


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        yield client


def id_token_claims(host: Host, token: str) -> dict:
    return jwt.decode(token, host.key.public_key(), algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER)


def refresh(http, host: Host, token: str) -> httpx.Response:
    return http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token", "refresh_token": token},
                     headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})


def userinfo(http, host: Host, token: str) -> httpx.Response:
    return http.get(f"{host.issuer}/userinfo", headers={"Authorization": f"Bearer {token}"})


def test_a_code_from_one_process_is_redeemed_at_the_other_once(http, pair):
    a, b, _ = pair
    auth = signed_in_code(http, a, scope="openid profile email offline_access")
    response = redeem(http, b, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    claims = id_token_claims(b, tokens["id_token"])
    assert claims["sub"] == "42" and claims["nonce"] == auth.nonce
    assert userinfo(http, a, tokens["access_token"]).json()["sub"] == "42"
    for host in (a, b):  # the replay is refused at either...
        replay = redeem(http, host, auth.code, auth.verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # ...and revokes what the code issued, at both
    assert userinfo(http, a, tokens["access_token"]).status_code == 401
    assert userinfo(http, b, tokens["access_token"]).status_code == 401


def test_refresh_rotates_across_processes_and_reuse_at_either_revokes(http, pair):
    a, b, _ = pair
    auth = signed_in_code(http, b, scope="openid profile email offline_access")
    first = redeem(http, a, auth.code, auth.verifier).json()
    second = refresh(http, b, first["refresh_token"])
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert id_token_claims(a, rotated["id_token"])["sub"] == "42"
    reused = refresh(http, a, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert refresh(http, b, rotated["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(http, a, rotated["access_token"]).status_code == 401


def test_concurrent_redemptions_of_one_code_give_one_token(http, pair):
    import concurrent.futures

    a, b, _ = pair

    def attempt(host: Host, code: str, verifier: str) -> httpx.Response:
        with httpx.Client(timeout=10) as own:
            return redeem(own, host, code, verifier)

    for _ in range(5):
        auth = signed_in_code(http, a)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda host, auth=auth: attempt(host, auth.code, auth.verifier), [a, b, a, b]))
        assert sorted(r.status_code for r in answers) == [200, 400, 400, 400]


def test_with_the_shared_store_no_in_process_warning(pair):
    for log in pair[2]:
        assert "GENESYS_OIDC_STORE_URL" not in log.read_text()


def test_without_the_shared_store_a_code_is_unknown_to_the_other_process(hostapp, signing_key, http):  # noqa: F811
    """The control: what the shared store fixes, and the warning that says so."""
    key, key_file = signing_key
    with instance(hostapp, key_file, key, "nethttp") as (a, log_a), instance(hostapp, key_file, key, "chi") as (b, _):
        auth = signed_in_code(http, a)
        response = redeem(http, b, auth.code, auth.verifier)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
        assert "GENESYS_OIDC_STORE_URL" in log_a.read_text()
