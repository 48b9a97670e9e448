"""`migrate generate --terraform DIR` through the CLI: nothing written without --apply; inside the site
the files join the site's diff, outside it they are a separate diff on stderr; a re-run is a no-op.
The configuration comes from --configuration-id or is read from the deployment with the verify
client (the fake Genesys on 127.0.0.1); an anonymous site's widget settings reach the Terraform."""

import json
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from migrate.cli import app

import fakegenesys as fg
from conftest import ROOT
from fakegenesys import sdk_home  # noqa: F401  (fixture)

runner = CliRunner()
CONFIGURATION = "c0f1a2b3-2222-4222-8222-000000000003"
BASE = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"]
FLAGS = [*BASE, "--issuer", "https://shop.example.com/oidc", "--configuration-id", CONFIGURATION]
TF_FILES = ("main.tf", "variables.tf", "README.md")
NO_CREDENTIALS = {"GENESYSCLOUD_OAUTHCLIENT_ID": None, "GENESYSCLOUD_OAUTHCLIENT_SECRET": None,
                  "GENESYSCLOUD_API_HOST": None}


@pytest.fixture
def shop(tmp_path, monkeypatch):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    for name in NO_CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
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
    main = (shop / "infra" / "main.tf").read_text()
    assert 'resource "genesyscloud_webdeployments_configuration"' in main and f'id = "{CONFIGURATION}"' in main
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


def test_without_configuration_id_or_credentials_it_says_how_to_give_it(shop, tmp_path):
    flags = [f for f in FLAGS if f not in ("--configuration-id", CONFIGURATION)]
    r = runner.invoke(app, ["generate", str(shop), *flags, "--terraform", str(tmp_path / "tf")])
    assert r.exit_code == 2
    said = " ".join(r.stderr.split())
    assert "--configuration-id" in said and "GENESYSCLOUD_OAUTHCLIENT_ID" in said
    assert not (tmp_path / "tf").exists()


@pytest.mark.usefixtures("sdk_home")
def test_configuration_and_domains_read_from_the_deployment(shop, tmp_path):
    """With the verify client's credentials, the deployment's configuration id, name, allowed domains
    and the configuration's languages come from the org (the fake Genesys): nothing to fill in."""
    org = fg.Org()
    org.deployment["id"] = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
    flags = [f for f in FLAGS if f not in ("--configuration-id", CONFIGURATION)]
    with fg.FakeGenesys(org) as fake:
        env = {"GENESYSCLOUD_OAUTHCLIENT_ID": fg.CLIENT_ID, "GENESYSCLOUD_OAUTHCLIENT_SECRET": fg.SECRET,
               "GENESYSCLOUD_API_HOST": fake.url, "MIGRATE_HTTP_TIMEOUT": "3"}
        r = runner.invoke(app, ["generate", str(shop), *flags, "--terraform", str(tmp_path / "tf"), "--apply"],
                          env=env)
    assert r.exit_code == 0, r.output
    assert fg.SECRET not in r.output and fg.TOKEN not in r.output
    main = (tmp_path / "tf" / "main.tf").read_text()
    variables = (tmp_path / "tf" / "variables.tf").read_text()
    assert f'id = "{fg.CONFIG_ID}"' in main  # the configuration the deployment uses, imported
    assert 'default     = ["https://shop.example.com"]' in variables  # the domains it has are kept
    assert 'default     = "Shop"' in variables and 'default     = "Shop Messenger"' in variables
    assert "read from the deployment (default)" in (tmp_path / "tf" / "README.md").read_text()


ANONYMOUS_PAGE = """<!doctype html>
<html lang="de">
<head>
<script>
  window.zESettings = {
    webWidget: {
      color: { theme: '#78a300' },
      position: { horizontal: 'left' },
      offset: { horizontal: '24px', vertical: 90 },
      launcher: { chatLabel: { '*': 'Hilfe im Chat' } },
      contactForm: { fields: [{ id: 'description', prefill: { '*': 'Bestellnummer:' } }] }
    }
  };
</script>
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=3c1f9e0a-7b2d-4e8f-9a61-5d4c3b2a1f00"></script>
<script>
  zE('webWidget', 'setLocale', 'de');
  zE('webWidget', 'hide');
  document.getElementById('help').addEventListener('click', function () { zE('webWidget', 'open'); });
</script>
</head>
<body><button id="help">Hilfe</button></body>
</html>
"""


def test_anonymous_site_settings_reach_the_configuration(tmp_path, monkeypatch):
    for name in NO_CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    site = tmp_path / "site"
    (site / "views").mkdir(parents=True)
    (site / "views" / "index.html").write_text(ANONYMOUS_PAGE)
    tf = tmp_path / "tf"
    r = runner.invoke(app, ["generate", str(site), *BASE, "--configuration-id", CONFIGURATION, "--terraform",
                            str(tf), "--apply"])
    assert r.exit_code == 0, r.output
    main = (tf / "main.tf").read_text()
    assert "genesyscloud_integration" not in main and "authentication_settings {" not in main
    ignored = re.search(r'configuration" "messenger" \{.*?ignore_changes = \[(.*?)\n    \]', main, re.S).group(1)
    assert "authentication_settings," in ignored  # whatever it has today stays
    for line in ('primary_color = "#78A300"', 'alignment = "Left"', "side_space = 24", "bottom_space = 90",
                 'visibility = "OnDemand"', 'default_language = "de"',
                 'languages        = distinct(concat(var.existing_languages, ["de"]))'):
        assert line in main, line
    for key in ("zESettings webWidget.color.theme = '#78a300'", "zESettings webWidget.position.horizontal",
                "zESettings webWidget.offset.horizontal = '24px'", "webWidget hide", "webWidget setLocale"):
        assert key in main, key
    # The launcher text: ready to uncomment (it would replace the configuration's other labels).
    assert re.search(r'#\s+value = "Hilfe im Chat"', main) and "MessengerLauncherButtonText" in main
    # No equivalent: a visible TODO with the value.
    assert re.search(r"# TODO\(migrate:ZG107\).*\n(#.*\n)*\s*#\s+zESettings webWidget\.contactForm\.fields.*'Bestellnummer:'",
                     main)
    assert "existing_allowed_domains" not in (tf / "variables.tf").read_text()
    if shutil.which("terraform"):
        check = subprocess.run(["terraform", "fmt", "-check", "-diff", "-no-color", "."], cwd=tf,
                               capture_output=True, text=True, timeout=60,
                               env={"PATH": "/usr/local/bin:/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null"})
        assert check.returncode == 0, check.stdout + check.stderr
    from generated.test_terraform_genesys import fmt_problems

    assert fmt_problems(main) == []
