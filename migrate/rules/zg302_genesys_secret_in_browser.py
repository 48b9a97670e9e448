"""ZG302 genesys-secret-in-browser
A Genesys OAuth client secret, or the OpenID client secret, in browser code.

## What it does
Finds client secrets (`clientSecret`, `client_secret`, `GENESYS_*_SECRET`, Basic
authorization built for a Genesys login host) in page scripts and front-end code.

## Why is this bad?
Anyone can read it from the page: an OAuth client secret gives the org's API rights to every
visitor, and the OpenID client secret lets anyone redeem codes as Genesys would.

## Example
```js
client.loginClientCredentialsGrant('3f1c...', 'p4ss...');
```

## Use instead
Keep secrets on the server. The page needs none: Messenger authentication uses an
AuthProvider plugin, and Genesys holds the OpenID client secret in its integration.

## References
- Genesys Cloud: Get started with authenticated web messaging, help.mypurecloud.com.
"""

from migrate.rules import Rule


def check(rule, inv):
    for f in inv.files:
        for m in f.markers:
            if m.kind == "genesys-client-secret":
                yield rule.at(f.path, m.line, m.column,
                              "a Genesys client secret in browser code (value ***): move it to the server and "
                              "rotate it")


RULE = Rule.define(__doc__, "error", check)
