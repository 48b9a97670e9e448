"""ZG206 missing-scope-user
A Messaging token without `scope: "user"`.

## What it does
Finds Messaging-profile signers whose payload has no `scope` claim, or one whose literal value
is not `"user"` (a Classic or SSO-style payload on a Messaging site).

## Why is this bad?
Messaging requires `scope: "user"` in every end-user token; without it the visitor is not
authenticated. The exact error text is unconfirmed.

## Example
```python
jwt.encode({"external_id": str(user.id), "name": user.name}, secret, headers={"kid": kid})
```

## Use instead
```python
jwt.encode({"external_id": str(user.id), "name": user.name, "scope": "user"}, secret, headers={"kid": kid})
```

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746.
"""

import json

from migrate.rules import Rule
from migrate.rules._support import shown, zendesk


def check(rule, inv):
    for v in zendesk(inv, "zendesk-messaging"):
        s = v.signer
        scope = s.claims.get("scope")
        if scope is None:
            if "..." not in s.claims:  # a spread may hold it
                yield rule.on(v, s.line, s.column,
                              'no scope claim: Messaging requires scope: "user"')
        elif scope.final.kind == "string" and scope.final.value != "user":
            yield rule.on(v, scope.line, scope.column,
                          f'scope is {shown(scope)}; Messaging requires scope: "user"')


def check_token(rule, ctx):
    if ctx.profile != "zendesk-messaging":
        return
    if "scope" not in ctx.claims:
        yield rule.about_token('no scope claim: Messaging requires scope: "user"', 'add "scope": "user"')
    elif ctx.claims["scope"] != "user":
        yield rule.about_token(f'scope is {json.dumps(ctx.claims["scope"])}; Messaging requires "user"',
                               'set "scope": "user"')


RULE = Rule.define(__doc__, "error", check, check_token)
