"""The routes of ASP.NET Core endpoints, read the same way by scan and generate.

- A controller action: ``[HttpGet("jwt")]`` (or ``[Route]``) on a public method of a class deriving
  from Controller / ControllerBase, under the class's ``[Route("zendesk")]`` (``[controller]`` and
  ``[action]`` replaced); an action with no route attribute has the conventional route
  ``/Controller/Action`` (any method).
- A minimal API route: ``app.MapGet("/zendesk/jwt", (...) => {...})`` (MapPost, MapPut,
  MapDelete, MapPatch, MapMethods, Map), under the prefix of the ``MapGroup("/api")`` its
  receiver was made by in the same file.  The handler may also be a method:
  ``app.MapGet("/zendesk/jwt", ZendeskEndpoints.Jwt)``, usually mapped in Program.cs while the
  method is in another file: scan reads those registrations as ``route`` markers ("GET /x<TAB>
  ZendeskEndpoints.Jwt"), marks a method that signs as a ``route-handler`` ("ZendeskEndpoints.Jwt")
  and the inventory joins the two (``link``).

ASP.NET on .NET Framework (System.Web), read by the systemweb wiring:

- An MVC 5 action (a controller of a file using System.Web.Mvc): ``[Route("zendesk/jwt")]``
  under the class's ``[RoutePrefix("zendesk")]`` (``~/`` leaves the prefix out) when attribute
  routing names it; else the first ``routes.MapRoute(...)`` of RouteConfig that reaches the
  controller and action (``{controller}/{action}`` in its URL or as its defaults), the way MVC
  builds the action's URL.  Scan sees RouteConfig as ``route`` markers ("MapRoute<TAB>[url,
  defaults]") and the action as a ``route-handler`` ("mvc:GET:Zendesk.Jwt"); ``link`` joins them
  in file and line order, MVC's default ``{controller}/{action}/{id}`` when no MapRoute is seen.
- A generic handler: ``ProcessRequest(HttpContext)`` of an IHttpHandler in ``ZendeskJwt.ashx.cs``
  (the code-behind) or in ``ZendeskJwt.ashx`` itself answers ``* /ZendeskJwt.ashx``, its path
  under the scanned folder (``handler:Class`` route-handler markers, joined by ``link``).

Generate's aspnetcore wiring finds the endpoint it replaces with ``endpoint`` and reports its
``route``; the systemweb wiring reads ``mvc_action`` / ``handler`` the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from migrate.extract.treesitter import Doc, ancestors, string_value, walk
from migrate.model import Marker

MAP_METHODS = {"MapGet": "GET", "MapPost": "POST", "MapPut": "PUT", "MapDelete": "DELETE", "MapPatch": "PATCH",
               "MapMethods": None, "Map": "*"}
CONTROLLER_BASES = re.compile(r"^(Microsoft\.AspNetCore\.Mvc\.)?(Controller|ControllerBase)$")
_STRINGS = ("string_literal", "verbatim_string_literal", "raw_string_literal")


def route(method: str, path: str) -> str:
    """"GET /zendesk/jwt": the method upper-cased ("*" for any), the path with one leading slash."""
    path = "/" + path.strip().lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return f"{method.upper()} {path}"


def _text(doc: Doc, node: Node | None) -> str:
    return doc.text(node) if node is not None else ""


def byte_at(data: bytes, line: int, column: int) -> int:
    """Byte offset of a 1-based line and character column."""
    start = 0
    for _ in range(line - 1):
        start = data.index(b"\n", start) + 1
    end = data.find(b"\n", start)
    text = data[start:end if end >= 0 else len(data)].decode("utf-8", "surrogateescape")
    return start + len(text[:max(column - 1, 0)].encode("utf-8", "surrogateescape"))


# --- attributes ------------------------------------------------------------------------------------

def attributes(doc, node: Node) -> Iterator[tuple[str, Node]]:
    """(name without Attribute, attribute) of a declaration's attributes (``doc``: anything with text())."""
    for attrs in (c for c in node.children if c.type == "attribute_list"):
        for attr in (a for a in attrs.named_children if a.type == "attribute"):
            name = doc.text(attr.child_by_field_name("name")).rsplit(".", 1)[-1].removesuffix("Attribute")
            yield name, attr


