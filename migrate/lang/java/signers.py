"""Java signers, through the libraries in ``libraries/``: jjwt (``Jwts.builder()``), auth0
java-jwt (``JWT.create()``) and Nimbus JOSE+JWT (``SignedJWT`` / ``JWSObject`` + ``MACSigner``)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from migrate.extract.base import Found, Source
from migrate.extract.signer import Draft
from migrate.extract.treesitter import Doc, ancestors, string_value, walk
from migrate.extract.tsclaims import Call, Node, Reader, Syntax, key_of
from migrate.extract.tsclaims_signer import ResponseRules, extract_signers
from migrate.lang.java import builders, libraries, routes
from migrate.model import ExprKind

# Files without any of these cannot sign a token with the supported libraries.
_RELEVANT = libraries.relevant()


class Java(Syntax):
    language = "java"
    grammar = "java"
    kinds: dict[str, ExprKind] = {
        "string_literal": "string", "character_literal": "string", "decimal_integer_literal": "int",
        "hex_integer_literal": "int", "octal_integer_literal": "int", "binary_integer_literal": "int",
        "decimal_floating_point_literal": "float", "hex_floating_point_literal": "float", "true": "bool",
        "false": "bool", "null_literal": "null", "identifier": "name", "field_access": "member",
        "method_invocation": "call", "object_creation_expression": "call", "binary_expression": "binary",
    }
    scopes = frozenset({"method_declaration", "constructor_declaration", "lambda_expression",
                        "static_initializer", "compact_constructor_declaration"})
    classes = frozenset({"class_declaration", "enum_declaration", "record_declaration",
                         "interface_declaration"})
    constructors = frozenset({"constructor_declaration"})
    wrappers = frozenset({"parenthesized_expression"})
    call_types = frozenset({"method_invocation", "object_creation_expression"})
    assignment_types = frozenset({"variable_declarator", "assignment_expression", "formal_parameter"})
    named_functions = frozenset({"method_declaration"})

    def peel(self, r: Reader, node: Node) -> Node | None:
        return builders.peel(r, node)

    def call(self, doc: Doc, node: Node) -> Call | None:
        if node.type == "method_invocation":
            name = node.child_by_field_name("name")
            if name is None:
                return None
            return Call(node, doc.text(name), node.child_by_field_name("object"), _args(node))
        if node.type == "object_creation_expression":
            t = node.child_by_field_name("type")
            type_name = re.sub(r"<.*>|\s+", "", doc.text(t)) if t is not None else ""
            body = next((c for c in node.named_children if c.type == "class_body"), None)
            return Call(node, type_name, None, _args(node), {}, True, body)
        return None

    def member(self, doc: Doc, node: Node) -> tuple[Node, str] | None:
        if node.type != "field_access":
            return None
        obj, name = node.child_by_field_name("object"), node.child_by_field_name("field")
        return (obj, doc.text(name)) if obj is not None and name is not None else None

    def declarations(self, doc: Doc, node: Node) -> Iterable[tuple[Node, Node, bool]]:
        if node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            # @Value("${zendesk.secret}") private String secret;  -> the annotation is the source
            value = value or _value_annotation(doc, node.parent)
            if name is not None and value is not None:
                yield name, value, False
        elif node.type == "assignment_expression":
            op, left, right = node.child_by_field_name("operator"), node.child_by_field_name("left"), \
                node.child_by_field_name("right")
            if (op is not None and doc.text(op) == "=" and left is not None and right is not None
                    and left.type in ("identifier", "field_access")):
                yield left, right, True
        elif node.type == "formal_parameter":
            name, annotation = node.child_by_field_name("name"), _value_annotation(doc, node)
            if name is not None and annotation is not None:
                yield name, annotation, False

    def parameters(self, doc: Doc, scope: Node) -> list[str]:
        params = scope.child_by_field_name("parameters")
        if params is None:
            return []
        if params.type == "identifier":
            return [doc.text(params)]
        out = []
        for p in params.named_children:
            name = p.child_by_field_name("name") if p.type != "identifier" else p
            if name is None and p.type == "spread_parameter":
                name = next((d.child_by_field_name("name") for d in p.named_children
                             if d.type == "variable_declarator"), None)
            if name is not None:
                out.append(doc.text(name))
        return out

    def is_reference(self, node: Node) -> bool:
        parent = node.parent
        if parent is None:
            return False
        field = _VALUE_FIELDS.get(parent.type)
        if field is not None:
            return _same(parent.child_by_field_name(field), node)
        return parent.type in _VALUE_PARENTS


# parent type -> the one field of it that holds a value (the others are names)
_VALUE_FIELDS = {"method_invocation": "object", "field_access": "object", "variable_declarator": "value",
                 "assignment_expression": "right", "lambda_expression": "body", "cast_expression": "value",
                 "array_access": "array"}
_VALUE_PARENTS = frozenset({"argument_list", "binary_expression", "parenthesized_expression",
                            "return_statement", "ternary_expression", "unary_expression", "array_initializer",
                            "instanceof_expression", "element_value_pair", "expression_statement"})


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and key_of(a) == key_of(b)


def _args(node: Node) -> tuple[Node, ...]:
    args = node.child_by_field_name("arguments")
    return tuple(args.named_children) if args is not None else ()


def _annotations(node: Node | None) -> list[Node]:
    mods = next((c for c in node.named_children if c.type == "modifiers"), None) if node is not None else None
    return [a for a in mods.named_children if a.type in ("annotation", "marker_annotation")] if mods else []


def _value_annotation(doc: Doc, node: Node | None) -> Node | None:
    return next((a for a in _annotations(node) if doc.text(a.child_by_field_name("name")) == "Value"), None)


SYNTAX = Java()

_RESPONSES = ResponseRules(
    calls={"ok": "text", "body": "text", "write": "text", "print": "text", "println": "text",
           "result": "text", "entity": "text", "writeValueAsString": "json-string", "toJson": "json-string",
           "json": "json-string", "addAttribute": "template", "addObject": "template",
           "setAttribute": "template", "ResponseEntity": "text"},
    wrappers=frozenset({"of", "singletonMap", "ofEntries", "entry"}),
    objects=frozenset({"object_creation_expression"}),
    statements=frozenset({"expression_statement", "local_variable_declaration", "block"}),
    returns=frozenset({"return_statement"}),
    assignments=frozenset({"assignment_expression"}),
    template=re.compile(r"(?!x)x"),
)
_MAPPINGS = frozenset({"GetMapping", "PostMapping", "RequestMapping", "PutMapping", "PatchMapping",
                       "DeleteMapping", "Path", "GET", "POST"})


# --- where tokens are signed ----------------------------------------------------------------

def _sites(r: Reader) -> Iterable[Draft]:
    """Each call a library signs with, read by the first library it belongs to."""
    for n in r.find(SYNTAX.call_types):
        c = SYNTAX.call(r.doc, n)
        if c is None or c.new:
            continue
        for lib in libraries.signing(c.name):
            if (draft := lib.read(r, c)) is not None:
                yield draft
                break


# --- where it runs and where the token goes -------------------------------------------------

def _mapping(r: Reader, method: Node) -> tuple[bool, str | None]:
    """(whether a request mapping annotates the method, its path when written there)."""
    for a in _annotations(method):
        if r.text(a.child_by_field_name("name")) in _MAPPINGS:
            lit = next((n for n in walk(a) if n.type == "string_literal"), None)
            return True, string_value(r.doc, lit) if lit is not None else None
    return False, None


def _rest(r: Reader, method: Node) -> bool:
    """Spring writes a returned String as the body only for @RestController / @ResponseBody;
    JAX-RS always does."""
    names = {r.text(a.child_by_field_name("name")) for a in _annotations(method)}
    if names & {"GET", "POST", "Path", "ResponseBody"}:
        return True
    cls = next((a for a in ancestors(method) if a.type == "class_declaration"), None)
    rest = ("RestController", "Path", "ResponseBody")
    return cls is not None and any(r.text(a.child_by_field_name("name")) in rest for a in _annotations(cls))


def _lambda_route(r: Reader, lam: Node) -> str | None:
    """``get("/zendesk/jwt", (req, res) -> ..)`` (Spark, Javalin)."""
    if lam.parent is None or lam.parent.type != "argument_list" or lam.parent.parent is None:
        return None
    c = SYNTAX.call(r.doc, lam.parent.parent)
    if c is None or not c.args or c.name not in ("get", "post", "put", "patch", "delete", "route"):
        return None
    return r.string(c.args[0])


def _where(r: Reader, site: Node) -> tuple[str | None, bool]:
    """(function or route, whether a returned String is sent as the response body)."""
    for anc in ancestors(site):
        if anc.type == "lambda_expression" and (route := _lambda_route(r, anc)):
            return route, True
        if anc.type in ("method_declaration", "constructor_declaration"):
            mapped, route = _mapping(r, anc)
            return route or r.text(anc.child_by_field_name("name")), mapped and _rest(r, anc)
    return None, False


def extract(src: Source) -> Found:
    found = extract_signers(src, "java", _RELEVANT, SYNTAX, _sites, _where, _RESPONSES)
    if found.signers:
        doc = Doc.parse("java", src.data)  # the parse extract_signers made
        found.signers = [dataclasses.replace(s, route=routes.of(doc, routes.byte_at(src.data, s.line, s.column)))
                         for s in found.signers]
    return found


# --- JSP scriptlets -------------------------------------------------------------------------

class _Scriptlets(Java):
    """The scriptlet code of a JSP page: statements at the top level of the file, as in the
    service method a JSP compiles to, so the file itself is a scope."""

    scopes = Java.scopes | {"program"}


# ``<%= jwt %>`` reaches the Java view as ``_p( jwt );`` (same length): printing into the page.
SCRIPTLET_PRINT = b"_p("
_SCRIPTLET_RESPONSES = dataclasses.replace(_RESPONSES, calls={
    **_RESPONSES.calls, SCRIPTLET_PRINT[:-1].decode(): "template", "print": "template", "println": "template",
    "write": "template"})


def extract_scriptlets(src: Source) -> Found:
    """Signers in a JSP page's scriptlets.  ``src.data`` is the page with everything but the
    scriptlet code blank (same length), so lines and columns are those of the page.  The view
    is pieced together from fragments: what the grammar cannot place is not a syntax error the
    user made, so none is reported."""
    found = extract_signers(src, "java", _RELEVANT, _Scriptlets(), _sites, _where, _SCRIPTLET_RESPONSES)
    found.errors.clear()
    return found
