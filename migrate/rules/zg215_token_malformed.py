"""ZG215 token-malformed
Not a compact JWS: wrong segment count, invalid base64url, or a header/payload that is not JSON.

## What it does
Decodes the token the way every JWT library does and says which part fails.

## Why is this bad?
A widget or an OpenID relying party cannot read it at all: it answers "Invalid JWT" without
saying why. Common causes are a truncated copy, an HTML or JSON error page handed over as the
token, or a token built by hand with plain base64 (`+`, `/`, `=`).

## Example
```text
eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0    (two segments: the signature is missing)
```

## Use instead
Take the token straight from the library's sign/encode call, unmodified, and pass it as text.

## References
- RFC 7515 section 7.1 (JWS compact serialization), RFC 7519 section 7.2.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "error", check_token=lambda rule, ctx: ())


def finding(reason: str):
    return RULE.about_token(f"not a JWT: {reason}",
                            "pass the token exactly as the signing library returned it (header.payload.signature)")
