"""ZG225 provider-reachability
The provider is mounted, but where it answers or what runs before it must be checked by hand.

## What it does
`migrate generate` mounts the provider at the issuer path. Some things around the mount point
it cannot see: a prefix the router or blueprint is included under, a global guard or security
filter chain that also runs on the provider's endpoints, the app object the old route was mapped
on, a routes file it did not find. It names each under `TODO(migrate:ZG225)`.

## Why is this bad?
Genesys calls `/.well-known/openid-configuration`, `/jwks.json`, `/token` and `/userinfo`
server-side, without the visitor's session. If they answer at another path, or a global login
guard or CSRF check refuses them, the integration cannot fetch the discovery document or redeem
a code, and nobody is signed in.

## Example
```python
# TODO(migrate:ZG225): chat's url_prefix "/api" is the start of the issuer's path /api/oidc:
# check that the provider answers at /api/oidc/.well-known/openid-configuration
```

## Use instead
Fetch `<issuer>/.well-known/openid-configuration` from outside the site; exempt the provider's
server-side endpoints from global login guards and CSRF, as the TODO says.

## References
- OpenID Connect Discovery 1.0, §4 (obtaining the provider configuration), openid.net.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "warning", generate=True)