def attribute_args(doc, attr: Node) -> list[tuple[str | None, Node]]:
    args = next((c for c in attr.named_children if c.type == "attribute_argument_list"), None)
    out = []
    for a in args.named_children if args is not None else ():
        if a.type != "attribute_argument" or not a.named_children:
            continue
        label = a.child_by_field_name("name")
        out.append((doc.text(label) if label is not None else None, a.named_children[-1]))
    return out


# --- controller actions ----------------------------------------------------------------------------

def is_action(doc, method: Node) -> bool:
    """Public, not static, not [NonAction]: what MVC routes to (a private helper is not)."""
    modifiers = {doc.text(m) for m in method.named_children if m.type == "modifier"}
    return "public" in modifiers and "static" not in modifiers and \
        not any(n == "NonAction" for n, _ in attributes(doc, method))


def is_controller(doc, cls: Node) -> bool:
    bases = next((c for c in cls.named_children if c.type == "base_list"), None)
    if bases is not None and any(CONTROLLER_BASES.match(re.sub(r"\s+", "", doc.text(b)))
                                 for b in bases.named_children):
        return True
    name = doc.text(cls.child_by_field_name("name"))
    return name.endswith("Controller") and (bases is not None or
                                            any(n in ("ApiController", "Controller") for n, _ in attributes(doc, cls)))


def _literal(doc, attr: Node) -> str | None:
    return next((string_value(doc, v) for _, v in attribute_args(doc, attr) if v.type in _STRINGS), None)


def action_route(doc, method: Node, cls: Node) -> str:
    """"GET /zendesk/jwt" for ``[Route("zendesk")]`` + ``[HttpGet("jwt")]``; the conventional
    /Controller/Action (any method) when neither the class nor the action has a route."""
    verbs, path = [], None
    for name, attr in attributes(doc, method):
        if name.startswith("Http") and name != "Http":
            verbs.append(name[4:].upper())
        if name == "Route" or name.startswith("Http"):
            path = path if path is not None else _literal(doc, attr)
    base = next((_literal(doc, attr) for name, attr in attributes(doc, cls) if name == "Route"), None)
    action = doc.text(method.child_by_field_name("name"))
    controller = doc.text(cls.child_by_field_name("name")).removesuffix("Controller")
    if path is None and base is None:
        return route(",".join(dict.fromkeys(verbs)) or "*", f"/{controller}/{action}")
    full = path or ""
    if not full.startswith(("/", "~/")) and base:
        full = base.rstrip("/") + ("/" + full if full else "")
    full = "/" + full.lstrip("~/")
    full = re.sub(r"\[controller\]", controller, full, flags=re.I)
    full = re.sub(r"\[action\]", action, full, flags=re.I)
    return route(",".join(dict.fromkeys(verbs)) or "*", full)


# --- minimal API routes ----------------------------------------------------------------------------

def _map_call(doc, node: Node) -> tuple[str, Node, list[Node]] | None:
    """(Map method, receiver, argument values) of ``receiver.MapGet(...)``."""
    fn = node.child_by_field_name("function") if node.type == "invocation_expression" else None
    if fn is None or fn.type != "member_access_expression":
        return None
    name = doc.text(fn.child_by_field_name("name"))
    if name not in MAP_METHODS:
        return None
    args = node.child_by_field_name("arguments")
    values = [a.named_children[-1] for a in (args.named_children if args is not None else ())
              if a.type == "argument" and a.named_children]
    return name, fn.child_by_field_name("expression"), values


def _group_prefix(doc, receiver: Node | None, before: int, depth: int = 0) -> str:
    """The prefix of a route group the receiver names: ``var api = app.MapGroup("/api")...``."""
    if receiver is None or receiver.type != "identifier" or depth > 3:
        return ""
    name = doc.text(receiver)
    found = None
    for d in walk(_root(receiver)):
        if d.start_byte >= before:
            break
        if d.type == "variable_declarator" and doc.text(d.child_by_field_name("name")) == name and \
                len(d.named_children) > 1:
            found = d.named_children[-1]
    value = found
    while value is not None and value.type == "invocation_expression":
        fn = value.child_by_field_name("function")
        if fn is None or fn.type != "member_access_expression":
            break
        if doc.text(fn.child_by_field_name("name")) == "MapGroup":
            args = value.child_by_field_name("arguments")
            first = next((a.named_children[-1] for a in (args.named_children if args is not None else ())
                          if a.type == "argument" and a.named_children), None)
            inner = fn.child_by_field_name("expression")
            own = string_value(doc, first) if first is not None and first.type in _STRINGS else None
            return _group_prefix(doc, inner, value.start_byte, depth + 1) + "/" + (own or "").strip("/")
        value = fn.child_by_field_name("expression")
    return ""


