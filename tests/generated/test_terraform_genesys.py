"""The Genesys side as Terraform: rendered HCL is `terraform fmt` clean, matches the golden files,
names the provider's documented attributes and keeps the client secret out of the files.

`terraform validate` needs the provider downloaded by `terraform init` (registry access), so it is not
run here; `terraform fmt` parses every file and checks the style rules offline."""

import os
import re
import shutil
import subprocess

import pytest
from conftest import GOLDEN

from migrate.generate import config as cfg
from migrate.generate.genesys_side import genesys_side
from migrate.generate.terraform import FILES, change_set, hcl_string, render_files

DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
TERRAFORM = shutil.which("terraform")


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", "/etc/migrate/shop.example.com")
    conf = cfg.load(tmp_path, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc")
    return render_files(conf, genesys_side(conf))


def _terraform(*args, cwd):
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1"}
    return subprocess.run([TERRAFORM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
def test_terraform_fmt_accepts_the_files(files, tmp_path):
    out = tmp_path / "tf"
    out.mkdir()
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    r = _terraform("fmt", "-check", "-diff", "-no-color", ".", cwd=out)
    assert r.returncode == 0, r.stdout + r.stderr
    (out / "broken.tf").write_text('resource "x" "y" {\n  a = \n')  # fmt does parse: a syntax error fails
    assert _terraform("fmt", "-check", "-no-color", ".", cwd=out).returncode != 0


def test_matches_golden(files, update_golden):
    folder = GOLDEN / "terraform"
    for name in FILES:
        golden = folder / name
        if update_golden:
            folder.mkdir(parents=True, exist_ok=True)
            golden.write_text(files[name], encoding="utf-8")
        assert files[name] == golden.read_text(encoding="utf-8"), f"{name} differs from {golden}"


def test_resources_and_documented_attributes(files):
    main = files["main.tf"]
    for resource in ("genesyscloud_integration_credential", "genesyscloud_integration",
                     "genesyscloud_webdeployments_configuration", "genesyscloud_webdeployments_deployment"):
        assert f'resource "{resource}"' in main
    assert 'source = "mypurecloud/genesyscloud"' in main and 'aws_region = "eu-west-1"' in main
    auth = re.search(r"authentication_settings \{(.*?)\}", main, re.S).group(1)
    assert "enabled        = true" in auth and "integration_id = genesyscloud_integration.messenger_oidc.id" in auth
    assert 'allowed_domains = ["shop.example.com"]' in main
    assert '"https://shop.example.com/oidc/.well-known/openid-configuration"' in main
    assert f'id = "{DEPLOYMENT}"' in main  # the existing deployment is imported, not a new one made
    assert main.count("unconfirmed") >= 4


def test_secret_is_a_sensitive_variable_and_never_a_value(files):
    block = re.search(r'variable "oidc_client_secret" \{(.*?)\n\}', files["variables.tf"], re.S).group(1)
    assert "sensitive   = true" in block and "default" not in block
    assert "clientSecret = var.oidc_client_secret" in files["main.tf"]
    readme = files["README.md"]
    for var in re.findall(r'variable "(\w+)"', files["variables.tf"]):
        assert f"`{var}`" in readme, f"README does not say how to fill in {var}"
    assert "/etc/migrate/shop.example.com/client-secret" in readme


def test_hcl_strings_escape_templates_and_quotes():
    assert hcl_string('a"b${c}%{d}\\') == '"a\\"b$${c}%%{d}\\\\"'


def test_change_set_inside_and_outside_the_site(files, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    inside, is_inside = change_set(site, site / "infra", files)
    assert is_inside and {c.path for c in inside.changes} == {"infra/main.tf", "infra/variables.tf", "infra/README.md"}
    outside, is_inside = change_set(site, tmp_path / "ops", files)
    assert not is_inside and outside.root == (tmp_path / "ops").resolve()
    assert {c.path for c in outside.changes} == set(FILES)
    outside.apply()
    again, _ = change_set(site, tmp_path / "ops", files)
    assert again.empty and again.diff() == ""
