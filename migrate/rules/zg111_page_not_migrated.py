"""ZG111 page-not-migrated
A page, loader or widget call `migrate generate` left as it is: it is migrated by hand.

## What it does
`migrate generate` rewrites the Zendesk loader into the Messenger snippet and each widget call
into its Genesys counterpart. When it cannot do so safely (a loader built in a way it does not
recognise, a call inside code the page writes out from a string, two changes that would
overlap), it leaves that code unchanged and says so under this rule in its report.

## Why is this bad?
The page still loads the Zendesk widget or calls `zE(...)` after the move; once Zendesk is
switched off those calls do nothing, and a page that loads both widgets shows two launchers.

## Example
```js
const s = document.createElement('script');
s.src = [CDN, 'ekr', 'snippet.js'].join('/') + '?key=' + KEY;  // not recognised as the loader
document.head.appendChild(s);
```

## Use instead
Replace the code by hand with the Messenger snippet (`templates/page/messenger-snippet.html.j2`)
and the Genesys commands of `mappings/widget-api.yaml`, then run `migrate scan` again.

## References
- Genesys Cloud: Messenger JavaScript SDK, developer.genesys.cloud.
"""

from migrate.rules import Rule

RULE = Rule.define(__doc__, "warning", generate=True)
