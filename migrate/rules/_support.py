"""Small helpers shared by rule modules: which signers to look at and how to say the fix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrate import lang
from migrate.model import Expr, WidgetCall

if TYPE_CHECKING:
    from migrate.inventory import Inventory, SignerView

# Each language's idioms, the fix users paste (see migrate.lang).
NOW_PLUS_5_MIN = {src: r.now_plus_5_min for src, r in lang.by_source().items()}
NOW = {src: r.now for src, r in lang.by_source().items()}
TO_STRING = {src: r.to_string for src, r in lang.by_source().items()}
TRUE = {src: r.true for src, r in lang.by_source().items()}


def zendesk(inv: Inventory, profile: str | None = None) -> Iterator[SignerView]:
    for v in inv.signers:
        if v.purpose == "zendesk" and (profile is None or v.profile == profile):
            yield v


def short(expr: Expr, limit: int = 60) -> str:
    text = " ".join(expr.text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown(expr: Expr) -> str:
    """The expression, and what a local name stands for when that is what matters."""
    final = expr.final
    if final is expr:
        return f"`{short(expr)}`"
    return f"`{short(expr)}` (= `{short(final)}`, line {final.line})"


def page_calls(inv: Inventory) -> Iterator[tuple[str, WidgetCall]]:
    for w in inv.widgets:
        for c in w.calls:
            yield w.path, c
