"""--statistics: how many findings each rule gave, the most frequent first."""

from __future__ import annotations

import json
from collections import Counter

from migrate.report.text import summary
from migrate.scan import ScanResult


def counts(result: ScanResult) -> list[dict]:
    by_rule = Counter(f.rule for f in result.findings)
    first = {}
    for f in result.findings:
        first.setdefault(f.rule, f)
    return [{"rule": rule, "name": first[rule].name, "severity": first[rule].severity, "count": n}
            for rule, n in sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))]


def render(result: ScanResult, fmt: str = "text", quiet: bool = False) -> str:
    rows = counts(result)
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    width = max((len(str(r["count"])) for r in rows), default=1)
    lines = [f"{r['count']:>{width}}  {r['rule']}  {r['severity']:<7}  {r['name']}" for r in rows]
    if not quiet:
        lines.append(summary(result))
    return "".join(line + "\n" for line in lines)
