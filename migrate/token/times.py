"""Times as people read them: ISO 8601 in UTC and "in 4 min" / "52 years ago"."""

from __future__ import annotations

from datetime import datetime, timezone

_MAX = 253402300799  # 9999-12-31T23:59:59Z


def iso(ts: float) -> str:
    if ts > _MAX:
        return "after the year 9999"
    if ts < -62135596800:
        return "before the year 1"
    d = datetime.fromtimestamp(ts, timezone.utc)
    # strftime's %Y does not pad years before 1000 on every platform: ISO 8601 wants four digits.
    return f"{d.year:04d}-{d:%m-%d}T{d:%H:%M:%S}Z"


def relative(ts: float, now: float) -> str:
    delta = ts - now
    span = abs(delta)
    if span > _MAX:
        return "in more than 9999 years" if delta > 0 else "more than 9999 years ago"
    for size, unit in ((31_557_600, "year"), (86_400, "day"), (3600, "h"), (60, "min"), (1, "s")):
        if span >= size or size == 1:
            n = int(span // size)
            label = f"{n} {unit}{'s' if unit in ('year', 'day') and n != 1 else ''}"
            break
    if span < 1:
        return "now"
    return f"in {label}" if delta > 0 else f"{label} ago"


def when(ts: float, now: float) -> str:
    return f"{iso(ts)} ({relative(ts, now)})"
