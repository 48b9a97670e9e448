"""ZG223 route-without-login
The Zendesk token route had no login check: the provider signs nobody in until one is added.

## What it does
`migrate generate` puts the OpenID provider's `/authorize` behind the same login check as the
Zendesk token route it replaces (its middleware, decorator, filter or attribute). When the old
route had none that the generator could see, it writes a guard that refuses everyone, or claims
that say "nobody is signed in", under `TODO(migrate:ZG223)`.

## Why is this bad?
A route that signs a token for whoever asks gives any visitor any identity; the provider must
not do the same. Until the site's own login check takes the guard's place, Messenger sign-in
fails for everyone (`login_required`).

## Example
```js
// TODO(migrate:ZG223): the old route had no login check: this guard refuses everyone until the
// site's own login middleware takes its place
app.use('/oidc', genesysOidc({ guard: (req, res, next) => res.status(401).end(), claims }));
```

## Use instead
Put the site's login check in front of the provider's `/authorize` (the middleware, decorator
or attribute the rest of the signed-in pages use), then remove the TODO.

## References
- OpenID Connect Core 1.0, §3.1.2.3 (the authorization server authenticates the end-user), openid.net.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "warning", generate=True)
