"""ZG224 authorization-not-carried
Part of the old route's authorization (a role, a policy, a permission class) is not carried to the provider.

## What it does
`migrate generate` carries the Zendesk token route's login check to the provider's `/authorize`.
Checks it cannot express there, such as named policies, role lists, several policies at once, a
mixin that checks more than a login or Django REST framework permission classes, are named under
`TODO(migrate:ZG224)` next to the provider's guard.

## Why is this bad?
Visitors the old route refused (a customer without the right role, an account without the
permission) could sign in to Messenger through the provider.

## Example
```csharp
// TODO(migrate:ZG224): the old action had [Authorize(Roles = "Customer")]: the provider's
// authorize endpoint gets the default policy; register a policy for it ...
```

## Use instead
Register one policy (or guard) that checks everything the old route checked and pass it to the
provider, as the TODO says.

## References
- OpenID Connect Core 1.0, §3.1.2.3 (the authorization server authenticates the end-user), openid.net.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "warning", generate=True)
