"""Server-template masking: hide template tags from the HTML and JavaScript parsers.

A page such as ``var jwt = "<%= @jwt %>";`` is not JavaScript until the server renders it.
Every template tag is replaced by filler of the same byte length (newlines kept), so byte
offsets, lines and columns still point into the original file:

* tags that print a value (``<%= x %>``, ``{{ x }}``, ``@Model.X``...) become ``_`` runs, which
  read as string content inside a JS string and as an identifier in bare code;
* tags that print nothing (statements, comments, directives) become spaces.

The byte spans of value tags are returned: an extractor uses them to tell that a string was
rendered into the page by the server.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

# Every byte but line breaks becomes the filler.
_VALUE_TABLE = bytes(b if b in (0x0A, 0x0D) else ord("_") for b in range(256))
_STATEMENT_TABLE = bytes(b if b in (0x0A, 0x0D) else ord(" ") for b in range(256))


class _Masker:
    def __init__(self, data: bytes):
        self.out = bytearray(data)
        self.spans: list[Span] = []

    def fill(self, start: int, end: int, value: bool, record: bool = True) -> None:
        """Mask ``start:end``; ``record``: a value tag's span is returned (not for a name part)."""
        table = _VALUE_TABLE if value else _STATEMENT_TABLE
        self.out[start:end] = self.out[start:end].translate(table)
        if value and record and end > start:
            self.spans.append((start, end))

    def put(self, start: int, text: bytes) -> None:
        """Write ``text`` at ``start`` (same length: nothing moves)."""
        self.out[start:start + len(text)] = text


# --- delimited tags: an opener, its closer, and whether the tag prints a value -------------

# (opener regex, closer bytes, prints a value?, unclosed tag runs to the end of the file?)
_Tag = tuple[str, bytes, bool, bool]

_ERB: list[_Tag] = [
    (r"<%--", b"--%>", False, False),
    (r"<%[=:]", b"%>", True, True),
    (r"<%#", b"%>", False, True),
    (r"<%-", b"%>", False, True),  # ERB: whitespace-trimming statement
    (r"<%", b"%>", False, True),
]
_EJS_DASH: _Tag = (r"<%-", b"%>", True, True)  # EJS: unescaped output
_ASP_BIND: _Tag = (r"<%#", b"%>", True, True)  # ASP.NET: data-binding expression
_MUSTACHE: list[_Tag] = [
    (r"\{\{--", b"--}}", False, False),  # Blade comment
    (r"\{!!", b"!!}", True, False),
    (r"\{\{\{", b"}}}", True, False),
    (r"\{\{", b"}}", True, False),
    (r"\{%", b"%}", False, False),
    (r"\{#", b"#}", False, False),
]
_PHP: list[_Tag] = [
    (r"<\?=", b"?>", True, True),
    (r"<\?(?:php\b)?", b"?>", False, True),  # decided per tag: echo/print print a value
]
_JSP_EL = r"[$#]\{"

# ``<?php echo $x ?>`` prints a value, like ``<?= $x ?>``.
_PHP_ECHO = re.compile(rb"<\?(?:php)?\s*(?:echo|print)\b")
# An unclosed mustache opener would swallow the page: give up after this many bytes.
_MAX_INLINE_TAG = 4000


def _tags_for(flavour: str, path: str) -> list[_Tag]:
    erb = list(_ERB)
    if path.lower().endswith(".ejs"):
        erb.insert(2, _EJS_DASH)
    if flavour == "asp":
        erb.insert(2, _ASP_BIND)
    return {
        "erb": erb, "asp": erb, "jsp": erb,
        "jinja": _MUSTACHE, "html": _MUSTACHE,
        "blade": _MUSTACHE + _PHP, "php": _PHP,
    }.get(flavour, [])


