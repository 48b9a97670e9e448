"""What `migrate generate` leaves to a person, as scan findings under the rule each TODO names.

Two sources: the open `TODO(migrate:ZGxxx)` markers already in the code (after `--apply`), and,
before that, the TODOs a generate run would leave (the claims plan, then the change set itself,
computed in memory and never written).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from migrate.model import Finding

if TYPE_CHECKING:
    from migrate.inventory import Inventory, SignerView
    from migrate.rules import Rule

_CLOSER = re.compile(r"\s*(?:\*/|-->|%>|#\}|\*\}\})\s*$")
# An issuer for a run that only looks: the TODOs do not depend on the host.
_ISSUER = "https://www.example.com/oidc"
_DEPLOYMENT = "00000000-0000-4000-8000-000000000000"
# TODOs whose rule finds the same thing in the code before generate runs (widget calls and
# settings, a payload without sub) or that the claims plan gives with the claim's own position.
_CHECKED = frozenset({"ZG107", "ZG110", "ZG207", "ZG227", "ZG228"})
# The keep note marks a route generate leaves beside the provider it adds: before generate there
# is no provider to keep it beside, so it is no decision to announce (ZG220 reports it once kept).
_CHECKED |= {"ZG220"}


def open_todos(rule: Rule, inv: Inventory) -> list[Finding]:
    """The `TODO(migrate:<rule>)` comments in the scanned files, each with what it says."""
    out = []
    for f in inv.files:
        for m in f.markers:
            if m.kind == "todo" and m.text.startswith(rule.id + "\t"):
                said = m.text.split("\t", 1)[1] or "(no text)"
                out.append(rule.at(f.path, m.line, m.column, f"open TODO left by `migrate generate`: {said}"))
    return out


def pending_for(rule: Rule, inv: Inventory) -> list[Finding]:
    """The TODOs of this rule a `migrate generate` run would leave, as advice (info): nothing is
    wrong yet, but someone will have to decide."""
    out = []
    for rid, path, line, column, text, profile in pending(inv):
        if rid == rule.id:
            said = f"`migrate generate` will leave TODO(migrate:{rule.id}): {text}"
            out.append(Finding(rule.id, rule.name, "info", path, line, column,
                               f"{said} [judged as {profile}]" if profile else said, profile))
    return out


Pending = tuple[str, str, int, int, str, "str | None"]
_CACHE: dict[int, tuple[Inventory, tuple[Pending, ...]]] = {}


def pending(inv: Inventory) -> tuple[Pending, ...]:
    """(rule, path, line, column, text, the signer's profile) for each TODO a generate run would
    leave, computed once per inventory."""
    hit = _CACHE.get(id(inv))
    if hit is not None and hit[0] is inv:
        return hit[1]
    found = tuple(_claims(inv)) + tuple(_wiring(inv))
    _CACHE.clear()  # one scan at a time: keep only the latest
    _CACHE[id(inv)] = (inv, found)
    return found


def _to_migrate(inv: Inventory) -> list[SignerView]:
    """The widget signers generate would move (not browser code, not a route an earlier run kept)."""
    return [v for v in inv.signers
            if v.purpose == "zendesk" and not v.signer.browser and "kept" not in v.signer.hints]


def prepare() -> None:
    """Load what the claims plan takes (the scan calls this while its workers finish)."""
    from migrate.generate import mapping
    from migrate.generate.plan import map_claims  # noqa: F401

    try:
        mapping.load()
    except Exception:  # noqa: BLE001  a broken mapping file is generate's to report
        pass


def _claims(inv: Inventory):
    """The claims plan: each claim with no Genesys use, each spread or computed key."""
    views = _to_migrate(inv)
    if not views:
        return
    from migrate.generate import mapping
    from migrate.generate.plan import map_claims

    try:
        profiles = mapping.load()
    except Exception:  # noqa: BLE001  a broken mapping file is generate's to report
        return
    for v in views:
        profile = profiles.get(v.profile or "zendesk-messaging")
        if profile is None:
            continue
        _, _, todos = map_claims(v.signer, profile)
        for t in todos:
            if t.rule not in ("ZG227", "ZG228"):
                continue  # ZG207 (no sub) is the rule's own check
            expr = _claim_expr(v, t.text)
            line, column = (expr.line, expr.column) if expr is not None else (v.signer.line, v.signer.column)
            yield t.rule, v.signer.path, line, column, t.text, v.profile


def _claim_expr(v: SignerView, text: str):
    m = re.match(r"claim '([^']*)'", text)
    if m:
        return v.signer.claims.get(m.group(1))
    if text.startswith("the payload spreads"):
        return v.signer.claims.get("...")
    return None


# Running generate in memory costs up to a second per signer (a Python rewrite resolves the
# module's names); a site has a few widget signers. Beyond this many the scan stays a scan and
# says so once: `migrate generate` shows the decisions.
MAX_PREDICTED = 4


def _wiring(inv: Inventory):
    """The rest: run generate in memory on the same tree and keep the TODOs it adds, each placed
    at the Zendesk signer it comes from. Claims TODOs come from the plan above."""
    views = _to_migrate(inv)
    if not views:
        return
    if len(views) > MAX_PREDICTED:
        inv.stats["decisions_not_predicted"] = len(views)  # the report says so once
        return
    try:
        result = _generate(inv)
    except Exception:  # noqa: BLE001  generate reports its own errors; scan goes on without them
        return
    in_code: set[str] = set()
    for change in result.changes.changes:
        before = Counter(_todos(change.before.text if change.before else ""))
        for rule, text in _todos(change.after or ""):
            if before[(rule, text)]:
                before[(rule, text)] -= 1
                continue
            if rule not in _CHECKED:
                in_code.add(rule)
                at = _place(views, change.path, None)
                yield rule, at.signer.path, at.signer.line, at.signer.column, _said(text, change, at), at.profile
    # TODOs only the report names (a page left as it is, a dependency to install), once each.
    seen: set[tuple[str, str]] = set()
    for said in [*result.notes, *result.changes.summary, *(o.text for o in result.outcomes)]:
        for m in re.finditer(r"TODO\(migrate:(ZG\d{3})\)", said):
            rule = m.group(1)
            if rule in _CHECKED or rule in in_code:
                continue
            where = re.match(r"([^\s:]+)(?::(\d+))?: ", said)
            text = said if m.end() >= len(said) - 2 else _CLOSER.sub("", said[m.end():]).lstrip(": ").strip()
            if (rule, text) in seen:
                continue
            seen.add((rule, text))
            at = _place(views, where.group(1) if where else None,
                        int(where.group(2)) if where and where.group(2) else None)
            yield rule, at.signer.path, at.signer.line, at.signer.column, text, at.profile


def _said(text: str, change, at: SignerView) -> str:
    if change.path == at.signer.path:
        return text
    return f"{text} (in the new file {change.path})" if change.before is None else f"{text} (in {change.path})"


def _todos(text: str) -> list[tuple[str, str]]:
    from migrate.extract.dispatch import todos

    return [(rule, said) for _, _, rule, said in todos(text)]


def _place(views: list[SignerView], path: str | None, line: int | None) -> SignerView:
    """The signer a TODO belongs to: the signer of that file (the one nearest the line), else the
    one whose folder is closest to the new file's."""
    same = [v for v in views if v.signer.path == path]
    if same:
        v = min(same, key=lambda v: abs(v.signer.line - (line or v.signer.line)))
    else:
        def shared(v):
            a, b = (path or "").split("/")[:-1], v.signer.path.split("/")[:-1]
            n = 0
            while n < min(len(a), len(b)) and a[n] == b[n]:
                n += 1
            return n
        v = max(views, key=shared)
    return v


def _generate(inv: Inventory):
    from migrate.generate import config as cfg
    from migrate.generate.run import generate

    root = Path(inv.root)
    settings = cfg._file_settings(root) if root.is_dir() else {}
    conf = cfg.load(root, region=settings.get("region") or "eu-west-1",
                    deployment_id=settings.get("deployment_id") or _DEPLOYMENT,
                    issuer=settings.get("issuer") or (None if settings.get("idp") else _ISSUER))
    return generate(root, conf, jobs=1, inventory=inv)
