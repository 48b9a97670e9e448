"""The routes of Python web apps, read the same way by scan and generate.

- Flask and FastAPI: the view's own decorator (``@app.route("/x", methods=["POST"])``,
  ``@bp.post("/x")``, ``@router.get("/x")``), after the prefix the app, blueprint or router was
  made with in the same module (``Blueprint(..., url_prefix="/api")``, ``APIRouter(prefix=...)``).
- Django: the URL patterns of the site's ``urls.py`` modules (``path("zendesk/jwt",
  views.zendesk_jwt)``), under the prefixes other ``urls.py`` include them with
  (``path("api/", include("shop.urls"))``); the method is the view's ``require_GET`` /
  ``require_http_methods([...])`` decorator, any method without one.

Scan reads views with tree-sitter, generate's wirings with libcst (imported only when they call
in): both readings end in the same functions (``_route_of``, ``_django_method``,
``_class_view_method``), so scan and generate cannot disagree on a route.

Django's patterns live in other files than the view, so scan reads them as ``route`` and
``route-include`` markers (``url_markers``), marks each view that signs as a ``route-handler``
(``handler_marker``), and the inventory joins the two (``link``); generate's django wiring reads
the same patterns straight from the files with ``url_patterns`` and ``resolve``.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migrate.extract.treesitter import Doc
from migrate.extract.values import Node, child, find
from migrate.lang.python.dialect import arguments, decorators, is_fstring, simple_string, strings
from migrate.lang.python.imports import dotted as _ts_dotted
from migrate.model import Marker

if TYPE_CHECKING:
    import libcst as cst

# The decorators that register a route, per framework (the wirings' own sets).
FLASK = frozenset({"route", "get", "post", "put", "patch", "delete"})
FASTAPI = frozenset({"get", "post", "put", "patch", "delete", "api_route"})
DECORATORS = {"flask": FLASK, "fastapi": FASTAPI, "django": frozenset()}
# The keyword a route object's constructor takes its prefix with.
PREFIX_KEYWORDS = {"flask": ("url_prefix",), "fastapi": ("prefix",), None: ("url_prefix", "prefix")}
_ANY_METHOD = frozenset({"route", "api_route"})
_URL_FUNCTIONS = frozenset({"path", "re_path", "url"})
# Django's method decorators (django.views.decorators.http).
_DJANGO_METHODS = {"require_GET": "GET", "require_POST": "POST", "require_safe": "GET,HEAD"}
_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})


def route(method: str, path: str) -> str:
    """"GET /zendesk/jwt": the method upper-cased ("*" for any), the path with one leading slash."""
    path = "/" + path.strip().lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return f"{method.upper()} {path}"


def _route_of(verb: str, path: str | None, methods: list[str] | None, framework: str | None,
              prefix_of: Callable[[tuple[str, ...]], str | None]) -> str | None:
    """"POST /api/zendesk/jwt" for ``@bp.route("/zendesk/jwt", methods=["POST"])`` on a
    blueprint made with ``url_prefix="/api"`` (``prefix_of(keywords)`` reads that prefix)."""
    if path is None:
        return None
    method = verb.upper()
    if verb in _ANY_METHOD:
        method = ",".join(m.upper() for m in methods) if methods else "GET"
    prefix = prefix_of(PREFIX_KEYWORDS.get(framework, PREFIX_KEYWORDS[None])) or ""
    return route(method, prefix.rstrip("/") + "/" + path.lstrip("/"))


def _django_method(read: Iterable[tuple[str, bool, list[str] | None]]) -> str:
    """The method a Django view answers, from its decorators, each read as (dotted name, whether
    it is a call, the strings its first argument lists)."""
    for name, call, listed in read:
        last = name.rsplit(".", 1)[-1]
        if last in _DJANGO_METHODS and not call:
            return _DJANGO_METHODS[last]
        if last == "require_http_methods" and call and listed:
            return ",".join(m.upper() for m in listed)
    return "*"


def _class_view_method(name: str) -> str:
    return name.upper() if name.lower() in _HTTP_METHODS else "*"


# --- generate: libcst trees ------------------------------------------------------------------------

def _string(node: cst.CSTNode | None) -> str | None:
    import libcst as cst

    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except (SyntaxError, ValueError):
            return None
        return value if isinstance(value, str) else None
    return None


def _strings(node: cst.CSTNode | None) -> list[str] | None:
    """["GET", "POST"] for a list, tuple or set of string literals."""
    import libcst as cst

    if not isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return None
    out = [_string(e.value) for e in node.elements]
    return [s for s in out if s is not None] if all(s is not None for s in out) else None


def _dotted(node: cst.CSTNode) -> str | None:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


@dataclass(frozen=True)
class Decorated:
    """A view's route decorator, and the route it registers."""

    decorator: Any  # the libcst Decorator
    object: str  # the code of `app` / `bp` / `router`
    path: str | None  # as written in the decorator
    route: str | None  # "GET /zendesk/jwt", with the object's constructor prefix


