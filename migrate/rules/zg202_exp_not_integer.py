"""ZG202 exp-not-integer
`exp` (or `iat`) is a string or a float.

## What it does
Finds time claims written as strings (`"12345678"`, `String(...)`, `str(...)`, `.ToString()`,
interpolated strings) or as floats (`Date.now() / 1000 + 300` without `Math.floor`,
`time.time() + 300`, `Time.now.to_f`, `microtime(true)`).

## Why is this bad?
A JWT NumericDate is a JSON number of whole seconds. Zendesk answers a string `exp` with
`invalid_auth` (Zendesk community post 4709220609306); fractional seconds are refused by
strict validators.

## Example
```python
payload = {"external_id": str(user.id), "scope": "user", "exp": time.time() + 300}
```

## Use instead
```python
payload = {"external_id": str(user.id), "scope": "user", "exp": int(time.time()) + 300}
```

## References
- RFC 7519 section 2 (NumericDate).
- Zendesk community post 4709220609306 (exp "12345678" as a string rejected).
"""

import json

from migrate.rules import Rule
from migrate.rules._support import NOW_PLUS_5_MIN, shown, zendesk
from migrate.token.context import json_kind, seconds


def _problem_kind(kind: str) -> str | None:
    """Shared by code and token checks: what is wrong with a time claim of this kind."""
    if kind in ("string", "template"):
        return "a string"
    if kind == "float":
        return "a float"
    return None


def _problem(expr) -> str | None:
    if expr.has("stringified"):
        return "a string"
    return _problem_kind(expr.final.kind) or ("a float" if expr.has("float") else None)


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        for name in ("exp", "iat", "nbf"):
            expr = s.claims.get(name)
            if expr is None or expr.has("date-object"):
                continue
            what = _problem(expr)
            if what:
                yield rule.on(v, expr.line, expr.column,
                              f"{name} {shown(expr)} is {what}; it must be an integer number of seconds, "
                              f"e.g. {NOW_PLUS_5_MIN.get(s.language, 'now + 300')}")


def check_token(rule, ctx):
    for name in ("exp", "iat", "nbf"):
        if name not in ctx.claims:
            continue
        value = ctx.claims[name]
        what = _problem_kind(json_kind(value))
        if what == "a string":
            n = seconds(value)
            fix = f'send a JSON number: "{name}": {int(n)}' if n is not None else \
                f"send {name} as a JSON number of seconds"
            yield rule.about_token(f"{name} is the string {json.dumps(value)}; it must be a number", fix)
        elif what == "a float":
            n = seconds(value)
            yield rule.about_token(f"{name} is {value} (a float); it must be whole seconds",
                                   f"round down: {int(n)} (Math.floor(Date.now() / 1000) + 300)" if n is not None
                                   else "send whole seconds: Math.floor(Date.now() / 1000) + 300")


RULE = Rule.define(__doc__, "error", check, check_token)
