"""ZG229 dependency-not-added
The provider needs a library that `migrate generate` could not add to the project's dependencies.

## What it does
The provider signs ID tokens with a JOSE library of the site's language (PyJWT, jose, ...). When
no dependency file was found (requirements.txt, pyproject.toml, package.json ...), the report
names the library to install under `TODO(migrate:ZG229)`.

## Why is this bad?
The provider module fails at import, and the site with it, on a server where the library is not
installed.

## Example
```text
app.py: TODO(migrate:ZG229): no requirements.txt or pyproject.toml dependencies found: install PyJWT[crypto]
```

## Use instead
Add the library to the project's dependencies (and the lock file) as the TODO says.

## References
- Genesys Cloud: authenticated Messenger with an OpenID provider, developer.genesys.cloud.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "warning", generate=True)
