"""ZG305 id-token-issuer
The ID token's `iss` differs from the discovery document's issuer.

## What it does
For the `genesys-oidc` profile, compares `iss` with `--issuer` exactly (scheme, host, path and
trailing slash all count), and reports a missing `iss`.

## Why is this bad?
The relying party fetches the discovery document from the Discovery URI and requires the ID
token's `iss` to equal its `issuer` exactly.

## Example
`iss: "https://shop.example.com/oidc/"` with discovery issuer `https://shop.example.com/oidc`.

## Use instead
Emit exactly the issuer string your discovery document publishes.

## References
- OpenID Connect Core 1.0, section 3.1.3.7 (step 2); OpenID Connect Discovery 1.0, section 4.3.
"""

import json

from migrate.rules import Rule


def check_token(rule, ctx):
    if ctx.profile != "genesys-oidc":
        return
    iss = ctx.claims.get("iss")
    if iss is None:
        yield rule.about_token("no iss claim", "set iss to the issuer of your discovery document")
    elif ctx.issuer is not None and iss != ctx.issuer:
        near = " (only a trailing slash differs)" if str(iss).rstrip("/") == ctx.issuer.rstrip("/") else ""
        yield rule.about_token(f"iss is {json.dumps(iss)}, the issuer is {json.dumps(ctx.issuer)}{near}",
                               f'set "iss": "{ctx.issuer}" exactly')


RULE = Rule.define(__doc__, "error", check_token=check_token)
