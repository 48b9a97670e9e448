"""ZG103 token-rendered-into-page
A JWT rendered into the page at render time and handed to the widget: stale after `exp`.

## What it does
Finds a `loginUser` / `jwtFn` callback that hands the widget a token that the server wrote
into the page (`var jwt = "<%= @zendesk_jwt %>"`, `'{{ token }}'`, `'@Model.Token'`), or that
the page's own script spliced into widget code it wrote out once
(`` el.innerHTML = `... jwtFn: function (cb) { cb('${token}'); } ...` ``).

## Why is this bad?
The widget calls the JWT callback again whenever it needs to (re)authenticate, long after the
page was rendered. A token baked into the HTML is expired by then, and the visitor is logged
out or rejected with `invalid_auth`.

## Example
```erb
<script>
  var jwt = "<%= @zendesk_jwt %>";
  zE('messenger', 'loginUser', function (callback) { callback(jwt); });
</script>
```

## Use instead
Fetch a fresh token inside the callback:
`zE('messenger', 'loginUser', cb => fetch('/zendesk/jwt').then(r => r.text()).then(cb))`.
On Genesys the AuthProvider's `getAuthCode` fetches a fresh authorization code each time.

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746 (jwtCallback is called again for existing sessions).
"""

from migrate.rules import Rule


def check(rule, inv):
    for w in inv.widgets:
        for c in w.calls:
            if c.token_source in ("template", "written"):
                line = c.token_line or c.line
                how = "rendered into the page by the server" if c.token_source == "template" else \
                    "written into the widget code once, when the page's script writes it out"
                yield rule.at(w.path, line, c.column if line == c.line else 1,
                              f"the token handed to {c.command} is {how}: it goes stale after exp; fetch a fresh "
                              "one inside the callback")


RULE = Rule.define(__doc__, "warning", check)
