"""ZG301 api-token-for-widget
A Genesys org OAuth token (client credentials) used to authenticate Messenger.

## What it does
Finds code that requests a client-credentials token from `login.<region domain>/oauth/token`
(or the platform client's `loginClientCredentialsGrant`) and hands it to the chat widget.

## Why is this bad?
A client-credentials token is for the Platform API; it "works for API calls" but can never
authenticate Messenger. Authenticated Messenger uses OpenID Connect: Genesys redeems an
authorization code from the site's own OpenID provider. Handing an org token to the page
also gives every visitor the org's API rights.

## Example
```js
const r = await fetch('https://login.mypurecloud.ie/oauth/token', { method: 'POST', body: 'grant_type=client_credentials' });
AuthProvider.registerCommand('getAuthCode', e => e.resolve({ authCode: (await r.json()).access_token }));
```

## Use instead
An OpenID provider on the site (`migrate generate` writes one) and an AuthProvider plugin
whose `getAuthCode` returns `{authCode, redirectUri, nonce, codeVerifier}`.

## References
- Genesys Cloud: Get started with authenticated web messaging, help.mypurecloud.com.
- Genesys Cloud: Messenger AuthProvider plugin, developer.genesys.cloud.
"""

import re

from migrate.rules import Rule


def check(rule, inv):
    for f in inv.files:
        for m in f.markers:
            if m.kind == "genesys-client-credentials" and m.text == "widget":
                yield rule.at(f.path, m.line, m.column,
                              "a Genesys client-credentials (API) token is handed to the widget: it can never "
                              "authenticate Messenger; use an OpenID provider and an AuthProvider plugin")


GENESYS_HOST = re.compile(r"(?:^|//|\.)(?:login|api)\.(?:mypurecloud\.(?:com|ie|de|jp|com\.au)|[a-z0-9]+\.pure\.cloud"
                          r"|use2\.us-gov-pure\.cloud)\b")


def check_token(rule, ctx):
    iss = ctx.claims.get("iss")
    if isinstance(iss, str) and GENESYS_HOST.search(iss):
        yield rule.about_token(
            f"this is a Genesys org OAuth token (iss {iss}): it is for the Platform API and can never "
            "authenticate Messenger",
            "authenticate Messenger with an AuthProvider plugin and your own OpenID provider "
            "(`migrate generate`); keep org tokens on the server")


RULE = Rule.define(__doc__, "error", check, check_token)
