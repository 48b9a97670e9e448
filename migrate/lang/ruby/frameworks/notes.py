"""What the Ruby wirings share: the keep note above a kept route, its removal at cut-over, and the
claims a route's expressions become in a provider (names rebound, or "no user" with ZG222)."""

from __future__ import annotations

import re

from migrate.generate.backends import REBIND_RULE, is_note

MARKER = "#"
# Ruby words that read no variable of the old code.
_KEYWORDS = frozenset({
    "nil", "true", "false", "self", "if", "unless", "else", "elsif", "then", "end", "and", "or", "not", "do",
    "begin", "rescue", "ensure", "return", "yield", "case", "when", "in", "while", "until", "super", "defined",
    "lambda", "proc", "new", "class", "module", "def", "__method__",
})


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def insert_note(text: str, row: int, note: str) -> str:
    """``text`` with ``# note`` on its own line right above 0-based line ``row``, at its indent."""
    lines = lines_of(text)
    indent = re.match(r"[ \t]*", lines[row]).group(0) if row < len(lines) else ""
    lines.insert(row, f"{indent}{MARKER} {note}{newline_of(text)}")
    return "".join(lines)


def note_row(lines: list[str], row: int) -> int | None:
    """The 0-based line of the keep note in the comment block right above ``row``."""
    while row > 0 and lines[row - 1].strip().startswith(MARKER):
        row -= 1
        if is_note(lines[row]):
            return row
    return None


def mentions(name: str, text: str) -> bool:
    """Whether Ruby ``text`` reads the local or method ``name`` (not ``x.name``, ``@name``, ``:name``,
    ``name:``)."""
    return bool(re.search(rf"(?<![\w@.:$]){re.escape(name)}(?![\w?!]|:[^:])", text))


def rebind(text: str, names: dict[str, str]) -> str:
    """``text`` with each local ``name`` read as the expression the route passed for it."""
    for name, value in names.items():
        simple = re.fullmatch(r"[\w.@:?!]+(\([^()]*\))?", value)
        text = re.sub(rf"(?<![\w@.:$]){re.escape(name)}(?![\w?!]|:[^:])", value if simple else f"({value})", text)
    return text


def free_names(text: str, unknown: set[str]) -> list[str]:
    """The names of ``unknown`` (locals and parameters of the old code that nothing binds here, its
    instance variables) that ``text`` reads."""
    found = [n for n in sorted(unknown) if (n.startswith("@") and re.search(rf"{re.escape(n)}(?!\w)", text))
             or (not n.startswith("@") and n not in _KEYWORDS and mentions(n, text))]
    return found


def unbound_todo(expression: str, names: list[str], where: str) -> str:
    """The TODO(migrate:ZG222) line (without its marker) for an expression that cannot be rebound."""
    return (f"TODO(migrate:{REBIND_RULE}): `{' '.join(expression.split())}` reads {', '.join(f'`{n}`' for n in names)}, "
            f"unknown {where}: nobody is signed in until the claim is written from the signed-in user")
