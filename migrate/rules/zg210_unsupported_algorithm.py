"""ZG210 unsupported-algorithm
A Zendesk widget token signed with something other than HS256.

## What it does
Finds Zendesk widget signers whose algorithm is not HS256 (HS384, HS512, RS256, ES256, none...).

## Why is this bad?
Every Zendesk widget profile (Messaging, Classic Chat, Help Center) verifies HS256 with the
shared secret; Messaging documents RS256/ES256 as unsupported. Other algorithms are rejected.

## Example
```go
token := jwt.NewWithClaims(jwt.SigningMethodHS512, claims)
```

## Use instead
```go
token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
```

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746.
"""

import json

from migrate.rules import Rule
from migrate.rules._support import zendesk


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        if s.algorithm and not accepted(s.algorithm):
            where = s.algorithm_expr or s
            yield rule.on(v, where.line, where.column,
                          f"{s.algorithm} is not accepted for Zendesk widget tokens; sign with HS256")


def accepted(alg: object) -> bool:
    """Shared by code and token checks: Zendesk widget tokens are HS256 only."""
    return isinstance(alg, str) and alg.upper() == "HS256"


def check_token(rule, ctx):
    alg = ctx.header.get("alg")
    if ctx.zendesk and not accepted(alg):
        yield rule.about_token(f"alg is {json.dumps(alg)}; Zendesk widget tokens must be HS256",
                               "sign with HS256 and the shared secret from Zendesk")


RULE = Rule.define(__doc__, "error", check, check_token)
