"""Stage 3: the change set. A reviewable unified diff (git apply takes it), or an atomic apply.

Files are read once, with their encoding (UTF-8 with or without BOM) and line endings kept;
`apply` refuses to touch a file that changed since it was read, writes each file through a
temporary file and a rename, and a second run over the result is a no-op.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


class StaleFile(RuntimeError):
    """A file changed between the diff and --apply: nothing was written."""


class UnsafeTarget(StaleFile):
    """A change would write outside the project or through a symbolic link: nothing was written."""


def safe_target(root: Path, rel: str) -> Path:
    """The file ``rel`` names inside ``root``, refusing a path that leaves the project (absolute,
    ``..``) or passes through a symbolic link (a link could point anywhere, and replacing a linked
    file with a regular one would silently unlink it)."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
        raise UnsafeTarget(f"refusing to write {rel!r}: not a plain path inside the project")
    base = root.resolve()
    here = base
    for part in parts:
        here = here / part
        if here.is_symlink():
            raise UnsafeTarget(f"refusing to write {rel}: {here.relative_to(base)} is a symbolic link")
    if not here.resolve().is_relative_to(base):
        raise UnsafeTarget(f"refusing to write {rel}: it resolves outside the project")
    return here


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative, forward slashes
    text: str  # decoded, line endings as in the file
    bom: bool = False

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8", "surrogateescape")

    @classmethod
    def read(cls, root: Path, rel: str) -> SourceFile:
        raw = _regular_bytes(root / rel)
        bom = raw.startswith(codecs.BOM_UTF8)
        return cls(rel, raw[3 if bom else 0:].decode("utf-8", "surrogateescape"), bom)


def _regular_bytes(path: Path) -> bytes:
    """A file's bytes; nothing for a link that leads nowhere or what is not a regular file (a fifo
    named like a source file would block the read for ever)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return b""
    with os.fdopen(fd, "rb") as fh:
        return fh.read() if stat.S_ISREG(os.fstat(fd).st_mode) else b""


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (character offsets) with `text`."""

    start: int
    end: int
    text: str


def apply_edits(text: str, edits: list[Edit]) -> str:
    out = text
    last = len(text) + 1
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        if e.end > last:
            raise ValueError(f"overlapping edits at {e.start}-{e.end}")
        out = out[:e.start] + e.text + out[e.end:]
        last = e.start
    return out


def with_newlines(text: str, newline: str) -> str:
    """Generated text uses \\n; a CRLF file gets CRLF."""
    return text.replace("\r\n", "\n").replace("\n", newline) if newline != "\n" else text


@dataclass(frozen=True)
class FileChange:
    path: str
    before: SourceFile | None  # None: a new file
    after: str | None  # None: the file is deleted (a cut-over removing a file only Zendesk used)
    reasons: tuple[str, ...] = ()
    secret_lines: frozenset[int] = frozenset()  # lines of `before` the scan found a literal secret on

    @property
    def new(self) -> bool:
        return self.before is None

    @property
    def deleted(self) -> bool:
        return self.after is None

    @property
    def changed(self) -> bool:
        return self.before is None or self.after is None or self.before.text != self.after

    def new_line(self, n: int) -> int:
        """Where the change's "line N" is in the new file. Most reasons name a line of the file as
        it was (the Zendesk call they replace), a few a line of the new text (where the provider is
        mounted): an old line that was changed, or that the unchanged text carries, is mapped to
        the new file; a number that only names changed new text is kept."""
        if self.before is None or self.after is None:
            return n
        old, new = _lines(self.before.text), _lines(self.after)
        ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()

        def block(i: int, side: int):
            return next((op for op in ops if op[1 + 2 * side] <= i < op[2 + 2 * side]), None)

        at_old, at_new = block(n - 1, 0), block(n - 1, 1)
        if at_old is None or (at_old[0] == "equal" and at_new is not None and at_new[0] != "equal"):
            return n
        tag, i1, _, j1, _ = at_old
        if tag == "equal":
            return j1 + (n - 1 - i1) + 1
        return max(1, min(j1 + 1, len(new)))  # a changed line: the first line of what replaced it

    def stat(self) -> tuple[int, int]:
        """Lines added and removed."""
        added = removed = 0
        for line in _diff(self).splitlines():
            if line.startswith("+") and not line.startswith("+++"):
                added += 1
            elif line.startswith("-") and not line.startswith("---"):
                removed += 1
        return added, removed


