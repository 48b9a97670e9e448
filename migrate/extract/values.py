"""Following values through a file, for every tree-sitter signer extractor (C#, Java, Go, Ruby,
PHP, JavaScript/TypeScript).

Each language describes its grammar in a ``Grammar``: which nodes open a scope or a class,
which nodes assign a name and which read one, what a literal is worth, which calls only
convert or decode a key.  ``Values`` then answers the questions every extractor asks: what a
name was last assigned (locals, closures, file-level names, class fields and the
``this.x`` / ``$this->x`` / ``@x`` members, what a constructor assigns), an ``Expr`` for a node
(traits, literal value, one step of resolution, the text with its names substituted), and a
signing key followed through names and wrappers down to the secret, and from a parameter into
the same-file callers of its function.  Builder chains (C#, Java) are read on top of this in
``tsclaims``; how a token leaves the server is traced in ``tsutil_response`` and
``tsclaims_signer``.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import tree_sitter as ts

from migrate.extract import signer, traits
from migrate.extract.signer import Draft
from migrate.extract.treesitter import Doc, ancestors, piece_lines, query, string_value, walk
from migrate.model import Expr, ExprKind, Signer

Node = ts.Node
NodeKey = tuple[int, int, str]

# How many names deep a value is followed (x = y; y = clock + 300).
DEPTH = 3
_MAX_CALLERS = 8  # call sites looked at when a key parameter is followed into its callers
_MOST_WRITTEN = 256  # places a name is written beyond which every assignment of the file is read
_LAST_WORD = re.compile(r"\w+$")
_LITERALS = frozenset({"int", "float", "string", "bool", "null"})
Value = int | float | str | bool | None


def key_of(node: Node) -> NodeKey:
    return (node.start_byte, node.end_byte, node.type)


class Assign(NamedTuple):
    """``name = value``: a local, a constant, a field, a property default...

    A name starting with "." is a member of the object a method runs on (``this.x`` is ".x").
    ``end`` is the byte from which the value is in effect; ``assigned`` tells an assignment
    from a declaration (a constructor's assignments to bare names set fields); ``scope`` is
    the scope the name is local to: the grammar may choose it (``var`` belongs to the function,
    ``let`` to its block), else ``Values`` fills in the nearest one; None for a class member.

    A name without a value (a parameter, a destructured name, an import) has ``value`` None:
    it still hides the names of the scopes around it.  ``hidden_until``: reads from ``end`` up
    to this byte are the assignment's own text, which does not see it (without it: reads in
    the target or the value).  ``origin``: the module an imported name comes from;
    ``parameter``: the name is a parameter of the function that is its scope.
    """

    name: str
    target: Node
    value: Node | None
    end: int
    assigned: bool = False
    scope: Node | None = None
    hidden_until: int | None = None
    origin: str | None = None
    parameter: bool = False


@dataclass(frozen=True)
class KeyStep:
    """A call or object that only carries key material (``inner``): ``shown`` keeps it in the
    key's expression (a decoder, a key constructor), else it is looked through (a text
    encoder); ``traits`` are what it does to the material (``{b64: k}`` decodes it)."""

    inner: Node
    shown: bool = True
    traits: frozenset[str] = frozenset()


class Grammar:
    """What one grammar looks like to ``Values``.  Subclasses fill in the tables and hooks."""

    grammar = ""
    language = ""
    kinds: dict[str, ExprKind] = {}  # node type -> Expr kind
    scopes: frozenset[str] = frozenset()  # nodes that own local names
    classes: frozenset[str] = frozenset()  # nodes that own fields (locals do not reach past them)
    constructors: frozenset[str] = frozenset()  # scopes whose bare-name assignments set fields
    wrappers: frozenset[str] = frozenset()  # nodes that only wrap one expression
    assignment_types: frozenset[str] = frozenset()  # nodes ``assignments`` reads
    unordered_root = False  # file-level declarations are visible before their text
    closed_classes = True  # locals of the scopes around a class are not seen inside it
    bare_fields = True  # a bare name not found in scope reads a field of the class around it
    # The latest preceding assignment in any scope in reach wins (the innermost scope on a
    # tie), not the innermost scope's: needed where a bare assignment is given the function
    # as its scope while the name it writes was declared in a block of it.
    latest_wins = False
    # Functions run after the code around them: inside one of these, a name not assigned
    # before is the one assigned further down in the innermost scope around it.
    later_in: frozenset[str] = frozenset()
    depth = DEPTH  # names followed by ``expr``
    key_hops = 4 * DEPTH  # names and wrappers followed from a signing key to its source
    # A key's last hop is read as an expression (names substituted) with the depth left, and
    # the keys its callers pass continue that depth.
    key_as_expr = False
    opaque: frozenset[str] = frozenset()  # values a name is not resolved to (functions, classes)
    sealed: frozenset[str] = frozenset()  # nodes whose insides are not substituted
    longest: int | None = 200  # longest substituted text shown

    # --- literals and names

    def literal(self, doc: Doc, node: Node) -> tuple[ExprKind, Value]:
        kind = self.kinds.get(node.type, "other")
        text = doc.text(node)
        if kind == "int":
            return kind, int_value(text.replace(" ", "").rstrip("lLuU"))
        if kind == "float":
            return kind, float_value(text.replace(" ", "").rstrip("fFdDmM"))
        if kind == "bool":
            return kind, text.lower() == "true"
        if kind == "string":
            value = string_value(doc, node)
            return ("string", value) if value is not None else ("template", None)
        return kind, None

    def reference(self, doc: Doc, node: Node) -> str | None:
        """The name ``node`` reads when it is a bare reference to one (".x" for ``this.x``)."""
        raise NotImplementedError

    def assignments(self, doc: Doc, node: Node) -> Iterable[Assign]:
        """The names ``node`` (one of ``assignment_types``) gives a value."""
        raise NotImplementedError

    def global_name(self, name: str) -> bool:
        """Names visible everywhere in the file whatever their order (constants, properties)."""
        return False

    def binding_span(self, node: Node) -> tuple[int, int] | None:
        """The bytes of ``node`` (one of ``assignment_types``) where every name it assigns is
        written (a function's parameters, not its body); None: anywhere in it."""
        return None

    def own_span(self, node: Node) -> tuple[int, int] | None:
        """The bytes of ``node`` where a name written is assigned with ``node`` itself as its
        scope, as a plain local (a function's parameters); None when there are none."""
        return None

    def sees_outer(self, scope: Node) -> bool:
        """Whether a scope reads the locals of the scope around it (closures, blocks)."""
        return True

    def unwrap(self, node: Node) -> Node:
        while node.type in self.wrappers and node.named_child_count:
            node = node.named_children[-1]
        return node

    def field_read(self, found: list[Assign]) -> Assign:
        """Which of a class member's assignments a read sees."""
        return found[-1]

    # --- expressions

    def origin(self, values: Values, node: Node) -> frozenset[str]:
        """Traits a node has by where its name comes from (a config module's export)."""
        return frozenset()

    def unvalued(self, values: Values, a: Assign, node: Node) -> Expr | None:
        """What a name without a value in this file (``a``, an import) read at ``node`` stands
        for, when the language can say (Python: ``from app.settings import KEY`` is
        app.settings.KEY)."""
        return None

    def substitutes(self, node: Node, kind: ExprKind) -> bool:
        """Whether the names inside ``node`` are substituted into its text."""
        return kind not in _LITERALS

    def inline_reference(self, doc: Doc, node: Node) -> str | None:
        """The name a node inside a substituted text reads, when it is replaced by its value."""
        return self.reference(doc, node)

    def inlines(self, doc: Doc, value: Node) -> bool:
        """Whether a value is worth writing in place of its name."""
        return True

    def bracket(self, doc: Doc, name: Node, value: Node) -> bool:
        """Whether ``value`` written in place of ``name`` needs parentheses."""
        return self.literal(doc, value)[0] == "binary" and not _left_operand(doc, name, value)

    def made(self, text: str, line: int, column: int, kind: ExprKind = "other", value: Value = None,
             resolved: Expr | None = None, extra: frozenset[str] = frozenset(),
             drop: frozenset[str] = frozenset()) -> Expr:
        """The Expr for a text: traits, offset (see ``build`` and ``offset``)."""
        e = build(self.language, text, line, column, kind, value, resolved, extra, drop)
        offset = self.offset(text, e.traits) if e.offset == 0.0 else None
        if resolved is not None and resolved.offset is not None and e.offset is not None:
            # `expires.Unix()`: the clock is in what the name holds, so is the offset.
            offset = resolved.offset
        return e if offset is None or offset == e.offset else dataclasses.replace(e, offset=float(offset))

    # --- functions and their callers

    def parameters(self, doc: Doc, scope: Node) -> Iterable[str]:
        """The names a scope's parameters bind."""
        return ()

    def positional(self, doc: Doc, scope: Node) -> list[str]:
        """The scope's parameters in call order (receivers and blocks left out)."""
        return list(self.parameters(doc, scope))

    def scope_name(self, doc: Doc, scope: Node) -> str | None:
        """The function name (or route) a scope stands for; None to look further out."""
        return None

    def calls_to(self, doc: Doc, root: Node, name: str) -> Iterator[Node]:
        """Call sites of the function named ``name`` in the file."""
        return iter(())

    def callers(self, values: Values, scope: Node) -> list[Node]:
        """Calls of the function ``scope`` elsewhere in the file: by its name."""
        fn = self.scope_name(values.doc, scope)
        if not fn or fn.startswith("/"):
            return []
        return [call for call in self.calls_to(values.doc, values.root, fn)
                if not scope.start_byte <= call.start_byte < scope.end_byte]  # not itself

    def argument(self, doc: Doc, call: Node, position: int, name: str) -> Node | None:
        """What a call passes for the parameter ``name`` at ``position``."""
        return None

    # --- keys and clocks

    def key_inner(self, values: Values, node: Node) -> Node | None:
        """The wrapped key when ``node`` only converts, decodes or wraps one (``[]byte(k)``,
        ``new SymmetricSecurityKey(k)``)."""
        return None

    def key_step(self, values: Values, node: Node) -> KeyStep | None:
        """What a key wrapper carries, and whether it is shown (see ``KeyStep``)."""
        inner = self.key_inner(values, node)
        return None if inner is None else KeyStep(inner)

    def unwrap_key(self, node: Node) -> Node:
        return self.unwrap(node)

    def offset(self, text: str, found: frozenset[str]) -> float | None:
        """Seconds after now for clock idioms the shared tables do not read; None: theirs."""
        return None


def find(grammar: str, root: Node, types: Iterable[str]) -> list[Node]:
    """Nodes of the given types in document order (a query runs in C; a walk would not)."""
    q = query(grammar, "[" + " ".join(f"({t})" for t in sorted(types)) + "] @n")
    nodes = ts.QueryCursor(q).captures(root).get("n", [])
    return sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))


