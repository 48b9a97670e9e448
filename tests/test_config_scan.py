"""Scan settings from migrate.yaml (scan:) and pyproject.toml ([tool.migrate.scan]), through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_scan_paths import SIGNER, WIDGET
from typer.testing import CliRunner

from migrate.cli import app

runner = CliRunner()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """A repository (.git) whose site has a signer, a page and a vendored copy of the signer."""
    (tmp_path / ".git").mkdir()
    for rel, text in {"src/token.js": SIGNER, "public/chat.js": WIDGET,
                      "vendor_js/zd/token.js": SIGNER}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan(*args: str):
    return runner.invoke(app, ["scan", *args])


def _paths(stdout: str) -> set[str]:
    data = json.loads(stdout)
    return {f["path"] for f in data["findings"]} | {w["path"] for w in data["widgets"]}


def test_migrate_yaml_scan_section_sets_the_options(repo):
    assert "vendor_js/zd/token.js" in _paths(scan(".", "-f", "json").stdout)
    (repo / "migrate.yaml").write_text(
        "scan:\n  output-format: json\n  exclude: [vendor_js/]\n  ignore: [ZG205]\n  exit-zero: true\n")
    r = scan(".")
    assert r.exit_code == 0, r.stderr  # exit-zero from the file
    assert r.stderr == ""
    data = json.loads(r.stdout)  # json from the file
    assert _paths(r.stdout) == {"src/token.js", "public/chat.js"}
    assert "ZG205" not in {f["rule"] for f in data["findings"]}
    assert "ZG201" in {f["rule"] for f in data["findings"]}


def test_pyproject_tool_migrate_scan(repo):
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n\n[tool.migrate.scan]\nselect = ["ZG205"]\noutput-format = "concise"\n')
    r = scan(".")
    assert r.exit_code == 1 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert {line.split(": ")[1].split()[0] for line in lines[:-1]} == {"ZG205"}
    assert all(line.startswith(("src/token.js:", "vendor_js/zd/token.js:")) for line in lines[:-1])


def test_the_command_line_wins_over_the_file(repo):
    (repo / "migrate.yaml").write_text("scan:\n  output-format: concise\n  select: ZG205\n  exit-zero: true\n")
    r = scan(".", "--format", "json", "--select", "ZG201", "--no-exit-zero")
    assert r.exit_code == 1
    assert {f["rule"] for f in json.loads(r.stdout)["findings"]} == {"ZG201"}


def test_cli_exclude_adds_to_the_files(repo):
    (repo / "migrate.yaml").write_text("scan:\n  exclude:\n    - vendor_js/\n")
    r = scan(".", "-f", "json", "--exclude", "public")
    assert _paths(r.stdout) == {"src/token.js"}


def test_the_files_patterns_are_relative_to_its_folder_when_a_subfolder_is_scanned(repo):
    (repo / "site").mkdir()
    for rel in ("src", "public", "vendor_js"):
        (repo / rel).rename(repo / "site" / rel)
    (repo / "migrate.yaml").write_text("scan:\n  exclude: [/site/vendor_js/]\n")
    r = scan("site", "-f", "json")  # the file is found above the scanned folder
    assert _paths(r.stdout) == {"src/token.js", "public/chat.js"}
    # Anchored to the file's folder: the same pattern excludes nothing when it names no path there.
    (repo / "migrate.yaml").write_text("scan:\n  exclude: [/vendor_js/]\n")
    assert "vendor_js/zd/token.js" in _paths(scan("site", "-f", "json").stdout)


def test_the_search_stops_at_the_repository_top(repo, tmp_path_factory):
    outer = tmp_path_factory.mktemp("outer")
    (outer / "migrate.yaml").write_text("scan:\n  select: [ZG205]\n")
    inner = outer / "repo"
    repo.rename(inner)
    r = scan(str(inner), "-f", "json")
    assert "ZG201" in {f["rule"] for f in json.loads(r.stdout)["findings"]}  # the outer file is not read
    (inner / ".git").rmdir()
    r = scan(str(inner), "-f", "json")
    assert {f["rule"] for f in json.loads(r.stdout)["findings"]} == {"ZG205"}


def test_migrate_yaml_comes_before_pyproject_in_one_folder(repo):
    (repo / "pyproject.toml").write_text('[tool.migrate.scan]\nselect = ["ZG201"]\n')
    (repo / "migrate.yaml").write_text("scan:\n  select: [ZG205]\n")
    assert {f["rule"] for f in json.loads(scan(".", "-f", "json").stdout)["findings"]} == {"ZG205"}


def test_a_pyproject_without_tool_migrate_is_passed_over(repo, tmp_path_factory):
    (repo / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (repo / "src" / "pyproject.toml").write_text("not [valid toml")  # not ours: not read
    r = scan("src", "-f", "json")
    assert r.exit_code == 1 and r.stderr == ""


def test_config_and_no_config(repo, tmp_path_factory):
    (repo / "migrate.yaml").write_text("scan:\n  select: [ZG205]\n")
    other = tmp_path_factory.mktemp("settings") / "ci.yaml"
    other.write_text("scan:\n  select: [ZG201]\n")
    rules = lambda r: {f["rule"] for f in json.loads(r.stdout)["findings"]}
    assert rules(scan(".", "-f", "json")) == {"ZG205"}
    assert rules(scan(".", "-f", "json", "--config", str(other))) == {"ZG201"}
    assert {"ZG201", "ZG205"} <= rules(scan(".", "-f", "json", "--no-config"))


@pytest.mark.parametrize("text,said", [
    ("scan:\n  output-format: xml\n", "scan option output-format must be one of concise, full"),
    ("scan:\n  selct: [ZG201]\n", "unknown scan option 'selct'"),
    ("scna:\n  select: [ZG201]\n", "unknown section 'scna'"),
    ("scan:\n  max-file-size: 0\n", "max-file-size must be a whole number of MB from 1 to 4096"),
    ("scan:\n  exit-zero: 'yes'\n", "exit-zero must be true or false"),
    ("scan:\n  exclude: {a: 1}\n", "exclude must be a list of strings"),
    ("scan: [\n", "not valid YAML on line"),
    ("scan:\n  exclude: ['!']\n", "exclude pattern '!' is not a gitignore pattern"),
    ("scan:\n  select: [ZG999]\n", "unknown rule 'ZG999'"),
])
def test_a_bad_file_is_a_usage_error_naming_it(repo, text, said):
    (repo / "migrate.yaml").write_text(text)
    r = scan(".")
    assert r.exit_code == 2 and r.stdout == ""
    assert said in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "migrate.yaml" in r.stderr
    assert scan(".", "--no-config", "-f", "json").exit_code == 1  # the way out works


def test_a_bad_pyproject_table_is_said(repo):
    (repo / "pyproject.toml").write_text('[tool.migrate]\nselect = ["ZG201"]\n')
    r = scan(".")
    assert r.exit_code == 2 and "unknown section 'select' in [tool.migrate]" in r.stderr
    assert "scan options go under [tool.migrate.scan]" in r.stderr
