"""What every Java JWT library's reading shares: claim names and values, claim maps and
claims builders, signing keys and algorithms, builder chains (the libraries themselves are in
``libraries/``)."""

from __future__ import annotations

import re

from migrate.extract.treesitter import walk
from migrate.extract.tsclaims import Call, Node, Reader
from migrate.extract.tsclaims_signer import UNKNOWN, algorithm_name
from migrate.model import Expr

Entry = tuple[str, Expr]

_CONSTANT = re.compile(r"(?:[\w.]*\.)?(Claims|RegisteredClaims|PublicClaims|JWTClaimNames|JwsHeader|Header"
                       r"|HeaderParams|JWSHeader|HeaderParameterNames)\.([A-Z_]+)")
_CONSTANTS = {
    "SUBJECT": "sub", "ISSUER": "iss", "AUDIENCE": "aud", "EXPIRATION": "exp", "EXPIRES_AT": "exp",
    "EXPIRATION_TIME": "exp", "ISSUED_AT": "iat", "NOT_BEFORE": "nbf", "ID": "jti", "JWT_ID": "jti",
    "KEY_ID": "kid", "TYPE": "typ", "ALGORITHM": "alg", "CONTENT_TYPE": "cty",
}
# A java.util.Date / Instant handed to the library is written as epoch seconds by it.
_DATE = re.compile(r"^\(?\s*(new\s+(?:java\.util\.)?Date\s*\(|Date\.from\s*\(|Instant\.|ZonedDateTime\.|"
                   r"OffsetDateTime\.)")
_TO_NUMBER = re.compile(r"\.(getTime|toEpochMilli|getEpochSecond|toEpochSecond|getNano)\s*\(\s*\)\s*\)?\s*$")
_DATE_OBJECT = frozenset({"date-object"})


def constant_name(text: str) -> str | None:
    m = _CONSTANT.fullmatch(text.strip())
    return _CONSTANTS.get(m.group(2)) if m else None


def name_of(r: Reader, node: Node | None) -> str | None:
    return r.string(node, constant_name)


def value(r: Reader, node: Node) -> Expr:
    """A claim value; a Date or Instant is converted to seconds by every supported library."""
    target = r.resolve(node)
    text = r.text(target) if target is not None else ""
    if _DATE.match(text) and not _TO_NUMBER.search(text):
        return r.expr(node, _DATE_OBJECT)
    return r.expr(node)


def date(r: Reader, node: Node) -> Expr:
    """setExpiration(Date), withExpiresAt(Date), expirationTime(Date): converted by the library."""
    return r.expr(node, _DATE_OBJECT)


# Setters of claims builders (``Jwts.claims().setSubject(..)``) and the claims they write.
CLAIM_SETTERS = {"setSubject": "sub", "subject": "sub", "setIssuer": "iss", "issuer": "iss",
                 "setAudience": "aud", "setId": "jti", "id": "jti", "setExpiration": "exp", "expiration": "exp",
                 "setIssuedAt": "iat", "issuedAt": "iat", "setNotBefore": "nbf", "notBefore": "nbf"}


# --- maps -----------------------------------------------------------------------------------

def pairs(r: Reader, args: tuple[Node, ...]) -> list[Entry]:
    out = []
    for k, v in zip(args[0::2], args[1::2]):
        if (name := name_of(r, k)) is not None:
            out.append((name, value(r, v)))
    return out


def map_call(r: Reader, c: Call, before: Node) -> list[Entry]:
    """One call that puts pairs in a map or claims object."""
    if c.name in ("put", "add", "claim", "customParam") and len(c.args) == 2:
        return pairs(r, c.args)
    if c.name in ("putAll", "add", "addClaims", "claims", "setClaims") and len(c.args) == 1:
        return map_entries(r, c.args[0], before)
    if c.name in CLAIM_SETTERS and len(c.args) == 1:
        name = CLAIM_SETTERS[c.name]
        return [(name, date(r, c.args[0]) if name in ("exp", "iat", "nbf") else value(r, c.args[0]))]
    return []


def map_entries(r: Reader, node: Node | None, before: Node) -> list[Entry]:
    """Pairs of ``Map.of(..)``, ``Map.ofEntries(Map.entry(..))``, ``singletonMap``, a HashMap
    filled with ``put`` (double-brace or afterwards), or a ``Jwts.claims()`` chain."""
    if node is None:
        return []
    target = r.resolve(node)
    c = r.call(target)
    out: list[Entry] = []
    if c is None or not (c.new or c.receiver is not None and (
            r.text(c.receiver).endswith(("Map", "Collections", "Jwts")) or r.call(c.receiver))):
        out.append((UNKNOWN, r.expr(node)))  # a parameter or what a method returns
    if c is not None:
        if c.name in ("of", "singletonMap") and r.text(c.receiver).endswith(("Map", "Collections")):
            out += pairs(r, c.args)
        elif c.name == "ofEntries":
            for e in c.args:
                inner = r.call(e)
                if inner is not None and len(inner.args) == 2:
                    out += pairs(r, inner.args)
        elif c.new and c.args:
            out += map_entries(r, c.args[0], before)
        if c.new and c.init is not None:  # new HashMap<>() {{ put("k", v); }}
            for n in walk(c.init):
                inner = r.call(n)
                if inner is not None and inner.receiver is None:
                    out += map_call(r, inner, before)
        if not c.new and c.receiver is not None and r.call(c.receiver) is not None:
            for link in r.chain(target)[1:]:
                out += map_call(r, link, before)
    out += _local_writes(r, node, before)
    return out


def _local_writes(r: Reader, node: Node, before: Node) -> list[Entry]:
    cur = r.syntax.unwrap(node)
    if cur.type != "identifier":
        return []
    d = r.definition(cur)
    if d is None or d.scope is None:
        return []
    out: list[Entry] = []
    for use in r.uses(r.text(cur), d, before.start_byte):
        c = r.call(use)
        if c is not None and c.receiver is not None and r.text(c.receiver) == r.text(cur):
            out += map_call(r, c, before)
    return out


# --- keys -----------------------------------------------------------------------------------

_UNWRAP_FIRST = frozenset({"hmacShaKeyFor", "SecretKeySpec", "HMAC256", "HMAC384", "HMAC512", "MACSigner",
                           "parseBase64Binary", "decodeBase64", "decode", "getDecoder"})


def peel(r: Reader, node: Node) -> Node | None:
    """One wrapper around a secret: Keys.hmacShaKeyFor(x), x.getBytes(..), Decoders.BASE64.decode(x)..."""
    c = r.call(node)
    if c is None:
        return None
    if c.name in ("getBytes", "toCharArray") and c.receiver is not None:
        return c.receiver
    if c.name in ("RSA256", "RSA384", "RSA512", "ECDSA256", "ECDSA384", "ECDSA512") and c.args:
        return c.args[-1]
    last = c.name.rsplit(".", 1)[-1]
    if last in _UNWRAP_FIRST and c.args:
        return c.args[0]
    return None


def algorithm(r: Reader, node: Node) -> tuple[str | None, Expr]:
    target = r.resolve(node) or node
    c = r.call(target)
    label = f"{r.text(c.receiver)}.{c.name}" if c is not None and c.receiver is not None else \
        (c.name if c is not None else r.text(target))
    return algorithm_name(label), r.safe_expr(target, label)


def root_is(r: Reader, root: Call, owner: str, method: str) -> bool:
    """Whether a builder chain starts with ``owner.method(..)`` (``Jwts.builder()``, ``JWT.create()``)."""
    return root.name == method and r.text(root.receiver).rsplit(".", 1)[-1] == owner
