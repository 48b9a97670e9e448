"""Signature checks: HMAC with a shared secret (raw, then base64-decoded), or a JWKS by kid.

Keys never leave this module: results say how a check went, never with what.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from migrate.token.context import Signature
from migrate.token.parse import Decoded

_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
JWKS_TIMEOUT = 10  # seconds for the whole JWKS fetch (redirects and every read); the only network here
MAX_JWKS = 1_000_000  # bytes: a JWKS is a few KB


class JwksError(Exception):
    """The JWKS could not be read; the message is one line with the next step."""


def _mac(alg: str, key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, _HMAC[alg]).digest()


def _base64_forms(secret: bytes) -> list[bytes]:
    forms = []
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            forms.append(decoder(secret + b"=" * (-len(secret) % 4)))
        except (binascii.Error, ValueError):
            continue
    return [f for f in dict.fromkeys(forms) if f and f != secret]


def verify_secret(token: Decoded, secret: bytes, where: str) -> Signature:
    alg = token.header.get("alg")
    if not isinstance(alg, str) or alg not in _HMAC:
        return Signature("not-checked", f"alg {alg!r} is not HMAC; a secret cannot check it (use --jwks)")
    if hmac.compare_digest(_mac(alg, secret, token.signing_input), token.signature):
        return Signature("verified", f"{alg} with the secret from {where}", "raw")
    for decoded in _base64_forms(secret):
        if hmac.compare_digest(_mac(alg, decoded, token.signing_input), token.signature):
            return Signature("verified", f"{alg} with the base64-decoded secret from {where}", "base64")
    stripped = secret.strip()
    if stripped != secret and hmac.compare_digest(_mac(alg, stripped, token.signing_input), token.signature):
        return Signature("mismatch", f"{alg} with the secret from {where} fails, but verifies once the "
                         f"surrounding whitespace is removed: the secret in {where} has a trailing newline or spaces")
    return Signature("mismatch", f"{alg} with the secret from {where} (also tried base64-decoded)")


def load_jwks(source: str, follow_redirects: bool = False) -> dict:
    """A JWKS from a file or an http(s) URL (fetched within JWKS_TIMEOUT seconds in all)."""
    shown = source if len(source) <= 120 else source[:80] + "…" + source[-30:]
    if source.startswith(("http://", "https://")):
        raw = _fetch(source, shown, follow_redirects)
    else:
        from migrate.token.local import NotReadable, read_small

        try:
            raw = read_small(source, MAX_JWKS, "a JWKS")
        except NotReadable as exc:
            raise JwksError(f"{exc}; pass a JWKS file or URL") from None
    from migrate.genesys.http import BadAnswer, json_object

    try:
        data = json_object(raw)
    except BadAnswer as exc:
        why = str(exc).replace("it answered", "it holds").replace("its answer", "it")
        raise JwksError(f"{shown}: {why}; a JWKS looks like {{\"keys\": [...]}}") from None
    if "keys" not in data and "kty" in data:
        data = {"keys": [data]}  # a single JWK
    if not isinstance(data.get("keys"), list):
        raise JwksError(f"{shown} has no \"keys\" list; a JWKS looks like {{\"keys\": [...]}}")
    return data


def _fetch(url: str, shown: str, follow_redirects: bool) -> bytes:
    import urllib3

    from migrate.genesys import http
    from migrate.genesys.client import GenesysError, limits_from_env

    try:
        limits = limits_from_env()  # MIGRATE_HTTP_TIMEOUT / MIGRATE_HTTP_BUDGET lower the limit
    except GenesysError as exc:
        raise JwksError(exc.message) from None
    seconds = min(JWKS_TIMEOUT, limits.timeout, limits.budget)
    try:
        got = http.get(url, seconds=seconds, connect=min(5.0, seconds), read=seconds, limit=MAX_JWKS,
                       follow_other_hosts=follow_redirects)
    except http.DeadlineExceeded:
        raise JwksError(f"GET {shown} gave no complete answer within {seconds:g} s; check the URL and the "
                        "network") from None
    except http.BadAnswer as exc:
        raise JwksError(f"GET {shown}: {exc}") from None
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise JwksError(f"cannot fetch {shown} ({_network_reason(reason)}); check the URL and the network") from None
    if got.status != 200:
        raise JwksError(f"GET {shown} answered HTTP {got.status}; check the jwks_uri")
    return got.body


def _network_reason(reason: object) -> str:
    import urllib3.exceptions as e

    if isinstance(reason, e.NameResolutionError):
        return "the host name does not resolve"
    if isinstance(reason, e.NewConnectionError):
        return "connection refused" if "refused" in str(reason).lower() else "cannot connect"
    if isinstance(reason, (e.ConnectTimeoutError, e.ReadTimeoutError)):
        return "timed out"
    if isinstance(reason, e.SSLError):
        return "TLS failure"
    if isinstance(reason, (e.ProtocolError, ConnectionError)):
        return "the connection was dropped"
    return type(reason).__name__


def verify_jwks(token: Decoded, jwks: dict, where: str) -> Signature:
    import jwt  # PyJWT: only this path needs it (and cryptography behind it)

    alg = token.header.get("alg")
    if not isinstance(alg, str) or alg.upper() == "NONE" or alg in _HMAC:
        return Signature("not-checked", f"alg {alg!r} cannot be checked with a JWKS (public keys only)")
    kid = token.header.get("kid")
    keys = [k for k in jwks["keys"] if isinstance(k, dict)]
    kids = [k.get("kid") for k in keys]
    if kid is not None:
        keys = [k for k in keys if k.get("kid") == kid]
        if not keys:
            return Signature("mismatch", f"kid {kid!r} is not in {where} (it has {', '.join(map(repr, kids))}): "
                             "a rotated or foreign key")
    elif len(keys) != 1:
        return Signature("mismatch", f"the token has no kid and {where} has {len(keys)} keys: which one is meant "
                         "cannot be told")
    try:
        key = jwt.PyJWK(keys[0], algorithm=alg).key
    except (jwt.exceptions.PyJWKError, jwt.exceptions.InvalidKeyError, ValueError, TypeError) as exc:
        return Signature("not-checked", f"the JWKS key {kid!r} cannot be used for {alg} ({exc})")
    compact = b".".join([token.signing_input, base64.urlsafe_b64encode(token.signature).rstrip(b"=")])
    try:
        jwt.api_jws.PyJWS().decode_complete(compact, key=key, algorithms=[alg])
    except jwt.exceptions.InvalidSignatureError:
        return Signature("mismatch", f"{alg} with key {kid!r} from {where}")
    except jwt.exceptions.PyJWTError as exc:
        return Signature("not-checked", f"{alg} with key {kid!r} could not be checked ({exc})")
    return Signature("verified", f"{alg} with key {kid!r} from {where}")
