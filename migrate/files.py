"""Finding, prefiltering and decoding the files a scan reads.

The walk never follows directory symlinks (no loops), honours .gitignore files at every
level, and skips the usual dependency and build folders.  A cheap byte search picks the
candidate files; only those are decoded and parsed.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pathspec

from migrate import lang
from migrate.extract import language_for
from migrate.model import FileError

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "vendor", "dist",
                       "build", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", ".next",
                       "bower_components", "target", ".idea", ".gradle", "bin", "obj"})

# A candidate file holds at least one of these.  Each byte search runs at memchr-like speed
# (~1.6 GB/s), far faster than a regex alternation, and most files fail all of them, so the
# lists are short: "wt"/"WT" stand for jwt, Jwt and JWT; "endesk" for zendesk and Zendesk.
SIGNER_NEEDLES = (b"wt", b"WT")
NEEDLES = SIGNER_NEEDLES + (b"zE", b"zopim", b"zdassets", b"endesk", b"ININ", b"enesys",
                            b"purecloud", b"pure.cloud", b"webchat", b"signeddata", b"Smooch")
# Back-end languages are only read for signing code; pages and scripts for everything.
_NEEDLES_FOR = {src: (record.needles or NEEDLES) + record.extra_needles
                for src, record in lang.by_source().items() if record.needles or record.extra_needles}
# Files that register the routes of handlers written elsewhere (see migrate/lang/*/routes.py):
# always read, whatever they hold, so that a signer's route is found.  Picked by name: a needle
# such as "route" would let most of a code base through.
_ROUTE_FILES = frozenset({"urls.py", "Program.cs", "Startup.cs", "main.go", "routes.go", "router.go",
                          "server.go"})


def registers_routes(rel: str) -> bool:
    """config/routes.rb, routes/*.php, urls.py, Program.cs / Startup.cs, main.go, routes.go..."""
    slash = rel.rfind("/")
    name = rel[slash + 1:]
    if name in _ROUTE_FILES:
        return True
    folder = rel[:slash] if slash >= 0 else ""
    in_config = folder == "config" or folder.endswith("/config")
    return (name == "routes.rb" and in_config) or \
        (name.endswith(".php") and (in_config or folder == "routes" or folder.endswith("/routes")))

DEFAULT_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str  # absolute
    rel: str  # relative to the root, forward slashes
    language: str


def walk(root: str, paths: Sequence[str] | None = None,
         exclude: Sequence[str | Exclusion] = ()) -> Iterator[Candidate | FileError]:
    """Every file with a language we read, below root (or root itself when it is a file).

    With paths (folders and files inside root), only those, each once, with paths relative to
    root; a folder's walk honours the .gitignore files from root down, a file named on its own is
    read whatever they say.  exclude: gitignore-style patterns, relative to root, that drop
    folders and files, named ones too (ValueError for a pattern that cannot be read)."""
    spec = excluder(exclude)
    if paths is None:
        if os.path.isdir(root):
            yield from _walk_folder(root, "", (), spec)
        elif not _excluded(spec, os.path.basename(root), False):
            yield from _one_file(root, os.path.basename(root))
        return
    seen: set[tuple[str, str]] = set()
    for path in paths:
        path = os.path.abspath(path)
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        rel = "" if rel == "." else rel
        if rel == ".." or rel.startswith("../"):
            raise ValueError(f"{path} is not inside {root}")
        if os.path.isdir(path):
            items = () if rel and _excluded(spec, rel, True) else \
                _walk_folder(path, rel, _gitignores_above(root, rel), spec)
        else:
            items = () if _excluded(spec, rel, False) else _one_file(path, rel)
        for item in items:
            key = ("file", item.rel) if isinstance(item, Candidate) else (item.path, item.message)
            if key not in seen:
                seen.add(key)
                yield item


@dataclass(frozen=True, slots=True)
class Exclusion:
    """gitignore-style patterns read relative to a folder above the scan's root (a settings
    file's): prefix is the root's path from that folder, "" or ending in "/"."""

    spec: pathspec.PathSpec
    prefix: str = ""

    def __call__(self, rel: str, is_dir: bool) -> bool:
        return self.spec.match_file(self.prefix + rel + ("/" if is_dir else ""))


def exclusions(patterns: Sequence[str], prefix: str = "") -> Exclusion | None:
    """Patterns as one gitignore spec (a later `!pattern` re-includes); ValueError names a bad one."""
    patterns = [p for p in patterns if p.strip()]
    if not patterns:
        return None
    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except (ValueError, re.error) as exc:
            raise ValueError(f"exclude pattern {pattern!r} is not a gitignore pattern ({exc})") from None
    return Exclusion(pathspec.GitIgnoreSpec.from_lines(patterns), prefix)


def excluder(exclude: Sequence[str | Exclusion]) -> Callable[[str, bool], bool] | None:
    """One test for every exclusion: plain strings are patterns relative to the root."""
    tests = [e for e in exclude if isinstance(e, Exclusion)]
    plain = exclusions([e for e in exclude if isinstance(e, str)])
    if plain is not None:
        tests.append(plain)
    if not tests:
        return None
    return lambda rel, is_dir: any(t(rel, is_dir) for t in tests)


def _excluded(excluded: Callable[[str, bool], bool] | None, rel: str, is_dir: bool) -> bool:
    return excluded is not None and excluded(rel, is_dir)


def _one_file(path: str, rel: str) -> Iterator[Candidate | FileError]:
    lang = language_for(os.path.basename(path))
    if not os.path.exists(path):
        yield FileError(rel, "no such file; skipped")
    elif not os.path.isfile(path):
        yield FileError(rel, "not a regular file (fifo, socket or device); skipped")
    elif lang is None:
        yield FileError(rel, "not a file type migrate reads (pages, templates, JS/TS, Python, C#, "
                             "Java, Go, Ruby, PHP); skipped")
    else:
        yield Candidate(path, rel, lang)


def _gitignores_above(root: str, rel: str) -> tuple[tuple[str, pathspec.PathSpec], ...]:
    """The .gitignore specs of root and of every folder between it and rel (rel's own excluded)."""
    specs: tuple[tuple[str, pathspec.PathSpec], ...] = ()
    parts = rel.split("/")[:-1] if rel else []
    for depth in range(len(parts) + 1):
        base = "/".join(parts[:depth])
        spec = _gitignore(os.path.join(root, *parts[:depth]))
        if spec is not None:
            specs = specs + ((base, spec),)
    return specs


def _walk_folder(top: str, top_rel: str, specs: tuple[tuple[str, pathspec.PathSpec], ...],
                 exclude: Callable[[str, bool], bool] | None) -> Iterator[Candidate | FileError]:
    stack: list[tuple[str, str, tuple[tuple[str, pathspec.PathSpec], ...]]] = [(top, top_rel, specs)]
    while stack:
        directory, rel_dir, specs = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            yield FileError(rel_dir or ".", f"cannot read this folder ({exc.strerror}); skipped")
            continue
        spec = _gitignore(directory)
        if spec is not None:
            specs = specs + ((rel_dir, spec),)
        subdirs = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name in SKIP_DIRS or _ignored(specs, rel, True) or _excluded(exclude, rel, True):
                    continue
                subdirs.append((entry.path, rel, specs))
                continue
            lang = language_for(entry.name)
            if lang is None or _ignored(specs, rel, False) or _excluded(exclude, rel, False):
                continue
            problem = _not_regular(entry)
            if problem == "folder":
                continue  # links to folders are not followed (no loops)
            if problem:
                yield FileError(rel, f"{problem}; skipped")
                continue
            yield Candidate(entry.path, rel, lang)
        stack.extend(reversed(subdirs))


def _not_regular(entry: os.DirEntry) -> str | None:
    """Why a directory entry cannot be read as a file (None when it can)."""
    try:
        if entry.is_file(follow_symlinks=True):
            return None
        if entry.is_dir(follow_symlinks=True):
            return "folder"
    except OSError as exc:
        return f"broken or looping symlink ({exc.strerror})"
    if entry.is_symlink() and not os.path.exists(entry.path):
        return "broken symlink"
    # FIFOs and sockets would block or fail on open.
    return "not a regular file (fifo, socket or device)"


def _gitignore(directory: str) -> pathspec.PathSpec | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    # git skips a pattern it cannot read; so does the scan (one bad line must not stop it).
    good = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (ValueError, re.error):
            continue
        good.append(line)
    return pathspec.GitIgnoreSpec.from_lines(good)


def _ignored(specs: tuple[tuple[str, pathspec.PathSpec], ...], rel: str, is_dir: bool) -> bool:
    # The deepest .gitignore that says something about the path wins (a `!keep.js` re-includes).
    for base, spec in reversed(specs):
        sub = rel[len(base) + 1:] if base else rel
        verdict = spec.check_file(sub + "/" if is_dir else sub).include
        if verdict is not None:
            return verdict
    return False


@dataclass(frozen=True, slots=True)
class Read:
    """A candidate after reading: text to parse, or why not."""

    text: str | None
    error: FileError | None = None  # fatal for this file when text is None, a note otherwise
    candidate: bool = True  # False: passed the prefilter's "not interesting" test


def read(c: Candidate, max_bytes: int = DEFAULT_MAX_BYTES) -> Read:
    try:
        with open(c.path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        hint = " (check its permissions)" if isinstance(exc, PermissionError) else ""
        return Read(None, FileError(c.rel, f"cannot read: {reason}{hint}; skipped"))
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    needles = _NEEDLES_FOR.get(c.language, NEEDLES)
    if not utf16 and not any(n in data for n in needles) and not registers_routes(c.rel):
        return Read(None, candidate=False)
    if len(data) > max_bytes:
        size = os.path.getsize(c.path) / 1_048_576
        return Read(None, FileError(c.rel, f"{size:.1f} MB is over the {max_bytes // 1_048_576} MB "
                                    "limit for one file; skipped (raise it with --max-file-size)"))
    if b"\0" in data[:8192] and not utf16:
        return Read(None, FileError(c.rel, "binary content (NUL bytes) in a source file; skipped"))
    read = decode(c.rel, data)
    if utf16 and read.text is not None and not any(n in read.text.encode() for n in needles) and \
            not registers_routes(c.rel):
        return Read(None, candidate=False)  # UTF-16 hides the needles from the byte search
    return read


def decode(rel: str, data: bytes) -> Read:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is read with
    replacement characters and said so."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Read(data.decode("utf-16"))
        except UnicodeDecodeError:
            return Read(None, FileError(rel, "starts with a UTF-16 mark but is not UTF-16; skipped"))
    try:
        return Read(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Read(data.decode("utf-8", "replace"), FileError(
            rel, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); read with replacement "
            "characters; save it as UTF-8 for exact results", line))
