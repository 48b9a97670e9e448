"""Parse Python with libcst, and still read the rest of a file that has a syntax error.

libcst has no error recovery: one bad statement loses the whole file.  So the top-level
statement that holds the error is blanked out (line breaks kept, so every position
stays true) and the file is parsed again, a few times at most.
"""

from __future__ import annotations

import ast
import re

import libcst as cst

_REPAIRS = 3  # broken top-level statements skipped before giving up on the file
# Lines at the left margin that continue the statement above them, or are no statement.
_NOT_A_START = re.compile(r"\s|#|[)\]}]|(?:else|elif|except|finally)\b")


def parse(text: str) -> tuple[cst.Module | None, tuple[int, int] | None]:
    """The module (None when it could not be read) and the first syntax error's line/column."""
    text = _encodable(text)
    lines = text.splitlines(keepends=True)
    first: tuple[int, int] | None = None
    for _ in range(_REPAIRS + 1):
        try:
            return cst.parse_module("".join(lines)), first
        except cst.ParserSyntaxError as err:
            where = _locate("".join(lines)) or (err.raw_line, err.raw_column + 1)
            first = first or where
            if not _blank_statement(lines, where[0]):
                break
    return None, first


def _encodable(text: str) -> str:
    """Lone surrogates (undecodable bytes) cannot reach the parser; one '?' each keeps columns."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _locate(text: str) -> tuple[int, int] | None:
    """Where CPython's own parser sees the error: libcst names the token after it."""
    try:
        ast.parse(text)
    except SyntaxError as err:
        return (err.lineno, err.offset or 1) if err.lineno else None
    except (ValueError, RecursionError, MemoryError):  # NUL bytes, absurd nesting
        return None
    return None  # newer syntax than this Python knows: libcst's position it is


def _starts_statement(line: str) -> bool:
    return bool(line.strip()) and not _NOT_A_START.match(line)


def _blank_statement(lines: list[str], line_no: int) -> bool:
    """Blank the top-level statement (with its decorators) around 1-based ``line_no``."""
    at = min(max(line_no, 1), len(lines)) - 1
    if at < 0:
        return False
    start = at
    while start > 0 and not _starts_statement(lines[start]):
        start -= 1
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    end = at + 1
    while end < len(lines) and not _starts_statement(lines[end]):
        end += 1
    if all(not line.strip() for line in lines[start:end]):
        return False
    for i in range(start, end):
        lines[i] = lines[i][len(lines[i].rstrip("\r\n")):]  # keep only the line break
    return True
