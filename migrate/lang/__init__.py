"""One package per language that scan and generate both read.

Each ``migrate.lang.<language>`` package holds the language's signer extractor (``signers``),
its helpers, its JWT libraries and its framework wirings (``frameworks/<name>.py``), and a
``LANGUAGE`` record: the file extensions, the prefilter needles, the libraries it signs with,
how each framework is recognised and what a route looks like in it, and the idioms a fix is
written in.  The shared engine (tree-sitter plumbing, value traits, pages and widgets, what
surrounds a signer) stays in ``migrate.extract``; the wiring engine in ``migrate.generate``.

The records are plain data: importing them costs nothing that a run does not need.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class Framework:
    """A web framework generate can wire; its route shapes are in the language's ``routes``."""

    name: str  # the wiring module: migrate.lang.<language>.frameworks.<name>
    recognise: re.Pattern[str]  # matches the text of a file that uses it (first match wins)


TODO_NEEDLE = b"TODO(migrate:"


@dataclass(frozen=True)
class Language:
    name: str  # the Signer.language of what it extracts (typescript signers say "typescript")
    extensions: dict[str, str]  # file extension -> source language (javascript | typescript | tsx ...)
    needles: tuple[bytes, ...]  # a candidate file holds one of these bytes (the walk's prefilter)
    gate: tuple[str, ...]  # the signer extractor runs only on text holding one of these
    libraries: tuple[str, ...]  # Signer.library values its extractor reports
    frameworks: tuple[Framework, ...]
    # Idioms a fix is written in: now in seconds, now + 5 minutes, to string, true.
    now: str
    now_plus_5_min: str
    to_string: str
    true: str = "true"
    # Needles on top of the walk's full set, for languages that read it (signing libraries whose
    # files need not say "jwt": `import { sign } from 'jsonwebtoken'`).
    extra_needles: tuple[bytes, ...] = ()
    widgets: bool = False  # files of this language are also read for widget code
    pages: bool = False  # files of this language are also pages (PHP)
    dialects: tuple[str, ...] = field(default=())  # other source-language names it covers

    def __post_init__(self) -> None:
        # A file `migrate generate` left a TODO in is read whatever else it holds: scan reports it.
        if TODO_NEEDLE not in self.extra_needles:
            object.__setattr__(self, "extra_needles", (*self.extra_needles, TODO_NEEDLE))

    @property
    def package(self) -> str:
        return f"{__name__}.{self.name}"

    def signers(self):
        """The signer extractor module (``extract(src) -> Found``), imported on first use."""
        return importlib.import_module(f"{self.package}.signers")

    def framework(self, name: str) -> Framework | None:
        return next((f for f in self.frameworks if f.name == name), None)

    def recognise(self, text: str) -> str | None:
        """The framework a file of this language uses, or None."""
        return next((f.name for f in self.frameworks if f.recognise.search(text)), None)


NAMES = ("javascript", "python", "csharp", "java", "go", "ruby", "php")


@cache
def all_languages() -> tuple[Language, ...]:
    return tuple(importlib.import_module(f"{__name__}.{n}").LANGUAGE for n in NAMES)


@cache
def by_source() -> dict[str, Language]:
    """Source-language name (javascript, typescript, tsx, python...) -> its record."""
    return {src: lang for lang in all_languages() for src in (lang.name, *lang.dialects)}


def of(source_language: str) -> Language | None:
    return by_source().get(source_language)


@cache
def extensions() -> dict[str, str]:
    return {ext: src for lang in all_languages() for ext, src in lang.extensions.items()}


def libraries() -> tuple[str, ...]:
    return tuple(lib for lang in all_languages() for lib in lang.libraries)


def frameworks() -> tuple[str, ...]:
    return tuple(f.name for lang in all_languages() for f in lang.frameworks)


def standalone(source_language: str):
    """The language's wiring for a framework it does not recognise (``frameworks/standalone.py``:
    the provider module beside the signer and a TODO where to mount it), or None."""
    record = of(source_language)
    if record is None:
        return None
    try:
        return importlib.import_module(f"{record.package}.frameworks.standalone")
    except ModuleNotFoundError as exc:
        if exc.name != f"{record.package}.frameworks.standalone":
            raise
        return None


def wiring(framework: str):
    """The wiring module of a framework (``wire(ctx) -> Wiring``)."""
    for lang in all_languages():
        if lang.framework(framework) is not None:
            return importlib.import_module(f"{lang.package}.frameworks.{framework}")
    raise KeyError(framework)
