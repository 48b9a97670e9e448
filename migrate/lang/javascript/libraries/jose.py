"""jose's ``new SignJWT(payload).setProtectedHeader(..)...sign(key)`` builder."""

from __future__ import annotations

import re
from dataclasses import replace

from tree_sitter import Node

from migrate.extract.treesitter import walk
from migrate.lang.javascript.context import Parts
from migrate.lang.javascript.imports import Imports, calls
from migrate.lang.javascript.scope import args_of, unwrap
from migrate.lang.javascript.values import JsFile
from migrate.model import Expr

_CLAIM_SETTERS = {"setSubject": "sub", "setIssuer": "iss", "setAudience": "aud", "setJti": "jti"}
_TIME_SETTERS = {"setIssuedAt": "iat", "setExpirationTime": "exp", "setNotBefore": "nbf"}
# jose's relative time strings ("2h", "+5 minutes", "30s ago"), see jose lib/secs.
_JOSE_SPAN = re.compile(
    r"([+-])? ?(\d+|\d+\.\d+) ?(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|"
    r"years?|yrs?|y)(?: (ago|from now))?", re.IGNORECASE)
_SPAN_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31557600}
_MS_OFFSET = re.compile(r"Date\.now\(\)\s*\+\s*([\d_]+(?:\s*\*\s*[\d_]+)*)")


def jose_seconds(text: str) -> float | None:
    m = _JOSE_SPAN.fullmatch(text.strip())
    if not m:
        return None
    unit = m.group(3).lower()
    factor = _SPAN_UNITS["m" if unit.startswith("mi") else unit[0]]
    seconds = float(m.group(2)) * factor
    return -seconds if m.group(1) == "-" or (m.group(4) or "").lower() == "ago" else seconds


def _chain(f: JsFile, start: Node) -> tuple[list[tuple[str, Node]], Node]:
    """The method calls made on ``start`` (``start.a().b()``) and the outermost call."""
    calls: list[tuple[str, Node]] = []
    node = start
    while True:
        member = node.parent
        if member is None or member.type != "member_expression" or \
                member.child_by_field_name("object") != node:
            return calls, node
        call = member.parent
        if call is None or call.type != "call_expression" or \
                call.child_by_field_name("function") != member:
            return calls, node
        calls.append((f.text(member.child_by_field_name("property")), call))
        node = call


def _builder_calls(f: JsFile, top: Node) -> tuple[list[tuple[str, Node]], Node | None]:
    """``const b = new SignJWT(p); b.setIssuedAt(); ... await b.sign(key)``: the calls made
    on the variable, and the ``sign`` call that produces the token."""
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
            if any(method == "sign" for method, _ in more):
                token = outer
    return calls, token


def _time(f: JsFile, method: str, call: Node) -> Expr:
    """The managed claim a time setter produces.  A string is relative to now, a number is an
    absolute epoch value (fixed unless computed from the clock), a Date is read in seconds."""
    args = args_of(call)
    if not args:
        callee = call.child_by_field_name("function")
        prop = callee.child_by_field_name("property") if callee is not None else None
        e = f.make(f"{method}()", prop or call, "other", extra={"clock"})
        return replace(e, offset=0.0)
    arg = unwrap(args[0])
    text = f.string(arg)
    if text is not None:
        e = f.make(f"{method}({f.text(arg)})", arg, "other", extra={"clock"})
        return replace(e, offset=jose_seconds(text))
    e = f.expr(arg)
    if arg.type == "new_expression" and f.text(arg.child_by_field_name("constructor")) == "Date":
        m = _MS_OFFSET.search(e.final.text)
        offset = None
        if m:
            ms = 1.0
            for part in m.group(1).split("*"):
                ms *= float(part.strip().replace("_", ""))
            offset = ms / 1000
        elif re.fullmatch(r"new Date\(\s*\)", e.final.text):
            offset = 0.0
        # jose reads a Date in seconds itself: millisecond arithmetic inside it is fine.
        traits = (e.traits - {"clock-ms"}) | {"clock", "date-object"}
        return replace(e, traits=frozenset(traits), offset=offset, resolved=None)
    return e


def _apply(f: JsFile, parts: Parts, method: str, call: Node) -> None:
    args = args_of(call)
    if method == "setProtectedHeader" and args:
        for h in f.entries(args[0], call.start_byte) or []:
            if h.key == "alg":
                parts.algorithm_expr = f.expr(h.value)
                parts.algorithm = f.string(h.value)
            elif h.key != "...":
                parts.header[h.key] = f.expr(h.value)
    elif method in _TIME_SETTERS:
        parts.managed[_TIME_SETTERS[method]] = _time(f, method, call)
    elif method in _CLAIM_SETTERS and args:
        parts.claims[_CLAIM_SETTERS[method]] = f.expr(args[0])
    elif method == "sign" and args:
        parts.key = args[0]


def read_sign_jwt(f: JsFile, new: Node) -> Parts:
    args = args_of(new)
    parts = Parts(call=new, library="jose", token=new)
    parts.claims = f.claims(args[0], new.start_byte) if args else {}
    calls, top = _chain(f, new)
    parts.token = top
    if not any(method == "sign" for method, _ in calls):
        more, token = _builder_calls(f, top)
        calls += more
        parts.token = token or top
    for method, call in calls:
        _apply(f, parts, method, call)
    return parts


EXPORTS = {"jose": {None: "jose", "SignJWT": "jose.SignJWT"}}
WORDS = ("SignJWT",)


def find(f: JsFile, imports: Imports) -> list[Parts]:
    """``new SignJWT(payload)...sign(key)`` and ``new jose.SignJWT(...)``."""
    return [read_sign_jwt(f, n) for n in f.nodes_writing("new_expression", imports.written("jose.SignJWT", "SignJWT"))
            if calls(f, n, imports, "jose", "SignJWT")]
