"""ZG304 id-token-audience
The ID token's `aud` does not contain the client id configured in Genesys.

## What it does
For the `genesys-oidc` profile, checks that `aud` (a string or a list) contains `--client-id`,
and reports a missing `aud`.

## Why is this bad?
OpenID Connect relying parties reject ID tokens not addressed to them. Advice that Genesys
needs `aud: "genesys-cloud-api"` has no official source: `aud` must hold the client id you
entered in the "OpenID Connect Messenger Configuration" integration.

## Example
```json
{"iss": "https://shop.example.com/oidc", "sub": "42", "aud": "genesys-cloud-api", "nonce": "..."}
```

## Use instead
```json
{"iss": "https://shop.example.com/oidc", "sub": "42", "aud": "genesys-messenger", "nonce": "..."}
```

## References
- OpenID Connect Core 1.0, section 3.1.3.7 (ID token validation, step 3).
- Genesys Cloud: Get started with authenticated web messaging, help.mypurecloud.com.
"""

import json

from migrate.rules import Rule


def check_token(rule, ctx):
    if ctx.profile != "genesys-oidc":
        return
    aud = ctx.claims.get("aud")
    if aud is None:
        yield rule.about_token("no aud claim", "set aud to the client id configured in the Genesys integration")
        return
    audiences = aud if isinstance(aud, list) else [aud]
    if "genesys-cloud-api" in audiences and ctx.client_id != "genesys-cloud-api":
        yield rule.about_token('aud is "genesys-cloud-api": no official source says Genesys expects that value',
                               "set aud to the client id configured in the Genesys integration")
    elif ctx.client_id is not None and ctx.client_id not in audiences:
        yield rule.about_token(f"aud is {json.dumps(aud)} and does not contain the client id {ctx.client_id!r}",
                               f'set "aud": "{ctx.client_id}"')


RULE = Rule.define(__doc__, "error", check_token=check_token)
