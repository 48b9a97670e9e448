"""ZG208 external-id-not-string
`external_id` is a number.

## What it does
Finds `external_id` claims that are numeric literals or numeric conversions (`parseInt`,
`int(...)`, `.to_i`), reported as warnings. A database id (`user.id`, `user.pk`, `$user->id`)
not converted to a string may be a number or a string (UUIDs, `'u-1001'`): the code does not
show which, so it is reported as `info`, a guess, and never fails a run.

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

import re

from migrate.rules import Rule
from migrate.rules._support import TO_STRING, shown, zendesk
from migrate.token.context import json_kind

# Conversions that make a number whatever they are given; a bare `.id` only may be one.
_CONVERSION = re.compile(r"\b(?:Number|parseInt|parseFloat|int|float|Integer|intval|parseLong|parseInt|"
                         r"ToInt\d*|Atoi|ParseInt)\s*\(|\.to_i\b|\(\s*int\s*\)")


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        ext = s.claims.get("external_id")
        if ext is None:
            continue
        final = ext.final
        numeric = ext.has("numeric") and not ext.has("stringified") and final.kind not in ("string", "template")
        certain = final.kind in ("int", "float") or (numeric and _CONVERSION.search(final.text) is not None)
        if certain or numeric:
            fix = TO_STRING.get(s.language, "{}").format(ext.text)
            if certain:
                yield rule.on(v, ext.line, ext.column, f"external_id {shown(ext)} is a number; send a string: {fix}")
            else:
                yield rule.on(v, ext.line, ext.column,
                              f"external_id {shown(ext)} may be a number (a database id; the code does not show "
                              f"its type); if it is, send a string: {fix}", severity="info")


def check_token(rule, ctx):
    value = ctx.claims.get("external_id")
    if ctx.zendesk and json_kind(value) in ("int", "float"):
        yield rule.about_token(f"external_id is the number {value}; Zendesk documents a string",
                               f'send "external_id": "{value}" (String(user.id))')


RULE = Rule.define(__doc__, "warning", check, check_token)