def _balanced(data: bytes, start: int, open_: int, close: int) -> int:
    """Index just past the bracket closing the one at ``start`` (-1 if none).

    Quoted strings on one line are skipped, so ``@Html.Raw(")")`` closes where C# would.
    """
    depth, i, n = 0, start, len(data)
    while i < n:
        c = data[i]
        if c in (0x22, 0x27):  # " '
            j = i + 1
            while j < n and data[j] != c and data[j] != 0x0A:
                j += 2 if data[j] == 0x5C else 1
            if j < n and data[j] == c:
                i = j + 1
                continue
        elif c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _mask_delimited(m: _Masker, data: bytes, tags: list[_Tag], jsp_el: bool) -> None:
    openers = [t[0] for t in tags] + ([_JSP_EL] if jsp_el else [])
    if not openers:
        return
    rx = re.compile("|".join(f"({o})" for o in openers).encode())
    pos = 0
    while True:
        hit = rx.search(data, pos)
        if hit is None:
            return
        start, index = hit.start(), hit.lastindex - 1  # type: ignore[operator]
        if index == len(tags):  # JSP expression language: ${...} / #{...}
            end = _balanced(data, hit.end() - 1, ord("{"), ord("}"))
            value = True
        else:
            _, closer, value, to_eof = tags[index]
            found = data.find(closer, hit.end())
            if not to_eof and (found < 0 or found - start > _MAX_INLINE_TAG):
                pos = hit.end()
                continue
            end = len(data) if found < 0 else found + len(closer)
            if closer == b"?>" and not value:
                value = bool(_PHP_ECHO.match(data, start))
        if end < 0:
            pos = hit.end()
            continue
        m.fill(start, end, value)
        pos = end


# --- Razor: @-expressions have no closing delimiter -----------------------------------------

_RAZOR_LINE_DIRECTIVES = frozenset(
    b"model inject page inherits layout addTagHelper removeTagHelper tagHelperPrefix namespace "
    b"implements attribute typeparam rendermode preservewhitespace".split())
_RAZOR_CONTROL = frozenset(b"if for foreach while switch lock using section".split())
_RAZOR_BLOCKS = frozenset(b"functions code".split())
_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_WORD = re.compile(rb"[A-Za-z0-9_]")
_OPENS_PAREN = re.compile(rb"\s*\(")
_CONDITION_OR_NAME = re.compile(rb"\s*(\(|[A-Za-z_]\w*)")
_SPACES = re.compile(rb"\s+")


def _razor_chain(data: bytes, i: int) -> int:
    """End of an implicit expression ``Model.User.Name(...)[0]`` starting at ``i``."""
    m = _IDENT.match(data, i)
    if not m:
        return i
    i = m.end()
    while i < len(data):
        c = data[i:i + 1]
        if c == b"." or data[i:i + 2] == b"?.":
            step = 2 if c == b"?" else 1
            nxt = _IDENT.match(data, i + step)
            if not nxt:
                break
            i = nxt.end()
        elif c in (b"(", b"["):
            end = _balanced(data, i, data[i], ord(")") if c == b"(" else ord("]"))
            if end < 0:
                break
            i = end
        else:
            break
    return i


def _razor_at(data: bytes, at: int) -> tuple[int, bool] | None:
    """(end, prints a value) of the Razor construct at ``at`` (an ``@``), or None."""
    nxt = data[at + 1:at + 2]
    if nxt == b"@":
        return at + 2, False  # @@ is a literal @: leave it alone
    if nxt == b"*":
        end = data.find(b"*@", at + 2)
        return (len(data) if end < 0 else end + 2), False
    if nxt == b":":
        return at + 2, False
    if nxt in (b"{", b"("):
        end = _balanced(data, at + 1, data[at + 1], ord("}") if nxt == b"{" else ord(")"))
        return (len(data) if end < 0 else end), nxt == b"("
    word = _IDENT.match(data, at + 1)
    if not word:
        return None
    name = word.group()
    opens_paren = _OPENS_PAREN.match(data, word.end()) is not None
    if name in _RAZOR_LINE_DIRECTIVES or (name == b"using" and not opens_paren):
        end = data.find(b"\n", at)
        return (len(data) if end < 0 else end), False
    if name in _RAZOR_BLOCKS:
        brace = data.find(b"{", word.end())
        end = _balanced(data, brace, ord("{"), ord("}")) if brace >= 0 else -1
        return (len(data) if end < 0 else end), False
    if name in _RAZOR_CONTROL:
        # Mask the keyword and its condition; the braces stay and read as a JS block.
        rest = _CONDITION_OR_NAME.match(data, word.end())
        if rest and rest.group(1) == b"(":
            end = _balanced(data, rest.end() - 1, ord("("), ord(")"))
            return (word.end() if end < 0 else end), False
        return (rest.end() if rest else word.end()), False
    if name in (b"try", b"do", b"else"):
        return word.end(), False
    if name == b"await":
        space = _SPACES.match(data, word.end())
        return _razor_chain(data, space.end() if space else word.end()), True
    return _razor_chain(data, at + 1), True


