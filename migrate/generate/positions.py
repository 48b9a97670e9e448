"""Positions in a source file, three ways: the inventory's (1-based line, character column),
tree-sitter's byte offsets, and the character offsets edits use."""

from __future__ import annotations

import tree_sitter as ts

from migrate.extract.treesitter import Doc


def byte_offset(text: str, line: int, column: int) -> int:
    """Byte offset (UTF-8) of a 1-based line and character column."""
    lines = text.split("\n")
    prefix = "\n".join(lines[:line - 1]) + ("\n" if line > 1 else "")
    return len((prefix + lines[line - 1][:max(column - 1, 0)]).encode("utf-8", "surrogateescape"))


def char_offset(data: bytes, byte: int) -> int:
    """Character offset of a byte offset."""
    return len(data[:byte].decode("utf-8", "surrogateescape"))


class Parsed:
    """A file's text parsed with one tree-sitter grammar, with the position conversions."""

    def __init__(self, text: str, grammar: str):
        self.text_ = text
        self.data = text.encode("utf-8", "surrogateescape")
        self.doc = Doc.parse(grammar, self.data)

    def text(self, node: ts.Node | None) -> str:
        return self.doc.text(node)

    def char(self, byte: int) -> int:
        return char_offset(self.data, byte)

    def byte_at(self, line: int, column: int) -> int:
        return byte_offset(self.text_, line, column)

    def line_start(self, byte: int) -> int:
        return self.data.rfind(b"\n", 0, byte) + 1


def comment_start(text, start: int) -> int:
    """Where a replaced statement begins once the `// Zendesk ...` comment lines right above it
    go with it (`text` is the file as str, offsets in characters, or as bytes, offsets in bytes)."""
    nl, slashes, marker = ("\n", "//", "zendesk") if isinstance(text, str) else (b"\n", b"//", b"zendesk")
    cursor = text.rfind(nl, 0, start) + 1
    if text[cursor:start].strip():
        return start  # code before the statement on its line
    begin = start
    while cursor > 0:
        prev = text.rfind(nl, 0, cursor - 1) + 1
        line = text[prev:cursor]
        if not (line.strip().startswith(slashes) and marker in line.lower()):
            break
        cursor = prev
        begin = prev + len(line) - len(line.lstrip())
    return begin
