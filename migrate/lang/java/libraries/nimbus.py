"""Nimbus JOSE+JWT: ``new SignedJWT(header, claims)`` / ``new JWSObject(header, new Payload(..))``
signed by ``token.sign(new MACSigner(secret))``; the algorithm is the ``JWSHeader``'s."""

from __future__ import annotations

from migrate.extract.signer import Draft
from migrate.extract.tsclaims import Call, Node, Reader
from migrate.extract.tsclaims_signer import UNKNOWN
from migrate.lang.java.builders import algorithm, date, map_entries, pairs, value

NAME = "nimbus"
WORDS = (r"SignedJWT", r"JWSObject")
SIGNS = ("sign",)

_TOKENS = ("SignedJWT", "JWSObject")
_CLAIMS = {"subject": "sub", "issuer": "iss", "audience": "aud", "jwtID": "jti"}
_TIMES = {"expirationTime": "exp", "issueTime": "iat", "notBeforeTime": "nbf"}


def read(r: Reader, c: Call) -> Draft | None:
    if len(c.args) != 1:
        return None
    token = r.call(r.resolve(c.receiver)) if c.receiver is not None else None
    if token is None or not token.new or token.name.rsplit(".", 1)[-1] not in _TOKENS:
        return None
    draft = Draft(c.node, NAME)
    _token(r, token, c, draft)
    return draft


def _token(r: Reader, token: Call, sign: Call, draft: Draft) -> None:
    header = r.resolve(token.arg(0))
    for c in r.chain(header) if header is not None else []:
        if c.new and c.args and c.name.split(".")[0] == "JWSHeader":
            draft.algorithm, draft.algorithm_expr = algorithm(r, c.args[0])
        elif c.name == "keyID" and c.args:
            draft.header["kid"] = value(r, c.args[0])
        elif c.name == "type" and c.args:
            draft.header["typ"] = value(r, c.args[0])
        elif c.name == "customParam" and len(c.args) == 2:
            draft.add_header(pairs(r, c.args))
    _claims(r, token.arg(1), draft)
    if sign.args:
        draft.key = r.key(sign.args[0])


def _claims(r: Reader, node: Node | None, draft: Draft) -> None:
    target = r.resolve(node)
    c = r.call(target)
    if c is None:
        if node is not None:
            draft.claims[UNKNOWN] = r.expr(node)
        return
    if c.new and c.name.rsplit(".", 1)[-1] == "Payload" and c.args:
        inner = r.call(r.resolve(c.args[0]))
        if inner is not None and inner.name in ("toJSONObject", "toString") and inner.receiver is not None:
            _claims(r, inner.receiver, draft)
        else:
            draft.claims.update(map_entries(r, c.args[0], draft.at))
        return
    if c.name == "parse" and c.args:
        draft.claims.update(map_entries(r, c.args[0], draft.at))
        return
    for link in r.chain(target):
        if link.name == "claim" and len(link.args) == 2:
            draft.claims.update(pairs(r, link.args))
        elif link.name in _CLAIMS and link.args:
            draft.claims[_CLAIMS[link.name]] = value(r, link.args[0])
        elif link.name in _TIMES and link.args:
            draft.managed[_TIMES[link.name]] = date(r, link.args[0])
