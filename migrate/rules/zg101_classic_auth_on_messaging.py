"""ZG101 classic-auth-on-messaging
Classic Web Widget authentication on a page that uses the Messaging API: it is never called.

## What it does
Finds `zESettings.webWidget.authenticate.jwtFn`, `authenticate.chat.jwtFn` or
`$zopim.livechat.authenticate` on a page (or site) that drives the widget with
`zE('messenger', ...)`.

## Why is this bad?
Classic and Messaging share one loader, but only the Web Widget (Classic) reads `zESettings`.
The Messaging widget never calls a Classic `jwtFn`, so visitors silently stay anonymous.

## Example
```js
window.zESettings = { webWidget: { authenticate: { chat: { jwtFn: cb => cb(token) } } } };
zE('messenger', 'open');
```

## Use instead
On Zendesk Messaging: `zE('messenger', 'loginUser', cb => fetchToken().then(cb))`.
On Genesys Cloud: an AuthProvider plugin whose `getAuthCode` returns an OpenID Connect code
(`migrate generate` writes it).

## References
- Zendesk: Web Widget (Classic) settings are read at boot only (developer.zendesk.com, Web Widget Classic API).
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746.
"""

from migrate.rules import Rule

_CLASSIC_AUTH = ("webWidget.authenticate.jwtFn", "webWidget.authenticate.chat.jwtFn")


def _is_classic_auth(api: str, command: str) -> bool:
    return (api == "zESettings" and command in _CLASSIC_AUTH) or (
        api == "$zopim" and command == "livechat.authenticate")


def check(rule, inv):
    site_messaging = any(c.api.startswith("messenger") for w in inv.widgets for c in w.calls)
    for w in inv.widgets:
        on_page = any(c.api.startswith("messenger") for c in w.calls)
        classic_calls = any(c.api.startswith("webWidget") for c in w.calls)
        if not (on_page or (site_messaging and not classic_calls)):
            continue
        for c in w.calls:
            if _is_classic_auth(c.api, c.command):
                where = "this page" if on_page else "this site"
                yield rule.at(w.path, c.line, c.column,
                              f"`{c.api}.{c.command}` is Classic Web Widget authentication but {where} uses "
                              "the Messaging API, which never calls it: visitors stay anonymous; use "
                              "zE('messenger', 'loginUser', ...) (on Genesys: an AuthProvider plugin)")


RULE = Rule.define(__doc__, "error", check)
