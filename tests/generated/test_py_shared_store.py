"""Several server processes of one migrated Python site share the provider's codes and refresh
tokens: two processes of the same site (as behind a load balancer, one public issuer) run on
127.0.0.1 beside a real Redis (redis_server.py). A code issued by one is redeemed at the other; a
replay is refused at either, and revokes what the code gave; a refresh token rotated at one is
dead at the other, and its reuse ends the sign-in everywhere; of two processes redeeming the same
code at once, exactly one succeeds. Flask and FastAPI share through GENESYS_OIDC_STORE_URL (redis-py),
Django through its own cache framework (the site's CACHES on Redis). Without a shared store, each
process says at start-up that it keeps codes in its own memory, and a code of one is unknown to
the other."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import ALICE, CLIENT_ID, CLIENT_SECRET, Host, authorize, basic_auth, redeem, verify_id_token

sys.path.insert(0, str(Path(__file__).resolve().parent / "python"))
from py_sites import ZENDESK, free_port, migrate, serve, site_env

pytest.importorskip("redis", reason="redis-py (the test extra) is the providers' Redis client")

OFFLINE = "openid profile email offline_access"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The Flask, Django and FastAPI shops, migrated once; Django's database made once."""
    import os
    import secrets

    from test_py_django_run import PASSWORD, SETUP

    mp = pytest.MonkeyPatch()
    work = tmp_path_factory.mktemp("shared")
    try:
        migrated = {name: migrate(name, work / name, mp).default for name in ("flask", "django", "fastapi")}
    finally:
        mp.undo()
    django_env = {"DJANGO_SECRET_KEY": secrets.token_hex(32), "SHOP_DATABASE": str(work / "shop.sqlite3")}
    done = subprocess.run([sys.executable, "-c", SETUP, PASSWORD], cwd=migrated["django"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **django_env}, check=False)
    assert done.returncode == 0, done.stderr
    return migrated, django_env


def _command(framework: str, port: int) -> list[str]:
    return {
        "flask": [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port),
                  "--no-reload", "--no-debugger"],
        "django": [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        "fastapi": [sys.executable, "-m", "uvicorn", "storefront.main:app", "--host", "127.0.0.1", "--port",
                    str(port), "--no-access-log"],
    }[framework]


@contextlib.contextmanager
def two_processes(sites, framework: str, key_file: Path, shared: dict[str, str]):
    """Two server processes of the migrated site, with one public issuer (the first's): yields the
    two origins and the issuer."""
    migrated, django_env = sites
    site = migrated[framework]
    first, second = free_port(), free_port()
    issuer = f"http://127.0.0.1:{first}/oidc"
    extra = {"flask": {"SHOP_SESSION_SECRET": "shop-session-secret"}, "django": django_env,
             "fastapi": {}}[framework]
    with contextlib.ExitStack() as stack:
        origins = [stack.enter_context(serve(_command(framework, port), site,
                                             site_env(key_file, port, **extra, **ZENDESK, **shared,
                                                      GENESYS_OIDC_ISSUER=issuer), port))
                   for port in (first, second)]
        yield origins, issuer


def _session(framework: str, origin: str) -> dict[str, str]:
    """Alice signed in at `origin`: the Cookie header of her session there."""
    if framework == "flask":
        response = httpx.post(f"{origin}/login", data={"username": "alice"}, timeout=10)
        return {"Cookie": f"session={response.cookies['session']}"}
    if framework == "fastapi":
        response = httpx.post(f"{origin}/login", json={"username": "alice"}, timeout=10)
        return {"Cookie": f"session={response.cookies['session']}"}
    from test_py_django_run import _session as django_session

    return {"Cookie": f"sessionid={django_session(origin)}"}


def _store(framework: str, redis: str) -> dict[str, str]:
    # Django keeps them in its cache framework, on the site's Redis; the others use the setting.
    return {"SHOP_REDIS_URL": redis} if framework == "django" else {"GENESYS_OIDC_STORE_URL": redis}


def _at(origin: str, issuer: str, key) -> Host:
    """The provider as reached at one process (origin), issuing for the site's public issuer."""
    return Host(origin=origin, issuer=f"{origin}/oidc", key=key)


