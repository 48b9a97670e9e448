"""The GitHub Action (action.yml): its metadata, and its scan step run as the runner runs it, with
the SARIF it uploads checked against what code scanning accepts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import ROOT
from test_golden import SARIF_SUBSET

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

# GitHub's action metadata syntax, the parts a composite action uses.
METADATA = {
    "type": "object",
    "required": ["name", "description", "runs"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1, "maxLength": 125 * 4},
        "branding": {"type": "object", "properties": {
            "color": {"enum": ["white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"]},
            "icon": {"type": "string"}}},
        "inputs": {"type": "object", "patternProperties": {"^[A-Za-z_][A-Za-z0-9_-]*$": {
            "type": "object", "required": ["description"],
            "properties": {"description": {"type": "string"}, "required": {"type": "boolean"},
                           "default": {"type": "string"}}, "additionalProperties": False}},
            "additionalProperties": False},
        "outputs": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["description", "value"]}},
        "runs": {"type": "object", "required": ["using", "steps"], "properties": {
            "using": {"const": "composite"},
            "steps": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "oneOf": [{"required": ["uses"], "not": {"required": ["run"]}},
                          {"required": ["run", "shell"], "not": {"required": ["uses"]}}],
                "properties": {"uses": {"type": "string", "pattern": r"^[\w.-]+/[\w./-]+@(v\d+|[0-9a-f]{40})$"},
                               "shell": {"enum": ["bash", "sh", "pwsh", "python"]},
                               "id": {"type": "string"}, "if": {"type": "string"},
                               "env": {"type": "object", "additionalProperties": {"type": "string"}}}}}}},
    },
}


def steps() -> list[dict]:
    return ACTION["runs"]["steps"]


def test_metadata_is_a_composite_action():
    jsonschema.validate(ACTION, METADATA)
    uses = [s["uses"] for s in steps() if "uses" in s]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


def test_expressions_name_declared_inputs_and_steps_and_never_enter_a_script():
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    ids = {s["id"] for s in steps() if "id" in s}
    for expr in EXPR.findall(text):
        for name in re.findall(r"\binputs\.([\w-]+)", expr):
            assert name in ACTION["inputs"], expr
        for step in re.findall(r"\bsteps\.([\w-]+)\.outputs", expr):
            assert step in ids, expr
    for s in steps():
        if "run" in s:  # inputs reach scripts through env: a value cannot become shell code
            assert not EXPR.search(s["run"]), s["name"]


def _env(step: dict, inputs: dict) -> dict:
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    env = {}
    for key, value in step.get("env", {}).items():
        def sub(m: re.Match) -> str:
            m2 = re.fullmatch(r"inputs\.([\w-]+)", m.group(1))
            assert m2, f"the test does not know {m.group(0)}"
            return values[m2.group(1)]
        env[key] = EXPR.sub(sub, value)
    return env


def run_scan_step(workspace: Path, tmp: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict]:
    (step,) = [s for s in steps() if s.get("id") == "scan"]
    script = tmp / "scan-step.sh"
    script.write_text(step["run"])
    output = tmp / "github-output"
    output.write_text("")
    env = {**os.environ, **_env(step, inputs), "GITHUB_OUTPUT": str(output),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    # How the runner starts a `shell: bash` step.
    r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                       env=env, capture_output=True, text=True, check=False, timeout=300)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return r, outputs


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checkout: the example shop at the repository's top."""
    ws = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "shop", ws)
    return ws


def code_scanning_checks(sarif: dict, workspace: Path) -> None:
    """What an upload to code scanning needs beyond the schema: relative URIs of files in the
    checkout, rules indexed as results say, fingerprints, and this tool's own page."""
    jsonschema.validate(sarif, SARIF_SUBSET)
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["informationUri"] == "https://pypi.org/project/zendesk-genesys-migrate/"
    rules = driver["rules"]
    assert run["results"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")) and (workspace / uri).is_file(), uri
        assert result["partialFingerprints"]
    assert len(json.dumps(sarif)) < 10 * 1024 * 1024


def test_the_scan_step_writes_the_sarif_it_uploads_and_does_not_stop_on_findings(workspace, tmp_path):
    r, outputs = run_scan_step(workspace, tmp_path, args="--exclude public/")
    assert r.returncode == 0, r.stderr
    assert outputs == {"exit-code": "1", "sarif-file": "migrate.sarif"}
    sarif = json.loads((workspace / "migrate.sarif").read_text())
    code_scanning_checks(sarif, workspace)
    uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in sarif["runs"][0]["results"]}
    assert uris == {"server.js"}  # args reached the scan: public/ excluded
    annotations = [line for line in r.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == len(sarif["runs"][0]["results"])
    assert all(re.match(r"::(error|warning|notice) file=server\.js,line=\d+,col=\d+,title=ZG\d{3} ", a)
               for a in annotations)


def test_the_scan_step_without_annotations_and_with_several_paths(workspace, tmp_path):
    r, outputs = run_scan_step(workspace, tmp_path, paths="server.js public", annotations="false",
                               **{"sarif-file": "out/scan.sarif"})
    # out/ does not exist: the scan cannot write there, which is a tool error, not findings
    assert outputs["exit-code"] == "2" and r.returncode == 2
    assert "::error title=migrate scan::the scan could not run (exit 2)" in r.stdout
    (workspace / "out").mkdir()
    r, outputs = run_scan_step(workspace, tmp_path, paths="server.js public", annotations="false",
                               **{"sarif-file": "out/scan.sarif"})
    assert r.returncode == 0 and outputs["exit-code"] == "1" and "::" not in r.stdout
    sarif = json.loads((workspace / "out" / "scan.sarif").read_text())
    code_scanning_checks(sarif, workspace)
    uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in sarif["runs"][0]["results"]}
    assert uris == {"server.js", "public/chat.js"}


def test_a_usage_error_fails_the_step(workspace, tmp_path):
    r, outputs = run_scan_step(workspace, tmp_path, args="--select ZG999")
    assert r.returncode == 2 and outputs["exit-code"] == "2"
    assert "unknown rule 'ZG999'" in r.stderr


def test_readme_workflow_uses_the_action_with_the_upload_permission():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)
    workflows = [yaml.safe_load(b) for b in blocks if "upload-sarif" in b or "uses: actions/checkout" in b]
    assert workflows, "README shows no workflow"
    for wf in workflows:
        jobs = wf["jobs"]
        (job,) = jobs.values()
        perms = wf.get("permissions", {}) | job.get("permissions", {})
        assert perms.get("security-events") == "write" and perms.get("contents") == "read"
        uses = [s.get("uses", "") for s in job["steps"]]
        assert uses[0].startswith("actions/checkout@")
        assert any("/zendesk-genesys-migrate@" in u or u.endswith("upload-sarif@v3") for u in uses)
