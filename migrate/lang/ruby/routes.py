"""The routes of Ruby web apps, read the same way by scan and generate.

- Rails: the action holding the signing call (the one public action calling it, when it is a
  private helper) is reached through ``config/routes.rb``: ``get 'zendesk/jwt', to:
  'zendesk#jwt'``, ``post '/x' => 'c#a'``, ``match 'x', to: 'c#a', via: [:get, :post]``,
  ``get 'zendesk/jwt'`` (zendesk#jwt), inside ``namespace :api`` / ``scope '/x', module: 'm'`` /
  ``controller :zendesk`` blocks.  A controller's key is its path under app/controllers
  (``api/zendesk`` for app/controllers/api/zendesk_controller.rb), as Rails loads it.
- Sinatra-style route blocks: ``get '/jwt' do ... end``.

routes.rb is another file than the controller, so scan reads its registrations as ``route``
markers ("GET /zendesk/jwt<TAB>zendesk#jwt"), marks the action that signs as a
``route-handler`` ("zendesk#jwt") and the inventory joins them (``link``); generate's rails
wiring reads the same registrations from the file with ``registrations`` and ``find``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from tree_sitter import Node

from migrate.extract.treesitter import Doc, string_value
from migrate.model import Marker

ROUTES_FILE = "config/routes.rb"
_VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "match": "*",
          "root": "GET"}
_SINATRA = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE",
            "options": "OPTIONS", "head": "HEAD", "route": "*"}
# Blocks whose routes do not take a prefix from them (resources add theirs: not read).
_OPAQUE = frozenset({"resources", "resource"})


def route(method: str, path: str) -> str:
    """"GET /zendesk/jwt": the method upper-cased ("*" for any), the path with one leading slash."""
    path = "/" + path.strip().lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return f"{method.upper()} {path}"


# --- the controller side --------------------------------------------------------------------------

def controller_key(path: str) -> str | None:
    """app/controllers/api/zendesk_controller.rb -> "api/zendesk"; None outside app/controllers."""
    marker = path.rfind("app/controllers/")
    if marker < 0 or not path.endswith("_controller.rb"):
        return None
    return path[marker + len("app/controllers/"):-len("_controller.rb")]


def app_root(path: str) -> str:
    """The Rails app's folder ("" at the tree's root) of a file under app/controllers."""
    marker = path.rfind("app/controllers/")
    return path[:marker].rstrip("/") if marker >= 0 else ""


def routes_file(controller_path: str) -> str:
    return posixpath.join(app_root(controller_path), ROUTES_FILE)


def action(doc: Doc, cls: Node, method: Node) -> tuple[Node, bool]:
    """The action behind the signing method: itself, or the one public action that calls it when it is
    a private helper; and whether that helper goes too (nothing else calls it)."""
    body = cls.child_by_field_name("body")
    children = body.named_children if body is not None else []
    private = next((n.start_byte for n in children
                    if n.type == "identifier" and doc.text(n) in ("private", "protected")), None)
    if private is None or method.start_byte < private:
        return method, False
    name = doc.text(method.child_by_field_name("name"))
    calls = re.compile(rf"(?<![\w@.:]){re.escape(name)}(?![\w?!:])")
    callers = [n for n in children if n.type == "method" and n is not method and
               calls.search(doc.text(n.child_by_field_name("body")) if n.child_by_field_name("body") else doc.text(n))]
    public = [n for n in callers if n.start_byte < private]
    if len(public) != 1:
        return method, False
    return public[0], len(callers) == 1


def _enclosing(node: Node, types: tuple[str, ...]) -> Node | None:
    n = node.parent
    while n is not None and n.type not in types:
        n = n.parent
    return n


def handler_key(path: str, doc: Doc, node: Node) -> str | None:
    """"zendesk#jwt": the controller and action a signing call at ``node`` runs in."""
    controller = controller_key(path)
    method = _enclosing(node, ("method",))
    cls = _enclosing(node, ("class",))
    if controller is None or method is None or cls is None:
        return None
    act, _ = action(doc, cls, method)
    return f"{controller}#{doc.text(act.child_by_field_name('name'))}"


# --- config/routes.rb -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    call: Node | None  # get 'zendesk/jwt', to: 'zendesk#jwt' (None when read from a marker)
    key: str | None  # "api/zendesk#jwt": the controller and action Rails routes it to
    route: str  # "GET /api/zendesk/jwt"
    written: str | None = None  # the target as written ("zendesk#jwt" inside namespace :api)


@dataclass(frozen=True)
class _Scope:
    path: str = ""
    module: str = ""
    controller: str | None = None


def _text(doc: Doc, node: Node | None) -> str | None:
    """A string or symbol's value: 'zendesk#jwt', :api -> api."""
    if node is None:
        return None
    if node.type == "simple_symbol":
        return doc.text(node)[1:]
    if node.type in ("hash_key_symbol", "identifier"):
        return doc.text(node)
    if node.type in ("string", "delimited_symbol"):
        return string_value(doc, node) if node.type == "string" else doc.text(node)[2:-1]
    return None


