"""ZG203 exp-fixed-value
`exp` is a constant literal, not derived from the current time.

## What it does
Finds `exp` claims whose value is a literal number (or a string of digits), directly or
through a constant.

## Why is this bad?
A fixed `exp` is either already past (12345678 seconds is February 1971: expired on arrival)
or far in the future (a token that never expires, usable by anyone who copies it).

## Example
```ruby
JWT.encode({ external_id: user.id.to_s, scope: 'user', exp: 12345678 }, secret, 'HS256', { kid: kid })
```

## Use instead
```ruby
exp: Time.now.to_i + 300
```

## References
- RFC 7519 section 4.1.4 (exp).
- Zendesk community post 4709220609306.
"""

import re
from datetime import datetime, timezone

from migrate.rules import Rule
from migrate.rules._support import NOW_PLUS_5_MIN, shown, zendesk
from migrate.rules.zg201_exp_in_milliseconds import MS_THRESHOLD


def _fixed(expr) -> float | None:
    final = expr.final
    if expr.has("clock"):
        return None
    if final.kind in ("int", "float") and isinstance(final.value, (int, float)):
        return float(final.value)
    if final.kind == "string" and isinstance(final.value, str) and re.fullmatch(r"\d{1,13}", final.value):
        return float(final.value)
    return None


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        exp = s.claims.get("exp")
        if exp is None:
            continue
        value = _fixed(exp)
        if value is None:
            continue
        seconds = value / 1000 if value > MS_THRESHOLD else value
        when = datetime.fromtimestamp(min(seconds, 253402300799), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield rule.on(v, exp.line, exp.column,
                      f"exp {shown(exp)} is a fixed time ({when}); derive it from the clock: "
                      f"{NOW_PLUS_5_MIN.get(s.language, 'now + 300')}")


RULE = Rule.define(__doc__, "error", check)
