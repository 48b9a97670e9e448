"""--output-format concise | full | gitlab | junit, --statistics and --quiet, through the CLI; golden
files for gitlab (Code Quality) and junit.  Regenerate them after an intended change with
UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, GOLDEN, ROOT
from junitparser import Failure, JUnitXml, Skipped
from typer.testing import CliRunner

from migrate import report
from migrate.cli import app
from migrate.scan import scan as run_scan

runner = CliRunner()
SHOP = ROOT / "examples" / "shop"
CONCISE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<rule>ZG\d{3}) (?P<msg>\S.*)$")


def invoke(*args: str):
    return runner.invoke(app, ["scan", *args])


def findings(path=SHOP) -> list[dict]:
    r = invoke(str(path), "--output-format", "json")
    return json.loads(r.stdout)["findings"]


@pytest.mark.parametrize("fmt,name", [("gitlab", "shop.gitlab.json"), ("junit", "shop.junit.xml")])
def test_golden(fmt, name, update_golden):
    got = report.render(run_scan(str(SHOP), jobs=1), fmt)
    assert str(SHOP) not in got  # nothing that depends on the machine
    golden = GOLDEN / name
    if update_golden:
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


# GitLab's Code Quality report: what its documentation requires of each issue.
CODE_QUALITY = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object", "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^[^/]"},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def test_gitlab_code_quality_report():
    r = invoke(str(SHOP), "--output-format", "gitlab")
    assert r.exit_code == 1 and r.stderr == ""
    issues = json.loads(r.stdout)
    jsonschema.validate(issues, CODE_QUALITY)
    expected = findings()
    assert len(issues) == len(expected) > 0
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # GitLab tells issues apart by it
    for issue, f in zip(issues, expected):
        assert (issue["check_name"], issue["location"]["path"], issue["location"]["lines"]["begin"]) == \
            (f["rule"], f["path"], f["line"])
        assert (SHOP / issue["location"]["path"]).is_file()
        assert issue["severity"] == {"error": "major", "warning": "minor", "info": "info"}.get(
            f["severity"]) or issue["severity"] == "critical"


def test_gitlab_fingerprints_survive_a_moved_line(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "server.js").write_text((SHOP / "server.js").read_text())
    before = {i["fingerprint"] for i in json.loads(invoke(str(site), "-f", "gitlab").stdout)}
    (site / "server.js").write_text("// a comment above moves every line\n" + (SHOP / "server.js").read_text())
    after = json.loads(invoke(str(site), "-f", "gitlab").stdout)
    assert {i["fingerprint"] for i in after} == before
    assert before


def test_junit_report_reads_in_a_junit_parser(tmp_path):
    out = tmp_path / "migrate.xml"
    r = invoke(str(SHOP), "--output-format", "junit", "--output", str(out))
    assert r.exit_code == 1 and r.stdout == ""
    expected = findings()
    xml = JUnitXml.fromfile(str(out))
    cases = [(suite.name, case) for suite in xml for case in suite]
    assert len(cases) == len(expected) == xml.tests
    failing = [f for f in expected if f["severity"] in ("error", "warning")]
    assert xml.failures == len(failing) > 0 and xml.errors == 0
    failed = {(suite, case.result[0].type.split()[1]) for suite, case in cases
              if case.result and isinstance(case.result[0], Failure)}
    assert failed == {(f["path"], f["rule"]) for f in failing}
    # Every case points at its file and line, which CI systems link to.
    root = ET.parse(out).getroot()
    lines = sorted((c.get("file"), int(c.get("line"))) for c in root.iter("testcase"))
    assert lines == sorted((f["path"], f["line"]) for f in expected)


def test_junit_clean_scan_is_one_passing_case_and_unread_files_are_skipped(tmp_path):
    clean = JUnitXml.fromstring(invoke(str(FIXTURES / "clean"), "-f", "junit").stdout.encode())
    assert (clean.tests, clean.failures, clean.errors) == (1, 0, 0)
    (tmp_path / "page.html").write_bytes(b"<script>zE('messenger', 'open');</script>\n" + b"\0" * 10)
    r = invoke(str(tmp_path), "-f", "junit")
    xml = JUnitXml.fromstring(r.stdout.encode())
    (case,) = [c for s in xml for c in s]
    assert isinstance(case.result[0], Skipped) and "binary content" in case.result[0].message
    assert xml.skipped == 1


def test_concise_lines_open_in_an_editor_from_where_the_scan_ran(monkeypatch):
    monkeypatch.chdir(ROOT)
    r = invoke("examples/shop", "--output-format", "concise")
    assert r.exit_code == 1 and r.stderr == ""
    *lines, summary = r.stdout.splitlines()
    expected = findings()
    assert len(lines) == len(expected) > 0
    for line, f in zip(lines, expected):
        m = CONCISE.match(line)
        assert m, line
        assert m["path"] == f"examples/shop/{f['path']}" and Path(m["path"]).is_file()
        assert (int(m["line"]), int(m["col"]), m["rule"], m["msg"]) == (f["line"], f["column"], f["rule"], f["message"])
    assert summary.startswith("Found ") and "errors" in summary


def test_concise_paths_are_absolute_when_the_scan_is_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = invoke(str(SHOP), "-f", "concise", "-q").stdout.splitlines()
    assert lines and all(CONCISE.match(line)["path"].startswith(str(SHOP) + os.sep) for line in lines)


def test_format_is_an_alias_of_output_format_and_text_of_full():
    a = invoke(str(SHOP), "--output-format", "concise", "-q").stdout
    assert a and invoke(str(SHOP), "--format", "concise", "-q").stdout == a == invoke(str(SHOP), "-f", "concise", "-q").stdout
    full = invoke(str(SHOP), "--output-format", "full").stdout
    text = invoke(str(SHOP), "--format", "text").stdout
    strip = lambda s: re.sub(r"parsed, [0-9.]+ s\)", "", s)
    assert strip(full) == strip(text) and "Signers" in full
    bad = invoke(str(SHOP), "--output-format", "xml")
    assert bad.exit_code == 2 and bad.stdout == "" and "xml" in bad.stderr


def test_statistics_counts_per_rule():
    expected = Counter(f["rule"] for f in findings())
    r = invoke(str(SHOP), "--statistics")
    assert r.exit_code == 1 and r.stderr == ""
    *rows, summary = r.stdout.splitlines()
    got = {}
    for row in rows:
        count, rule, _severity, _name = row.split()
        got[rule] = int(count)
    assert got == dict(expected)
    assert [int(row.split()[0]) for row in rows] == sorted(expected.values(), reverse=True)
    assert summary.startswith("Found ")
    assert "Widgets" not in r.stdout and "server.js" not in r.stdout  # counts, not the findings
    as_json = json.loads(invoke(str(SHOP), "--statistics", "-f", "json").stdout)
    assert {row["rule"]: row["count"] for row in as_json} == dict(expected)
    assert all({"rule", "name", "severity", "count"} == set(row) for row in as_json)
    quiet = invoke(str(SHOP), "--statistics", "-q").stdout.splitlines()
    assert quiet == rows


def test_statistics_with_a_machine_format_is_a_usage_error():
    r = invoke(str(SHOP), "--statistics", "-f", "sarif")
    assert r.exit_code == 2 and r.stdout == "" and "--statistics" in r.stderr


def test_quiet_prints_the_findings_only(tmp_path):
    full = invoke(str(SHOP)).stdout
    quiet = invoke(str(SHOP), "--quiet")
    assert quiet.exit_code == 1 and quiet.stderr == ""
    for gone in ("Widgets", "Signers", "Found "):
        assert gone in full and gone not in quiet.stdout
    for f in findings():
        assert f"{f['line']}:{f['column']}" in quiet.stdout and f["rule"] in quiet.stdout
    out = tmp_path / "r.json"
    written = invoke(str(SHOP), "-q", "-f", "json", "-o", str(out))
    assert written.stdout == written.stderr == "" and json.loads(out.read_text())["findings"]
    loud = invoke(str(SHOP), "-f", "json", "-o", str(out))
    assert "wrote the json report" in loud.stderr
    clean = invoke(str(FIXTURES / "clean"), "-q")
    assert clean.exit_code == 0 and clean.stdout == clean.stderr == ""
