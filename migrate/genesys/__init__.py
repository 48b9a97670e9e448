"""Read-only checks against a Genesys Cloud org through the Platform API (PureCloudPlatformClientV2).

`client` is the only module that imports the SDK (inside functions: it costs seconds to import);
`scopes` and `deployment` hold what the verify commands check and conclude.
"""
