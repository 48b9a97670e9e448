"""ZG228 claims-not-mapped
Claims the generator cannot name (a spread payload, a computed key) are not carried into the ID token.

## What it does
`migrate generate` carries each claim of the Zendesk payload by name. A payload built with a
spread (`{...user.claims}`, `**extra`, `array_merge`) or a key that is not a plain claim name
holds claims nobody can list from the code; they are left out of the provider's claims and
marked `TODO(migrate:ZG228)`, and `migrate scan` reports them before that.

## Why is this bad?
If the spread held `external_id` or `email`, the ID token lacks `sub` or `email` and Genesys
refuses the sign-in or shows an anonymous visitor.

## Example
```python
payload = {"external_id": str(user.id), **session["extra"]}
```

## Use instead
Write the claims the spread holds out by name in the provider's claims function.

## References
- OpenID Connect Core 1.0, §5.1 (standard claims), openid.net.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "warning", generate=True)