def _code(http, host: Host, cookie: dict[str, str], **params):
    auth = authorize(http, host, session=None, headers=cookie, **params)
    assert auth.response.status_code == 302, auth.response.text
    return auth


def _refresh(http, host: Host, token: str) -> httpx.Response:
    return http.post(f"{host.issuer}/token", data={"grant_type": "refresh_token", "refresh_token": token},
                     headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})


@pytest.mark.parametrize("framework", ["flask", "django", "fastapi"])
def test_a_code_of_one_process_is_redeemed_once_at_another(sites, framework, signing_key, redis_url):  # noqa: F811
    key, key_file = signing_key
    with two_processes(sites, framework, key_file, _store(framework, redis_url)) as ((a, b), issuer), \
            httpx.Client(timeout=10) as http:
        cookie = _session(framework, a)
        at_a, at_b = _at(a, issuer, key), _at(b, issuer, key)
        auth = _code(http, at_a, cookie)
        response = redeem(http, at_b, auth.code, auth.verifier)
        assert response.status_code == 200, response.text
        tokens = response.json()
        claims = verify_id_token(http, Host(a, issuer, key), tokens["id_token"])
        assert claims["sub"] == ALICE["sub"] and claims["nonce"] == auth.nonce
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert http.get(f"{a}/oidc/userinfo", headers=bearer).status_code == 200
        # replayed at either process: refused, and what the code gave is revoked everywhere
        for host in (at_a, at_b):
            replay = redeem(http, host, auth.code, auth.verifier)
            assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        assert http.get(f"{b}/oidc/userinfo", headers=bearer).status_code == 401
        assert http.get(f"{a}/oidc/userinfo", headers=bearer).status_code == 401

        # refresh tokens rotate across processes, and a reused one ends the sign-in at both
        auth = _code(http, at_b, _session(framework, b) if framework == "fastapi" else cookie, scope=OFFLINE)
        first = redeem(http, at_a, auth.code, auth.verifier).json()
        renewed = _refresh(http, at_b, first["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        second = renewed.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert verify_id_token(http, Host(a, issuer, key), second["id_token"])["sub"] == ALICE["sub"]
        reused = _refresh(http, at_a, first["refresh_token"])
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        assert _refresh(http, at_b, second["refresh_token"]).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_two_processes_redeeming_one_code_at_once_give_one_token(sites, framework, signing_key, redis_url):  # noqa: F811
    key, key_file = signing_key
    with two_processes(sites, framework, key_file, _store(framework, redis_url)) as ((a, b), issuer), \
            httpx.Client(timeout=10) as http:
        cookie = _session(framework, a)
        hosts = [_at(a, issuer, key), _at(b, issuer, key)]
        for _ in range(5):
            auth = _code(http, hosts[0], cookie)
            statuses: list[int] = []
            barrier = threading.Barrier(4)

            def race(host: Host) -> None:
                with httpx.Client(timeout=10) as own:
                    barrier.wait()
                    statuses.append(redeem(own, host, auth.code, auth.verifier).status_code)

            threads = [threading.Thread(target=race, args=(hosts[i % 2],)) for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=20)
            assert sorted(statuses) == [200, 400, 400, 400]


@pytest.mark.parametrize("framework", ["flask", "django", "fastapi"])
def test_without_a_shared_store_each_process_says_so_and_keeps_its_codes(sites, framework, signing_key, tmp_path):  # noqa: F811
    key, key_file = signing_key
    migrated, _ = sites
    with two_processes(sites, framework, key_file, {}) as ((a, b), issuer), httpx.Client(timeout=10) as http:
        auth = _code(http, _at(a, issuer, key), _session(framework, a))
        response = redeem(http, _at(b, issuer, key), auth.code, auth.verifier)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
        assert redeem(http, _at(a, issuer, key), auth.code, auth.verifier).status_code == 200
        site = migrated[framework]
        for origin in (a, b):
            log = (site.parent / f"{site.name}-{origin.rsplit(':', 1)[1]}.log").read_text()
            assert "GENESYS_OIDC_STORE_URL" in log, log[-2000:]
            if framework == "django":
                assert "LocMemCache" in log
