"""One parsed Python module and the questions the signer extractor asks of it.

The values of names (``migrate.extract.values`` with the Python grammar), what imported names
stand for (``imports``), the calls and functions of the module, and later reads of a name.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

import tree_sitter as ts

from migrate.extract.treesitter import Doc, query
from migrate.extract.values import Node, Values, child, find
from migrate.lang.python.dialect import PythonGrammar
from migrate.lang.python.imports import Imports

GRAMMAR = PythonGrammar()
_SCOPES = frozenset({"function_definition", "class_definition"})
_NESTED = frozenset({"function_definition", "class_definition", "lambda"})


class Index:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.root = doc.root
        self.values = Values(doc, GRAMMAR)
        self.imports = Imports(doc)

    @cached_property
    def calls(self) -> list[Node]:
        """Every call of the module, in source order."""
        return find("python", self.root, ("call",))

    def calls_writing(self, words: list[str]) -> list[Node]:
        """``calls`` whose text holds one of ``words``: the calls around each place a word is
        written (all of them when a word cannot be searched for)."""
        if any(not word or "\ufffd" in word for word in words):
            return self.calls
        data, found, walked = self.doc.data, {}, set()
        for word in (w.encode("utf-8") for w in words):
            at = data.find(word)
            while at >= 0:
                n: Node | None = self.root.descendant_for_byte_range(at, at + len(word))
                while n is not None and n.id not in walked:
                    walked.add(n.id)
                    if n.type == "call":
                        found[n.id] = n
                    n = n.parent
                at = data.find(word, at + 1)
        return sorted(found.values(), key=lambda n: (n.start_byte, -n.end_byte))

    @cached_property
    def _functions(self) -> dict[str, list[Node]]:
        out: dict[str, list[Node]] = defaultdict(list)
        for fn in find("python", self.root, ("function_definition",)):
            out[self.doc.text(child(fn, "name"))].append(fn)
        return out

    def functions(self, name: str) -> list[Node]:
        return self._functions.get(name, [])

    def function(self, node: Node) -> Node | None:
        """The def around ``node`` (lambdas are not functions here)."""
        n = node.parent
        while n is not None and n.type != "function_definition":
            n = n.parent
        return n

    def scope(self, node: Node) -> Node:
        """The def or class around ``node``, else the module."""
        n = node.parent
        while n is not None and n.type not in _SCOPES:
            n = n.parent
        return n if n is not None else self.root

    def reads_after(self, name: str, after: int, scope: Node) -> list[Node]:
        """Reads of the plain name ``name`` written directly in ``scope`` from byte ``after`` on,
        up to the statement that assigns it again (whose right-hand side still reads the old
        value)."""
        cursor = ts.QueryCursor(query("python", "(identifier) @n"))
        cursor.set_byte_range(after, scope.end_byte)
        out: list[Node] = []
        stop: int | None = None
        data = name.encode("utf-8")
        for ref in cursor.captures(scope).get("n", []):
            if ref.start_byte < after or (stop is not None and ref.start_byte >= stop):
                continue
            if self.doc.data[ref.start_byte:ref.end_byte] != data or self.scope(ref) != scope:
                continue
            holder = ref.parent
            if holder is not None and holder.type == "assignment" and child(holder, "left") == ref:
                stop = _statement_end(holder)
                continue
            if GRAMMAR.reference(self.doc, ref) is None and not _read_target(ref):
                continue
            out.append(ref)
        out.sort(key=lambda n: n.start_byte)
        return out

    def returns(self, fn: Node) -> list[Node]:
        """``return`` statements of ``fn`` itself (not of functions nested in it)."""
        out = []
        for ret in find("python", fn, ("return_statement",)):
            n = ret.parent
            while n is not None and n != fn and n.type not in _NESTED:
                n = n.parent
            if n == fn:
                out.append(ret)
        return out


def _statement_end(assignment: Node) -> int:
    """The end of ``a = b = value`` around one of its assignments."""
    while assignment.parent is not None and assignment.parent.type == "assignment":
        assignment = assignment.parent
    return assignment.end_byte


def _read_target(ref: Node) -> bool:
    """``d |= {...}``: an augmented assignment reads the name too."""
    holder = ref.parent
    return holder is not None and holder.type == "augmented_assignment" and child(holder, "left") == ref
