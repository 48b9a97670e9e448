"""ZG204 iat-skewed
`iat` is local time taken as UTC, in milliseconds, or in the future.

## What it does
Finds `iat` (and `exp`/`nbf` built the same way) computed from local wall-clock time read as
UTC (`datetime.utcnow().timestamp()`, a naive `datetime.now()` handed to PyJWT,
`DateTime.Now` in epoch arithmetic), from a millisecond clock, or set ahead of now.

## Why is this bad?
Classic Chat and Help Center accept only 2 minutes of clock skew on `iat`. A server in UTC+2
issues tokens two hours "in the future" (or the past): they are rejected, or expire early,
depending on the season and the host.

## Example
```python
payload = {"iat": datetime.utcnow().timestamp(), ...}
```

## Use instead
```python
payload = {"iat": int(time.time()), ...}   # or datetime.now(timezone.utc)
```

## References
- Zendesk: Classic Chat authenticated visitors, support.zendesk.com article 4408838925082 (2-minute skew).
- Python docs: datetime.utcnow() returns a naive datetime; timestamp() treats naive values as local time.
"""

from migrate.rules import Rule
from migrate.rules._support import NOW, shown, zendesk


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        now = NOW.get(s.language, "the current UTC time in seconds")
        for name in ("iat", "exp", "nbf"):
            expr = s.claims.get(name)
            if expr is None:
                continue
            if expr.has("local-as-utc"):
                yield rule.at(s.path, expr.line, expr.column,
                              f"{name} {shown(expr)} reads local time as UTC: off by the server's UTC offset; "
                              f"use {now}")
            elif name == "iat" and expr.has("clock-ms") and not expr.has("date-object"):
                yield rule.at(s.path, expr.line, expr.column,
                              f"iat {shown(expr)} is in milliseconds; use {now}")
            elif name == "iat" and (expr.from_now or 0) > 0:
                yield rule.at(s.path, expr.line, expr.column,
                              f"iat {shown(expr)} is {expr.from_now:g} s in the future; Zendesk allows "
                              f"2 minutes of skew: use {now}")


RULE = Rule.define(__doc__, "warning", check, where=("code", "token"))