@dataclass(frozen=True)
class ChangeSet:
    root: Path
    changes: tuple[FileChange, ...]
    summary: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not any(c.changed for c in self.changes)

    def described(self) -> tuple[str, ...]:
        """The summary, its "line N" counted in the new files (where a reviewer finds them)."""
        by_path = {c.path: c for c in self.changes}

        def renumber(line: str) -> str:
            m = _LINE_REF.match(line)
            change = by_path.get(m.group(1)) if m else None
            if change is None:
                return line
            return f"{m.group(1)}: line {change.new_line(int(m.group(2)))}:" + line[m.end():]

        return tuple(renumber(line) for line in self.summary)

    def uncommitted(self) -> list[str]:
        """The files this change set touches that have uncommitted changes (git status), when the
        project is a git work tree; [] when it is not one or git is missing."""
        return uncommitted(self.root, [c.path for c in self.changes if c.changed])

    def diff(self) -> str:
        return "".join(_diff(c) for c in sorted(self.changes, key=lambda c: c.path))

    def with_secrets_of(self, inventory) -> ChangeSet:
        """The same changes, each knowing the lines the scan found a literal secret on (a patch
        shows them masked)."""
        from dataclasses import replace

        from migrate.generate.redact import known_lines

        return replace(self, changes=tuple(
            replace(c, secret_lines=known_lines(inventory, c.path, c.before.text)) if c.before is not None else c
            for c in self.changes))

    def apply(self) -> list[str]:
        """Write every change, or nothing: nothing when any file changed since it was read or a
        target is unsafe; and when a write fails half-way, the files already written are put back."""
        for c in self.changes:
            target = safe_target(self.root, c.path)
            if c.new:
                if target.exists():
                    raise StaleFile(f"{c.path} appeared since the diff was made; run generate again")
            else:
                try:
                    now = SourceFile.read(self.root, c.path)
                except OSError as exc:
                    raise StaleFile(f"{c.path} cannot be read any more ({exc.strerror})") from None
                if now != c.before:
                    raise StaleFile(f"{c.path} changed since the diff was made; run generate again and review")
        written: list[FileChange] = []
        try:
            for c in self.changes:
                if not c.changed:
                    continue
                if c.after is None:
                    (self.root / c.path).unlink()
                else:
                    _atomic_write(self.root / c.path, c.after, bom=bool(c.before and c.before.bom))
                written.append(c)
        except OSError as exc:
            self._put_back(written)
            raise StaleFile(f"{c.path} cannot be written ({exc.strerror}); the {len(written)} file(s) "
                            "written before it were put back") from None
        return [c.path for c in written]

    def _put_back(self, written: list[FileChange]) -> None:
        for c in reversed(written):
            target = self.root / c.path
            if c.before is None:
                target.unlink(missing_ok=True)
            else:
                _atomic_write(target, c.before.text, bom=c.before.bom)


_LINE_REF = re.compile(r"^([^:\n]+): line (\d+):")


def uncommitted(root: Path, paths: list[str]) -> list[str]:
    """Of ``paths`` (relative to ``root``), those git reports as modified, added, deleted or
    untracked-in-the-way; [] outside a git work tree."""
    if not paths:
        return []
    try:
        inside = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=30, check=False)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return []
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain=v1", "-z", "--untracked-files=all",
                                 "--", *paths], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    if status.returncode != 0:
        return []
    prefix = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-prefix"], capture_output=True, text=True,
                            timeout=30, check=False).stdout.strip()
    entries = status.stdout.decode("utf-8", "surrogateescape").split("\0")
    dirty, skip = [], False
    for entry in entries:
        if skip:  # the source of a rename
            skip = False
            continue
        if len(entry) < 4:
            continue
        code, name = entry[:2], entry[3:]
        if code[0] in "RC":
            skip = True
        rel = name[len(prefix):] if prefix and name.startswith(prefix) else name
        dirty.append(rel)
    wanted = set(paths)
    return sorted(p for p in dict.fromkeys(dirty) if p in wanted)


def _atomic_write(target: Path, text: str, bom: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8", "surrogateescape")
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".migrate")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    # splitlines also splits on \x0c, \u2028...; diff on real line breaks only
    out: list[str] = []
    for line in lines:
        if out and not out[-1].endswith("\n"):
            out[-1] += line
        else:
            out.append(line)
    return out


def _diff(c: FileChange, hide_secrets: bool = True) -> str:
    """The file's unified diff, as printed and written: the old lines that hold a literal secret
    (context or removed) are shown masked (migrate.generate.redact)."""
    before = _lines(c.before.text) if c.before else []
    after = _lines(c.after) if c.after is not None else []
    if before == after and not c.deleted:
        return ""
    head = [f"diff --git a/{c.path} b/{c.path}\n"]
    if c.new:
        head.append("new file mode 100644\n")
    elif c.deleted:
        head.append("deleted file mode 100644\n")
    body = []
    lines = list(difflib.unified_diff(before, after, "/dev/null" if c.new else f"a/{c.path}",
                                      "/dev/null" if c.deleted else f"b/{c.path}", n=3))
    if hide_secrets and c.before is not None and lines:  # the file's own lines a patch quotes: no literal secret shown
        from migrate.generate.redact import masked

        lines[2:], _ = masked(lines[2:], c.before.text, c.path, c.secret_lines)
    for line in lines:
        if line.startswith(("---", "+++")) and len(body) < 2:
            body.append(line.rstrip("\r\n") + "\n")
        elif line.endswith("\n"):
            body.append(line)
        else:  # the last line of a file without a final newline
            body.append(line + "\n\\ No newline at end of file\n")
    return "".join(head + body)