def _root(node: Node) -> Node:
    while node.parent is not None:
        node = node.parent
    return node


def map_route(doc, call: Node) -> str | None:
    """"GET /zendesk/jwt" of ``app.MapGet("/zendesk/jwt", ...)``, under its group's prefix."""
    found = _map_call(doc, call)
    if found is None or not found[2] or found[2][0].type not in _STRINGS:
        return None
    name, receiver, values = found
    method = MAP_METHODS[name]
    if method is None:  # MapMethods("/x", new[] { "GET", "POST" }, handler)
        listed = [string_value(doc, n) for n in walk(values[1]) if n.type in _STRINGS] if len(values) > 1 else []
        method = ",".join(m.upper() for m in listed if m) or "*"
    path = string_value(doc, values[0]) or ""
    return route(method, _group_prefix(doc, receiver, call.start_byte) + "/" + path.lstrip("/"))


def mapped_lambda(doc, lam: Node) -> Node | None:
    """The Map call a lambda is the handler argument of."""
    arg = lam.parent
    if arg is None or arg.type != "argument" or arg.parent is None or arg.parent.parent is None:
        return None
    call = arg.parent.parent
    return call if _map_call(doc, call) is not None else None


# --- the endpoint holding a signing call ---------------------------------------------------------

@dataclass(frozen=True)
class Endpoint:
    kind: str  # "action" | "route"
    handler: Node  # the action method, or the route's lambda
    cls: Node | None  # the controller (actions)
    call: Node | None  # the Map call (routes)
    route: str | None


def endpoint(doc, at: int) -> Endpoint | None:
    """The controller action or minimal API route lambda holding byte ``at``."""
    site = doc.root.descendant_for_byte_range(at, at + 1)
    for anc in (site, *ancestors(site)) if site is not None else ():
        if anc.type == "lambda_expression":
            call = mapped_lambda(doc, anc)
            if call is not None:
                return Endpoint("route", anc, None, call, map_route(doc, call))
        if anc.type in ("local_function_statement", "constructor_declaration"):
            break
        if anc.type == "method_declaration":
            cls = next((a for a in ancestors(anc) if a.type in ("class_declaration", "record_declaration")), None)
            if cls is not None and is_controller(doc, cls) and is_action(doc, anc):
                return Endpoint("action", anc, cls, None, action_route(doc, anc, cls))
            break
    return None


def method_key(doc, at: int) -> str | None:
    """"ZendeskEndpoints.Jwt": the class and method holding byte ``at`` (a method a Map call may name)."""
    site = doc.root.descendant_for_byte_range(at, at + 1)
    method = next((a for a in ancestors(site) if a.type in ("method_declaration", "local_function_statement")), None)
    if method is None:
        return None
    cls = next((a for a in ancestors(method) if a.type in ("class_declaration", "record_declaration",
                                                          "struct_declaration")), None)
    name = doc.text(method.child_by_field_name("name"))
    return f"{doc.text(cls.child_by_field_name('name'))}.{name}" if cls is not None else name


def method_groups(doc: Doc) -> list[tuple[Node, str, str]]:
    """(Map call, route, handler reference) of the Map calls whose handler is a method group."""
    out = []
    for n in walk(doc.root):
        found = _map_call(doc, n)
        if found is None or not found[2]:
            continue
        handler = found[2][-1]
        if handler.type in ("identifier", "member_access_expression"):
            r = map_route(doc, n)
            if r is not None:
                out.append((n, r, re.sub(r"\s+", "", doc.text(handler))))
    return out


def _matches(ref: str, key: str) -> int | None:
    """How well a method-group reference names a method "Class.Method": 0 exactly (or namespaced),
    1 by the method's name alone; None not at all."""
    if ref == key or ref.endswith("." + key):
        return 0
    if "." not in ref and key.rsplit(".", 1)[-1] == ref:
        return 1
    return None


