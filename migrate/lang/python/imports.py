"""What a Python name stands for: the qualified name of what it was imported as.

``import jwt as pyjwt`` makes ``pyjwt.encode`` read as ``jwt.encode``; ``from jose import jwt``
makes ``jwt.encode`` read as ``jose.jwt.encode``.  Names follow Python's scopes: a function's
own binding of a name (an assignment, a parameter, a nested ``def``, an import) hides the
module's wherever it is in the function, and a class body is seen only by code written directly
in it.  A name bound by anything but an import has no qualified name here: a local ``encode``
is not the library's.
"""

from __future__ import annotations

from collections import defaultdict

import tree_sitter as ts

from migrate.extract.treesitter import Doc, query
from migrate.extract.values import Node, child, children

_SCOPES = frozenset({"function_definition", "class_definition"})
# Identifiers in binding position, by what binds them.  Comprehension variables and lambda
# parameters live in scopes of their own and are left out.
_BINDINGS = """
(function_definition name: (identifier) @def)
(class_definition name: (identifier) @def)
(assignment left: (identifier) @bind)
(assignment left: (pattern_list (identifier) @bind))
(assignment left: (tuple_pattern (identifier) @bind))
(augmented_assignment left: (identifier) @bind)
(for_statement left: (identifier) @bind)
(for_statement left: (pattern_list (identifier) @bind))
(named_expression name: (identifier) @bind)
(as_pattern_target (identifier) @bind)
(parameters (identifier) @param)
(parameters (default_parameter name: (identifier) @param))
(parameters (typed_parameter (identifier) @param))
(parameters (typed_default_parameter name: (identifier) @param))
(parameters (list_splat_pattern (identifier) @param))
(parameters (dictionary_splat_pattern (identifier) @param))
(parameters (typed_parameter (list_splat_pattern (identifier) @param)))
(parameters (typed_parameter (dictionary_splat_pattern (identifier) @param)))
(global_statement (identifier) @global)
(nonlocal_statement (identifier) @global)
(import_statement) @import
(import_from_statement) @import
"""
_MOST_WRITTEN = 64  # places a name is written beyond which the whole module's bindings are read
LOCAL = ""  # a binding that is not an import


def dotted(doc: Doc, node: Node | None) -> list[str] | None:
    """["jwt", "encode"] for ``jwt.encode``; a call or subscript reads as what it is made from
    (``PyJWT().encode`` is ``PyJWT.encode``)."""
    parts: list[str] = []
    while node is not None:
        if node.type == "identifier":
            parts.append(doc.text(node))
            return parts[::-1]
        if node.type == "attribute":
            parts.append(doc.text(child(node, "attribute")))
            node = child(node, "object")
        elif node.type == "call":
            node = child(node, "function")
        elif node.type == "subscript":
            node = child(node, "value")
        elif node.type == "parenthesized_expression" and node.named_child_count == 1:
            node = node.named_children[0]
        else:
            return None
    return None


