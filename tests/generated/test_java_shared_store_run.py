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

import pytest
from java_sites import LOGS
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from shared_store import (  # noqa: F401  (the imported tests run against the two processes)
    test_a_code_from_one_process_is_redeemed_at_the_other_once,
    test_refresh_rotates_across_processes_and_reuse_at_either_revokes,
)
from site_runs import ISSUER, http  # noqa: F401 (fixture used by name)
from test_java_provider_run import jar, running_host  # noqa: F401 (the jar fixture, built once here)


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


def test_a_shared_store_gives_no_in_process_warning(pair):
    a, b, store = pair
    for host in (a, b):
        text = LOGS[host.origin].read_text()
        assert "WARNING" not in text and "in this process's memory" not in text
        # the site's cache says so at start-up: its time to live matters
        assert ("kept in the site's cache genesys-oidc (SimpleCacheManager)" in text) == (store == "site-cache")
