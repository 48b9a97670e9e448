"""Wiring the site's OpenID provider beside its Zendesk token endpoint: the engine.

Each framework's module lives in its language package (``migrate/lang/<language>/frameworks``)
and has `wire(ctx: WireContext) -> Wiring`; `FRAMEWORKS` lists which exist.  A wiring finds the
Zendesk route with the same functions scan reads ``Signer.route`` with (the language's
``routes`` module), and says which in ``Wiring.route``.

What a wiring does, by mode:
- default: the provider is added and mounted beside the old route, which stays as it was with
  ``keep_note`` (TODO ZG220) on the line right above its first line, so rollback is reverting
  the page.  A route already carrying the note (``ctx.kept``) is not wired again.
- ``ctx.cutover`` and ``ctx.kept``: the provider is there already; the old route, its note and
  what only it used (imports, a named handler nothing else routes to) go.
- ``ctx.cutover`` on a route never wired: the route is replaced by the provider in one step.
A language whose framework is not recognised (or whose route cannot be found) gets its
``frameworks/standalone.py``: the provider module next to the signer, with the claims, and
``mount_note`` (TODO ZG221) above the signing code, saying where and how to mount it.
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
    cutover: bool = False  # remove the Zendesk route instead of keeping it beside the provider
    kept: bool = False  # the route already carries keep_note: an earlier run added the provider


@dataclass
class Wiring:
    files: dict[str, str] = field(default_factory=dict)  # existing file -> its new text
    new_files: dict[str, str] = field(default_factory=dict)  # new file -> text
    # Files a cut-over deletes: ones that only served the Zendesk route (a plain-PHP token script).
    deleted: set[str] = field(default_factory=set)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    # The old Zendesk token route the provider took the place of, "METHOD /path" as the language's
    # routes module reads it (migrate/lang/<language>/routes.py): the route scan reported for the
    # signer. None when the wiring replaced code no route reaches.
    route: str | None = None
    # Where the provider is mounted ("server.js:42"), or None when it is not (see ``todo``).
    mounted: str | None = None
    # "path:line: why" of the TODO(migrate:ZG221) a standalone provider leaves where to mount it.
    todo: str | None = None

    def why(self, path: str, reason: str) -> None:
        self.reasons.setdefault(path, []).append(reason)


KEEP_RULE, MOUNT_RULE, REBIND_RULE = "ZG220", "ZG221", "ZG222"


def keep_note(route: str | None, config: Config) -> str:
    """The TODO (without its comment marker) above a Zendesk token route kept until cut-over.
    Its words are chosen so that scan still judges the route it marks a Zendesk one."""
    what = f"the Zendesk token route {route}" if route else "the Zendesk token code below"
    return (f"TODO(migrate:{KEEP_RULE}): remove after cut-over: {what} is kept while the site moves to "
            f"Messenger sign-in at {config.issuer_path} (`migrate generate --cutover` removes it)")


def mount_note(module: str, config: Config, why: str = "framework not recognised") -> str:
    """The TODO (without its comment marker) where a standalone provider is to be mounted."""
    return (f"TODO(migrate:{MOUNT_RULE}): mount the sign-in provider from {module} at "
            f"{config.issuer_path} here, behind the site's login check ({why})")


def is_note(line: str, rule: str = KEEP_RULE) -> bool:
    return f"TODO(migrate:{rule})" in line


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
