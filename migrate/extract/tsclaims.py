"""Claims, headers and keys read from the tree-sitter trees of statically typed languages.

C# and Java build JWTs the same way: fluent builder chains, dictionaries filled after their
declaration, values parked in local variables or class fields.  This module holds what the
languages share: a uniform view of calls, local definitions, Expr building with one-step name
resolution and signing-key chains (``tsclaims_signer`` turns the result into a Signer).  Each
language supplies a ``Syntax`` describing its node shapes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import tree_sitter as ts

from migrate.extract import traits
from migrate.extract.base import Source
from migrate.extract.treesitter import Doc, ancestors, query, string_value, walk
from migrate.model import Expr, ExprKind

Node = ts.Node
NodeKey = tuple[int, int, str]

# How many names deep a value is followed (x = y; y = clock + 300).
MAX_DEPTH = 3
_MAX_CALLERS = 8  # call sites looked at when a key parameter is followed into its callers
_METHODS = frozenset({"method_declaration", "local_function_statement"})  # called by name


def key_of(node: Node) -> NodeKey:
    return (node.start_byte, node.end_byte, node.type)


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


class Syntax:
    """Node shapes of one grammar.  Subclasses fill in the tables and the small parsers."""

    language: str = ""
    grammar: str = ""
    kinds: dict[str, ExprKind] = {}
    scopes: frozenset[str] = frozenset()  # nodes owning local variables
    classes: frozenset[str] = frozenset()
    constructors: frozenset[str] = frozenset()
    wrappers: frozenset[str] = frozenset()  # parentheses: see through them
    call_types: frozenset[str] = frozenset()  # nodes ``call`` understands
    declaration_types: frozenset[str] = frozenset()  # nodes ``declarations`` understands

    def find(self, doc: Doc, types: Iterable[str]) -> list[Node]:
        """Nodes of the given types in document order (a query runs in C; a walk would not)."""
        q = query(self.grammar, "[" + " ".join(f"({t})" for t in sorted(types)) + "] @n")
        nodes = ts.QueryCursor(q).captures(doc.root).get("n", [])
        return sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))

    def call(self, doc: Doc, node: Node) -> Call | None:
        raise NotImplementedError

    def member(self, doc: Doc, node: Node) -> tuple[Node, str] | None:
        """(object, member name) for ``a.b``."""
        raise NotImplementedError

    def declarations(self, doc: Doc, node: Node) -> Iterable[tuple[Node, Node, bool]]:
        """(target, value, is_assignment) for each name this node gives a value."""
        raise NotImplementedError

    def element_assignment(self, doc: Doc, node: Node) -> tuple[Node, Node, Node] | None:
        """(object, index, value) for ``x["k"] = v``."""
        return None

    def parameters(self, doc: Doc, scope: Node) -> list[str]:
        raise NotImplementedError

    def is_reference(self, node: Node) -> bool:
        """An identifier that names a variable (not a member, method, type or label)."""
        raise NotImplementedError

    def is_this(self, node: Node) -> bool:
        return node.type == "this"

    def unwrap(self, node: Node) -> Node:
        while node.type in self.wrappers and node.named_children:
            node = node.named_children[-1]
        return node

    def literal(self, doc: Doc, node: Node) -> tuple[ExprKind, int | float | str | bool | None]:
        kind = self.kinds.get(node.type, "other")
        text = doc.text(node)
        if kind == "int":
            return kind, _int(text)
        if kind == "float":
            return kind, _float(text)
        if kind == "bool":
            return kind, text == "true"
        if kind == "string":
            value = string_value(doc, node)
            return ("string", value) if value is not None else ("template", None)
        return kind, None


def _int(text: str) -> int | None:
    t = text.replace("_", "").rstrip("lLuU")
    try:
        return int(t, 0)
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text.replace("_", "").rstrip("fFdDmM"))
    except ValueError:
        return None


# --- local definitions ----------------------------------------------------------------------

@dataclass(frozen=True)
class Def:
    name: str
    value: Node
    end: int  # the byte from which the value is in effect
    scope: Node | None  # None for a class field


class Defs:
    """Where each name gets a value: locals per scope, fields (and what constructors assign
    to them) per class."""

    def __init__(self, doc: Doc, syntax: Syntax):
        self.syntax = syntax
        self._locals: dict[tuple[NodeKey, str], list[Def]] = {}
        self._fields: dict[tuple[NodeKey, str], list[Def]] = {}
        for node in syntax.find(doc, syntax.declaration_types):
            for target, value, assigned in syntax.declarations(doc, node):
                self._add(doc, node, target, value, assigned)

    def _add(self, doc: Doc, node: Node, target: Node, value: Node, assigned: bool) -> None:
        member = self.syntax.member(doc, target)
        this = member is not None and self.syntax.is_this(member[0])
        name = member[1] if member is not None else doc.text(target)
        if member is not None and not this:
            return
        owner = self._owner(node)
        if owner is None:
            return
        if owner.type in self.syntax.classes or this:
            cls = owner if owner.type in self.syntax.classes else self._class_of(node)
            if cls is not None:
                self._fields.setdefault((key_of(cls), name), []).append(Def(name, value, node.end_byte, None))
            return
        self._locals.setdefault((key_of(owner), name), []).append(Def(name, value, node.end_byte, owner))
        # ``_secret = config["x"]`` in a constructor sets a field for every other method.
        if assigned and owner.type in self.syntax.constructors:
            cls = self._class_of(node)
            if cls is not None:
                self._fields.setdefault((key_of(cls), name), []).append(Def(name, value, node.end_byte, None))

    def _owner(self, node: Node) -> Node | None:
        for anc in ancestors(node):
            if anc.type in self.syntax.scopes or anc.type in self.syntax.classes:
                return anc
        return None

    def _class_of(self, node: Node) -> Node | None:
        return next((a for a in ancestors(node) if a.type in self.syntax.classes), None)

    def lookup(self, name: str, use: Node, this: bool = False) -> Def | None:
        if not this:
            for anc in ancestors(use):
                if anc.type in self.syntax.classes:
                    break
                if anc.type in self.syntax.scopes:
                    found = [d for d in self._locals.get((key_of(anc), name), ()) if d.end <= use.start_byte]
                    if found:
                        return found[-1]
        for anc in ancestors(use):
            if anc.type in self.syntax.classes:
                found = self._fields.get((key_of(anc), name))
                if found:
                    return found[-1]
        return None


# --- expressions ----------------------------------------------------------------------------

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
          value: int | float | str | bool | None = None, resolved: Expr | None = None,
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


class Reader:
    """One parsed file and everything needed to read values out of it."""

    def __init__(self, src: Source, doc: Doc, syntax: Syntax):
        self.src = src
        self.doc = doc
        self.syntax = syntax
        self._defs: Defs | None = None
        self._receivers: dict[str, list[Node]] | None = None

    @property
    def defs(self) -> Defs:
        if self._defs is None:  # only files that sign something pay for it
            self._defs = Defs(self.doc, self.syntax)
        return self._defs

    # --- plumbing

    def text(self, node: Node | None) -> str:
        return self.doc.text(node)

    def call(self, node: Node | None) -> Call | None:
        return None if node is None else self.syntax.call(self.doc, self.syntax.unwrap(node))

    def scope(self, node: Node) -> Node | None:
        return next((a for a in ancestors(node) if a.type in self.syntax.scopes), None)

    def parameters(self, node: Node) -> frozenset[str]:
        names: set[str] = set()
        for anc in ancestors(node):
            if anc.type in self.syntax.classes:
                break
            if anc.type in self.syntax.scopes:
                names.update(self.syntax.parameters(self.doc, anc))
        return frozenset(names)

    # --- names

    def definition(self, node: Node) -> Def | None:
        node = self.syntax.unwrap(node)
        if node.type == "identifier" and self.syntax.is_reference(node):
            return self.defs.lookup(self.text(node), node)
        member = self.syntax.member(self.doc, node)
        if member is not None and self.syntax.is_this(member[0]):
            return self.defs.lookup(member[1], node, this=True)
        return None

    def resolve(self, node: Node | None) -> Node | None:
        """The node a name stands for, following definitions (and parentheses) a few steps."""
        if node is None:
            return None
        node = self.syntax.unwrap(node)
        for _ in range(MAX_DEPTH):
            d = self.definition(node)
            if d is None:
                break
            node = self.syntax.unwrap(d.value)
        return node

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

    # --- expressions

    def expr(self, node: Node, extra: frozenset[str] = frozenset(),
             drop: frozenset[str] = frozenset(), depth: int = 0) -> Expr:
        kind, value = self.syntax.literal(self.doc, node)
        resolved = self._resolution(node, kind, extra, drop, depth) if depth < MAX_DEPTH else None
        line, col = self.doc.pos(node)
        return build(self.syntax.language, self.text(node), line, col, kind, value, resolved, extra, drop)

    def _resolution(self, node: Node, kind: ExprKind, extra: frozenset[str], drop: frozenset[str],
                    depth: int) -> Expr | None:
        d = self.definition(node)
        if d is not None:
            return self.expr(d.value, extra, drop, depth + 1)
        if kind in ("int", "float", "string", "bool", "null"):
            return None
        text = self.substituted(node, depth)
        if text == self.text(node):
            return None
        line, col = self.doc.pos(node)
        return build(self.syntax.language, text, line, col, kind, None, None, extra, drop)

    def substituted(self, node: Node, depth: int = 0) -> str:
        """The node's text with every local name replaced by the text it was assigned."""
        base = node.start_byte
        data = self.doc.data[node.start_byte:node.end_byte]
        edits: list[tuple[int, int, str]] = []
        skip_until = -1
        for n in walk(node):
            if n.start_byte < skip_until or key_of(n) == key_of(node):
                continue
            d = self.definition(n) if n.type == "identifier" or self.syntax.member(self.doc, n) else None
            if d is None:
                continue
            inner = self.substituted(d.value, depth + 1) if depth + 1 < MAX_DEPTH else self.text(d.value)
            edits.append((n.start_byte - base, n.end_byte - base, inner))
            skip_until = n.end_byte
        if not edits:
            return self.text(node)
        out, last = [], 0
        for start, end, repl in edits:
            out.append(data[last:start].decode("utf-8", "replace"))
            out.append(repl)
            last = end
        out.append(data[last:].decode("utf-8", "replace"))
        return "".join(out)

    def key(self, node: Node, peel: Callable[[Reader, Node], Node | None], hop: bool = True) -> Expr:
        """A signing key as passed, linked through names and wrapper calls (``hmacShaKeyFor``,
        ``GetBytes``, ``FromBase64String``...) down to the secret itself, and from a method
        parameter once into the same-file calls of the method.  Literal values are not kept in
        the Exprs; traits.secret masks the texts."""
        hops = [node]
        seen = {key_of(node)}
        for _ in range(4 * MAX_DEPTH):
            cur = hops[-1]
            d = self.definition(cur)
            nxt = d.value if d is not None else peel(self, self.syntax.unwrap(cur))
            if nxt is None or key_of(nxt) in seen:
                break
            seen.add(key_of(nxt))
            hops.append(nxt)
        # A method parameter: what the method's callers in this file pass (one hop).
        e: Expr | None = traits.through_callers(
            self.key(arg, peel, hop=False) for arg in self._passed(hops[-1])[:_MAX_CALLERS]
        ) if hop else None
        for n in reversed(hops):
            kind, _ = self.syntax.literal(self.doc, n)
            line, col = self.doc.pos(n)
            e = build(self.syntax.language, self.text(n), line, col, kind, None, e)
        assert e is not None
        return e

    def _passed(self, node: Node) -> list[Node]:
        """For a parameter of the method around ``node``: the argument each call of that
        method elsewhere in the file passes for it."""
        node = self.syntax.unwrap(node)
        if node.type != "identifier" or not self.syntax.is_reference(node):
            return []
        name = self.text(node)
        for scope in ancestors(node):
            if scope.type in self.syntax.classes:
                return []
            if scope.type in self.syntax.scopes:
                params = self.syntax.parameters(self.doc, scope)
                if name in params:
                    break
        else:
            return []
        method = scope.child_by_field_name("name") if scope.type in _METHODS else None
        if method is None:
            return []
        position, out = params.index(name), []
        for n in self.syntax.find(self.doc, self.syntax.call_types):
            c = self.call(n)
            if c is None or c.new or c.name != self.text(method) or \
                    scope.start_byte <= n.start_byte < scope.end_byte:
                continue
            arg = c.arg(position, name)
            if arg is not None:
                out.append(arg)
        return out

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

    def uses(self, name: str, d: Def, stop: int) -> list[Node]:
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
        for n in self.syntax.find(self.doc, self.syntax.call_types | self.syntax.declaration_types):
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
