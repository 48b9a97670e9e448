"""Widget code written inside string literals.

Pages and bundles build widget code as text: ``el.innerHTML = '<script>zE(...)</script>'``,
``document.write(...)``, ``insertAdjacentHTML``, a created script element's ``text``, or a
server handler that sends a page (``res.send(`<script>zE(...)</script>`)``).  Such a string
(or a ``+`` concatenation of strings) is copied in place into a buffer of the file's length:
escapes are resolved without moving a byte (``\\'`` becomes ``'`` and a space), the values
spliced in (``${token}``, ``' + token + '``) become ``_`` filler, like a template tag.  The
buffer is then parsed as HTML (its inline scripts as JavaScript) or as JavaScript, over the
string's own bytes only, so lines and columns are those of the file.

Only strings that mention a widget global are read, and only in scripts where a cheap byte
search finds both such a word and a way to run text as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter as ts

from migrate.extract.treesitter import Doc, walk
from migrate.extract.widgets_js import STRINGS, Node, Script, args, member_name, unwrap

Span = tuple[int, int]

# Widget code (loaders in strings are read as URLs elsewhere, see widgets._string_loaders).
_CODE = (b"zE(", b"zE (", b"$zopim", b"zESettings")
# Ways to run text as code or markup.
_RUNS_TEXT = (b"<script", b"<SCRIPT", b"innerHTML", b"outerHTML", b"insertAdjacentHTML", b"document.write",
              b"createElement", b"createContextualFragment", b"createTextNode", b"eval(", b"Function(",
              b"setTimeout(", b".text")
# A string of plain JavaScript (no <script> inside) is code only where it is run as code.
_CODE_PROPERTIES = frozenset({"text", "textContent", "innerHTML", "innerText"})
_CODE_CALLS = frozenset({"eval", "Function", "setTimeout", "setInterval", "createTextNode", "execScript"})
# Where browser code writes markup into the document.
_DOM_PROPERTIES = frozenset({"innerHTML", "outerHTML", "srcdoc"}) | _CODE_PROPERTIES
_DOM_CALLS = frozenset({"insertAdjacentHTML", "createContextualFragment", "parseFromString"})
# jQuery's: on a jQuery object only (a server framework's ``c.html(...)`` sends a response).
_JQUERY_CALLS = frozenset({"html", "append", "prepend", "replaceWith", "after", "before"})
_SCRIPT_TAG = re.compile(rb"<script\b", re.I)
_SRC_ATTR = re.compile(rb"\ssrc\s*=", re.I)
_TYPE_ATTR = re.compile(rb"\stype\s*=\s*[\"']?([^\"'\s>]*)", re.I)
_JS_TYPES = frozenset({b"", b"text/javascript", b"application/javascript", b"module", b"text/ecmascript"})
_QUOTES = frozenset(b"'\"`")
_MAX_STRINGS = 200  # a bundle that builds this many widget strings has told enough by then


@dataclass
class StringScript:
    """One piece of JavaScript found inside a string, parsed over its own bytes."""

    script: Script
    outer: Script  # the script that holds the string
    string: Node  # the string (or concatenation) in the outer script


def worth_reading(data: bytes, span: Span) -> bool:
    start, end = span
    return any(data.find(w, start, end) >= 0 for w in _CODE) and \
        any(data.find(w, start, end) >= 0 for w in _RUNS_TEXT)


def string_scripts(outer: Script, values_rendered: bool) -> list[StringScript]:
    """The widget code inside the strings of ``outer``.

    ``values_rendered``: the strings are written out by a server (the file is not browser
    code), so a value spliced into one is rendered into the page, like a template tag.
    """
    if not worth_reading(outer.data, outer.span):
        return []
    groups: dict[int, Node] = {}
    for _, node in outer.find(_CODE):
        string = _string_of(node)
        if string is not None:
            group = _concatenation(string)
            groups.setdefault(group.start_byte, group)
        if len(groups) >= _MAX_STRINGS:
            break
    taken: list[Node] = []
    for group in sorted(groups.values(), key=lambda n: (n.start_byte, -n.end_byte)):
        if not any(t.start_byte <= group.start_byte and group.end_byte <= t.end_byte for t in taken):
            taken.append(group)
    if not taken:
        return []
    buf = bytearray(outer.data)
    values: list[Span] = []
    regions = []
    for group in taken:
        spliced: list[Span] = []
        region = _rewrite(buf, group, spliced)
        if region is not None and region[1] > region[0]:
            regions.append((group, region, spliced))
            values += spliced
    data = bytes(buf)
    view = _display(outer, data, [r for _, r, _ in regions], values)
    found: list[StringScript] = []
    for group, (start, end), spliced in regions:
        # A value spliced into markup that a server sends is rendered into the page; one that
        # browser code writes into the document is a variable of the browser.
        rendered = values_rendered and spliced and not _dom_sink(outer, group)
        masked = sorted(outer.masked + spliced) if rendered else outer.masked
        markup = _SCRIPT_TAG.search(data, start, end) is not None
        if not markup and not _runs_as_code(outer, group):
            continue
        rng = ts.Range(_point(group, start, data), _point(group, end, data), start, end)
        bodies = _inline_scripts(data, rng) if markup else [rng]
        for body in bodies:
            tree = Doc.parse("javascript", data, [body]).tree
            if not markup and tree.root_node.has_error:
                continue  # prose that mentions the widget, not code
            script = Script(Doc(view, tree), tree.root_node, data, (body.start_byte, body.end_byte), masked,
                            list(outer.earlier) + [outer])
            if spliced and not rendered:
                script.written = spliced
            found.append(StringScript(script, outer, group))
    return found


# --- finding the strings ----------------------------------------------------------------------

def _string_of(node: Node) -> Node | None:
    """The string literal whose text ``node`` is (not code in a ``${...}`` of it)."""
    if node.type in ("string_fragment", "escape_sequence"):
        node = node.parent  # type: ignore[assignment]
    return node if node is not None and node.type in STRINGS else None


def _is_plus(node: Node) -> bool:
    op = node.child_by_field_name("operator") if node.type == "binary_expression" else None
    return op is not None and op.type == "+"


def _concatenation(string: Node) -> Node:
    """The outermost ``a + b + ...`` (through parentheses) the string is part of."""
    top = string
    while top.parent is not None and (_is_plus(top.parent) or top.parent.type == "parenthesized_expression"):
        top = top.parent
    return top


def _leaves(group: Node) -> list[Node]:
    out: list[Node] = []
    stack = [group]
    while stack:
        n = stack.pop()
        if _is_plus(n):
            stack += [n.child_by_field_name("right"), n.child_by_field_name("left")]  # type: ignore[list-item]
        elif n.type == "parenthesized_expression" and len(n.named_children) == 1:
            stack.append(n.named_children[0])
        else:
            out.append(n)
    return out


def _callee_name(outer: Script, call: Node) -> tuple[str | None, str]:
    """(name called, text of the object it is called on) for ``a.b(...)`` / ``b(...)``."""
    callee = unwrap(call.child_by_field_name("function") or call.child_by_field_name("constructor"))
    if callee is None:
        return None, ""
    if callee.type == "member_expression":
        return member_name(outer, callee), outer.text(callee.child_by_field_name("object"))
    return outer.text(callee), ""


def _first_argument_of(group: Node) -> Node | None:
    """The call ``group`` is the first argument of."""
    parent = group.parent
    if parent is None or parent.type != "arguments" or parent.parent is None:
        return None
    call = parent.parent
    a = args(call)
    return call if a and a[0] == group or (len(a) > 1 and a[1] == group) else None


def _dom_sink(outer: Script, group: Node) -> bool:
    """The string is written into the document by browser code: ``el.innerHTML = ...``,
    ``document.write(...)``, ``insertAdjacentHTML(...)``, ``$(el).html(...)``."""
    parent = group.parent
    if parent is not None and parent.type in ("assignment_expression", "augmented_assignment_expression") \
            and parent.child_by_field_name("right") == group:
        left = unwrap(parent.child_by_field_name("left"))
        return left is not None and left.type == "member_expression" \
            and member_name(outer, left) in _DOM_PROPERTIES
    call = _first_argument_of(group)
    if call is None:
        return False
    name, obj = _callee_name(outer, call)
    return name in _DOM_CALLS or (name in ("write", "writeln") and obj.endswith("document")) \
        or (name in _JQUERY_CALLS and obj.startswith(("$", "jQuery")))


def _runs_as_code(outer: Script, group: Node) -> bool:
    """``s.text = '...'``, ``eval('...')``, ``setTimeout('...')``, ``createTextNode('...')``."""
    parent = group.parent
    if parent is None:
        return False
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == group:
        left = unwrap(parent.child_by_field_name("left"))
        return left is not None and left.type == "member_expression" \
            and member_name(outer, left) in _CODE_PROPERTIES
    if parent.type == "arguments" and parent.parent is not None:
        call = parent.parent
        if not args(call) or args(call)[0] != group:
            return False
        return _callee_name(outer, call)[0] in _CODE_CALLS
    return False


# --- the buffer -------------------------------------------------------------------------------

def _rewrite(buf: bytearray, group: Node, values: list[Span]) -> Span | None:
    """Write the text of ``group`` in place; (start, end) of that text, or None."""
    leaves = _leaves(group)
    parts: list[tuple[int, int, Node | None]] = []  # (start, end, string leaf or None for a value)
    for leaf in leaves:
        bare = unwrap(leaf)
        if bare is not None and bare.type in STRINGS and bare.end_byte - bare.start_byte >= 2:
            parts.append((bare.start_byte + 1, bare.end_byte - 1, bare))
        else:
            parts.append((leaf.start_byte, leaf.end_byte, None))
    strings = [p for p in parts if p[2] is not None]
    if not strings:
        return None
    start, end = strings[0][0], strings[-1][1]
    quote: list[int | None] = [None]  # the quote of the inner string being read, if any
    prev_end = start
    for i, (s, e, string) in enumerate(parts):
        if e <= start or s >= end:
            continue
        if string is None:
            # a value spliced in, with the quotes and operators around it: one filler run
            s = prev_end
            e = next((p[0] for p in parts[i + 1:] if p[2] is not None), end)
            _fill(buf, s, e, values)
            prev_end = e
            continue
        if s > prev_end and not _all_filled(buf, prev_end, s):
            _blank(buf, prev_end, s)  # '...' + '...': the quotes and the + between
        subs = [c for c in string.named_children if c.type == "template_substitution"]
        pos = s
        for sub in subs:
            _unescape(buf, pos, sub.start_byte, quote)
            _fill(buf, sub.start_byte, sub.end_byte, values)
            pos = sub.end_byte
        _unescape(buf, pos, e, quote)
        prev_end = e
    return start, end


_FILLER = ord("_")
_SPACE = ord(" ")


def _fill(buf: bytearray, start: int, end: int, values: list[Span]) -> None:
    for i in range(start, end):
        if buf[i] not in (0x0A, 0x0D):
            buf[i] = _FILLER
    if end > start:
        values.append((start, end))


def _all_filled(buf: bytearray, start: int, end: int) -> bool:
    return all(b == _FILLER or b in (0x0A, 0x0D) for b in buf[start:end])


def _blank(buf: bytearray, start: int, end: int) -> None:
    for i in range(start, end):
        if buf[i] not in (0x0A, 0x0D):
            buf[i] = _SPACE


def _unescape(buf: bytearray, start: int, end: int, quote: list[int | None]) -> None:
    """Resolve the escapes of string text in place: every byte stays where it is.

    An escaped quote that opens a string of the inner code is preceded by the spare byte and
    one that closes it followed by it, so the inner string's value is unchanged:
    ``zE(\\'messenger\\')`` reads ``zE( 'messenger' )``.  ``<\\/script>`` reads `` </script>``.
    """
    i = start
    while i < end:
        c = buf[i]
        if c == 0x5C and i + 1 < end:  # backslash
            e = buf[i + 1]
            if e in _QUOTES:
                if quote[0] is None:
                    buf[i], buf[i + 1] = _SPACE, e
                    quote[0] = e
                else:
                    if quote[0] == e:
                        quote[0] = None
                    buf[i], buf[i + 1] = e, _SPACE
            elif e == ord("/"):
                if i > start and buf[i - 1] == ord("<"):
                    buf[i - 1], buf[i], buf[i + 1] = _SPACE, ord("<"), e
                else:
                    buf[i], buf[i + 1] = e, _SPACE
            elif e in b"ntr":
                buf[i], buf[i + 1] = _SPACE, _SPACE
            i += 2
            continue
        if c in _QUOTES:
            if quote[0] is None:
                quote[0] = c
            elif quote[0] == c:
                quote[0] = None
        i += 1


def _display(outer: Script, data: bytes, regions: list[Span], values: list[Span]) -> bytes:
    """The text shown for what is found in strings: escapes resolved, but the values spliced
    in (``${token}``) and the page's template tags as the user wrote them."""
    original = outer.view.data
    if len(original) != len(data):
        return data
    out = bytearray(original)
    for start, end in regions:
        out[start:end] = data[start:end]
    for start, end in [*values, *outer.masked]:
        out[start:end] = original[start:end]
    return bytes(out)


