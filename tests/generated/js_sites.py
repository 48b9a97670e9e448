"""Migrating a small JavaScript site with `migrate generate`, then running it under node.

A site of tests/generated/node/sites/<name> is copied twice: one copy gets the default generate
(the provider beside the kept Zendesk route), the other that and then `--cutover`. Each change set
must pass `git apply --check`, every file must parse, and a second run must change nothing. A copy
is started on 127.0.0.1 with node (node_modules linked from tests/node), prints "listening PORT"
and ends by itself after HOST_APP_MAX_SECONDS; the relying party of relying_party.py signs alice
in through it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from relying_party import Host, provider_env, redeem, signed_in_code, verify_id_token
from toolchains import free_port, running

from migrate.extract.treesitter import Doc
from migrate.generate import config as cfg
from migrate.generate.run import Result, generate

HERE = Path(__file__).resolve().parent
SITES = HERE / "node" / "sites"
NODE_MODULES = HERE.parent / "node" / "node_modules"
EXIT_AFTER = HERE / "node" / "exit_after.cjs"
TSX = (NODE_MODULES / "tsx" / "dist" / "loader.mjs").as_uri()  # `node --import TSX`: TypeScript and ESM in .js
NODE = shutil.which("node") or "node"
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
JS = (".js", ".cjs", ".mjs", ".ts")
GRAMMARS = {".js": "javascript", ".cjs": "javascript", ".mjs": "javascript", ".ts": "typescript",
            ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx"}


@dataclass
class Migrated:
    default: Path  # the site after the default generate
    cut: Path  # the site after the default generate and --cutover
    first: Result  # the default run
    cutover: Result  # the --cutover run on the migrated site


def _generate(site: Path, cutover: bool) -> Result:
    config = cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc")
    return generate(site, config, cutover=cutover)


def _apply(site: Path, cutover: bool) -> Result:
    result = _generate(site, cutover)
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=site, input=result.changes.diff().encode(),
                           capture_output=True, check=False)
    assert check.returncode == 0, check.stderr.decode()
    result.changes.apply()
    for change in result.changes.changes:
        grammar = GRAMMARS.get(Path(change.path).suffix)
        if grammar and change.after is not None:
            doc = Doc.parse(grammar, change.after.encode())
            assert doc.first_error() is None, (change.path, doc.text(doc.first_error())[:120])
    assert _generate(site, cutover).changes.diff() == "", "a second run after applying changes nothing"
    return result


def migrate(name: str, work: Path, monkeypatch) -> Migrated:
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(work / "secrets"))
    default = work / "default"
    shutil.copytree(SITES / name, default)
    subprocess.run(["git", "init", "-q"], cwd=default, check=True)
    first = _apply(default, cutover=False)
    cut = work / "cut"
    shutil.copytree(default, cut, symlinks=True)
    cutover = _apply(cut, cutover=True)
    for site in (default, cut):
        (site / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    return Migrated(default, cut, first, cutover)


def migrated(name: str, tmp_path_factory) -> Iterator[Migrated]:
    """A module fixture's `migrate`: generate keeps its secrets under the test's folder meanwhile."""
    with pytest.MonkeyPatch.context() as mp:
        yield migrate(name, tmp_path_factory.mktemp(name), mp)


@contextmanager
def serve(site: Path, command: list[str], key_file: Path, **env: str):
    """The site started with `node -r exit_after.cjs <command>` (paths in the site); yields its origin."""
    port = free_port()
    environment = provider_env(key_file, GENESYS_OIDC_ISSUER=f"http://127.0.0.1:{port}/oidc", HOST_APP_MAX_SECONDS="30")
    environment.update(PORT=str(port), ZENDESK_SECRET="zendesk-shared-secret", ZENDESK_KEY_ID="app_123", **env)
    log = site.parent / f"{site.name}-{port}.log"
    args = [str(site / c) if c.endswith(JS) and ":" not in c and not c.startswith("/") else c for c in command]
    with running([NODE, "-r", str(EXIT_AFTER), *args], environment, log, 20) as listening:
        yield f"http://127.0.0.1:{listening}"


def signs_alice_in(http: httpx.Client, origin: str, key) -> tuple[dict, httpx.Response]:
    """Code + PKCE + nonce through the provider; the ID token verified by the served JWKS."""
    host = Host(origin=origin, issuer=f"{origin}/oidc", key=key)
    auth = signed_in_code(http, host)
    response = redeem(http, host, auth.code, auth.verifier)
    assert response.status_code == 200, response.text
    claims = verify_id_token(http, host, response.json()["id_token"])
    assert claims["nonce"] == auth.nonce
    return claims, auth.response
