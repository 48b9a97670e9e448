"""ZG219 token-logged
A signed widget token is written to the console or a log.

## What it does
Finds logging calls (`console.log`, `logger.info`, `print`, `puts`, `Log.d`, `error_log`,
`fmt.Println`...) that take the variable holding a Zendesk widget token, in the function that
signs it.

## Why is this bad?
A widget token is a credential: whoever reads the log (log shippers, support staff, a
browser's console) can sign in as that customer until `exp`.

## Example
```js
const token = jwt.sign(payload, secret, { keyid });
console.log('zendesk token', token);
```

## Use instead
Log that a token was issued and for whom (`sub`, `exp`), never the token itself.

## References
- OWASP Logging Cheat Sheet: "session identifiers ... access tokens" are never logged.
"""

import dataclasses

from migrate.rules import Rule
from migrate.rules._support import zendesk


def check(rule, inv):
    widget = {(v.signer.path, str(v.signer.line)): v for v in zendesk(inv)}
    for f in inv.files:
        for m in f.markers:
            if m.kind != "token-logged":
                continue
            # "line" for a signer of the same file, "path:line" for a helper signing elsewhere
            path, _, line = m.text.rpartition(":") if ":" in m.text else (f.path, "", m.text)
            v = widget.get((path, line))
            if v is None:
                continue
            where = f"line {line}" if path == f.path else f"{path}:{line}"
            finding = rule.on(v, m.line, m.column,
                              f"the widget token signed on {where} is written to a log: anyone who reads it "
                              "can sign in as that customer until exp; log who it was issued to, not the token")
            yield dataclasses.replace(finding, path=f.path)


RULE = Rule.define(__doc__, "warning", check)
