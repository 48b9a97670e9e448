"""GitLab Code Quality: a JSON array of issues, the report a merge request shows beside its diff
(artifacts:reports:codequality).  Paths are relative to the scanned folder: scan the repository's
root for GitLab to place them."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from migrate.report.sarif import SECURITY
from migrate.scan import ScanResult

# Code Quality severities are info, minor, major, critical and blocker.
_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def to_list(result: ScanResult) -> list[dict]:
    issues = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for f in result.findings:
        # Unique per issue, yet stable when lines move: the same message twice in a file is told
        # apart by its rank, not its line.
        key = (f.rule, f.path, f.message)
        seen[key] += 1
        issues.append({
            "type": "issue",
            "check_name": f.rule,
            "description": f"{f.rule} {f.name}: {f.message}",
            "categories": ["Security"] if f.rule in SECURITY else ["Bug Risk"],
            "severity": "critical" if f.rule in SECURITY and f.severity == "error" else _SEVERITY[f.severity],
            "fingerprint": _fingerprint(*key, seen[key]),
            "location": {"path": f.path, "lines": {"begin": f.line}},
        })
    for e in result.inventory.errors:
        issues.append({
            "type": "issue",
            "check_name": "not-read",
            "description": f"migrate could not read this file: {e.message}",
            "categories": ["Bug Risk"],
            "severity": "info",
            "fingerprint": _fingerprint("not-read", e.path, e.message),
            "location": {"path": e.path, "lines": {"begin": e.line or 1}},
        })
    return issues


def render(result: ScanResult) -> str:
    return json.dumps(to_list(result), indent=2, ensure_ascii=False) + "\n"
