"""What JavaScript/TypeScript expressions stand for: claim values, object entries, keys.

``JsFile`` is the shared value engine (``migrate.extract.values``) with the JavaScript grammar
of ``scope``; on top of it, ``JsFile.entries`` reads an object literal, or a local variable
holding one together with the later ``payload.exp = ...`` writes, ``Object.assign`` and
spreads, or the object a function's single caller passes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from migrate.extract.base import Source
from migrate.extract.treesitter import Doc
from migrate.extract.values import Assign, Values
from migrate.lang.javascript.scope import INDEXED, JsGrammar, args_of, index, key_name, unwrap
from migrate.model import Expr, ExprKind

_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Entry:
    """One property of an object as the code builds it."""

    key: str  # the property name, or "..." for a spread
    at: Node  # where it is written: the pair, the shorthand, the assignment
    value: Node  # its value expression (the identifier itself for a shorthand)


class JsFile(Values):
    """A parsed script with its names, in the vocabulary of ``migrate.model``."""

    def __init__(self, src: Source, grammar: str, doc: Doc):
        self.src = src
        self.language = "javascript" if src.language == "javascript" else "typescript"
        # The index of the file's nodes is one pass over the whole tree: made when first needed.
        super().__init__(doc, JsGrammar(grammar, self.language), None, INDEXED)
        self._writes_cache: list[Node] | None = None

    def find(self, types: Iterable[str]) -> list[Node]:
        if self._nodes is None:
            self._nodes = index(self.g.grammar, self.doc)
        return super().find(types)

    def nodes(self, *types: str) -> list[Node]:
        """The file's nodes of the given (indexed) types, in source order."""
        return self.find(types)

    def nodes_writing(self, node_type: str, words: tuple[bytes, ...]) -> list[Node]:
        """``nodes(node_type)`` whose text holds one of ``words`` (all of them when there is no
        word).  Without the file's index, found from the places the words are written: the
        nodes around a word are the ones that hold it."""
        data = self.doc.data

        def writes(n: Node) -> bool:
            return any(data.find(word, n.start_byte, n.end_byte) >= 0 for word in words)

        if not words:
            return self.nodes(node_type)
        if self._nodes is not None:
            return [n for n in self.nodes(node_type) if writes(n)]
        found: dict[int, Node] = {}
        walked: set[int] = set()
        for word in words:
            at = data.find(word)
            while at >= 0:
                n: Node | None = self.root.descendant_for_byte_range(at, at + len(word))
                while n is not None and n.id not in walked:
                    walked.add(n.id)
                    if n.type == node_type and n.is_named:
                        found[n.id] = n
                    n = n.parent
                at = data.find(word, at + 1)
        out = sorted(found.values(), key=lambda n: n.start_byte)
        if any(a.start_byte == b.start_byte for a, b in itertools.pairwise(out)):
            return [n for n in self.nodes(node_type) if writes(n)]  # chained calls: the index's order
        return out

    def text(self, node: Node | None) -> str:
        return self.doc.text(node)

    def pos(self, node: Node) -> tuple[int, int]:
        return self.doc.pos(node)

    def make(self, text: str, at: Node, kind: ExprKind = "other", value=None,
             resolved: Expr | None = None, extra: frozenset[str] | set[str] = frozenset()) -> Expr:
        line, col = self.pos(at)
        return self.made(text, line, col, kind, value, resolved, frozenset(extra))

    def string(self, node: Node | None) -> str | None:
        """The value of a string literal, following a local name one step."""
        if node is None:
            return None
        e = self.expr(node).final
        return e.value if e.kind == "string" and isinstance(e.value, str) else None

    def binding(self, name: str, at: Node) -> Assign | None:
        """What ``name`` read at ``at`` is bound to (None: a global)."""
        return self.lookup(name, at)

    def value(self, ident: Node) -> Node | None:
        """What a name read at ``ident`` was set to, if the file says."""
        a = self.lookup(self.text(ident), ident)
        return a.value if a is not None else None

    def module(self, ident: Node) -> str | None:
        """The module a name was imported or required from."""
        assert isinstance(self.g, JsGrammar)
        return self.g.module(self, ident)

    # --- objects ---------------------------------------------------------------------------

    def _key_name(self, key: Node | None) -> str | None:
        computed = key is not None and key.type == "computed_property_name" and key.named_children
        return key_name(self.doc, key, self.string(key.named_children[0]) if computed else None)

    def entries(self, node: Node, until: int, depth: int = 0) -> list[Entry] | None:
        """The properties of an object literal, or of a local variable initialised with one
        plus the writes to it before byte ``until``; None when the node is not readable."""
        node = unwrap(node, awaits=True)
        if node.type == "object":
            return self._object_entries(node, until, depth)
        if node.type != "identifier" or depth >= _MAX_DEPTH:
            return None
        binding = self.lookup(self.text(node), node)
        if binding is None:
            return None
        if binding.value is None:
            return self._passed_entries(node, binding, until, depth)
        init = unwrap(binding.value)
        if init.type != "object":
            return None
        return self._object_entries(init, until, depth + 1) + \
            self._writes(binding, until, depth + 1)

    def _passed_entries(self, ident: Node, binding: Assign, until: int,
                        depth: int) -> list[Entry] | None:
        """A parameter of a function called once in this file: the object the call passes,
        plus the writes to the parameter before ``until``."""
        passed = self.passed(ident)
        if len(passed) != 1:
            return None
        arg, call = passed[0]
        outer = self.entries(arg, call.start_byte, depth + 1)
        if outer is None:
            return None
        return outer + self._writes(binding, until, depth + 1)

    def _object_entries(self, obj: Node, until: int, depth: int) -> list[Entry]:
        out: list[Entry] = []
        for child in obj.named_children:
            if child.type == "pair":
                name = self._key_name(child.child_by_field_name("key"))
                value = child.child_by_field_name("value")
                if name is not None and value is not None:
                    out.append(Entry(name, child, value))
            elif child.type == "shorthand_property_identifier":
                out.append(Entry(self.text(child), child, child))
            elif child.type == "method_definition":
                name = self._key_name(child.child_by_field_name("name"))
                if name is not None:
                    out.append(Entry(name, child, child))
            elif child.type == "spread_element":
                out.append(Entry("...", child, child))
                inner = child.named_children
                if inner and depth < _MAX_DEPTH:
                    out += self.entries(inner[0], until, depth + 1) or []
        return out

    def _writes(self, binding: Assign, until: int, depth: int) -> list[Entry]:
        """``payload.exp = ...``, ``payload['scope'] = ...`` and ``Object.assign(payload, {...})``
        after the declaration and before ``until``."""
        out: list[Entry] = []
        scope = binding.scope
        after = binding.hidden_until if binding.hidden_until is not None else binding.end
        if scope is None:
            return out
        for n in self._mutations():
            if not (after <= n.start_byte < until and scope.start_byte <= n.start_byte
                    and n.end_byte <= scope.end_byte):
                continue
            if n.type == "assignment_expression":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                target = self._member_of(left, binding)
                if target is not None and right is not None:
                    out.append(Entry(target, n, right))
            elif n.type == "call_expression" and self.text(n.child_by_field_name("function")) == \
                    "Object.assign":
                args = args_of(n)
                if args and self._is(args[0], binding):
                    for extra in args[1:]:
                        out += self.entries(extra, until, depth) or []
        return out

    def _mutations(self) -> list[Node]:
        """Every assignment and ``Object.assign`` call of the file, in source order."""
        if self._writes_cache is None:
            self._writes_cache = [
                n for n in self.nodes("assignment_expression", "call_expression")
                if n.type == "assignment_expression"
                or self.text(n.child_by_field_name("function")) == "Object.assign"]
        return self._writes_cache

    def _is(self, node: Node, binding: Assign) -> bool:
        node = unwrap(node)
        return node.type == "identifier" and self.text(node) == binding.name and \
            self.lookup(binding.name, node) is binding

    def _member_of(self, left: Node | None, binding: Assign) -> str | None:
        if left is None or left.type not in ("member_expression", "subscript_expression"):
            return None
        obj = left.child_by_field_name("object")
        if obj is None or not self._is(obj, binding):
            return None
        if left.type == "member_expression":
            return self.text(left.child_by_field_name("property"))
        return self.string(left.child_by_field_name("index"))

    def claims(self, node: Node, until: int) -> dict[str, Expr]:
        """Claims of a payload; an unreadable payload is the claim "..." (contents unknown)."""
        entries = self.entries(node, until)
        if entries is None:
            return {"...": self.expr(node)}
        out: dict[str, Expr] = {}
        for e in entries:
            if e.key == "...":
                out.setdefault("...", self.make(self.text(e.value), e.value))
            else:
                out[e.key] = self.expr(e.value)
        return out
