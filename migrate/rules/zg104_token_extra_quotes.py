"""ZG104 token-extra-quotes
The token reaches the widget wrapped in quotes.

## What it does
Finds tokens handed to `loginUser` / `jwtFn` as `JSON.stringify(token)`, a token read with
`.text()` from a backend endpoint that sends it with `res.json(token)` (a JSON string, so with
quotes), and Python code that turns a PyJWT 1.x `bytes` token into `"b'eyJ...'"` with `str()`.

## Why is this bad?
The widget receives `"eyJ..."` (quotes included) or `b'eyJ...'`, which is not a compact JWS:
Zendesk answers `invalid_auth` / "Invalid JWT" and the visitor is not logged in.

## Example
```js
app.get('/zendesk/jwt', (req, res) => res.json(jwt.sign(claims, secret)));
// page
fetch('/zendesk/jwt').then(r => r.text()).then(callback);
```

## Use instead
Send the token as text (`res.type('text/plain').send(token)`) or read it with `.json()`;
with PyJWT 1.x use `token.decode('ascii')`, not `str(token)`.

## References
- Zendesk community thread on Messaging JWT errors; `migrate check-token` shows the quotes.
"""

from migrate.rules import Rule
from migrate.rules._support import zendesk


def check(rule, inv):
    json_string_backends = [v.signer for v in zendesk(inv) if v.signer.response == "json-string"]
    for w in inv.widgets:
        for c in w.calls:
            line = c.token_line or c.line
            column = c.column if line == c.line else 1
            if c.token_source == "json-stringify":
                yield rule.at(w.path, line, column,
                              f"JSON.stringify(token) hands {c.command} the token wrapped in quotes; pass the "
                              "token string itself")
            elif c.token_source == "fetch-text" and json_string_backends:
                s = json_string_backends[0]
                yield rule.at(w.path, line, column,
                              f"the token is read with .text() but {s.path}:{s.line} sends it as a JSON string "
                              "(with quotes); read it with .json() or send it as text/plain")
    widget_signing_files = {v.signer.path for v in zendesk(inv)}
    for f in inv.files:
        if f.path not in widget_signing_files:  # a help desk SSO token's quotes are not the widget's
            continue
        for m in f.markers:
            if m.kind == "bytes-token-str":
                yield rule.at(f.path, m.line, m.column,
                              "str() of a PyJWT 1.x bytes token gives \"b'eyJ...'\"; use token.decode('ascii') "
                              "or upgrade to PyJWT 2 (encode returns str)")


def check_token(rule, ctx):
    for w in ctx.wrappers:
        if w == "b''":
            yield rule.about_token(
                "the token is wrapped in b'...': a Python bytes value turned into text (removed to check it)",
                "PyJWT 1.x returns bytes: send token.decode('ascii'), or upgrade to PyJWT 2")
        elif w in ("double quotes", "single quotes", "backticks", "escaped quotes"):
            yield rule.about_token(
                f"the token is wrapped in {w} (removed to check it); the widget would receive them too",
                "send the bare token: res.json(token) / JSON.stringify(token) add quotes that .text() keeps; "
                "send it as text/plain or read it with .json()")


RULE = Rule.define(__doc__, "error", check, check_token)
