"""Scope-aware reading of expressions for the Go, Ruby and PHP signer extractors.

Each language describes its grammar in a ``Dialect`` (which nodes are scopes, names,
assignments, literal collections, response sinks); ``Index`` then answers the questions
every extractor asks: what was this local name last assigned, what does this expression
read once its locals are substituted, which function encloses a call.  How the signed
token leaves the server is traced in ``tsutil_response``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

import tree_sitter as ts

from migrate.extract import traits
from migrate.extract.treesitter import Doc, ancestors, walk
from migrate.model import Expr, ExprKind

Node = ts.Node

# How far names are followed: one step as written, plus the names inside that value.
_DEPTH = 3
# Expressions whose local names are substituted so traits and offsets see through them.
_SUBSTITUTED = frozenset({"binary", "call", "member", "other", "template"})
# Traits a key wrapper (a decoder) adds to the key it wraps.
_KEY_WRAPPER_TRAITS = frozenset({"base64-decoded", "file"})


@dataclass(frozen=True)
class Assign:
    """``name = value`` (or ``name := value``, a constant, a property default...)."""

    name: str
    target: Node
    value: Node
    end: int  # byte offset where the assignment is complete


@dataclass(frozen=True)
class Verdict:
    """What a node around the token does with it (see ``Dialect.sink``).

    ``json`` / ``text``: the response body; ``object``: a JSON object whatever the
    nesting; ``template``: handed to a server-side template; ``return``: the enclosing
    function hands the value back to its caller; ``assign``: the value is stored in
    ``name`` and travels on (``fallback`` when no later use says more); ``stop``: not a
    response.
    """

    what: Literal["json", "text", "object", "template", "return", "assign", "stop"]
    name: str | None = None
    contained: bool = False  # the sink itself wraps the value in an object (json(jwt: t))
    fallback: str | None = None


STOP = Verdict("stop")


class Dialect:
    """What a grammar looks like to the shared machinery.  Subclasses fill the hooks."""

    grammar = ""
    language = ""
    scopes: frozenset[str] = frozenset()  # node types that open a local scope
    containers: frozenset[str] = frozenset()  # literal collections (objects once serialised)
    wrappers: frozenset[str] = frozenset()  # nodes that only wrap one expression
    statements: frozenset[str] = frozenset()  # where a climb from a value ends
    unordered_root = False  # file-level declarations are visible before their text

    def kind(self, doc: Doc, node: Node) -> ExprKind:
        raise NotImplementedError

    def value(self, doc: Doc, node: Node, kind: ExprKind) -> int | float | str | bool | None:
        raise NotImplementedError

    def reference(self, doc: Doc, node: Node) -> str | None:
        """The local name ``node`` reads, when it is a bare reference to one."""
        raise NotImplementedError

    def assignments(self, doc: Doc, node: Node) -> Iterable[Assign]:
        """The names ``node`` assigns, when it is an assignment or declaration."""
        raise NotImplementedError

    def global_name(self, name: str) -> bool:
        """Names visible everywhere in the file (constants, properties)."""
        return False

    def sees_outer(self, scope: Node) -> bool:
        """Whether a scope reads the locals of the scope around it (closures, blocks)."""
        return True

    def parameters(self, doc: Doc, scope: Node) -> frozenset[str]:
        raise NotImplementedError

    def scope_name(self, doc: Doc, scope: Node) -> str | None:
        """The function name (or route) a scope stands for; None to look further out."""
        raise NotImplementedError

    def key_inner(self, doc: Doc, node: Node) -> Node | None:
        """The wrapped key when ``node`` only converts or decodes one (``[]byte(k)``)."""
        return None

    def sink(self, doc: Doc, parent: Node, child: Node) -> Verdict | None:
        """What ``parent`` does with the value of its child ``child``; None to climb on."""
        raise NotImplementedError

    def calls_to(self, doc: Doc, root: Node, name: str) -> Iterator[Node]:
        """Call sites of the function named ``name`` in the file."""
        return iter(())

    def positional(self, doc: Doc, scope: Node) -> list[str]:
        """The scope's parameters in call order (receivers and blocks left out)."""
        return []

    def arguments(self, doc: Doc, call: Node) -> list[Node]:
        """A call's positional arguments, in order."""
        return []

    def unreturned(self, doc: Doc, scope: Node, contained: bool) -> str | None:
        """The response kind of a value returned by a function nobody in the file calls."""
        return None

    def offset(self, text: str, found: frozenset[str]) -> float | None:
        """Seconds after now for clock idioms the shared tables do not read; None: theirs."""
        return None

    def unwrap(self, node: Node) -> Node:
        while node.type in self.wrappers and node.named_child_count:
            node = node.named_children[-1]
        return node


