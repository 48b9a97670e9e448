"""The Zendesk -> Genesys widget-API table (mappings/widget-api.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from migrate.data import shipped_yaml


@dataclass(frozen=True)
class ApiEntry:
    genesys: str | None = None
    todo: str | None = None
    note: str | None = None
    config: str | None = None  # the Messenger configuration field that holds the same choice


@cache
def _table() -> dict:
    return shipped_yaml("widget-api.yaml")  # only the commands that need the table pay for PyYAML


def lookup(api: str, command: str) -> ApiEntry | None:
    """The table's entry for a call, or None when the call is not in the table."""
    table = _table()
    if api == "zESettings":
        best = max((k for k in table["settings"] if command == k or command.startswith(k + ".")),
                   key=len, default=None)
        return ApiEntry(**table["settings"][best]) if best else None
    entry = table["apis"].get(api, {}).get(command)
    return ApiEntry(**entry) if entry else None
