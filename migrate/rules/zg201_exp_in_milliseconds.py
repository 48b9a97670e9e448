"""ZG201 exp-in-milliseconds
`exp` is computed from a millisecond clock (or a token `exp` is above 10^11).

## What it does
Finds `exp` claims built from `Date.now()`, `System.currentTimeMillis()`,
`ToUnixTimeMilliseconds()`, `time.time() * 1000`, `UnixMilli()`, `microtime(true) * 1000`...
without scaling back to seconds, and `jsonwebtoken` `expiresIn` strings without a unit,
which that library reads as milliseconds.

## Why is this bad?
JWT times are seconds since 1970. A millisecond `exp` lies some 50,000 years ahead: Classic
Chat rejects it; Messaging probably accepts a token that never expires (unconfirmed).
A unit-less `expiresIn: "300"` is 0.3 seconds: the token is expired on arrival.

## Example
```js
jwt.sign({ external_id: id, scope: 'user', exp: Date.now() + 3600 }, secret, { keyid });
```

## Use instead
```js
exp: Math.floor(Date.now() / 1000) + 300
```

## References
- RFC 7519 section 2 (NumericDate is seconds).
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746.
"""

from migrate.rules import Rule
from migrate.rules._support import NOW_PLUS_5_MIN, shown, zendesk
from migrate.token.context import seconds
from migrate.token.times import iso


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        fix = NOW_PLUS_5_MIN.get(s.language, "now in seconds + 300")
        exp = s.claims.get("exp")
        if exp is not None and not exp.has("date-object"):
            final = exp.final
            if exp.has("clock-ms"):
                yield rule.on(v, exp.line, exp.column,
                              f"exp {shown(exp)} is in milliseconds; JWT times are seconds: use {fix}")
            elif final.kind in ("int", "float") and isinstance(final.value, (int, float)) and final.value > MS_THRESHOLD:
                yield rule.on(v, exp.line, exp.column,
                              f"exp {final.value} is in milliseconds; JWT times are seconds: use {fix}")
        managed = s.managed.get("exp")
        if managed is not None and managed.has("ms-unit-string"):
            yield rule.on(v, managed.line, managed.column,
                          f"{managed.text}: jsonwebtoken reads a string without a unit as milliseconds; "
                          "write a number of seconds (300) or a unit ('5m')")


MS_THRESHOLD = 1e11  # 10^11 seconds is the year 5138: only a millisecond clock gets there


def check_token(rule, ctx):
    exp = seconds(ctx.claims.get("exp"))
    if exp is not None and exp > MS_THRESHOLD:
        yield rule.about_token(
            f"exp is {ctx.claims['exp']}: that is milliseconds ({iso(exp / 1000)} as milliseconds, "
            f"{iso(exp)} as seconds)",
            f"use seconds: Math.floor(Date.now() / 1000) + 300 (here: {int(exp // 1000)})")


RULE = Rule.define(__doc__, "error", check, check_token)
