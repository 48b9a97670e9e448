"""The rule catalog: one module per rule (zg<id>_<name>.py), discovered at import.

A rule module holds its documentation (module docstring, ruff-style sections) and a
``RULE`` built with ``Rule.define``.  IDs are a public interface: never renumber.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from migrate.model import Finding, Severity

if TYPE_CHECKING:  # kept out of start-up: check-token needs neither
    from migrate.inventory import Inventory, SignerView
    from migrate.token.context import TokenContext

Check = Callable[["Rule", "Inventory"], Iterable[Finding]]
TokenCheck = Callable[["Rule", "TokenContext"], Iterable["TokenFinding"]]


@dataclass(frozen=True)
class TokenFinding:
    """A finding about one token: no file position, but the fix in the user's terms."""

    rule: str
    name: str
    severity: Severity
    message: str
    fix: str


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    where: tuple[str, ...]  # "code", "token"
    summary: str
    doc: str
    check: Check | None
    check_token: TokenCheck | None = None
    # Its own check reports what its open TODO marks (ZG220: the kept route, on the signer), so
    # the comment is not reported a second time.
    own_todos: bool = False

    @classmethod
    def define(cls, doc: str | None, severity: Severity, check: Check | None = None,
               check_token: TokenCheck | None = None, generate: bool = False, own_todos: bool = False) -> Rule:
        """Build a rule from its module docstring: first line "ZG201 exp-in-milliseconds",
        then a one-line summary, then the sections.  Where it applies follows from the checks
        it has: source code, a concrete token, or both; ``generate`` marks the TODOs that
        `migrate generate` writes into the code it produces.  Every rule's open
        `TODO(migrate:ZGxxx)` comments are reported by scan, and the TODOs a generate run would
        leave, unless ``own_todos``."""
        lines = (doc or "").strip().splitlines()
        rule_id, name = lines[0].split()
        where = tuple(w for w, fn in (("code", check), ("token", check_token), ("generate", generate)) if fn)
        return cls(rule_id, name, severity, where, lines[1].strip() if len(lines) > 1 else "",
                   "\n".join(lines[2:]).strip(), check, check_token, own_todos)

    def at(self, path: str, line: int, column: int, message: str) -> Finding:
        return Finding(self.id, self.name, self.severity, path, line, column, message)

    def on(self, view: SignerView, line: int, column: int, message: str,
           severity: Severity | None = None) -> Finding:
        """A finding on a signer: it names the profile the signer was judged by, since the
        same claims are right for one Zendesk product and wrong for another."""
        profile = view.profile or ("genesys-oidc" if view.purpose in ("genesys-id-token", "openid-provider") else None)
        if profile is not None:
            message = f"{message} [judged as {profile}]"
        return Finding(self.id, self.name, severity or self.severity, view.signer.path, line, column,
                       message, profile)

    def about_token(self, message: str, fix: str) -> TokenFinding:
        return TokenFinding(self.id, self.name, self.severity, message, fix)

    def run(self, inv: Inventory) -> list[Finding]:
        """Its check's findings, then what `migrate generate` left or will leave under it."""
        from migrate.rules._todos import open_todos, pending_for

        found = list(self.check(self, inv)) if self.check else []
        return found + ([] if self.own_todos else open_todos(self, inv)) + pending_for(self, inv)

    def run_token(self, ctx: TokenContext) -> list[TokenFinding]:
        return list(self.check_token(self, ctx)) if self.check_token else []


@cache
def all_rules() -> tuple[Rule, ...]:
    found = []
    for mod in pkgutil.iter_modules(__path__):
        if re.fullmatch(r"zg\d{3}_\w+", mod.name):
            found.append(importlib.import_module(f"{__name__}.{mod.name}").RULE)
    return tuple(sorted(found, key=lambda r: r.id))


def get(key: str) -> Rule | None:
    key = key.strip()
    return next((r for r in all_rules() if key.upper() == r.id or key.lower() == r.name), None)


def _catalog() -> list[tuple[str, str]]:
    """(ID, name) of every rule, from its module's name (zg212_hardcoded_secret), none imported."""
    return [(m.name[:5].upper(), m.name[6:].replace("_", "-")) for m in pkgutil.iter_modules(__path__)
            if re.fullmatch(r"zg\d{3}_\w+", m.name)]


def _answers(rid: str, name: str, sel: str) -> bool:
    """A rule answers to its ID, an ID prefix (ZG2 = the whole ZG2xx family) or its name."""
    return rid.startswith(sel.upper()) or name == sel.lower()


def check(select: Sequence[str] = (), ignore: Sequence[str] = ()) -> None:
    """ValueError naming the first selector no rule answers to, before any rule is loaded."""
    catalog = _catalog()
    for sel in (*select, *ignore):
        if not any(_answers(rid, name, sel) for rid, name in catalog):
            raise ValueError(f"unknown rule {sel!r}; `migrate rules` lists them")


def selection(select: Sequence[str] = (), ignore: Sequence[str] = ()) -> tuple[Rule, ...]:
    """Rules chosen by IDs, names or ID prefixes.  Raises ValueError naming an unknown selector."""
    check(select, ignore)
    chosen = [r for r in all_rules() if not select or any(_answers(r.id, r.name, s) for s in select)]
    return tuple(r for r in chosen if not any(_answers(r.id, r.name, s) for s in ignore))


def run(inv: Inventory, rules: Iterable[Rule]) -> list[Finding]:
    """Every finding of the given rules, minus those suppressed on their line."""
    suppressed = {f.path: dict(f.suppressions) for f in inv.files if f.suppressions}
    out: list[Finding] = []
    for rule in rules:
        for f in rule.run(inv):
            ids = suppressed.get(f.path, {}).get(f.line)
            if ids is not None and (not ids or f.rule in ids):
                continue
            out.append(f)
    return sorted(dict.fromkeys(out), key=Finding.sort_key)
