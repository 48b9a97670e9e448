"""jsrsasign: ``KJUR.jws.JWS.sign(alg, header, payload, key[, pass])``.

The header and the payload are objects or JSON text (``JSON.stringify(obj)`` or a literal).
A null or empty ``alg`` means the header's ``alg``; jsrsasign adds nothing to the payload.
Its ``KJUR.jws.IntDate.get('now + 1hour')`` gives epoch seconds.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from tree_sitter import Node

from migrate.lang.javascript.context import Parts
from migrate.lang.javascript.imports import Imports, library_object
from migrate.lang.javascript.scope import args_of, unwrap
from migrate.lang.javascript.values import JsFile
from migrate.model import Expr, ExprKind

# The relative forms KJUR.jws.IntDate.get understands, in seconds after now.
_INT_DATE = {"now": 0.0, "now + 1hour": 3600.0, "now + 1day": 86400.0,
             "now + 1month": 31 * 86400.0, "now + 1year": 365 * 86400.0}
_INT_DATE_CALL = re.compile(r"IntDate\.get\(\s*(['\"`])(?P<s>[^'\"`]*)\1\s*\)")
_JSON_KINDS: dict[type, ExprKind] = {str: "string", bool: "bool", int: "int", float: "float",
                                     type(None): "null"}


def _json_source(f: JsFile, node: Node) -> Node:
    """``JSON.stringify(obj)`` -> ``obj``, also through a local name holding it."""
    start = node = unwrap(node)
    for _ in range(3):
        if node.type == "call_expression":
            args = args_of(node)
            if f.text(node.child_by_field_name("function")) == "JSON.stringify" and args:
                return args[0]
            return start
        if node.type != "identifier":
            return start
        init = f.value(node)
        if init is None:
            return start
        node = unwrap(init, awaits=True)
    return start


def _members(f: JsFile, node: Node, until: int) -> dict[str, Expr]:
    """The properties of a header or payload given as an object, a stringified object, or
    JSON text."""
    source = _json_source(f, node)
    text = f.string(source)
    if text is not None:
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested past what json reads
            parsed = None
        if isinstance(parsed, dict):
            return {k: f.make(json.dumps(v), source, _JSON_KINDS.get(type(v), "other"),
                              v if type(v) in _JSON_KINDS else None)
                    for k, v in parsed.items()}
        return {"...": f.expr(source)}
    return f.claims(source, until)


def _int_date(e: Expr) -> Expr:
    """``KJUR.jws.IntDate.get('now + 1hour')``: a clock time an hour ahead."""
    m = _INT_DATE_CALL.search(e.final.text)
    if m is None:
        return e
    s = m.group("s").strip()
    if s in _INT_DATE:
        return replace(e, traits=e.traits | {"clock"}, offset=_INT_DATE[s])
    return e


def _absent(f: JsFile, node: Node) -> bool:
    node = unwrap(node)
    return node.type in ("null", "undefined") or f.text(node) == "undefined" or \
        f.string(node) == ""


def read_jws_sign(f: JsFile, call: Node) -> Parts:
    args = args_of(call)
    parts = Parts(call=call, library="jsrsasign", token=call)
    header = _members(f, args[1], call.start_byte) if len(args) >= 2 else {}
    if len(args) >= 3:
        parts.claims = {k: _int_date(v) if k in ("exp", "iat", "nbf") else v
                        for k, v in _members(f, args[2], call.start_byte).items()}
    if len(args) >= 4:
        parts.key = args[3]
    if args and not _absent(f, args[0]):
        parts.algorithm_expr = f.expr(args[0])
        parts.algorithm = f.string(args[0])
    elif "alg" in header:
        parts.algorithm_expr = header["alg"]
        final = header["alg"].final
        parts.algorithm = final.value if final.kind == "string" and isinstance(final.value, str) \
            else None
    parts.header = {k: v for k, v in header.items() if k not in ("alg", "...")}
    return parts


EXPORTS = {"jsrsasign": {None: "jsrsasign", "KJUR": "jsrsasign.KJUR"}}
GLOBALS = {"KJUR": "jsrsasign.KJUR"}  # a page that loads jsrsasign with a script tag
WORDS = ("KJUR",)


def _is_kjur(f: JsFile, node: Node, imports: Imports) -> bool:
    """jsrsasign's ``KJUR`` namespace: imported, ``rs.KJUR``, or the page's global."""
    node = unwrap(node)
    if node.type == "identifier":
        return imports.role(f, node) == "jsrsasign.KJUR"
    return node.type == "member_expression" and \
        f.text(node.child_by_field_name("property")) == "KJUR" and \
        library_object(f, node.child_by_field_name("object"), imports) == "jsrsasign"


def _is_jws_sign(f: JsFile, call: Node, imports: Imports) -> bool:
    """``KJUR.jws.JWS.sign(...)``."""
    node = call.child_by_field_name("function")
    for name in ("sign", "JWS", "jws"):
        if node is None:
            return False
        node = unwrap(node)
        if node.type != "member_expression" or f.text(node.child_by_field_name("property")) != name:
            return False
        node = node.child_by_field_name("object")
    return node is not None and _is_kjur(f, node, imports)


def find(f: JsFile, imports: Imports) -> list[Parts]:
    """``KJUR.jws.JWS.sign(alg, header, payload, key)``."""
    return [read_jws_sign(f, n) for n in f.nodes("call_expression") if _is_jws_sign(f, n, imports)]
