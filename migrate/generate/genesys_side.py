"""What to enter in Genesys Cloud, and the two secrets the provider needs (written only on --apply,
0600, outside the project so they cannot be committed; their values are never printed)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from migrate.generate.config import Config


def secrets_dir(config: Config) -> Path:
    base = os.environ.get("MIGRATE_SECRETS_DIR")
    if base:
        return Path(base)
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return home / "migrate" / (urlsplit(config.issuer).hostname or "provider")


@dataclass(frozen=True)
class GenesysSide:
    region: str
    deployment_id: str
    discovery_uri: str
    issuer: str
    client_id: str
    redirect_uri: str
    allowed_domains: tuple[str, ...]
    secret_file: Path
    key_file: Path

    def to_dict(self) -> dict:
        return {
            "integration": {
                "type": "OpenID Connect Messenger Configuration",
                "discovery_uri": self.discovery_uri, "client_id": self.client_id,
                "client_secret": {"file": str(self.secret_file), "value": "***"},
            },
            "messenger_configuration": {"authentication": {"enabled": True, "integration": "the integration above"},
                                        "allowed_domains": list(self.allowed_domains)},
            "deployment": {"id": self.deployment_id, "region": self.region},
            "provider_environment": {
                "GENESYS_OIDC_ISSUER": self.issuer, "GENESYS_OIDC_CLIENT_ID": self.client_id,
                "GENESYS_OIDC_CLIENT_SECRET": f"the content of {self.secret_file}",
                "GENESYS_OIDC_PRIVATE_KEY_FILE": str(self.key_file),
                "GENESYS_OIDC_REDIRECT_URIS": self.redirect_uri,
            },
        }

    def text(self) -> str:
        return "\n".join([
            "In Genesys Cloud (Admin > Integrations > + Integrations):",
            "  1. Install \"OpenID Connect Messenger Configuration\", then under Configuration:",
            f"       Discovery URI  {self.discovery_uri}",
            f"       Client ID      {self.client_id}",
            f"       Client secret  the content of {self.secret_file} (never shown here)",
            "     and activate it.",
            "  2. Admin > Message > Messenger Configurations: turn Authentication on and select that integration;",
            f"     allowed domains: {', '.join(self.allowed_domains)}; publish a new version.",
            f"  3. Messenger Deployments: deployment {self.deployment_id} ({self.region}) uses that configuration.",
            "On the site's server, the provider reads:",
            f"  GENESYS_OIDC_ISSUER={self.issuer}",
            f"  GENESYS_OIDC_CLIENT_ID={self.client_id}",
            f"  GENESYS_OIDC_CLIENT_SECRET=\"$(cat {self.secret_file})\"",
            f"  GENESYS_OIDC_PRIVATE_KEY_FILE={self.key_file}",
            f"  GENESYS_OIDC_REDIRECT_URIS={self.redirect_uri}",
            "Which signing algorithms, clock skew and JWKS caching Genesys applies to the ID token is not documented "
            "(unconfirmed); the provider uses RS256 with a kid, the standard choice.",
        ]) + "\n"

    def materialize(self) -> list[str]:
        """Create the client secret and the RS256 key when they do not exist yet (0600)."""
        made = []
        self.secret_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.secret_file.exists():
            _write_private(self.secret_file, secrets.token_urlsafe(48) + "\n")
            made.append(str(self.secret_file))
        if not self.key_file.exists():
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode("ascii")
            _write_private(self.key_file, pem)
            made.append(str(self.key_file))
        return made


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def genesys_side(config: Config) -> GenesysSide:
    folder = secrets_dir(config)
    redirect = urlsplit(config.redirect_uri)
    domains = tuple(dict.fromkeys([redirect.hostname or "", urlsplit(config.issuer).hostname or ""]))
    return GenesysSide(
        region=f"{config.region.name}, {config.region.aws} / {config.region.env}",
        deployment_id=config.deployment_id,
        discovery_uri=f"{config.issuer}/.well-known/openid-configuration",
        issuer=config.issuer, client_id=config.client_id, redirect_uri=config.redirect_uri,
        allowed_domains=tuple(d for d in domains if d),
        secret_file=folder / "client-secret", key_file=folder / "oidc-signing-key.pem",
    )
