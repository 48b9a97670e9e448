"""ZG107 no-genesys-equivalent
A Zendesk widget call or setting with no Genesys Messenger equivalent: it needs a decision.

## What it does
Looks up every widget call and `zESettings` key in the widget-API table
(`mappings/widget-api.yaml`) and reports those marked `todo` (runtime locale, unread count,
z-index ...) and those the table does not know. `zESettings` values the Messenger
configuration holds (colour, position, offset, launcher label) are not reported when they are
written out in the page: `migrate generate` carries them there. One computed per visitor (a
server template's value) or changed at run time still is. A `zESettings` object assigned as a
whole from an expression is ZG110; the Genesys steps and Terraform that `migrate generate`
writes name the settings they could not carry under this rule too.

## Why is this bad?
Nothing should vanish in a migration. These calls do something on the Zendesk page that
Genesys Messenger does not offer at run time; someone has to decide what replaces them
(a configuration setting, a custom attribute, or nothing).

## Example
```js
zE('messenger:set', 'locale', 'de');
zE('messenger:on', 'unreadMessages', n => badge(n));
```

## Use instead
Set `languages` / `defaultLanguage` in the Messenger configuration; count
`MessagingService.messagesReceived` while the Messenger is closed. `migrate generate` leaves a
`TODO(migrate:ZG107)` comment next to each such call.

## References
- Genesys Cloud: Messenger JavaScript SDK commands and events, developer.genesys.cloud.
"""

import re

from migrate.rules import Rule
from migrate.widgetapi import lookup

# A value written out in the page (not one a server template or the script computes per visitor):
# the configuration can hold it.
_FIXED = re.compile(r"""'[^'<{$]*'|"[^"<{$]*"|-?\d+(?:\.\d+)?(?:px)?|true|false""")


def _fixed(call) -> bool:
    return bool(call.args) and bool(_FIXED.fullmatch(call.args[0].strip()))

_ZENDESK = ("messenger", "webWidget", "zE", "zESettings", "$zopim")


def check(rule, inv):
    for w in inv.widgets:
        for c in w.calls:
            if c.api.split(":")[0] not in _ZENDESK:
                continue
            if c.api == "zESettings" and not c.command:
                continue  # set as a whole from an expression: ZG110
            entry = lookup(c.api, c.command)
            if entry is not None and (entry.genesys or (entry.config and c.api == "zESettings" and _fixed(c))):
                continue  # a Messenger command, or a fixed setting generate carries to the configuration
            reason = entry.todo if entry else "not in the widget-API table; decide what replaces it"
            yield rule.at(w.path, c.line, c.column, f"{c.api} {c.command}: no Genesys equivalent ({reason})")


RULE = Rule.define(__doc__, "info", check)
