"""The routes of JavaScript and TypeScript servers, read the same way by scan and generate.

Two shapes reach a signing call:

- an Express-style registration (Express, Koa and Fastify routers): ``app.get('/path', ...guards,
  handler)`` whose handler (a function, or one wrapper around one such as ``asyncHandler(fn)``)
  holds the call, or names the function of this file that holds it
  (``router.patch('/zendesk/jwt', requireAuth, handler)``);
- a Next.js App Router route module: ``app/<path>/route.ts`` exporting ``GET`` / ``POST``...,
  whose route is its folder (``(group)`` folders and ``@slot`` folders are not part of the URL);
- a route options object (Fastify, Hapi): ``fastify.route({ method: 'GET', url: '/path',
  preHandler, handler })``, ``server.route({ method, path, options, handler })``;
- a Next.js Pages Router API route: ``pages/api/<path>.js`` whose default export (``export
  default function handler(req, res)``) holds the call: any method, the file's path;
- a Cloudflare Worker's ``fetch(request, env)`` branch ``if (url.pathname === '/path')``;
- a NestJS controller's method: ``@Controller('zendesk')`` on the class, ``@Get('jwt')`` on the
  method (the application's global prefix, set in main.ts, is not part of it).

An AWS Lambda handler (``export const handler = async (event) => ...``) has no route in its code
(API Gateway maps one to it): ``lambda_handler`` finds the exported handler, with no route.

``Signer.route`` is ``route(...)`` of the registration found; the express and nextjs wirings
replace exactly the registration or handler these functions return.
"""

from __future__ import annotations

import weakref

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tree_sitter import Node

from migrate.extract.treesitter import Doc, language, matches, string_value, walk
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


