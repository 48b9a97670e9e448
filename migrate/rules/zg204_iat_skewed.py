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
from migrate.rules.zg201_exp_in_milliseconds import MS_THRESHOLD
from migrate.token.context import seconds
from migrate.token.times import when


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        now = NOW.get(s.language, "the current UTC time in seconds")
        for name in ("iat", "exp", "nbf"):
            expr = s.claims.get(name)
            if expr is None:
                continue
            if expr.has("local-as-utc"):
                yield rule.on(v, expr.line, expr.column,
                              f"{name} {shown(expr)} reads local time as UTC: off by the server's UTC offset; "
                              f"use {now}")
            elif name == "iat" and expr.has("clock-ms") and not expr.has("date-object"):
                yield rule.on(v, expr.line, expr.column,
                              f"iat {shown(expr)} is in milliseconds; use {now}")
            elif name == "iat" and (expr.from_now or 0) > 0:
                yield rule.on(v, expr.line, expr.column,
                              f"iat {shown(expr)} is {expr.from_now:g} s in the future; Zendesk allows "
                              f"2 minutes of skew: use {now}")


def check_token(rule, ctx):
    iat = seconds(ctx.claims.get("iat"))
    if iat is not None and iat > MS_THRESHOLD:
        yield rule.about_token(f"iat is {ctx.claims['iat']}: that is milliseconds",
                               f"use seconds: Math.floor(Date.now() / 1000) (here: {int(iat // 1000)})")
        return
    allowed = max(ctx.leeway, 120 if ctx.profile in ("zendesk-classic-chat", "zendesk-classic-hc") else 0)
    for name, what in (("iat", "issued"), ("nbf", "valid")):
        t = seconds(ctx.claims.get(name))
        if t is not None and t <= MS_THRESHOLD and t - ctx.now > allowed:
            skew = t - ctx.now
            yield rule.about_token(
                f"{name} is {when(t, ctx.now)}: {what} {skew:.0f} s in the future; the signing server's clock "
                f"is ahead (or reads local time as UTC)" + (" - Zendesk allows 2 minutes" if allowed == 120 else ""),
                "sync the server clock (NTP) and compute times from UTC: Math.floor(Date.now() / 1000)")


RULE = Rule.define(__doc__, "warning", check, check_token)
