"""njwt: ``nJwt.create(claims, key, alg?)`` and the setters called on the token before
``.compact()``.

What njwt adds on its own: a ``jti`` (uuid) and ``iat`` (now) unless the claims carry them,
and ``create`` sets ``exp`` to one hour from now, over any ``exp`` in the claims.  The
algorithm is HS256 unless a third argument says otherwise.  ``setExpiration`` and
``setNotBefore`` take a Date or epoch *milliseconds*; ``setIssuedAt`` takes seconds.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tree_sitter import Node

from migrate.extract.treesitter import walk
from migrate.lang.javascript.context import Parts
from migrate.lang.javascript.imports import Imports, calls
from migrate.lang.javascript.libraries.jose import _chain
from migrate.lang.javascript.scope import args_of, unwrap
from migrate.lang.javascript.values import JsFile
from migrate.model import Expr

DEFAULT_LIFETIME = 3600.0  # seconds: create() sets exp to now + 1 hour
_FINISHERS = ("compact", "toString")
_CLAIM_SETTERS = {"setSubject": "sub", "setIssuer": "iss", "setJti": "jti"}
_MS_TIME_SETTERS = {"setExpiration": "exp", "setNotBefore": "nbf"}
# "Date.now() + 5 * 60 * 1000" and "new Date().getTime() + 300000": the milliseconds added.
_NOW = re.compile(r"Date\.now\(\)|new Date\(\s*\)(?:\.getTime\(\))?")
_MS_PLUS = re.compile(r"\+\s*\(?\s*(\d[\d_]*(?:\.\d+)?(?:\s*\*\s*\d[\d_]*(?:\.\d+)?)*)\s*\)?\s*$")


def _variable_calls(f: JsFile, top: Node) -> tuple[list[tuple[str, Node]], Node | None]:
    """``const t = nJwt.create(..); t.setHeader(..); t.compact()``: the calls made on the
    variable, and the call that produces the token."""
    decl = top.parent
    while decl is not None and decl.type in ("await_expression", "parenthesized_expression"):
        decl = decl.parent
    if decl is None or decl.type != "variable_declarator":
        return [], None
    binding = f.declared(decl.child_by_field_name("name") or decl)
    if binding is None or binding.scope is None:
        return [], None
    calls: list[tuple[str, Node]] = []
    token = None
    for n in walk(binding.scope):
        if n.type == "identifier" and n.start_byte >= decl.end_byte and \
                f.text(n) == binding.name and f.lookup(binding.name, n) is binding:
            more, outer = _chain(f, n)
            calls += more
            if token is None and any(method in _FINISHERS for method, _ in more):
                token = outer
    return calls, token


def _ms_time(f: JsFile, method: str, call: Node) -> Expr | None:
    """The claim ``setExpiration(x)`` / ``setNotBefore(x)`` produces: a Date or epoch
    milliseconds, stored in seconds by njwt.  None when the call removes the claim."""
    args = args_of(call)
    if not args or unwrap(args[0]).type in ("null", "undefined") or \
            f.text(args[0]) in ("0", "false"):
        return None
    arg = unwrap(args[0])
    e = f.expr(arg)
    final = e.final
    seen = e.traits | final.traits
    if "clock-ms" in seen or arg.type == "new_expression":
        offset: float | None = None
        m = _MS_PLUS.search(final.text)
        if m:
            offset = _product(m.group(1)) / 1000
        elif _NOW.fullmatch(final.text.strip()):
            offset = 0.0
        traits = set(seen - {"clock-ms", "float", "literal"}) | {"date-object"}
        if "clock-ms" in seen or _NOW.search(final.text):
            traits.add("clock")
        else:
            offset = None
        return replace(f.make(f"{method}({f.text(arg)})", arg, "other"), resolved=None,
                       traits=frozenset(traits), offset=offset)
    # A number of seconds here is read as milliseconds: the time lands in January 1970.
    return replace(f.make(f"{method}({f.text(arg)})", arg, "other", extra=e.traits - {"literal"}),
                   offset=None)


def _product(text: str) -> float:
    total = 1.0
    for part in text.split("*"):
        total *= float(part.strip().replace("_", ""))
    return total


def _apply(f: JsFile, parts: Parts, method: str, call: Node) -> None:
    args = args_of(call)
    if method in _MS_TIME_SETTERS:
        claim = _MS_TIME_SETTERS[method]
        parts.claims.pop(claim, None)
        made = _ms_time(f, method, call)
        if made is None:
            parts.managed.pop(claim, None)
        else:
            parts.managed[claim] = made
    elif method == "setIssuedAt" and args:
        parts.managed.pop("iat", None)
        parts.claims["iat"] = f.expr(args[0])
    elif method in _CLAIM_SETTERS and args:
        claim = _CLAIM_SETTERS[method]
        parts.managed.pop(claim, None)
        parts.claims[claim] = f.expr(args[0])
    elif method == "setClaim" and len(args) >= 2:
        name = f.string(args[0])
        if name is not None:
            parts.managed.pop(name, None)
            parts.claims[name] = f.expr(args[1])
    elif method == "setHeader" and len(args) >= 2:
        name = f.string(args[0])
        if name == "alg":
            _algorithm(f, parts, args[1])
        elif name is not None:
            parts.header[name] = f.expr(args[1])
    elif method == "setSigningAlgorithm" and args:
        _algorithm(f, parts, args[0])
    elif method == "setSigningKey" and args:
        parts.key = args[0]


def _algorithm(f: JsFile, parts: Parts, node: Node) -> None:
    parts.algorithm_expr = f.expr(node)
    parts.algorithm = f.string(node)


def read_create(f: JsFile, call: Node) -> Parts:
    args = args_of(call)
    parts = Parts(call=call, library="njwt", token=call, algorithm="HS256")
    if args:
        parts.claims = f.claims(args[0], call.start_byte)
    if len(args) >= 2:
        parts.key = args[1]
    if len(args) >= 3:
        _algorithm(f, parts, args[2])
    # What create() and the Jwt constructor add; claims that are present are kept.
    for claim in ("jti", "iat"):
        if claim not in parts.claims:
            parts.managed[claim] = f.make(f"{claim} set by njwt", call, "other",
                                          extra={"clock"} if claim == "iat" else set())
    if "iat" in parts.managed:
        parts.managed["iat"] = replace(parts.managed["iat"], offset=0.0)
    parts.claims.pop("exp", None)  # create() replaces it
    parts.managed["exp"] = replace(
        f.make("exp set by njwt (1 hour)", call, "other", extra={"clock"}), offset=DEFAULT_LIFETIME)
    calls, top = _chain(f, call)
    parts.token = top
    if not any(method in _FINISHERS for method, _ in calls):
        more, token = _variable_calls(f, top)
        calls += more
        parts.token = token or top
    for method, setter in sorted(calls, key=lambda c: c[1].start_byte):
        _apply(f, parts, method, setter)
    return parts


EXPORTS = {"njwt": {None: "njwt", "create": "njwt.create"}}
WORDS = ("njwt",)


def find(f: JsFile, imports: Imports) -> list[Parts]:
    """``nJwt.create(claims, secret[, alg])`` and what is done to the token after."""
    return [read_create(f, n) for n in f.nodes_writing("call_expression", imports.written("njwt.create", "create"))
            if calls(f, n, imports, "njwt", "create")]
