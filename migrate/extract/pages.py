"""The page extractor: HTML pages, server templates (ERB, Razor, JSP, Jinja, Blade, PHP...)
and Vue / Svelte single-file components.

Template tags are masked first (see ``templates``), so the page parses as HTML and its inline
scripts as JavaScript, with every position still pointing into the original file.  Script
elements with a ``src`` give the widget loaders; inline scripts go to the widget extractor in
document order (the order decides whether a call runs before the loader).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import tree_sitter as ts

from migrate.extract import templates
from migrate.extract.base import Found, Source, runs_in_browser
from migrate.extract.treesitter import Doc, walk
from migrate.extract.widgets import ZE_LOADERS, extract_script, loader_for_url
from migrate.model import FileError, Loader

_JS_TYPES = frozenset({
    "", "text/javascript", "application/javascript", "module", "text/jsx", "text/babel",
    "application/x-javascript", "text/ecmascript", "application/ecmascript", "jsx",
})
_LANG_GRAMMAR = {"ts": "typescript", "typescript": "typescript", "tsx": "tsx"}
# Inline scripts that sign something: worth a run of the JavaScript signer extractor.
_SIGNING = re.compile(rb"\.sign\s*\(|SignJWT|crypto\.subtle|KJUR")
# Every byte but line breaks becomes a space.
_BLANK = bytes(b if b in (0x0A, 0x0D) else 0x20 for b in range(256))
# JSP scriptlets that may sign a token (java._RELEVANT decides).
_JAVA_SIGNING = ("Jwts", "JWT", "JWSObject")


@dataclass
class _ScriptTag:
    element: ts.Node
    attrs: dict[str, tuple[str, ts.Node]]  # name -> (masked value, value node)
    body: ts.Node | None  # raw_text

    @property
    def grammar(self) -> str:
        lang = self.attrs.get("lang", ("", None))[0].lower()
        return _LANG_GRAMMAR.get(lang, "javascript")

    @property
    def runs_js(self) -> bool:
        kind = self.attrs.get("type", ("", None))[0].strip().lower()
        return kind in _JS_TYPES


def extract(src: Source) -> Found:
    flavour = src.language.split(":", 1)[1] if src.language.startswith("page:") else src.language
    data, masked = templates.mask(src.data, flavour, src.path)
    tree = Doc.parse("html", data).tree
    view = Doc(src.data, tree)
    tags = _script_tags(data, tree.root_node, top_level_only=flavour == "vue")
    found = Found()
    loader_at = None
    for tag in tags:
        loader = _src_loader(view, tag)
        if loader is not None:
            found.loaders.append(loader)
            if loader.kind in ZE_LOADERS and loader_at is None:
                loader_at = tag.element.start_byte
    inline = [t for t in tags if "src" not in t.attrs and t.runs_js and t.body is not None
              and t.body.end_byte > t.body.start_byte]
    for grammar in dict.fromkeys(t.grammar for t in inline):
        ranges = [t.body.range for t in inline if t.grammar == grammar]  # type: ignore[union-attr]
        found.merge(extract_script(src, grammar, data, ranges, masked, page=True, loader_at=loader_at))
    found.browser = runs_in_browser(src.text, page=True) if flavour != "php" else bool(inline or found.loaders)
    found.merge(_page_signers(src, data, inline))
    if flavour == "jsp" and b"<%" in src.data and any(w in src.text for w in _JAVA_SIGNING):
        found.merge(_scriptlet_signers(src))
    if flavour == "blade" and (b"@php" in src.data or b"<?php" in src.data) and "JWT" in src.text:
        found.merge(_blade_signers(src))
    return found


def _script_tags(data: bytes, root: ts.Node, top_level_only: bool) -> list[_ScriptTag]:
    nodes = root.named_children if top_level_only else walk(root)
    tags = []
    for node in nodes:
        if node.type != "script_element":
            continue
        start = next((c for c in node.named_children if c.type == "start_tag"), None)
        body = next((c for c in node.named_children if c.type == "raw_text"), None)
        tags.append(_ScriptTag(node, _attributes(data, start), body))
    return tags


def _attributes(data: bytes, start: ts.Node | None) -> dict[str, tuple[str, ts.Node]]:
    attrs: dict[str, tuple[str, ts.Node]] = {}
    for attr in start.named_children if start is not None else ():
        if attr.type != "attribute":
            continue
        name = next((c for c in attr.named_children if c.type == "attribute_name"), None)
        if name is None:
            continue
        value_node = next((c for c in attr.named_children if c.type != "attribute_name"), None)
        if value_node is not None and value_node.type == "quoted_attribute_value":
            inner = next(iter(value_node.named_children), None)
            value_node = inner or value_node
            text = "" if inner is None else _text(data, inner)
        else:
            text = _text(data, value_node) if value_node is not None else ""
        attrs[_text(data, name).lower()] = (text, value_node or name)
    return attrs


def _text(data: bytes, node: ts.Node) -> str:
    return data[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _src_loader(view: Doc, tag: _ScriptTag) -> Loader | None:
    if "src" not in tag.attrs:
        return None
    url, node = tag.attrs["src"]
    hit = loader_for_url(url)
    if hit is None:
        return None
    line, col = view.pos(node)
    return Loader(hit[0], hit[1], line, col, is_async="async" in tag.attrs or "defer" in tag.attrs)


def _page_signers(src: Source, data: bytes, inline: list[_ScriptTag]) -> Found:
    """JWT signing in page scripts, read by the JavaScript signer extractor.

    The page is handed over as a JavaScript file in which everything outside its inline
    scripts is blank, so lines and columns stay those of the page.
    """
    found = Found()
    bodies = [t for t in inline
              if t.body is not None and _SIGNING.search(data, t.body.start_byte, t.body.end_byte)]
    if not bodies:
        return found
    try:
        js = importlib.import_module("migrate.lang.javascript.signers")
    except ImportError:
        return found
    for grammar in dict.fromkeys(t.grammar for t in bodies):
        blank = _blank_outside(data, [t.body for t in inline if t.grammar == grammar])  # type: ignore[misc]
        # the grammar names are the JavaScript languages: javascript, typescript, tsx
        script_src = Source(src.path, grammar, blank.decode("utf-8", "surrogateescape"), blank)
        try:
            signers = js.extract(script_src).signers
        except Exception as exc:  # the page's own facts must survive a signer extractor bug
            found.errors.append(FileError(
                src.path, f"internal error in the js extractor on page scripts ({type(exc).__name__}: {exc}); "
                "please report it with this file"))
            continue
        found.signers += [replace(s, browser=True) for s in signers]
    return found


def _blank_outside(data: bytes, bodies: list[ts.Node]) -> bytes:
    out = bytearray(data.translate(_BLANK))
    for body in bodies:
        out[body.start_byte:body.end_byte] = data[body.start_byte:body.end_byte]
        if body.start_byte > 0:
            out[body.start_byte - 1] = ord(";")  # scripts end statements where they end
    return bytes(out)


# --- JSP scriptlets: Java that signs on the server --------------------------------------------

def _embedded_signers(src: Source, language: str, view: bytes, what: str,
                      read: Callable[[Source], Found]) -> Found:
    """Signers in code embedded in a page, read by ``language``'s extractor from ``view`` (the
    page with everything but that code blank, so lines and columns are the page's).  The view
    is pieced together from fragments: its syntax errors are not the user's and are dropped."""
    found = Found()
    try:
        signers = read(Source(src.path, language, view.decode("utf-8", "surrogateescape"), view))
    except Exception as exc:  # the page's own facts must survive a signer extractor bug
        found.errors.append(FileError(
            src.path, f"internal error in the {language} extractor on {what} ({type(exc).__name__}: {exc}); "
            "please report it with this file"))
        return found
    found.signers += signers.signers
    return found


