"""Reading Java token contents into a Draft: jjwt and auth0 java-jwt builder chains, Nimbus
header / claims-set builders, claim maps and signing keys."""

from __future__ import annotations

import re

from migrate.extract.tsclaims import Call, Node, Reader
from migrate.extract.signer import Draft
from migrate.extract.tsclaims_signer import UNKNOWN, algorithm_name
from migrate.extract.treesitter import walk
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


# --- maps -----------------------------------------------------------------------------------

def _pairs(r: Reader, args: tuple[Node, ...]) -> list[Entry]:
    out = []
    for k, v in zip(args[0::2], args[1::2]):
        if (name := name_of(r, k)) is not None:
            out.append((name, value(r, v)))
    return out


def _map_call(r: Reader, c: Call, before: Node) -> list[Entry]:
    """One call that puts pairs in a map or claims object."""
    if c.name in ("put", "add", "claim", "customParam") and len(c.args) == 2:
        return _pairs(r, c.args)
    if c.name in ("putAll", "add", "addClaims", "claims", "setClaims") and len(c.args) == 1:
        return map_entries(r, c.args[0], before)
    if c.name in _SETTERS and len(c.args) == 1:
        name = _SETTERS[c.name]
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
            out += _pairs(r, c.args)
        elif c.name == "ofEntries":
            for e in c.args:
                inner = r.call(e)
                if inner is not None and len(inner.args) == 2:
                    out += _pairs(r, inner.args)
        elif c.new and c.args:
            out += map_entries(r, c.args[0], before)
        if c.new and c.init is not None:  # new HashMap<>() {{ put("k", v); }}
            for n in walk(c.init):
                inner = r.call(n)
                if inner is not None and inner.receiver is None:
                    out += _map_call(r, inner, before)
        if not c.new and c.receiver is not None and r.call(c.receiver) is not None:
            for link in r.chain(target)[1:]:
                out += _map_call(r, link, before)
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
            out += _map_call(r, c, before)
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


def _algorithm(r: Reader, node: Node) -> tuple[str | None, Expr]:
    target = r.resolve(node) or node
    c = r.call(target)
    label = f"{r.text(c.receiver)}.{c.name}" if c is not None and c.receiver is not None else \
        (c.name if c is not None else r.text(target))
    return algorithm_name(label), r.safe_expr(target, label)


# --- jjwt -----------------------------------------------------------------------------------

_SETTERS = {"setSubject": "sub", "subject": "sub", "setIssuer": "iss", "issuer": "iss", "setAudience": "aud",
            "setId": "jti", "id": "jti", "setExpiration": "exp", "expiration": "exp", "setIssuedAt": "iat",
            "issuedAt": "iat", "setNotBefore": "nbf", "notBefore": "nbf"}
_MANAGED = {"setExpiration": "exp", "expiration": "exp", "setIssuedAt": "iat", "issuedAt": "iat",
            "setNotBefore": "nbf", "notBefore": "nbf"}
_HEADER_SETTERS = {"keyId": "kid", "setKeyId": "kid", "type": "typ", "setType": "typ", "contentType": "cty",
                   "setContentType": "cty"}


def jjwt(r: Reader, calls: list[Call], draft: Draft) -> None:
    """``Jwts.builder().setHeaderParam("kid", k).claim(..).setExpiration(..).signWith(..).compact()``,
    including the 0.12 ``header().keyId(k).and()`` / ``claims().add(..).and()`` sections."""
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
            draft.add_header(_pairs(r, c.args))
        elif c.name in ("setHeader", "setHeaderParams") and c.args:
            draft.add_header(map_entries(r, c.args[0], draft.at))
        elif c.name == "signWith":
            _sign_with(r, c, draft)
        elif c.name in _MANAGED and len(c.args) == 1:
            draft.managed[_MANAGED[c.name]] = date(r, c.args[0])
        else:
            draft.claims.update(_map_call(r, c, draft.at))


def _header_call(r: Reader, c: Call, draft: Draft) -> None:
    if c.name in _HEADER_SETTERS and len(c.args) == 1:
        draft.header[_HEADER_SETTERS[c.name]] = value(r, c.args[0])
    elif c.name in ("add", "put") and len(c.args) == 2:
        draft.add_header(_pairs(r, c.args))
    elif c.name in ("add", "putAll") and len(c.args) == 1:
        draft.add_header(map_entries(r, c.args[0], draft.at))


