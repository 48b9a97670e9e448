"""Hand-written WebCrypto HMAC signing: ``crypto.subtle.importKey('raw', ...)`` +
``crypto.subtle.sign('HMAC', ...)`` over a base64url header and payload, usually in page
code that ships its secret to every visitor."""

from __future__ import annotations

import re

from tree_sitter import Node

from migrate.lang.javascript.context import Parts
from migrate.lang.javascript.imports import Imports
from migrate.lang.javascript.scope import FUNCTIONS, args_of, enclosing
from migrate.lang.javascript.values import JsFile

# Keys that tell a JWT payload from any other object handed to JSON.stringify.
CLAIM_KEYS = frozenset({
    "exp", "iat", "nbf", "sub", "aud", "iss", "jti", "external_id", "email", "name", "scope",
    "email_verified", "nonce",
})


def _is_hmac(f: JsFile, node: Node | None) -> bool | None:
    """True/False for an algorithm argument naming HMAC or not; None when unreadable."""
    if node is None:
        return None
    name = f.string(node)
    if name is None:
        entries = f.entries(node, node.start_byte)
        if entries is None:
            return None
        name = next((f.string(e.value) for e in entries if e.key == "name"), None)
    return name is not None and name.upper() == "HMAC"


def _hash(f: JsFile, import_key: Node) -> Node | None:
    """The ``hash`` of ``importKey('raw', key, {name: 'HMAC', hash: ...})``."""
    args = args_of(import_key)
    if len(args) < 3:
        return None
    entries = f.entries(args[2], import_key.start_byte) or []
    h = next((e.value for e in entries if e.key == "hash"), None)
    if h is not None and f.string(h) is None:
        h = next((e.value for e in f.entries(h, import_key.start_byte) or [] if e.key == "name"), h)
    return h


def _nearest(target: Node, nodes: list[Node]) -> Node | None:
    """The node in the same function as ``target`` (else anywhere), preceding it if possible."""
    fn = enclosing(target, FUNCTIONS)
    same = [n for n in nodes if fn is not None and fn.start_byte <= n.start_byte < fn.end_byte]
    pool = same or nodes
    before = [n for n in pool if n.start_byte < target.start_byte]
    if before:
        return max(before, key=lambda n: n.start_byte)
    return min(pool, key=lambda n: n.start_byte, default=None)


def _stringified(f: JsFile, sign: Node, stringify: list[Node]) -> tuple[Node | None, Node | None]:
    """The header and the payload handed to ``JSON.stringify`` around a ``subtle.sign`` call."""
    headers, payloads, unknown = [], [], []
    for n in stringify:
        entries = f.entries(args_of(n)[0], sign.start_byte)
        keys = {e.key for e in entries or []}
        if "alg" in keys:
            headers.append(n)
        elif keys & CLAIM_KEYS:
            payloads.append(n)
        elif entries is None:
            unknown.append(n)
    header = _nearest(sign, headers)
    payload = _nearest(sign, payloads) or _nearest(sign, unknown)
    return (args_of(header)[0] if header else None), (args_of(payload)[0] if payload else None)


def webcrypto(f: JsFile) -> list[Parts]:
    """``crypto.subtle.sign('HMAC', key, data)`` with the key from ``crypto.subtle.importKey``,
    and Node's ``crypto.createHmac('sha256', key).update(data).digest(...)`` over a header and
    payload built with ``JSON.stringify``."""
    signs, imports, stringify, hmacs = [], [], [], []
    for n in f.nodes("call_expression"):
        callee = f.text(n.child_by_field_name("function"))
        if re.search(r"(?:^|\.)subtle\.sign$", callee):
            signs.append(n)
        elif re.search(r"(?:^|\.)createHmac$", callee):
            hmacs.append(n)
        elif re.search(r"(?:^|\.)subtle\.importKey$", callee):
            imports.append(n)
        elif callee == "JSON.stringify" and args_of(n):
            stringify.append(n)
    hmac_imports = [i for i in imports if len(args_of(i)) >= 3 and _is_hmac(f, args_of(i)[2])]
    out: list[Parts] = []
    for sign in signs:
        args = args_of(sign)
        imported = _nearest(sign, hmac_imports)
        hmac = _is_hmac(f, args[0] if args else None)
        if hmac is False or (hmac is None and imported is None):
            continue
        out.append(_webcrypto_parts(f, sign, imported, stringify))
    for hmac in hmacs:
        parts = _node_hmac_parts(f, hmac, stringify)
        if parts is not None:
            out.append(parts)
    return out


def _node_hmac_parts(f: JsFile, hmac: Node, stringify: list[Node]) -> Parts | None:
    """A JWT signed by hand with Node's HMAC: only where a header with ``alg`` or a payload
    with JWT claims is stringified in the same function (an HMAC of anything else is not)."""
    args = args_of(hmac)
    digest = f.string(args[0]) if args else None
    bits = re.fullmatch(r"sha-?(256|384|512)", (digest or "").lower())
    if bits is None or len(args) < 2:
        return None
    fn = enclosing(hmac, FUNCTIONS)
    near = [n for n in stringify if fn is None or fn.start_byte <= n.start_byte < fn.end_byte]
    header, payload = _stringified(f, hmac, near)
    claims = f.entries(payload, hmac.start_byte) if payload is not None else None
    if header is None and not (claims and {e.key for e in claims} & CLAIM_KEYS):
        return None  # an HMAC of a request body or a webhook payload, not a JWT
    parts = Parts(call=hmac, library="node-crypto-hmac", token=hmac, algorithm=f"HS{bits.group(1)}",
                  algorithm_expr=f.expr(args[0]), key=args[1])
    if header is not None:
        parts.header = {k: v for k, v in f.claims(header, hmac.start_byte).items() if k != "alg"}
    if payload is not None:
        parts.claims = f.claims(payload, hmac.start_byte)
    return parts


def _webcrypto_parts(f: JsFile, sign: Node, imported: Node | None, stringify: list[Node]) -> Parts:
    parts = Parts(call=sign, library="webcrypto", token=sign, algorithm="HS256")
    if imported is not None:
        parts.key = args_of(imported)[1]
        h = _hash(f, imported)
        if h is not None:
            parts.algorithm_expr = f.expr(h)
            bits = re.search(r"(\d{3})", f.string(h) or "")
            parts.algorithm = f"HS{bits.group(1)}" if bits else None
    header, payload = _stringified(f, sign, stringify)
    if header is not None:
        parts.header = {k: v for k, v in f.claims(header, sign.start_byte).items() if k != "alg"}
    if payload is not None:
        parts.claims = f.claims(payload, sign.start_byte)
    return parts


WORDS = ("subtle", "createHmac")


def find(f: JsFile, imports: Imports) -> list[Parts]:  # noqa: ARG001 (no import to follow)
    return webcrypto(f)
