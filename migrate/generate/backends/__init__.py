"""Wiring the site's OpenID provider where its Zendesk token endpoint was: the engine.

Each framework's module lives in its language package (``migrate/lang/<language>/frameworks``)
and has `wire(ctx: WireContext) -> Wiring`; `FRAMEWORKS` lists which exist.  A wiring finds the
route it replaces with the same functions scan reads ``Signer.route`` with (the language's
``routes`` module), and says which in ``Wiring.route``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from migrate import lang
from migrate.generate.changes import SourceFile
from migrate.generate.config import Config
from migrate.generate.plan import BackendPlan

FRAMEWORKS = lang.frameworks()


class WiringError(Exception):
    """The route could not be rewritten automatically; the message says what to do by hand."""


@dataclass(frozen=True)
class WireContext:
    root: Path
    config: Config
    plan: BackendPlan
    source: Callable[[str], SourceFile]  # reads a file of the site once (relative path)


@dataclass
class Wiring:
    files: dict[str, str] = field(default_factory=dict)  # existing file -> its new text
    new_files: dict[str, str] = field(default_factory=dict)  # new file -> text
    reasons: dict[str, list[str]] = field(default_factory=dict)
    # The old Zendesk token route the provider took the place of, "METHOD /path" as the language's
    # routes module reads it (migrate/lang/<language>/routes.py): the route scan reported for the
    # signer. None when the wiring replaced code no route reaches.
    route: str | None = None

    def why(self, path: str, reason: str) -> None:
        self.reasons.setdefault(path, []).append(reason)


def nearest(root: Path, rel_dir: str, name: str) -> str | None:
    """The closest file called `name` in rel_dir or a parent folder (inside the root)."""
    parts = rel_dir.split("/") if rel_dir else []
    while True:
        candidate = posixpath.join(*parts, name) if parts else name
        if (root / candidate).is_file():
            return candidate
        if not parts:
            return None
        parts.pop()


def wire(framework: str, ctx: WireContext) -> Wiring:
    return lang.wiring(framework).wire(ctx)
