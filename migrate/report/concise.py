"""One line per finding, `path:line:col: ZG201 message`, the form editors and terminals open at
the line.  Paths are relative to the current folder (absolute when the scan was outside it), so a
click finds the file wherever the scan started."""

from __future__ import annotations

import os

from migrate.report.text import summary
from migrate.scan import ScanResult


def _shown(base: str, rel: str) -> str:
    path = os.path.join(base, rel)
    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive
        return path
    return path if shown == ".." or shown.startswith(".." + os.sep) else shown


def render(result: ScanResult, quiet: bool = False) -> str:
    root = result.inventory.root
    base = root if os.path.isdir(root) else os.path.dirname(root)
    lines = [f"{_shown(base, f.path)}:{f.line}:{f.column}: {f.rule} {f.message}" for f in result.findings]
    if not quiet:
        for e in result.inventory.errors:
            where = f"{_shown(base, e.path)}:{e.line}" if e.line else _shown(base, e.path)
            lines.append(f"{where}: not read: {e.message}")
        lines.append(summary(result))
    return "".join(line + "\n" for line in lines)