def _registered(doc: Doc, call: Node) -> tuple[Node, Node, str, Node] | None:
    """``call`` as ``registrations`` reads it (the shape of routes.scm, then the same checks):
    (call, object, method, path), or None."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return None
    obj, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
    args = call.child_by_field_name("arguments")
    if obj is None or not obj.is_named or prop is None or prop.type != "property_identifier" \
            or args is None or args.type != "arguments":
        return None
    first = args.named_children[:1]  # a comment before the path is the first named child too
    if not first or first[0].type not in ("string", "template_string"):
        return None
    name = doc.text(prop)
    if name in ROUTE_METHODS and len(_args(call)) >= 2 and string_value(doc, first[0]) is not None:
        return call, obj, name, first[0]
    return None


def _around(doc: Doc, at: int) -> list[tuple[Node, Node, str, Node]]:
    """The registrations whose call holds byte ``at`` (the calls around it), in the order of
    ``registrations``."""
    out = []
    n: Node | None = doc.root.descendant_for_byte_range(at, at + 1)
    while n is not None:
        if n.type == "call_expression" and _inside(n, at) and (found := _registered(doc, n)) is not None:
            out.append(found)
        n = n.parent
    out.sort(key=lambda r: r[0].start_byte)  # the file's order; chained calls: the inner first
    return out


def express(doc: Doc, at: int) -> Registration | None:
    """The registration whose handler holds byte ``at``: the outermost one around it, else the
    first one of the file naming the function that holds it."""
    for call, obj, method, path in _around(doc, at):  # only the calls around it can hold it
        handler = _handler_function(_args(call)[-1])
        if handler is not None and _inside(handler, at):
            return _registration(doc, call, obj, method, path, handler)
    named = _named_function(doc, at)
    if named is None:
        return None
    name, fn = named
    for call, obj, method, path in registrations(doc):
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
    found = nextjs(path, doc, at) or pages_api(path, doc, at) or nest(doc, at) or express(doc, at) \
        or options_route(doc, at) or worker(doc, at)
    return found.route if found is not None else None



# --- route options objects (Fastify, Hapi) ---------------------------------------------------------

@dataclass(frozen=True)
class RouteObject:
    call: Node  # fastify.route({...}) / server.route([...])
    object: Node  # fastify / server
    options: Node  # the route's object: { method, url, handler, ... }
    handler: Node  # the function that runs for the route (holds the signing call)
    route: str  # "GET /zendesk/jwt"

    def property(self, doc: Doc, *names: str) -> Node | None:
        """The value of the first of `names` in the route object (or in its options / config object)."""
        return _property(doc, self.options, names)


def _property(doc: Doc, obj: Node, names: tuple[str, ...], nested: bool = True) -> Node | None:
    for name in names:
        for pair in obj.named_children:
            if pair.type == "pair" and _key(doc, pair.child_by_field_name("key")) == name:
                return pair.child_by_field_name("value")
    if nested:
        for inner in ("options", "config"):
            value = _property(doc, obj, (inner,), nested=False)
            if value is not None and _unwrap(value).type == "object":
                found = _property(doc, _unwrap(value), names, nested=False)
                if found is not None:
                    return found
    return None


def _key(doc: Doc, node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "property_identifier":
        return doc.text(node)
    return string_value(doc, node) if node.type == "string" else None


def _methods(doc: Doc, node: Node | None) -> str:
    """'GET' for method: 'GET'; one method of an array of one; '*' otherwise."""
    if node is None:
        return "*"
    node = _unwrap(node)
    if node.type == "array":
        values = [string_value(doc, v) for v in node.named_children]
        return values[0].upper() if len(values) == 1 and values[0] else "*"  # type: ignore[union-attr]
    value = string_value(doc, node) if node.type in ("string", "template_string") else None
    return value.upper() if value and value != "*" else "*"


def options_route(doc: Doc, at: int) -> RouteObject | None:
    """The ``X.route({ method, url | path, handler })`` whose handler holds byte ``at`` (an array of
    route objects too), or whose handler names the function of this file that holds it."""
    named = None
    for call in _route_calls(doc):
        args = _args(call)
        objects = [_unwrap(a) for a in (args[0].named_children if _unwrap(args[0]).type == "array" else args)]
        for obj in objects:
            if obj.type != "object":
                continue
            path = _property(doc, obj, ("url", "path"), nested=False)
            handler = _property(doc, obj, ("handler",))
            if path is None or handler is None or string_value(doc, _unwrap(path)) is None:
                continue
            method = _methods(doc, _property(doc, obj, ("method",), nested=False))
            made = route(method, string_value(doc, _unwrap(path)) or "")
            fn = _handler_function(handler)
            if fn is not None and _inside(fn, at):
                return RouteObject(call, call.child_by_field_name("function").child_by_field_name("object"),
                                   obj, fn, made)
            if named is None:
                named = _named_function(doc, at) or ("", None)
            if named[0] and _handler_name(doc, handler) == named[0]:
                return RouteObject(call, call.child_by_field_name("function").child_by_field_name("object"),
                                   obj, named[1], made)
    return None


_ROUTE_CALLS: weakref.WeakKeyDictionary[Doc, list[Node]] = weakref.WeakKeyDictionary()


def _route_calls(doc: Doc) -> list[Node]:
    """The ``X.route({...})`` / ``X.route([...])`` calls of a file, found once per parse (every
    signer of the file asks)."""
    found = _ROUTE_CALLS.get(doc)
    if found is None:
        found = _ROUTE_CALLS[doc] = _find_route_calls(doc) if b"route" in doc.data else []
    return found


def _find_route_calls(doc: Doc) -> list[Node]:
    out = []
    for n in walk(doc.root):
        if n.type != "call_expression":
            continue
        fn = n.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            continue
        prop = fn.child_by_field_name("property")
        args = _args(n)
        if prop is not None and doc.text(prop) == "route" and len(args) == 1 and \
                _unwrap(args[0]).type in ("object", "array"):
            out.append(n)
    return out


# --- Next.js Pages Router API routes --------------------------------------------------------------

_PAGE_FILES = (".js", ".jsx", ".ts", ".tsx", ".mjs")


@dataclass(frozen=True)
class PagesRoute:
    export: Node  # the `export default ...` statement
    handler: Node  # the function it exports (holds the signing call)
    pages_dir: str  # pages, src/pages
    route: str  # "* /api/zendesk/jwt"


def pages_route(path: str) -> tuple[str, str] | None:
    """(pages folder, URL path) of a Pages Router API route: pages/api/zendesk/jwt.ts ->
    ("pages", "/api/zendesk/jwt"); index files are their folder; None for any other file."""
    parts = path.split("/")
    if "pages" not in parts[:-2] or not parts[-1].endswith(_PAGE_FILES):
        return None
    i = parts.index("pages")
    if parts[i + 1] != "api":
        return None
    stem = parts[-1].rsplit(".", 1)[0]
    segments = parts[i + 1:-1] + ([] if stem == "index" else [stem])
    return "/".join(parts[:i + 1]), "/" + "/".join(segments)


def _default_export(doc: Doc) -> tuple[Node, Node | None, str | None] | None:
    """(statement, exported function or None, the name it exports or None)."""
    for node in doc.root.named_children:
        if node.type != "export_statement" or not any(c.type == "default" for c in node.children):
            continue
        decl = node.child_by_field_name("declaration") or node.child_by_field_name("value")
        if decl is None:
            decl = next((c for c in node.named_children if c.type not in ("comment", "decorator")), None)
        if decl is None:
            return None
        fn = _handler_function(decl)
        if fn is not None:
            return node, fn, None
        return node, None, _handler_name(doc, decl)
    return None


def pages_api(path: str, doc: Doc, at: int) -> PagesRoute | None:
    """The default-exported handler of a Pages Router API route holding byte ``at`` (or the function
    of the file it names: ``export default withSession(handler)``)."""
    where = pages_route(path)
    found = _default_export(doc) if where is not None else None
    if found is None:
        return None
    export, fn, name = found
    if fn is None and name:
        named = _named_function(doc, at)
        fn = named[1] if named is not None and named[0] == name else None
    if fn is None or not _inside(fn, at):
        return None
    return PagesRoute(export, fn, where[0], route("*", where[1]))  # type: ignore[index]


# --- AWS Lambda handlers ------------------------------------------------------------------------

@dataclass(frozen=True)
class LambdaHandler:
    export: Node  # `export const handler = ...` / `exports.handler = ...` statement
    handler: Node  # the function (holds the signing call)
    name: str  # handler
    route: None = None  # API Gateway maps the URL to it, outside the code


def lambda_handler(doc: Doc, at: int) -> LambdaHandler | None:
    """The exported Lambda handler holding byte ``at``: ``export const handler = async (event) =>``,
    ``export async function handler(event)``, ``exports.handler = ...``, ``module.exports.handler``."""
    for node in doc.root.named_children:
        if not _inside(node, at):
            continue
        if node.type == "export_statement":
            decl = node.child_by_field_name("declaration")
            if decl is not None and decl.type == "function_declaration":
                name = decl.child_by_field_name("name")
                return LambdaHandler(node, decl, doc.text(name)) if name is not None else None
            if decl is not None and decl.type in ("lexical_declaration", "variable_declaration"):
                for d in decl.named_children:
                    value = d.child_by_field_name("value")
                    fn = _handler_function(value) if value is not None else None
                    if fn is not None and _inside(fn, at):
                        return LambdaHandler(node, fn, doc.text(d.child_by_field_name("name")))
        if node.type == "expression_statement":
            expr = node.named_children[0] if node.named_children else None
            if expr is None or expr.type != "assignment_expression":
                continue
            left = doc.text(expr.child_by_field_name("left"))
            fn = _handler_function(expr.child_by_field_name("right"))
            if left.startswith(("exports.", "module.exports.")) and fn is not None and _inside(fn, at):
                return LambdaHandler(node, fn, left.rsplit(".", 1)[1])
    return None


# --- Cloudflare Workers --------------------------------------------------------------------------

@dataclass(frozen=True)
class WorkerRoute:
    export: Node  # `export default { ... }`
    fetch: Node  # the fetch(request, env, ctx) method
    branch: Node | None  # the `if (url.pathname === '/path')` holding the call
    route: str | None  # "* /zendesk/jwt" (None: the whole fetch signs)


def worker(doc: Doc, at: int) -> WorkerRoute | None:
    """The Worker's ``fetch`` of ``export default { fetch(request, env) {...} }`` holding byte ``at``,
    and the ``if`` on the URL's pathname around the call, when there is one."""
    found = _default_export(doc)
    if found is None:
        return None
    export = found[0]
    obj = next((c for c in export.named_children if _unwrap(c).type == "object"), None)
    if obj is None:
        return None
    fetch = None
    for member in _unwrap(obj).named_children:
        name = member.child_by_field_name("name") if member.type == "method_definition" else \
            member.child_by_field_name("key") if member.type == "pair" else None
        if name is None or doc.text(name) != "fetch":
            continue
        fn = member if member.type == "method_definition" else _handler_function(member.child_by_field_name("value"))
        if fn is not None and _inside(fn, at):
            fetch = fn
    if fetch is None:
        return None
    n: Node | None = doc.root.descendant_for_byte_range(at, at)
    while n is not None and n != fetch:
        if n.type == "if_statement":
            cond = n.child_by_field_name("condition")
            consequence = n.child_by_field_name("consequence")
            path = _pathname_test(doc, cond) if cond is not None else None
            if path is not None and consequence is not None and _inside(consequence, at):
                return WorkerRoute(export, fetch, n, route(_method_test(doc, cond), path))
        n = n.parent
    return WorkerRoute(export, fetch, None, None)


