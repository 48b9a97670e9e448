"""Scan reports: full text (people), concise (editors: path:line:col), json (tools), sarif (code
scanning), github (annotations), gitlab (Code Quality) and junit (test reports); statistics."""

from __future__ import annotations

from collections.abc import Callable

from migrate.scan import ScanResult

FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")
ALIASES = {"text": "full"}  # the name the full report had first

# The distribution's name on PyPI ("migrate" there is an unrelated project) and its page, which
# reports that name a tool (SARIF's informationUri) link to.
DISTRIBUTION = "zendesk-genesys-migrate"
HOMEPAGE = f"https://pypi.org/project/{DISTRIBUTION}/"

_MODULES = {"full": "text", "json": "json_report"}


def render(result: ScanResult, fmt: str, color: bool = False, quiet: bool = False) -> str:
    """The report in fmt.  quiet: the findings only (full and concise leave out the inventory and
    the summary line)."""
    fmt = ALIASES.get(fmt, fmt)
    render_as = renderer(fmt)
    if fmt == "full":
        return render_as(result, color=color, quiet=quiet)
    if fmt == "concise":
        return render_as(result, quiet=quiet)
    return render_as(result)


def renderer(fmt: str) -> Callable[..., str]:
    """The render function of a format, its module loaded on first use."""
    import importlib

    fmt = ALIASES.get(fmt, fmt)
    return importlib.import_module(f"migrate.report.{_MODULES.get(fmt, fmt)}").render
