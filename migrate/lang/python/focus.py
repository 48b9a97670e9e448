"""Keep only the part of a Python module that can matter for its JWT signing calls.

libcst's scope analysis costs about 1 ms per line, so a 2,000-line views module would take
seconds.  CPython's own parser (fast, C) finds the top-level statements that use a JWT
library, the definitions they call or are called by, and the module-level assignments and
imports; every other top-level statement is replaced by an inert string spanning the same lines
(so positions stay true) before libcst sees the file.
"""

from __future__ import annotations

import ast

from migrate.lang.python import libraries

_LIBRARIES = frozenset(libraries.imports())  # top-level modules of the JWT libraries


def _scan(stmt: ast.stmt) -> tuple[set[str], set[str]]:
    """Names a statement binds to a JWT library (imports), and every name it uses."""
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(stmt):
        kind = type(node)
        if kind is ast.Name:
            used.add(node.id)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            used.add(node.attr)  # type: ignore[attr-defined]
        elif kind is ast.Import:
            for a in node.names:  # type: ignore[attr-defined]
                if a.name.split(".")[0] in _LIBRARIES:
                    bound.add((a.asname or a.name).split(".")[0])
        elif kind is ast.ImportFrom and (node.module or "").split(".")[0] in _LIBRARIES:  # type: ignore[attr-defined]
            bound.update(a.asname or a.name for a in node.names)  # type: ignore[attr-defined]
    return bound, used


def _defined(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    return set()


def focus(text: str) -> str:
    """The module text with irrelevant top-level definitions blanked; unchanged when the
    module cannot be parsed (the caller's error recovery handles that)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    scanned = [_scan(s) for s in tree.body]
    library = set().union(*(b for b, _ in scanned)) if scanned else set()
    if not library:
        return text
    units = [(s, _defined(s), used) for s, (_, used) in zip(tree.body, scanned)]
    # `signer = JsonWebToken(["HS256"])` at module level: its name is the library too.
    for stmt, defined, used in units:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and used & library:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            library |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    keep = {i for i, (s, defined, used) in enumerate(units) if not defined or used & library}
    # Follow calls both ways between definitions: payload builders, views calling a signer.
    changed = True
    while changed:
        changed = False
        kept_defs = set().union(*(units[i][1] for i in keep)) if keep else set()
        kept_uses = set().union(*(units[i][2] for i in keep if units[i][1])) if keep else set()
        for i, (_, defined, used) in enumerate(units):
            if i not in keep and defined and (defined & kept_uses or used & kept_defs):
                keep.add(i)
                changed = True
    if len(keep) == len(units):
        return text
    lines = text.splitlines(keepends=True)
    for i, (stmt, _, _) in enumerate(units):
        if i in keep:
            continue
        start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        end = stmt.end_lineno or stmt.lineno
        if any(units[j][0].lineno <= end and (units[j][0].end_lineno or 0) >= start for j in keep):
            continue  # shares a line with a kept statement
        _blank(lines, start - 1, min(end, len(lines)))
    return "".join(lines)


def _blank(lines: list[str], first: int, stop: int) -> None:
    """Turn lines[first:stop] into one string-literal statement spanning the same lines.

    A single node costs libcst next to nothing, where hundreds of empty lines each become a
    node of their own."""
    breaks = [line[len(line.rstrip("\r\n")):] for line in lines[first:stop]]
    if stop - first == 1:
        lines[first] = '""' + breaks[0]
        return
    lines[first] = '"""' + breaks[0]
    for n in range(first + 1, stop - 1):
        lines[n] = breaks[n - first]
    lines[stop - 1] = '"""' + breaks[-1]
