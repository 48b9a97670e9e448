"""README.md, checked against the tool: its commands, their options, the rule count, the output
formats, the JSON contract, the settings file and the exit-code table say what `migrate` does."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from migrate.cli import app

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def _help(*command: str) -> str:
    r = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert r.exit_code == 0, (command, r.output)
    return r.stdout


def _options(*command: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", _help(*command)))


def _commands() -> set[str]:
    listed = _help().split("Commands:", 1)[1]
    return set(re.findall(r"^\s{2}([a-z][a-z-]+)\s", listed, re.M))


def _section(heading: str) -> str:
    return README.split(heading, 1)[1].split("\n## ", 1)[0]


def _sh_blocks(text: str) -> list[list[str]]:
    return [block.splitlines() for block in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)]


def test_the_first_lines_are_the_two_make_commands():
    first = _sh_blocks(README)[0]
    assert [line.split()[:2] for line in first] == [["make", "demo"], ["make", "test"]]
    assert README.index("make demo") < README.index("## ")


def test_the_command_table_lists_every_command_and_only_them():
    table = _section("## What it does")
    named = set(re.findall(r"^\| `migrate ([a-z-]+)", table, re.M))
    assert named == _commands()


def test_every_synopsis_option_belongs_to_its_command():
    """The `migrate SUB [--flag ...]` lines of the ```sh blocks, with their continuation lines."""
    checked = 0
    for lines in _sh_blocks(README):
        sub = None
        for line in lines:
            code = line.split("  #", 1)[0]
            m = re.match(r"migrate ([a-z-]+)\b(.*)$", code)
            if m:
                sub, rest = m.group(1), m.group(2)
            elif sub and line.startswith(" "):
                rest = code  # a continuation of the synopsis above
            else:
                sub = None
                continue
            assert sub in _commands(), f"`migrate {sub}` is not a command"
            options = _options(sub)
            for flag in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", rest):
                assert flag in options, f"`migrate {sub}` has no {flag} (README: {line.strip()})"
                checked += 1
    assert checked > 40


def test_every_flag_in_the_prose_exists_somewhere():
    prose = re.sub(r"^```.*?^```", "", README, flags=re.M | re.S)
    everywhere = set().union(_options(), *(_options(c) for c in _commands()))
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", prose))
    # not migrate's: git's, pipx's and the Terraform output's own flags
    named -= {"--editable", "--check", "--install-completion", "--show-completion", "--raw"}
    assert named <= everywhere, sorted(named - everywhere)


def test_the_code_rule_count_is_the_catalogs():
    r = runner.invoke(app, ["rules"])
    assert r.exit_code == 0
    rows = re.findall(r"^(ZG\d{3})\s+\S+\s+\S+\s+(\S+)", r.stdout, re.M)
    in_code = [rid for rid, found in rows if "code" in found.split(",")]
    m = re.search(r"(\d+) code rules", README)
    assert m and int(m.group(1)) == len(in_code), (m and m.group(0), len(in_code))
    mentioned = set(re.findall(r"\bZG\d{3}\b", README))
    assert mentioned <= {rid for rid, _ in rows}, sorted(mentioned - {rid for rid, _ in rows})


def test_the_output_formats_are_the_options_choices():
    table = _section("### In CI and editors")
    listed = set(re.findall(r"^\| `([a-z]+)`", table, re.M))
    choices = re.search(r"--output-format, --format <([a-z|]+)>", _help("scan")).group(1).split("|")
    assert listed == set(choices) - {"text"}  # text is full's other name, said above the table
    assert "`text` the same as `full`" in README


def test_the_json_contract_names_every_key_scan_writes(tmp_path):
    contract = _section("## `migrate scan`").split("The JSON report", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r'"([a-z_]+)"', contract))
    site = tmp_path / "site"
    shutil.copytree(ROOT / "examples" / "shop", site)
    # an identity provider the site signs in at, so that the optional key is written too
    (site / ".env.example").write_text("OKTA_ISSUER=https://acme.okta.com/oauth2/default\n", encoding="utf-8")
    r = runner.invoke(app, ["scan", str(site), "--format", "json"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert "identity_providers" in data
    keys = set(data) | set(data["stats"]) | set(data["findings"][0])
    keys |= {k for w in data["widgets"] for k in w} | {k for w in data["widgets"] for c in w["calls"] for k in c}
    keys |= {k for idp in data["identity_providers"] for k in idp}
    keys |= {k for idp in data["identity_providers"] for e in idp["evidence"] for k in e}
    assert keys <= documented, sorted(keys - documented)
    # the signer's keys the contract names are there (the rest is "...")
    named_signer = set(re.findall(r'"([a-z_]+)"', contract.split('"signers"', 1)[1].split("]", 1)[0]))
    assert named_signer - {"source", "expression"} <= set(data["signers"][0])


@pytest.mark.parametrize("key", ["select", "ignore", "exclude", "output-format", "exit-zero", "jobs", "max-file-size",
                                 "file-timeout"])
def test_every_settings_key_the_readme_names_is_taken(tmp_path, key):
    section = _section("### Settings file")
    assert f"`{key}`" in section
    value = {"select": "[ZG2]", "ignore": "[ZG208]", "exclude": "[legacy/]", "output-format": "json",
             "exit-zero": "true", "jobs": "1", "max-file-size": "8", "file-timeout": "20"}[key]
    site = tmp_path / "site"
    shutil.copytree(ROOT / "examples" / "shop", site)
    (site / "migrate.yaml").write_text(f"scan:\n  {key}: {value}\n", encoding="utf-8")
    r = runner.invoke(app, ["scan", str(site)])
    assert r.exit_code in (0, 1), r.output
    (site / "migrate.yaml").write_text(f"scan:\n  {key}x: {value}\n", encoding="utf-8")
    r = runner.invoke(app, ["scan", str(site)])
    assert r.exit_code == 2 and "migrate.yaml" in r.stderr  # an unknown key names the file


def test_the_exit_code_table_has_a_row_for_every_command():
    table = _section("## Exit codes and environment")
    rows = re.findall(r"^\| ((?:`[a-z-]+`(?:, )?)+) \|", table, re.M)
    named = {c for row in rows for c in re.findall(r"`([a-z-]+)`", row)}
    assert named == _commands()


def test_the_documented_exit_codes_hold(tmp_path):
    shop = str(ROOT / "examples" / "shop")
    assert runner.invoke(app, ["scan", shop]).exit_code == 1
    assert runner.invoke(app, ["scan", shop, "--exit-zero"]).exit_code == 0
    assert runner.invoke(app, ["scan", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(app, ["rules", "ZG999"]).exit_code == 2
    assert runner.invoke(app, ["check-token", "abc.def"]).exit_code == 1  # malformed: a finding
    assert runner.invoke(app, ["check-token", "a.b.c", "--secret-env", "MIGRATE_README_UNSET"],
                         env={"MIGRATE_README_UNSET": ""}).exit_code == 2
    assert runner.invoke(app, ["check-token", "a.b.c", "--jwks", str(tmp_path / "none.json")]).exit_code == 2
    r = runner.invoke(app, ["rotate-key", str(tmp_path), "--issuer", "https://shop.example.com/oidc", "--promote"],
                      env={"MIGRATE_SECRETS_DIR": str(tmp_path / "secrets")})
    assert r.exit_code == 2 and "oidc-signing-key.next.pem" in r.stderr, r.output  # no next key to promote
    r = runner.invoke(app, ["keys", str(tmp_path)], env={"MIGRATE_SECRETS_DIR": str(tmp_path / "secrets")})
    assert r.exit_code == 2 and "issuer" in r.stderr, r.output  # no issuer anywhere


def test_the_secrets_folder_is_the_one_documented(tmp_path):
    """MIGRATE_SECRETS_DIR wins; else XDG_CONFIG_HOME/migrate/<issuer host>."""
    site = tmp_path / "site"
    site.mkdir()
    env = {"MIGRATE_SECRETS_DIR": "", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    r = runner.invoke(app, ["keys", str(site), "--issuer", "https://shop.example.com/oidc"], env=env)
    assert r.exit_code == 0, r.output
    folder = tmp_path / "xdg" / "migrate" / "shop.example.com"
    assert {p.name for p in folder.iterdir()} == {"client-secret", "oidc-signing-key.pem"}
    env["MIGRATE_SECRETS_DIR"] = str(tmp_path / "mine")
    assert runner.invoke(app, ["keys", str(site), "--issuer", "https://shop.example.com/oidc"], env=env).exit_code == 0
    assert {p.name for p in (tmp_path / "mine").iterdir()} == {"client-secret", "oidc-signing-key.pem"}
    for name in ("MIGRATE_SECRETS_DIR", "XDG_CONFIG_HOME"):
        assert name in _section("## Exit codes and environment")
