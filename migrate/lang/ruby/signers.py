"""Ruby signers, through the libraries in ``libraries/``: ruby-jwt.

    payload = { external_id: user.id.to_s, scope: 'user', exp: Time.now.to_i + 300 }
    token = JWT.encode(payload, secret, 'HS256', { kid: kid })

The 4th argument (a hash, braced or not) holds header fields; the algorithm defaults to
HS256 when it is left out.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType

from migrate.extract.base import Found, Source
from migrate.extract.signer import Draft
from migrate.extract.treesitter import Doc, walk
from migrate.extract.tsutil_response import response
from migrate.extract.values import Node, Values, algorithm_name, child, children
from migrate.lang.ruby import libraries, routes
from migrate.lang.ruby.dialect import RubyDialect, symbol_or_string
from migrate.model import Expr, Marker, Signer

_DIALECT = RubyDialect()
_MERGES = frozenset({"merge", "merge!", "update", "deep_merge", "deep_merge!", "reverse_merge"})
_PASS_THROUGH = frozenset({"to_h", "with_indifferent_access", "stringify_keys", "symbolize_keys",
                           "compact", "dup", "freeze"})
_DEPTH = 4


def extract(src: Source) -> Found:
    found = Found()
    doc = Doc.parse("ruby", src.data)
    if doc.root.has_error:
        found.syntax_error(src, doc.first_error())
    if src.path == routes.ROUTES_FILE or src.path.endswith("/" + routes.ROUTES_FILE):
        found.markers.extend(routes.route_markers(doc))  # the routes of actions in app/controllers
    calls = [(n, lib) for n in walk(doc.root) if (lib := _library(doc, n)) is not None]
    if not calls:
        return found
    index = Values(doc, _DIALECT)
    for call, lib in calls:
        signer = _signer(src, index, call, lib)
        route = routes.sinatra(doc, call)
        if route is not None:
            signer = dataclasses.replace(signer, route=route)
        else:  # a Rails action: config/routes.rb routes it (the inventory joins the two)
            key = routes.handler_key(src.path, doc, call)
            if key is not None:
                found.markers.append(Marker("route-handler", signer.line, signer.column, key))
        found.signers.append(signer)
    return found


def _library(doc: Doc, node: Node) -> ModuleType | None:
    """The library a call such as ``JWT.encode(...)`` / ``::JWT.encode(...)`` signs with."""
    if node.type != "call":
        return None
    receiver = child(node, "receiver")
    if receiver is None:
        return None
    return libraries.signing(doc.text(receiver), doc.text(child(node, "method")))


def _signer(src: Source, index: Values, call: Node, lib: ModuleType) -> Signer:
    args = children(child(call, "arguments"))
    positional = [a for a in args if a.type not in ("pair", "comment")]
    pairs = [a for a in args if a.type == "pair"]
    payload = positional[0] if positional else None
    key = positional[1] if len(positional) > 1 else None
    alg = positional[2] if len(positional) > 2 else None
    header: dict[str, Expr] = {}
    if len(positional) > 3:
        header = _hash(index, positional[3], call)
    for pair in pairs:  # JWT.encode(payload, key, 'HS256', kid: k)
        header.update(_pairs(index, [pair]))
    claims = _hash(index, payload, call) if payload is not None else {}
    draft = Draft(call, lib.NAME, header=header, claims=claims)
    if key is not None:
        draft.key = index.key(key)
    draft.algorithm = _algorithm(index, alg, lib)
    draft.algorithm_expr = index.expr(alg) if alg is not None else None
    draft.response, draft.function = response(index, call), index.function_name(call)
    return index.signer(src.path, draft)


def _algorithm(index: Values, alg: Node | None, lib: ModuleType) -> str | None:
    if alg is None:
        return lib.DEFAULT_ALG
    node = index.follow(alg)
    return algorithm_name(symbol_or_string(index.doc, node))


def _hash(index: Values, node: Node, call: Node, depth: int = 0) -> dict[str, Expr]:
    """The entries of a hash as the signing call sees it: a literal, a local holding one
    (with its later ``h[:k] = v`` / ``h.merge!(...)`` writes), or ``a.merge(b)``."""
    if depth > _DEPTH:
        return {}
    doc = index.doc
    node = index.g.unwrap(node)
    if node.type == "hash":
        return _pairs(index, children(node))
    if node.type == "call":
        method = doc.text(child(node, "method"))
        receiver = child(node, "receiver")
        if receiver is not None and (method in _MERGES or method in _PASS_THROUGH):
            out = _hash(index, receiver, call, depth + 1)
            for arg in children(child(node, "arguments")):
                out.update(_argument(index, arg, call, depth + 1))
            return out
        return {}
    name = index.g.reference(doc, node)
    if name is None:
        return {}
    base = index.lookup(name, node)
    if base is None:
        return {}
    out = _hash(index, base.value, call, depth + 1)
    out.update(_writes(index, name, index.scope_of(node), base.end, call.start_byte))
    return out


def _argument(index: Values, arg: Node, call: Node, depth: int = 0) -> dict[str, Expr]:
    """``merge(exp: v)`` passes pairs, ``merge(extra)`` a hash."""
    return _pairs(index, [arg]) if arg.type == "pair" else _hash(index, arg, call, depth)


def _pairs(index: Values, nodes: list[Node]) -> dict[str, Expr]:
    out: dict[str, Expr] = {}
    for pair in nodes:
        if pair.type != "pair":
            continue
        key, value = child(pair, "key"), child(pair, "value")
        name = symbol_or_string(index.doc, key) if key is not None else None
        if name is not None and value is not None:
            out[name] = index.expr(value)
    return out


def _writes(index: Values, name: str, scope: Node, after: int, before: int) -> dict[str, Expr]:
    """``payload[:exp] = v``, ``payload[:exp] ||= v``, ``payload.merge!(exp: v)``,
    ``payload.store(:exp, v)`` between two byte offsets."""
    doc = index.doc
    out: dict[str, Expr] = {}
    for n in walk(scope):
        if not (after <= n.start_byte < before):
            continue
        if n.type in ("assignment", "operator_assignment"):
            left, right = child(n, "left"), child(n, "right")
            if left is not None and right is not None and left.type == "element_reference" \
                    and doc.text(child(left, "object")) == name:
                keys = [c for c in left.named_children if c != child(left, "object")]
                key = symbol_or_string(doc, keys[0]) if keys else None
                if key is not None:
                    out[key] = index.expr(right)
        elif n.type == "call" and doc.text(child(n, "receiver")) == name:
            method = doc.text(child(n, "method"))
            args = children(child(n, "arguments"))
            if method in ("merge!", "update", "deep_merge!"):
                for arg in args:
                    out.update(_argument(index, arg, n))
            elif method == "store" and len(args) == 2:
                key = symbol_or_string(doc, args[0])
                if key is not None:
                    out[key] = index.expr(args[1])
    return out
