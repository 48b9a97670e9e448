"""jjwt: ``Jwts.builder().setHeaderParam("kid", k).claim(..).setExpiration(..).signWith(..).compact()``,
including the 0.12 ``header().keyId(k).and()`` / ``claims().add(..).and()`` sections.

``signWith(key)`` without an algorithm lets jjwt pick it from the key.
"""

from __future__ import annotations

import re

from migrate.extract.signer import Draft
from migrate.extract.tsclaims import Call, Reader
from migrate.extract.tsclaims_signer import algorithm_name
from migrate.lang.java.builders import (
    algorithm,
    date,
    map_call,
    map_entries,
    pairs,
    root_is,
    value,
)
from migrate.model import Expr

NAME = "jjwt"
WORDS = (r"Jwts\b",)
SIGNS = ("compact",)

_MANAGED = {"setExpiration": "exp", "expiration": "exp", "setIssuedAt": "iat", "issuedAt": "iat",
            "setNotBefore": "nbf", "notBefore": "nbf"}
_HEADER_SETTERS = {"keyId": "kid", "setKeyId": "kid", "type": "typ", "setType": "typ", "contentType": "cty",
                   "setContentType": "cty"}


def read(r: Reader, c: Call) -> Draft | None:
    if c.args:
        return None
    calls = r.chain(c.node)
    if not calls or not root_is(r, calls[0], "Jwts", "builder"):
        return None
    draft = Draft(c.node, NAME)
    _builder(r, calls, draft)
    return draft


def _builder(r: Reader, calls: list[Call], draft: Draft) -> None:
    mode: str | None = None
    for c in calls:
        if c.name in ("header", "claims", "audience") and not c.args:
            mode = c.name
        elif c.name == "and":
            mode = None
        elif mode == "header":
            _header_call(r, c, draft)
        elif mode == "audience" and c.name in ("add", "single") and c.args:
            draft.claims["aud"] = value(r, c.args[0])
        elif c.name == "setHeaderParam" and len(c.args) == 2:
            draft.add_header(pairs(r, c.args))
        elif c.name in ("setHeader", "setHeaderParams") and c.args:
            draft.add_header(map_entries(r, c.args[0], draft.at))
        elif c.name == "signWith":
            _sign_with(r, c, draft)
        elif c.name in _MANAGED and len(c.args) == 1:
            draft.managed[_MANAGED[c.name]] = date(r, c.args[0])
        else:
            draft.claims.update(map_call(r, c, draft.at))


def _header_call(r: Reader, c: Call, draft: Draft) -> None:
    if c.name in _HEADER_SETTERS and len(c.args) == 1:
        draft.header[_HEADER_SETTERS[c.name]] = value(r, c.args[0])
    elif c.name in ("add", "put") and len(c.args) == 2:
        draft.add_header(pairs(r, c.args))
    elif c.name in ("add", "putAll") and len(c.args) == 1:
        draft.add_header(map_entries(r, c.args[0], draft.at))


def _sign_with(r: Reader, c: Call, draft: Draft) -> None:
    if not c.args:
        return
    first = r.resolve(c.args[0])
    old_api = len(c.args) == 2 and "SignatureAlgorithm" in r.text(first)
    key_node = c.args[1] if old_api else c.args[0]
    draft.key = r.key(key_node)
    if len(c.args) == 2:
        draft.algorithm, draft.algorithm_expr = algorithm(r, c.args[0] if old_api else c.args[1])
    else:
        draft.algorithm, draft.algorithm_expr = inferred_algorithm(draft.key), None


def inferred_algorithm(key: Expr) -> str | None:
    """jjwt's ``signWith(key)`` picks the algorithm from the key."""
    e: Expr | None = key
    while e is not None:
        if "hmacShaKeyFor" in e.text:
            return "HS256"
        m = re.search(r"SecretKeySpec\s*\([^;]*,\s*\"(Hmac\w+)\"", e.text) or \
            re.search(r"(?:secretKeyFor|keyPairFor)\s*\(\s*SignatureAlgorithm\.(\w+)", e.text) or \
            re.search(r"SIG\.(\w+)\.key", e.text)
        if m:
            return algorithm_name(m.group(1))
        e = e.resolved
    return None
