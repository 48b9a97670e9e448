"""How Go source looks to the shared expression machinery (``migrate.extract.values``) and to the
response tracing (``tsutil_response``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from migrate.extract import traits
from migrate.extract.treesitter import Doc, string_value, walk
from migrate.extract.tsutil_response import STOP, Dialect, Verdict
from migrate.extract.values import Assign, Node, Values, child, children, float_value, int_value
from migrate.model import ExprKind

_KINDS: dict[str, ExprKind] = {
    "int_literal": "int", "float_literal": "float", "interpreted_string_literal": "string",
    "raw_string_literal": "string", "true": "bool", "false": "bool", "nil": "null",
    "identifier": "name", "selector_expression": "member", "index_expression": "member",
    "call_expression": "call", "type_conversion_expression": "call", "binary_expression": "binary",
    "composite_literal": "object",
}
_ASSIGNING = ("short_var_declaration", "assignment_statement")
_NUMBERS = ("int_literal", "float_literal")
# Handlers registered on a route: http.HandleFunc("/jwt", ...), r.GET("/jwt", ...), mux.Handle(...)
_ROUTES = re.compile(r"^(HandleFunc|Handle|Get|Post|Put|Patch|Delete|GET|POST|PUT|PATCH|DELETE|Any|"
                     r"HEAD|OPTIONS|Head|Options|Match|Route)$")
_DECODER = re.compile(r"base64\.(Std|URL|RawStd|RawURL)Encoding\.DecodeString$")
# Response writers that send the value as the body text.
_TEXT_WRITERS = re.compile(r"(^|\.)(Write|WriteString|Fprint|Fprintln|String|SendString|Send|"
                           r"Data|Blob|WriteHeaderAndJSON)$")
_JSON_WRITERS = re.compile(r"(^|\.)(JSON|IndentedJSON|PureJSON|JSONP|SecureJSON|AsciiJSON|Encode|"
                           r"Marshal|MarshalIndent|WriteJSON|RenderJSON)$")


# html/template and gin: the value is rendered into a page.
_TEMPLATES = re.compile(r"\.(Execute|ExecuteTemplate|HTML)$")
# t.Add(time.Hour), t.Add(ttl * time.Second): the duration is the Add argument.
_ADD = re.compile(r"\.Add\(\s*((?:[^()]|\([^()]*\))*)\)")


class GoDialect(Dialect):
    grammar = "go"
    language = "go"
    scopes = frozenset({"function_declaration", "method_declaration", "func_literal"})
    containers = frozenset({"composite_literal"})
    assignment_types = frozenset({"short_var_declaration", "assignment_statement", "var_spec", "const_spec"})
    wrappers = frozenset({"literal_element", "parenthesized_expression"})
    statements = frozenset({"expression_statement", "return_statement", "short_var_declaration",
                            "assignment_statement", "var_declaration", "block", "if_statement",
                            "for_statement", "go_statement", "defer_statement"})
    unordered_root = True  # package-level declarations are visible everywhere

    def kind(self, doc: Doc, node: Node) -> ExprKind:
        if node.type == "unary_expression":
            operand = child(node, "operand")
            op = doc.text(child(node, "operator"))
            if operand is not None and op == "&" and operand.type == "composite_literal":
                return "object"
            if operand is not None and op == "-" and operand.type in _NUMBERS:
                return _KINDS[operand.type]
            return "other"
        return _KINDS.get(node.type, "other")

    def literal(self, doc: Doc, node: Node) -> tuple[ExprKind, int | float | str | bool | None]:
        kind = self.kind(doc, node)
        return kind, self.value(doc, node, kind)

    def value(self, doc: Doc, node: Node, kind: ExprKind) -> int | float | str | bool | None:
        text = doc.text(node).replace(" ", "")
        if kind == "int":
            return int_value(text)
        if kind == "float":
            return float_value(text)
        if kind == "bool":
            return text == "true"
        if kind == "string":
            return string_value(doc, node)
        return None

    def reference(self, doc: Doc, node: Node) -> str | None:
        if node.type != "identifier" or node.parent is None:
            return None
        parent = node.parent
        if parent.type == "literal_element" and parent.parent is not None \
                and parent.parent.type == "keyed_element" and child(parent.parent, "key") == parent:
            return None  # a struct field name in a literal
        if parent.type == "expression_list" and parent.parent is not None \
                and parent.parent.type in _ASSIGNING and child(parent.parent, "left") == parent:
            return None
        return doc.text(node)

    def assignments(self, doc: Doc, node: Node) -> Iterable[Assign]:
        if node.type in _ASSIGNING:
            if doc.text(child(node, "operator")) not in ("", "=", ":="):
                return ()
            return _pairs(doc, node, children(child(node, "left")), children(child(node, "right")))
        if node.type in ("var_spec", "const_spec"):
            names = [n for n in children(node, "name") if n.type == "identifier"]
            return _pairs(doc, node, names, children(child(node, "value")))
        return ()

    def parameters(self, doc: Doc, scope: Node) -> frozenset[str]:
        names: set[str] = set()
        for field in ("parameters", "receiver"):
            for decl in children(child(scope, field)):
                names |= {doc.text(n) for n in children(decl, "name")}
        return frozenset(names)

    def scope_name(self, doc: Doc, scope: Node) -> str | None:
        if scope.type != "func_literal":
            return doc.text(child(scope, "name")) or None
        parent = scope.parent
        if parent is not None and parent.type == "argument_list" and parent.parent is not None:
            call = parent.parent
            fn = child(call, "function")
            selector = fn is not None and fn.type == "selector_expression"
            field = child(fn, "field") if selector else None
            first = parent.named_children[0] if parent.named_child_count else None
            if field is not None and _ROUTES.match(doc.text(field)) and first is not None \
                    and first.type.endswith("string_literal"):
                return string_value(doc, first)
        if parent is not None and parent.type == "expression_list" and parent.parent is not None \
                and parent.parent.type in _ASSIGNING:
            left = children(child(parent.parent, "left"))
            return doc.text(left[0]) if left else None
        return None

    def key_inner(self, values: Values, node: Node) -> Node | None:
        doc = values.doc
        if node.type == "type_conversion_expression":
            return child(node, "operand")
        if node.type == "call_expression":
            args = children(child(node, "arguments"))
            fn = doc.text(child(node, "function"))
            if len(args) == 1 and (fn in ("string", "[]byte") or _DECODER.search(fn)):
                return args[0]
        return None

    def offset(self, text: str, found: frozenset[str]) -> float | None:
        m = _ADD.search(text)
        return traits.duration_seconds(m.group(1)) if m else None

    def sink(self, doc: Doc, parent: Node, node: Node) -> Verdict | None:
        if parent.type == "expression_list":
            return _list_sink(doc, parent, node)
        if parent.type == "return_statement":
            return Verdict("return")
        if parent.type == "argument_list" and parent.parent is not None \
                and parent.parent.type == "call_expression":
            return _call_sink(doc, parent.parent, parent, node)
        if parent.type == "var_spec" and child(parent, "value") is not None:
            return None
        return None

    def positional(self, doc: Doc, scope: Node) -> list[str]:
        return [doc.text(n) for decl in children(child(scope, "parameters")) for n in children(decl, "name")]

    def argument(self, doc: Doc, call: Node, position: int, name: str) -> Node | None:
        args = self.arguments(doc, call)
        return args[position] if position < len(args) else None

    def arguments(self, doc: Doc, call: Node) -> list[Node]:
        return [a for a in children(child(call, "arguments")) if a.type != "comment"]

    def calls_to(self, doc: Doc, root: Node, name: str) -> Iterator[Node]:
        for n in walk(root):
            if n.type == "call_expression":
                fn = child(n, "function")
                if fn is not None and (fn.type == "identifier" and doc.text(fn) == name or
                                       fn.type == "selector_expression"
                                       and doc.text(child(fn, "field")) == name):
                    yield n


def _pairs(doc: Doc, node: Node, left: list[Node], right: list[Node]) -> list[Assign]:
    if not right:
        return []
    if len(right) == 1:
        left = left[:1]  # v, err := f(): the first result is the value
    out = []
    for target, value in zip(left, right, strict=False):
        if target.type == "identifier" and doc.text(target) != "_":
            out.append(Assign(doc.text(target), target, value, node.end_byte))
    return out


def _list_sink(doc: Doc, values: Node, node: Node) -> Verdict | None:
    """A value in ``a, b := x, y`` / ``return x, err`` / ``var a = x``."""
    owner = values.parent
    if owner is None:
        return None
    if owner.type == "return_statement":
        return Verdict("return")
    if owner.type in _ASSIGNING or owner.type == "var_spec":
        right = child(owner, "right") or child(owner, "value")
        if right != values:
            return STOP
        items = values.named_children
        left = (children(child(owner, "left")) if owner.type in _ASSIGNING
                else [n for n in children(owner, "name") if n.type == "identifier"])
        at = items.index(node) if node in items else 0
        target = left[at] if at < len(left) else None
        if target is None or target.type != "identifier":
            return STOP
        return Verdict("assign", doc.text(target))
    return None


def _call_sink(doc: Doc, call: Node, args: Node, node: Node) -> Verdict | None:
    fn = doc.text(child(call, "function"))
    if fn.endswith("Fprintf"):
        fmt = args.named_children[1] if args.named_child_count > 1 else None
        if fmt is not None and fmt != node and "{" in doc.text(fmt):
            return Verdict("object")  # a hand-written JSON object: {"jwt":"%s"}
        return Verdict("text")
    if fn.startswith("fmt.S") or fn.startswith("strings."):
        return None  # formatting on the way to a writer
    if _TEMPLATES.search(fn):
        return Verdict("template")
    if _JSON_WRITERS.search(fn):
        return Verdict("json")
    if _TEXT_WRITERS.search(fn) or fn == "io.WriteString":
        return Verdict("text")
    return None
