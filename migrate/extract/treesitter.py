"""Shared tree-sitter plumbing: one cached parser per grammar, node text and positions.

Grammar wheels are imported lazily so that commands which never parse do not pay for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache

import tree_sitter as ts

# grammar name -> (module, function returning the language pointer)
_GRAMMARS = {
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "html": ("tree_sitter_html", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "java": ("tree_sitter_java", "language"),
    "go": ("tree_sitter_go", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "python": ("tree_sitter_python", "language"),
}


@cache
def language(name: str) -> ts.Language:
    module, func = _GRAMMARS[name]
    return ts.Language(getattr(importlib.import_module(module), func)())


def parser(name: str) -> ts.Parser:
    # A fresh parser is cheap; sharing one across included_ranges calls is not safe.
    return ts.Parser(language(name))


@cache
def query(grammar: str, source: str) -> ts.Query:
    return ts.Query(language(grammar), source)


def matches(grammar: str, source: str, node: ts.Node) -> list[tuple[int, dict[str, list[ts.Node]]]]:
    return ts.QueryCursor(query(grammar, source)).matches(node)


_LAST: dict[str, Doc] = {}


class TooDeep(ValueError):
    """Text no parser should see (extract.dispatch.pathological says why): a parse of it can run
    for minutes in native code."""


# The last text checked, with the verdict: the scan checks each file before its extractors parse
# it (vetted), and every other parse (generate's edits, a page's scripts) is checked here.
_CHECKED: list[tuple[bytes, str | None]] = []
_PAGE_GRAMMARS = frozenset({"html", "embedded_template"})


def vetted(data: bytes) -> None:
    _CHECKED[:] = [(data, None)]


def _problem(grammar: str, data: bytes) -> str | None:
    if _CHECKED and _CHECKED[0][0] is data:
        return _CHECKED[0][1]
    from migrate.extract.dispatch import pathological

    language = "page:html" if grammar in _PAGE_GRAMMARS else grammar
    problem = pathological(data.decode("utf-8", "replace"), language)
    _CHECKED[:] = [(data, problem)]
    return problem


class Doc:
    """A parsed document: bytes, tree and helpers to turn nodes into text and positions."""

    def __init__(self, data: bytes, tree: ts.Tree):
        self.data = data
        self.tree = tree
        self._line_starts: list[int] | None = None

    @classmethod
    def parse(cls, grammar: str, data: bytes, ranges: list[ts.Range] | None = None) -> Doc:
        problem = _problem(grammar, data)
        if problem is not None:
            raise TooDeep(problem)
        if not ranges:
            # The widget and signer extractors read the same JS file: parse it once.
            last = _LAST.get(grammar)
            if last is not None and last.data is data:
                return last
        p = parser(grammar)
        if ranges:
            p.included_ranges = ranges
        doc = cls(data, p.parse(data))
        if not ranges:
            _LAST[grammar] = doc
        return doc

    @property
    def root(self) -> ts.Node:
        return self.tree.root_node

    def text(self, node: ts.Node | None) -> str:
        if node is None:
            return ""
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def pos(self, node: ts.Node) -> tuple[int, int]:
        """1-based line and character column."""
        row, col = node.start_point
        if col:
            start = node.start_byte - col
            prefix = self.data[start:node.start_byte]
            if not prefix.isascii():
                col = len(prefix.decode("utf-8", "replace"))
        return row + 1, col + 1

    def errors(self) -> Iterator[ts.Node]:
        """Error and missing nodes, outermost first."""
        if not self.root.has_error:
            return
        stack = [self.root]
        while stack:
            n = stack.pop()
            if n.is_error or n.is_missing:
                yield n
                continue
            stack.extend(c for c in reversed(n.children) if c.has_error or c.is_missing)

    def first_error(self) -> tuple[int, int] | None:
        for n in self.errors():
            return self.pos(n)
        return None


def walk(node: ts.Node) -> Iterator[ts.Node]:
    """Pre-order walk without recursion (minified bundles nest deeply)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def ancestors(node: ts.Node) -> Iterator[ts.Node]:
    n = node.parent
    while n is not None:
        yield n
        n = n.parent


def string_value(doc: Doc, node: ts.Node) -> str | None:
    """The value of a plain string literal (no interpolation), else None.

    Works for the string node shapes of every grammar used here: it strips one layer of
    quotes (', ", `, @", $") and unescapes the common backslash escapes.
    """
    t = doc.text(node)
    if node.type in ("template_string", "interpolated_string_expression",
                     "encapsed_string") and "${" in t or "{$" in t:
        return None
    for prefix in ("@", "$", "b", "r", "u", "f"):
        if t[:1] == prefix and len(t) > 2 and t[1] in "'\"":
            t = t[1:]
            break
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"`":
        inner = t[1:-1]
        if t[0] == "`" and "${" in inner:
            return None
        return inner.replace("\\\"", "\"").replace("\\'", "'").replace("\\\\", "\\")
    return None


# The nodes whose direct children are a file's or a type's separate pieces (functions,
# methods, routes, constants), per grammar.  A signer is judged by the piece it sits in.
_CONTAINERS = {
    "javascript": frozenset({"program", "class_body"}),
    "typescript": frozenset({"program", "class_body"}),
    "tsx": frozenset({"program", "class_body"}),
    "csharp": frozenset({"compilation_unit", "declaration_list"}),
    "java": frozenset({"program", "class_body", "interface_body", "enum_body"}),
    "go": frozenset({"source_file"}),
    "php": frozenset({"program", "declaration_list"}),
    "ruby": frozenset({"program", "class", "module", "singleton_class"}),
}


def piece_lines(grammar: str, node: ts.Node) -> tuple[int, int]:
    """First and last line (1-based) of the file-level or type-level piece holding ``node``:
    a route registration, a function, a method.  Ruby class bodies are a ``body_statement``
    of the class, so the class itself counts as the container there."""
    containers = _CONTAINERS.get(grammar, frozenset({"program"}))
    piece = node
    for a in ancestors(node):
        if a.type in containers:
            break
        if a.type == "body_statement" and a.parent is not None and a.parent.type in containers:
            break
        piece = a
    return piece.start_point[0] + 1, piece.end_point[0] + 1
