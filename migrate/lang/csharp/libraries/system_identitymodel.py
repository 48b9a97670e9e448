"""System.IdentityModel.Tokens.Jwt and Microsoft.IdentityModel.JsonWebTokens: ``new
JwtSecurityToken(..)``, ``JwtPayload``, ``new SecurityTokenDescriptor { .. }`` handed to a
``JwtSecurityTokenHandler`` / ``JsonWebTokenHandler`` (``CreateToken``, ``CreateEncodedJwt``,
``CreateJwtSecurityToken``), and ``handler.WriteToken(token)``.

The handlers add ``iat`` (now) and ``exp`` (now + 60 minutes) when the descriptor does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from migrate.extract.signer import Draft
from migrate.extract.treesitter import walk
from migrate.extract.tsclaims import Call, Node, NodeKey, Reader, key_of
from migrate.lang.csharp.builders import (
    algorithm_expr,
    claim_entry,
    date_value,
    entries,
    is_a,
    properties,
)
from migrate.model import Expr

NAME = "system.identitymodel"
WORDS = (r"JwtSecurityToken", r"SecurityTokenDescriptor", r"JsonWebTokenHandler")

_HANDLER_CALLS = frozenset({"CreateToken", "CreateEncodedJwt", "CreateJwtSecurityToken"})


def sites(r: Reader, calls: list[Call]) -> Iterable[Draft]:
    """A token written by ``WriteToken`` is reported there, with what built it; the tokens and
    handler calls no ``WriteToken`` consumed are reported where they are."""
    writes, creates, tokens = [], [], []
    for c in calls:
        if c.name == "WriteToken" and len(c.args) == 1:
            writes.append(c)
        elif c.name in _HANDLER_CALLS and c.receiver is not None:
            creates.append(c)
        elif c.new and c.name.rsplit(".", 1)[-1] == "JwtSecurityToken":
            tokens.append(c)
    consumed: set[NodeKey] = set()
    for c in writes:
        draft = _write_token(r, c, consumed)
        if draft is not None:
            yield draft
    for c in creates:
        if key_of(c.node) not in consumed and (draft := _create_token(r, c, c.node)) is not None:
            yield draft
    for c in tokens:
        if key_of(c.node) not in consumed:
            draft = Draft(c.node, NAME)
            security_token(r, c, draft, c.node)
            yield draft


def _write_token(r: Reader, c: Call, consumed: set[NodeKey]) -> Draft | None:
    """``handler.WriteToken(token)``: the signer is reported here, with what built the token."""
    target = r.resolve(c.args[0])
    inner = r.call(target)
    if inner is None:
        return None
    draft = Draft(c.node, NAME)
    if inner.new and inner.name.rsplit(".", 1)[-1] == "JwtSecurityToken":
        security_token(r, inner, draft, c.node)
    elif inner.name in ("CreateToken", "CreateJwtSecurityToken") and inner.receiver is not None:
        if _create_token(r, inner, c.node, draft) is None:
            return None
    else:
        return None
    consumed.add(key_of(inner.node))
    return draft


def _create_token(r: Reader, c: Call, before: Node, draft: Draft | None = None) -> Draft | None:
    target = r.call(r.resolve(c.arg(0, "tokenDescriptor")))
    is_descriptor = target is not None and target.new and (
        target.name.rsplit(".", 1)[-1] == "SecurityTokenDescriptor" or target.name == "")
    if not is_descriptor and (c.name == "CreateToken" or "TokenHandler" not in r.src.text):
        return None  # an application's own CreateToken(user)
    draft = draft or Draft(c.node, NAME)
    handler_call(r, c, draft, before)
    return draft


# --- signing credentials --------------------------------------------------------------------

@dataclasses.dataclass
class Creds:
    algorithm: str | None = None
    algorithm_expr: Expr | None = None
    key: Expr | None = None
    kid: Expr | None = None


def credentials(r: Reader, node: Node | None, before: Node) -> Creds:
    """``new SigningCredentials(key, SecurityAlgorithms.HmacSha256)`` wherever it is built."""
    if node is None:
        return Creds()
    c = r.call(r.resolve(node))
    if c is None or not c.new or not is_a(c, "SigningCredentials"):
        return Creds()
    out = Creds()
    alg = c.arg(1, "algorithm")
    if alg is not None:
        out.algorithm, out.algorithm_expr = algorithm_expr(r, alg)
    key = c.arg(0, "key")
    if key is not None:
        out.key = r.key(key)
        kid = properties(r, key, before).get("KeyId")
        out.kid = r.expr(kid) if kid is not None else None
    return out


def apply_credentials(draft: Draft, creds: Creds) -> None:
    draft.set_algorithm(creds.algorithm_expr, creds.algorithm)
    draft.key = creds.key or draft.key
    if creds.kid is not None:
        draft.header.setdefault("kid", creds.kid)


# --- claims, descriptors, tokens -----------------------------------------------------------

_ARRAYS = frozenset({"implicit_array_creation_expression", "array_creation_expression",
                     "collection_expression"})


def _claim_list(r: Reader, node: Node | None, before: Node) -> dict[str, Expr]:
    """Claims of ``new ClaimsIdentity(new[] { new Claim(..) })``, a List<Claim>, a Claim[]..."""
    if node is None:
        return {}
    target = r.resolve(node)
    c = r.call(target)
    if c is not None and c.new and is_a(c, "ClaimsIdentity") and c.args:
        out = _claim_list(r, c.args[0], before)
        out.update(dict(entries(r, node, before)))  # identity.AddClaim(new Claim(..))
        return out
    out = dict(entries(r, node, before))
    if target is not None and target.type in _ARRAYS:
        for n in walk(target):
            entry = claim_entry(r, n) if n.type == "object_creation_expression" else None
            if entry:
                out.setdefault(*entry)
    return out


_DESCRIPTOR_TIMES = {"Expires": "exp", "IssuedAt": "iat", "NotBefore": "nbf"}


def descriptor(r: Reader, node: Node, draft: Draft, before: Node) -> None:
    """``new SecurityTokenDescriptor { Subject = .., Claims = .., Expires = .., SigningCredentials = ..}``
    (properties set afterwards count too)."""
    props = properties(r, node, before)
    if "Subject" in props:
        draft.claims.update(_claim_list(r, props["Subject"], before))
    if "Claims" in props:
        draft.claims.update(entries(r, props["Claims"], before))
    for prop, claim in (("Issuer", "iss"), ("Audience", "aud")):
        if prop in props:
            draft.claims.setdefault(claim, r.expr(props[prop]))
    if "AdditionalHeaderClaims" in props:
        draft.add_header(entries(r, props["AdditionalHeaderClaims"], before))
    for prop, claim in _DESCRIPTOR_TIMES.items():
        if prop in props:
            draft.managed[claim] = date_value(r, props[prop])
    apply_credentials(draft, credentials(r, props.get("SigningCredentials"), before))
    handler_defaults(r, draft)


def handler_defaults(r: Reader, draft: Draft) -> None:
    """Token handlers set iat (now) and exp (now + 60 minutes) when the descriptor does not."""
    line, col = r.doc.pos(draft.at)
    defaults = (("iat", "DateTime.UtcNow", 0.0), ("exp", "DateTime.UtcNow.AddMinutes(60)", 3600.0))
    for claim, text, offset in defaults:
        if claim not in draft.managed and claim not in draft.claims:
            draft.managed[claim] = Expr(text=text, line=line, column=col, kind="other",
                                        traits=frozenset({"clock", "date-object", "library-default"}),
                                        offset=offset)


_TOKEN_PARAMS = ("issuer", "audience", "claims", "notBefore", "expires", "signingCredentials")
_HANDLER_PARAMS = ("issuer", "audience", "subject", "notBefore", "expires", "issuedAt", "signingCredentials")


def security_token(r: Reader, c: Call, draft: Draft, before: Node) -> None:
    """``new JwtSecurityToken(header, payload)`` or ``new JwtSecurityToken(issuer, audience,
    claims, notBefore, expires, signingCredentials)``."""
    first = r.call(r.resolve(c.arg(0, "header")))
    if "header" in c.named or (first is not None and first.new and is_a(first, "JwtHeader")):
        _header(r, c.arg(0, "header"), draft, before)
        _payload(r, c.arg(1, "payload"), draft, before)
        return
    _positional(r, c, _TOKEN_PARAMS, draft, before)


def handler_call(r: Reader, c: Call, draft: Draft, before: Node) -> None:
    """``handler.CreateToken(descriptor)`` and the positional CreateJwtSecurityToken overload."""
    first = c.arg(0, "tokenDescriptor")
    target = r.call(r.resolve(first))
    if target is not None and (is_a(target, "SecurityTokenDescriptor") or target.name == ""):
        descriptor(r, first, draft, before)
        return
    _positional(r, c, _HANDLER_PARAMS, draft, before)
    handler_defaults(r, draft)


def _positional(r: Reader, c: Call, params: tuple[str, ...], draft: Draft, before: Node) -> None:
    args = {p: c.arg(i, p) for i, p in enumerate(params)}
    for p, claim in (("issuer", "iss"), ("audience", "aud")):
        node = args.get(p)
        if node is not None and r.text(node) != "null":
            draft.claims[claim] = r.expr(node)
    for p in ("claims", "subject"):
        draft.claims.update(_claim_list(r, args.get(p), before))
    for p, claim in (("notBefore", "nbf"), ("expires", "exp"), ("issuedAt", "iat")):
        node = args.get(p)
        if node is not None and r.text(node) != "null":
            draft.managed[claim] = date_value(r, node)
    apply_credentials(draft, credentials(r, args.get("signingCredentials"), before))


def _header(r: Reader, node: Node | None, draft: Draft, before: Node) -> None:
    c = r.call(r.resolve(node)) if node is not None else None
    if c is not None and c.new and c.args:
        apply_credentials(draft, credentials(r, c.arg(0, "signingCredentials"), before))
    draft.add_header(entries(r, node, before))


def _payload(r: Reader, node: Node | None, draft: Draft, before: Node) -> None:
    c = r.call(r.resolve(node)) if node is not None else None
    if c is not None and c.new and is_a(c, "JwtPayload") and len(c.args) >= 3:
        _positional(r, c, ("issuer", "audience", "claims", "notBefore", "expires"), draft, before)
    draft.claims.update(entries(r, node, before))
