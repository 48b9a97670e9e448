"""What a signer is judged by, read the same way in every language from the text of the piece
of the file that signs (its function, route or method; ``Signer.span``): the words that tell
its purpose, which claims come straight from the request, and whether the token is logged.

Extractors find the signing call and its claims; this module looks at what surrounds it.
"""

from __future__ import annotations

import dataclasses
import re

from migrate.extract.base import scoped_hints
from migrate.model import Expr, Marker, Signer

# Request input in the web frameworks scan reads: a body, a query, a form, a posted credential.
_INPUT = (
    r"(?:\breq(?:uest)?\.(?:(?:body|query|params|form|args|values|POST|GET|data|query_params)\b|"
    r"(?:json|formData|get_json)\s*\(\s*\))|\bevent\.body\b|\bsearchParams\.get\s*\(|"
    r"\$_(?:POST|GET|REQUEST)\b|\bparams\[|\bparams\.(?:require|permit|fetch)\b|"
    r"\$request->(?:input|get|post|query|all|json)\s*\(|\b(?:Post)?FormValue\s*\(|\bgetParameter\s*\(|"
    r"\bctx\.request\.body\b|\bctx\.query\b|\bc\.(?:PostForm|Query|Param)\s*\(|\bRequest\.(?:Form|Query)\[|"
    r"\bcredentials\.)"
)
_INPUT_RX = re.compile(_INPUT)
# `const json = await request.json()`, `const { email } = req.body`, `data = request.get_json()`
_BOUND = re.compile(r"(\{[^{}=]*\}|\$?[A-Za-z_]\w*)\s*:?=\s*(?:await\s+)?(?:JSON\.parse\s*\(\s*)?" + _INPUT)
_NAME = re.compile(r"[A-Za-z_]\w*")
# Calls that write to a console or a log, in any of the languages.
_LOG = re.compile(
    r"(?:\bconsole\.(?:log|info|debug|warn|error)|\b(?:logger|logging|log|Log|_logger|_log)\.\w+|"
    r"\bRails\.logger\.\w+|\bprint(?:ln|f)?|\bputs|\bpp|\berror_log|\bvar_dump|\bprint_r|\bfmt\.(?:Print|Fprint)\w*|"
    r"\bSystem\.(?:out|err)\.print\w*|\bConsole\.Write\w*)\b\s*\(?(?P<args>.*)$")
# What the signed token is stored in: `const token = `, `token := `, `$jwt = `, `String jwt = `.
_STORED = re.compile(r"(\$?[A-Za-z_]\w*)\s*:?=\s*(?:await\s+)?(?:new\s+)?[\w.$:\\>-]*$")


def _bound_names(text: str) -> frozenset[str]:
    names: set[str] = set()
    for m in _BOUND.finditer(text):
        target = m.group(1)
        if target.startswith("{"):
            names.update(n for n in _NAME.findall(target.split(":")[-1] if ":" in target else target))
        else:
            names.add(target.lstrip("$"))
    return frozenset(names)


def _from_request(e: Expr, names: frozenset[str]) -> bool:
    for part in (e, e.final):
        text = part.text
        if _INPUT_RX.search(text):
            return True
        head = _NAME.match(text.lstrip("$"))
        if head is not None and head.group(0) in names:
            return True
    return False


def _token_name(lines: list[str], s: Signer) -> str | None:
    if not 0 < s.line <= len(lines):
        return None
    m = _STORED.search(lines[s.line - 1][:max(s.column - 1, 0)])
    return m.group(1).lstrip("$") if m else None


def judge(text: str, signers: tuple[Signer, ...]) -> tuple[tuple[Signer, ...], list[Marker]]:
    """Signers with their hints and request-borne claims filled in, and `token-logged` markers
    (``text`` is the signing call's line, so a rule can tell which signer they belong to)."""
    if not any(s.span for s in signers):
        return signers, []
    lines = text.split("\n")
    file_inputs = _bound_names(text)
    out, markers = [], []
    for s in signers:
        if s.span is None:
            out.append(s)
            continue
        first, last = s.span
        from_request = frozenset(k for k, e in s.claims.items() if _from_request(e, file_inputs))
        out.append(dataclasses.replace(s, hints=scoped_hints(text, first, last), from_request=from_request))
        name = _token_name(lines, s)
        if name is None:
            continue
        word = re.compile(rf"(?<![\w$]){re.escape(name)}\b")
        for number in range(max(s.line, first), min(last, len(lines)) + 1):
            m = _LOG.search(lines[number - 1])
            if m and word.search(m.group("args")):
                markers.append(Marker("token-logged", number, m.start() + 1, str(s.line)))
    return tuple(out), markers
