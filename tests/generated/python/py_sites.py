"""Migrating a small Python site with `migrate generate`, then running it under its real server.

A site of tests/generated/python/sites/<name> is copied twice: one copy gets the default generate
(the provider beside the kept Zendesk route), the other that and then `--cutover`. Each change set
must pass `git apply --check`, every changed or new file must parse (Python files compile), and a
second run must change nothing. A copy is started on 127.0.0.1 under `timeout` (it ends by itself
after MAX_SECONDS whatever the test does) and stopped by the test; the relying party of
relying_party.py signs a visitor in through it.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import site_runs
from relying_party import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    Host,
    provider_env,
    redeem,
    signed_in_code,
    verify_id_token,
)
from site_runs import free_port  # noqa: F401 (the modules take it from here)

from migrate.generate import config as cfg
from migrate.generate import reparse
from migrate.generate.run import Result, generate

SITES = Path(__file__).resolve().parent / "sites"
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ISSUER = "https://shop.example.com/oidc"
START_TIMEOUT = 20  # seconds for a server to accept connections
MAX_SECONDS = 60  # a started server ends itself after this
ZENDESK = {"ZENDESK_SECRET": "zendesk-shared-secret-of-the-shop-account", "ZENDESK_KEY_ID": "app_123"}


@dataclass
class Migrated:
    default: Path  # the site after the default generate
    cut: Path  # the site after the default generate and --cutover
    first: Result  # the default run
    cutover: Result  # the --cutover run on the migrated site


def run_generate(site: Path, cutover: bool = False) -> Result:
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER),
                    cutover=cutover)


def apply(site: Path, cutover: bool) -> Result:
    """Generate, `git apply --check` the diff, every file parses, write it; a second run is empty."""
    result = run_generate(site, cutover)
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=site, input=result.changes.diff().encode(),
                           capture_output=True, check=False)
    assert check.returncode == 0, check.stderr.decode()
    for change in result.changes.changes:
        if change.after is None:
            continue
        if change.path.endswith(".py"):
            compile(change.after, change.path, "exec")
        assert reparse.problem(change.path, None, change.after) is None, change.path
    result.changes.apply()
    assert run_generate(site, cutover).changes.diff() == "", "a second run after applying changes nothing"
    return result


def migrate(name: str, work: Path, monkeypatch) -> Migrated:
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(work / "secrets"))
    default = work / "default"
    shutil.copytree(SITES / name, default, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["git", "init", "-q"], cwd=default, check=True)
    first = apply(default, cutover=False)
    cut = work / "cut"
    shutil.copytree(default, cut)
    cutover = apply(cut, cutover=True)
    return Migrated(default, cut, first, cutover)


def site_env(key_file: Path, port: int, **extra: str | None) -> dict[str, str]:
    """The provider's settings for a server on `port`, and the site's own (None = unset)."""
    env = provider_env(key_file, GENESYS_OIDC_ISSUER=f"http://127.0.0.1:{port}/oidc")
    env.pop("HOST_APP_MAX_SECONDS", None)
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    for name in [*ZENDESK, "FLASK_APP", "FLASK_DEBUG", "DJANGO_SETTINGS_MODULE"]:
        env.pop(name, None)
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def serve(command: list[str], cwd: Path, env: dict[str, str], port: int):
    """`command` started in `cwd` (bounded by `timeout`); yields its origin once 127.0.0.1:port
    accepts, and stops it on exit."""
    return site_runs.serve(command, cwd, env, port, cwd.parent / f"{cwd.name}-{port}.log", START_TIMEOUT, MAX_SECONDS)


def signs_in(http: httpx.Client, origin: str, key, **params) -> tuple[dict, httpx.Response]:
    """Code + PKCE + nonce through the provider at origin/oidc; the ID token verified by the served
    JWKS. `params` go to the relying party's /authorize (session=..., headers=...)."""
    host = Host(origin=origin, issuer=f"{origin}/oidc", key=key)
    discovery = http.get(f"{host.issuer}/.well-known/openid-configuration")
    assert discovery.status_code == 200 and discovery.json()["issuer"] == host.issuer
    auth = signed_in_code(http, host, **params)
    response = redeem(http, host, auth.code, auth.verifier)  # server to server: no cookie
    assert response.status_code == 200, response.text
    claims = verify_id_token(http, host, response.json()["id_token"])
    assert claims["nonce"] == auth.nonce
    return claims, auth.response


def certified_sign_in(origin: str, cookie: str, secret: str = CLIENT_SECRET) -> dict:
    """panva's openid-client (an OpenID Certified relying party, certified_rp.py) through the
    provider at origin/oidc with the visitor's session cookie: discovery, code + PKCE + nonce +
    state, the ID token validated by the library, userinfo, refresh with rotation, and the
    refusals (a reused code, a wrong verifier or nonce, a reused refresh token). Returns what it saw,
    checked against what every provider owes it."""
    from certified_rp import drive

    seen = drive(f"{origin}/oidc", client_id=CLIENT_ID, client_secret=secret, redirect_uri=REDIRECT_URI,
                 headers={"Cookie": cookie}, scope="openid profile email offline_access", refresh=True)
    assert seen["issuer"] == f"{origin}/oidc" and seen["authorize_status"] == 302
    assert "refresh_token" in seen["discovery"]["grant_types_supported"]
    assert "offline_access" in seen["discovery"]["scopes_supported"]
    assert seen["discovery"]["code_challenge_methods_supported"] == ["S256"]
    assert seen["token_type"].lower() == "bearer" and seen["expires_in"] == 900
    assert seen["userinfo"]["sub"] == seen["claims"]["sub"]
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] is not None  # the library refused the ID token
    assert seen["refresh_token"] is True
    assert seen["refreshed"] == {"sub": seen["claims"]["sub"], "rotated": True}
    assert seen["refresh_reused"] == "invalid_grant"
    return seen