def _args(doc: Doc, call: Node) -> tuple[list[Node], dict[str, Node], list[tuple[Node, Node]]]:
    """(positional arguments, keyword pairs by key, `'path' => 'c#a'` pairs)."""
    args = call.child_by_field_name("arguments")
    positional, keywords, arrows = [], {}, []
    for a in args.named_children if args is not None else []:
        if a.type == "pair":
            key, value = a.child_by_field_name("key"), a.child_by_field_name("value")
            name = _text(doc, key) if key is not None and key.type in ("hash_key_symbol", "simple_symbol") else None
            if name is not None and value is not None:
                keywords[name] = value
            elif key is not None and value is not None:
                arrows.append((key, value))
        elif a.type != "comment":
            positional.append(a)
    return positional, keywords, arrows


def _via(doc: Doc, node: Node | None) -> str:
    if node is None:
        return "*"
    values = [_text(doc, n) for n in (node.named_children if node.type == "array" else [node])]
    values = [v for v in values if v]
    return "*" if not values or "all" in values else ",".join(v.upper() for v in values)


def _registration(doc: Doc, call: Node, verb: str, scope: _Scope) -> Registration | None:
    positional, keywords, arrows = _args(doc, call)
    path = target = None
    if arrows:
        path, target = _text(doc, arrows[0][0]), _text(doc, arrows[0][1])
    elif verb == "root":
        path, target = "", _text(doc, positional[0]) if positional else None
    elif positional:
        path = _text(doc, positional[0])
    if path is None:
        return None
    target = target or _text(doc, keywords.get("to"))
    if target is None:
        controller = _text(doc, keywords.get("controller")) or scope.controller
        act = _text(doc, keywords.get("action"))
        segments = [s for s in path.strip("/").split("/") if s]
        if controller and (act or segments):
            target = f"{controller}#{act or segments[-1]}"
        elif len(segments) >= 2 and not any(s.startswith((":", "*", "(")) for s in segments):
            target = f"{'/'.join(segments[:-1])}#{segments[-1]}"
    key = None
    if target and "#" in target:
        key = (scope.module + target.lstrip("/")) if not target.startswith("/") else target.lstrip("/")
    method = _VERBS[verb] if verb != "match" else _via(doc, keywords.get("via"))
    return Registration(call, key, route(method, scope.path + "/" + path), target)


def _block(call: Node) -> Node | None:
    block = next((c for c in call.named_children if c.type in ("do_block", "block")), None)
    if block is None:
        return None
    return next((c for c in block.named_children if c.type in ("body_statement", "block_body")), None)


