"""ZG214 token-expired
The token's `exp` is in the past.

## What it does
Compares the token's `exp` with the current time (or `--now`), allowing `--leeway` seconds,
and shows when it expired as an ISO 8601 UTC date.

## Why is this bad?
Zendesk and Genesys both reject an expired token. A token that expired seconds after it was
issued usually means a clock, a unit (milliseconds) or a lifetime mistake; one that expired
long ago was cached or rendered into the page.

## Example
```json
{"external_id": "42", "scope": "user", "exp": 12345678}
```

## Use instead
Issue a fresh token for each request from the widget, with `exp` a few minutes after now in
seconds.

## References
- RFC 7519 section 4.1.4 (exp).
"""

from migrate.rules import Rule
from migrate.token.context import seconds
from migrate.token.times import when


def check_token(rule, ctx):
    exp = seconds(ctx.claims.get("exp"))
    if exp is not None and exp < ctx.now - ctx.leeway:
        yield rule.about_token(f"the token expired {when(exp, ctx.now)}",
                               "fetch a fresh token each time the widget asks for one; check the server clock")


RULE = Rule.define(__doc__, "error", check_token=check_token)
