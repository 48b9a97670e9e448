"""Local names in one JavaScript/TypeScript file: where each name is bound and to what.

Enough lexical scoping to follow ``const exp = now + 300`` back to its initialiser without
being fooled by a parameter or an inner block that happens to reuse the name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter as ts
from tree_sitter import Node

from migrate.extract.treesitter import Doc, ancestors, language, query, string_value, walk

FUNCTIONS = frozenset({
    "function_declaration", "function_expression", "function", "arrow_function",
    "method_definition",
    "generator_function_declaration", "generator_function",
})
# Nodes that open a block scope for let/const.
_BLOCKS = frozenset({
    "statement_block", "program", "switch_case", "switch_default", "for_statement",
    "for_in_statement", "class_body",
})
# Expression wrappers that change neither the value nor what it means.
_WRAPPERS = frozenset({
    "as_expression", "satisfies_expression", "non_null_expression", "parenthesized_expression",
})


def unwrap(node: Node, awaits: bool = False) -> Node:
    """Strip TypeScript assertions and parentheses (and ``await`` when asked)."""
    while True:
        kids = node.named_children
        if node.type in _WRAPPERS and kids:
            node = kids[0]
        elif node.type == "type_assertion" and kids:
            node = kids[-1]
        elif awaits and node.type == "await_expression" and kids:
            node = kids[0]
        else:
            return node


def args_of(call: Node) -> list[Node]:
    """The argument expressions of a call or ``new`` expression (comments dropped)."""
    args = call.child_by_field_name("arguments")
    if args is None:
        return []
    return [a for a in args.named_children if a.type != "comment"]


def enclosing(node: Node, types: frozenset[str]) -> Node | None:
    n = node.parent
    while n is not None and n.type not in types:
        n = n.parent
    return n


def inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def pattern_names(node: Node) -> Iterator[Node]:
    """Identifiers bound by a parameter list or a destructuring pattern."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier_pattern"):
            yield n
        elif n.type in ("assignment_pattern", "object_assignment_pattern"):
            stack.append(n.child_by_field_name("left") or n.named_children[0])
        elif n.type == "pair_pattern":
            value = n.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif n.type in ("required_parameter", "optional_parameter"):
            pattern = n.child_by_field_name("pattern")
            if pattern is not None:
                stack.append(pattern)
        elif n.type in ("formal_parameters", "object_pattern", "array_pattern", "rest_pattern"):
            stack.extend(reversed(n.named_children))


def parameters(fn: Node) -> Iterator[Node]:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is not None:
        yield from pattern_names(params)


# Node types the extractor looks at; they are gathered in one pass (a query runs in C, a
# Python walk over a large bundle does not).
INDEXED = FUNCTIONS | {
    "variable_declarator", "assignment_expression", "import_statement", "call_expression",
    "new_expression", "class", "class_declaration",
}


def index(grammar: str, doc: Doc) -> dict[str, list[Node]]:
    """Nodes of the ``INDEXED`` types, by type, in source order."""
    lang = language(grammar)
    kinds = sorted(t for t in INDEXED if lang.id_for_node_kind(t, True))
    source = "[" + " ".join(f"({t})" for t in kinds) + "] @n"
    nodes = ts.QueryCursor(query(grammar, source)).captures(doc.root).get("n", [])
    out: dict[str, list[Node]] = {}
    for n in sorted(nodes, key=lambda n: n.start_byte):
        out.setdefault(n.type, []).append(n)
    return out


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    start: int  # byte offset where the binding takes effect
    end: int  # a use inside [start, end) is the binding itself, not a use of it
    scope: Node  # where the name is visible
    value: Node | None  # the initialiser / assigned value, None when not knowable


