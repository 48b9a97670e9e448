"""ZG218 classic-chat-missing-exp
Classic Chat visitor token without `exp`.

## What it does
For signers that fit the Zendesk Chat (Classic) authenticated-visitor profile, reports a payload
that sets no `exp` (neither in the claims nor through the library, such as `expiresIn`).

## Why is this bad?
Zendesk Chat requires `exp`, at most 7 minutes after `iat`; a token without it is rejected and
the visitor stays anonymous.

## Example
```js
jwt.sign({ name, email, external_id: id, iat: now }, chatSecret);
```

## Use instead
```js
jwt.sign({ name, email, external_id: id, iat: now, exp: now + 300 }, chatSecret);
```

## References
- Zendesk: Classic Chat authenticated visitors, support.zendesk.com article 4408838925082.
"""

from migrate.model import UNKNOWN_CLAIM
from migrate.rules import Rule
from migrate.rules._support import NOW_PLUS_5_MIN, zendesk


def check(rule, inv):
    for v in zendesk(inv, "zendesk-classic-chat"):
        s = v.signer
        if s.timing("exp") is not None or UNKNOWN_CLAIM in s.claims:
            continue  # unreadable contents may hold an exp
        yield rule.on(v, s.line, s.column,
                      "the Classic Chat token has no exp: Zendesk Chat rejects it; add "
                      f"exp: {NOW_PLUS_5_MIN.get(s.language, 'now + 300')} (at most 7 minutes after iat)")


RULE = Rule.define(__doc__, "error", check)
