"""What every wiring test needs: run generate on a site, read the new texts, check they parse."""

from __future__ import annotations

from pathlib import Path

from migrate.extract.treesitter import Doc
from migrate.generate import config as cfg
from migrate.generate.run import Result, generate

DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ISSUER = "https://shop.example.com/oidc"


def generate_site(site: Path, issuer: str = ISSUER) -> Result:
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=issuer))


def after(result: Result) -> dict[str, str]:
    """Each changed or new file's text after the change."""
    return {c.path: c.after for c in result.changes.changes}


def assert_parses(grammar: str, text: str) -> None:
    doc = Doc.parse(grammar, text.encode())
    assert doc.first_error() is None, [doc.text(e)[:80] for e in doc.errors()]
