"""The Genesys side as Terraform: it imports the existing configuration and deployment and changes
only what the migration needs (everything else in ignore_changes), pins the provider, sets the Max
Refresh Token Lifetime, carries the widget's settings with their Zendesk keys, keeps the client
secret out of the files, and is `terraform fmt` clean.

`terraform validate` needs the provider downloaded by `terraform init` (registry access), so it is
not run here; `terraform fmt -check` parses every file and checks the style rules offline. Where
terraform is not installed (Debian has no package), the structural check below still runs: braces
and brackets balance, and within each run of `name = value` lines the equals signs line up, which
is what `terraform fmt` enforces."""

import os
import re
import shutil
import subprocess

import pytest
from conftest import GOLDEN

from migrate.generate import config as cfg
from migrate.generate.genesys_side import genesys_side
from migrate.generate.terraform import FILES, PROVIDER_VERSION, change_set, hcl_string, render_files
from migrate.genesys.model import Existing

DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
CONFIGURATION = "c0f1a2b3-2222-4222-8222-000000000003"
TERRAFORM = shutil.which("terraform")


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", "/etc/migrate/shop.example.com")
    conf = cfg.load(tmp_path, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc",
                    configuration_id=CONFIGURATION, refresh_lifetime="7d")
    return render_files(conf, genesys_side(conf))


