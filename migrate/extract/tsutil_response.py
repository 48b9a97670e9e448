"""How a signed token leaves the server (``Signer.response``), for Go, Ruby and PHP.

From the signing call, climb the tree until a node says what it does with the value
(``Dialect.sink``): a response writer ends the search; an assignment continues from each
later use of the variable; a ``return`` continues from the function's call sites.  Passing
through a literal collection on the way means the token is sent inside an object.
"""

from __future__ import annotations

from migrate.extract.tsutil_dynamic import Index, Node, Verdict

_HOPS = 3  # assignments and returns followed before giving up


def response(index: Index, value: Node) -> str | None:
    """"json-string", "text", "object", "template", or None when the code does not show it."""
    return _Trace(index).climb(value, False, _HOPS)


class _Trace:
    def __init__(self, index: Index):
        self.index = index
        self.d = index.d
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
            for use in self.index.uses(v.name, at):
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
