"""What the token rules see: the decoded token, the profile it must fit, and the checks' inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass

from migrate.model import ExprKind

# "api": a token for an API (Genesys Platform API, another service): only what every JWT must meet.
PROFILES = ("zendesk-messaging", "zendesk-classic-chat", "zendesk-classic-hc", "genesys-oidc", "api")
ZENDESK = PROFILES[:3]


@dataclass(frozen=True)
class Signature:
    status: str  # verified | mismatch | not-checked
    detail: str  # how, or why not, in words (never a key)
    variant: str | None = None  # "raw" | "base64": which form of the secret verified


@dataclass(frozen=True)
class TokenContext:
    header: dict
    claims: dict
    profile: str
    now: float
    leeway: float = 0.0
    wrappers: tuple[str, ...] = ()
    signature: Signature = Signature("not-checked", "no secret or JWKS given")
    client_id: str | None = None
    issuer: str | None = None
    nonce: str | None = None

    @property
    def zendesk(self) -> bool:
        return self.profile in ZENDESK


def json_kind(value: object) -> ExprKind:
    """A JSON value's kind in the vocabulary code expressions use, so one rule judges both."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    return "other"


def seconds(value: object) -> float | None:
    """A NumericDate as seconds, also when it came as a numeric string (to say when it is)."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            n = float(value)
        elif isinstance(value, str):
            n = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return n if math.isfinite(n) else None