def _mask_razor(m: _Masker, data: bytes) -> None:
    # <text>...</text> marks lines of a Razor code block as output; the tags print nothing.
    for tag in _RAZOR_TEXT_TAG.finditer(data):
        m.fill(tag.start(), tag.end(), False)
    pos = 0
    while True:
        at = data.find(b"@", pos)
        if at < 0:
            return
        # name@example.com is an e-mail address, not code
        if at > 0 and _WORD.match(data, at - 1) and _WORD.match(data, at + 1):
            pos = at + 1
            continue
        found = _razor_at(data, at)
        if found is None:
            pos = at + 1
            continue
        end, value = found
        if data[at + 1:at + 2] != b"@":
            m.fill(at, end, value)
            if data[at + 1:at + 3] == b"if":
                _mask_razor_else(m, data, end)
        pos = max(end, at + 1)


_RAZOR_TEXT_TAG = re.compile(rb"</?text>")
_RAZOR_ELSE = re.compile(rb"\s*else\b(\s*if\s*(?=\())?")
_BLOCK_OPEN = re.compile(rb"\s*\{")


def _mask_razor_else(m: _Masker, data: bytes, after_condition: int) -> None:
    """``@if (a) { ... } else if (b) { ... } else { ... }``: mask each ``else [if (...)]``, so
    the blocks left over read as plain JavaScript blocks."""
    pos = after_condition
    while True:
        brace = _BLOCK_OPEN.match(data, pos)
        if brace is None:
            return
        close = _balanced(data, brace.end() - 1, ord("{"), ord("}"))
        if close < 0:
            return
        clause = _RAZOR_ELSE.match(data, close)
        if clause is None:
            return
        end = clause.end()
        if clause.group(1):
            end = _balanced(data, end, ord("("), ord(")"))
            if end < 0:
                return
        m.fill(clause.start(), end, False)
        pos = end


# Blade directives: @json($x) and @js($x) print a value, the rest (@if, @csrf...) do not.
_BLADE_DIRECTIVE = re.compile(rb"(?<![\w@])@([A-Za-z]\w*)")
_BLADE_VALUE = frozenset(b"json js lang choice".split())
_PAREN_AFTER = re.compile(rb"[ \t]*\(")


def _mask_blade_directives(m: _Masker, data: bytes) -> None:
    pos = 0
    while True:
        hit = _BLADE_DIRECTIVE.search(data, pos)
        if hit is None:
            return
        end = hit.end()
        paren = _PAREN_AFTER.match(data, end)
        if paren:
            closed = _balanced(data, paren.end() - 1, ord("("), ord(")"))
            end = closed if closed > 0 else end
        if hit.group(1) == b"php" and not paren:
            stop = data.find(b"@endphp", end)
            end = len(data) if stop < 0 else stop + len(b"@endphp")
        m.fill(hit.start(), end, hit.group(1) in _BLADE_VALUE)
        pos = end


# --- JSP tag libraries: <c:if>, <c:out value="${x}"/>, <portlet:namespace/>, <aui:script> --------

# <prefix:name attr="..." ...> / </prefix:name> / <prefix:name .../>; attribute values may hold
# masked ${...} and <%= %> (underscores by now).
_CUSTOM_TAG = re.compile(
    rb"<(/?)([A-Za-z][\w.-]*):([A-Za-z][\w.-]*)((?:\s+[\w:.-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>")
# Self-closing tags that print nothing (the rest print a value: <c:out/>, <portlet:namespace/>,
# <fmt:message/>, <spring:message/>...).
_SILENT_TAGS = frozenset(b"set remove param include import forward setBundle setLocale bundle requestEncoding "
                         b"setTimeZone timeZone useBean setProperty plugin attribute invoke doBody".split())
_HAS_VAR = re.compile(rb"\svar\s*=")
# Liferay: <aui:script use="aui-base"> is a script element; its body is JavaScript.
_AUI_SCRIPT = re.compile(rb"<(/?)aui:script\b(\s*>)?", re.I)


def _mask_jsp_tags(m: _Masker, data: bytes) -> None:
    if b"aui:script" in data or b"AUI:SCRIPT" in data:
        for hit in _AUI_SCRIPT.finditer(data):
            closing = bool(hit.group(1))
            if closing and hit.group(2):  # </aui:script> -> </script>    (padding after the tag)
                m.put(hit.start(), b"</script>".ljust(hit.end() - hit.start()))
            elif not closing:  # <aui:script ...> -> <script     ...>
                m.put(hit.start(), b"<script    ")
    if b":" not in data:
        return
    for hit in _CUSTOM_TAG.finditer(data):
        if hit.group(2).lower() == b"aui" and hit.group(3).lower() == b"script":
            continue
        value = (not hit.group(1) and bool(hit.group(5)) and hit.group(3) not in _SILENT_TAGS
                 and not _HAS_VAR.search(hit.group(4)))
        # <portlet:namespace/> prefixes names (var <portlet:namespace/>jwt): part of a name, not data
        m.fill(hit.start(), hit.end(), value, record=hit.group(3) != b"namespace")