def _walk(doc: Doc, body: Node, scope: _Scope, out: list[Registration]) -> None:
    for stmt in body.named_children:
        if stmt.type != "call" or stmt.child_by_field_name("receiver") is not None:
            continue
        verb = doc.text(stmt.child_by_field_name("method"))
        inner = _block(stmt)
        if verb in _VERBS and inner is None:
            reg = _registration(doc, stmt, verb, scope)
            if reg is not None:
                out.append(reg)
            continue
        if inner is None or verb in _OPAQUE:
            continue
        positional, keywords, _ = _args(doc, stmt)
        first = _text(doc, positional[0]) if positional else None
        if verb == "namespace" and first:
            _walk(doc, inner, _Scope(f"{scope.path}/{first}", f"{scope.module}{first}/", scope.controller), out)
        elif verb == "scope":
            path = first if first is not None else _text(doc, keywords.get("path"))
            module = _text(doc, keywords.get("module"))
            _walk(doc, inner, _Scope(f"{scope.path}/{path.strip('/')}" if path else scope.path,
                                     f"{scope.module}{module}/" if module else scope.module,
                                     _text(doc, keywords.get("controller")) or scope.controller), out)
        elif verb == "controller" and first:
            _walk(doc, inner, _Scope(scope.path, scope.module, first), out)
        else:  # constraints, defaults, devise_scope, authenticate...: no prefix of their own
            _walk(doc, inner, scope, out)


def registrations(doc: Doc) -> list[Registration]:
    """The routes a routes.rb draws, in source order (what ``resources`` draws is not read)."""
    out: list[Registration] = []
    for node in doc.root.named_children:
        body = _block(node) if node.type == "call" else None
        if body is not None and doc.text(node.child_by_field_name("method")) == "draw":
            _walk(doc, body, _Scope(), out)
    return out


def find(regs: list[Registration], key: str) -> Registration | None:
    """The one registration routing to ``key`` (None when there is none, or more than one); when
    none does, the one whose target is written ``key`` (``to: 'zendesk#jwt'`` in a namespace)."""
    for match in (lambda r: r.key == key, lambda r: r.written == key):
        found = [r for r in regs if match(r)]
        if found:
            return found[0] if len(found) == 1 else None
    return None


# --- Sinatra ----------------------------------------------------------------------------------------

def sinatra_call(doc: Doc, node: Node) -> Node | None:
    """The ``get '/jwt' do ... end`` call whose block holds ``node`` (outside any method): classic
    apps at the top level, modular ones in a ``class App < Sinatra::Base`` body."""
    n = node.parent
    while n is not None:
        if n.type in ("method", "singleton_method"):
            return None
        if n.type in ("do_block", "block") and n.parent is not None and n.parent.type == "call":
            call = n.parent
            verb = doc.text(call.child_by_field_name("method"))
            args = call.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if call.child_by_field_name("receiver") is None and verb in _SINATRA and first is not None and \
                    first.type == "string" and string_value(doc, first) is not None:
                return call
        n = n.parent
    return None


def sinatra(doc: Doc, node: Node) -> str | None:
    """The route of a ``get '/jwt' do ... end`` block holding ``node`` (outside any method)."""
    call = sinatra_call(doc, node)
    if call is None:
        return None
    verb = doc.text(call.child_by_field_name("method"))
    return route(_SINATRA[verb], string_value(doc, call.child_by_field_name("arguments").named_children[0]) or "")


# --- scan: the markers and the join --------------------------------------------------------------

def route_markers(doc: Doc) -> list[Marker]:
    """A routes.rb's registrations as ``route`` markers: "GET /zendesk/jwt<TAB>zendesk#jwt"."""
    return [Marker("route", r.call.start_point[0] + 1, r.call.start_point[1] + 1,
                   f"{r.route}\t{r.key}\t{r.written}")
            for r in registrations(doc) if r.key and r.call is not None]


def link(handlers: list[tuple[str, Marker]], routes: list[tuple[str, Marker]]) -> dict[tuple[str, int, int], str]:
    """The route of each marked action: (path, line, column) of its signer -> "METHOD /path"."""
    by_file: dict[str, list[Registration]] = {}
    for path, m in routes:
        parts = m.text.split("\t")
        if m.kind == "route" and len(parts) == 3:
            by_file.setdefault(path, []).append(Registration(None, parts[1], parts[0], parts[2]))
    out = {}
    for path, m in handlers:
        found = find(by_file.get(routes_file(path), []), m.text)
        if found is not None:
            out[(path, m.line, m.column)] = found.route
    return out
