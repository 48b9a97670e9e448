"""The JSON report: a stable contract other tools read (version 1)."""

from __future__ import annotations

import json

from migrate.inventory import SignerView
from migrate.report.describe import signer_timing
from migrate.scan import ScanResult


def _signer(v: SignerView) -> dict:
    s = v.signer
    return {
        "path": s.path, "line": s.line, "column": s.column, "language": s.language, "library": s.library,
        "algorithm": s.algorithm,
        "header": {k: e.text for k, e in s.header.items()},
        "claims": {k: e.text for k, e in s.claims.items()},
        "timing": signer_timing(s),
        "secret": ({"source": s.secret.source, "expression": s.secret.expression, "line": s.secret.line}
                   if s.secret else None),
        "profile": v.profile, "purpose": v.purpose, "reason": v.reason,
        "function": s.function, "route": s.route, "browser": s.browser, "response": s.response,
    }


def to_dict(result: ScanResult) -> dict:
    inv = result.inventory
    return {
        "version": 1,
        "root": inv.root,
        "site": inv.site_kind,
        "widgets": [
            {"path": w.path, "line": w.line, "kind": w.kind, "key": w.key,
             "calls": [{"api": c.api, "command": c.command, "line": c.line} for c in w.calls]}
            for w in inv.widgets
        ],
        "signers": [_signer(v) for v in inv.signers if v.purpose != "other"],
        "ignored_signers": [
            {"path": v.signer.path, "line": v.signer.line, "library": v.signer.library, "reason": v.reason}
            for v in inv.signers if v.purpose == "other"
        ],
        "findings": [
            {"rule": f.rule, "name": f.name, "severity": f.severity, "path": f.path, "line": f.line,
             "column": f.column, "message": f.message, **({"profile": f.profile} if f.profile else {})}
            for f in result.findings
        ],
        "errors": [{"path": e.path, "message": e.message, **({"line": e.line} if e.line else {})}
                   for e in inv.errors],
        "stats": dict(inv.stats),
        **({"identity_providers": idps(inv)} if getattr(inv, "idps", ()) else {}),
    }


def idps(inv) -> list[dict]:
    """The identity providers the site signs in at: names and where, never a secret value."""
    return [{"kind": f.kind, "name": f.name, "issuer": f.issuer,
             "evidence": [{"path": e.path, "line": e.line, "what": e.what} for e in f.evidence]}
            for f in inv.idps]


def render(result: ScanResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
