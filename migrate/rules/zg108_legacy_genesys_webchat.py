"""ZG108 legacy-genesys-webchat
Deprecated Genesys web chat: `ININ.webchat`, `_genesys.widgets`, `/api/v2/webchat`, `/api/v2/signeddata`.

## What it does
Finds Widgets v1/v2 web chat code (`ININ.webchat.create`, `window._genesys.widgets`,
`CXBus.command('WebChat.open')`) and calls to the web chat and signed-data APIs.

## Why is this bad?
Genesys web chat v2 is deprecated in the Public API since 2025-06-23; Messenger is the only
current target. Authenticated web chat never took a customer-signed JWT either
(`/api/v2/signeddata` had Genesys sign the data), so it needs the same migration to an
OpenID provider as a Zendesk site.

## Example
```js
window._genesys = { widgets: { webchat: { userData: { email } } } };
```

## Use instead
Genesys Messenger with a web deployment, and an AuthProvider plugin for signed-in visitors.

## References
- Genesys Cloud: Public API deprecation notice for web chat v2 (2025-06-23), developer.genesys.cloud.
"""

from migrate.rules import Rule

_APIS = ("ININ.webchat", "_genesys.widgets", "CXBus")


def check(rule, inv):
    for f in inv.files:
        calls = [c for c in f.calls if c.api in _APIS]
        for c in calls:
            yield rule.at(f.path, c.line, c.column, f"deprecated Genesys web chat: {c.api} {c.command}")
        for m in f.markers:
            if m.kind == "genesys-webchat-url":
                yield rule.at(f.path, m.line, m.column,
                              f"deprecated Genesys web chat API {m.text or ''}".rstrip())
        if not calls:
            for ld in f.loaders:
                if ld.kind == "genesys-webchat":
                    yield rule.at(f.path, ld.line, ld.column, "deprecated Genesys web chat widget loader")


RULE = Rule.define(__doc__, "warning", check)
