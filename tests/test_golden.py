"""Golden files for every output format, from the bundled example site.

Regenerate after an intended change with `UPDATE_GOLDEN=1 make test` and review the diff.
"""

import json

import pytest

from migrate import report
from migrate.scan import scan

from conftest import GOLDEN, ROOT

SHOP = ROOT / "examples" / "shop"


def _stable(text: str, fmt: str) -> str:
    """Remove what depends on the machine: the absolute root and the elapsed time."""
    text = text.replace(str(SHOP), "<root>")
    if fmt == "json":
        data = json.loads(text)
        data["stats"]["seconds"] = 0
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        import re
        return re.sub(r"parsed, [0-9.]+ s\)", "parsed, 0 s)", text)
    return text


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json"), ("sarif", "sarif"), ("github", "github")])
def test_golden(fmt, ext, update_golden):
    result = scan(str(SHOP), jobs=1)
    got = _stable(report.render(result, fmt), fmt)
    golden = GOLDEN / f"shop.{ext}"
    if update_golden:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


# The parts of the SARIF 2.1.0 schema (OASIS) that code-scanning upload checks: required
# properties, types and enumerations of the objects this report uses.
_LOCATION = {"type": "object", "required": ["physicalLocation"], "properties": {"physicalLocation": {
    "type": "object", "required": ["artifactLocation"], "properties": {
        "artifactLocation": {"type": "object", "required": ["uri"], "properties": {
            "uri": {"type": "string", "pattern": "^[^/]"}}},
        "region": {"type": "object", "properties": {
            "startLine": {"type": "integer", "minimum": 1}, "startColumn": {"type": "integer", "minimum": 1}}}}}}}
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
SARIF_SUBSET = {
    "type": "object", "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"], "properties": {
                                "id": {"type": "string"}, "shortDescription": _MESSAGE, "fullDescription": _MESSAGE,
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": {"enum": ["none", "note", "warning", "error"]}}}}}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"], "properties": {
                        "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": _MESSAGE, "locations": {"type": "array", "items": _LOCATION},
                        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}}}}},
                "invocations": {"type": "array", "items": {
                    "type": "object", "required": ["executionSuccessful"], "properties": {
                        "toolExecutionNotifications": {"type": "array", "items": {
                            "type": "object", "required": ["message"], "properties": {"message": _MESSAGE}}}}}},
            }}},
    },
}


def test_sarif_matches_the_2_1_0_schema_for_code_scanning():
    import jsonschema

    doc = json.loads(report.render(scan(str(SHOP), jobs=1), "sarif"))
    jsonschema.validate(doc, SARIF_SUBSET)
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert run["results"], "the example has findings"
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]


def test_sarif_subset_schema_rejects_what_upload_rejects():
    import jsonschema

    doc = json.loads(report.render(scan(str(SHOP), jobs=1), "sarif"))
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "/abs/path.js"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SARIF_SUBSET)
