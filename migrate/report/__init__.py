"""Scan reports: text (people), json (tools), sarif (code scanning), github (annotations)."""

from __future__ import annotations

from collections.abc import Callable

from migrate.scan import ScanResult

FORMATS = ("text", "json", "sarif", "github")

# The distribution's name on PyPI ("migrate" there is an unrelated project) and its page, which
# reports that name a tool (SARIF's informationUri) link to.
DISTRIBUTION = "zendesk-genesys-migrate"
HOMEPAGE = f"https://pypi.org/project/{DISTRIBUTION}/"


def render(result: ScanResult, fmt: str, color: bool = False) -> str:
    import importlib

    module = {"json": "json_report"}.get(fmt, fmt)
    renderer: Callable[..., str] = importlib.import_module(f"migrate.report.{module}").render
    return renderer(result, color=color) if fmt == "text" else renderer(result)
