"""Tokens for the check-token tests: signed with PyJWT, or put together by hand when odd."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from functools import cache

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from migrate.token.check import Options, Report, check

NOW = 1_700_000_000  # 2023-11-14T22:13:20Z: every check runs at this fixed time
SECRET = "zd-widget-secret-7Qm2xVb9Lr4Kp8Wn3Tz6Hc1Jf5Ds0Ga"  # 48 bytes of text
KID = "app_62b5e0ffca5a3800f0225c53"


def b64url(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def by_hand(header: object, claims: object, signature: bytes = b"not-a-real-signature") -> str:
    """A compact JWS with whatever header and payload JSON, and a made-up signature."""
    enc = lambda v: b64url(v if isinstance(v, (str, bytes)) else json.dumps(v))  # noqa: E731
    return f"{enc(header)}.{enc(claims)}.{b64url(signature)}"


def hs256(claims: dict, key: bytes | str = SECRET, alg: str = "HS256", **header) -> str:
    return jwt.encode(claims, key, algorithm=alg, headers=header or None)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# The two tokens quoted in the Zendesk community thread (post 4709220609306).
THREAD_EXP_STRING = (
    "eyJ0eXAiOiJKV1QiLCJraWQiOiJhcHBfNjJiNWUwZmZjYTVhMzgwMGYwMjI1YzUzIiwiYWxnIjoiSFMyNTYifQ."
    "eyJleHRlcm5hbF9pZCI6IjEyMzE2NTQyMzQ0IiwiZW1haWwiOiJqYW5lc0Bzb2FwLmNvbSIsImV4cCI6IjEyMzQ1Njc4Iiwib"
    "mFtZSI6IkphbmUgU29hcHMiLCJzY29wZSI6InVzZXIifQ.ShaKIlanfmUoRqDpEvUEJkyJr6rdY9sUf1YckVAmddQ")
THREAD_NUMERIC_ID = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImFwcF82NDRhMjMwYWRhZDg4MjliMWM1NmQ0ZjgifQ."
    "eyJleHRlcm5hbF9pZCI6MSwic2NvcGUiOiJ1c2VyIiwiaWF0IjoxNjgyNTg3NzA5fQ."
    "ICzTP9maSQQVX0xjEPyzou8IjAzhkPIqDLdkgZ3Q98Q")


# Typical payloads, one per profile; each is clean at NOW.
def messaging_claims(**extra) -> dict:
    return {"external_id": "user-1042", "scope": "user", "name": "Jane Soap", "email": "jane@example.com",
            "email_verified": True, "exp": NOW + 300} | extra


def classic_chat_claims(**extra) -> dict:
    return {"name": "Jane Soap", "email": "jane@example.com", "external_id": "user-1042", "iat": NOW,
            "exp": NOW + 300} | extra


def classic_hc_claims(**extra) -> dict:
    return {"name": "Jane Soap", "email": "jane@example.com", "iat": NOW, "jti": "5c1c8a0e-hc"} | extra


def oidc_claims(**extra) -> dict:
    return {"iss": "https://idp.example.com", "aud": "genesys-messenger", "sub": "user-1042", "iat": NOW,
            "exp": NOW + 300, "nonce": "n-0S6_WzA2Mj"} | extra


def messaging_token(**extra) -> str:
    return hs256(messaging_claims(**extra), kid=KID)


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(name: str) -> dict:
    return RSAAlgorithm.to_jwk(rsa_key(name).public_key(), as_dict=True) | {"kid": name, "use": "sig",
                                                                            "alg": "RS256"}


def rs256(claims: dict, key_name: str, kid: str | None = None) -> str:
    return jwt.encode(claims, rsa_key(key_name), algorithm="RS256",
                      headers={"kid": key_name if kid is None else kid})


def run(raw: str, **options) -> Report:
    return check(raw, Options(now=options.pop("now", NOW), **options))


def rules_of(report: Report) -> list[str]:
    return [f.rule for f in report.findings]


def messages(report: Report, rule: str) -> list[str]:
    return [f.message for f in report.findings if f.rule == rule]
