"""Builder chains and the objects they fill, read from the trees of statically typed languages.

C# and Java build JWTs the same way: fluent builder chains, dictionaries filled after their
declaration, values parked in local variables or class fields.  Names, expressions and keys
are followed by the shared engine (``migrate.extract.values``); this module adds what the
typed languages' libraries read on top of it: a uniform view of calls and object creations,
the chain of calls a builder went through, and the calls and assignments made on a local
(``tsclaims_signer`` turns the result into a Signer).  Each language supplies a ``Syntax``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from migrate.extract.base import Source
from migrate.extract.treesitter import Doc, string_value, walk
from migrate.extract.values import Assign, Grammar, Node, NodeKey, Values, build, find, key_of
from migrate.model import Expr

__all__ = ["Call", "Node", "NodeKey", "Reader", "Syntax", "key_of"]


@dataclass(frozen=True)
class Call:
    """A method call or an object creation, whatever the grammar calls it."""

    node: Node
    name: str  # method name, or the created type without generics ("JWSHeader.Builder")
    receiver: Node | None  # the object a method is called on
    args: tuple[Node, ...]  # positional argument expressions
    named: dict[str, Node] = field(default_factory=dict)  # C# named arguments
    new: bool = False
    init: Node | None = None  # C# object / collection initializer

    def arg(self, index: int, name: str | None = None) -> Node | None:
        if name is not None and name in self.named:
            return self.named[name]
        return self.args[index] if index < len(self.args) else None


class Syntax(Grammar):
    """Node shapes of one typed grammar: the ``Grammar`` hooks, read from calls, members and
    declarations, which subclasses describe."""

    call_types: frozenset[str] = frozenset()  # nodes ``call`` understands
    named_functions: frozenset[str] = frozenset()  # scopes called by their name field

    def call(self, doc: Doc, node: Node) -> Call | None:
        raise NotImplementedError

    def member(self, doc: Doc, node: Node) -> tuple[Node, str] | None:
        """(object, member name) for ``a.b``."""
        raise NotImplementedError

    def declarations(self, doc: Doc, node: Node) -> Iterable[tuple[Node, Node, bool]]:
        """(target, value, is_assignment) for each name this node (one of ``assignment_types``)
        gives a value."""
        raise NotImplementedError

    def element_assignment(self, doc: Doc, node: Node) -> tuple[Node, Node, Node] | None:
        """(object, index, value) for ``x["k"] = v``."""
        return None

    def is_reference(self, node: Node) -> bool:
        """An identifier that names a variable (not a member, method, type or label)."""
        raise NotImplementedError

    def is_this(self, node: Node) -> bool:
        return node.type == "this"

    def peel(self, r: Reader, node: Node) -> Node | None:
        """One wrapper around a signing key (``new SymmetricSecurityKey(x)``, ``x.getBytes()``)."""
        return None

    # --- the Grammar hooks

    def reference(self, doc: Doc, node: Node) -> str | None:
        if node.type == "identifier":
            return doc.text(node) if self.is_reference(node) else None
        member = self.member(doc, node)
        if member is not None and self.is_this(member[0]):
            return "." + member[1]
        return None

    def assignments(self, doc: Doc, node: Node) -> Iterable[Assign]:
        for target, value, assigned in self.declarations(doc, node):
            member = self.member(doc, target)
            if member is None:
                yield Assign(doc.text(target), target, value, node.end_byte, assigned)
            elif self.is_this(member[0]):
                yield Assign("." + member[1], target, value, node.end_byte, assigned)

    def scope_name(self, doc: Doc, scope: Node) -> str | None:
        name = scope.child_by_field_name("name") if scope.type in self.named_functions else None
        return doc.text(name) if name is not None else None

    def calls_to(self, doc: Doc, root: Node, name: str) -> Iterator[Node]:
        for n in find(self.grammar, root, self.call_types):
            c = self.call(doc, n)
            if c is not None and not c.new and c.name == name:
                yield n

    def argument(self, doc: Doc, call: Node, position: int, name: str) -> Node | None:
        c = self.call(doc, call)
        return c.arg(position, name) if c is not None else None

    def key_inner(self, values: Values, node: Node) -> Node | None:
        assert isinstance(values, Reader)
        return self.peel(values, node)


class Reader(Values):
    """One parsed typed-language file: the shared engine plus calls, chains and the uses of a
    local."""

    def __init__(self, src: Source, doc: Doc, syntax: Syntax):
        super().__init__(doc, syntax)
        self.src = src
        self.syntax = syntax
        self._receivers: dict[str, list[Node]] | None = None

    # --- plumbing

    def text(self, node: Node | None) -> str:
        return self.doc.text(node)

    def call(self, node: Node | None) -> Call | None:
        return None if node is None else self.syntax.call(self.doc, self.syntax.unwrap(node))

    def calls(self) -> list[Call]:
        """Every call and object creation of the file, in document order."""
        return [c for n in self.find(self.syntax.call_types) if (c := self.syntax.call(self.doc, n)) is not None]

    def scope(self, node: Node) -> Node | None:
        scope = self.scope_of(node)
        return None if scope == self.root and scope.type not in self.syntax.scopes else scope

    # --- names

    def resolve(self, node: Node | None) -> Node | None:
        """The node a name stands for, following definitions (and parentheses) a few steps."""
        return None if node is None else self.follow(node)

    def string(self, node: Node | None, names: Callable[[str], str | None] | None = None) -> str | None:
        """A string a node stands for: a literal, a constant, or a known library constant."""
        if node is None:
            return None
        if names is not None:
            known = names(self.text(self.syntax.unwrap(node)))
            if known is not None:
                return known
        target = self.resolve(node)
        if target is None or self.syntax.kinds.get(target.type) != "string":
            return None
        return string_value(self.doc, target)

    def safe_expr(self, node: Node, label: str) -> Expr:
        """An Expr for an algorithm written as a call: the callee only, since the arguments of
        ``Algorithm.HMAC256(secret)`` may be the secret itself."""
        line, col = self.doc.pos(node)
        has_literal = any(self.syntax.kinds.get(n.type) == "string" for n in walk(node))
        text = label if has_literal else self.text(node)
        return build(self.syntax.language, text, line, col, "member" if text == label else "call")

    # --- chains and mutations

    def chain(self, node: Node) -> list[Call]:
        """The calls of a fluent chain, root first.  A chain rooted at a builder variable starts
        with the chain the variable was assigned, then the calls made on it in between."""
        calls: list[Call] = []
        cur: Node | None = node
        while cur is not None:
            c = self.call(cur)
            if c is None:
                break
            calls.append(c)
            cur = c.receiver
        calls.reverse()
        if cur is None:
            return calls
        d = self.definition(cur)
        if d is None or d.scope is None:
            return calls
        head = self.chain(d.value) if self.call(d.value) else []
        if not head:
            return calls
        stop = node.start_byte
        middle: list[Call] = []
        for use in self.uses(self.text(self.syntax.unwrap(cur)), d, stop):
            top = self._outermost(use)
            if top.start_byte >= stop or top.end_byte > stop:
                continue
            middle.extend(self.chain_calls(top))
        return head + middle + calls

    def chain_calls(self, node: Node) -> list[Call]:
        calls: list[Call] = []
        cur: Node | None = node
        while cur is not None and (c := self.call(cur)) is not None:
            calls.append(c)
            cur = c.receiver
        calls.reverse()
        return calls

    def _outermost(self, call_node: Node) -> Node:
        top = call_node
        while top.parent is not None:
            parent = self.syntax.unwrap(top.parent) if top.parent.type in self.syntax.wrappers else top.parent
            c = self.syntax.call(self.doc, parent)
            if c is None or c.receiver is None or key_of(c.receiver) != key_of(top):
                break
            top = parent
        return top

    def uses(self, name: str, d: Assign, stop: int) -> list[Node]:
        """Calls (``x.Add(..)``) and assignments (``x["k"] = v``, ``x.P = v``) made on a local
        between its definition and ``stop``."""
        if self._receivers is None:
            self._receivers = self._index()
        scope = d.scope
        out = []
        for n in self._receivers.get(name, ()):
            if not d.end <= n.start_byte < stop:
                continue
            if scope is not None and not (scope.start_byte <= n.start_byte and n.end_byte <= scope.end_byte):
                continue
            out.append(n)
        return out

    def _index(self) -> dict[str, list[Node]]:
        found: dict[str, list[Node]] = {}
        for n in self.find(self.syntax.call_types | self.syntax.assignment_types):
            obj: Node | None = None
            c = self.syntax.call(self.doc, n)
            if c is not None and c.receiver is not None:
                obj = c.receiver
            elif (el := self.syntax.element_assignment(self.doc, n)) is not None:
                obj = el[0]
            else:
                for target, _value, assigned in self.syntax.declarations(self.doc, n):
                    m = self.syntax.member(self.doc, target)
                    if assigned and m is not None and not self.syntax.is_this(m[0]):
                        obj = m[0]
            if obj is not None and obj.type == "identifier":
                found.setdefault(self.text(obj), []).append(n)
        return found
