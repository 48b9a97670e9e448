"""Parse Python with tree-sitter, judged by CPython's own parser.

tree-sitter reads anything, and never crashes on absurd nesting; CPython's parser (``ast``,
C, fast) says whether the file is Python at all.  A top-level statement CPython refuses is
blanked out (line breaks kept, so every position stays true) and the file is judged again, a
few times at most: the first error is reported, the statements around it are still read, and
a file that stays broken is not read for signers.
"""

from __future__ import annotations

import ast
import re
import warnings

from migrate.extract.treesitter import Doc

_REPAIRS = 3  # broken top-level statements skipped before giving up on the file
# Lines at the left margin that continue the statement above them, or are no statement.
_NOT_A_START = re.compile(r"\s|#|[)\]}]|(?:else|elif|except|finally)\b")


def parse(text: str) -> tuple[Doc | None, tuple[int, int] | None]:
    """The parsed module (None when it could not be read) and the first syntax error's
    line/column."""
    text = _encodable(text)
    lines = text.splitlines(keepends=True)
    first: tuple[int, int] | None = None
    for _ in range(_REPAIRS + 1):
        joined = "".join(lines)
        where = _locate(joined)
        if where is None:
            return Doc.parse("python", joined.encode("utf-8")), first
        if where == (0, 0):  # CPython cannot judge it (a NUL byte): tree-sitter's recovery it is
            doc = Doc.parse("python", joined.encode("utf-8"))
            return doc, first or doc.first_error()
        first = first or where
        if not _blank_statement(lines, where[0]):
            break
    return None, first


def _encodable(text: str) -> str:
    """Lone surrogates (undecodable bytes) cannot reach the parser; one '?' each keeps columns.
    A byte order mark is no character of the code."""
    text = text.removeprefix("\ufeff")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _locate(text: str) -> tuple[int, int] | None:
    """Where CPython's parser sees the first error; None when there is none, (0, 0) when it
    cannot tell."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are the code's business
            ast.parse(text)
    except SyntaxError as err:
        return (err.lineno, err.offset or 1) if err.lineno else (0, 0)
    except (ValueError, RecursionError, MemoryError):  # NUL bytes, absurd nesting
        return (0, 0)
    return None


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
