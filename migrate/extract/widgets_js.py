"""JavaScript syntax for the widget extractor: names, scopes and bindings.

One ``Script`` is one parsed region (a whole .js file, or one ``<script>`` of a page).  The
scripts of a page share the page's bytes, so a node of any of them can be read with the same
``Doc`` view; top-level declarations of earlier scripts are visible to later ones, as in a
browser.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

import tree_sitter as ts

from migrate.extract.treesitter import Doc, string_value

Node = ts.Node
Span = tuple[int, int]

FUNCTIONS = frozenset({
    "function_declaration", "function_expression", "function", "arrow_function",
    "method_definition", "generator_function_declaration", "generator_function",
})
# Where declarations live: a declaration is visible in the block that holds it.
SCOPES = frozenset({"program", "statement_block", "class_body", "switch_body"})
# A global read through the global object is still the global.
GLOBAL_OBJECTS = frozenset({"window", "globalThis", "self", "top", "parent"})
# Type assertions and parentheses do not change a value.
_WRAPPERS = frozenset({
    "parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression",
    "type_assertion",
})
STRINGS = frozenset({"string", "template_string"})
_IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_$")
_NAME_BYTES = frozenset(bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")


class Script:
    """One parsed script region of a file, plus what the page around it tells."""

    def __init__(self, view: Doc, root: Node, data: bytes, span: Span, masked: list[Span],
                 earlier: list[Script]):
        self.view = view  # original bytes: text and positions as the user wrote them
        self.root = root
        self.data = data  # the bytes that were parsed (template tags masked)
        self.span = span
        self.masked = masked
        # Values browser code splices into widget code it writes out (innerHTML of a script):
        # fixed when written, like a server's template tags.
        self.written: list[Span] = []
        self.earlier = earlier
        self._scopes: dict[tuple[int, str], list[Node]] = {}

    # --- text and positions -----------------------------------------------------------------

    def text(self, node: Node | None) -> str:
        return self.view.text(node)

    def name(self, node: Node) -> str:
        """A name as parsed: ``var <portlet:namespace/>jwt`` and its uses read alike."""
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def pos(self, node: Node) -> tuple[int, int]:
        return self.view.pos(node)

    def line(self, node: Node) -> int:
        return node.start_point[0] + 1

    def string(self, node: Node | None) -> str | None:
        """The value of a plain string literal as parsed (template tags masked), else None."""
        if node is None or node.type not in STRINGS:
            return None
        return string_value(Doc(self.data, self.view.tree), node)

    def written_in(self, node: Node) -> bool:
        """The node overlaps a value browser code spliced into the code it wrote out."""
        return any(start < node.end_byte and end > node.start_byte for start, end in self.written)

    def rendered(self, node: Node) -> bool:
        """The node overlaps a server-template tag that prints a value."""
        i = bisect.bisect_right(self.masked, (node.start_byte, 1 << 62)) - 1
        for start, end in self.masked[max(i, 0):]:
            if start >= node.end_byte:
                return False
            if end > node.start_byte:
                return True
        return False

    # --- finding nodes ----------------------------------------------------------------------

    def hits(self, rx: re.Pattern[bytes]) -> Iterator[tuple[re.Match[bytes], Node]]:
        """Each match of ``rx`` in this region with the smallest node that covers it.

        A byte search narrows a large bundle down to the few places worth reading; the
        syntax tree then decides what each place is.
        """
        start, end = self.span
        group = 1 if rx.groups else 0
        for m in rx.finditer(self.data, start, end):
            node = self.root.descendant_for_byte_range(m.start(group), m.end(group))
            if node is not None:
                yield m, node

    def find(self, words: tuple[bytes, ...], whole_word: bool = False) -> Iterator[tuple[bytes, Node]]:
        """Each occurrence of one of ``words`` (a plain byte search, fast on large bundles)
        with the smallest node that covers it; ``whole_word``: not part of a longer name."""
        return self._find_in(words, *self.span, whole_word)

    def _find_in(self, words: tuple[bytes, ...], start: int, end: int,
                 whole_word: bool) -> Iterator[tuple[bytes, Node]]:
        data = self.data
        for word in words:
            i = data.find(word, start, end)
            while i >= 0:
                j = i + len(word)
                if not whole_word or (data[i - 1:i] not in _NAME_BYTES and data[j:j + 1] not in _NAME_BYTES):
                    node = self.root.descendant_for_byte_range(i, j)
                    if node is not None:
                        yield word, node
                i = data.find(word, j, end)

    def word_hits(self, words: tuple[bytes, ...]) -> Iterator[tuple[str, Node]]:
        """Identifiers (or string keys) containing one of ``words``, any case, with their node."""
        start, end = self.span
        lower = self.data[start:end].lower()
        seen: set[int] = set()
        for word in words:
            i = lower.find(word)
            while i >= 0:
                s, e = i, i + len(word)
                while s > 0 and lower[s - 1] in _IDENT_BYTES:
                    s -= 1
                while e < len(lower) and lower[e] in _IDENT_BYTES:
                    e += 1
                if s not in seen:
                    seen.add(s)
                    node = self.root.descendant_for_byte_range(start + s, start + e)
                    if node is not None:
                        yield self.data[start + s:start + e].decode("utf-8", "replace"), node
                i = lower.find(word, e)

    # --- scopes and bindings ----------------------------------------------------------------

    def declared(self, scope: Node, name: str) -> list[Node]:
        """Declarations of ``name`` made directly in ``scope`` (declarator, function, class,
        import), found from the name's occurrences so a huge top level costs nothing."""
        key = (scope.id, name)
        found = self._scopes.get(key)
        if found is None:
            found = []
            for _, node in self._find_in((name.encode(),), scope.start_byte, scope.end_byte, True):
                decl, stmt = _declaring(node)
                if decl is None or stmt is None:
                    continue
                holder = stmt.parent
                if holder is not None and holder.type == "export_statement":
                    holder = holder.parent
                if holder == scope:
                    found.append(decl)
            self._scopes[key] = found
        return found

    def shadowed(self, node: Node, name: str, var_is_global: bool = False) -> bool:
        """``name`` at ``node`` is a local binding (parameter, function, variable), not the global.

        With ``var_is_global``, a ``var`` at the top of a classic script is the global itself
        (``var zESettings = {...}`` sets ``window.zESettings``).
        """
        for a in ancestors(node, self.root):
            if var_is_global and a.type == "program":
                continue
            if a.type in FUNCTIONS:
                if name in param_names(self, a):
                    return True
                own = a.child_by_field_name("name")
                if a.type != "function_declaration" and own is not None and self.text(own) == name:
                    return True
            if a.type in SCOPES:
                for decl in self.declared(a, name):
                    if not self._aliases_global(decl, name):
                        return True
        return False

    def _aliases_global(self, decl: Node, name: str) -> bool:
        # var zE = window.zE || function () {...} keeps using the widget's global
        if decl.type != "variable_declarator":
            return False
        value = decl.child_by_field_name("value")
        return value is not None and re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])",
                                               self.text(value)) is not None

    def binding(self, node: Node, name: str) -> tuple[Script, str, Node, int] | None:
        """Where ``name`` seen at ``node`` is bound: (script, kind, node, index).

        kind "param": node is the function, index the parameter position; "var": node is the
        declarator; "function": node is the function declaration.
        """
        for a in ancestors(node, self.root):
            if a.type in FUNCTIONS:
                names = param_names(self, a)
                if name in names:
                    return self, "param", a, names.index(name)
            if a.type in SCOPES:
                decls = self.declared(a, name)
                if decls:
                    before = [d for d in decls if d.start_byte < node.start_byte]
                    decl = (before or decls)[-1]
                    return self, _decl_kind(decl), decl, 0
        for script in reversed(self.earlier):
            decls = script.declared(script.root, name)
            if decls:
                return script, _decl_kind(decls[-1]), decls[-1], 0
        return None

    def assignments(self, name: str) -> list[Node]:
        """Right-hand sides of ``name = ...`` in this region and earlier ones."""
        rx = re.compile(rb"(?<![\w$.])(" + re.escape(name.encode()) + rb")\s*=(?![=>])")
        found: list[Node] = []
        for script in [*self.earlier, self]:
            for _, node in script.hits(rx):
                assign = node.parent
                if assign is not None and assign.type == "assignment_expression" \
                        and assign.child_by_field_name("left") == node:
                    found.append(assign.child_by_field_name("right"))  # type: ignore[arg-type]
        return found


