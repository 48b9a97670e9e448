"""Every file a patch changes or adds is parsed again before the patch is shown.

Code goes through the tree-sitter grammar scan reads it with (Python through CPython's own
parser, which is stricter), pages through their scripts, manifests through their format.  A file
that already had syntax errors is held to not gaining any.
"""

from __future__ import annotations

import ast
import json
import xml.etree.ElementTree as ET

from migrate.extract import language_for

_TREE_SITTER = {"javascript", "typescript", "tsx", "csharp", "java", "go", "ruby", "php"}


def problem(path: str, before: str | None, after: str) -> str | None:
    """Why ``after`` does not parse ("line 12: ..."), or None when it does (or cannot be told)."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(".json"):
        return _json(after) if before is None or _json(before) is None else None
    if name.endswith((".config", ".csproj", ".xml")):
        return _xml(after) if before is None or _xml(before) is None else None
    lang = language_for(path)
    if lang == "python":
        return _python(after) if before is None or _python(before) is None else None
    if lang in _TREE_SITTER:
        return _grown(_errors(lang, after), _errors(lang, before) if before is not None else [])
    if lang is not None and lang.startswith("page:"):
        return _grown(_page_errors(path, after), _page_errors(path, before) if before is not None else [])
    return None


def _grown(after: list[int], before: list[int]) -> str | None:
    if len(after) <= len(before):
        return None
    new = next((line for line in after if line not in before), after[0])
    return f"line {new}: syntax error"


def _json(text: str) -> str | None:
    try:
        json.loads(text)
    except ValueError as exc:
        return f"line {getattr(exc, 'lineno', '?')}: {getattr(exc, 'msg', exc)}"
    return None


def _xml(text: str) -> str | None:
    try:  # as bytes: a file that is not UTF-8 holds undecodable bytes the str form cannot carry
        ET.fromstring(text.lstrip("\ufeff").encode("utf-8", "surrogateescape"))
    except ET.ParseError as exc:
        return f"line {exc.position[0]}: {exc.msg if hasattr(exc, 'msg') else exc}"
    return None


def _python(text: str) -> str | None:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return str(exc)
    return None


def _errors(grammar: str, text: str) -> list[int]:
    """1-based lines of the syntax errors tree-sitter finds (ERROR and MISSING nodes)."""
    from migrate.extract.treesitter import Doc

    doc = Doc.parse(grammar, text.encode("utf-8", "surrogateescape"))
    return [n.start_point[0] + 1 for n in doc.errors()]


def _page_errors(path: str, text: str) -> list[int]:
    from migrate.generate.changes import SourceFile
    from migrate.generate.page import Page

    page = Page.parse(SourceFile(path, text))
    return [n.start_point[0] + 1 for doc in page.scripts for n in doc.errors()]