def _terraform(*args, cwd):
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1"}
    return subprocess.run([TERRAFORM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def fmt_problems(text: str) -> list[str]:
    """What `terraform fmt` would change, as far as this check sees: unbalanced brackets, indentation
    that is not two spaces per open block, `=` not aligned within a run of one-line attributes (a
    blank line, a comment, a block or a multi-line value ends a run)."""
    problems: list[str] = []
    depth, balance, run = 0, 0, []

    def flush():
        if len({col for _, col in run}) > 1:
            problems.append(f"lines {run[0][0]}-{run[-1][0]}: '=' not aligned")
        run.clear()

    for n, line in enumerate(text.split("\n"), 1):
        body = line.strip()
        if not body or body.startswith("#"):
            flush()
            continue
        want = 2 * (depth - (1 if body[0] in "}])" else 0))
        if len(line) - len(line.lstrip(" ")) != want:
            problems.append(f"line {n}: indented {len(line) - len(line.lstrip(' '))}, not {want}")
        m = re.match(r"^\s*[\w\"().-]+\s*=(?!=)", line)
        if m and not body.endswith(("{", "[", "(")):
            run.append((n, m.end()))
        else:
            flush()
        net = sum(body.count(c) for c in "{[(") - sum(body.count(c) for c in "}])")
        balance += net
        depth += (net > 0) - (net < 0)  # `jsonencode({` opens one level, as fmt indents it
    flush()
    if balance:
        problems.append(f"unbalanced by {balance}")
    return problems


def _write(files, folder):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
def test_terraform_fmt_accepts_the_files(files, tmp_path):
    out = _write(files, tmp_path / "tf")
    r = _terraform("fmt", "-check", "-diff", "-no-color", ".", cwd=out)
    assert r.returncode == 0, r.stdout + r.stderr
    (out / "broken.tf").write_text('resource "x" "y" {\n  a = \n')  # fmt does parse: a syntax error fails
    assert _terraform("fmt", "-check", "-no-color", ".", cwd=out).returncode != 0


def test_structural_check_passes_and_can_fail(files):
    for name in ("main.tf", "variables.tf"):
        assert fmt_problems(files[name]) == [], name
    assert fmt_problems('resource "x" "y" {\n  a = 1\n  bb = 2\n}\n')  # not aligned
    assert fmt_problems('resource "x" "y" {\n   a = 1\n}\n')  # three spaces
    assert fmt_problems('resource "x" "y" {\n  a = 1\n')  # unbalanced


def test_matches_golden(files, update_golden):
    folder = GOLDEN / "terraform"
    for name in FILES:
        golden = folder / name
        if update_golden:
            folder.mkdir(parents=True, exist_ok=True)
            golden.write_text(files[name], encoding="utf-8")
        assert files[name] == golden.read_text(encoding="utf-8"), f"{name} differs from {golden}"


def test_existing_configuration_and_deployment_are_imported_and_kept(files):
    main = files["main.tf"]
    for resource in ("genesyscloud_integration_credential", "genesyscloud_integration",
                     "genesyscloud_webdeployments_configuration", "genesyscloud_webdeployments_deployment"):
        assert f'resource "{resource}"' in main
    imports = re.findall(r'import \{\n  to = (\S+)\n  id = "([^"]+)"\n\}', main)
    assert imports == [("genesyscloud_webdeployments_configuration.messenger", CONFIGURATION),
                       ("genesyscloud_webdeployments_deployment.messenger", DEPLOYMENT)]
    conf = main[main.index('resource "genesyscloud_webdeployments_configuration"'):]
    conf = conf[:conf.index("\n}\n")]
    ignored = re.search(r"ignore_changes = \[(.*?)\n    \]", conf, re.S).group(1).split()
    ignored = [i.rstrip(",") for i in ignored]
    # What the migration does not change stays as it is in Genesys.
    for kept in ("languages", "default_language", "messenger", "position", "cobrowse", "support_center",
                 "custom_i18n_labels", "journey_events", "video", "name"):
        assert kept in ignored, kept
    assert "authentication_settings" not in ignored
    dep = main[main.index('resource "genesyscloud_webdeployments_deployment"'):]
    assert 'allowed_domains = distinct(concat(var.existing_allowed_domains, ["shop.example.com"]))' in dep
    dep_ignored = re.search(r"ignore_changes = \[(.*?)\n    \]", dep, re.S).group(1)
    for kept in ("name", "flow_id", "description", "allow_all_domains"):
        assert f"{kept}," in dep_ignored
    assert "allowed_domains" not in dep_ignored
    assert "inbound_message_flow_id" not in main + files["variables.tf"]  # the flow it has is kept


def test_provider_pinned_and_refresh_lifetime_set(files):
    main = files["main.tf"]
    assert f'version = "{PROVIDER_VERSION}"' in main and 'source  = "mypurecloud/genesyscloud"' in main
    assert re.search(r"maxRefreshTokenLifetime = 604800\n", main)  # --refresh-lifetime 7d
    auth = re.search(r"authentication_settings \{(.*?)\}", main, re.S).group(1)
    assert "enabled        = true" in auth and "integration_id = genesyscloud_integration.messenger_oidc.id" in auth
    assert "allow_session_upgrade" not in auth  # only when asked
    assert '"https://shop.example.com/oidc/.well-known/openid-configuration"' in main
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


def test_what_was_read_from_the_org_fills_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "s"))
    conf = cfg.load(tmp_path, region="eu-west-1", deployment_id=DEPLOYMENT, issuer="https://shop.example.com/oidc",
                    allow_session_upgrade=True)
    side = genesys_side(conf).with_existing(Existing(
        DEPLOYMENT, "Shop", False, ("https://shop.example.com", "help.example.com"), CONFIGURATION,
        "Shop Messenger", ("en-us", "fr"), "en-us"))
    files = render_files(conf, side)
    variables = files["variables.tf"]
    assert 'default     = ["https://shop.example.com", "help.example.com"]' in variables
    assert 'default     = "Shop"' in variables and 'default     = "Shop Messenger"' in variables
    assert f'id = "{CONFIGURATION}"' in files["main.tf"]  # the configuration id came from the deployment
    assert re.search(r"allow_session_upgrade = true", files["main.tf"])
    assert fmt_problems(files["main.tf"]) == [] and fmt_problems(variables) == []
    everything = side.with_existing(Existing(DEPLOYMENT, "Shop", True, (), CONFIGURATION))
    dep = render_files(conf, everything)["main.tf"]
    dep = dep[dep.index('resource "genesyscloud_webdeployments_deployment"'):]
    assert "allowed_domains =" not in dep and "allowed_domains," in dep  # all domains allowed: left so
