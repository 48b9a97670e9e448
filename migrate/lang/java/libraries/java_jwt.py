"""auth0 java-jwt: ``JWT.create().withKeyId(k).withClaim(..).withExpiresAt(..).sign(Algorithm.HMAC256(secret))``."""

from __future__ import annotations

from migrate.extract.signer import Draft
from migrate.extract.tsclaims import Call, Reader
from migrate.lang.java.builders import algorithm, date, map_entries, pairs, root_is, value

NAME = "java-jwt"
WORDS = (r"JWT\s*\.\s*create", r"JWTCreator")
SIGNS = ("sign",)

_CLAIMS = {"withSubject": "sub", "withIssuer": "iss", "withAudience": "aud", "withJWTId": "jti"}
_TIMES = {"withExpiresAt": "exp", "withIssuedAt": "iat", "withNotBefore": "nbf"}


def read(r: Reader, c: Call) -> Draft | None:
    if len(c.args) != 1:
        return None
    calls = r.chain(c.node)
    if not calls or not root_is(r, calls[0], "JWT", "create"):
        return None
    draft = Draft(c.node, NAME)
    for link in calls:
        _link(r, link, draft)
    return draft


def _link(r: Reader, c: Call, draft: Draft) -> None:
    if c.name == "withKeyId" and c.args:
        draft.header["kid"] = value(r, c.args[0])
    elif c.name == "withHeader" and c.args:
        draft.add_header(map_entries(r, c.args[0], draft.at))
    elif c.name in ("withClaim", "withArrayClaim") and len(c.args) >= 2:
        draft.claims.update(pairs(r, c.args[:2]))
    elif c.name == "withPayload" and c.args:
        draft.claims.update(map_entries(r, c.args[0], draft.at))
    elif c.name in _CLAIMS and c.args:
        draft.claims[_CLAIMS[c.name]] = value(r, c.args[0])
    elif c.name in _TIMES and c.args:
        draft.managed[_TIMES[c.name]] = date(r, c.args[0])
    elif c.name == "sign" and c.args:
        draft.algorithm, draft.algorithm_expr = algorithm(r, c.args[0])
        draft.key = r.key(c.args[0])