def _decl_kind(decl: Node) -> str:
    if decl.type == "variable_declarator":
        return "var"
    if decl.type in ("function_declaration", "generator_function_declaration"):
        return "function"
    return "other"  # class, import


_DECLARES = frozenset({"function_declaration", "generator_function_declaration", "class_declaration"})
_IMPORT_PARTS = frozenset({"import_clause", "named_imports", "namespace_import", "import_specifier"})


def _declaring(node: Node) -> tuple[Node | None, Node | None]:
    """(declaration, statement) when ``node`` is the name a declaration binds."""
    parent = node.parent
    if parent is None or node.type not in ("identifier", "shorthand_property_identifier_pattern"):
        return None, None
    if parent.type == "variable_declarator" and parent.child_by_field_name("name") == node:
        return parent, parent.parent
    if parent.type in _DECLARES and parent.child_by_field_name("name") == node:
        return parent, parent
    if node.type == "shorthand_property_identifier_pattern" or (
            parent.type == "pair_pattern" and parent.child_by_field_name("value") == node):
        pattern = parent if parent.type == "object_pattern" else parent.parent
        decl = pattern.parent if pattern is not None else None
        if decl is not None and decl.type == "variable_declarator" \
                and decl.child_by_field_name("name") == pattern:
            return decl, decl.parent
        return None, None
    if parent.type == "import_specifier":
        bound = parent.child_by_field_name("alias") or parent.child_by_field_name("name")
        if bound != node:
            return None, None
    if parent.type in _IMPORT_PARTS:
        stmt = parent
        while stmt is not None and stmt.type in _IMPORT_PARTS:
            stmt = stmt.parent
        if stmt is not None and stmt.type == "import_statement":
            return stmt, stmt
    return None, None