def decorated(fn: cst.FunctionDef, module: cst.Module, framework: str | None,
              names: frozenset[str] | None = None) -> Decorated | None:
    """The first decorator of ``fn`` that registers it as a route (``names``: the framework's)."""
    import libcst as cst

    names = DECORATORS.get(framework or "", FLASK | FASTAPI) if names is None else names
    for d in fn.decorators:
        dec = d.decorator
        if not (isinstance(dec, cst.Call) and isinstance(dec.func, cst.Attribute) and dec.func.attr.value in names):
            continue
        obj = module.code_for_node(dec.func.value)
        path = next((_string(a.value) for a in dec.args
                     if (a.keyword is None or a.keyword.value in ("rule", "path")) and
                     isinstance(a.value, cst.SimpleString)), None)
        methods = next((_strings(a.value) for a in dec.args
                        if a.keyword is not None and a.keyword.value == "methods"), None)
        return Decorated(d, obj, path, _route_of(dec.func.attr.value, path, methods, framework,
                                                 lambda keywords, obj=obj: object_prefix(module, obj, keywords)))
    return None


def object_prefix(module: cst.Module, obj: str, keywords: Iterable[str]) -> str | None:
    """The prefix the route object was made with in this module: ``bp = Blueprint(...,
    url_prefix="/api")`` -> "/api"."""
    import libcst as cst

    wanted = tuple(keywords)
    stack: list[cst.CSTNode] = [module]
    while stack:
        n = stack.pop()
        stack.extend(reversed(n.children))
        if isinstance(n, cst.Assign) and isinstance(n.value, cst.Call) and \
                any(isinstance(t.target, cst.Name) and t.target.value == obj for t in n.targets):
            for a in n.value.args:
                if a.keyword is not None and a.keyword.value in wanted and isinstance(a.value, cst.SimpleString):
                    return str(a.value.evaluated_value)
    return None


def django_method(fn: cst.FunctionDef) -> str:
    """GET for ``@require_GET``, "GET,POST" for ``@require_http_methods(["GET", "POST"])``, * else."""
    import libcst as cst

    read = []
    for d in fn.decorators:
        dec = d.decorator
        call = isinstance(dec, cst.Call)
        listed = _strings(dec.args[0].value) if isinstance(dec, cst.Call) and dec.args else None
        read.append((_dotted(dec.func if isinstance(dec, cst.Call) else dec) or "", call, listed))
    return _django_method(read)


def class_view_method(fn: cst.FunctionDef) -> str:
    """The method a class-based view's method answers: GET for ``def get(self, request)``."""
    return _class_view_method(fn.name.value)


# --- scan: tree-sitter trees -----------------------------------------------------------------------

def of(doc: Doc, fn: Node | None, framework: str | None) -> str | None:
    """The route of a Flask / FastAPI view (its decorator); Django's come from ``link``."""
    if fn is None:
        return None
    names = DECORATORS.get(framework or "", FLASK | FASTAPI)
    for dec in decorators(fn):
        f = child(dec, "function") if dec.type == "call" else None
        if f is None or f.type != "attribute" or doc.text(child(f, "attribute")) not in names:
            continue
        obj = doc.text(child(f, "object"))
        path: str | None = None
        methods: list[str] | None = None
        path_read = methods_read = False
        for a in arguments(dec):
            keyword = doc.text(child(a, "name")) if a.type == "keyword_argument" else None
            value = child(a, "value") if a.type == "keyword_argument" else a
            if not path_read and keyword in (None, "rule", "path") and _simple(doc, value):
                path, path_read = simple_string(doc, value), True
            elif keyword == "methods" and not methods_read:
                methods, methods_read = strings(doc, value), True
        return _route_of(doc.text(child(f, "attribute")), path, methods, framework,
                         lambda keywords, obj=obj: _prefix_of(doc, obj, keywords))
    return None


