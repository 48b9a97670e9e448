"""ZG102 login-before-loader
`zE(...)` is called in a script that runs before the loader has defined `zE`.

## What it does
Finds `zE(...)` calls at the top level of an inline page script placed before the
`ze-snippet` loader script on the same page.

## Why is this bad?
`zE` only exists once `snippet.js` has run. A call before it throws
`ReferenceError: zE is not defined` and the visitor is never logged in.

## Example
```html
<script>zE('messenger', 'loginUser', getToken);</script>
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=..."></script>
```

## Use instead
Place the call after the loader (or inside a `load` handler of the loader script).
On Genesys, the Messenger snippet queues commands made before it loads, and an AuthProvider
plugin replaces `loginUser`.

## References
- Zendesk: Messaging Web Widget SDK, developer.zendesk.com (zE is defined by the snippet).
"""

from migrate.rules import Rule


def check(rule, inv):
    for w in inv.widgets:
        for c in w.calls:
            if c.before_loader:
                yield rule.at(w.path, c.line, c.column,
                              f"zE('{c.api}', '{c.command}') runs before the Zendesk loader defines zE: it "
                              "throws a ReferenceError; move it after the ze-snippet script")


RULE = Rule.define(__doc__, "warning", check)