def _point(group: Node, byte: int, data: bytes) -> ts.Point:
    """Row and column of ``byte`` (inside ``group``), counted from the group's start."""
    row, col = group.start_point
    at = group.start_byte
    lines = data.count(b"\n", at, byte)
    if lines:
        return ts.Point(row + lines, byte - data.rfind(b"\n", at, byte) - 1)
    return ts.Point(row, col + byte - at)


# --- markup -----------------------------------------------------------------------------------

def _inline_scripts(data: bytes, rng: ts.Range) -> list[ts.Range]:
    """The bodies of the inline JavaScript ``<script>`` elements in the markup of ``rng``."""
    tree = Doc.parse("html", data, [rng]).tree
    bodies = []
    for node in walk(tree.root_node):
        if node.type != "script_element":
            continue
        start = next((c for c in node.named_children if c.type == "start_tag"), None)
        body = next((c for c in node.named_children if c.type == "raw_text"), None)
        if start is None or body is None or body.end_byte <= body.start_byte:
            continue
        tag = data[start.start_byte:start.end_byte]
        kind = _TYPE_ATTR.search(tag)
        if _SRC_ATTR.search(tag) or (kind is not None and kind.group(1).lower() not in _JS_TYPES):
            continue
        bodies.append(body.range)
    return bodies
