"""What every extractor receives and returns."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field

from migrate.model import FileError, FileFacts, Loader, Marker, Signer, WidgetCall


@dataclass(frozen=True)
class Source:
    """One decoded candidate file.  ``data`` is ``text`` encoded as UTF-8 (tree-sitter input)."""

    path: str  # relative to the scan root, forward slashes
    language: str  # see migrate.extract.languages.language_for
    text: str
    data: bytes

    @classmethod
    def of(cls, path: str, language: str, text: str) -> Source:
        return cls(path, language, text, text.encode("utf-8", "surrogateescape"))


@dataclass
class Found:
    """What an extractor found in one file; merged into FileFacts by the dispatcher."""

    loaders: list[Loader] = field(default_factory=list)
    calls: list[WidgetCall] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    browser: bool = False

    def merge(self, other: Found) -> None:
        self.loaders += other.loaders
        self.calls += other.calls
        self.signers += other.signers
        self.markers += other.markers
        self.errors += other.errors
        self.browser = self.browser or other.browser

    def syntax_error(self, src: Source, where: tuple[int, int] | None, what: str = "syntax error") -> None:
        if where is not None:
            line, col = where
            self.errors.append(FileError(src.path, f"{what} at line {line}, column {col}; "
                                         "the rest of the file was still read", line))

    def freeze(self, src: Source, parsed: bool = True) -> FileFacts:
        # Several extractors parse the same file (widgets and signers in JS): one error each.
        return FileFacts(
            path=src.path, language=src.language, browser=self.browser,
            loaders=tuple(self.loaders), calls=tuple(sorted(self.calls, key=lambda c: (c.line, c.column))),
            signers=tuple(sorted(self.signers, key=lambda s: (s.line, s.column))),
            markers=tuple(self.markers), errors=tuple(dict.fromkeys(self.errors)), parsed=parsed,
        )


# Script code that runs in a browser rather than on a server.  Page scripts always do.
# Plain substrings and regexes that start with a literal: both run at memchr speed, which
# matters on multi-megabyte bundles.
_BROWSER_WORDS = ("document.", "window.", "localStorage", "sessionStorage", "navigator.", "zE(",
                  "useEffect(", "useState(", "import.meta.env")
_CLIENT_DIRECTIVES = ("'use client'", '"use client"')
_SERVER_WORDS = ("module.exports", "'use server'", '"use server"', "getServerSideProps",
                 "getStaticProps")
_SERVER_RX = tuple(re.compile(p) for p in (
    r"require\(\s*['\"](?:express|http|https|fs|koa|fastify|jsonwebtoken|crypto)['\"]\s*\)",
    r"from\s+['\"](?:express|koa|fastify|next/server|node:\w+|fs|http|crypto)['\"]",
    r"exports\.\w+\s*=",
    r"app\.(?:get|post|use)\s*\(",
    r"router\.(?:get|post|use)\s*\(",
    # Server-side environment; the names bundlers inline into browser code are not.
    r"process\.env(?!\.(?:REACT_APP_|NEXT_PUBLIC_|VITE_|NODE_ENV\b|PUBLIC_URL\b))",
))
# String and template literal bodies: code a server sends to a page is text, not browser code.
_LITERALS = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|`(?:[^`\\]|\\.)*`", re.S)
_BROWSER_CACHE: dict[int, tuple[str, bool]] = {}


def _browser_words(text: str) -> bool:
    return any(w in text for w in _BROWSER_WORDS)


def runs_in_browser(text: str, page: bool) -> bool:
    if page:
        return True
    cached = _BROWSER_CACHE.get(id(text))
    if cached is not None and cached[0] is text:
        return cached[1]
    directive = any(w in text for w in _CLIENT_DIRECTIVES)
    answer = (directive or _browser_words(text)) and not (
        any(w in text for w in _SERVER_WORDS) or any(rx.search(text) for rx in _SERVER_RX))
    if answer and not directive:
        # Only words outside literals count: `res.send(`<script>zE(...)</script>`)` is server code.
        answer = _browser_words(_LITERALS.sub(lambda m: m.group(0)[0] * 2, text))
    _BROWSER_CACHE.clear()  # one file at a time: the widget and signer extractors share it
    _BROWSER_CACHE[id(text)] = (text, answer)
    return answer


# Words near a signing call that tell what the token is for (see Signer.hints).
_HINTS = {
    "zendesk": re.compile(r"zendesk|zopim|zdassets|\bzE\b|ZD_|zd_(?:jwt|secret|key)", re.I),
    "classic-chat": re.compile(r"zopim|livechat|live_chat|zendesk[ _-]?chat|chat[ _-]?(?:jwt|secret|widget)"
                               r"|web[ _-]?widget|zESettings", re.I),
    "messaging": re.compile(r"messaging|messenger|loginUser", re.I),
    "support-sso": re.compile(r"/access/jwt|return_to|zendesk[ _-]?sso|sso[ _-]?zendesk|remote_login", re.I),
    # Zendesk's Support (mobile) SDK JWT endpoint: it receives a `user_token`.
    "support-sdk": re.compile(r"user_token|sdk", re.I),
    # The token is sent as a bearer credential to an API (built, not read, here).
    "api-call": re.compile(r"Authorization['\"]?\s*[:=,]\s*[`'\"]Bearer |[`'\"]Bearer [`'\"]?\s*\+|`Bearer \$\{",
                           re.I),
    "genesys": re.compile(r"genesys|purecloud|pure\.cloud", re.I),
    "oidc": re.compile(r"id_token|idToken|openid|\bnonce\b|jwks", re.I),
    # `migrate generate` kept this Zendesk token route beside the new OpenID provider (ZG220).
    "kept": re.compile(r"TODO\(migrate:ZG220\)"),
}


def hints_for(text: str) -> frozenset[str]:
    """Hints for a signer, from the text around it (its function, or the whole file)."""
    return frozenset(name for name, rx in _HINTS.items() if rx.search(text))


# Left-hand sides of definitions in any of the languages: `const X =`, `X := `, `$x =`,
# `private static final String X =`, `X = ENV[...]`.  Comparisons and arrows are not.
_ASSIGN = re.compile(r"^([^=\n]*?)(?::=|(?<![=!<>+\-*/%&|^.?])=(?![=>~]))")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_NOT_NAMES = frozenset({
    "const", "let", "var", "val", "final", "static", "private", "public", "protected", "readonly",
    "internal", "export", "string", "String", "int", "long", "bool", "boolean", "def", "func",
    "self", "this", "new", "return", "type", "auto", "await", "async", "global", "define",
})
_TYPE_LINE = re.compile(r"^(\s*)(?:[\w@\[\]()\"':,.<> ]*\s)?(?:class|module|struct|object|trait)\s+[A-Z_]", re.M)


_NOT_PLAIN = re.compile(r"[\"'`(){};]")  # a call, a string, a block: not a plain definition
_COMMENT_STARTS = ("//", "#", "/*", "*", "'''", '"""', "--", "<!--")


