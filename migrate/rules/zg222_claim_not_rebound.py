"""ZG222 claim-not-rebound
A claim expression of the old signing code could not be carried into the OpenID provider.

## What it does
`migrate generate` carries the old code's claim expressions into the provider's claims
function, rebinding the names they read (`user` becomes what the route passed in:
`current_user`, `req.user`, `request.user`). When an expression reads a name the provider's
request has no equivalent for, the claims function returns "no user" (the provider answers
`login_required`) and this TODO names the expression.

## Why is this bad?
Code that reads an unbound name would raise on every sign-in. Returning "no user" is safe,
but nobody signs in until the claim is written by hand.

## Example
```python
def claims(request):
    # TODO(migrate:ZG222): `account.external_ref` reads `account`, unknown here
    return None
```

## Use instead
Write the claim from what the request carries (the signed-in user, the session).

## References
- OpenID Connect Core 1.0, §5.1 (standard claims), openid.net.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "warning", generate=True)
