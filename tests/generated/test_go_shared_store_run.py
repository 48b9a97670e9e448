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
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import Host, provider_env, redeem, signed_in_code
from shared_store import (  # noqa: F401  (the imported tests run against the two processes)
    test_a_code_from_one_process_is_redeemed_at_the_other_once,
    test_refresh_rotates_across_processes_and_reuse_at_either_revokes,
)
from site_runs import ISSUER, built, host_at, http  # noqa: F401 (fixture used by name)
from toolchains import build_go_host, running

START_TIMEOUT = 20
_logs = itertools.count()


@pytest.fixture(scope="module")
def hostapp(tmp_path_factory) -> Path:
    return built(build_go_host, tmp_path_factory.mktemp("go-shared") / "hostapp")


@contextlib.contextmanager
def instance(hostapp: Path, key_file: Path, key, router: str, **overrides: str):
    env = provider_env(key_file, GENESYS_OIDC_ISSUER=ISSUER, HOST_APP_MAX_SECONDS="120", **overrides)
    log = hostapp.parent / f"instance-{router}-{next(_logs)}.log"
    with running([str(hostapp), "-router", router], env, log, START_TIMEOUT) as port:
        yield host_at(f"http://127.0.0.1:{port}", key), log


@pytest.fixture(scope="module")
def pair(hostapp, signing_key, redis_url):  # noqa: F811
    """Two processes of the site (net/http and chi mounts) on one Redis."""
    key, key_file = signing_key
    with instance(hostapp, key_file, key, "nethttp", GENESYS_OIDC_STORE_URL=redis_url) as (a, log_a), \
            instance(hostapp, key_file, key, "chi", GENESYS_OIDC_STORE_URL=redis_url) as (b, log_b):
        yield a, b, (log_a, log_b)


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
