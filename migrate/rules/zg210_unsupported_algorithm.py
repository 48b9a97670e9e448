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

from migrate.rules import Rule
from migrate.rules._support import zendesk


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        if s.algorithm and s.algorithm.upper() != "HS256":
            where = s.algorithm_expr or s
            yield rule.at(s.path, where.line, where.column,
                          f"{s.algorithm} is not accepted for Zendesk widget tokens; sign with HS256")


RULE = Rule.define(__doc__, "error", check, where=("code", "token"))
