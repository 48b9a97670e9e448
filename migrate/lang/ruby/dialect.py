"""How Ruby source looks to the shared expression machinery (``migrate.extract.values``) and to the
response tracing (``tsutil_response``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from migrate.extract.treesitter import Doc, ancestors, string_value, walk
from migrate.extract.tsutil_response import STOP, Dialect, Verdict
from migrate.extract.values import Assign, Node, Values, child, children, float_value, int_value
from migrate.model import ExprKind

_KINDS: dict[str, ExprKind] = {
    "integer": "int", "float": "float", "string": "string", "simple_symbol": "string",
    "delimited_symbol": "string", "true": "bool", "false": "bool", "nil": "null",
    "identifier": "name", "constant": "name", "instance_variable": "name", "class_variable": "name",
    "global_variable": "name", "element_reference": "member", "scope_resolution": "member",
    "binary": "binary", "hash": "object",
}
_METHODS = frozenset({"method", "singleton_method"})
# Sinatra / Roda / Hanami style routes: get '/jwt' do ... end
_ROUTES = frozenset({"get", "post", "put", "patch", "delete", "route", "options", "head"})
_DECODERS = frozenset({"decode64", "strict_decode64", "urlsafe_decode64"})
_CONVERSIONS = frozenset({"to_s", "b", "strip", "chomp", "freeze", "to_str"})
_RENDER_TEXT = frozenset({"plain", "text", "body", "html", "inline"})
_TEXT_CALLS = frozenset({"body", "halt", "send_data", "write"})
_JSON_CALLS = frozenset({"json", "to_json", "generate", "dump", "encode"})
_TEMPLATES = frozenset({"erb", "haml", "slim", "liquid"})
_ASSIGNING = ("assignment", "operator_assignment")
_NOT_STATEMENTS = frozenset({"comment", "rescue", "ensure", "else"})


class RubyDialect(Dialect):
    grammar = "ruby"
    language = "ruby"
    scopes = frozenset({"method", "singleton_method", "do_block", "block", "lambda"})
    containers = frozenset({"hash", "array"})
    assignment_types = frozenset({"assignment", "operator_assignment"})
    wrappers = frozenset({"parenthesized_statements"})
    statements = frozenset({"body_statement", "program", "then", "else", "begin", "if", "unless",
                            "case", "while", "until", "ensure", "rescue"})

    def kind(self, doc: Doc, node: Node) -> ExprKind:
        if node.type == "string":
            return "template" if any(c.type == "interpolation" for c in node.children) else "string"
        if node.type == "heredoc_beginning":  # <<~KEY: the body is written further down
            return "string"
        if node.type == "call":
            plain = child(node, "arguments") is None and child(node, "block") is None
            return "member" if plain and child(node, "receiver") is not None else "call"
        if node.type == "unary":
            operand = child(node, "operand")
            if doc.text(child(node, "operator")) == "-" and operand is not None \
                    and operand.type in ("integer", "float"):
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
            return symbol_or_string(doc, node)
        return None

    def reference(self, doc: Doc, node: Node) -> str | None:
        if node.type not in ("identifier", "constant", "instance_variable", "class_variable",
                             "global_variable"):
            return None
        parent = node.parent
        if parent is None:
            return None
        if parent.type == "call" and child(parent, "method") == node:
            return None
        if parent.type == "scope_resolution" and child(parent, "name") == node:
            return None
        if parent.type in _ASSIGNING and child(parent, "left") == node:
            return None
        if parent.type in ("method", "singleton_method", "class", "module") \
                and child(parent, "name") == node:
            return None
        return doc.text(node)

    def assignments(self, doc: Doc, node: Node) -> Iterable[Assign]:
        if node.type not in _ASSIGNING:
            return ()
        if node.type == "operator_assignment" and doc.text(child(node, "operator")) != "||=":
            return ()
        left, right = child(node, "left"), child(node, "right")
        if left is None or right is None or left.type not in (
                "identifier", "constant", "instance_variable", "class_variable", "global_variable"):
            return ()
        return (Assign(doc.text(left), left, right, node.end_byte),)

    def global_name(self, name: str) -> bool:
        return name[:1].isupper() or name[:1] in ("@", "$")

    def sees_outer(self, scope: Node) -> bool:
        return scope.type not in _METHODS

    def parameters(self, doc: Doc, scope: Node) -> frozenset[str]:
        names = set()
        for p in children(child(scope, "parameters")):
            name = p if p.type == "identifier" else child(p, "name")
            if name is not None:
                names.add(doc.text(name))
        return frozenset(names)

    def scope_name(self, doc: Doc, scope: Node) -> str | None:
        if scope.type in _METHODS:
            return doc.text(child(scope, "name")) or None
        return route(doc, scope)

    def key_inner(self, values: Values, node: Node) -> Node | None:
        doc = values.doc
        if node.type != "call":
            return None
        method = doc.text(child(node, "method"))
        args = children(child(node, "arguments"))
        if method in _DECODERS and len(args) == 1:
            return args[0]
        if method in _CONVERSIONS and not args:
            return child(node, "receiver")
        return None

    def sink(self, doc: Doc, parent: Node, node: Node) -> Verdict | None:
        if parent.type == "pair":
            return _render_option(doc, parent, node)
        call = parent.parent
        if parent.type == "argument_list" and call is not None and call.type == "call":
            return _call_sink(doc, call, node)
        if parent.type == "call" and child(parent, "receiver") == node:
            return Verdict("json") if doc.text(child(parent, "method")) == "to_json" else None
        if parent.type in _ASSIGNING and child(parent, "right") == node:
            return _assigned(doc, parent)
        if parent.type == "return":
            return Verdict("return")
        if parent.type == "body_statement" and _last_statement(parent) == node:
            return Verdict("return")  # a method's or block's value is its last expression
        return None

    def positional(self, doc: Doc, scope: Node) -> list[str]:
        return [doc.text(p) for p in children(child(scope, "parameters")) if p.type == "identifier"]

    def argument(self, doc: Doc, call: Node, position: int, name: str) -> Node | None:
        args = self.arguments(doc, call)
        return args[position] if position < len(args) else None

    def arguments(self, doc: Doc, call: Node) -> list[Node]:
        return [a for a in children(child(call, "arguments")) if a.type not in ("pair", "comment", "block_argument")]

    def calls_to(self, doc: Doc, root: Node, name: str) -> Iterator[Node]:
        for n in walk(root):
            if n.type == "call" and doc.text(child(n, "method")) == name:
                yield n
            elif n.type == "identifier" and doc.text(n) == name and n.parent is not None \
                    and n.parent.type not in _METHODS and self.reference(doc, n) is not None:
                yield n  # a method called without arguments reads like a name

    def unreturned(self, doc: Doc, scope: Node, contained: bool) -> str | None:
        # A Sinatra route's value is the response body.
        return "text" if not contained and route(doc, scope) is not None else None


def route(doc: Doc, block: Node) -> str | None:
    """The path of a Sinatra-style route block (``get '/jwt' do``)."""
    call = block.parent
    if block.type not in ("do_block", "block") or call is None or call.type != "call":
        return None
    if child(call, "receiver") is not None or doc.text(child(call, "method")) not in _ROUTES:
        return None
    args = children(child(call, "arguments"))
    return string_value(doc, args[0]) if args and args[0].type == "string" else None


def symbol_or_string(doc: Doc, node: Node) -> str | None:
    """'user', "user", :user, :"user", user: (a hash key) -> user."""
    text = doc.text(node)
    if node.type == "hash_key_symbol":
        return text
    if node.type == "simple_symbol":
        return text[1:]
    if node.type == "delimited_symbol":
        return re.sub(r"^:[\"']|[\"']$", "", text)
    if node.type == "string":
        return string_value(doc, node)
    return None


def _assigned(doc: Doc, assignment: Node) -> Verdict:
    left = child(assignment, "left")
    if left is None or left.type not in ("identifier", "instance_variable"):
        return STOP
    # A controller's instance variables are what its view renders.
    view = left.type == "instance_variable" and _in_controller(doc, assignment)
    return Verdict("assign", doc.text(left), fallback="template" if view else None)


def _in_controller(doc: Doc, node: Node) -> bool:
    for a in ancestors(node):
        if a.type == "class":
            return doc.text(child(a, "name")).endswith("Controller")
    return False


def _last_statement(body: Node) -> Node | None:
    statements = [c for c in body.named_children if c.type not in _NOT_STATEMENTS]
    return statements[-1] if statements else None


def _render_option(doc: Doc, pair: Node, node: Node) -> Verdict | None:
    """``render json: token`` / ``render plain: token``."""
    if child(pair, "value") != node:
        return STOP
    args = pair.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    if call is None or call.type != "call" or doc.text(child(call, "method")) != "render":
        return None
    key = symbol_or_string(doc, child(pair, "key")) if child(pair, "key") is not None else None
    if key == "json":
        return Verdict("json")
    if key in _RENDER_TEXT:
        return Verdict("text")
    if key == "locals":
        return Verdict("template")
    return STOP


def _call_sink(doc: Doc, call: Node, node: Node) -> Verdict | None:
    method = doc.text(child(call, "method"))
    receiver = doc.text(child(call, "receiver"))
    if method in _JSON_CALLS and (method != "encode" or receiver == "JSON"):
        return Verdict("json", contained=node.type == "pair")  # json(jwt: token)
    if method in _TEXT_CALLS:
        return Verdict("text")
    if method in _TEMPLATES and child(call, "receiver") is None:
        return Verdict("template")  # erb :page, locals: { jwt: token }
    return None
