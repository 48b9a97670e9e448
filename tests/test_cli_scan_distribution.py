"""The distribution's name, its two commands, the link reports give and the way onto PATH."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
NAME = PYPROJECT["project"]["name"]
SHOP = str(ROOT / "examples" / "shop")
BIN = Path(sys.executable).parent


def test_the_distribution_is_not_called_like_the_unrelated_pypi_project():
    assert NAME == "zendesk-genesys-migrate"
    assert metadata.distribution(NAME).metadata["Name"] == NAME  # what is installed is this one


def test_two_commands_one_entry_point_installed():
    scripts = PYPROJECT["project"]["scripts"]
    assert scripts == {"migrate": "migrate.cli:main", "zendesk-genesys-migrate": "migrate.cli:main"}
    installed = {ep.name: ep.value for ep in metadata.distribution(NAME).entry_points
                 if ep.group == "console_scripts"}
    assert installed == scripts


def _run(command: str, *args: str) -> subprocess.CompletedProcess:
    exe = BIN / command
    if not exe.exists():
        pytest.fail(f"{exe} is missing: reinstall with pip install -e .")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=False, timeout=120)


def test_both_commands_give_the_same_report():
    a = _run("migrate", "scan", SHOP, "--format", "json")
    b = _run("zendesk-genesys-migrate", "scan", SHOP, "--format", "json")
    assert (a.returncode, b.returncode) == (1, 1)
    assert a.stderr == b.stderr == ""
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    da["stats"]["seconds"] = db["stats"]["seconds"] = 0
    assert da == db and da["findings"]


def test_sarif_links_to_this_project():
    r = _run("zendesk-genesys-migrate", "scan", SHOP, "--format", "sarif")
    assert r.returncode == 1 and r.stderr == ""
    driver = json.loads(r.stdout)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == PYPROJECT["project"]["urls"]["Homepage"]
    assert f"/project/{NAME}/" in driver["informationUri"]
    assert "/project/migrate/" not in r.stdout


def test_readme_install_section_names_this_distribution():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert f"pipx install {NAME}" in section
    assert f"pip install {NAME}" in section
    assert "pip install -e ." in section and "pipx install --editable ." in section
    assert "pip install migrate" not in section


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_ends_with_how_to_put_migrate_on_path(tmp_path):
    # STAMP= : the venv running these tests is installed already; the demo must not reinstall it.
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    r = subprocess.run(["make", "-s", "--no-print-directory", "demo", "STAMP="], cwd=ROOT, env=env,
                       capture_output=True, text=True, check=False, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    tail = r.stdout.rstrip("\n").splitlines()[-3:]
    assert "To run it as `migrate`" in tail[0]
    export = tail[1]
    assert re.fullmatch(r'export PATH="[^"]+:\$PATH"', export), export
    assert f"pipx install --editable {ROOT}" in tail[2]
    # The line does what it says in a shell where migrate is not on PATH.
    bare = subprocess.run(["sh", "-c", "command -v migrate"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=30)
    assert bare.returncode != 0, "migrate is on PATH already: the check would prove nothing"
    after = subprocess.run(["sh", "-c", f"{export} && migrate --version && command -v migrate"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60)
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith("migrate ")
    assert after.stdout.splitlines()[1] == str(ROOT / ".venv" / "bin" / "migrate")
