"""ZG205 missing-kid
A Messaging token without a `kid` header, or with one that can be undefined.

## What it does
Finds Messaging-profile signers that set no `kid` header, and those whose `kid` comes from an
environment variable read in a way that yields undefined / null / "" when it is unset.

## Why is this bad?
Messaging picks the verification key by `kid` (`app_` + 24 hex characters, from Admin
Center > Account > Security > End user authentication). Without it every token is rejected.
The exact error text is unconfirmed.

## Example
```js
jwt.sign({ external_id: id, scope: 'user' }, secret, { keyid: process.env.ZENDESK_KEY_ID });
```

## Use instead
```js
const keyid = process.env.ZENDESK_KEY_ID;
if (!keyid) throw new Error('ZENDESK_KEY_ID is not set');
jwt.sign({ external_id: id, scope: 'user' }, secret, { keyid });
```

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746 (kid required).
"""

from migrate.rules import Rule
from migrate.rules._support import shown, zendesk


def check(rule, inv):
    for v in zendesk(inv, "zendesk-messaging"):
        s = v.signer
        kid = s.header.get("kid")
        if kid is None:
            yield rule.on(v, s.line, s.column,
                          "no kid header: Messaging finds the signing key by kid (app_... from Admin Center > "
                          "End user authentication); add it to the header")
        elif kid.has("env-unguarded"):
            yield rule.on(v, kid.line, kid.column,
                          f"kid {shown(kid)} is undefined when the variable is unset; fail at start-up "
                          "when it is missing")


def check_token(rule, ctx):
    if ctx.profile == "zendesk-messaging" and not ctx.header.get("kid"):
        yield rule.about_token(
            "no kid in the header: Messaging finds the signing key by kid" if "kid" not in ctx.header
            else f"kid is {ctx.header['kid']!r}: empty",
            "add the key ID from Admin Center > Account > Security > End user authentication "
            "(app_...) as the kid header")


RULE = Rule.define(__doc__, "error", check, check_token)
