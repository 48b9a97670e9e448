"""ZG226 zendesk-code-left
Zendesk code the provider replaced, or code the old route also ran, is left for a person to remove or carry over.

## What it does
After `migrate generate` moves the Zendesk token route to the OpenID provider (or removes it at
cut-over), what it will not delete or move by itself is marked `TODO(migrate:ZG226)`: a
controller with nothing left but its constructor, a route file whose handler moved, a route it
could not find, a statement the old route ran besides signing (logging, auditing) that the
provider's claims may need.

## Why is this bad?
A leftover class or route is dead code that still reads the Zendesk secret's configuration; a
statement the old route ran and the provider does not (an audit line, a session refresh) is
behaviour that silently stops.

## Example
```ruby
# TODO(migrate:ZG226): ZendeskController has no action left (GenesysOidcController replaces it); remove it
class ZendeskController < ApplicationController
end
```

## Use instead
Delete what the TODO names, or move the statement into the provider's claims function, and
remove the Zendesk secret from the environment once nothing reads it.

## References
- Genesys Cloud: authenticated Messenger with an OpenID provider, developer.genesys.cloud.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "info", generate=True)