def _pathname_test(doc: Doc, cond: Node) -> str | None:
    for n in walk(cond):
        if n.type == "binary_expression" and n.child_by_field_name("operator") is not None and \
                doc.text(n.child_by_field_name("operator")) in ("===", "=="):
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            for a, b in ((left, right), (right, left)):
                if a is not None and b is not None and doc.text(a).endswith("pathname") and b.type == "string":
                    return string_value(doc, b)
    return None


def _method_test(doc: Doc, cond: Node) -> str:
    for n in walk(cond):
        if n.type == "binary_expression" and doc.text(n.child_by_field_name("operator")) in ("===", "=="):
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            for a, b in ((left, right), (right, left)):
                if doc.text(a).endswith(".method") and b.type == "string":
                    return string_value(doc, b) or "*"
    return "*"


# --- NestJS controllers ----------------------------------------------------------------------------

# Nest's request-mapping decorators: the method they map (All: any).
NEST_METHODS = {"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE",
                "Head": "HEAD", "Options": "OPTIONS", "All": "*", "Search": "SEARCH"}


@dataclass(frozen=True)
class NestRoute:
    statement: Node  # the class's file-level statement (`export class ...` with its decorators)
    cls: Node  # the class declaration
    name: str  # ZendeskController
    method: Node  # the method_definition (holds the signing call)
    decorators: tuple[Node, ...]  # the method's decorators, in order
    class_decorators: tuple[Node, ...]  # the class's decorators (@Controller among them)
    mapping: Node  # the method's @Get(...) / @Post(...)
    route: str  # "GET /zendesk/jwt"


