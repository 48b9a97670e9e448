"""The routes of JavaScript and TypeScript servers, read the same way by scan and generate.

Two shapes reach a signing call:

- an Express-style registration (Express, Koa and Fastify routers): ``app.get('/path', ...guards,
  handler)`` whose handler (a function, or one wrapper around one such as ``asyncHandler(fn)``)
  holds the call, or names the function of this file that holds it
  (``router.patch('/zendesk/jwt', requireAuth, handler)``);
- a Next.js App Router route module: ``app/<path>/route.ts`` exporting ``GET`` / ``POST``...,
  whose route is its folder (``(group)`` folders and ``@slot`` folders are not part of the URL).

``Signer.route`` is ``route(...)`` of the registration found; the express and nextjs wirings
replace exactly the registration or handler these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tree_sitter import Node

from migrate.extract.treesitter import Doc, language, matches, string_value
from migrate.lang.javascript import ROUTE_METHODS

# Router methods that name one HTTP method; the others (all, use, route, handle) take any.
VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
FUNCTIONS = frozenset({"arrow_function", "function_expression", "function", "function_declaration",
                       "generator_function", "generator_function_declaration"})
_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression"})
_ROUTE_FILES = ("route.js", "route.ts", "route.mjs", "route.jsx", "route.tsx")


@cache
def _query() -> str:
    return (Path(__file__).with_name("routes.scm")).read_text(encoding="utf-8")


def route(method: str, path: str) -> str:
    """"GET /zendesk/jwt": the method upper-cased ("*" for any), the path with one leading slash."""
    path = "/" + path.strip().lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return f"{method.upper()} {path}"


def method_of(name: str) -> str:
    """The HTTP method a router method registers: app.patch -> PATCH, app.all / app.use -> *."""
    return name.upper() if name in VERBS else "*"


# --- Express-style registrations -------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    call: Node  # app.get('/path', ...)
    object: Node  # app / router
    method: str  # the router method as written: get, patch, use...
    path: Node  # the path argument
    guards: tuple[Node, ...]  # the arguments between the path and the handler
    handler: Node  # the function that runs for the route (holds the signing call)
    route: str  # "PATCH /zendesk/jwt"


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS and node.named_children:
        node = node.named_children[0]
    return node


def _args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "comment"] if args is not None else []


def _inside(node: Node, at: int) -> bool:
    return node.start_byte <= at < node.end_byte


def _handler_function(node: Node) -> Node | None:
    """The function a handler argument is: itself, or the one function inside one wrapper call
    (``asyncHandler(async (req, res) => ...)``)."""
    node = _unwrap(node)
    if node.type in FUNCTIONS:
        return node
    if node.type == "call_expression":
        inner = [_unwrap(a) for a in _args(node)]
        if len(inner) == 1 and inner[0].type in FUNCTIONS:
            return inner[0]
    return None


def _handler_name(doc: Doc, node: Node) -> str | None:
    """The name a handler argument refers to: ``handler`` or ``asyncHandler(handler)``."""
    node = _unwrap(node)
    if node.type == "call_expression":
        inner = [_unwrap(a) for a in _args(node)]
        node = inner[0] if len(inner) == 1 else node
    return doc.text(node) if node.type == "identifier" else None


def _grammar(doc: Doc) -> str:
    return next((g for g in ("typescript", "tsx") if doc.tree.language == language(g)), "javascript")


_LAST: list = [None, None]  # the document last read, and its registrations (a bundle has many signers)


def registrations(doc: Doc) -> list[tuple[Node, Node, str, Node]]:
    """Every ``obj.method('/path', ...)`` call of the file with a router method and at least a
    handler after the path: (call, object, method, path), in source order."""
    if _LAST[0] is doc:
        return _LAST[1]
    out = []
    for _, caps in matches(_grammar(doc), _query(), doc.root):
        call, obj, method, path = caps["call"][0], caps["object"][0], caps["method"][0], caps["path"][0]
        name = doc.text(method)
        if name in ROUTE_METHODS and len(_args(call)) >= 2 and string_value(doc, path) is not None:
            out.append((call, obj, name, path))
    out.sort(key=lambda r: r[0].start_byte)
    _LAST[:] = [doc, out]
    return out


def _registration(doc: Doc, call: Node, obj: Node, method: str, path: Node, handler: Node) -> Registration:
    args = _args(call)
    return Registration(call, obj, method, path, tuple(args[1:-1]), handler,
                        route(method_of(method), string_value(doc, path) or ""))


def _named_function(doc: Doc, at: int) -> tuple[str, Node] | None:
    """The innermost named function holding ``at``: ``function handler(req, res) {...}``,
    ``const handler = async (req, res) => {...}`` or ``const handler = wrap(async (req, res) => ...)``."""
    n: Node | None = doc.root.descendant_for_byte_range(at, at)
    while n is not None:
        if n.type in FUNCTIONS:
            name = n.child_by_field_name("name")
            holder = n.parent
            if holder is not None and holder.type == "arguments" and holder.parent is not None:
                holder = holder.parent.parent
            if name is None and holder is not None and holder.type == "variable_declarator":
                name = holder.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                return doc.text(name), n
        n = n.parent
    return None


def express(doc: Doc, at: int) -> Registration | None:
    """The registration whose handler holds byte ``at``: the outermost one around it, else the
    first one of the file naming the function that holds it."""
    regs = registrations(doc)
    for call, obj, method, path in regs:  # source order: the outermost comes first
        if not _inside(call, at):
            continue
        handler = _handler_function(_args(call)[-1])
        if handler is not None and _inside(handler, at):
            return _registration(doc, call, obj, method, path, handler)
    named = _named_function(doc, at)
    if named is None:
        return None
    name, fn = named
    for call, obj, method, path in regs:
        if _handler_name(doc, _args(call)[-1]) == name:
            return _registration(doc, call, obj, method, path, fn)
    return None


# --- Next.js App Router --------------------------------------------------------------------------

@dataclass(frozen=True)
class NextRoute:
    export: Node  # the `export ... GET` statement
    handler: Node  # the exported function
    method: str  # GET, POST...
    app_dir: str  # the app folder: app, src/app
    route: str  # "GET /api/zendesk/jwt"


def app_route(path: str) -> tuple[str, str] | None:
    """(app folder, URL path) of an App Router route module: app/api/zendesk/jwt/route.ts ->
    ("app", "/api/zendesk/jwt"); None for any other file."""
    parts = path.split("/")
    if "app" not in parts[:-1] or parts[-1] not in _ROUTE_FILES:
        return None
    i = parts.index("app")
    segments = [p for p in parts[i + 1:-1] if not (p.startswith("(") and p.endswith(")")) and not p.startswith("@")]
    return "/".join(parts[:i + 1]), "/" + "/".join(segments)


def _exported_handler(doc: Doc, at: int) -> tuple[Node, Node, str] | None:
    for node in doc.root.named_children:
        if node.type != "export_statement" or not _inside(node, at):
            continue
        decl = node.child_by_field_name("declaration")
        if decl is None:
            return None
        if decl.type == "function_declaration":
            name = decl.child_by_field_name("name")
            if name is not None and doc.text(name) in HTTP_METHODS:
                return node, decl, doc.text(name)
        if decl.type in ("lexical_declaration", "variable_declaration"):
            for d in decl.named_children:
                name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
                if name is not None and doc.text(name) in HTTP_METHODS and value is not None and \
                        _unwrap(value).type in FUNCTIONS and _inside(value, at):
                    return node, _unwrap(value), doc.text(name)
    return None


def nextjs(path: str, doc: Doc, at: int) -> NextRoute | None:
    """The exported route handler (``export async function GET``) of an App Router route module
    holding byte ``at``."""
    where = app_route(path)
    found = _exported_handler(doc, at) if where is not None else None
    if found is None:
        return None
    export, handler, method = found
    return NextRoute(export, handler, method, where[0], route(method, where[1]))  # type: ignore[index]


def of(path: str, doc: Doc, at: int) -> str | None:
    """The route that reaches the signing call at byte ``at`` (what ``Signer.route`` holds)."""
    found = nextjs(path, doc, at) or express(doc, at)
    return found.route if found is not None else None