def _scriptlet_signers(src: Source) -> Found:
    """JWT signing in a JSP page's scriptlets (``<% String jwt = Jwts.builder()...compact(); %>``)."""
    java = importlib.import_module("migrate.lang.java.signers")
    return _embedded_signers(src, "java", scriptlet_view(src.data, java.SCRIPTLET_PRINT), "page scriptlets",
                             java.extract_scriptlets)


# --- Blade: PHP that signs in a view's @php blocks ---------------------------------------------

def _blade_signers(src: Source) -> Found:
    """JWT signing in a Blade view's ``@php ... @endphp`` and ``<?php ... ?>`` blocks."""
    php = importlib.import_module("migrate.lang.php.signers")
    found = _embedded_signers(src, "php", blade_php_view(src.data), "Blade @php blocks", php.extract)
    # A view is not served at its own path: the signer's route is the controller's, unknown here.
    found.signers = [replace(s, route=None) for s in found.signers]
    return found


_BLADE_PHP = re.compile(rb"(?<![\w@])@php(?=\s)(?P<body>.*?)@endphp", re.S)


def blade_php_view(data: bytes) -> bytes:
    """The PHP of a Blade view, everything else blank (same length, lines kept): ``@php`` blocks
    become ``<?  ... ?>`` (the short open tag fits where ``@php`` was), ``<?php`` blocks stay."""
    out = bytearray(data.translate(_BLANK))
    for m in _BLADE_PHP.finditer(data):
        start, body_end = m.start(), m.end("body")
        out[start:start + 4] = b"<?  "
        out[m.start("body"):body_end] = data[m.start("body"):body_end]
        out[body_end:body_end + 7] = b"?>     "
    pos = 0
    while (i := data.find(b"<?php", pos)) >= 0:
        close = data.find(b"?>", i + 5)
        end = len(data) if close < 0 else close + 2
        out[i:end] = data[i:end]
        pos = end
    return bytes(out)


def scriptlet_view(data: bytes, print_call: bytes = b"_p(") -> bytes:
    """The Java in a JSP page, everything else blank (same length, lines kept).

    ``<% code %>`` and ``<%! declarations %>`` keep their code; ``<%= expr %>`` becomes
    ``_p( expr );`` (``print_call`` is three bytes), a statement that prints into the page;
    directives, comments and the page text are blank.
    """
    out = bytearray(data.translate(_BLANK))
    pos = 0
    while True:
        i = data.find(b"<%", pos)
        if i < 0:
            return bytes(out)
        if data.startswith(b"<%--", i):
            close = data.find(b"--%>", i + 4)
            if close < 0:
                return bytes(out)
            pos = close + 4
            continue
        kind = data[i + 2:i + 3]
        close = data.find(b"%>", i + 2)
        end = len(data) if close < 0 else close
        if kind == b"=":
            out[i:end] = print_call + data[i + 3:end]
            if close >= 0:
                out[close:close + 2] = b");"
        elif kind != b"@":
            start = i + (3 if kind == b"!" else 2)
            out[start:end] = data[start:end]
        if close < 0:
            return bytes(out)
        pos = close + 2