# --- small node utilities ------------------------------------------------------------------

def ancestors(node: Node, root: Node) -> list[Node]:
    """The nodes that enclose ``node`` in the tree under ``root``, nearest first.

    tree-sitter finds a parent by walking down from the root, so climbing ``.parent`` link
    by link costs the square of the depth; one walk down costs the depth.
    """
    chain: list[Node] = []
    cur: Node | None = root
    while cur is not None and cur != node:
        chain.append(cur)
        cur = cur.child_with_descendant(node)
    chain.reverse()
    return chain


def unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type in _WRAPPERS:
        node = node.named_children[0] if node.named_children else None
    return node


def args(call: Node) -> list[Node]:
    a = call.child_by_field_name("arguments")
    return [] if a is None else [n for n in a.named_children if n.type != "comment"]


def is_function(node: Node | None) -> bool:
    return node is not None and node.type in FUNCTIONS


def param_names(script: Script, fn: Node) -> list[str]:
    """Parameter names in order ("" for a destructured parameter)."""
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return [script.text(single)]
    params = fn.child_by_field_name("parameters")
    names: list[str] = []
    for p in params.named_children if params is not None else ():
        if p.type in ("required_parameter", "optional_parameter"):
            p = p.child_by_field_name("pattern") or p
        if p.type == "assignment_pattern":
            p = p.child_by_field_name("left") or p
        if p.type == "comment":
            continue
        names.append(script.text(p) if p.type == "identifier" else "")
    return names


def body_returns(fn: Node) -> list[Node]:
    """The expressions a function returns (its body, for an arrow with an expression body)."""
    body = fn.child_by_field_name("body")
    if body is None:
        return []
    if body.type != "statement_block":
        return [body]
    found: list[Node] = []
    stack = list(reversed(body.named_children))
    while stack:
        n = stack.pop()
        if n.type in FUNCTIONS:
            continue  # a nested function's return is not ours
        if n.type == "return_statement":
            found.extend(c for c in n.named_children if c.type != "comment")
            continue
        stack.extend(reversed(n.named_children))
    return found


def global_name(script: Script, node: Node) -> str | None:
    """``zE`` for the identifier ``zE``, ``window.zE`` and ``window['zE']``."""
    node = unwrap(node)  # type: ignore[assignment]
    if node is None:
        return None
    if node.type == "identifier":
        return script.text(node)
    if node.type in ("member_expression", "subscript_expression"):
        obj = unwrap(node.child_by_field_name("object"))  # (window as any).zE in TypeScript
        if obj is None or obj.type != "identifier" or script.text(obj) not in GLOBAL_OBJECTS:
            return None
        return member_name(script, node)
    return None


def member_name(script: Script, node: Node) -> str | None:
    """The property read by a member or subscript expression (``a.b`` / ``a['b']``)."""
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return script.text(prop) if prop is not None else None
    if node.type == "subscript_expression":
        return script.string(unwrap(node.child_by_field_name("index")))
    return None


def property_key(script: Script, key: Node) -> str:
    if key.type in STRINGS:
        value = script.string(key)
        return value if value is not None else script.text(key)
    return script.text(key)


def enclosing_function(node: Node, root: Node) -> Node | None:
    for a in ancestors(node, root):
        if a.type in FUNCTIONS:
            return a
    return None


def contains(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def function_value(script: Script, node: Node | None) -> tuple[Script, Node] | None:
    """The function a callback argument denotes: inline, or a local function by name."""
    node = unwrap(node)
    if node is None:
        return None
    if is_function(node):
        return script, node
    if node.type not in ("identifier", "shorthand_property_identifier"):
        return None
    bound = script.binding(node, script.text(node))
    if bound is None:
        return None
    where, kind, decl, _ = bound
    if kind == "function" and decl.type != "class_declaration":
        return where, decl
    if kind == "var":
        value = unwrap(decl.child_by_field_name("value"))
        if is_function(value):
            return where, value  # type: ignore[return-value]
    return None
