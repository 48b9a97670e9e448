"""ZG216 signature-mismatch
The signature does not verify with the given secret or JWKS.

## What it does
With `--secret-env` / `--secret-file`, recomputes the HMAC (also with the base64-decoded
secret, see ZG211); with `--jwks`, verifies RS/PS/ES signatures with the key whose `kid`
matches.

## Why is this bad?
The receiver computes the same check and rejects the token ("Invalid JWT").

## Example
A token signed with a key from another Zendesk account, an old (rotated) key, or a secret with
a trailing newline copied from a file.

## Use instead
Sign with the current key; for Messaging, check that the `kid` matches the key whose secret
you use; strip whitespace from secrets read from files.

## References
- RFC 7515 section 5.2 (JWS validation).
"""

from migrate.rules import Rule


def check_token(rule, ctx):
    if ctx.signature.status == "mismatch":
        yield rule.about_token(f"the signature does not verify: {ctx.signature.detail}",
                               "sign with the key that matches the kid (Zendesk: the current secret of that key "
                               "ID; OpenID: the private key of the JWKS entry)")


RULE = Rule.define(__doc__, "error", check_token=check_token)