_MAX_CALLERS = 8  # call sites looked at when a key parameter is followed into its callers


def _relinked(e: Expr, outer: Expr) -> Expr:
    """``e`` (a parameter, possibly wrapped) now standing for what the caller passes."""
    if e.resolved is None:
        return replace(e, resolved=outer)
    return replace(e, resolved=_relinked(e.resolved, outer))


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."


class Index:
    """Assignments of one file, grouped by scope, and the expressions built from them."""

    def __init__(self, doc: Doc, dialect: Dialect):
        self.doc = doc
        self.d = dialect
        self.root = doc.root
        self._by_scope: dict[Node, list[Assign]] = defaultdict(list)
        self._globals: dict[str, list[Assign]] = defaultdict(list)
        for node in walk(doc.root):
            for a in dialect.assignments(doc, node):
                self._by_scope[self.scope_of(a.target)].append(a)
                if dialect.global_name(a.name):
                    self._globals[a.name].append(a)

    # --- scopes --------------------------------------------------------------------------

    def scope_of(self, node: Node) -> Node:
        for a in ancestors(node):
            if a.type in self.d.scopes:
                return a
        return self.root

    def outer(self, scope: Node) -> Node:
        return self.root if scope == self.root else self.scope_of(scope)

    def function_name(self, node: Node) -> str | None:
        scope = self.scope_of(node)
        while scope != self.root:
            name = self.d.scope_name(self.doc, scope)
            if name:
                return name
            scope = self.outer(scope)
        return None

    def parameters(self, node: Node) -> frozenset[str]:
        scope = self.scope_of(node)
        names: set[str] = set()
        while scope != self.root:
            names |= self.d.parameters(self.doc, scope)
            if not self.d.sees_outer(scope):
                break
            scope = self.outer(scope)
        return frozenset(names)

    # --- names ---------------------------------------------------------------------------

    def lookup(self, name: str, at: Node) -> Assign | None:
        """The assignment of ``name`` that ``at`` reads: the nearest preceding one in the
        same scope, else in the scopes around it that the language lets it see."""
        scope = self.scope_of(at)
        while True:
            unordered = scope == self.root and (self.d.unordered_root or self.d.global_name(name))
            best: Assign | None = None
            for a in self._by_scope.get(scope, ()):
                seen = unordered or a.end <= at.start_byte
                if a.name == name and a.target != at and seen and not _inside(at, a.value):
                    best = a
            if best is not None:
                return best
            if scope == self.root:
                break
            if not self.d.sees_outer(scope):
                if not self.d.global_name(name):
                    return None
                scope = self.root
                continue
            scope = self.outer(scope)
        spread = [a for a in self._globals.get(name, ()) if not _inside(at, a.value)]
        return spread[-1] if spread else None

    def assigned(self, node: Node) -> Node | None:
        """The value a bare local reference was last assigned."""
        node = self.d.unwrap(node)
        name = self.d.reference(self.doc, node)
        if name is None:
            return None
        a = self.lookup(name, node)
        return None if a is None else self.d.unwrap(a.value)

    def follow(self, node: Node, hops: int = _DEPTH) -> Node:
        """``node`` after following local names (to find a payload literal)."""
        node = self.d.unwrap(node)
        for _ in range(hops):
            value = self.assigned(node)
            if value is None:
                break
            node = value
        return node

    # --- expressions ---------------------------------------------------------------------

    def key(self, node: Node) -> Expr:
        """A signing key as passed, and, when it is a parameter of the function around it, what
        that function's callers in this file pass for it (one hop): a literal one caller hands
        over is a committed secret."""
        e = self.expr(node, key=True)
        passed = self._passed(node)
        if passed:
            outer = traits.through_callers(self.expr(a, key=True) for a in passed[:_MAX_CALLERS])
            if outer is not None:
                return _relinked(e, outer)
        return e

    def _passed(self, node: Node) -> list[Node]:
        node = self.d.unwrap(node)
        inner = self.d.key_inner(self.doc, node)
        while inner is not None:
            node = self.d.unwrap(inner)
            inner = self.d.key_inner(self.doc, node)
        name = self.d.reference(self.doc, node)
        if name is None or self.lookup(name, node) is not None:
            return []
        scope = self.scope_of(node)
        if scope == self.root:
            return []
        params = self.d.positional(self.doc, scope)
        fn = self.d.scope_name(self.doc, scope)
        if name not in params or not fn or fn.startswith("/"):
            return []
        position, out = params.index(name), []
        for call in self.d.calls_to(self.doc, self.root, fn):
            if scope.start_byte <= call.start_byte < scope.end_byte:
                continue  # the function calling itself
            args = self.d.arguments(self.doc, call)
            if position < len(args):
                out.append(args[position])
        return out

    def expr(self, node: Node, depth: int = 0, key: bool = False) -> Expr:
        """An Expr for ``node`` with traits, literal value and one-step resolution.

        With ``key`` the node is a signing key: conversions and decoders around it are
        looked through (their traits kept) so a literal key is still seen as a literal.
        """
        node = self.d.unwrap(node)
        if key:
            inner = self.d.key_inner(self.doc, node)
            if inner is not None:
                e = self.expr(inner, depth, key=True)
                found = traits.classify(self.d.language, self.doc.text(node))
                wrapper = found & _KEY_WRAPPER_TRAITS
                line, col = self.doc.pos(node)  # where the key is handed over
                return replace(e, traits=e.traits | wrapper, line=line, column=col)
        doc = self.doc
        kind = self.d.kind(doc, node)
        text = doc.text(node)
        line, col = doc.pos(node)
        value = self.d.value(doc, node, kind)
        resolved: Expr | None = None
        if depth < _DEPTH:
            name = self.d.reference(doc, node)
            if name is not None:
                a = self.lookup(name, node)
                if a is not None:
                    resolved = self.expr(a.value, depth + 1, key=key)
            elif kind in _SUBSTITUTED:
                sub = self.substituted(node, depth)
                if sub != text:
                    resolved = self._made(_short(sub), line, col, kind)
        return self._made(text, line, col, kind, value, resolved)

    def _made(self, text: str, line: int, col: int, kind: ExprKind,
              value: int | float | str | bool | None = None, resolved: Expr | None = None) -> Expr:
        e = traits.expr(self.d.language, text, line, col, kind, value, resolved)
        offset = self.d.offset(text, e.traits) if e.offset == 0.0 else None
        if resolved is not None and resolved.offset is not None and e.offset is not None:
            # `expires.Unix()`: the clock is in what the name holds, so is the offset.
            offset = resolved.offset
        return e if offset is None else replace(e, offset=float(offset))

    def substituted(self, node: Node, depth: int = 0) -> str:
        """The text of ``node`` with each local name replaced by the value it holds."""
        doc = self.doc
        cuts: list[tuple[int, int, str]] = []
        stack = list(reversed(node.children))
        while stack:
            n = stack.pop()
            name = self.d.reference(doc, n)
            if name is not None:
                a = self.lookup(name, n)
                if a is not None and depth < _DEPTH:
                    value = self.d.unwrap(a.value)
                    text = self.substituted(value, depth + 1)
                    if self.d.kind(doc, value) == "binary":
                        text = f"({text})"
                    cuts.append((n.start_byte, n.end_byte, text))
                    continue
            stack.extend(reversed(n.children))
        if not cuts:
            return doc.text(node)
        out, last = [], node.start_byte
        for start, end, text in cuts:
            out.append(doc.data[last:start].decode("utf-8", "replace"))
            out.append(text)
            last = end
        out.append(doc.data[last:node.end_byte].decode("utf-8", "replace"))
        return "".join(out)

    def uses(self, name: str, after: Node) -> list[Node]:
        """Later reads of the local ``name`` that see the assignment at ``after``."""
        scope = self.scope_of(after)
        found = []
        for n in walk(scope):
            if n.start_byte >= after.end_byte and self.d.reference(self.doc, n) == name:
                found.append(n)
        return found


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def child(node: Node, field: str) -> Node | None:
    return node.child_by_field_name(field)


def children(node: Node | None, field: str | None = None) -> list[Node]:
    if node is None:
        return []
    if field is None:
        return list(node.named_children)
    return list(node.children_by_field_name(field))


def int_value(text: str) -> int | None:
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        try:
            return int(text.replace("_", ""))
        except ValueError:
            return None


def float_value(text: str) -> float | None:
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return None


def algorithm_name(value: object) -> str | None:
    """"HS256" from a literal such as 'HS256', :HS256 or SigningMethodHS256."""
    if not isinstance(value, str):
        return None
    text = value.upper()
    for family in ("HS", "RS", "ES", "PS"):
        at = text.rfind(family)
        if at >= 0 and text[at + 2:at + 5] in ("256", "384", "512"):
            return text[at:at + 5]
    if text.endswith("EDDSA"):  # 'EdDSA', SigningMethodEdDSA
        return "EdDSA"
    if text.endswith("NONE"):  # 'none', SigningMethodNone
        return "none"
    return None
