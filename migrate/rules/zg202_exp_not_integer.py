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

from migrate.rules import Rule
from migrate.rules._support import NOW_PLUS_5_MIN, shown, zendesk


def _problem(expr) -> str | None:
    final = expr.final
    if final.kind in ("string", "template") or expr.has("stringified"):
        return "a string"
    if final.kind == "float" or expr.has("float"):
        return "a float"
    return None


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        for name in ("exp", "iat", "nbf"):
            expr = s.claims.get(name)
            if expr is None or expr.has("date-object"):
                continue
            what = _problem(expr)
            if what:
                yield rule.at(s.path, expr.line, expr.column,
                              f"{name} {shown(expr)} is {what}; it must be an integer number of seconds, "
                              f"e.g. {NOW_PLUS_5_MIN.get(s.language, 'now + 300')}")


RULE = Rule.define(__doc__, "error", check, where=("code", "token"))