def _sign_with(r: Reader, c: Call, draft: Draft) -> None:
    if not c.args:
        return
    first = r.resolve(c.args[0])
    old_api = len(c.args) == 2 and "SignatureAlgorithm" in r.text(first)
    key_node = c.args[1] if old_api else c.args[0]
    draft.key = r.key(key_node, peel)
    if len(c.args) == 2:
        draft.algorithm, draft.algorithm_expr = _algorithm(r, c.args[0] if old_api else c.args[1])
    else:
        draft.algorithm, draft.algorithm_expr = inferred_algorithm(draft.key), None


# --- auth0 java-jwt -------------------------------------------------------------------------

_JAVA_JWT_CLAIMS = {"withSubject": "sub", "withIssuer": "iss", "withAudience": "aud", "withJWTId": "jti"}
_JAVA_JWT_TIMES = {"withExpiresAt": "exp", "withIssuedAt": "iat", "withNotBefore": "nbf"}


def java_jwt(r: Reader, calls: list[Call], draft: Draft) -> None:
    """``JWT.create().withKeyId(k).withClaim(..).withExpiresAt(..).sign(Algorithm.HMAC256(secret))``."""
    for c in calls:
        if c.name == "withKeyId" and c.args:
            draft.header["kid"] = value(r, c.args[0])
        elif c.name == "withHeader" and c.args:
            draft.add_header(map_entries(r, c.args[0], draft.at))
        elif c.name in ("withClaim", "withArrayClaim") and len(c.args) >= 2:
            draft.claims.update(_pairs(r, c.args[:2]))
        elif c.name == "withPayload" and c.args:
            draft.claims.update(map_entries(r, c.args[0], draft.at))
        elif c.name in _JAVA_JWT_CLAIMS and c.args:
            draft.claims[_JAVA_JWT_CLAIMS[c.name]] = value(r, c.args[0])
        elif c.name in _JAVA_JWT_TIMES and c.args:
            draft.managed[_JAVA_JWT_TIMES[c.name]] = date(r, c.args[0])
        elif c.name == "sign" and c.args:
            draft.algorithm, draft.algorithm_expr = _algorithm(r, c.args[0])
            draft.key = r.key(c.args[0], peel)


# --- Nimbus JOSE+JWT ------------------------------------------------------------------------

_NIMBUS_CLAIMS = {"subject": "sub", "issuer": "iss", "audience": "aud", "jwtID": "jti"}
_NIMBUS_TIMES = {"expirationTime": "exp", "issueTime": "iat", "notBeforeTime": "nbf"}


def nimbus(r: Reader, token: Call, sign: Call, draft: Draft) -> None:
    """``new SignedJWT(header, claims)`` / ``new JWSObject(header, new Payload(..))`` signed by
    ``token.sign(new MACSigner(secret))``."""
    header = r.resolve(token.arg(0))
    for c in r.chain(header) if header is not None else []:
        if c.new and c.args and c.name.split(".")[0] == "JWSHeader":
            draft.algorithm, draft.algorithm_expr = _algorithm(r, c.args[0])
        elif c.name == "keyID" and c.args:
            draft.header["kid"] = value(r, c.args[0])
        elif c.name == "type" and c.args:
            draft.header["typ"] = value(r, c.args[0])
        elif c.name == "customParam" and len(c.args) == 2:
            draft.add_header(_pairs(r, c.args))
    _nimbus_claims(r, token.arg(1), draft)
    if sign.args:
        draft.key = r.key(sign.args[0], peel)


def _nimbus_claims(r: Reader, node: Node | None, draft: Draft) -> None:
    target = r.resolve(node)
    c = r.call(target)
    if c is None:
        if node is not None:
            draft.claims[UNKNOWN] = r.expr(node)
        return
    if c.new and c.name.rsplit(".", 1)[-1] == "Payload" and c.args:
        inner = r.call(r.resolve(c.args[0]))
        if inner is not None and inner.name in ("toJSONObject", "toString") and inner.receiver is not None:
            _nimbus_claims(r, inner.receiver, draft)
        else:
            draft.claims.update(map_entries(r, c.args[0], draft.at))
        return
    if c.name == "parse" and c.args:
        draft.claims.update(map_entries(r, c.args[0], draft.at))
        return
    for link in r.chain(target):
        if link.name == "claim" and len(link.args) == 2:
            draft.claims.update(_pairs(r, link.args))
        elif link.name in _NIMBUS_CLAIMS and link.args:
            draft.claims[_NIMBUS_CLAIMS[link.name]] = value(r, link.args[0])
        elif link.name in _NIMBUS_TIMES and link.args:
            draft.managed[_NIMBUS_TIMES[link.name]] = date(r, link.args[0])
