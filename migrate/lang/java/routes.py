"""The routes of Spring controllers and Jakarta REST (JAX-RS) resources, read the same way by scan and
generate.

A controller method (in a ``@RestController`` / ``@Controller`` class) is routed by its mapping
annotation: ``@GetMapping("/zendesk/jwt")``, ``@PostMapping(path = "/x")``, ``@RequestMapping(value
= "/x", method = RequestMethod.POST)`` (any method without ``method``), under the class's own
``@RequestMapping("/api")`` prefix.  A JAX-RS resource method is routed by its HTTP method
annotation (``@GET``, ``@POST``...) and its ``@Path`` under the ``@Path`` of its class.  Generate's
spring and jaxrs wirings find the method and its mapping with the same functions and report the
same ``route``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from migrate.extract.treesitter import Doc, string_value, walk

MAPPINGS = {"GetMapping": "GET", "PostMapping": "POST", "PutMapping": "PUT", "PatchMapping": "PATCH",
            "DeleteMapping": "DELETE", "RequestMapping": None}
CONTROLLERS = frozenset({"RestController", "Controller"})
JAXRS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})  # with @Path on the class


def route(method: str, path: str) -> str:
    """"GET /zendesk/jwt": the method upper-cased ("*" for any), the path with one leading slash."""
    path = "/" + path.strip().lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return f"{method.upper()} {path}"


def byte_at(data: bytes, line: int, column: int) -> int:
    """Byte offset of a 1-based line and character column."""
    start = 0
    for _ in range(line - 1):
        start = data.index(b"\n", start) + 1
    end = data.find(b"\n", start)
    text = data[start:end if end >= 0 else len(data)].decode("utf-8", "surrogateescape")
    return start + len(text[:max(column - 1, 0)].encode("utf-8", "surrogateescape"))


def enclosing(doc: Doc, at: int, kind: str) -> Node | None:
    """The innermost ``kind`` node holding byte ``at``."""
    best = None
    for n in walk(doc.root):
        if n.start_byte > at:
            break
        if n.type == kind and n.start_byte <= at < n.end_byte:
            best = n
    return best


def annotations(node: Node) -> list[Node]:
    mods = next((c for c in node.children if c.type == "modifiers"), None)
    return [a for a in (mods.named_children if mods else []) if a.type in ("annotation", "marker_annotation")]


def _name(doc: Doc, annotation: Node) -> str:
    return doc.text(annotation.child_by_field_name("name")).rsplit(".", 1)[-1]


def mapping(doc: Doc, method: Node) -> Node | None:
    """The method's request mapping annotation (@GetMapping...), or None."""
    return next((a for a in annotations(method) if _name(doc, a) in MAPPINGS or _name(doc, a) in JAXRS), None)


def is_controller(doc: Doc, cls: Node) -> bool:
    """A Spring controller, or a JAX-RS root resource (@Path on the class)."""
    return any(_name(doc, a) in CONTROLLERS or _name(doc, a) == "Path" for a in annotations(cls))


def is_jaxrs(doc: Doc, annotation: Node) -> bool:
    return _name(doc, annotation) in JAXRS


def _element(doc: Doc, annotation: Node, keys: tuple[str, ...]) -> Node | None:
    """The annotation's value for one of ``keys`` (the bare argument is ``value``)."""
    args = annotation.child_by_field_name("arguments")
    for a in args.named_children if args is not None else []:
        if a.type == "element_value_pair":
            key = a.child_by_field_name("key")
            if key is not None and doc.text(key) in keys:
                return a.child_by_field_name("value")
        elif "value" in keys and a.type != "comment":
            return a
    return None


def _path(doc: Doc, annotation: Node | None) -> str:
    value = _element(doc, annotation, ("value", "path")) if annotation is not None else None
    if value is None:
        return ""
    return next((string_value(doc, n) or "" for n in walk(value) if n.type == "string_literal"), "")


def mapping_route(doc: Doc, method: Node, cls: Node | None, annotation: Node) -> str:
    """"GET /api/zendesk/jwt": the mapping's method and path under the class's @RequestMapping (JAX-RS:
    the HTTP method annotation, the method's @Path under the class's @Path)."""
    if is_jaxrs(doc, annotation):
        own = next((a for a in annotations(method) if _name(doc, a) == "Path"), None)
        base = next((a for a in annotations(cls) if _name(doc, a) == "Path"), None) if cls is not None else None
        return route(_name(doc, annotation), _path(doc, base).rstrip("/") + "/" + _path(doc, own).lstrip("/"))
    verb = MAPPINGS[_name(doc, annotation)]
    if verb is None:
        value = _element(doc, annotation, ("method",))
        listed = [doc.text(n).rsplit(".", 1)[-1] for n in walk(value)
                  if n.type in ("field_access", "identifier") and n.parent is not None and
                  n.parent.type != "field_access"] if value is not None else []
        verb = ",".join(m.upper() for m in listed) or "*"
    base = next((a for a in annotations(cls) if _name(doc, a) == "RequestMapping"), None) if cls is not None else None
    return route(verb, _path(doc, base).rstrip("/") + "/" + _path(doc, annotation).lstrip("/"))


@dataclass(frozen=True)
class Endpoint:
    method: Node
    cls: Node
    mapping: Node
    route: str


def endpoint(doc: Doc, at: int) -> Endpoint | None:
    """The mapped method of a controller holding byte ``at``."""
    method, cls = enclosing(doc, at, "method_declaration"), enclosing(doc, at, "class_declaration")
    found = mapping(doc, method) if method is not None else None
    if method is None or cls is None or found is None or not is_controller(doc, cls):
        return None
    return Endpoint(method, cls, found, mapping_route(doc, method, cls, found))


def of(doc: Doc, at: int) -> str | None:
    found = endpoint(doc, at)
    return found.route if found is not None else None
