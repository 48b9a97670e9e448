"""ZG105 secret-in-browser
A widget signing secret, or JWT signing, in code that runs in the browser.

## What it does
Finds JWT signing (jose, WebCrypto HMAC, jsonwebtoken in a bundle) and Zendesk widget
secrets held in page scripts or front-end code.

## Why is this bad?
Anyone can read the secret from the page and sign a token for any `external_id`: they can
impersonate every customer in the chat and read their conversation history.

## Example
```js
const secret = new TextEncoder().encode('zd-messaging-secret');
const jwt = await new SignJWT({ external_id: id, scope: 'user' }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
```

## Use instead
Sign on the server, behind the site's login, and fetch the token from the page.
On Genesys no page-side secret exists at all: the site's OpenID provider issues a code.

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746 (sign on your server).
"""

from migrate.rules import Rule


def check(rule, inv):
    for v in inv.signers:
        s = v.signer
        if s.browser and v.purpose == "zendesk":
            yield rule.on(v, s.line, s.column,
                          f"a JWT is signed in browser code ({s.library}): the signing key ships to every "
                          "visitor; sign on the server behind the site's login")
    for f in inv.files:
        for m in f.markers:
            if m.kind == "zendesk-secret":
                yield rule.at(f.path, m.line, m.column,
                              "a Zendesk widget signing secret in browser code (value ***): anyone can sign "
                              "tokens for any customer; move it to the server and rotate it")


RULE = Rule.define(__doc__, "error", check)
