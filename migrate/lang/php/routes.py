"""The routes of PHP web apps, read the same way by scan and generate.

- Laravel: ``Route::get('/zendesk/jwt', [ZendeskController::class, 'token'])`` (or
  ``'ZendeskController@token'``, or a closure) in ``routes/*.php``, under the prefixes of the
  groups around it (``Route::prefix('api')->group(...)``, ``Route::group(['prefix' => 'api'],
  ...)``) and routes/api.php's own ``/api``.  ``Route::match(['get', 'post'], ...)`` takes the
  methods it lists, ``Route::any`` any method.
- Symfony: the controller method's ``#[Route('/zendesk/jwt', methods: ['GET'])]`` attribute or
  ``@Route("/zendesk/jwt", methods={"GET"})`` annotation, under its class's own ``#[Route('/prefix')]``
  / ``@Route("/prefix")``; no ``methods`` is any method.
- Plain PHP: the script is the route, its path under the web root (public/, public_html/,
  htdocs/, www/, web/): public/zendesk-jwt.php answers ``* /zendesk-jwt.php``.

routes/*.php are other files than the controllers, so scan reads their registrations as
``route`` markers ("GET /zendesk/jwt<TAB>ZendeskController@token"), marks the controller method
that signs as a ``route-handler`` ("ZendeskController@token") and the inventory joins them
(``link``); generate's laravel wiring reads the same registrations with ``registrations`` and
``find``, and the php wiring the same ``script_route``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from tree_sitter import Node

from migrate.extract.treesitter import Doc, string_value
from migrate.model import Marker

VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "options": "OPTIONS",
         "any": "*", "match": "*"}
WEB_ROOTS = frozenset({"public", "public_html", "htdocs", "www", "web", "httpdocs", "wwwroot"})
_FUNCTIONS = ("anonymous_function", "arrow_function")
_TOP_LEVEL_DEFINITIONS = ("function_definition", "class_declaration", "namespace_definition")


def route(method: str, path: str) -> str:
    """"GET /zendesk/jwt": the method upper-cased ("*" for any), the path with one leading slash."""
    path = "/" + path.strip().lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return f"{method.upper()} {path}"


# --- plain PHP ------------------------------------------------------------------------------------

def script_route(path: str) -> str:
    """Any method to the script's own URL: its path under the innermost web-root folder."""
    parts = path.split("/")
    roots = [i for i, p in enumerate(parts[:-1]) if p in WEB_ROOTS]
    return route("*", "/".join(parts[roots[-1] + 1:] if roots else parts))


def top_level(doc: Doc, at: int) -> Node | None:
    """The top-level statement holding byte ``at`` when it is script code (not a function, class
    or namespace block): what a plain PHP script runs for its URL."""
    top = doc.root.named_children
    node = next((n for n in top if n.start_byte <= at < n.end_byte), None)
    return None if node is None or node.type in _TOP_LEVEL_DEFINITIONS else node


# --- Laravel ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    statement: Node | None  # the `Route::get(...)->name(...);` statement (None when read from a marker)
    key: str | None  # "ZendeskController@token" (None for a closure)
    closure: Node | None  # the route's closure
    route: str  # "GET /zendesk/jwt"


def laravel_root(path: str) -> str:
    """The Laravel app's folder ("" at the tree's root) of a file under app/ or routes/."""
    parts = path.split("/")[:-1]
    for marker in ("app", "routes"):
        if marker in parts:
            return "/".join(parts[:len(parts) - 1 - parts[::-1].index(marker)])
    return ""


def routes_dir(path: str) -> str:
    return posixpath.join(laravel_root(path), "routes")


def is_routes_file(path: str) -> bool:
    return path.endswith(".php") and posixpath.basename(posixpath.dirname(path)) == "routes"


def _name(doc: Doc, node: Node | None) -> str:
    return doc.text(node) if node is not None else ""