def _defined(lhs: str) -> str | None:
    """The name a definition's left-hand side defines: its last word before a type
    annotation (`const X: string`), or None when it is not a plain definition."""
    if _NOT_PLAIN.search(lhs):
        return None
    words = _WORD.findall(lhs.split(":", 1)[0].replace("$", ""))
    return words[-1] if words else None


class FileText:
    """A file's lines with what every signer in it is judged against, indexed once, when the
    first signer asks: the definitions it makes (name -> the distinct lines that define it) and
    the lines that open a type.  A generated bundle can hold hundreds of signers, and hundreds
    of copies of the same definition; each signer then costs its own lines only."""

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self._definitions: dict[str, dict[str, list[int]]] | None = None
        self._types: list[int] = []
        self._starts: list[int] | None = None  # where each line begins

    def _indent(self, number: int) -> int:
        line = self.lines[number - 1]
        return len(line) - len(line.lstrip())

    def _index(self) -> dict[str, dict[str, list[int]]]:
        """name -> {defining line: [first number, last number, indent]}; and the type lines.
        Only the lines holding a word a definition or a type line needs are read."""
        if self._definitions is not None:
            return self._definitions
        text = "\n".join(self.lines)
        found: list[tuple[int, str]] = []  # (line number, name), in line order
        defined: set[int] = set()
        read: dict[str, str | None] = {}  # a line written many times is read once
        for number in self._lines_with(text, ("=",)):
            line = self.lines[number - 1]
            if line in read:
                name = read[line]
            else:
                m = _ASSIGN.match(line)
                name = read[line] = _defined(m.group(1)) if m else None
            if name:
                found.append((number, name))
                defined.add(number)
        for number in self._lines_with(text, ("define(",)):  # PHP define('ZENDESK_SECRET', ...)
            if number not in defined:
                found += [(number, word) for word in _WORD.findall(self.lines[number - 1])]
        found.sort(key=lambda f: f[0])  # stable: a define( line's words stay in order
        definitions: dict[str, dict[str, list[int]]] = {}
        for number, name in found:
            line = self.lines[number - 1]
            lines = definitions.setdefault(name, {})
            span = lines.get(line)
            if span is None:
                lines[line] = [number, number, len(line) - len(line.lstrip())]
            else:
                span[1] = number
        self._types = [n for n in self._lines_with(text, ("class", "module", "struct", "object", "trait"))
                       if _TYPE_LINE.match(self.lines[n - 1])]
        self._definitions = definitions
        return definitions

    def _lines_with(self, text: str, words: tuple[str, ...]) -> list[int]:
        """The 1-based numbers of the lines holding one of ``words``, in order."""
        if self._starts is None:
            self._starts = list(itertools.accumulate(map((1).__add__, map(len, self.lines[:-1])), initial=0))
        starts, numbers = self._starts, set()
        for word in words:
            at = text.find(word)
            while at >= 0:
                number = bisect.bisect_right(starts, at)
                numbers.add(number)
                at = text.find(word, starts[number]) if number < len(starts) else -1
        return sorted(numbers)

    def hints(self, first: int, last: int) -> frozenset[str]:
        """Hints for the signer in lines ``first..last`` (its function, route or method): that
        text, the definitions elsewhere in the file of names it uses (``const ZD_SECRET = ...``),
        and the header of the type around it (``class ZendeskController``).  Words in the rest
        of the file say nothing about this token: a file can sign a Zendesk token and a voucher."""
        lines = self.lines
        own = "\n".join(lines[first - 1:last])
        used = {w for w in _WORD.findall(own) if len(w) > 2} - _NOT_NAMES
        indent = self._indent(first) if 0 < first <= len(lines) else 0
        extra = []
        taken: set[str] = set()
        definitions = self._index()
        for name in used:
            # At the piece's own level or outside it; not locals of other functions.  A line
            # written many times (a bundle of copies) is read once.
            for line, (low, high, depth) in definitions.get(name, {}).items():
                if depth <= indent and (low < first or high > last) and line not in taken:
                    taken.add(line)
                    extra.append(line)
        types = self._types
        header = next((n for n in reversed(types[:bisect.bisect_left(types, first)])
                       if self._indent(n) < indent), None)
        if header is not None:
            extra.append(lines[header - 1])
        above, depth = first - 1, 0  # the comment block right above the piece describes it
        while above > 0:
            text = lines[above - 1].strip()
            if not text.startswith(_COMMENT_STARTS):
                depth += text.count(")") + text.count("]") - text.count("(") - text.count("[")
            if depth > 0 or (depth == 0 and text.startswith("@")):  # the piece's decorators: read past
                above -= 1
                continue
            if depth < 0 or not text.startswith(_COMMENT_STARTS):
                break
            extra.append(lines[above - 1])
            above -= 1
        return hints_for(own + "\n" + "\n".join(extra))
