"""ZG217 identity-from-request
The widget token's identity (`external_id`, `email`) is taken from the request, not the session.

## What it does
Finds Zendesk widget signers whose `external_id` or `email` claim comes straight from what the
caller sent: a posted body (`req.body.email`, `await request.json()`, `$_POST`,
`request.get_json()`), a query parameter (`searchParams.get('id')`, `params[:id]`) or login
form credentials, directly or through a record the function looks up by such a value
(`const user = await findUser(req.body.user_id)`).

## Why is this bad?
The token tells Zendesk who the visitor is. An endpoint that signs whatever identity it is sent
mints a valid token for any customer's email or id: anyone who can reach it reads that
customer's conversations. Even behind a login, a signed-in visitor can ask for someone else's.

## Example
```js
app.post('/zendesk/jwt', (req, res) => {
  res.send(jwt.sign({ external_id: req.body.email, scope: 'user' }, secret, { keyid }));
});
```

## Use instead
Take the identity from the signed-in session (`req.user.id`, `current_user.id`,
`request.user.pk`) and refuse the request without one. The Genesys OpenID provider that
`migrate generate` writes takes `sub` from the session only.

## References
- Zendesk: Messaging authentication, support.zendesk.com article 4411666638746 ("external_id ...
  a unique identifier for the user").
"""

from migrate.rules import Rule
from migrate.rules._support import shown, zendesk

_IDENTITY = ("external_id", "email")


def check(rule, inv):
    for v in zendesk(inv):
        s = v.signer
        claim = next((c for c in _IDENTITY if c in s.from_request), None)
        if claim is None:
            continue
        e = s.claims[claim]
        yield rule.on(v, e.line, e.column,
                      f"{claim} {shown(e)} comes from the request (directly, or from a record looked up by "
                      "what the request names): this endpoint signs a widget token for whoever the caller "
                      "names; take the identity from the signed-in session")


RULE = Rule.define(__doc__, "error", check)
