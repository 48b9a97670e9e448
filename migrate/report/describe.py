"""Words for what the inventory holds: how exp/iat are computed, where a key comes from."""

from __future__ import annotations

from migrate.model import Expr, Signer


def timing(expr: Expr | None) -> str | None:
    """How a time claim is computed, in a few words."""
    if expr is None:
        return None
    final = expr.final
    text = " ".join(expr.text.split())
    if expr.has("clock-ms") and not expr.has("date-object"):
        return f"{text}: milliseconds clock"
    if final.kind in ("int", "float", "string") and not expr.has("clock"):
        return f"{text}: fixed value"
    if expr.has("clock"):
        offset = expr.from_now
        unit = "float seconds" if expr.has("float") else "seconds"
        if offset is None:
            return f"{text}: from the clock ({unit})"
        if offset == 0:
            return f"{text}: now ({unit})"
        sign = "+" if offset > 0 else "-"
        return f"{text}: now {sign} {abs(offset):g} s ({unit})"
    return f"{text}: not derived from a clock we recognise"


def signer_timing(s: Signer) -> dict[str, str]:
    out = {}
    for name in ("exp", "iat", "nbf"):
        t = timing(s.timing(name))
        if t:
            out[name] = t
    return out
