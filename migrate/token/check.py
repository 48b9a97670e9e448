"""The token stage API: one raw token in, a report (profile, claims, findings, signature) out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from migrate import rules
from migrate.rules import TokenFinding
from migrate.token.context import Signature, TokenContext, seconds
from migrate.token.parse import Malformed, clean, decode
from migrate.token.signature import verify_jwks, verify_secret
from migrate.token.times import when

TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time")


@dataclass(frozen=True)
class Options:
    profile: str = "auto"
    secret: bytes | None = field(default=None, repr=False)
    secret_source: str | None = None  # where the secret came from, e.g. "$ZENDESK_SECRET"
    jwks: dict | None = field(default=None, repr=False)
    jwks_source: str | None = None
    client_id: str | None = None
    issuer: str | None = None
    nonce: str | None = None
    leeway: float = 0.0
    now: float | None = None


@dataclass(frozen=True)
class Report:
    profile: str | None
    profile_reason: str
    guessed: bool
    header: dict | None
    claims: dict | None
    times: dict[str, str]
    findings: tuple[TokenFinding, ...]
    signature: Signature
    wrappers: tuple[str, ...] = ()

    @property
    def failing(self) -> bool:
        return any(f.severity in ("error", "warning") for f in self.findings)


def guess_profile(header: dict, claims: dict) -> tuple[str, str]:
    alg = str(header.get("alg", ""))
    if alg[:2] in ("RS", "PS", "ES") or "nonce" in claims or ({"iss", "aud", "sub"} <= claims.keys()
                                                               and "external_id" not in claims):
        return "genesys-oidc", "asymmetric alg / OpenID claims (iss, aud, sub, nonce)"
    if "kid" in header or "scope" in claims:
        return "zendesk-messaging", "it has kid / scope, which only Messaging uses"
    if "jti" in claims and "external_id" not in claims:
        return "zendesk-classic-hc", "it has jti and no external_id (Help Center / contact form)"
    if "iat" in claims and "external_id" in claims:
        return "zendesk-classic-chat", "external_id with iat and no kid/scope (Chat authenticated visitors)"
    return "zendesk-messaging", "Messaging is the current widget and nothing points elsewhere"


def _times(claims: dict, now: float) -> dict[str, str]:
    out = {}
    for name in TIME_CLAIMS:
        t = seconds(claims.get(name))
        if t is not None:
            out[name] = when(t / 1000, now) + " if read as milliseconds" if t > 1e11 else when(t, now)
    return out


def check(raw: str, options: Options = Options()) -> Report:
    now = time.time() if options.now is None else options.now
    cleaned = clean(raw)
    try:
        token = decode(cleaned.token)
    except Malformed as exc:
        from migrate.rules.zg215_token_malformed import finding

        return Report(None, "", False, None, None, {}, (finding(str(exc)),),
                      Signature("not-checked", "the token could not be decoded"), cleaned.wrappers)
    if options.profile == "auto":
        profile, reason = guess_profile(token.header, token.claims)
        guessed = True
    else:
        profile, reason, guessed = options.profile, "chosen with --profile", False
    if options.jwks is not None:
        signature = verify_jwks(token, options.jwks, options.jwks_source or "the JWKS")
    elif options.secret is not None:
        signature = verify_secret(token, options.secret, options.secret_source or "the secret")
    else:
        signature = Signature("not-checked", "no --secret-env, --secret-file or --jwks given")
    ctx = TokenContext(token.header, token.claims, profile, now, options.leeway, cleaned.wrappers, signature,
                       options.client_id, options.issuer, options.nonce)
    findings = tuple(f for r in rules.all_rules() if "token" in r.where for f in r.run_token(ctx))
    return Report(profile, reason, guessed, token.header, token.claims, _times(token.claims, now), findings,
                  signature, cleaned.wrappers)