class Imports:
    """The bindings of one module, by scope.  A name's bindings are read when the name is first
    asked about, by the query run only where the name is written (every node a binding pattern
    matches holds the bound name); a name written all over the module, or whose text cannot be
    searched for, is read with the whole module's bindings."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self._bound: dict[tuple[int, str], list[str]] = defaultdict(list)  # (scope, name) -> imports or LOCAL
        self._global: set[tuple[int, str]] = set()
        self._placed: set[str] = set()
        self._every = False  # every binding of the module is placed
        self._imported: set[str] | None = None

    def _captures_at(self, word: bytes) -> dict[str, list[Node]] | None:
        """The binding query's captures around every place ``word`` is written (None: too many
        places), each kind in source order."""
        data, spots = self.doc.data, []
        at = data.find(word)
        while at >= 0:
            if len(spots) == _MOST_WRITTEN:
                return None
            spots.append(at)
            at = data.find(word, at + 1)
        out: dict[str, dict[int, Node]] = defaultdict(dict)
        q = query("python", _BINDINGS)
        for at in spots:
            cursor = ts.QueryCursor(q)
            cursor.set_byte_range(at, at + len(word))
            for kind, nodes in cursor.captures(self.doc.root).items():
                for node in nodes:
                    out[kind].setdefault(node.id, node)
        return {kind: sorted(found.values(), key=lambda n: n.start_byte) for kind, found in out.items()}

    def _place_all(self) -> None:
        self._bound.clear()
        self._global.clear()
        for kind, nodes in _captures(self.doc).items():
            for node in nodes:
                self._place_one(kind, node, None)
        self._every = True

    def _place_one(self, kind: str, node: Node, name: str | None) -> None:
        """Put what ``node`` (captured as ``kind``) binds in its scope: only ``name`` unless None."""
        if kind == "call":
            return
        if kind == "import":
            scope = _scope(node)
            for bound, qualified in import_bindings(self.doc, node):
                text = self.doc.text(bound)
                if name is None or text == name:
                    self._bind(scope, text, qualified)
            return
        text = self.doc.text(node)
        if name is not None and text != name:
            return
        if kind == "def":
            self._bind(_scope(node.parent), text, LOCAL)
        elif kind == "global":
            self._global.add((_scope(node).id, text))
        else:
            self._bind(_scope(node), text, LOCAL)

    def _place(self, name: str) -> None:
        """Put the bindings of ``name`` in their scopes."""
        if self._every or name in self._placed:
            return
        captures = None if not name or "\ufffd" in name else self._captures_at(name.encode("utf-8"))
        # Two imports of one name: which comes first is the whole query's order, not the text's.
        if captures is None or sum(any(self.doc.text(bound) == name for bound, _ in import_bindings(self.doc, stmt))
                                   for stmt in captures.get("import", ())) > 1:
            self._place_all()
            return
        for kind, nodes in captures.items():
            for node in nodes:
                self._place_one(kind, node, name)
        self._placed.add(name)

    def imported_names(self) -> set[str]:
        """The names some import of the module binds (in any scope)."""
        if self._imported is None:
            # every import statement writes `import` (a broken one may miss it: read them all)
            captures = None if self._every or self.doc.root.has_error else self._captures_at(b"import")
            if captures is None:
                if not self._every:
                    self._place_all()
                self._imported = {name for (_, name), bound in self._bound.items() if any(bound)}
            else:
                self._imported = {self.doc.text(bound) for stmt in captures.get("import", ())
                                  for bound, qualified in import_bindings(self.doc, stmt) if qualified}
        return self._imported

    def _bind(self, scope: Node, name: str, what: str) -> None:
        self._bound[(scope.id, name)].append(what)

    def _scopes(self, node: Node) -> list[Node]:
        """The scopes a name read at ``node`` is looked up in, innermost first."""
        out: list[Node] = []
        n = node.parent
        while n is not None:
            # a class body is seen only by code written directly in it
            if n.type in _SCOPES and _inside_body(node, n) and (n.type == "function_definition" or not out):
                out.append(n)
            n = n.parent
        out.append(self.doc.root)
        return out

    def bindings(self, name: str, at: Node) -> list[str]:
        """What ``name`` read at ``at`` is bound to in the nearest scope that binds it: the
        qualified names of imports, LOCAL for anything else; [] when nothing binds it."""
        self._place(name)
        for scope in self._scopes(at):
            if scope != self.doc.root and (scope.id, name) in self._global:
                continue
            found = self._bound.get((scope.id, name))
            if found:
                return found
        return []

    def qualified(self, node: Node) -> set[str]:
        """The qualified names an expression such as ``pyjwt.encode`` stands for."""
        parts = dotted(self.doc, node)
        if not parts:
            return set()
        rest = "".join("." + p for p in parts[1:])
        return {q + rest for q in self.bindings(parts[0], node) if q}

    def imported(self, node: Node) -> str | None:
        """The dotted name an imported name stands for (``from app.settings import KEY`` ->
        app.settings.KEY), leading dots of a relative import dropped."""
        if node.type != "identifier":
            return None
        return next((q.lstrip(".") for q in self.bindings(self.doc.text(node), node) if q), None)


def import_bindings(doc: Doc, stmt: Node) -> list[tuple[Node, str]]:
    """The names an import statement binds, with the qualified name each stands for:
    ``import a.b`` binds a (a), ``import a.b as c`` c (a.b), ``from .m import x`` x (.m.x)."""
    out: list[tuple[Node, str]] = []
    if stmt.type == "import_statement":
        for item in children(stmt, "name"):
            if item.type == "aliased_import":
                alias = child(item, "alias")
                if alias is not None:
                    out.append((alias, _plain(doc, child(item, "name"))))
            elif item.named_child_count:
                out.append((item.named_children[0], doc.text(item.named_children[0])))
        return out
    module = child(stmt, "module_name")
    if stmt.type != "import_from_statement" or module is None:
        return out
    if module.type == "relative_import":
        dots = doc.text(next((c for c in module.children if c.type == "import_prefix"), None))
        rest = next((c for c in module.named_children if c.type == "dotted_name"), None)
        base = dots + (_plain(doc, rest) + "." if rest is not None else "")
    else:
        base = _plain(doc, module) + "."
    for item in children(stmt, "name"):
        name = child(item, "alias") if item.type == "aliased_import" else item
        original = child(item, "name") if item.type == "aliased_import" else item
        if name is not None and name.type == "dotted_name" and name.named_child_count:
            name = name.named_children[-1]
        if name is not None:
            out.append((name, base + _plain(doc, original)))
    return out


def _captures(doc: Doc) -> dict[str, list[Node]]:
    return ts.QueryCursor(query("python", _BINDINGS)).captures(doc.root)


def _plain(doc: Doc, node: Node | None) -> str:
    return "".join(doc.text(node).split())


def _scope(node: Node | None) -> Node:
    """The function, class or module a binding at ``node`` belongs to."""
    n = node.parent if node is not None else None
    last = node
    while n is not None:
        if n.type in _SCOPES and _inside_body(last, n):
            return n
        last, n = n, n.parent
    return last  # the module


def _inside_body(node: Node | None, scope: Node) -> bool:
    """Whether ``node`` is in the body or parameters of a def / class (its name, decorators and
    the defaults around it belong to the scope outside)."""
    if node is None:
        return False
    if scope.type == "function_definition":
        params = child(scope, "parameters")
        if params is not None and params.start_byte <= node.start_byte and node.end_byte <= params.end_byte:
            return True
    body = child(scope, "body")
    return body is not None and body.start_byte <= node.start_byte and node.end_byte <= body.end_byte