def _prefix_of(doc: Doc, obj: str, keywords: Iterable[str]) -> str | None:
    """``object_prefix`` read from a tree-sitter tree."""
    wanted = tuple(keywords)
    for n in find("python", doc.root, ("assignment",)):
        if n.parent is not None and n.parent.type == "assignment":
            continue  # read with the outermost of a = b = value
        targets, value = [], n
        while value is not None and value.type == "assignment":
            targets.append(child(value, "left"))
            value = child(value, "right")
        if value is None or value.type != "call" or not any(
                t is not None and t.type == "identifier" and doc.text(t) == obj for t in targets):
            continue
        for a in arguments(value):
            if a.type == "keyword_argument" and doc.text(child(a, "name")) in wanted \
                    and _simple(doc, v := child(a, "value")):
                return simple_string(doc, v) or ""
    return None


def _simple(doc: Doc, node: Node | None) -> bool:
    """One string literal, not an f-string (what libcst calls a SimpleString)."""
    return node is not None and node.type == "string" and not is_fstring(doc, node)


def _view_method(doc: Doc, fn: Node) -> str:
    read = []
    for dec in decorators(fn):
        call = dec.type == "call"
        args = arguments(dec) if call else []
        first = args[0] if args else None
        if first is not None and first.type == "keyword_argument":
            first = child(first, "value")
        target = child(dec, "function") if call else dec
        name = _ts_dotted(doc, target) if target is not None and target.type in ("identifier", "attribute") else None
        read.append((".".join(name) if name else "", call, strings(doc, first)))
    return _django_method(read)


def handler_marker(doc: Doc, fn: Node, line: int, column: int) -> Marker:
    """A view that signs, for the inventory to find its pattern: "name<TAB>method"."""
    return Marker("route-handler", line, column, f"{doc.text(child(fn, 'name'))}\t{_view_method(doc, fn)}")


def class_view_marker(doc: Doc, cls: Node, fn: Node, line: int, column: int) -> Marker:
    """A class-based view's method that signs, for the inventory to find the pattern routing to its
    class (``views.ZendeskJwtView.as_view()``): "ClassName<TAB>METHOD"."""
    method = _class_view_method(doc.text(child(fn, "name")))
    return Marker("route-handler", line, column, f"{doc.text(child(cls, 'name'))}\t{method}")


def link(handlers: list[tuple[str, Marker]], routes: list[tuple[str, Marker]]) -> dict[tuple[str, int, int], str]:
    """The route of each marked view: (path, line, column) of its signer -> "METHOD /path"."""
    by_file: dict[str, list[Marker]] = {}
    for path, m in routes:
        by_file.setdefault(path, []).append(m)
    urls = {path: _from_markers(ms) for path, ms in by_file.items()}
    out = {}
    for path, m in handlers:
        view, _, method = m.text.partition("\t")
        found = resolve(path, view, urls)
        if found is not None:
            out[(path, m.line, m.column)] = route(method or "*", found[2])
    return out


# --- Django's URL patterns (read with CPython's ast) -------------------------------------------------

def module_name(path: str) -> str:
    """The dotted name a file of the scanned tree has when the tree is on the import path:
    shop/views.py -> shop.views, shop/__init__.py -> shop."""
    stem = path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _matches(a: str, b: str) -> bool:
    """Two dotted names of one module, each maybe missing leading packages (the tree's root need
    not be the import root): shop.views and src.shop.views match; "?" matches any module."""
    if a == "?" or b == "?":
        return True
    x, y = a.split("."), b.split(".")
    n = min(len(x), len(y))
    return n > 0 and x[-n:] == y[-n:]


@dataclass(frozen=True)
class UrlPattern:
    kind: str  # "route": a view's pattern; "include": a prefix for another urls module
    path: str  # the pattern, regex anchors stripped: "zendesk/jwt", "api/"
    target: str  # the view "shop.views.zendesk_jwt" ("?.name": module unknown) or module "shop.urls"
    line: int
    column: int


def _imports(tree: ast.Module, package: str) -> dict[str, str]:
    """Local name -> dotted name, from the module's top-level imports."""
    out: dict[str, str] = {}
    base = package.split(".") if package else []
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                parent = base[:len(base) - (stmt.level - 1)] if stmt.level > 1 else base
                module = ".".join([*parent, *([stmt.module] if stmt.module else [])])
            else:
                module = stmt.module or ""
            for a in stmt.names:
                if a.name != "*":
                    out[a.asname or a.name] = f"{module}.{a.name}" if module else a.name
    return out


