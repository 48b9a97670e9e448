"""One parsed Python module and the questions the signer extractor asks of it.

Parents, positions, qualified names (``import jwt as pyjwt`` still reads as ``jwt``) and
where a local name was last assigned.  Built once per file, in one iterative walk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    PositionProvider,
    QualifiedName,
    QualifiedNameSource,
    ScopeProvider,
)

Scope = cst.FunctionDef | cst.ClassDef | cst.Module

# Nodes that never hold an expression: not worth descending into.
_LEAVES = (cst.BaseParenthesizableWhitespace, cst.Newline, cst.EmptyLine, cst.Comment,
           cst.TrailingWhitespace, cst.Comma, cst.Dot, cst.Semicolon, cst.Colon, cst.AssignEqual,
           cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
           cst.LeftCurlyBrace, cst.RightCurlyBrace)


@dataclass(frozen=True)
class Assignment:
    statement: cst.CSTNode  # the Assign / AnnAssign / NamedExpr
    value: cst.BaseExpression
    scope: Scope


def target_key(node: cst.CSTNode) -> str | None:
    """``name`` for a bare name, ``self.attr`` for an instance attribute, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value in ("self", "cls")):
        return "self." + node.attr.value
    return None


def callee(call: cst.Call) -> str | None:
    """The last name of what is called: ``jsonify`` for ``flask.jsonify(...)``."""
    f = call.func
    if isinstance(f, cst.Name):
        return f.value
    if isinstance(f, cst.Attribute):
        return f.attr.value
    return None


class Index:
    def __init__(self, module: cst.Module):
        self.module = module
        # The module was just parsed and is not shared: no need for the defensive deep copy.
        # Qualified names are asked of the scopes for the few nodes that need them: that is
        # several times cheaper than QualifiedNameProvider, which names every node.
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        meta = wrapper.resolve_many([PositionProvider, ScopeProvider])
        self._ranges = meta[PositionProvider]
        self._scopes = meta[ScopeProvider]
        self.parent: dict[cst.CSTNode, cst.CSTNode] = {}
        self.calls: list[cst.Call] = []
        self.refs: dict[str, list[cst.Name]] = defaultdict(list)
        self.functions: dict[str, list[cst.FunctionDef]] = defaultdict(list)
        self._assigns: dict[str, list[Assignment]] = defaultdict(list)
        self._walk()

    # --- building -------------------------------------------------------------------------

    def _walk(self) -> None:
        stack: list[cst.CSTNode] = [self.module]
        while stack:
            node = stack.pop()
            kids = [k for k in node.children if not isinstance(k, _LEAVES)]
            for k in kids:
                self.parent[k] = node
            stack.extend(reversed(kids))  # pre-order, so every list below is in source order
            if isinstance(node, cst.Call):
                self.calls.append(node)
            elif isinstance(node, cst.Name):
                self.refs[node.value].append(node)
            elif isinstance(node, cst.FunctionDef):
                self.functions[node.name.value].append(node)
            elif isinstance(node, cst.Assign):
                for t in node.targets:
                    self._record(t.target, node.value, node)
            elif isinstance(node, (cst.AnnAssign, cst.NamedExpr)) and node.value is not None:
                self._record(node.target, node.value, node)

    def _record(self, target: cst.CSTNode, value: cst.BaseExpression, stmt: cst.CSTNode) -> None:
        key = target_key(target)
        if key is None:
            return
        scope = self.enclosing(stmt, cst.ClassDef) if key.startswith("self.") else self.scope(stmt)
        if scope is not None:
            self._assigns[key].append(Assignment(stmt, value, scope))

    # --- positions and text ---------------------------------------------------------------

    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        """1-based line and column."""
        start = self._ranges[node].start
        return start.line, start.column + 1

    def end(self, node: cst.CSTNode) -> tuple[int, int]:
        end = self._ranges[node].end
        return end.line, end.column + 1

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def qualified(self, node: cst.CSTNode) -> set[str]:
        return {q.name for q in self._names(node)}

    def imported(self, node: cst.CSTNode) -> str | None:
        """The dotted name an imported name stands for (``from app.settings import KEY``)."""
        for q in self._names(node):
            if q.source is QualifiedNameSource.IMPORT:
                return q.name.lstrip(".")
        return None

    def _names(self, node: cst.CSTNode) -> set[QualifiedName]:
        scope = self._scopes.get(node)
        return scope.get_qualified_names_for(node) if scope is not None else set()

    # --- scopes ---------------------------------------------------------------------------

    def enclosing(self, node: cst.CSTNode, kind: type) -> cst.CSTNode | None:
        n = self.parent.get(node)
        while n is not None and not isinstance(n, kind):
            n = self.parent.get(n)
        return n

    def scope(self, node: cst.CSTNode) -> Scope:
        found = self.enclosing(node, (cst.FunctionDef, cst.ClassDef))
        return found if found is not None else self.module  # type: ignore[return-value]

    def scopes(self, node: cst.CSTNode) -> Iterator[Scope]:
        """Innermost first.  A class body is visible only to code written directly in it."""
        sc = self.scope(node)
        yield sc
        while sc is not self.module:
            sc = self.scope(sc)
            if not isinstance(sc, cst.ClassDef):
                yield sc

    def function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        return self.enclosing(node, cst.FunctionDef)  # type: ignore[return-value]

    def assigned(self, target: cst.CSTNode) -> Assignment | None:
        """The assignment a name (or ``self.attr``) read at ``target`` most likely holds.

        Same scope: the nearest assignment that ends before the read.  Enclosing scopes
        (module constants read inside a function): their last assignment, since the
        function runs after the module body.
        """
        key = target_key(target)
        candidates = self._assigns.get(key or "")
        if not candidates:
            return None
        if key.startswith("self."):  # type: ignore[union-attr]
            cls = self.enclosing(target, cst.ClassDef)
            return next((a for a in candidates if a.scope is cls), None)
        at = self.pos(target)
        for depth, sc in enumerate(self.scopes(target)):
            mine = [a for a in candidates if a.scope is sc]
            if depth == 0:
                mine = [a for a in mine if self.end(a.statement) <= at]
            if mine:
                return mine[-1]
        return None

    def reads_after(self, name: str, stmt: cst.CSTNode) -> list[cst.Name]:
        """Reads of ``name`` in the scope of ``stmt`` after it, up to its next reassignment."""
        scope, start = self.scope(stmt), self.end(stmt)
        out: list[cst.Name] = []
        stop: tuple[int, int] | None = None
        for ref in self.refs.get(name, ()):
            at = self.pos(ref)
            if at < start or self.scope(ref) is not scope or (stop is not None and at >= stop):
                continue
            holder = self.parent.get(ref)
            if isinstance(holder, cst.AssignTarget):
                # reassigned: its right-hand side still reads the old value, later code does not
                stop = self.end(self.parent[holder])
                continue
            out.append(ref)
        return out

    def returns(self, fn: cst.FunctionDef) -> list[cst.Return]:
        """``return`` statements of ``fn`` itself (not of functions nested in it)."""
        out: list[cst.Return] = []
        stack: list[cst.CSTNode] = [fn.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Return):
                out.append(node)
            elif not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda, _LEAVES)):
                stack.extend(reversed(node.children))
        return out
