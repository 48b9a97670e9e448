"""Extractors: one module per language (signers) plus the widget and page extractors.

``extract(src)`` (migrate/extract/dispatch.py) runs every extractor that applies to a file and
never raises: an extractor bug becomes a FileError for that file and the scan goes on.  This
module itself only names file types, so that the file walk can start before the parsers load.
"""

from __future__ import annotations

from migrate import lang

# Server-template and page flavours: they decide which template tags are masked.
PAGE_EXTENSIONS = {
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".erb": "erb", ".ejs": "erb", ".aspx": "asp", ".ascx": "asp", ".master": "asp",
    ".cshtml": "razor", ".razor": "razor", ".vbhtml": "razor",
    ".jsp": "jsp", ".jspx": "jsp", ".jspf": "jsp", ".tag": "jsp",
    ".j2": "jinja", ".jinja": "jinja", ".jinja2": "jinja", ".njk": "jinja", ".twig": "jinja",
    ".liquid": "jinja", ".hbs": "jinja", ".handlebars": "jinja", ".mustache": "jinja",
    ".tpl": "smarty",  # Smarty (PrestaShop, XOOPS...), or a Go template: both are masked
    ".vue": "vue", ".svelte": "vue",
}
CODE_EXTENSIONS = lang.extensions()


def language_for(name: str) -> str | None:
    """The language of a file name: a code language, or page:<flavour> for pages/templates."""
    lower = name.lower()
    if lower.endswith(".blade.php"):
        return "page:blade"
    dot = lower.rfind(".")
    if dot < 0:
        return None
    ext = lower[dot:]
    if ext in CODE_EXTENSIONS:
        return CODE_EXTENSIONS[ext]
    if ext in PAGE_EXTENSIONS:
        return "page:" + PAGE_EXTENSIONS[ext]
    return None


# What migrate/extract/dispatch.py provides, loaded on first use.
_DISPATCH = frozenset({"extract", "warm", "pathological", "suppressions", "generated_markers", "LIBRARIES",
                       "MAX_NESTING", "MAX_OPEN_ANGLES", "MAX_PREFIX_RUN", "MAX_LINE"})


def __getattr__(name: str):
    if name in _DISPATCH:
        from migrate.extract import dispatch

        return getattr(dispatch, name)
    raise AttributeError(f"module 'migrate.extract' has no attribute {name!r}")
