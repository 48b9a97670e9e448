"""Literal secrets in the lines a patch quotes: shown with *** in place of the value.

A patch quotes the site's own lines as context and as removed lines, and a Zendesk signer's
file often holds its signing secret as a literal (``const ZENDESK_SECRET = "..."``).  A line
where the scan found a literal signing secret, or that gives a literal to a secret-like name, is
shown masked (every literal on it, by the language's own literal forms: migrate.extract.traits.mask),
and the lines of a literal that starts there and runs on are shown as ``***``.  `migrate apply`
takes such a line as matching the file's line when masking the file's line gives the same text;
the digests in the patch header pin the rest.
"""

from __future__ import annotations

import re

from migrate.extract.traits import _literal_at, mask

# A literal given to one of these names is a secret: keep it out of what is printed.  (Where
# the scan found the secret, FileChange.secret_lines says so; this is for what it did not judge.)
_SECRET_GIVEN = re.compile(
    r"(?i)(?:(?:secret|passw(?:or)?d|passphrase|private[_-]?key|signing[_-]?key|api[_-]?key|shared[_-]?key|"
    r"hmac[_-]?key|jwt[_-]?key)\w*|(?<![?&./\w-])\$?key\b)['\"]?\]?\s*(?:=>|:=|=(?!=)|:)\s*"
    r"(?:[A-Za-z]{0,2}[\"'`]|@[\"']|%[qQ]?[^\w\s]|<<[<~-]?)")
CONTINUED = "***"  # a line inside a masked literal that runs over several lines
_WINDOW = 64 * 1024  # how far a literal that opens on a secret line is followed


def language_of(path: str) -> str | None:
    from migrate import lang

    dot = path.rfind(".")
    return lang.extensions().get(path[dot:].lower()) if dot >= 0 else None


def _split(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _body(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body):]


def _masked(line: str, language: str | None) -> str:
    body, end = _body(line)
    masked = mask(body, language)
    return line if masked == body else masked + end


def shown_line(line: str, language: str | None, known: bool = False) -> str:
    """One line as a patch shows it (its line ending kept): masked when it holds a secret (``known``:
    the scan found a literal secret on it)."""
    body = _body(line)[0]
    if not (known or _SECRET_GIVEN.search(body)):
        return line
    return _masked(line, language)


def known_lines(inventory, path: str, text: str) -> frozenset[int]:
    """The lines (1-based) of ``path`` where the scan found a literal signing secret: where it is
    used when written in place, and where a name it is read through is given it."""
    found: set[int] = set()
    names: set[str] = set()
    for view in inventory.signers:
        s = view.signer
        if s.path != path or s.secret is None:
            continue
        if s.secret.source != "literal" and "literal-fallback" not in s.secret.traits:
            continue
        found.add(s.secret.line)
        names.update(n for n in (p.strip() for p in s.secret.expression.split(" = ")[:-1])
                     if re.fullmatch(r"[$@]{0,2}[A-Za-z_][\w.]*", n))
    if names:
        given = re.compile(r"(?:^|[^\w$@.])(?:" + "|".join(re.escape(n) for n in sorted(names)) +
                           r")\b['\"]?\s*(?::[^=\n]*)?(?:=>|:=|=(?!=)|:)")
        for n, line in enumerate(text.split("\n"), start=1):
            if given.search(line):
                found.add(n)
    return frozenset(found)


def shown_lines(text: str, path: str, known: frozenset[int] = frozenset()) -> dict[int, str]:
    """The lines of ``text`` (0-based) that a patch shows otherwise than they are, as shown
    (``known``: 1-based lines the scan found a literal secret on)."""
    language = language_of(path)
    lines = _split(text)
    out: dict[int, str] = {}
    start = 0
    starts = []
    for line in lines:
        starts.append(start)
        start += len(line)
    for n, line in enumerate(lines):
        if n in out:
            continue
        shown = shown_line(line, language, known=n + 1 in known)
        if shown == line:
            continue
        out[n] = shown
        # a literal that opens here and runs on: its next lines are masked whole (looked for in a
        # bounded window, so that a file of such lines costs what its length costs)
        window = text[starts[n]:starts[n] + _WINDOW]
        end_of_line = len(_body(line)[0])
        i = 0
        while i < end_of_line:
            end = _literal_at(window, i, language) if window[i] in "\"'`%<" else None
            if end is None:
                i += 1
                continue
            if end > end_of_line:
                m = n + 1
                while m < len(lines) and starts[m] < starts[n] + end:
                    out[m] = CONTINUED + _body(lines[m])[1]
                    m += 1
                break
            i = end
    return out


def matches(shown: str, line: str, path: str) -> bool:
    """Whether a line of a patch (context or removed) stands for the file's ``line``."""
    if shown == line:
        return True
    if _body(shown)[0] == CONTINUED and _body(shown)[1] == _body(line)[1]:
        return True
    return _masked(line, language_of(path)) == shown


def masked(diff_lines: list[str], before: str, path: str,
           known: frozenset[int] = frozenset()) -> tuple[list[str], int]:
    """A file's unified diff lines with the old lines that hold a secret shown masked, and how many."""
    hidden = shown_lines(before, path, known)
    if not hidden:
        return diff_lines, 0
    out, count, old = [], 0, None
    hunk = re.compile(r"^@@ -(\d+)(?:,(\d+))? ")
    for line in diff_lines:
        m = hunk.match(line)
        if m:
            old = int(m.group(1)) - 1  # 0-based (a hunk with no old lines has no line to mask)
            out.append(line)
            continue
        if old is not None and line[:1] in (" ", "-"):
            if old in hidden:
                line = line[0] + hidden[old]
                count += 1
            old += 1
        out.append(line)
    return out, count
