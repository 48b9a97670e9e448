"""How PHP source looks to the shared expression machinery (``migrate.extract.values``) and to the
response tracing (``tsutil_response``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from migrate.extract.treesitter import Doc, ancestors, string_value, walk
from migrate.extract.tsutil_response import STOP, Dialect, Verdict
from migrate.extract.values import Assign, Node, Values, child, children, float_value, int_value
from migrate.model import ExprKind

_KINDS: dict[str, ExprKind] = {
    "integer": "int", "float": "float", "string": "string", "nowdoc": "string", "boolean": "bool",
    "null": "null", "variable_name": "name", "name": "name",
    "member_access_expression": "member", "nullsafe_member_access_expression": "member",
    "subscript_expression": "member", "class_constant_access_expression": "member",
    "scoped_property_access_expression": "member",
    "function_call_expression": "call", "member_call_expression": "call",
    "nullsafe_member_call_expression": "call", "scoped_call_expression": "call",
    "object_creation_expression": "call", "binary_expression": "binary",
    "array_creation_expression": "object",
}
_CALLS = ("member_call_expression", "nullsafe_member_call_expression", "scoped_call_expression")
_FUNCTIONS = frozenset({"function_definition", "method_declaration"})
_ROUTES = frozenset({"get", "post", "put", "patch", "delete", "any", "match", "map", "options"})
# Places where a bare name is a constant being read.
_CONSTANT_CONTEXTS = frozenset({"argument", "binary_expression", "array_element_initializer",
                                "assignment_expression", "return_statement", "echo_statement",
                                "parenthesized_expression", "conditional_expression",
                                "expression_statement"})
_DECODERS = frozenset({"base64_decode", "urlsafeB64Decode", "trim", "strval", "hex2bin"})
_JSON_FUNCTIONS = frozenset({"json_encode", "wp_send_json", "wp_send_json_success"})
_JSON_METHODS = frozenset({"json", "withJson", "setJson"})
_TEXT_FUNCTIONS = frozenset({"response", "printf", "print_r", "fwrite", "fputs",
                             "file_put_contents"})
_TEXT_METHODS = frozenset({"write", "setContent", "make", "send", "body"})
_PLAIN_PARTS = frozenset({"string_content", "escape_sequence", "heredoc_start", "heredoc_end"})
_TEXT_STATEMENTS = frozenset({"echo_statement", "print_intrinsic", "exit_statement"})


class PhpDialect(Dialect):
    grammar = "php"
    language = "php"
    scopes = frozenset({"function_definition", "method_declaration", "anonymous_function",
                        "arrow_function"})
    containers = frozenset({"array_creation_expression"})
    assignment_types = frozenset({"assignment_expression", "const_element", "property_element",
                                  "function_call_expression"})
    wrappers = frozenset({"argument", "parenthesized_expression"})
    statements = frozenset({"expression_statement", "compound_statement", "if_statement",
                            "foreach_statement", "for_statement", "while_statement",
                            "try_statement"})

    def kind(self, doc: Doc, node: Node) -> ExprKind:
        if node.type in ("encapsed_string", "heredoc"):
            return "template" if _interpolated(node) else "string"
        if node.type == "unary_op_expression":
            arg = child(node, "argument")
            negative = doc.text(child(node, "operator")) == "-"
            if negative and arg is not None and arg.type in ("integer", "float"):
                return _KINDS[arg.type]
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
            return text.lower() == "true"
        if kind == "string":
            if node.type in ("heredoc", "nowdoc"):
                return _doc_body(doc, node)
            return string_value(doc, node)
        return None

    def reference(self, doc: Doc, node: Node) -> str | None:
        parent = node.parent
        if parent is None:
            return None
        if node.type == "variable_name":
            text = doc.text(node)
            if text == "$this" or parent.type in ("member_access_expression", "simple_parameter") \
                    and child(parent, "name") == node:
                return None
            if parent.type in ("assignment_expression", "augmented_assignment_expression") \
                    and child(parent, "left") == node:
                return None
            return text
        if node.type == "member_access_expression":
            obj = child(node, "object")
            if doc.text(obj) == "$this" and not (parent.type == "assignment_expression"
                                                and child(parent, "left") == node):
                return "$this->" + doc.text(child(node, "name"))
            return None
        if node.type == "class_constant_access_expression":
            scope = node.named_children[0] if node.named_child_count else None
            if scope is not None and doc.text(scope) in ("self", "static"):
                return doc.text(node.named_children[-1])
            return None
        if node.type == "name" and parent.type in _CONSTANT_CONTEXTS:
            return doc.text(node)
        return None

    def assignments(self, doc: Doc, node: Node) -> Iterable[Assign]:
        if node.type == "assignment_expression":
            left, right = child(node, "left"), child(node, "right")
            if left is None or right is None:
                return ()
            if left.type == "variable_name":
                return (Assign(doc.text(left), left, right, node.end_byte),)
            prop = _property(doc, left)
            if prop is not None:
                return (Assign(prop, left, right, node.end_byte),)
            return ()
        if node.type == "const_element" and node.named_child_count >= 2:
            name, value = node.named_children[0], node.named_children[-1]
            return (Assign(doc.text(name), name, value, node.end_byte),)
        if node.type == "property_element":
            name, value = child(node, "name"), child(node, "default_value")
            if name is not None and value is not None:
                return (Assign("$this->" + doc.text(name).lstrip("$"), name, value, node.end_byte),)
        if node.type == "function_call_expression" and _called(doc, node) == "define":
            args = children(child(node, "arguments"))
            key = string_value(doc, self.unwrap(args[0])) if len(args) == 2 else None
            if key:
                return (Assign(key, args[0], args[1], node.end_byte),)
        return ()

    def global_name(self, name: str) -> bool:
        return not name.startswith("$") or name.startswith("$this->")

    def sees_outer(self, scope: Node) -> bool:
        # Arrow functions see the enclosing scope; closures only what they `use`, which is
        # read here as the enclosing scope too (a closure rarely shadows what it does not use).
        return scope.type not in _FUNCTIONS

    def parameters(self, doc: Doc, scope: Node) -> frozenset[str]:
        names = set()
        for p in children(child(scope, "parameters")):
            name = child(p, "name")
            if name is not None:
                names.add(doc.text(name))
        return frozenset(names)

    def scope_name(self, doc: Doc, scope: Node) -> str | None:
        if scope.type in _FUNCTIONS:
            return doc.text(child(scope, "name")) or None
        return route(doc, scope)

    def key_inner(self, values: Values, node: Node) -> Node | None:
        doc = values.doc
        if node.type == "cast_expression" and doc.text(child(node, "type")) == "string":
            return child(node, "value")
        name = _called(doc, node)
        args = children(child(node, "arguments"))
        if name in _DECODERS and len(args) == 1:
            return self.unwrap(args[0])
        return None

    def sink(self, doc: Doc, parent: Node, node: Node) -> Verdict | None:
        if parent.type in _TEXT_STATEMENTS:
            return Verdict("text")
        if parent.type == "return_statement":
            return Verdict("return")
        if parent.type == "assignment_expression":
            left = child(parent, "left")
            if child(parent, "right") != node or left is None:
                return STOP
            name = doc.text(left) if left.type == "variable_name" else _property(doc, left)
            return Verdict("assign", name) if name else STOP
        if parent.type == "arguments" and parent.parent is not None:
            return _call_sink(doc, parent.parent)
        return None

    def positional(self, doc: Doc, scope: Node) -> list[str]:
        return [doc.text(child(p, "name")) for p in children(child(scope, "parameters"))
                if p.type == "simple_parameter" and child(p, "name") is not None]

    def argument(self, doc: Doc, call: Node, position: int, name: str) -> Node | None:
        args = self.arguments(doc, call)
        return args[position] if position < len(args) else None

    def arguments(self, doc: Doc, call: Node) -> list[Node]:
        out = []
        for a in children(child(call, "arguments")):
            if a.type == "argument" and child(a, "name") is None and a.named_children:
                out.append(a.named_children[-1])
        return out

    def calls_to(self, doc: Doc, root: Node, name: str) -> Iterator[Node]:
        for n in walk(root):
            if (n.type in _CALLS or n.type == "function_call_expression") \
                    and _called(doc, n) == name:
                yield n

    def unreturned(self, doc: Doc, scope: Node, contained: bool) -> str | None:
        # Laravel turns an array returned by a controller or route into JSON.
        if contained:
            return "object" if _controller(doc, scope) or route(doc, scope) else None
        return "text"


def _property(doc: Doc, node: Node) -> str | None:
    """``$this->secret`` -> "$this->secret" (properties resolve across methods)."""
    if node.type == "member_access_expression" and doc.text(child(node, "object")) == "$this":
        return "$this->" + doc.text(child(node, "name"))
    return None


def _interpolated(node: Node) -> bool:
    """Whether a double-quoted string or heredoc holds ``$var`` / ``{$expr}`` parts."""
    for c in node.named_children:
        if c.type == "heredoc_body":
            if _interpolated(c):
                return True
        elif c.type not in _PLAIN_PARTS:
            return True
    return False


def _called(doc: Doc, node: Node) -> str | None:
    """The function or method name a call invokes."""
    if node.type == "function_call_expression":
        return doc.text(child(node, "function")).lstrip("\\").rsplit("\\", 1)[-1]
    if node.type in _CALLS:
        return doc.text(child(node, "name"))
    return None


def _call_sink(doc: Doc, call: Node) -> Verdict | None:
    name = _called(doc, call)
    if call.type == "object_creation_expression":
        names = [doc.text(c) for c in call.named_children if c.type in ("name", "qualified_name")]
        cls = names[0].rsplit("\\", 1)[-1] if names else ""
        if cls == "JsonResponse":
            return Verdict("json")
        return Verdict("text") if cls == "Response" else None
    if name is None:
        return None
    if name == "view" and call.type == "function_call_expression" or \
            name == "render" and call.type != "function_call_expression":
        return Verdict("template")  # view('chat', ['jwt' => $token]), $twig->render(...)
    if name in _JSON_FUNCTIONS and call.type == "function_call_expression" or \
            name in _JSON_METHODS and call.type != "function_call_expression":
        return Verdict("json")
    if name in _TEXT_FUNCTIONS and call.type == "function_call_expression" or \
            name in _TEXT_METHODS and call.type != "function_call_expression":
        return Verdict("text")
    return None


def route(doc: Doc, closure: Node) -> str | None:
    """The path of a route closure (``Route::get('/jwt', function () {...})``)."""
    arg = closure.parent
    args = arg.parent if arg is not None and arg.type == "argument" else None
    call = args.parent if args is not None else None
    if call is None or call.type not in _CALLS or (_called(doc, call) or "").lower() not in _ROUTES:
        return None
    first = args.named_children[0] if args.named_child_count else None
    if first is None or first == arg:
        return None
    value = first.named_children[-1] if first.named_child_count else None
    if value is None or value.type not in ("string", "encapsed_string"):
        return None
    return string_value(doc, value)


def _controller(doc: Doc, scope: Node) -> bool:
    for a in ancestors(scope):
        if a.type == "class_declaration":
            return doc.text(child(a, "name")).endswith("Controller")
    return False


def _doc_body(doc: Doc, node: Node) -> str:
    """A heredoc's or nowdoc's value: the lines between its markers, less the closing marker's
    indentation (PHP 7.3)."""
    body = next((c for c in node.children if c.type in ("heredoc_body", "nowdoc_body")), None)
    end = next((c for c in node.children if c.type == "heredoc_end"), None)
    if body is None:
        return ""
    text = doc.text(body).removeprefix("\r\n").removeprefix("\n")
    indent = ""
    if end is not None:
        line = doc.text(node)[:end.start_byte - node.start_byte].rsplit("\n", 1)[-1]
        indent = line if not line.strip() else ""
    if indent:
        text = "\n".join(part.removeprefix(indent) for part in text.split("\n"))
    return text
