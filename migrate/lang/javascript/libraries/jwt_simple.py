"""``jwt.encode(payload, key, algorithm?, options?)`` from the jwt-simple package.

jwt-simple writes the payload as given: no ``iat``, no expiry of its own.  The algorithm
defaults to HS256 (a missing or empty third argument) and must be spelt exactly
'HS256' | 'HS384' | 'HS512' | 'RS256'; ``options.header`` is merged over ``{typ, alg}``.
"""

from __future__ import annotations

from tree_sitter import Node

from migrate.lang.javascript.context import Parts
from migrate.lang.javascript.imports import Imports, calls
from migrate.lang.javascript.scope import args_of, unwrap
from migrate.lang.javascript.values import JsFile

def _absent(node: Node) -> bool:
    """``undefined`` / ``null`` / ``''``: jwt-simple then signs with HS256."""
    node = unwrap(node)
    return node.type in ("undefined", "null") or (
        node.type == "identifier" and node.text == b"undefined")


def read_encode(f: JsFile, call: Node) -> Parts:
    args = args_of(call)
    parts = Parts(call=call, library="jwt-simple", token=call, algorithm="HS256")
    if args:
        parts.claims = f.claims(args[0], call.start_byte)
    if len(args) >= 2:
        parts.key = args[1]
    if len(args) >= 3 and not _absent(args[2]):
        parts.algorithm_expr = f.expr(args[2])
        name = f.string(args[2])
        # '' falls back to HS256; any other spelling is refused by jwt-simple ("hs256" too).
        parts.algorithm = "HS256" if name == "" else name
    if len(args) >= 4:
        options = f.entries(args[3], call.start_byte) or []
        header = next((e.value for e in options if e.key == "header"), None)
        for h in (f.entries(header, call.start_byte) or []) if header is not None else []:
            if h.key not in ("...", "alg"):  # an alg here would only mislabel the token
                parts.header[h.key] = f.expr(h.value)
    return parts


EXPORTS = {"jwt-simple": {None: "jwt-simple", "encode": "jwt-simple.encode"}}
WORDS = ("jwt-simple",)


def find(f: JsFile, imports: Imports) -> list[Parts]:
    """``jwt.encode(payload, secret[, algorithm])``."""
    return [read_encode(f, n) for n in f.nodes_writing("call_expression", imports.written("jwt-simple.encode", "encode"))
            if calls(f, n, imports, "jwt-simple", "encode")]