def _args(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    return [a.named_children[-1] for a in (args.named_children if args is not None else [])
            if a.type == "argument" and a.named_children]


def _chain(doc: Doc, call: Node) -> tuple[bool, list[tuple[str, Node]]]:
    """Whether a call chain starts at the Route facade, and its calls (method name, call) from the
    facade out."""
    calls = []
    node: Node | None = call
    while node is not None:
        if node.type == "scoped_call_expression":
            calls.append((_name(doc, node.child_by_field_name("name")), node))
            scope = node.child_by_field_name("scope")
            return _name(doc, scope).lstrip("\\").rsplit("\\", 1)[-1] == "Route", calls[::-1]
        if node.type != "member_call_expression":
            return False, []
        calls.append((_name(doc, node.child_by_field_name("name")), node))
        node = node.child_by_field_name("object")
    return False, []


def _string(doc: Doc, node: Node | None) -> str | None:
    return string_value(doc, node) if node is not None and node.type in ("string", "encapsed_string") else None


def _array(doc: Doc, node: Node | None) -> list[Node]:
    if node is None or node.type != "array_creation_expression":
        return []
    return [e for e in node.named_children if e.type == "array_element_initializer"]


def _group_prefix(doc: Doc, call: Node) -> str | None:
    """The prefix a `->group(...)` / `Route::group([...], ...)` call gives the routes in it."""
    from_facade, calls = _chain(doc, call)
    if not from_facade:
        return None
    prefix = ""
    for name, c in calls:
        args = _args(c)
        if name == "prefix" and args:
            prefix += "/" + (_string(doc, args[0]) or "").strip("/")
        elif name == "group" and args and args[0].type == "array_creation_expression":
            for e in _array(doc, args[0]):
                kids = e.named_children
                if len(kids) == 2 and _string(doc, kids[0]) == "prefix":
                    prefix += "/" + (_string(doc, kids[1]) or "").strip("/")
    return prefix


def _prefix(doc: Doc, call: Node, path: str) -> str:
    """The prefixes of the groups around a registration, outermost first (routes/api.php: /api)."""
    prefix = ""
    node = call.parent
    while node is not None:
        if node.type in _FUNCTIONS and node.parent is not None and node.parent.type == "argument":
            group = node.parent.parent.parent if node.parent.parent is not None else None
            if group is not None and group.type in ("member_call_expression", "scoped_call_expression") and \
                    _name(doc, group.child_by_field_name("name")) == "group":
                prefix = (_group_prefix(doc, group) or "") + prefix
        node = node.parent
    if posixpath.basename(path) == "api.php" and is_routes_file(path):
        prefix = "/api" + prefix
    return prefix


def _action(doc: Doc, node: Node) -> tuple[str | None, Node | None]:
    """(Class@method, closure) of a route's action argument."""
    if node.type in _FUNCTIONS:
        return None, node
    if node.type == "array_creation_expression":
        items = [e.named_children[0] for e in _array(doc, node) if e.named_children]
        if len(items) == 2 and items[0].type == "class_constant_access_expression":
            cls = _name(doc, items[0].named_children[0]) if items[0].named_children else ""
            method = _string(doc, items[1])
            if cls and method:
                return f"{cls.lstrip(chr(92)).rsplit(chr(92), 1)[-1]}@{method}", None
        return None, None
    if node.type == "class_constant_access_expression" and node.named_children:  # invokable controller
        return f"{_name(doc, node.named_children[0]).rsplit(chr(92), 1)[-1]}@__invoke", None
    text = _string(doc, node)
    if text and "@" in text:
        cls, _, method = text.partition("@")
        return f"{cls.rsplit(chr(92), 1)[-1]}@{method}", None
    return None, None


def _statement(call: Node) -> Node:
    node = call
    while node.parent is not None and node.type != "expression_statement":
        node = node.parent
    return node


def registrations(path: str, doc: Doc) -> list[Registration]:
    """The routes a routes/*.php file registers, in source order."""
    out = []
    stack = [doc.root]
    while stack:
        n = stack.pop()
        stack.extend(reversed(n.named_children))
        if n.type not in ("scoped_call_expression", "member_call_expression"):
            continue
        verb = _name(doc, n.child_by_field_name("name")).lower()
        if verb not in VERBS:
            continue
        from_facade, calls = _chain(doc, n)
        if not from_facade:
            continue
        args = _args(n)
        methods = "*"
        if verb == "match":
            listed = [_string(doc, e.named_children[0]) for e in _array(doc, args[0])] if args else []
            methods = ",".join(m.upper() for m in listed if m) or "*"
            args = args[1:]
        else:
            methods = VERBS[verb]
        url = _string(doc, args[0]) if len(args) >= 2 else None
        if url is None:
            continue
        own = "".join("/" + (_string(doc, _args(c)[0]) or "").strip("/")
                      for name, c in calls[:-1] if name == "prefix" and _args(c))
        key, closure = _action(doc, args[1])
        out.append(Registration(_statement(n), key, closure, route(methods, _prefix(doc, n, path) + own + "/" + url)))
    return out


def find(regs: list[Registration], key: str) -> Registration | None:
    """The first registration routing to ``key`` (Class@method)."""
    return next((r for r in regs if r.key == key), None)


def closure_route(path: str, doc: Doc, at: int) -> Registration | None:
    """The registration written around byte ``at``: the innermost Laravel route closure holding it
    (in a routes file), or the Symfony route attribute / annotation of the controller method holding
    it."""
    best = None
    for r in registrations(path, doc):
        c = r.closure
        if c is not None and c.start_byte <= at < c.end_byte and (best is None or best.closure.start_byte <= c.start_byte):
            best = r
    return best if best is not None else symfony_route(doc, at)


# --- Symfony ----------------------------------------------------------------------------------------

_SYMFONY_ROUTE = re.compile(r"Symfony\\Component\\Routing\\(?:Annotation|Attribute)\\Route\b")
_ANNOTATION = re.compile(r"@Route\(\s*(?:path\s*=\s*)?\"([^\"]*)\"([^)]*)\)")


def _docblock(doc: Doc, node: Node) -> str:
    prev = node.prev_named_sibling
    return doc.text(prev) if prev is not None and prev.type == "comment" and doc.text(prev).startswith("/**") else ""


def _attribute_route(doc: Doc, node: Node) -> tuple[str, str] | None:
    """(path, methods) of a declaration's ``#[Route(...)]`` attribute, or of its ``@Route(...)``
    annotation."""
    for lst in (c for c in node.named_children if c.type == "attribute_list"):
        for attr in (a for g in lst.named_children for a in g.named_children if a.type == "attribute"):
            name = attr.named_children[0] if attr.named_children else None
            if name is None or doc.text(name).rsplit("\\", 1)[-1] != "Route":
                continue
            args = next((c for c in attr.named_children if c.type == "arguments"), None)
            path, methods = None, "*"
            for arg in args.named_children if args is not None else []:
                kids = arg.named_children
                key = doc.text(kids[0]) if len(kids) == 2 and kids[0].type == "name" else None
                value = kids[-1] if kids else None
                if key in (None, "path") and path is None and value is not None and value.type == "string":
                    path = _string(doc, value)
                elif key == "methods" and value is not None:
                    listed = [_string(doc, e.named_children[0]) for e in _array(doc, value) if e.named_children] \
                        if value.type == "array_creation_expression" else [_string(doc, value)]
                    methods = ",".join(m.upper() for m in listed if m) or "*"
            if path is not None:
                return path, methods
    found = _ANNOTATION.search(_docblock(doc, node))
    if found is None:
        return None
    listed = re.search(r"methods\s*=\s*\{([^}]*)\}|methods\s*=\s*\"(\w+)\"", found.group(2))
    methods = ",".join(re.findall(r"\w+", (listed.group(1) or listed.group(2)).upper())) if listed else "*"
    return found.group(1), methods or "*"


def symfony_method(doc: Doc, at: int) -> tuple[Node, Node] | None:
    """(class, method) of the Symfony controller method holding byte ``at`` that carries a route."""
    method = cls = None
    n = doc.root.descendant_for_byte_range(at, at)
    while n is not None:
        if n.type == "method_declaration":
            method = n
        if n.type == "class_declaration" and cls is None:
            cls = n
        n = n.parent
    if method is None or cls is None or _attribute_route(doc, method) is None:
        return None
    return cls, method


def symfony_route(doc: Doc, at: int) -> Registration | None:
    """The route of the Symfony controller method holding byte ``at`` (in a file that imports
    Symfony's Route), with its class's prefix."""
    if not _SYMFONY_ROUTE.search(doc.data.decode("utf-8", "surrogateescape")):
        return None
    found = symfony_method(doc, at)
    if found is None:
        return None
    cls, method = found
    path, methods = _attribute_route(doc, method)  # type: ignore[misc]
    prefix = _attribute_route(doc, cls)
    return Registration(method, None, method, route(methods, (prefix[0] if prefix else "") + "/" + path))


def handler_key(doc: Doc, node: Node) -> str | None:
    """"ZendeskController@token": the class (the innermost) and method (the outermost) holding
    ``node``, as the laravel wiring reads the action."""
    method = cls = None
    n = node.parent
    while n is not None:
        if n.type == "method_declaration":
            method = n
        if n.type == "class_declaration" and cls is None:
            cls = n
        n = n.parent
    if method is None or cls is None:
        return None
    return f"{_name(doc, cls.child_by_field_name('name'))}@{_name(doc, method.child_by_field_name('name'))}"


# --- scan: the markers and the join --------------------------------------------------------------

def route_markers(path: str, doc: Doc) -> list[Marker]:
    """A routes file's controller routes as ``route`` markers: "GET /x<TAB>Controller@method"."""
    return [Marker("route", r.statement.start_point[0] + 1, r.statement.start_point[1] + 1, f"{r.route}\t{r.key}")
            for r in registrations(path, doc) if r.key and r.statement is not None]


def link(handlers: list[tuple[str, Marker]], routes: list[tuple[str, Marker]]) -> dict[tuple[str, int, int], str]:
    """The route of each marked controller method: (path, line, column) of its signer -> route."""
    out = {}
    for path, m in handlers:
        here = routes_dir(path)
        regs = [Registration(None, key, None, r) for p, rm in sorted(routes, key=lambda x: (x[0], x[1].line))
                if rm.kind == "route" and posixpath.dirname(p) == here and "\t" in rm.text
                for r, key in [rm.text.split("\t", 1)]]
        found = find(regs, m.text)
        if found is not None:
            out[(path, m.line, m.column)] = found.route
    return out
