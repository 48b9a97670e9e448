"""`migrate generate --terraform DIR` through the CLI: nothing written without --apply; inside the site
the files join the site's diff, outside it they are a separate diff on stderr; a re-run is a no-op."""

import json
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from migrate.cli import app

from conftest import ROOT

runner = CliRunner()
FLAGS = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
         "--issuer", "https://shop.example.com/oidc"]
TF_FILES = ("main.tf", "variables.tf", "README.md")


@pytest.fixture
def shop(tmp_path, monkeypatch):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def _snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_inside_the_site_the_files_join_the_diff(shop, tmp_path):
    before = _snapshot(shop)
    r = runner.invoke(app, ["generate", str(shop), *FLAGS, "--terraform", str(shop / "infra")])
    assert r.exit_code == 0, r.output
    assert _snapshot(shop) == before  # nothing written without --apply
    for name in TF_FILES:
        assert f"diff --git a/infra/{name} b/infra/{name}\nnew file mode 100644\n" in r.stdout
    assert "infra/main.tf: Genesys side as Terraform" in r.stderr
    copy = tmp_path / "copy"
    shutil.copytree(shop, copy)
    patch = tmp_path / "site.patch"
    patch.write_text(r.stdout, encoding="utf-8")
    check = subprocess.run(["git", "apply", "--check", str(patch)], cwd=copy, capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stderr


def test_apply_writes_them_and_a_second_run_is_empty(shop):
    r = runner.invoke(app, ["generate", str(shop), *FLAGS, "--terraform", str(shop / "infra"), "--apply"])
    assert r.exit_code == 0, r.output
    assert "wrote infra/main.tf" in r.stderr
    assert 'resource "genesyscloud_webdeployments_configuration"' in (shop / "infra" / "main.tf").read_text()
    again = runner.invoke(app, ["generate", str(shop), *FLAGS, "--terraform", str(shop / "infra")])
    assert again.exit_code == 0, again.output
    assert again.stdout == ""


def test_outside_the_site_a_separate_diff_and_apply(shop, tmp_path):
    ops = tmp_path / "ops" / "genesys"
    r = runner.invoke(app, ["generate", str(shop), *FLAGS, "--terraform", str(ops)])
    assert r.exit_code == 0, r.output
    assert not ops.exists()
    assert "genesyscloud" not in r.stdout  # stdout stays the site's patch
    assert f"Terraform for {ops.resolve()} (not written; --apply writes it)" in r.stderr
    assert "diff --git a/main.tf b/main.tf" in r.stderr
    j = runner.invoke(app, ["generate", str(shop), *FLAGS, "--terraform", str(ops), "--format", "json"])
    data = json.loads(j.stdout)
    assert data["terraform"]["root"] == str(ops.resolve()) and "+++ b/variables.tf" in data["terraform"]["diff"]
    a = runner.invoke(app, ["generate", str(shop), *FLAGS, "--terraform", str(ops), "--apply"])
    assert a.exit_code == 0, a.output
    assert sorted(p.name for p in ops.iterdir()) == sorted(TF_FILES)
    assert "oidc_client_secret" in (ops / "variables.tf").read_text()
    again = runner.invoke(app, ["generate", str(shop), *FLAGS, "--terraform", str(ops)])
    assert f"Terraform in {ops.resolve()}: up to date." in again.stderr


def test_terraform_must_be_a_folder(shop, tmp_path):
    f = tmp_path / "file.tf"
    f.write_text("")
    r = runner.invoke(app, ["generate", str(shop), *FLAGS, "--terraform", str(f)])
    assert r.exit_code == 2
