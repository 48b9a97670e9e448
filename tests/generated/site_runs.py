"""What the runtime tests of tests/generated share: a copy of a fixture site migrated with
`migrate generate` (every file it writes parses, then it is applied), built (a missing toolchain or
registry skips, a failed build fails), started on 127.0.0.1 bounded in time, and driven by the
relying party of relying_party.py and the certified one of certified_rp.py.

A test module says only what differs: its site, how it is built and started, and what it checks.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from production_checks import OFFLINE
from relying_party import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    Authorization,
    Host,
    provider_env,
    redeem,
    signed_in_code,
    verify_id_token,
)
from toolchains import BuildFailed, Unavailable, free_port, running, stop

from migrate.extract.treesitter import Doc
from migrate.generate import config as cfg
from migrate.generate.run import Result, generate

DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ISSUER = "https://shop.example.com/oidc"  # also the one issuer of two servers of a site on one store


# --- migrating ------------------------------------------------------------------------------------------


def load(site: Path, issuer: str = ISSUER) -> cfg.Config:
    return cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=issuer)


def generate_applied(site: Path, cutover: bool = False, grammar: str | None = None,
                     check: Callable[[str, str], None] | None = None, issuer: str = ISSUER) -> Result:
    """generate on the site; each file it writes in `grammar` (its extension) parses and passes
    `check(path, text)`; then the changes are written."""
    result = generate(site, load(site, issuer), cutover=cutover)
    for change in result.changes.changes:
        if grammar and change.after is not None and change.path.endswith(f".{grammar}"):
            doc = Doc.parse(grammar, change.after.encode())
            assert doc.first_error() is None, (change.path, [doc.text(e)[:80] for e in doc.errors()])
            if check:
                check(change.path, change.after)
    result.changes.apply()
    return result


@contextlib.contextmanager
def secrets_in(work: Path) -> Iterator[None]:
    """generate keeps the secrets it makes under `work`, not the user's folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGRATE_SECRETS_DIR", str(work / "secrets"))
        yield


def migrated_copies(source: Path, work: Path, grammar: str, check=None) -> dict:
    """`source` copied to work/site and migrated (default mode), generate run again on it (`again`,
    not applied), then a copy of it, work/cut, migrated with --cutover."""
    site, cut = work / "site", work / "cut"
    shutil.copytree(source, site)
    with secrets_in(work):
        default = generate_applied(site, grammar=grammar, check=check)
        again = generate(site, load(site))
        shutil.copytree(site, cut)
        cutover = generate_applied(cut, cutover=True, grammar=grammar, check=check)
    return {"site": site, "cut": cut, "default": default, "again": again, "cutover": cutover, "work": work}


def migrated_and_built(source: Path, work: Path, grammar: str | None, build: Callable[[Path, str], Path],
                       kept: tuple[str, ...]) -> dict:
    """`source` copied to work/site, migrated (default mode), generate run again (`again`, not
    applied), built; then migrated with --cutover in place and built again. `kept` and `cut_files`
    hold the `kept` files' text after each; `bin` the two builds."""
    site = work / "site"
    shutil.copytree(source, site)
    original = {p: (site / p).read_text() for p in kept}
    with secrets_in(work):
        default = generate_applied(site, grammar=grammar)
        after_default = {p: (site / p).read_text() for p in kept}
        again = generate(site, load(site))
        first = build(site, "shop-default")
        cut = generate_applied(site, cutover=True, grammar=grammar)
        second = build(site, "shop-cutover")
    return {"site": site, "default": default, "again": again, "cut": cut, "original": original,
            "kept": after_default, "cut_files": {p: (site / p).read_text() for p in kept},
            "bin": {"default": first, "cut": second}}


def built(build: Callable[..., Path], *args) -> Path:
    """A build of toolchains.py: without its toolchain or registry the test skips, a failed build fails."""
    try:
        return build(*args)
    except Unavailable as e:
        pytest.skip(str(e))
    except BuildFailed as e:
        pytest.fail(str(e), pytrace=False)