def decorator_call(doc: Doc, decorator: Node) -> tuple[str, list[Node]] | None:
    """(name, arguments) of `@Name(...)`; (name, []) of a bare `@Name`."""
    inner = next((c for c in decorator.named_children if c.type != "comment"), None)
    if inner is None:
        return None
    if inner.type == "call_expression":
        fn = inner.child_by_field_name("function")
        name = doc.text(fn).rsplit(".", 1)[-1] if fn is not None else ""
        return name, _args(inner)
    return doc.text(inner).rsplit(".", 1)[-1], []


def _nest_path(doc: Doc, args: list[Node]) -> str | None:
    """The path of `@Get('jwt')`, `@Get(['jwt', ...])` (the first), `@Controller({ path: 'x' })`;
    '' when there is none; None when it is not a literal."""
    if not args:
        return ""
    node = _unwrap(args[0])
    if node.type == "object":
        value = _property(doc, node, ("path",), nested=False)
        if value is None:
            return ""
        node = _unwrap(value)
    if node.type == "array":
        node = next((c for c in node.named_children if c.type != "comment"), node)
    return string_value(doc, node) if node.type in ("string", "template_string") else None


def method_decorators(method: Node) -> list[Node]:
    """The decorators written right above a class member (siblings before it in the class body)."""
    out = []
    n = method.prev_named_sibling
    while n is not None and n.type in ("decorator", "comment"):
        if n.type == "decorator":
            out.append(n)
        n = n.prev_named_sibling
    return list(reversed(out))


def nest(doc: Doc, at: int) -> NestRoute | None:
    """The NestJS controller method holding byte ``at``: a method with a request-mapping decorator
    in a class decorated with ``@Controller(...)``."""
    n: Node | None = doc.root.descendant_for_byte_range(at, at)
    method = None
    while n is not None:
        if n.type == "method_definition":
            method = n
        if n.type in ("class_declaration", "class") and method is not None and method.parent is not None \
                and method.parent.parent == n:
            break
        n = n.parent
    if n is None or method is None:
        return None
    cls = n
    statement = cls.parent if cls.parent is not None and cls.parent.type == "export_statement" else cls
    class_decorators = [c for c in statement.children if c.type == "decorator"] + \
        ([c for c in cls.children if c.type == "decorator"] if statement is not cls else [])
    prefix = None
    for d in class_decorators:
        call = decorator_call(doc, d)
        if call is not None and call[0] == "Controller":
            prefix = _nest_path(doc, call[1])
    if prefix is None:
        return None
    decorators = method_decorators(method)
    for d in decorators:
        call = decorator_call(doc, d)
        if call is None or call[0] not in NEST_METHODS:
            continue
        path = _nest_path(doc, call[1])
        if path is None:
            return None
        name = cls.child_by_field_name("name")
        return NestRoute(statement, cls, doc.text(name) if name is not None else "", method, tuple(decorators),
                         tuple(class_decorators), d,
                         route(NEST_METHODS[call[0]], f"/{prefix.strip('/')}/{path.strip('/')}".rstrip("/") or "/"))
    return None
