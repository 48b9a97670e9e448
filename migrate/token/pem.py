"""Verifying RS/PS/ES signatures with a PEM public key (or a certificate), as identity providers and
`openssl` hand them out, for when no JWKS is at hand.

The key never leaves this module: results say how the check went and which kind of key, never the key.
"""

from __future__ import annotations

import base64

from migrate.token.context import Signature
from migrate.token.parse import Decoded

MAX_PEM = 64 * 1024  # bytes: a public key or a certificate chain is a few KB

# The curve each ES algorithm signs with (RFC 7518 §3.4).
_CURVES = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}


class PemError(Exception):
    """The PEM text cannot be used; one line with the next step (never the key)."""


def load_public_key(data: bytes, where: str):
    """The public key in PEM text: SubjectPublicKeyInfo (BEGIN PUBLIC KEY), PKCS#1 (BEGIN RSA
    PUBLIC KEY) or the first certificate (BEGIN CERTIFICATE).  A private key is refused: the
    check needs only the public half, and a private key should not travel to where tokens are
    debugged."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    text = data.strip()
    if b"PRIVATE KEY-----" in text:
        raise PemError(f"{where} holds a private key: pass its public key instead "
                       "(openssl pkey -in KEY -pubout > public.pem)")
    try:
        if b"-----BEGIN CERTIFICATE-----" in text:
            start = text.index(b"-----BEGIN CERTIFICATE-----")
            return x509.load_pem_x509_certificate(text[start:]).public_key()
        if b"-----BEGIN" not in text:
            raise ValueError("no PEM block")
        return load_pem_public_key(text[text.index(b"-----BEGIN"):])
    except (ValueError, TypeError) as exc:
        raise PemError(f"{where} is not a PEM public key or certificate ({_short(exc)}); it looks like "
                       "-----BEGIN PUBLIC KEY-----") from None


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:80]


def _kind(key) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}-bit"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return "EdDSA"
    return type(key).__name__


def verify_pem(token: Decoded, key, where: str) -> Signature:
    """Check the token's signature with a public key from ``load_public_key``."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    alg = token.header.get("alg")
    kind = _kind(key)
    if not isinstance(alg, str) or alg.upper() == "NONE" or alg.startswith("HS"):
        return Signature("not-checked", f"alg {alg!r} cannot be checked with a public key (HS* needs the secret: "
                                        "--secret-env / --secret-file)")
    if alg.startswith(("RS", "PS")) and not isinstance(key, rsa.RSAPublicKey):
        return Signature("mismatch", f"{alg} needs an RSA key; {where} holds an {kind} key")
    if alg.startswith("ES"):
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return Signature("mismatch", f"{alg} needs an EC key; {where} holds an {kind} key")
        if _CURVES.get(alg) not in (None, key.curve.name):
            return Signature("mismatch", f"{alg} signs on {_CURVES[alg]}; {where} holds an {kind} key")
    compact = b".".join([token.signing_input, base64.urlsafe_b64encode(token.signature).rstrip(b"=")])
    try:
        jwt.api_jws.PyJWS().decode_complete(compact, key=key, algorithms=[alg])
    except jwt.exceptions.InvalidSignatureError:
        return Signature("mismatch", f"{alg} with the {kind} public key from {where}")
    except jwt.exceptions.PyJWTError as exc:
        return Signature("not-checked", f"{alg} with the {kind} public key from {where} could not be checked "
                                        f"({_short(exc)})")
    return Signature("verified", f"{alg} with the {kind} public key from {where}")