def _ast_dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _ast_dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _ast_string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _pattern_path(text: str, regex: bool) -> str:
    return text.lstrip("^").rstrip("$") if regex else text


def url_patterns(path: str, text: str) -> list[UrlPattern]:
    """The ``path()`` / ``re_path()`` / ``url()`` patterns of a urls module: views and includes."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    package = module_name(posixpath.dirname(path) + "/__init__.py") if "/" in path else ""
    names = _imports(tree, package)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        fn = _ast_dotted(node.func) or ""
        kind = fn.rsplit(".", 1)[-1]
        pattern = _ast_string(node.args[0])
        if kind not in _URL_FUNCTIONS or pattern is None:
            continue
        pattern = _pattern_path(pattern, kind != "path")
        view = node.args[1]
        if isinstance(view, ast.Call) and (_ast_dotted(view.func) or "").rsplit(".", 1)[-1] == "include":
            first = view.args[0] if view.args else None
            if isinstance(first, ast.Tuple) and first.elts:
                first = first.elts[0]
            module = _ast_string(first) if first is not None else None
            if module is None and first is not None and _ast_dotted(first):
                dotted = _ast_dotted(first) or ""
                head, _, rest = dotted.partition(".")
                module = names.get(head, head) + (f".{rest}" if rest else "")
            if module:
                out.append(UrlPattern("include", pattern, module, node.lineno, node.col_offset + 1))
            continue
        while isinstance(view, ast.Call) and view.args and not view.keywords and \
                not (isinstance(view.func, ast.Attribute) and view.func.attr == "as_view"):
            view = view.args[0]  # login_required(views.zendesk_jwt)
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            view = view.func.value  # a class-based view: views.ZendeskJwtView.as_view()
        dotted = _ast_dotted(view)
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        if head in names:
            target = names[head] + (f".{rest}" if rest else "")
        elif rest:
            target = dotted
        else:
            target = f"?.{dotted}"  # a star import, or defined in the urls module itself
        out.append(UrlPattern("route", pattern, target, node.lineno, node.col_offset + 1))
    out.sort(key=lambda p: (p.line, p.column))
    return out


def url_markers(path: str, text: str) -> list[Marker]:
    """A urls module's patterns as markers: ``route`` "pattern<TAB>view", ``route-include``
    "prefix<TAB>module"."""
    return [Marker("route" if p.kind == "route" else "route-include", p.line, p.column, f"{p.path}\t{p.target}")
            for p in url_patterns(path, text)]


def _from_markers(markers: Iterable[Marker]) -> list[UrlPattern]:
    out = []
    for m in markers:
        if m.kind in ("route", "route-include") and "\t" in m.text:
            pattern, target = m.text.split("\t", 1)
            out.append(UrlPattern("route" if m.kind == "route" else "include", pattern, target, m.line, m.column))
    return out


def resolve(view_path: str, view: str, urls: dict[str, list[UrlPattern]]) -> tuple[str, UrlPattern, str] | None:
    """(urls module, pattern, full path) of the pattern routing to the view ``view`` of the module
    at ``view_path``: the urls modules next to the view first (its folder, then the app folder
    around a views/ package), then the others in path order; the path starts with the prefixes
    the urls module is included under."""
    wanted = f"{module_name(view_path)}.{view}"
    here = posixpath.dirname(view_path)
    near = [here, posixpath.dirname(here)] if posixpath.basename(here) == "views" else [here]

    def order(path: str) -> tuple:
        d = posixpath.dirname(path)
        return (near.index(d) if d in near else len(near), path)

    for path in sorted(urls, key=order):
        for p in urls[path]:
            if p.kind != "route":
                continue
            module, _, name = p.target.rpartition(".")
            if name == view and _matches(module, wanted.rpartition(".")[0]):
                return path, p, _prefix(path, urls, set()) + p.path
    return None


def _prefix(urls_path: str, urls: dict[str, list[UrlPattern]], seen: set[str]) -> str:
    """The prefix a urls module is included under (through every include on the way), "" for the
    root URLconf."""
    seen.add(urls_path)
    module = module_name(urls_path)
    for path in sorted(urls):
        if path in seen:
            continue
        for p in urls[path]:
            if p.kind == "include" and _matches(p.target, module):
                return _prefix(path, urls, seen) + p.path
    return ""


