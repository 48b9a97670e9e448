"""ZG213 lifetime-over-limit
Classic Chat: `exp` more than 7 minutes after `iat`.

## What it does
For signers that fit the Zendesk Chat (Classic) authenticated-visitor profile, computes the
token lifetime from the code (`iat + 3600`, `expiresIn: '1h'`, `AddHours(1)`,
`5.minutes.from_now`...) and reports lifetimes over 420 seconds.

## Why is this bad?
Zendesk Chat rejects visitor tokens whose `exp` is more than 7 minutes after `iat`.

## Example
```js
jwt.sign({ name, email, external_id: id }, chatSecret, { expiresIn: '1h' });
```

## Use instead
```js
jwt.sign({ name, email, external_id: id }, chatSecret, { expiresIn: '5m' });
```

## References
- Zendesk: Classic Chat authenticated visitors, support.zendesk.com article 4408838925082.
"""

from migrate.rules import Rule
from migrate.rules._support import zendesk
from migrate.token.context import seconds

LIMIT = 7 * 60


def check(rule, inv):
    for v in zendesk(inv, "zendesk-classic-chat"):
        s = v.signer
        exp = s.timing("exp")
        if exp is None or exp.from_now is None:
            continue
        iat = s.timing("iat")
        lifetime = exp.from_now - ((iat.from_now if iat is not None else None) or 0)
        if lifetime > LIMIT:
            yield rule.on(v, exp.line, exp.column,
                          f"the token lives {lifetime:g} s ({lifetime / 60:g} min); Zendesk Chat accepts at most "
                          "7 minutes between iat and exp")


def check_token(rule, ctx):
    exp, iat = seconds(ctx.claims.get("exp")), seconds(ctx.claims.get("iat"))
    if ctx.profile == "zendesk-classic-chat" and exp is not None and iat is not None and exp - iat > LIMIT:
        life = exp - iat
        yield rule.about_token(f"exp is {life:g} s ({life / 60:g} min) after iat; Zendesk Chat allows 7 minutes",
                               "issue tokens for at most 420 s: exp = iat + 300")


RULE = Rule.define(__doc__, "error", check, check_token)
