"""Wiring the site's OpenID provider where its Zendesk token endpoint was: one module per framework.

Each module has `wire(ctx: WireContext) -> Wiring`; `FRAMEWORKS` lists which exist.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from migrate.generate.changes import SourceFile
from migrate.generate.config import Config
from migrate.generate.plan import BackendPlan

FRAMEWORKS = ("express", "nextjs", "flask", "django", "fastapi", "aspnetcore", "spring", "gohttp", "rails",
              "laravel", "php")


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

    def why(self, path: str, reason: str) -> None:
        self.reasons.setdefault(path, []).append(reason)


def wire(framework: str, ctx: WireContext) -> Wiring:
    name = f"migrate.generate.backends.{framework}"
    if importlib.util.find_spec(name) is None:
        s = ctx.plan.signer
        raise WiringError(f"{s.path}:{s.line}: the OpenID provider for {framework} is not wired by this version; "
                          "templates/README.md describes the provider contract")
    return importlib.import_module(name).wire(ctx)