_PRECEDENCE = {"*": 2, "/": 2, "%": 2, "+": 1, "-": 1}


def _left_operand(doc: Doc, name: Node, value: Node) -> bool:
    """Whether ``value`` can replace ``name`` without parentheses: ``name`` is the left operand
    of an arithmetic operator that binds no tighter than the value's (``now + 300`` where
    ``now = ms / 1000``)."""
    parent = name.parent
    if parent is None or parent.type != value.type or parent.named_child_count < 2 \
            or parent.named_children[0] != name:
        return False
    outer = _PRECEDENCE.get(doc.text(parent.child_by_field_name("operator")))
    inner = _PRECEDENCE.get(doc.text(value.child_by_field_name("operator")))
    return outer is not None and inner is not None and inner >= outer


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


class Values:
    """The names of one file, grouped by scope, and the expressions built from them.

    ``nodes``: the file's nodes of some types, by type in source order, when the extractor
    already gathered them (one query for everything it reads); ``find`` then reads them."""

    def __init__(self, doc: Doc, grammar: Grammar, nodes: dict[str, list[Node]] | None = None,
                 indexed: frozenset[str] = frozenset()):
        self.doc = doc
        self.g = grammar
        self.root = doc.root
        self._nodes = nodes
        self._node_types = indexed
        self._names: dict[tuple[Node, str], list[Assign]] = {}
        self._members: dict[tuple[Node, str], list[Assign]] = {}
        self._globals: dict[str, list[Assign]] = defaultdict(list)
        self._targets: dict[NodeKey, Assign] | None = None
        self._every = False  # every assignment of the file is in _names/_members/_globals
        self._read: set[str] = set()  # names (no leading ".") whose assignments are all in them
        self._made: dict[int, tuple[Assign, ...]] = {}  # node id -> what the node assigns
        self._pending: dict[tuple[int, str], Node] = {}  # (function id, name) -> the function

    def find(self, types: Iterable[str]) -> list[Node]:
        types = frozenset(types)
        if self._nodes is not None and types <= self._node_types:
            if len(types) == 1:
                return self._nodes.get(next(iter(types)), [])
            found = [n for t in types for n in self._nodes.get(t, ())]
            return sorted(found, key=lambda n: (n.start_byte, -n.end_byte))
        return find(self.g.grammar, self.root, types)

    # --- scopes --------------------------------------------------------------------------

    def _owner(self, node: Node) -> Node:
        """The nearest scope or class around ``node``; the file when there is none."""
        for a in ancestors(node):
            if a.type in self.g.scopes or a.type in self.g.classes:
                return a
        return self.root

    def scope_of(self, node: Node) -> Node:
        for a in ancestors(node):
            if a.type in self.g.scopes:
                return a
        return self.root

    def outer(self, scope: Node) -> Node:
        return self.root if scope == self.root else self.scope_of(scope)

    def _class_of(self, node: Node) -> Node | None:
        return next((a for a in ancestors(node) if a.type in self.g.classes), None)

    def _chain(self, node: Node) -> Iterator[Node]:
        """The scopes whose locals ``node`` sees, innermost first (not past a class unless the
        language's classes are open)."""
        g, root = self.g, self.root
        for a in ancestors(node):
            if a.type in g.classes:
                if g.closed_classes:
                    return
            elif a.type in g.scopes:
                yield a
                if a == root or not g.sees_outer(a):
                    return
        yield root

    def function_name(self, node: Node) -> str | None:
        scope = self.scope_of(node)
        while scope != self.root:
            name = self.g.scope_name(self.doc, scope)
            if name:
                return name
            scope = self.outer(scope)
        return None

    def parameters(self, node: Node) -> frozenset[str]:
        """Parameter names in reach of ``node``."""
        names: set[str] = set()
        for scope in self._chain(node):
            if scope != self.root:
                names.update(self.g.parameters(self.doc, scope))
        return frozenset(names)

    # --- names ---------------------------------------------------------------------------

    @property
    def names(self) -> dict[tuple[Node, str], list[Assign]]:
        """Every assignment of the file, by scope and name."""
        if not self._every:
            self._names, self._members, self._globals = {}, {}, defaultdict(list)
            self._pending = {}
            for node in self.find(self.g.assignment_types):
                for a in self.g.assignments(self.doc, node):
                    self._add(a)
            self._every = True
        return self._names

    def _named(self, name: str) -> dict[tuple[Node, str], list[Assign]]:
        """``_names`` (and ``_members``, ``_globals``) holding at least every assignment of
        ``name`` and of the member of that name, in the order the whole file's would list them.

        A signer asks about a handful of names, and a file can hold hundreds of functions: the
        assignments of a name are read only from the nodes around the places where the name
        (its last word: `x` of `this.x`, `$this->x`) is written, since every assignment's name
        is written in its own text."""
        key = name.lstrip(".")
        if self._every or key in self._read:
            return self._names
        word = _LAST_WORD.search(key)
        if word is None or "\ufffd" in key:
            return self.names
        needle = word.group(0).encode("utf-8")
        data, types = self.doc.data, self.g.assignment_types
        found: dict[NodeKey, Node] = {}
        walked: set[int] = set()  # nodes whose ancestors were looked at already
        spots: list[int] = []
        at = data.find(needle)
        while at >= 0:
            if len(spots) == _MOST_WRITTEN:  # written all over the file: read every assignment once
                return self.names
            spots.append(at)
            n: Node | None = self.root.descendant_for_byte_range(at, at + len(needle))
            while n is not None and n.id not in walked:
                walked.add(n.id)
                if n.is_named and n.type in types:
                    found.setdefault(key_of(n), n)
                n = n.parent
            at = data.find(needle, at + 1)
        nodes = sorted((n for n in found.values() if self._binds_at(n, spots, len(needle))),
                       key=lambda n: (n.start_byte, -n.end_byte))
        if any(a.start_byte == b.start_byte and a.end_byte == b.end_byte for a, b in itertools.pairwise(nodes)):
            nodes = [n for n in self.find(types) if key_of(n) in found]  # the file's own order of ties
        for node in nodes:
            if self._owns(node, spots, len(needle)):
                # The parameters of a function: read when a lookup reaches that function.
                self._pending[(node.id, key)] = node
                continue
            for a in self._assigns(node):
                if a.name.lstrip(".") == key:
                    self._add(a)
        self._read.add(key)
        return self._names

    def _assigns(self, node: Node) -> tuple[Assign, ...]:
        found = self._made.get(node.id)
        if found is None:  # a function's parameters are read once for all their names
            found = self._made[node.id] = tuple(self.g.assignments(self.doc, node))
        return found

    def _owns(self, node: Node, spots: list[int], width: int) -> bool:
        """Whether every place in ``node``'s binding span where the name is written is in its
        own span: all it assigns of the name is local to it."""
        own = self.g.own_span(node)
        if own is None:
            return False
        span = self.g.binding_span(node) or (node.start_byte, node.end_byte)
        inside = spots[bisect.bisect_left(spots, span[0]):bisect.bisect_right(spots, span[1] - width)]
        return all(own[0] <= at and at + width <= own[1] for at in inside)

    def _scoped(self, names: dict[tuple[Node, str], list[Assign]], scope: Node, name: str) -> list[Assign]:
        """``names[(scope, name)]``, with the function's own parameters of that name read now
        when they were left for later (they come first: the function starts before its body)."""
        if self._pending:
            node = self._pending.pop((scope.id, name), None)
            if node is not None:
                own = [a for a in self._assigns(node) if a.name == name]
                names[(scope, name)] = own + names.get((scope, name), [])
        return names.get((scope, name), [])

    def _add(self, a: Assign) -> None:
        owner = a.scope if a.scope is not None else self._owner(a.target)
        member = a.name.startswith(".")
        if member or owner.type in self.g.classes:
            cls = owner if owner.type in self.g.classes else self._class_of(a.target)
            if cls is not None:
                self._members.setdefault((cls, a.name.lstrip(".")), []).append(a)
            return
        if a.scope is None:
            a = Assign(a.name, a.target, a.value, a.end, a.assigned, owner, a.hidden_until, a.origin, a.parameter)
        self._names.setdefault((owner, a.name), []).append(a)
        if self.g.global_name(a.name):
            self._globals[a.name].append(a)
        # ``_secret = config["x"]`` in a constructor sets a field for every other method.
        if a.assigned and owner.type in self.g.constructors:
            cls = self._class_of(a.target)
            if cls is not None:
                self._members.setdefault((cls, a.name), []).append(a)

    def _binds_at(self, node: Node, spots: list[int], width: int) -> bool:
        """Whether a name written at one of ``spots`` can be one ``node`` assigns."""
        span = self.g.binding_span(node)
        if span is None:
            return True
        i = bisect.bisect_left(spots, span[0])
        return i < len(spots) and spots[i] + width <= span[1]

    @staticmethod
    def _sees(a: Assign, at: Node, here: int) -> bool:
        """Whether a read at ``at`` is not the assignment's own text."""
        if a.hidden_until is not None:
            return not a.end <= here < a.hidden_until
        return a.target != at and (a.value is None or not _inside(at, a.value))

    def lookup(self, name: str, at: Node) -> Assign | None:
        """The assignment of ``name`` that ``at`` reads: the nearest preceding one in the
        same scope, else in the scopes around it the language lets it see; then the members of
        the classes around it; then the names visible everywhere in the file.  A name without
        a value (a parameter) is an answer too: it hides the names around it."""
        names = self._named(name)
        here = at.start_byte
        if not name.startswith("."):
            if self.g.latest_wins:
                found = self._latest(name, at)
                if found is not None:
                    return found
            else:
                scope = self._owner(at)
                while scope.type not in self.g.classes:
                    unordered = scope == self.root and (self.g.unordered_root or self.g.global_name(name))
                    best: Assign | None = None
                    for a in self._scoped(names, scope, name):
                        if (unordered or a.end <= here) and self._sees(a, at, here):
                            best = a
                    if best is not None:
                        return best
                    if scope == self.root:
                        break
                    if not self.g.sees_outer(scope):
                        if not self.g.global_name(name):
                            return None
                        scope = self.root
                        continue
                    scope = self._owner(scope)
        if self._members and (self.g.bare_fields or name.startswith(".")):
            member = name.lstrip(".")
            for cls in ancestors(at):
                if cls.type in self.g.classes and (found_members := self._members.get((cls, member))):
                    return self.g.field_read(found_members)
        spread = [a for a in self._globals.get(name, ()) if a.value is None or not _inside(at, a.value)]
        return spread[-1] if spread else None

    def _latest(self, name: str, at: Node) -> Assign | None:
        """``latest_wins``: the preceding assignment in effect last among the scopes in reach,
        else (inside a function) the first one further down in the innermost scope around."""
        names = self._named(name)
        here = at.start_byte
        best: Assign | None = None
        rank = (-1, -1)
        later: list[Assign] = []
        for scope in self._chain(at):
            found = self._scoped(names, scope, name)
            if not found:
                continue
            for a in found:
                if a.hidden_until is not None:
                    if a.end <= here < a.hidden_until:
                        continue
                elif a.target == at or (a.value is not None and _inside(at, a.value)):
                    continue
                if a.end <= here:
                    if (a.end, scope.start_byte) > rank:
                        best, rank = a, (a.end, scope.start_byte)
                else:
                    later.append(a)
        if best is not None or not later or not self.g.later_in:
            return best
        fn = next((a for a in ancestors(at) if a.type in self.g.later_in), None)
        if fn is None:
            return None
        later = [a for a in later if not fn.start_byte <= a.end < fn.end_byte]
        return min(later, key=lambda a: (a.scope.end_byte - a.scope.start_byte, a.end),  # type: ignore[union-attr]
                   default=None)

    def declared(self, target: Node) -> Assign | None:
        """The assignment whose target is ``target`` (a declared name)."""
        if self._targets is None:
            self._targets = {key_of(a.target): a for found in self.names.values() for a in found}
        return self._targets.get(key_of(target))

    def definition(self, node: Node) -> Assign | None:
        """The assignment a bare reference reads."""
        node = self.g.unwrap(node)
        name = self.g.reference(self.doc, node)
        return None if name is None else self.lookup(name, node)

    def assigned(self, node: Node) -> Node | None:
        """The value a bare reference was last assigned."""
        a = self.definition(node)
        return None if a is None or a.value is None else self.g.unwrap(a.value)

    def follow(self, node: Node, hops: int = DEPTH) -> Node:
        """``node`` after following names (to find a payload literal)."""
        node = self.g.unwrap(node)
        for _ in range(hops):
            value = self.assigned(node)
            if value is None:
                break
            node = value
        return node

    def reads(self, name: str, after: Node) -> list[Node]:
        """Later reads of the local ``name`` that see the assignment at ``after``."""
        return [n for n in walk(self.scope_of(after))
                if n.start_byte >= after.end_byte and self.g.reference(self.doc, n) == name]

    # --- expressions ---------------------------------------------------------------------

    def expr(self, node: Node, extra: frozenset[str] = frozenset(), drop: frozenset[str] = frozenset(),
             depth: int = 0) -> Expr:
        """An Expr for ``node`` with traits, literal value and one-step resolution: what a name
        holds, or the text with its names substituted.  ``extra`` traits are added and ``drop``
        traits removed all the way down (a date the library converts is not local-time math)."""
        g = self.g
        node = g.unwrap(node)
        kind, value = g.literal(self.doc, node)
        resolved: Expr | None = None
        if depth < g.depth:
            name = g.reference(self.doc, node)
            if name is not None:
                a = self.lookup(name, node)
                if a is not None and a.value is not None and g.unwrap(a.value).type not in g.opaque:
                    resolved = self.expr(a.value, extra, drop, depth + 1)
                elif a is not None and a.value is None:
                    resolved = g.unvalued(self, a, node)
            elif g.substitutes(node, kind):
                sub = self.substituted(node, depth)
                if sub != self.doc.text(node):
                    line, col = self.doc.pos(node)
                    resolved = self.made(self._shown(sub), line, col, kind, None, None, extra, drop)
        line, col = self.doc.pos(node)
        return self.made(self.doc.text(node), line, col, kind, value, resolved, extra | g.origin(self, node), drop)

    def _shown(self, text: str) -> str:
        most = self.g.longest
        return text if most is None or len(text) <= most else text[:most - 3] + "..."

    def made(self, text: str, line: int, column: int, kind: ExprKind = "other", value: Value = None,
             resolved: Expr | None = None, extra: frozenset[str] = frozenset(),
             drop: frozenset[str] = frozenset()) -> Expr:
        return self.g.made(text, line, column, kind, value, resolved, extra, drop)

    def substituted(self, node: Node, depth: int = 0) -> str:
        """The text of ``node`` with each name replaced by the value it holds."""
        doc, g = self.doc, self.g
        if depth >= g.depth:  # no name is followed this deep
            return doc.text(node)
        cuts: list[tuple[int, int, str]] = []
        stack = list(reversed(node.named_children))  # names are named nodes
        sealed, inline = g.sealed, g.inline_reference
        while stack:
            n = stack.pop()
            if n.type in sealed:
                continue
            name = inline(doc, n)
            if name is not None:
                a = self.lookup(name, n)
                if a is not None:
                    value = g.unwrap(a.value) if a.value is not None else None
                    if value is not None and g.inlines(doc, value):
                        text = self.substituted(value, depth + 1)
                        if g.bracket(doc, n, value):
                            text = f"({text})"
                        cuts.append((n.start_byte, n.end_byte, text))
                    continue
            stack.extend(reversed(n.named_children))
        if not cuts:
            return doc.text(node)
        out, last = [], node.start_byte
        for start, end, text in cuts:
            out.append(doc.data[last:start].decode("utf-8", "replace"))
            out.append(text)
            last = end
        out.append(doc.data[last:node.end_byte].decode("utf-8", "replace"))
        return "".join(out)

    # --- the signer ----------------------------------------------------------------------

    def signer(self, path: str, draft: Draft) -> Signer:
        """Where the drafted call sits (position, span, parameters in reach of its key), then
        the Signer."""
        draft.line, draft.column = self.doc.pos(draft.at)
        if draft.key is not None:
            draft.parameters = self.parameters(draft.at)
        if draft.span is None:
            draft.span = piece_lines(self.g.grammar, draft.at)
        return signer.build(path, self.g.language, draft)

    # --- keys ----------------------------------------------------------------------------

    def key(self, node: Node, hop: bool = True, depth: int = 0) -> Expr:
        """A signing key as passed, linked through names and wrappers (``[]byte(k)``,
        ``Base64.decode64(k)``, ``new SymmetricSecurityKey(k)``...) down to the secret itself,
        and, from a parameter of the function around it, once into what the function's callers
        in this file pass: a literal one caller hands over is a committed secret."""
        g = self.g
        cur = g.unwrap_key(node)
        hops: list[tuple[Node, frozenset[str]]] = []  # shown nodes, with what they do to the key
        seen = {key_of(cur)}
        while depth < g.key_hops:
            a = self.definition(cur)
            step = KeyStep(a.value) if a is not None and a.value is not None else g.key_step(self, cur)
            if step is None:
                break
            nxt = g.unwrap_key(step.inner)
            if key_of(nxt) in seen:
                break
            seen.add(key_of(nxt))
            if step.shown:
                hops.append((cur, step.traits))
            cur, depth = nxt, depth + 1
        passed = self.passed(cur) if hop else []
        further = depth + 1 if g.key_as_expr else 0
        e = traits.through_callers(self.key(arg, False, further) for arg, _ in passed[:_MAX_CALLERS])
        if e is None and g.key_as_expr:
            e = self.expr(cur, depth=depth)
        else:
            if e is None and (a := self.definition(cur)) is not None and a.value is None:
                e = g.unvalued(self, a, cur)
            e = self._hop(cur, e, frozenset())
        for n, extra in reversed(hops):
            e = self._hop(n, e, extra)
        return e

    def _hop(self, n: Node, resolved: Expr | None, extra: frozenset[str]) -> Expr:
        kind, value = self.g.literal(self.doc, n)
        line, col = self.doc.pos(n)
        return self.made(self.doc.text(n), line, col, kind, value, resolved, extra | self.g.origin(self, n))

    def passed(self, node: Node) -> list[tuple[Node, Node]]:
        """For a parameter of the function around ``node``: the argument each call of that
        function elsewhere in the file passes for it, with the call."""
        name = self.g.reference(self.doc, node)
        if name is None or name.startswith("."):
            return []
        a = self.lookup(name, node)
        if a is not None:
            if not a.parameter or a.scope is None:
                return []
            scope = a.scope
            params = self.g.positional(self.doc, scope)
            if name not in params:
                return []
        else:
            for scope in self._chain(node):
                params = self.g.positional(self.doc, scope) if scope != self.root else []
                if name in params:
                    break
            else:
                return []
        position, out = params.index(name), []
        for call in self.g.callers(self, scope):
            arg = self.g.argument(self.doc, call, position, name)
            if arg is not None:
                out.append((arg, call))
        return out


