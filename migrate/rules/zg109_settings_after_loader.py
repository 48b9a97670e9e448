"""ZG109 settings-after-loader
`zESettings` is assigned after the Zendesk loader on the same page: the widget never reads it.

## What it does
Finds `window.zESettings = {...}` (and assignments to its keys) that run after the `ze-snippet`
loader in the same page or script has booted the widget: placed after a loader that runs on
page load (including one created with `document.createElement`), or set later, in a login
handler or the loader's `onload`. Settings written on load before a loader that is added
later (a delayed script) are read, and are not reported.

## Why is this bad?
The Web Widget (Classic) reads `zESettings` once, when the loader boots. Settings assigned
later, such as `authenticate.jwtFn` set in a login handler, are silently ignored: the visitor
is never authenticated and the colour or position never changes. Runtime changes go through
`zE('webWidget', 'updateSettings', {...})`.

## Example
```html
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=KEY"></script>
<script>
  function login() { window.zESettings = { webWidget: { authenticate: { jwtFn: getToken } } }; }
</script>
```

## Use instead
Define `window.zESettings` before the loader; later, call
`zE('webWidget', 'updateSettings', {...})`. On Genesys, settings live in the Messenger
configuration and sign-in is an AuthProvider plugin (`migrate generate`).

## References
- Zendesk: Web Widget (Classic) API, developer.zendesk.com ("zESettings ... defined before the
  Web Widget snippet").
"""

from migrate.rules import Rule

_ZENDESK_LOADERS = ("snippet", "zembed")
_SAME_ASSIGNMENT = 3  # lines between two keys of one zESettings object


def check(rule, inv):
    for f in inv.files:
        loaded = [ld.line for ld in f.loaders if ld.kind in _ZENDESK_LOADERS]
        if not loaded:
            continue
        late = sorted((c for c in f.calls if c.api == "zESettings" and c.after_loader),
                      key=lambda c: (c.line, c.column))
        previous = None
        for c in late:  # one finding per assignment: its keys sit on consecutive lines
            if previous is None or c.line > previous + _SAME_ASSIGNMENT:
                yield rule.at(f.path, c.line, c.column,
                              f"zESettings is set after the Zendesk loader (line {min(loaded)}) has booted the "
                              "widget: it reads its settings once, when it boots, so these may be read too late "
                              "or never; define zESettings before the loader or call "
                              "zE('webWidget', 'updateSettings', ...)")
            previous = c.line


RULE = Rule.define(__doc__, "warning", check)
