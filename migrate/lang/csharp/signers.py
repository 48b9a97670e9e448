"""C# signers, through the libraries in ``libraries/``: JWT.Net (JwtEncoder, JwtBuilder) and
System.IdentityModel.Tokens.Jwt (JwtSecurityToken, SecurityTokenDescriptor + token handlers)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from migrate.extract.base import Found, Source
from migrate.extract.signer import Draft
from migrate.extract.treesitter import Doc, ancestors, string_value, walk
from migrate.extract.tsclaims import Call, Node, Reader, Syntax, key_of
from migrate.extract.tsclaims_signer import ResponseRules, extract_signers
from migrate.lang.csharp import builders, libraries, routes
from migrate.model import ExprKind, Marker

# Files without any of these cannot sign a token with the supported libraries.
_RELEVANT = libraries.relevant()


class CSharp(Syntax):
    language = "csharp"
    grammar = "csharp"
    kinds: dict[str, ExprKind] = {
        "string_literal": "string", "verbatim_string_literal": "string", "raw_string_literal": "string",
        "character_literal": "string", "interpolated_string_expression": "template",
        "integer_literal": "int", "real_literal": "float", "boolean_literal": "bool", "null_literal": "null",
        "identifier": "name", "member_access_expression": "member", "invocation_expression": "call",
        "object_creation_expression": "call", "implicit_object_creation_expression": "call",
        "binary_expression": "binary", "anonymous_object_creation_expression": "object",
    }
    scopes = frozenset({"method_declaration", "constructor_declaration", "local_function_statement",
                        "lambda_expression", "anonymous_method_expression", "accessor_declaration",
                        "operator_declaration", "compilation_unit"})
    classes = frozenset({"class_declaration", "struct_declaration", "record_declaration",
                         "interface_declaration"})
    constructors = frozenset({"constructor_declaration"})
    wrappers = frozenset({"parenthesized_expression"})
    call_types = frozenset({"invocation_expression", "object_creation_expression",
                            "implicit_object_creation_expression"})
    assignment_types = frozenset({"variable_declarator", "assignment_expression", "property_declaration"})
    named_functions = frozenset({"method_declaration", "local_function_statement"})

    def peel(self, r: Reader, node: Node) -> Node | None:
        return builders.peel(r, node)

    def call(self, doc: Doc, node: Node) -> Call | None:
        if node.type == "invocation_expression":
            fn = node.child_by_field_name("function")
            if fn is None:
                return None
            receiver = None
            if fn.type == "member_access_expression":
                receiver, fn = fn.child_by_field_name("expression"), fn.child_by_field_name("name")
            if fn is None or fn.type not in ("identifier", "generic_name"):
                return None
            name = doc.text(fn.named_children[0] if fn.type == "generic_name" else fn)
            return self._with_args(doc, node, name, receiver, node.child_by_field_name("arguments"))
        if node.type in ("object_creation_expression", "implicit_object_creation_expression"):
            t = node.child_by_field_name("type")
            name = re.sub(r"<.*>|\s+", "", doc.text(t)).removeprefix("global::") if t is not None else ""
            args = node.child_by_field_name("arguments") or _child(node, "argument_list")
            init = node.child_by_field_name("initializer") or _child(node, "initializer_expression")
            c = self._with_args(doc, node, name, None, args)
            return Call(c.node, c.name, None, c.args, c.named, True, init)
        return None

    def _with_args(self, doc: Doc, node: Node, name: str, receiver: Node | None, args: Node | None) -> Call:
        positional: list[Node] = []
        named: dict[str, Node] = {}
        for arg in args.named_children if args is not None else ():
            if arg.type != "argument" or not arg.named_children:
                continue
            label = arg.child_by_field_name("name")
            value = arg.named_children[-1]
            if label is not None:
                named[doc.text(label)] = value
            else:
                positional.append(value)
        return Call(node, name, receiver, tuple(positional), named)

    def member(self, doc: Doc, node: Node) -> tuple[Node, str] | None:
        if node.type != "member_access_expression":
            return None
        obj, name = node.child_by_field_name("expression"), node.child_by_field_name("name")
        return (obj, doc.text(name)) if obj is not None and name is not None else None

    def declarations(self, doc: Doc, node: Node) -> Iterable[tuple[Node, Node, bool]]:
        if node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), _after_equals(node)
            if name is not None and value is not None:
                yield name, value, False
        elif node.type == "assignment_expression":
            op, left, right = node.child_by_field_name("operator"), node.child_by_field_name("left"), \
                node.child_by_field_name("right")
            in_initializer = node.parent is not None and node.parent.type == "initializer_expression"
            if (op is not None and doc.text(op) == "=" and left is not None and right is not None
                    and not in_initializer and left.type in ("identifier", "member_access_expression")):
                yield left, right, True
        elif node.type == "property_declaration":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if value is not None and value.type == "arrow_expression_clause":
                value = value.named_children[-1] if value.named_children else None
            value = value or _after_equals(node)
            if name is not None and value is not None:
                yield name, value, False

    def element_assignment(self, doc: Doc, node: Node) -> tuple[Node, Node, Node] | None:
        if node.type != "assignment_expression":
            return None
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or left.type != "element_access_expression":
            return None
        obj, sub = left.child_by_field_name("expression"), left.child_by_field_name("subscript")
        arg = next((a for a in sub.named_children if a.type == "argument"), None) if sub is not None else None
        if obj is None or arg is None or not arg.named_children:
            return None
        return obj, arg.named_children[-1], right

    def parameters(self, doc: Doc, scope: Node) -> list[str]:
        params = scope.child_by_field_name("parameters")
        if params is None:
            return []
        if params.type == "identifier":
            return [doc.text(params)]
        names = (p.child_by_field_name("name") for p in params.named_children)
        return [doc.text(n) for n in names if n is not None]

    def is_reference(self, node: Node) -> bool:
        parent = node.parent
        if parent is None:
            return False
        if parent.type in ("member_access_expression", "invocation_expression"):
            return _same(parent.child_by_field_name("expression"), node)
        if parent.type in ("variable_declarator", "assignment_expression"):
            return not _same(parent.child_by_field_name("name"), node) and \
                not _same(parent.child_by_field_name("left"), node)
        if parent.type == "anonymous_object_creation_expression":
            return node.next_sibling is None or node.next_sibling.type != "="
        if parent.type == "argument":
            return not _same(parent.child_by_field_name("name"), node)
        return parent.type in _VALUE_PARENTS


_VALUE_PARENTS = frozenset({
    "binary_expression", "parenthesized_expression", "cast_expression", "element_access_expression",
    "interpolation", "prefix_unary_expression", "postfix_unary_expression", "conditional_expression",
    "return_statement", "arrow_expression_clause", "initializer_expression", "expression_element",
    "conditional_access_expression", "await_expression", "lambda_expression", "equals_value_clause",
})


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and key_of(a) == key_of(b)


def _child(node: Node, kind: str) -> Node | None:
    return next((c for c in node.named_children if c.type == kind), None)


def _after_equals(node: Node) -> Node | None:
    seen = False
    for ch in node.children:
        if seen and ch.is_named:
            return ch
        seen = seen or ch.type == "="
    return None


SYNTAX = CSharp()

_RESPONSES = ResponseRules(
    calls={"Ok": "json-string", "Json": "json-string", "JsonResult": "json-string",
           "OkObjectResult": "json-string", "Serialize": "json-string", "SerializeObject": "json-string",
           "Content": "text", "Text": "text", "ContentResult": "text", "WriteAsync": "text",
           "View": "template", "PartialView": "template", "Page": "template"},
    wrappers=frozenset(),
    objects=frozenset({"anonymous_object_creation_expression", "initializer_expression"}),
    statements=frozenset({"expression_statement", "local_declaration_statement", "block"}),
    returns=frozenset({"return_statement", "arrow_expression_clause"}),
    assignments=frozenset({"assignment_expression"}),
    template=re.compile(r"^(ViewBag\.|ViewData\s*\[|TempData\s*\[)"),
)
_ROUTE_ATTRIBUTES = frozenset({"HttpGet", "HttpPost", "HttpPut", "HttpPatch", "HttpDelete", "Route"})


# --- where tokens are signed ----------------------------------------------------------------

def _sites(r: Reader) -> Iterable[Draft]:
    """Every library's tokens, read from the file's calls."""
    calls = r.calls()
    for lib in libraries.all_libraries():
        yield from lib.sites(r, calls)


# --- where it runs and where the token goes -------------------------------------------------

def _route(r: Reader, method: Node) -> str | None:
    for attrs in (ch for ch in method.children if ch.type == "attribute_list"):
        for attr in (a for a in attrs.named_children if a.type == "attribute"):
            name = r.text(attr.child_by_field_name("name")).removesuffix("Attribute")
            if name not in _ROUTE_ATTRIBUTES:
                continue
            for lit in walk(attr):
                if lit.type in ("string_literal", "verbatim_string_literal"):
                    return string_value(r.doc, lit)
    return None


def _mapped_route(r: Reader, lam: Node) -> str | None:
    """``app.MapGet("/zendesk/jwt", (..) => ..)`` (minimal APIs)."""
    arg_list = lam.parent.parent if lam.parent is not None and lam.parent.type == "argument" else None
    c = SYNTAX.call(r.doc, arg_list.parent) if arg_list is not None and arg_list.parent is not None else None
    if c is None or not c.name.startswith("Map") or not c.args:
        return None
    return r.string(c.args[0])


def _where(r: Reader, site: Node) -> tuple[str | None, bool]:
    """(function or route, whether it is a web endpoint)."""
    for anc in ancestors(site):
        if anc.type == "lambda_expression" and (route := _mapped_route(r, anc)):
            return route, True
        if anc.type in ("method_declaration", "local_function_statement", "constructor_declaration"):
            route = _route(r, anc) if anc.type == "method_declaration" else None
            if route is not None:
                return route, True
            cls = next((a for a in ancestors(anc) if a.type == "class_declaration"), None)
            controller = cls is not None and r.text(cls.child_by_field_name("name")).endswith("Controller")
            return r.text(anc.child_by_field_name("name")), controller
    return None, False


def extract(src: Source) -> Found:
    found = extract_signers(src, "csharp", _RELEVANT, SYNTAX, _sites, _where, _RESPONSES)
    if not found.signers and ".Map" not in src.text:
        return found
    doc = Doc.parse("csharp", src.data)  # the parse extract_signers made, when it made one
    if ".Map" in src.text:  # app.MapGet("/x", Endpoints.Jwt): routes of methods in other files
        found.markers.extend(routes.route_markers(doc))
    for i, s in enumerate(found.signers):
        route, key = routes.of(doc, routes.byte_at(src.data, s.line, s.column))
        if route is not None:
            found.signers[i] = dataclasses.replace(s, route=route)
        elif key is not None:  # a method a Map call elsewhere may name: the inventory joins them
            found.markers.append(Marker("route-handler", s.line, s.column, key))
    return found
