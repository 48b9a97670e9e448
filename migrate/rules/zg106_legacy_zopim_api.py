"""ZG106 legacy-zopim-api
The legacy Zopim / Zendesk Chat `$zopim` API is in use.

## What it does
Finds every `$zopim(...)` and `$zopim.livechat...` call, and a Zopim loader on a page that
makes none.

## Why is this bad?
`$zopim` belongs to the retired Zopim widget. None of it carries over: each call needs its
Genesys Messenger counterpart (or a decision when there is none).

## Example
```js
$zopim(function () { $zopim.livechat.setName('Ada'); });
```

## Use instead
Genesys Messenger commands and events (`migrate generate` translates the ones that map and
leaves a `TODO(migrate:ZG107)` for the rest); identity comes from the ID token.

## References
- Zendesk: Chat widget (legacy) API, developer.zendesk.com.
- Genesys Cloud: Messenger JavaScript SDK, developer.genesys.cloud.
"""

from migrate.rules import Rule


def check(rule, inv):
    for w in inv.widgets:
        zopim = [c for c in w.calls if c.api == "$zopim"]
        for c in zopim:
            yield rule.at(w.path, c.line, c.column, f"legacy Zopim API: $zopim {c.command}")
        if not zopim:
            f = inv.file(w.path)
            for ld in (f.loaders if f else ()):
                if ld.kind == "zopim":
                    yield rule.at(w.path, ld.line, ld.column, "legacy Zopim widget loader (v2.zopim.com)")


RULE = Rule.define(__doc__, "warning", check)
