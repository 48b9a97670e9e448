"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

from migrate.scan import ScanResult

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult) -> str:
    lines = []
    for f in result.findings:
        lines.append(f"::{_COMMAND[f.severity]} file={_prop(f.path)},line={f.line},col={f.column},"
                     f"title={_prop(f'{f.rule} {f.name}')}::{_data(f.message)}")
    for e in result.inventory.errors:
        line = f",line={e.line}" if e.line else ""
        lines.append(f"::warning file={_prop(e.path)}{line},title=migrate could not read::{_data(e.message)}")
    return "".join(line + "\n" for line in lines)
