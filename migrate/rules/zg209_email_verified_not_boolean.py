"""ZG209 email-verified-not-boolean
`email_verified` is not a JSON boolean.

## What it does
Finds `email_verified` claims written as the string `"true"`, a number (`1`), or a string
conversion.

## Why is this bad?
Zendesk reads `email_verified` as the JSON boolean `true`; the string `"true"` is not that,
so the email is treated as unverified (and may not be linked to the existing user).

## Example
```js
{ external_id: id, scope: 'user', email: user.email, email_verified: 'true' }
```

## Use instead
```js
{ external_id: id, scope: 'user', email: user.email, email_verified: true }
```

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746.
"""

import json

from migrate.rules import Rule
from migrate.rules._support import TRUE, shown, zendesk
from migrate.token.context import json_kind


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        ev = s.claims.get("email_verified")
        if ev is None:
            continue
        final = ev.final
        if final.kind in ("string", "template", "int", "float") or ev.has("stringified"):
            yield rule.on(v, ev.line, ev.column,
                          f"email_verified {shown(ev)} is not a boolean; use {TRUE.get(s.language, 'true')}")


def check_token(rule, ctx):
    if "email_verified" in ctx.claims and ctx.zendesk:
        value = ctx.claims["email_verified"]
        if json_kind(value) != "bool":
            yield rule.about_token(f"email_verified is {json.dumps(value)}, not a JSON boolean",
                                   '"email_verified": true (no quotes)')


RULE = Rule.define(__doc__, "warning", check, check_token)
