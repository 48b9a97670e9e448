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
    # A public key (migrate.token.pem.load_public_key) for RS/PS/ES, when there is no JWKS.
    public_key: object | None = field(default=None, repr=False)
    public_key_source: str | None = None


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
    """The profile a token most likely has to fit, and why.  A token that carries no Zendesk
    widget claim is never guessed to be a Zendesk one: a Genesys or other API token would be
    judged by rules that are not its own."""
    from migrate.rules.zg301_api_token_for_widget import GENESYS_HOST

    alg = str(header.get("alg", ""))
    iss = claims.get("iss")
    if isinstance(iss, str) and GENESYS_HOST.search(iss):
        return "api", f"issued by Genesys Cloud's login service ({iss}): a Platform API token, no widget or ID token"
    if alg[:2] in ("RS", "PS", "ES") or "nonce" in claims or ({"iss", "aud", "sub"} <= claims.keys()
                                                               and "external_id" not in claims):
        return "genesys-oidc", "asymmetric alg / OpenID claims (iss, aud, sub, nonce)"
    scope = claims.get("scope")
    if "external_id" not in claims and scope != "user" and not _ZENDESK_CLAIMS & claims.keys():
        why = (f"scope {scope!r} is an API scope (a Messaging token says \"user\")" if "scope" in claims
               else "none of the Zendesk widget claims (external_id, scope \"user\", name, email)")
        return "api", f"{why}: another API's token, judged by no widget rules"
    if "kid" in header or "scope" in claims:
        return "zendesk-messaging", "it has kid / scope, which only Messaging uses"
    if "jti" in claims and "external_id" not in claims:
        return "zendesk-classic-hc", "it has jti and no external_id (Help Center / contact form)"
    if "iat" in claims and "external_id" in claims:
        return "zendesk-classic-chat", "external_id with iat and no kid/scope (Chat authenticated visitors)"
    return "zendesk-messaging", "Messaging is the current widget and nothing points elsewhere"


# User claims of a Zendesk widget token (zendesk.md §2) besides external_id and scope "user":
# a token with none of them is not guessed to be a Zendesk one.
_ZENDESK_CLAIMS = frozenset({"email", "name", "email_verified"})


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
    elif options.public_key is not None:
        from migrate.token.pem import verify_pem

        signature = verify_pem(token, options.public_key, options.public_key_source or "the public key")
    elif options.secret is not None:
        signature = verify_secret(token, options.secret, options.secret_source or "the secret")
    else:
        signature = Signature("not-checked", "no --secret-env, --secret-file, --jwks or --public-key given")
    ctx = TokenContext(token.header, token.claims, profile, now, options.leeway, cleaned.wrappers, signature,
                       options.client_id, options.issuer, options.nonce)
    findings = tuple(f for r in rules.all_rules() if "token" in r.where for f in r.run_token(ctx))
    return Report(profile, reason, guessed, token.header, token.claims, _times(token.claims, now), findings,
                  signature, cleaned.wrappers)


