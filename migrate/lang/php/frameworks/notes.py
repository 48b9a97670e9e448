"""What the PHP wirings share: the keep note above a kept route and its removal at cut-over, and
the claims function a route's expressions become (variables rebound, or "no user" with ZG222)."""

from __future__ import annotations

import re

from migrate.generate.backends import REBIND_RULE, is_note

MARKER = "//"
_SUPERGLOBALS = frozenset({"_GET", "_POST", "_SERVER", "_SESSION", "_COOKIE", "_REQUEST", "_ENV", "_FILES",
                           "GLOBALS"})


def piece_start(lines: list[str], row: int) -> int:
    """The first line of the piece starting at 0-based ``row``: above its attributes (#[...]) and
    its doc comment (where annotations such as @Route live)."""
    while row > 0:
        above = lines[row - 1].strip()
        if above.startswith("#[") or (above.endswith("*/") and not above.startswith("//")):
            start = row - 1
            while start > 0 and not lines[start].lstrip().startswith(("/**", "/*", "#[")):
                start -= 1
            row = start
            continue
        break
    return row


def removal_start(text: str, start: int) -> int:
    """Where removing the piece whose first line starts at offset ``start`` of ``text`` begins: its doc
    comment, attributes, Zendesk comments and keep note right above it go with it."""
    while start > 0:
        prev = text.rfind("\n", 0, start - 1) + 1
        line = text[prev:start].strip()
        if not (line.startswith(("/**", "*", "*/", "#[")) or (line.startswith("//") and (
                "zendesk" in line.lower() or "TODO(migrate:ZG220)" in line))):
            break
        start = prev
    return start


def insert_note(text: str, row: int, note: str) -> tuple[str, int]:
    """``text`` with ``// note`` right above the piece at 0-based ``row`` (and its attributes), and
    the 0-based line the note is on."""
    lines = text.splitlines(keepends=True)
    row = piece_start(lines, row)
    indent = re.match(r"[ \t]*", lines[row]).group(0) if row < len(lines) else ""
    lines.insert(row, f"{indent}{MARKER} {note}{chr(13) + chr(10) if chr(13) + chr(10) in text else chr(10)}")
    return "".join(lines), row


def note_above(lines: list[str], row: int, rule: str) -> int | None:
    """The 0-based line of a ``rule`` note in the comment/attribute block right above ``row``."""
    row = piece_start(lines, row)
    while row > 0 and lines[row - 1].strip().startswith(("//", "#", "*", "/*")):
        row -= 1
        if is_note(lines[row], rule):
            return row
    return None


def variables(text: str) -> set[str]:
    return set(re.findall(r"\$([A-Za-z_]\w*)", text))


def unbound(text: str, bound: set[str]) -> list[str]:
    """The variables ``text`` reads that nothing binds (``$this`` included: the old object is gone)."""
    return sorted(v for v in variables(text) - bound - _SUPERGLOBALS)


def unbound_todo(expression: str, names: list[str], where: str) -> str:
    return (f"TODO(migrate:{REBIND_RULE}): `{' '.join(expression.split())}` reads "
            f"{', '.join(f'`${n}`' for n in names)}, unknown {where}: nobody is signed in until the claim is "
            "written from the signed-in user")


def refusing_returns(statement: str) -> str:
    """A login check's `return <response>;` as the claims function's "no user"."""
    return re.sub(r"\breturn\b(?!\s*null\s*;)[^;]*;", "return null;", statement)
