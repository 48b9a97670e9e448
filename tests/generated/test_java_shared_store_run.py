"""The Spring Boot provider run as two processes of one site sharing a store, as two instances behind
a load balancer are: Redis through GENESYS_OIDC_STORE_URL (Jedis), and the site's own shared Spring
CacheManager (the host app's "genesys-oidc" cache on Redis, HOST_APP_CACHE) when the variable is not
set. A code issued by one process is redeemed at the other once, its replay is refused at either and
revokes what it issued, and a refresh token rotates across them with its reuse revoking the sign-in.
Redis is Debian's redis-server on 127.0.0.1 (redis_server.py); without it, java, mvn or Maven Central
the tests skip.
"""

from __future__ import annotations

import contextlib

import httpx
import jwt
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import CLIENT_ID, CLIENT_SECRET, Host, basic_auth, redeem, signed_in_code
from test_java_provider_run import LOGS, jar, running_host  # noqa: F401 (the jar fixture, built once here)

ISSUER = "https://shop.example.com/oidc"  # one issuer for both processes


@contextlib.contextmanager
def two_processes(jar, signing_key, **settings):  # noqa: F811
    key, key_file = signing_key
    with running_host(jar, key_file, key, GENESYS_OIDC_ISSUER=ISSUER, **settings) as a, \
            running_host(jar, key_file, key, GENESYS_OIDC_ISSUER=ISSUER, **settings) as b:
        yield a, b


@pytest.fixture(scope="module", params=["store-url", "site-cache"])
def pair(request, jar, signing_key, redis_url):  # noqa: F811
    settings = {"GENESYS_OIDC_STORE_URL": redis_url} if request.param == "store-url" else {"HOST_APP_CACHE": redis_url}
    with two_processes(jar, signing_key, **settings) as (a, b):
        yield a, b, request.param


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=20, follow_redirects=False) as client:
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
    assert id_token_claims(b, tokens["id_token"])["nonce"] == auth.nonce
    assert userinfo(http, a, tokens["access_token"]).json()["sub"] == "42"
    for host in (a, b):
        replay = redeem(http, host, auth.code, auth.verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
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


def test_a_shared_store_gives_no_in_process_warning(pair):
    a, b, store = pair
    for host in (a, b):
        text = LOGS[host.origin].read_text()
        assert "WARNING" not in text and "in this process's memory" not in text
        # the site's cache says so at start-up: its time to live matters
        assert ("kept in the site's cache genesys-oidc (SimpleCacheManager)" in text) == (store == "site-cache")
