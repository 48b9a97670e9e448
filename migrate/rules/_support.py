"""Small helpers shared by rule modules: which signers to look at and how to say the fix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrate.model import Expr, WidgetCall

if TYPE_CHECKING:
    from migrate.inventory import Inventory, SignerView

# "now in seconds, plus five minutes" in each language's own idiom: the fix users paste.
NOW_PLUS_5_MIN = {
    "javascript": "Math.floor(Date.now() / 1000) + 300",
    "typescript": "Math.floor(Date.now() / 1000) + 300",
    "python": "int(time.time()) + 300",
    "csharp": "DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 300",
    "java": "Instant.now().getEpochSecond() + 300",
    "go": "time.Now().Add(5 * time.Minute).Unix()",
    "ruby": "Time.now.to_i + 300",
    "php": "time() + 300",
}
NOW = {
    "javascript": "Math.floor(Date.now() / 1000)",
    "typescript": "Math.floor(Date.now() / 1000)",
    "python": "int(time.time())",
    "csharp": "DateTimeOffset.UtcNow.ToUnixTimeSeconds()",
    "java": "Instant.now().getEpochSecond()",
    "go": "time.Now().Unix()",
    "ruby": "Time.now.to_i",
    "php": "time()",
}
TO_STRING = {
    "javascript": "String({})", "typescript": "String({})", "python": "str({})",
    "csharp": "{}.ToString()", "java": "String.valueOf({})", "go": "strconv.FormatInt(int64({}), 10)",
    "ruby": "{}.to_s", "php": "(string) {}",
}
TRUE = {"javascript": "true", "typescript": "true", "python": "True", "csharp": "true",
        "java": "true", "go": "true", "ruby": "true", "php": "true"}


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
