"""Wiring the site's OpenID provider where its Zendesk token endpoint was, one module per framework."""
