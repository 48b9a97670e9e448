"""ZG211 base64-decoded-secret
The signing secret is base64-decoded before signing.

## What it does
Finds keys passed through `Buffer.from(s, 'base64')`, `base64.b64decode`,
`Convert.FromBase64String`, `Base64.getDecoder().decode`, `Decoders.BASE64.decode`,
`base64.StdEncoding.DecodeString`, `Base64.decode64`, `base64_decode`...

## Why is this bad?
Every public Zendesk sample signs with the raw UTF-8 bytes of the secret as shown in Admin
Center. Decoding it first (or ticking "secret base64 encoded" on jwt.io) signs with other
bytes, so the signature does not verify. Zendesk does not state this (unconfirmed): a likely
cause, not a certain one.

## Example
```csharp
var key = new SymmetricSecurityKey(Convert.FromBase64String(secret));
```

## Use instead
```csharp
var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
```

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746 (samples use the raw secret).
"""

from migrate.rules import Rule
from migrate.rules._support import zendesk


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        if s.secret is not None and "base64-decoded" in s.secret.traits:
            yield rule.on(v, s.secret.line, s.secret.column,
                          f"the secret is base64-decoded before signing ({s.secret.expression}); Zendesk samples "
                          "sign with the secret's raw UTF-8 bytes (likely cause of a signature mismatch; "
                          "unconfirmed by Zendesk)")


def check_token(rule, ctx):
    if ctx.signature.variant == "base64":
        yield rule.about_token(
            "the signature verifies only with the base64-decoded secret: the signer decodes the secret "
            "before signing (Zendesk's samples use the raw text; unconfirmed by Zendesk)",
            "sign with the secret's UTF-8 bytes as shown in Admin Center (Buffer.from(secret, 'utf8'), "
            "not 'base64'); on jwt.io untick 'secret base64 encoded'")


RULE = Rule.define(__doc__, "warning", check, check_token)
