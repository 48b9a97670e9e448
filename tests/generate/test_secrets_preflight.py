"""--apply refuses, before writing anything, a place for the client secret and signing key that
would leak them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
         "--issuer", "https://shop.example.com/oidc", "--apply"]


@pytest.fixture
def shop(tmp_path):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    return site


def _snapshot(site):
    return {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _apply(site, secrets, message):
    before = _snapshot(site)
    r = CliRunner().invoke(app, ["generate", str(site), *FLAGS], env={"MIGRATE_SECRETS_DIR": str(secrets)})
    assert r.exit_code == 2, r.stderr
    assert message in r.stderr and "nothing was written" in r.stderr
    assert _snapshot(site) == before


def test_a_secrets_folder_inside_the_project_is_refused(shop):
    _apply(shop, shop / ".secrets", "inside the project")


def test_an_existing_key_others_can_read_is_not_reused(shop, tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    (secrets / "oidc-signing-key.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    os.chmod(secrets / "oidc-signing-key.pem", 0o644)
    _apply(shop, secrets, "is not a private file of yours (mode 0o644)")


def test_a_dangling_symlink_is_refused_before_the_site_is_written(shop, tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    (secrets / "client-secret").symlink_to(tmp_path / "nowhere")
    _apply(shop, secrets, "is a symbolic link")


def test_a_world_writable_folder_is_refused(shop, tmp_path):
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)
    _apply(shop, open_dir / "secrets", "can be written by anyone")


def test_a_private_folder_is_used_and_its_files_are_0600(shop, tmp_path):
    secrets = tmp_path / "secrets"
    r = CliRunner().invoke(app, ["generate", str(shop), *FLAGS], env={"MIGRATE_SECRETS_DIR": str(secrets)})
    assert r.exit_code == 0, r.stderr
    assert oct(secrets.stat().st_mode & 0o777) == "0o700"
    for name in ("client-secret", "oidc-signing-key.pem"):
        assert oct((secrets / name).stat().st_mode & 0o777) == "0o600"
