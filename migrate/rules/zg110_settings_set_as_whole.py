"""ZG110 settings-set-as-whole
`zESettings` is assigned from an expression as a whole: its settings cannot be read or carried.

## What it does
Finds `window.zESettings = someObject` (a variable, a call, an imported configuration) where
the keys are not written out in the page or script. `migrate generate` comments the assignment
out under `TODO(migrate:ZG110)`, since Messenger reads no `zESettings`.

## Why is this bad?
Each Zendesk setting has its own Genesys answer: most live in the Messenger configuration
(colour, position, launcher, languages), some are Messenger commands, some have none (ZG107).
When the object comes from elsewhere, neither the scan nor `migrate generate` can see which
settings the site relies on, so none of them is carried over by itself.

## Example
```js
import { chatConfig } from './config';
window.zESettings = chatConfig.widget;
```

## Use instead
Look up what the object holds and map each setting by hand: `styles.primary_color`,
`position.alignment` / `side_space` / `bottom_space`, `launcher_button.visibility` and
`languages` / `defaultLanguage` in the Messenger configuration; sign-in through the AuthProvider
plugin. Or write the object out in the page, so that `migrate generate` carries it.

## References
- Zendesk: Web Widget (Classic) settings, `zESettings`, developer.zendesk.com.
- Genesys Cloud: Messenger configuration, help.mypurecloud.com.
"""

from migrate.rules import Rule


def check(rule, inv):
    for w in inv.widgets:
        for c in w.calls:
            if c.api == "zESettings" and not c.command:
                source = c.args[0] if c.args else "an expression"
                yield rule.at(w.path, c.line, c.column,
                              f"zESettings is set from `{source}` as a whole: its keys cannot be read here; map "
                              "each setting by hand (Messenger configuration or Genesys commands)")


RULE = Rule.define(__doc__, "info", check, generate=True)
