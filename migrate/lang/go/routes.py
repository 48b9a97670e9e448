"""The routes of Go servers (net/http, chi, gin, gorilla/mux, echo), read the same way by scan
and generate.

A handler function reaches the network through a registration call naming it (or holding it,
for a func literal): ``mux.Handle("/zendesk/jwt", auth.RequireLogin(http.HandlerFunc(zendeskJWT)))``,
``http.HandleFunc("GET /zendesk/jwt", h)`` (Go 1.22 patterns), ``r.Get("/x", h)`` and
``r.Method("GET", "/x", h)`` (chi), ``r.GET("/x", mw, h)`` and ``r.Match([]string{...}, "/x", h)``
(gin), ``r.HandleFunc("/x", h).Methods("GET")`` and ``r.Methods("GET").Path("/x").HandlerFunc(h)``
(gorilla), ``e.GET("/x", h, mw)`` (echo: the handler first, its middleware after).  The path takes
the prefixes of the ``r.Route("/api", ...)`` / ``r.Group("/api")`` around it in the same function,
and of the group its receiver is (``api := r.Group("/api")``, ``s := r.PathPrefix("/api").Subrouter()``,
``r.PathPrefix("/api").Subrouter().HandleFunc(...)``).

A registration may sit in another file than the handler (main.go registering a handler of
another package): scan reads each file's registrations as ``route`` markers ("* /zendesk/jwt<TAB>
refs", a ref being "name", "import/path.Name" or "*.Name"), marks each named handler that signs
as a ``route-handler`` and the inventory joins them (``link``).  Generate's gohttp wiring finds the
registration it replaces with ``registration`` (in the handler's file, then its package).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from tree_sitter import Node

from migrate.extract.treesitter import Doc, string_value, walk
from migrate.model import Marker

FUNCTIONS = ("function_declaration", "func_literal", "method_declaration")
# Registration method -> (HTTP method, or None when an argument says it; index of the path argument).
REGISTER: dict[str, tuple[str | None, int]] = {
    "Handle": ("*", 0), "HandleFunc": ("*", 0),  # net/http, chi, gorilla
    "Get": ("GET", 0), "Post": ("POST", 0), "Put": ("PUT", 0), "Patch": ("PATCH", 0), "Delete": ("DELETE", 0),
    "Method": (None, 1), "MethodFunc": (None, 1),  # chi: r.Method("GET", "/x", h)
    "GET": ("GET", 0), "POST": ("POST", 0), "PUT": ("PUT", 0), "PATCH": ("PATCH", 0), "DELETE": ("DELETE", 0),
    "Any": ("*", 0), "Match": (None, 1),  # gin: r.Match([]string{"GET", "POST"}, "/x", h)
}
GIN = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "Any", "Match"})  # handlers before the last are middleware
# gorilla/mux: a route built by matchers, its handler set last: r.Methods("GET").Path("/x").HandlerFunc(h).
CHAINED = frozenset({"Handler", "HandlerFunc"})
GROUPS = frozenset({"Group", "PathPrefix", "Route"})  # router methods that make a group under a path prefix
_STRINGS = ("interpreted_string_literal", "raw_string_literal")
_PATTERN = re.compile(r"^([A-Z]+)\s+(\S*)$")  # Go 1.22: "GET /zendesk/jwt", "GET example.com/x"


def route(method: str, path: str) -> str:
    """"GET /zendesk/jwt": the method upper-cased ("*" for any), the path with one leading slash."""
    path = "/" + path.strip().lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return f"{method.upper()} {path}"


@dataclass(frozen=True)
class Registration:
    call: Node  # mux.Handle("/zendesk/jwt", ...)
    name: str  # the registration method: Handle, Get, GET...
    path: Node  # the path argument (the string in .Path("/x") of a gorilla chain)
    args: tuple[Node, ...]  # the arguments after the path: middleware and the handler
    route: str  # "* /zendesk/jwt"

    def handler_first(self, doc: Doc) -> bool:
        """echo: ``e.GET(path, handler, middleware...)``: its file imports labstack/echo."""
        return self.name in GIN and b"github.com/labstack/echo" in doc.data


def _text(doc: Doc, node: Node | None) -> str:
    return doc.text(node) if node is not None else ""


def enclosing(doc: Doc, at: int) -> Node | None:
    """The innermost function, method or func literal holding byte ``at``."""
    best = None
    for n in walk(doc.root):
        if n.start_byte > at:
            break
        if n.type in FUNCTIONS and n.start_byte <= at < n.end_byte:
            best = n  # innermost wins: walk is pre-order
    return best


def handler_name(doc: Doc, fn: Node) -> str | None:
    return _text(doc, fn.child_by_field_name("name")) or None if fn.type != "func_literal" else None


def refers(doc: Doc, node: Node, handler: Node | None, name: str | None) -> bool:
    """Whether node holds the handler (a node of this file) or names it (a function of this package)."""
    if handler is not None and node.start_byte <= handler.start_byte and handler.end_byte <= node.end_byte:
        return True
    return name is not None and any(
        (n.type == "identifier" and doc.text(n) == name) or
        (n.type == "selector_expression" and _text(doc, n.child_by_field_name("field")) == name)
        for n in walk(node))


def _parts(doc: Doc, call: Node) -> tuple[str, list[Node], int] | None:
    """(registration method, its arguments, index of the path) of a registration call."""
    if call.type != "call_expression":
        return None
    fn, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if fn is None or fn.type != "selector_expression" or args is None:
        return None
    name = _text(doc, fn.child_by_field_name("field"))
    if name in CHAINED:
        path = _chained(doc, fn.child_by_field_name("operand"), "Path")
        named = [a for a in args.named_children if a.type != "comment"]
        if path is None or len(named) != 1:
            return None
        return name, [path, named[0]], 0
    if name not in REGISTER:
        return None
    named = [a for a in args.named_children if a.type != "comment"]
    index = REGISTER[name][1]
    if len(named) < index + 2 or named[index].type not in _STRINGS:
        return None
    return name, named, index


def _chained(doc: Doc, node: Node | None, method: str) -> Node | None:
    """The first argument of ``.method(...)`` in a chain of calls (``r.Methods("GET").Path("/x")``)."""
    while node is not None and node.type == "call_expression":
        f = node.child_by_field_name("function")
        if f is None or f.type != "selector_expression":
            return None
        if _text(doc, f.child_by_field_name("field")) == method:
            args = node.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            return first if first is not None and (method != "Path" or first.type in _STRINGS) else None
        node = f.child_by_field_name("operand")
    return None


def _methods(doc: Doc, node: Node) -> str:
    """"GET" for "GET" or http.MethodGet, "GET,POST" for []string{"GET", "POST"}, * for anything else."""
    values = [string_value(doc, n) if n.type in _STRINGS else doc.text(n)[len("http.Method"):]
              for n in walk(node) if n.type in _STRINGS or
              (n.type == "selector_expression" and doc.text(n).startswith("http.Method"))]  # http.MethodGet
    values = [v.upper() for v in values if v]
    return ",".join(values) or "*"


def _assigned_prefix(doc: Doc, call: Node, receiver: Node, depth: int = 0) -> str:
    """The prefix of a route group kept in a variable of the same function:
    ``api := r.Group("/api")``, ``s := r.PathPrefix("/api").Subrouter()``."""
    if receiver.type != "identifier" or depth > 3:
        return ""
    fn = call.parent
    while fn is not None and fn.type not in FUNCTIONS:
        fn = fn.parent
    name = doc.text(receiver)
    best = ""
    for n in walk(fn) if fn is not None else ():
        if n.start_byte >= call.start_byte:
            break
        if n.type not in ("short_var_declaration", "assignment_statement"):
            continue
        left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
        if left is None or right is None or _text(doc, left) != name:
            continue
        value = right.named_children[0] if right.named_children else right
        while value.type == "call_expression":  # r.PathPrefix("/api").Subrouter()
            f = value.child_by_field_name("function")
            if f is None or f.type != "selector_expression":
                break
            field = _text(doc, f.child_by_field_name("field"))
            args = value.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if field in GROUPS and first is not None and first.type in _STRINGS:
                best = _assigned_prefix(doc, n, f.child_by_field_name("operand"), depth + 1) + \
                    "/" + (string_value(doc, first) or "").strip("/")
                break
            value = f.child_by_field_name("operand")
    return best


def _prefix(doc: Doc, call: Node) -> str:
    """The prefixes of the ``r.Route("/api", func...)`` / ``r.Group("/api", ...)`` calls around a
    registration, and of the group its receiver is."""
    prefix = ""
    node = call.parent
    while node is not None:
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if fn is not None and fn.type == "selector_expression" and first is not None and \
                    _text(doc, fn.child_by_field_name("field")) in ("Route", "Group") and first.type in _STRINGS:
                prefix = "/" + (string_value(doc, first) or "").strip("/") + prefix
        node = node.parent
    receiver = call.child_by_field_name("function").child_by_field_name("operand")
    inline = ""
    while receiver is not None and receiver.type == "call_expression":  # chi r.With(mw).Get, gorilla chains
        f = receiver.child_by_field_name("function")
        if f is None or f.type != "selector_expression":
            receiver = None
            break
        args = receiver.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if _text(doc, f.child_by_field_name("field")) in GROUPS and first is not None and first.type in _STRINGS:
            inline = "/" + (string_value(doc, first) or "").strip("/") + inline
        receiver = f.child_by_field_name("operand")
    return (_assigned_prefix(doc, call, receiver) if receiver is not None else "") + inline + prefix


def _registered(doc: Doc, call: Node, name: str, named: list[Node], index: int) -> Registration:
    path = string_value(doc, named[index]) or ""
    method = "*" if name in CHAINED else REGISTER[name][0] or _methods(doc, named[0])
    pattern = _PATTERN.match(path)
    if pattern and method == "*":
        method, path = pattern.group(1), pattern.group(2)
        path = path[path.index("/"):] if "/" in path else "/"
    matcher = _chained(doc, call.child_by_field_name("function").child_by_field_name("operand"), "Methods") \
        if name in CHAINED else None
    if matcher is not None:  # gorilla: r.Methods("GET").Path("/x").HandlerFunc(h)
        method = _methods(doc, matcher.parent)
    chained = call.parent  # gorilla: r.HandleFunc("/x", h).Methods("GET")
    if chained is not None and chained.type == "selector_expression" and \
            _text(doc, chained.child_by_field_name("field")) == "Methods" and chained.parent is not None:
        args = chained.parent.child_by_field_name("arguments")
        if args is not None:
            method = _methods(doc, args)
    return Registration(call, name, named[index], tuple(named[index + 1:]),
                        route(method, _prefix(doc, call) + "/" + path.lstrip("/")))


def registrations(doc: Doc) -> list[Registration]:
    """Every registration call of the file, in source order."""
    out = []
    for n in walk(doc.root):
        parts = _parts(doc, n)
        if parts is not None:
            out.append(_registered(doc, n, *parts))
    return out


def registration(doc: Doc, handler: Node | None, name: str | None) -> Registration | None:
    """The registration of the handler: the one holding it (a func literal, or a node of this
    file), else the first naming it (a function of this package)."""
    for n in walk(doc.root):
        if handler is not None and n.start_byte <= handler.start_byte and handler.end_byte <= n.end_byte \
                and handler.type != "func_literal":
            continue
        parts = _parts(doc, n)
        if parts is None:
            continue
        reg_name, named, index = parts
        if any(refers(doc, a, handler, name) for a in named[index + 1:]):
            return _registered(doc, n, reg_name, named, index)
    return None


def of(doc: Doc, at: int) -> str | None:
    """The route of the handler holding byte ``at`` when this file registers it."""
    handler = enclosing(doc, at)
    if handler is None:
        return None
    found = registration(doc, handler, handler_name(doc, handler))
    return found.route if found is not None else None


# --- scan: the markers and the join --------------------------------------------------------------

def _imports(doc: Doc) -> dict[str, str]:
    """Local package name -> import path."""
    out = {}
    for spec in walk(doc.root):
        if spec.type == "import_spec":
            path = string_value(doc, spec.child_by_field_name("path")) or ""
            alias = _text(doc, spec.child_by_field_name("name"))
            last = path.rsplit("/", 1)[-1]
            if re.fullmatch(r"v\d+", last) and "/" in path:
                last = path.rsplit("/", 2)[-2]
            out[alias or last] = path
    return out


def _refs(doc: Doc, args: tuple[Node, ...], imports: dict[str, str]) -> list[str]:
    refs = []
    for a in args:
        for n in walk(a):
            if n.type == "selector_expression":
                operand = n.child_by_field_name("operand")
                field = _text(doc, n.child_by_field_name("field"))
                package = imports.get(_text(doc, operand)) if operand is not None and operand.type == "identifier" else None
                refs.append(f"{package}.{field}" if package else f"*.{field}")
            elif n.type == "identifier" and not (n.parent is not None and n.parent.type == "selector_expression"):
                refs.append(doc.text(n))
    return list(dict.fromkeys(refs))


def route_markers(doc: Doc) -> list[Marker]:
    """The file's registrations of named handlers as ``route`` markers: "route<TAB>ref ref..."."""
    imports = None
    out = []
    for r in registrations(doc):
        if any(a.type == "func_literal" for a in r.args):
            continue
        imports = _imports(doc) if imports is None else imports
        refs = _refs(doc, r.args, imports)
        if refs:
            out.append(Marker("route", r.call.start_point[0] + 1, r.call.start_point[1] + 1,
                              f"{r.route}\t{' '.join(refs)}"))
    return out


def link(handlers: list[tuple[str, Marker]], routes: list[tuple[str, Marker]]) -> dict[tuple[str, int, int], str]:
    """The route of each marked handler (a function named in a registration of its package, or of
    another package importing it): (path, line, column) of its signer -> route."""
    out = {}
    for path, m in handlers:
        here, name = posixpath.dirname(path), m.text
        best: tuple[int, str, int, str] | None = None
        for rpath, rm in routes:
            if rm.kind != "route" or "\t" not in rm.text:
                continue
            r, refs = rm.text.split("\t", 1)
            there = posixpath.dirname(rpath)
            for ref in refs.split(" "):
                package, _, field = ref.rpartition(".")
                if there == here and ref == name:
                    rank = 0
                elif field == name and package and package != "*" and here and \
                        (package == here or package.endswith("/" + here)):
                    rank = 1
                elif field == name and package == "*":
                    rank = 2
                else:
                    continue
                candidate = (rank, rpath, rm.line, r)
                if best is None or candidate < best:
                    best = candidate
        if best is not None:
            out[(path, m.line, m.column)] = best[3]
    return out
