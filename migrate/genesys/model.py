"""Plain data read from Genesys Cloud: what the checks need, copied out of the SDK's models.

SDK models are never kept, logged or repr'd (an OAuthClient's repr contains its secret); nothing
here holds a secret except `Credentials.secret`, which is left out of repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Credentials:
    client_id: str  # "" when only an access token is known: tokens/me names the client
    secret: str = field(repr=False)
    access_token: str | None = field(default=None, repr=False)  # used as it is: no grant asked for


@dataclass(frozen=True)
class RoleDivision:
    role_id: str
    division_id: str  # "*" = all divisions


@dataclass(frozen=True)
class OAuthClientInfo:
    id: str
    name: str
    grant_type: str  # CODE, TOKEN, SAML2-BEARER, PASSWORD, CLIENT-CREDENTIALS
    state: str | None
    role_divisions: tuple[RoleDivision, ...]
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenInfo:
    organization_id: str | None
    organization_name: str | None
    client: OAuthClientInfo | None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    domain: str
    entity: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    policies: tuple[Policy, ...]


@dataclass(frozen=True)
class Deployment:
    id: str
    name: str
    status: str | None
    allow_all_domains: bool
    allowed_domains: tuple[str, ...]
    configuration_id: str | None
    configuration_version: str | None


@dataclass(frozen=True)
class AuthSettings:
    enabled: bool
    integration_id: str | None
    allow_session_upgrade: bool | None


@dataclass(frozen=True)
class ConfigVersion:
    id: str
    name: str | None
    version: str | None
    status: str | None
    date_published: str | None  # ISO-8601, None for a draft
    date_modified: str | None
    auth: AuthSettings | None
    languages: tuple[str, ...] = ()
    default_language: str | None = None

    @property
    def is_draft(self) -> bool:
        return (self.version or "").lower() == "draft"


@dataclass(frozen=True)
class Integration:
    id: str
    name: str
    type_id: str | None
    type_name: str | None
    intended_state: str | None  # ENABLED, DISABLED, DELETED
    reported_state: str | None  # ACTIVE, ACTIVATING, INACTIVE, DEACTIVATING, ERROR


@dataclass(frozen=True)
class IntegrationConfig:
    properties: dict  # non-secret settings (credentials are never copied)


@dataclass(frozen=True)
class Existing:
    """The Messenger setup a deployment has today, as generate keeps it (read with verify rights)."""

    deployment_id: str
    deployment_name: str
    allow_all_domains: bool
    allowed_domains: tuple[str, ...]
    configuration_id: str | None
    configuration_name: str | None = None
    languages: tuple[str, ...] = ()
    default_language: str | None = None