def of(doc: Doc, at: int) -> tuple[str | None, str | None]:
    """(route, handler key): the route of the endpoint holding byte ``at`` (an action, a mapped
    lambda, a method this file maps), else the key of its method for ``link``."""
    mvc = mvc_action(doc, at)
    if mvc is not None:
        r = mvc_attribute_route(doc, *mvc)
        return (r, None) if r is not None else (None, mvc_key(doc, *mvc))
    h = handler(doc, at)
    if h is not None:
        return None, HANDLER_KEY + doc.text(h[1].child_by_field_name("name"))
    found = endpoint(doc, at)
    if found is not None:
        return found.route, None
    key = method_key(doc, at)
    if key is None:
        return None, None
    ranked = sorted((rank, call.start_byte, r) for call, r, ref in method_groups(doc)
                    if (rank := _matches(ref, key)) is not None)
    return (ranked[0][2], None) if ranked else (None, key)


# --- scan: the markers and the join --------------------------------------------------------------

def route_markers(doc: Doc) -> list[Marker]:
    """The file's Map calls of method groups as ``route`` markers: "GET /x<TAB>Class.Method", and
    its MVC 5 MapRoute registrations: "MapRoute<TAB>[url, defaults]"."""
    return [Marker("route", call.start_point[0] + 1, call.start_point[1] + 1, f"{r}\t{ref}")
            for call, r, ref in method_groups(doc)] + \
        [Marker("route", m.line, m.column, f"{MAPROUTE}\t{json.dumps([m.url, m.defaults])}") for m in map_routes(doc)]


def link(handlers: list[tuple[str, Marker]], routes: list[tuple[str, Marker]]) -> dict[tuple[str, int, int], str]:
    """The route of each marked method some Map call names: (path, line, column) -> route."""
    out = {}
    registered = sorted((rpath, rm.line, rm.text.split("\t", 1)[1]) for rpath, rm in routes
                        if rm.kind == "route" and rm.text.startswith(MAPROUTE + "\t"))
    mvc = [MvcRoute(*json.loads(text), line) for _, line, text in registered]
    for path, m in handlers:
        if m.text.startswith(MVC_KEY):
            out[(path, m.line, m.column)] = conventional_route(mvc, m.text)
            continue
        if m.text.startswith(HANDLER_KEY):
            r = handler_route(path)
            if r is not None:
                out[(path, m.line, m.column)] = r
            continue
        ranked = []
        for rpath, rm in routes:
            if rm.kind == "route" and "\t" in rm.text and not rm.text.startswith(MAPROUTE + "\t"):
                r, ref = rm.text.split("\t", 1)
                rank = _matches(ref, m.text)
                if rank is not None:
                    ranked.append((rank, rpath, rm.line, r))
        if ranked:
            out[(path, m.line, m.column)] = min(ranked)[3]
    return out


# --- ASP.NET MVC 5 and generic handlers (System.Web) ---------------------------------------------

MAPROUTE = "MapRoute"
MVC_KEY = "mvc:"  # route-handler text of a conventionally routed MVC 5 action: "mvc:GET:Zendesk.Jwt"
HANDLER_KEY = "handler:"  # ... of an IHttpHandler's ProcessRequest: "handler:ZendeskJwt"
_MVC5 = re.compile(r"^\s*using\s+System\.Web\.Mvc\s*;|\bSystem\.Web\.Mvc\.(Async)?Controller\b", re.MULTILINE)
_HANDLERS = re.compile(r"^(System\.Web\.)?(IHttpHandler|IHttpAsyncHandler|HttpTaskAsyncHandler)$")
_PARAM = re.compile(r"\{\*?(\w+)(?::[^}=?:]+)*(?:=[^}]*)?\??\}")


def is_mvc5(doc) -> bool:
    """A file of ASP.NET MVC 5 (System.Web.Mvc), not ASP.NET Core."""
    return _MVC5.search(doc.text(doc.root)) is not None


