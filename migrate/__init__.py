"""Move a website's chat from Zendesk to Genesys Cloud."""

__version__ = "0.1.0"