class Scope:
    """Every binding in a document, looked up by name and position."""

    def __init__(self, doc: Doc, nodes: dict[str, list[Node]]):
        self.doc = doc
        self._names: dict[str, list[Binding]] = {}
        self.modules: dict[str, str] = {}  # imported name -> module it comes from
        self._by_scope: dict[tuple[str, int], list[Binding]] = {}
        binders = FUNCTIONS | {"variable_declarator", "assignment_expression", "import_statement"}
        for kind in sorted(binders):
            for node in nodes.get(kind, ()):
                self._collect(node)

    def _add(self, name_node: Node, start: int, end: int, scope: Node | None,
             value: Node | None) -> None:
        scope = scope or self.doc.root
        name = self.doc.text(name_node)
        b = Binding(name, start, end, scope, value)
        self._names.setdefault(name, []).append(b)
        self._by_scope.setdefault((name, scope.id), []).append(b)

    def _collect(self, node: Node) -> None:
        t = node.type
        if t == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            decl = node.parent
            if decl is not None and decl.type == "variable_declaration":  # var: function scoped
                scope = enclosing(decl, FUNCTIONS | {"program"})
            else:
                scope = enclosing(node, _BLOCKS)
            if name is None:
                return
            if name.type == "identifier":
                self._add(name, node.start_byte, node.end_byte, scope, value)
            else:
                for n in pattern_names(name):
                    self._add(n, node.start_byte, node.end_byte, scope, None)
        elif t == "assignment_expression":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                scope = enclosing(node, FUNCTIONS | {"program"})
                self._add(left, node.start_byte, node.end_byte, scope,
                          node.child_by_field_name("right"))
        elif t in FUNCTIONS:
            for p in parameters(node):
                self._add(p, node.start_byte, node.start_byte, node, None)
            name = node.child_by_field_name("name")
            if t.endswith("_declaration") and name is not None:  # hoisted
                scope = enclosing(node, _BLOCKS)
                self._add(name, (scope or self.doc.root).start_byte, node.start_byte, scope, node)
        elif t == "import_statement":
            source = node.child_by_field_name("source")
            module = string_value(self.doc, source) if source is not None else None
            for n in walk(node):
                if n.type == "import_require_clause":
                    module = string_value(self.doc, n.child_by_field_name("source"))
            for n in walk(node):
                if n.type == "identifier":
                    self._add(n, 0, 0, None, None)
                    if module:
                        self.modules[self.doc.text(n)] = module

    def binding(self, name: str, at: Node) -> Binding | None:
        """The binding a use of ``name`` at ``at`` refers to: the nearest preceding one in an
        enclosing scope, or, from inside a function, one declared later outside it (the
        function runs after the module body)."""
        here = at.start_byte
        before: list[Binding] = []
        later: list[Binding] = []
        for scope in ancestors(at):
            for b in self._by_scope.get((name, scope.id), ()):
                if b.start <= here < b.end:
                    continue
                (before if b.start <= here else later).append(b)
        if before:
            return max(before, key=lambda b: (b.start, b.scope.start_byte))
        fn = enclosing(at, FUNCTIONS)
        if fn is None:
            return None
        later = [b for b in later if not fn.start_byte <= b.start < fn.end_byte]
        return min(later, key=lambda b: (b.scope.end_byte - b.scope.start_byte, b.start),
                   default=None)

    def declared(self, declarator: Node) -> Binding | None:
        """The binding a ``variable_declarator`` creates."""
        name = declarator.child_by_field_name("name")
        return next((b for b in self._names.get(self.doc.text(name), ())
                     if b.start == declarator.start_byte), None) if name is not None else None

    def module(self, ident: Node) -> str | None:
        """The module a name was imported or required from."""
        name = self.doc.text(ident)
        b = self.binding(name, ident)
        if b is None:
            return None
        if b.value is None:
            return self.modules.get(name) if b.start == 0 else None
        value = b.value
        while value.type == "await_expression" and value.named_children:
            value = value.named_children[0]
        args = value.child_by_field_name("arguments") if value.type == "call_expression" else None
        callee = value.child_by_field_name("function") if value.type == "call_expression" else None
        if callee is not None and args is not None and args.named_children and \
                (callee.type == "import" or self.doc.text(callee) == "require"):
            return string_value(self.doc, args.named_children[0])
        return None

    def value(self, ident: Node) -> Node | None:
        b = self.binding(self.doc.text(ident), ident)
        return b.value if b is not None else None
