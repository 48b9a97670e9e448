"""ZG207 missing-external-id
A Messaging token without `external_id`.

## What it does
Finds Messaging-profile signers whose payload has no `external_id` claim (for example a
Classic Help Center or Support SSO payload with `iat`, `jti`, `email`, `name`).

## Why is this bad?
Messaging identifies the visitor by `external_id` (a string of at most 255 characters that
never changes for the user). Without it the token is rejected; the error text is unconfirmed.

## Example
```php
JWT::encode(['name' => $user->name, 'email' => $user->email, 'iat' => time(), 'jti' => $jti], $secret, 'HS256', $kid);
```

## Use instead
```php
JWT::encode(['external_id' => (string) $user->id, 'scope' => 'user', 'name' => $user->name], $secret, 'HS256', $kid);
```

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746.
"""

from migrate.rules import Rule
from migrate.rules._support import zendesk


def check(rule, inv):
    for v in zendesk(inv, "zendesk-messaging"):
        s = v.signer
        if "external_id" not in s.claims and "..." not in s.claims:
            yield rule.on(v, s.line, s.column,
                          "no external_id claim: Messaging identifies the visitor by external_id (a string "
                          "that never changes for the user)")


def check_token(rule, ctx):
    if ctx.profile == "zendesk-messaging" and "external_id" not in ctx.claims:
        yield rule.about_token("no external_id: Messaging identifies the visitor by external_id",
                               'add "external_id": the user\'s permanent id, as a string')


RULE = Rule.define(__doc__, "error", check, check_token)