# --- Expr building --------------------------------------------------------------------------

_SUFFIX = re.compile(r"(?<![\w.])(\d[\d_]*(?:\.\d+)?)(?:[uU]?[lL]{1,2}|[uU]|[mMdDfF])\b")
_MS_PLUS = re.compile(r"\+\s*\(?\s*(\d[\d_]*(?:\s*\*\s*\d[\d_]*)*)\s*\)?(?![\w.(])")
_TIMEUNIT_MS = re.compile(r"TimeUnit\.(SECONDS|MINUTES|HOURS|DAYS)\.toMillis\s*\(\s*(\d+)\s*\)")
# new Date(x): x is milliseconds whatever it is called.
_DATE_MS = re.compile(r"new\s+(?:java\.util\.)?Date\s*\(\s*[^)\s]")
_TIMEUNIT = {"SECONDS": 1, "MINUTES": 60, "HOURS": 3600, "DAYS": 86400}


def _product(text: str) -> float:
    total = 1.0
    for part in text.split("*"):
        total *= float(part.strip().replace("_", ""))
    return total


def ms_offset(text: str) -> float | None:
    """Seconds after now of a millisecond clock expression handed over as a date object."""
    m = _TIMEUNIT_MS.search(text)
    if m:
        return _TIMEUNIT[m.group(1)] * float(m.group(2))
    if re.search(r"Duration\.of\w+\s*\(", text):
        return traits.duration_seconds(text)
    m = _MS_PLUS.search(text)
    return _product(m.group(1)) / 1000 if m else 0.0


def build(language: str, text: str, line: int, column: int, kind: ExprKind = "other",
          value: Value = None, resolved: Expr | None = None,
          extra: frozenset[str] = frozenset(), drop: frozenset[str] = frozenset()) -> Expr:
    """traits.expr plus what typed languages need: numeric suffixes (300L) do not hide the
    offset, a date object's millisecond arithmetic still yields seconds, and traits that do not
    apply in context (a DateTime handed to a library is not local-as-UTC arithmetic) go."""
    e = traits.expr(language, text, line, column, kind, value, resolved, extra)
    offset = e.offset
    plain = _SUFFIX.sub(r"\1", text)
    ms_date = "clock-ms" in e.traits or bool(_DATE_MS.search(text))
    if "date-object" in e.traits and "clock" in e.traits and ms_date:
        offset = ms_offset(plain)
    elif plain != text and "clock" in e.traits:
        offset = traits.offset_seconds(plain, e.traits)
    if offset != e.offset or drop & e.traits:
        e = dataclasses.replace(e, offset=offset, traits=e.traits - drop)
    return e


# --- small readers every grammar uses -------------------------------------------------------

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