def _method_and_class(doc, at: int) -> tuple[Node, Node] | None:
    site = doc.root.descendant_for_byte_range(at, at + 1)
    for anc in ancestors(site) if site is not None else ():
        if anc.type in ("lambda_expression", "local_function_statement", "constructor_declaration",
                        "anonymous_method_expression"):
            return None
        if anc.type == "method_declaration":
            cls = next((a for a in ancestors(anc) if a.type in ("class_declaration", "record_declaration")), None)
            return (anc, cls) if cls is not None else None
    return None


def mvc_action(doc, at: int) -> tuple[Node, Node] | None:
    """(action, controller) of the MVC 5 action holding byte ``at``."""
    found = _method_and_class(doc, at)
    if found is None or not is_mvc5(doc):
        return None
    method, cls = found
    return found if is_controller(doc, cls) and is_action(doc, method) else None


def handler(doc, at: int) -> tuple[Node, Node] | None:
    """(ProcessRequest, class) of the generic handler (IHttpHandler) holding byte ``at``."""
    found = _method_and_class(doc, at)
    if found is None:
        return None
    method, cls = found
    if doc.text(method.child_by_field_name("name")) not in ("ProcessRequest", "ProcessRequestAsync"):
        return None
    bases = next((c for c in cls.named_children if c.type == "base_list"), None)
    return found if bases is not None and any(_HANDLERS.match(re.sub(r"\s+", "", doc.text(b)))
                                              for b in bases.named_children) else None


def handler_route(path: str) -> str | None:
    """"* /ZendeskJwt.ashx" of the handler in ZendeskJwt.ashx.cs (its code-behind) or ZendeskJwt.ashx."""
    lower = path.lower()
    if lower.endswith(".ashx.cs"):
        return route("*", path[:-3])
    return route("*", path) if lower.endswith(".ashx") else None


def mvc_verbs(doc, method: Node) -> str:
    """"GET", "GET,POST" or "*": [HttpGet], [HttpPost], [AcceptVerbs(HttpVerbs.Get | HttpVerbs.Post)]."""
    verbs = []
    for name, attr in attributes(doc, method):
        if name.startswith("Http") and name[4:] in ("Get", "Post", "Put", "Delete", "Patch", "Head", "Options"):
            verbs.append(name[4:].upper())
        elif name == "AcceptVerbs":
            for _, value in attribute_args(doc, attr):
                for n in (value, *walk(value)):
                    if n.type == "member_access_expression":
                        verbs.append(doc.text(n.child_by_field_name("name")).upper())
                    elif n.type in _STRINGS:
                        verbs.append((string_value(doc, n) or "").upper())
    return ",".join(dict.fromkeys(v for v in verbs if v)) or "*"


def _names(doc, method: Node, cls: Node) -> tuple[str, str]:
    """(controller, action) as MVC names them: the class without Controller, [ActionName] or the method."""
    action = next((_literal(doc, a) for n, a in attributes(doc, method) if n == "ActionName"), None)
    controller = doc.text(cls.child_by_field_name("name")).removesuffix("Controller")
    return controller, action or doc.text(method.child_by_field_name("name"))


def mvc_attribute_route(doc, method: Node, cls: Node) -> str | None:
    """"GET /zendesk/jwt" of ``[RoutePrefix("zendesk")]`` + ``[Route("jwt")]`` (attribute routing),
    None when neither the action nor its controller has a [Route]."""
    own = next((_literal(doc, a) for n, a in attributes(doc, method) if n == "Route"), None)
    default = next((_literal(doc, a) for n, a in attributes(doc, cls) if n == "Route"), None)
    template = own if own is not None else default
    if template is None:
        return None
    prefix = next((_literal(doc, a) for n, a in attributes(doc, cls) if n == "RoutePrefix"), None)
    if template.startswith("~/"):
        full = template[2:]
    else:
        full = "/".join(p.strip("/") for p in (prefix, template) if p and p.strip("/"))
    controller, action = _names(doc, method, cls)
    segments = full.split("/")
    while segments and _PARAM.fullmatch(segments[-1]) and not re.match(r"\{(controller|action)\b", segments[-1]) \
            and ("?" in segments[-1] or "=" in segments[-1] or segments[-1].startswith("{*")):
        segments.pop()  # optional trailing parameters: the action answers without them
    full = re.sub(r"\{controller(=[^}]*)?\}", controller, "/".join(segments))
    full = re.sub(r"\{action(=[^}]*)?\}", action, full)
    return route(mvc_verbs(doc, method), full)


