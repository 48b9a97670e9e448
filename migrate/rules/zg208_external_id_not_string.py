"""ZG208 external-id-not-string
`external_id` is a number.

## What it does
Finds `external_id` claims that are numeric literals, numeric conversions (`parseInt`,
`int(...)`), or database ids (`user.id`, `user.pk`, `$user->id`) not converted to a string.

## Why is this bad?
Zendesk documents `external_id` as a string. A numeric id produces a JSON number; how
Messaging treats it is unconfirmed, and the same user can end up with two identities when
another code path sends the string form.

## Example
```python
{"external_id": user.id, "scope": "user"}
```

## Use instead
```python
{"external_id": str(user.id), "scope": "user"}
```

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746 (external_id: string).
"""

from migrate.rules import Rule
from migrate.rules._support import TO_STRING, shown, zendesk
from migrate.token.context import json_kind


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        ext = s.claims.get("external_id")
        if ext is None:
            continue
        final = ext.final
        certain = final.kind in ("int", "float")
        probable = not certain and ext.has("numeric") and not ext.has("stringified") and final.kind not in (
            "string", "template")
        if certain or probable:
            fix = TO_STRING.get(s.language, "{}").format(ext.text)
            how = "is a number" if certain else "is probably a number"
            yield rule.at(s.path, ext.line, ext.column,
                          f"external_id {shown(ext)} {how}; send a string: {fix}")


def check_token(rule, ctx):
    value = ctx.claims.get("external_id")
    if ctx.zendesk and json_kind(value) in ("int", "float"):
        yield rule.about_token(f"external_id is the number {value}; Zendesk documents a string",
                               f'send "external_id": "{value}" (String(user.id))')


RULE = Rule.define(__doc__, "warning", check, check_token)
