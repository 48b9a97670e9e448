"""ZG221 provider-not-mounted
The OpenID provider was generated but could not be mounted: the web framework was not recognised.

## What it does
`migrate generate` writes the OpenID provider module next to the Zendesk signing code in the
signer's language, with the claims the old code signed. When it does not recognise the web
framework that serves the code (or cannot find the route), it cannot mount the provider itself;
it leaves this TODO at the place to mount it, and says so in the report.

## Why is this bad?
Until the provider is mounted at the issuer path, Genesys cannot fetch its discovery document
and the AuthProvider on the page cannot sign anyone in.

## Example
```js
// TODO(migrate:ZG221): mount the OpenID provider (./genesys-oidc-provider.js) at /oidc here
```

## Use instead
Mount the generated provider at the issuer path with the site's login check in front, as the
TODO says; `templates/README.md` describes the provider contract.

## References
- OpenID Connect Core 1.0, §3.1 (authorization code flow), openid.net.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "warning", generate=True)