def mvc_key(doc, method: Node, cls: Node) -> str:
    controller, action = _names(doc, method, cls)
    return f"{MVC_KEY}{mvc_verbs(doc, method)}:{controller}.{action}"


@dataclass(frozen=True)
class MvcRoute:
    """A ``MapRoute`` registration: its URL pattern and its literal defaults (None: not a literal,
    such as UrlParameter.Optional)."""

    url: str
    defaults: dict[str, str | None]
    line: int
    column: int = 0
    call: Node | None = None


def _area(doc, node: Node) -> bool:
    cls = next((a for a in ancestors(node) if a.type == "class_declaration"), None)
    bases = next((c for c in cls.named_children if c.type == "base_list"), None) if cls is not None else None
    return bases is not None and "AreaRegistration" in doc.text(bases)


def map_routes(doc) -> list[MvcRoute]:
    """The file's ``routes.MapRoute(name, url, defaults, ...)`` registrations, in order (an area's
    own are left out: they reach the area's controllers)."""
    out = []
    for n in walk(doc.root):
        fn = n.child_by_field_name("function") if n.type == "invocation_expression" else None
        if fn is None or fn.type != "member_access_expression" or doc.text(fn.child_by_field_name("name")) != MAPROUTE:
            continue
        args = n.child_by_field_name("arguments")
        positional, named = [], {}
        for a in args.named_children if args is not None else ():
            if a.type != "argument" or not a.named_children:
                continue
            label = a.child_by_field_name("name")
            if label is not None:
                named[doc.text(label)] = a.named_children[-1]
            else:
                positional.append(a.named_children[-1])
        url = named.get("url", positional[1] if len(positional) > 1 else None)
        defaults = named.get("defaults", positional[2] if len(positional) > 2 else None)
        if url is None or url.type not in _STRINGS or _area(doc, n):
            continue
        values: dict[str, str | None] = {}
        if defaults is not None and defaults.type == "anonymous_object_creation_expression":
            kids = defaults.children
            for i, k in enumerate(kids):
                if k.type == "identifier" and i + 2 < len(kids) and kids[i + 1].type == "=":
                    v = kids[i + 2]
                    values[doc.text(k)] = string_value(doc, v) if v.type in _STRINGS else None
        out.append(MvcRoute(string_value(doc, url) or "", values, n.start_point[0] + 1, n.start_point[1] + 1, n))
    return out


def _reaches(r: MvcRoute, controller: str, action: str) -> str | None:
    """The URL ``r`` gives the action, None when it does not reach it (or needs a value it has not)."""
    params = _PARAM.findall(r.url)
    want = {"controller": controller, "action": action}
    for key, value in want.items():
        if key not in params and (r.defaults.get(key) or "").lower() != value.lower():
            return None
    if any(p not in want and p not in r.defaults and not re.search(r"\{\*" + p + r"\}|\{" + p + r"\?\}", r.url)
           for p in params):
        return None  # a required parameter the action has no value for

    def omissible(segment: str) -> bool:
        m = _PARAM.fullmatch(segment)
        if m is None:
            return False
        name = m.group(1)
        if name in want:
            return (r.defaults.get(name) or "").lower() == want[name].lower()
        return True

    segments = [s for s in r.url.strip("/").split("/") if s]
    while segments and omissible(segments[-1]):
        segments.pop()
    out = []
    for segment in segments:
        def value(m: re.Match) -> str:
            name = m.group(1)
            return want.get(name) or r.defaults.get(name) or "\0"
        filled = _PARAM.sub(value, segment)
        if "\0" in filled:
            return None
        out.append(filled)
    return "/" + "/".join(out)


def conventional_route(registered: list[MvcRoute], key: str) -> str:
    """The route of a conventionally routed action ("mvc:GET:Zendesk.Jwt"): the URL of the first
    registration that reaches it, or MVC's default /Controller/Action when none is seen."""
    verbs, name = key.removeprefix(MVC_KEY).split(":", 1)
    controller, action = name.rsplit(".", 1)
    for r in registered:
        url = _reaches(r, controller, action)
        if url is not None:
            return route(verbs, url)
    return route(verbs, f"/{controller}/{action}")