# --- running --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def serve(command: list[str], cwd: Path, env: dict[str, str], port: int, log: Path, start_timeout: float = 20,
          max_seconds: int | None = 60) -> Iterator[str]:
    """`command` started in `cwd`, its output to `log`; yields its origin once 127.0.0.1:port accepts,
    and stops it on exit. Under `timeout max_seconds` it ends by itself whatever the test does (None:
    the command bounds itself)."""
    bounded = ["timeout", str(max_seconds), *command] if max_seconds else command
    with open(log, "wb") as out:
        proc = subprocess.Popen(bounded, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the site did not start:\n{log.read_text(errors='replace')[-4000:]}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@contextlib.contextmanager
def started(command: Callable[[int], list[str]], cwd: Path, signing_key, log: Path, **settings: str | None
            ) -> Iterator[Host]:
    """The migrated site in `cwd` served by `command(port)` on a free port (see serve), with the
    provider's settings, a Zendesk secret and `settings` (None unsets one); yields its provider."""
    key, key_file = signing_key
    port = free_port()
    env = provider_env(key_file, **{"ZENDESK_SECRET": "zendesk-shared-secret", **settings})
    env["GENESYS_OIDC_ISSUER"] = env["GENESYS_OIDC_ISSUER"].replace("{port}", str(port))
    with serve(command(port), cwd, env, port, log) as origin:
        yield host_at(origin, key)


@contextlib.contextmanager
def listening(command: list[str], signing_key, log: Path, start_timeout: float = 20, **settings: str | None
              ) -> Iterator[Host]:
    """A built site that picks its own port and prints "listening PORT" (toolchains.running), with the
    provider's settings, a Zendesk secret and `settings`; yields its provider."""
    key, key_file = signing_key
    env = provider_env(key_file, **{"ZENDESK_SECRET": "zendesk-shared-secret", "ZENDESK_KEY_ID": "app_123",
                                    **settings})
    with running(command, env, log, start_timeout) as port:
        yield host_at(f"http://127.0.0.1:{port}", key)


def host_at(origin: str, key) -> Host:
    """The provider of the site at `origin`, under its /oidc issuer path."""
    return Host(origin=origin, issuer=f"{origin}/oidc", key=key)


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        yield client


# --- driving --------------------------------------------------------------------------------------------


def signs_in(http: httpx.Client, host: Host, discovery: bool = False, **params) -> tuple[dict, Authorization, dict]:
    """Code + PKCE + nonce through the provider (after its discovery document, when asked), the code
    redeemed server to server (no session, no CSRF token), the ID token verified by the served JWKS.
    `params` go to the relying party's /authorize. Returns the claims, the authorization (its
    /authorize answer) and the tokens."""
    if discovery:
        found = http.get(f"{host.issuer}/.well-known/openid-configuration")
        assert found.status_code == 200 and found.json()["issuer"] == host.issuer
    auth = signed_in_code(http, host, **params)
    response = redeem(http, host, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    claims = verify_id_token(http, host, response.json()["id_token"])
    assert claims["nonce"] == auth.nonce
    return claims, auth, response.json()


def id_token_claims(host: Host, token: str, issuer: str = ISSUER) -> dict:
    """The claims of an ID token issued for servers of one site behind one issuer, by the site's key."""
    return jwt.decode(token, host.key.public_key(), algorithms=["RS256"], audience=CLIENT_ID, issuer=issuer)


def one_code_across_two_servers(http: httpx.Client, a: Host, b: Host, sub: str) -> dict:
    """Two servers of one site on one store: a code issued by `a` is redeemed at `b`, once (a replay is
    refused at either). Returns the tokens."""
    auth = signed_in_code(http, a, scope=OFFLINE)
    response = redeem(http, b, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    claims = verify_id_token(http, b, response.json()["id_token"])
    assert claims["sub"] == sub and claims["nonce"] == auth.nonce
    for host in (a, b):
        replay = redeem(http, host, auth.code, auth.verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    return response.json()


def certified_through(host: Host, sub: str) -> dict:
    """panva's openid-client (certified_rp.py) signs alice in through `host` with her session cookie,
    refreshes, and sees its refusals: a reused code, a wrong verifier or nonce, a reused refresh token."""
    from certified_rp import drive

    seen = drive(host.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI,
                 headers={"Cookie": "session=alice"}, scope=OFFLINE, refresh=True)
    assert seen["claims"]["sub"] == sub and seen["userinfo"]["sub"] == sub
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] and seen["refreshed"]["rotated"] and seen["refresh_reused"] == "invalid_grant"
    return seen