# --- Smarty (.tpl): {$value}, {if ...}{/if}, {* comment *}, {literal}...{/literal} ------------

# A .tpl file with none of these is not Smarty (Go templates, mustache...): only {{ }} is masked.
_SMARTY_SIGNS = re.compile(
    rb"\{(?:\$|\*|/?literal\}|/(?:if|foreach|section|block|capture|strip|function|while|for)\}"
    rb"|(?:if|elseif|foreach|section|block|include|extends|assign|capture|l|url|hook)\s)")
# Smarty tags that print a value: variables, config values, literals, output functions.
_SMARTY_VALUE = re.compile(rb"\{(?:[$#\"'0-9]|(?:l|url|counter|math|cycle|mailto|fetch|eval|html_\w+)\b)")
# Go template actions that print nothing: control structure and comments.
_GO_SILENT = re.compile(rb"\{\{-?\s*(?:/\*|(?:if|else|end|range|with|define|template|block|break|continue)\b)")
_SPACE = frozenset(b" \t\r\n}")


def _mask_smarty(m: _Masker, data: bytes) -> None:
    """Smarty tags, and {{ }} actions (``.tpl`` is also the Go template extension).

    A ``{`` followed by white space is not a tag (Smarty 3 auto-literal), so the JavaScript
    braces of a page survive; ``{literal}`` blocks are left alone (there ``{`` is JavaScript).
    A tag that does not close within a few kilobytes is left as it is: a wrong guess costs a
    script its parse, never the scan.
    """
    smarty = _SMARTY_SIGNS.search(data) is not None
    pos, n = 0, len(data)
    while pos < n:
        i = data.find(b"{", pos)
        if i < 0:
            return
        nxt = data[i + 1:i + 2]
        if nxt == b"{":  # {{ action }}, {{{ raw }}}
            closer = b"}}}" if data[i + 2:i + 3] == b"{" else b"}}"
            close = data.find(closer, i + 2)
            if close < 0 or close - i > _MAX_INLINE_TAG:
                pos = i + 2
                continue
            end = close + len(closer)
            m.fill(i, end, _GO_SILENT.match(data, i) is None)
            pos = end
            continue
        if not smarty or not nxt or nxt[0] in _SPACE:
            pos = i + 1
            continue
        if nxt == b"*":
            close = data.find(b"*}", i + 2)
            if close < 0:
                pos = i + 2
                continue
            m.fill(i, close + 2, False)
            pos = close + 2
            continue
        if data.startswith(b"{literal}", i):
            m.fill(i, i + 9, False)
            close = data.find(b"{/literal}", i + 9)
            if close < 0:
                return
            m.fill(close, close + 10, False)
            pos = close + 10
            continue
        if data.startswith((b"{ldelim}", b"{rdelim}"), i):  # a literal brace
            m.put(i, (b"{" if nxt == b"l" else b"}").ljust(8))
            pos = i + 8
            continue
        end = _balanced(data, i, ord("{"), ord("}"))
        if end < 0 or end - i > _MAX_INLINE_TAG:
            pos = i + 1
            continue
        start = i
        if i > 0 and data[i - 1:i] == b"<" and data[end:end + 1] == b">":  # XOOPS: <{$x}>
            start, end = i - 1, end + 1
        m.fill(start, end, _SMARTY_VALUE.match(data, i) is not None)
        pos = end


def mask(data: bytes, flavour: str, path: str = "") -> tuple[bytes, list[Span]]:
    """``data`` with the template tags of ``flavour`` masked, and the spans of value tags.

    Flavours: html, erb (also .ejs), asp, razor, jsp (also JSP tag libraries; Liferay's
    ``<aui:script>`` becomes a ``<script>`` of the same length), jinja (twig, django,
    handlebars...), blade, php, smarty (.tpl: Smarty, or Go templates), vue (nothing to mask:
    only script blocks are read).
    """
    m = _Masker(data)
    if flavour == "razor":
        _mask_razor(m, data)
    elif flavour == "smarty":
        _mask_smarty(m, data)
    else:
        _mask_delimited(m, data, _tags_for(flavour, path), jsp_el=flavour == "jsp")
        if flavour == "blade":
            _mask_blade_directives(m, bytes(m.out))
        elif flavour == "jsp":
            _mask_jsp_tags(m, bytes(m.out))
    return bytes(m.out), sorted(m.spans)
