"""How a signed token leaves the server (``Signer.response``), for Go, Ruby and PHP.

From the signing call, climb the tree until a node says what it does with the value
(``Dialect.sink``): a response writer ends the search; an assignment continues from each
later use of the variable; a ``return`` continues from the function's call sites.  Passing
through a literal collection on the way means the token is sent inside an object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from migrate.extract.treesitter import Doc
from migrate.extract.values import Grammar, Node, Values

_HOPS = 3  # assignments and returns followed before giving up


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


class Dialect(Grammar):
    """A grammar whose responses are traced here: what each node does with a value."""

    containers: frozenset[str] = frozenset()  # literal collections (objects once serialised)
    statements: frozenset[str] = frozenset()  # where a climb from a value ends

    def sink(self, doc: Doc, parent: Node, child: Node) -> Verdict | None:
        """What ``parent`` does with the value of its child ``child``; None to climb on."""
        raise NotImplementedError

    def unreturned(self, doc: Doc, scope: Node, contained: bool) -> str | None:
        """The response kind of a value returned by a function nobody in the file calls."""
        return None


def response(index: Values, value: Node) -> str | None:
    """"json-string", "text", "object", "template", or None when the code does not show it."""
    return _Trace(index).climb(value, False, _HOPS)


class _Trace:
    def __init__(self, index: Values):
        assert isinstance(index.g, Dialect)
        self.index = index
        self.d = index.g
        self.seen: set[Node] = set()

    def climb(self, value: Node, contained: bool, hops: int) -> str | None:
        if value in self.seen:
            return None
        self.seen.add(value)
        cur = value
        while cur.parent is not None:
            parent = cur.parent
            if parent.type in self.d.containers:
                contained = True
            verdict = self.d.sink(self.index.doc, parent, cur)
            if verdict is not None:
                return self._follow(verdict, parent, contained, hops)
            if parent.type in self.d.statements or parent.type in self.d.scopes:
                return None
            cur = parent
        return None

    def _follow(self, v: Verdict, at: Node, contained: bool, hops: int) -> str | None:
        contained = contained or v.contained
        if v.what == "json":
            return "object" if contained else "json-string"
        if v.what in ("text", "object", "template"):
            return v.what
        if v.what == "stop" or hops <= 0:
            return v.fallback
        if v.what == "assign" and v.name:
            for use in self.index.reads(v.name, at):
                found = self.climb(use, contained, hops - 1)
                if found:
                    return found
            return v.fallback
        if v.what == "return":
            return self._returned(at, contained, hops)
        return None

    def _returned(self, at: Node, contained: bool, hops: int) -> str | None:
        index = self.index
        scope = index.scope_of(at)
        name = self.d.scope_name(index.doc, scope) if scope != index.root else None
        if name:
            for call in self.d.calls_to(index.doc, index.root, name):
                if self.d.reference(index.doc, call) and index.lookup(name, call):
                    continue  # a local variable of the same name, not a call
                found = self.climb(call, contained, hops - 1)
                if found:
                    return found
        return self.d.unreturned(index.doc, scope, contained)
