"""ZG212 hardcoded-secret
A signing secret written as a literal in source code (the value is never printed).

## What it does
Finds signing keys that are string literals, constants initialised with one, or an
environment / configuration read with a literal fallback (`process.env.SECRET || 'dev'`).

## Why is this bad?
Everyone with access to the repository, its history, its CI logs or a leaked bundle can sign
tokens as any customer. A literal fallback silently becomes the production secret the day the
variable is missing.

## Example
```java
Algorithm.HMAC256("s3cr3t-from-admin-center")
```

## Use instead
Read it from the environment or a secret store, fail at start-up when it is missing, and
rotate the secret that was committed.

## References
- OWASP: Secrets Management Cheat Sheet.
"""

import re

from migrate.rules import Rule

# config('services.zendesk.secret') -> the key it reads in a Laravel config file
_CONFIG_READ = re.compile(r"""\bconfig\(\s*['"]([\w.-]+)['"]""")


def _config_literals(inv) -> dict[str, tuple[str, int, str]]:
    """Keys of the site's config files that hold a literal: key -> (path, line, how)."""
    out = {}
    for f in inv.files:
        for m in f.markers:
            if m.kind == "config-literal":
                key, how = m.text.split("\t")
                out[key] = (f.path, m.line, how)
    return out


def check(rule, inv):
    config = _config_literals(inv)
    for v in inv.signers:
        s = v.signer
        if v.purpose == "other" or s.secret is None or "empty" in s.secret.traits:
            continue
        if s.secret.source == "literal" and "literal-fallback" not in s.secret.traits:
            yield rule.on(v, s.secret.line, s.secret.column,
                          f"the signing secret is a literal in source ({s.secret.expression}); read it from "
                          "the environment or a secret store and rotate it")
        elif "literal-fallback" in s.secret.traits:
            yield rule.on(v, s.secret.line, s.secret.column,
                          f"the signing secret falls back to a literal ({s.secret.expression}); fail when the "
                          "setting is missing instead, and rotate the committed value")
        elif (read := _CONFIG_READ.search(s.secret.expression)) and read.group(1) in config:
            path, line, how = config[read.group(1)]
            what = "is a literal" if how == "literal" else "falls back to a literal"
            yield rule.on(v, s.secret.line, s.secret.column,
                          f"the signing secret {s.secret.expression} {what} in {path}:{line} (value ***); read it "
                          "from the environment or a secret store and rotate it")


RULE = Rule.define(__doc__, "error", check)
