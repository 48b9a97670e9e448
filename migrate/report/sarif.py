"""SARIF 2.1.0, as GitHub code scanning accepts it (relative URIs, one run, rule metadata)."""

from __future__ import annotations

import hashlib
import json

from migrate import __version__, rules
from migrate.report import HOMEPAGE, json_report
from migrate.scan import ScanResult

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# Rules whose findings are security problems (code scanning and Code Quality rank them so).
SECURITY = {"ZG105", "ZG212", "ZG302", "ZG301", "ZG303"}


def _rule(r: rules.Rule) -> dict:
    tags = ["migration", "zendesk" if r.id.startswith(("ZG1", "ZG2")) else "genesys"]
    if r.id in SECURITY:
        tags.append("security")
    return {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": r.doc, "markdown": r.doc},
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"tags": tags, **({"security-severity": "8.0"} if r.id in SECURITY else {})},
    }


def to_dict(result: ScanResult) -> dict:
    catalog = [r for r in rules.all_rules() if {"code", "generate"} & set(r.where)]  # what a scan can report
    index = {r.id: i for i, r in enumerate(catalog)}
    results = []
    for f in result.findings:
        fingerprint = hashlib.sha256(f"{f.rule}:{f.path}:{f.message}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.path},
                "region": {"startLine": f.line, "startColumn": f.column},
            }}],
            "partialFingerprints": {"migrateFinding/v1": fingerprint},
            **({"properties": {"profile": f.profile}} if f.profile else {}),
        })
    notifications = [{
        "level": "warning",
        "message": {"text": e.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": e.path}}}],
    } for e in result.inventory.errors]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "migrate",
                "version": __version__,
                "informationUri": HOMEPAGE,
                "rules": [_rule(r) for r in catalog],
            }},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
            "results": results,
            **({"properties": {"identityProviders": json_report.idps(result.inventory)}}
               if getattr(result.inventory, "idps", ()) else {}),
        }],
    }


def render(result: ScanResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
