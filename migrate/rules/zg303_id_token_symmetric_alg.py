"""ZG303 id-token-symmetric-alg
An ID token for Genesys signed with HS* or none instead of an asymmetric key.

## What it does
Finds code that signs an OpenID Connect ID token for Genesys (nonce / aud claims, Genesys or
OpenID naming) with a shared-secret algorithm (HS256/384/512) or `none`.

## Why is this bad?
Genesys validates the ID token it redeems; OpenID Connect relying parties verify it with the
keys published at the provider's `jwks_uri`. A symmetric signature cannot be published as a
public key. Which algorithms Genesys accepts is not documented (unconfirmed): RS256 with a
`kid` from the JWKS is the standard, safe choice.

## Example
```python
jwt.encode({"iss": ISSUER, "sub": uid, "aud": CLIENT_ID, "nonce": nonce}, secret, algorithm="HS256")
```

## Use instead
```python
jwt.encode(claims, private_key_pem, algorithm="RS256", headers={"kid": thumbprint})
```

## References
- OpenID Connect Core 1.0, section 10.1 (signing) and 3.1.3.7 (ID token validation).
- Genesys Cloud: Get started with authenticated web messaging, help.mypurecloud.com.
"""

import json

from migrate.rules import Rule


def check(rule, inv):
    for v in inv.signers:
        s = v.signer
        if v.purpose in ("genesys-id-token", "openid-provider") and symmetric(s.algorithm):
            where = s.algorithm_expr or s
            yield rule.on(v, where.line, where.column,
                          f"the ID token for Genesys is signed with {s.algorithm}; sign it with RS256 and "
                          "publish the public key in the provider's JWKS (kid = JWK thumbprint)")


def symmetric(alg: object) -> bool:
    """Shared by code and token checks: HS* and none cannot be published in a JWKS."""
    return isinstance(alg, str) and (alg.upper().startswith("HS") or alg.lower() == "none")


def check_token(rule, ctx):
    alg = ctx.header.get("alg")
    if ctx.profile == "genesys-oidc" and (symmetric(alg) or not isinstance(alg, str)):
        yield rule.about_token(
            f"the ID token is signed with {json.dumps(alg)}; use an asymmetric key published in the JWKS "
            "(which algorithms Genesys accepts is unconfirmed; RS256 is the safe choice)",
            "sign ID tokens with RS256, kid = the key's JWK thumbprint, and publish the public key at jwks_uri")


RULE = Rule.define(__doc__, "error", check, check_token)
