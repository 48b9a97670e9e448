"""ZG227 claim-without-genesys-use
A claim of the Zendesk token that Genesys Messenger does not read: kept in the ID token, to be decided.

## What it does
`migrate generate` maps each claim of the Zendesk token through the profile's mapping
(`mappings/zendesk-*.yaml`): `external_id` becomes `sub`, `name` and `email` stay. A claim the
mapping does not know (`plan`, `tier`, `locale`) is kept in the ID token under its own name, with
`TODO(migrate:ZG227)` next to it; `migrate scan` reports it before that.

## Why is this bad?
Messenger reads `sub`, `name` and `email` from the ID token and nothing else. A claim that
routed the chat on Zendesk (a plan that picked a department) has no effect on Genesys: the
routing it drove must be rebuilt, or the claim dropped.

## Example
```js
jwt.sign({ external_id: user.id, name: user.name, plan: user.plan, scope: 'user' }, secret, opts);
```

## Use instead
Drop the claim, or carry what it drove into Genesys: a custom attribute set with
`Genesys('command', 'Database.set', ...)`, read by the inbound message flow.

## References
- Genesys Cloud: authenticated web messaging (the ID token claims Messenger reads), help.mypurecloud.com.
- OpenID Connect Core 1.0, §5.1 (standard claims), openid.net.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "info", generate=True)
