"""ZG306 id-token-missing-claim
An ID token without `sub`, `iat` or `exp`, or without the `nonce` that was requested.

## What it does
For the `genesys-oidc` profile, checks the claims OpenID Connect requires, and with `--nonce`
that the token echoes it.

## Why is this bad?
An ID token without them is invalid for every relying party. Genesys also uses `sub` as the
sender's displayable address.

## Example
```json
{"iss": "https://shop.example.com/oidc", "aud": "genesys-messenger", "email": "ada@example.com"}
```

## Use instead
```json
{"iss": "...", "aud": "...", "sub": "42", "iat": 1760000000, "exp": 1760000600, "nonce": "<from the request>"}
```

## References
- OpenID Connect Core 1.0, section 2 (ID token) and 3.1.3.7 (step 11: nonce).
- Genesys Cloud: Authenticated web messaging attributes, help.mypurecloud.com.
"""

from migrate.rules import Rule


def check_token(rule, ctx):
    if ctx.profile != "genesys-oidc":
        return
    missing = [c for c in ("sub", "iat", "exp") if c not in ctx.claims]
    if missing:
        yield rule.about_token(f"missing {', '.join(missing)}", "the provider must set sub, iat and exp in every ID token")
    if ctx.nonce is not None:
        if "nonce" not in ctx.claims:
            yield rule.about_token("no nonce, but one was requested",
                                   "echo the nonce from the authorization request in the ID token")
        elif ctx.claims["nonce"] != ctx.nonce:
            yield rule.about_token("the nonce differs from the one requested",
                                   "bind the nonce to the authorization code and echo it unchanged")


RULE = Rule.define(__doc__, "error", check_token=check_token)
