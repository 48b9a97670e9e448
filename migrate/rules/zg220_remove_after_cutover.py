"""ZG220 remove-after-cutover
A Zendesk token route kept beside the new OpenID provider until the site has moved.

## What it does
Finds the Zendesk widget-token routes that `migrate generate` left in place, marked
`TODO(migrate:ZG220)`, next to the OpenID provider it added for Genesys Messenger.

## Why is this bad?
It is not, for a while: keeping the old route makes rollback a matter of reverting the page.
Once Messenger sign-in works in production, the route still signs Zendesk tokens with a
shared secret nobody needs any more; it should go, with the secret.

## Example
```js
// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route POST /zendesk/jwt ...
app.post('/zendesk/jwt', requireLogin, (req, res) => { ... });
```

## Use instead
`migrate generate --cutover` removes the kept routes (and what only they used) in a diff of
its own; then delete the Zendesk signing secret from the environment.

## References
- Genesys Cloud: authenticated Messenger with an OpenID provider, developer.genesys.cloud.
"""

from migrate.rules import Rule
from migrate.rules._support import zendesk


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        if "kept" in s.hints and not s.browser:
            where = f"route {s.route}" if s.route else f"signing code in {s.function or 'this file'}"
            yield rule.on(v, s.line, s.column,
                          f"the Zendesk token {where} is kept beside the OpenID provider until cut-over; once "
                          "Messenger sign-in works, `migrate generate --cutover` removes it")


RULE = Rule.define(__doc__, "info", check, own_todos=True)
