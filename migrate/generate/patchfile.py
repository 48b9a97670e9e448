"""The reviewed patch: a unified diff `git apply` takes, behind a header of `# ` lines it ignores.

The header says which version of the tool made the patch, from which inputs (flags, never
secrets), whether the provider needs its client secret and signing key (`migrate keys`), each
file's state before and after (SHA-256 of its bytes), and the rule behind each hunk. `migrate
apply` reads it back: every file must still be exactly as the patch expects, the hunks must give
exactly the recorded result, and then the change set is written all or nothing
(migrate.generate.changes).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from migrate import __version__
from migrate.generate.changes import (
    ChangeSet,
    FileChange,
    SourceFile,
    StaleFile,
    _diff,
    safe_target,
)
from migrate.generate.redact import matches

MAGIC = "# migrate patch 1"
MASKED = "# masked:"
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_LINE = re.compile(r"^line (\d+):")


class PatchError(ValueError):
    """Not a patch `migrate apply` can take as it is: nothing was written."""


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _bytes(text: str, bom: bool) -> bytes:
    return (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: tuple[str, ...]  # " x\n", "-x\n", "+x" (the last line of a file may lack its newline)

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_count} +{self.new_start},{self.new_count} @@"


def hunks(change: FileChange) -> list[Hunk]:
    """The hunks of one file's diff, as the patch shows them."""
    return _sections(_diff(change)).get(change.path, _Section(change.path)).hunks


def hunk_reasons(change: FileChange, reasons: tuple[str, ...]) -> list[tuple[Hunk, list[str]]]:
    """Each hunk with the reasons behind it: a reason naming "line N" (of the new file) goes to the
    hunk holding that line (or the nearest), the indented lines under a reason go with it, the
    others to the first hunk."""
    found = hunks(change)
    if not found:
        return []
    out: list[tuple[Hunk, list[str]]] = [(h, []) for h in found]
    current = 0
    for reason in reasons:
        m = _LINE.match(reason)
        if m:
            n = int(m.group(1))
            current = min(range(len(found)), key=lambda i: 0 if found[i].new_start <= n < found[i].new_start
                          + max(found[i].new_count, 1) else min(abs(n - found[i].new_start),
                                                                abs(n - found[i].new_start - found[i].new_count)))
        elif not reason.startswith(" "):
            current = 0
        out[current][1].append(reason)
    return out


def render(changes: ChangeSet, inputs: str, keys_issuer: str | None = None) -> str:
    """The patch file: the header, then the diff ("" when nothing changes)."""
    diff = changes.diff()
    if not diff:
        return ""
    described = changes.described()
    prefix_len = {c.path: len(c.path) + 2 for c in changes.changes}
    reasons = {c.path: tuple(line[prefix_len[c.path]:] for line in described if line.startswith(c.path + ": "))
               for c in changes.changes}
    files = sorted((c for c in changes.changes if c.changed), key=lambda c: c.path)
    total_add = total_del = 0
    head = [f"{MAGIC}: `migrate apply FILE` checks and writes it; git apply ignores these lines",
            f"# tool: migrate {__version__}",
            f"# inputs: {inputs}"]
    if keys_issuer:
        head.append(f"# keys: {keys_issuer} (the provider's client secret and signing key: `migrate keys` makes "
                    "them, outside the project)")
    rows, rules = [], []
    for c in files:
        added, removed = c.stat()
        total_add, total_del = total_add + added, total_del + removed
        state = "new" if c.new else "deleted" if c.deleted else "changed"
        before = "-" if c.before is None else digest(_bytes(c.before.text, c.before.bom))
        after = "-" if c.after is None else digest(_bytes(c.after, bool(c.before and c.before.bom)))
        rows.append(f"# file: {state} +{added} -{removed} {before} {after} {c.path}")
        placed = hunk_reasons(c, reasons.get(c.path, ()))
        main = next((w[0] for _, w in placed for w in [[r for r in w if _LINE.match(r)]] if w), None)
        for hunk, why in placed:
            rules.append(f"# {c.path} {hunk.header}")
            if not why:  # an import, a dependency line: part of the file's main change
                m = _LINE.match(main or "")
                why = [f"part of the change at line {m.group(1)}" if m else "part of the change to this file"]
            rules += [f"#   {line}" for line in why]
    head.append(f"# files: {len(files)}, +{total_add} -{total_del} lines")
    if any(_diff(c) != _diff(c, hide_secrets=False) for c in files):
        head.append(f"{MASKED} lines holding a literal secret are shown with *** in place of the value; "
                    "`migrate apply FILE` takes them (git apply does not)")
    head += rows
    head.append("# the rule behind each hunk:")
    head += rules
    return "\n".join(head) + "\n\n" + diff


@dataclass
class _Section:
    path: str
    new: bool = False
    deleted: bool = False
    hunks: list[Hunk] = field(default_factory=list)


def _sections(diff: str) -> dict[str, _Section]:
    """The files of a diff as _diff writes them (paths from the `diff --git` line)."""
    out: dict[str, _Section] = {}
    section: _Section | None = None
    lines = diff.split("\n")
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("diff --git a/"):
            body = line[len("diff --git a/"):].rstrip("\n")
            half = (len(body) - 3) // 2  # "P b/P": the two halves are the same path
            path = body[:half]
            if body[half:half + 3] != " b/" or body[half + 3:] != path:
                raise PatchError(f"cannot read the file name in: {line.rstrip()}")
            section = out[path] = _Section(path)
        elif section is not None and line.startswith("new file mode"):
            section.new = True
        elif section is not None and line.startswith("deleted file mode"):
            section.deleted = True
        elif section is not None and (m := _HUNK.match(line)):
            old_count = int(m.group(2)) if m.group(2) is not None else 1
            new_count = int(m.group(4)) if m.group(4) is not None else 1
            body_lines: list[str] = []
            seen_old = seen_new = 0
            i += 1
            while i < len(lines) and (seen_old < old_count or seen_new < new_count
                                      or lines[i].startswith("\\")):
                text = lines[i]
                if text.startswith("\\"):  # "\ No newline at end of file": the line before has none
                    if body_lines:
                        body_lines[-1] = body_lines[-1].removesuffix("\n")
                    i += 1
                    continue
                kind = text[:1]
                if kind not in (" ", "-", "+"):
                    raise PatchError(f"{section.path}: a hunk ends early ({line.strip()})")
                seen_old += kind in " -"
                seen_new += kind in " +"
                body_lines.append(text)
                i += 1
            if seen_old != old_count or seen_new != new_count:
                raise PatchError(f"{section.path}: a hunk is cut short ({line.strip()})")
            section.hunks.append(Hunk(int(m.group(1)), old_count, int(m.group(3)), new_count, tuple(body_lines)))
            continue
        i += 1
    return out


@dataclass(frozen=True)
class FileEntry:
    state: str  # new | changed | deleted
    before: str | None  # sha256:... of the bytes the patch expects
    after: str | None  # sha256:... of the bytes it writes
    path: str


@dataclass(frozen=True)
class Patch:
    version: str
    inputs: str
    keys_issuer: str | None
    files: tuple[FileEntry, ...]
    sections: dict[str, _Section]
    masked: bool = False  # some quoted lines hold a secret shown as ***: git apply cannot take it

    def take_back(self, patch: str) -> str:
        """How to undo the patch once applied."""
        if not self.masked:
            return f"`git apply -R {patch}` takes it back"
        return ("`git checkout` of the changed files and removing the new ones takes it back (not `git apply -R`: "
                "the patch shows a secret masked)")

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    def change_set(self, root: Path) -> ChangeSet:
        """The patch as a change set over ``root``, after checking that every file is exactly as
        the patch expects and that its hunks give exactly the recorded result. Raises StaleFile
        (a file is not as expected) or PatchError (the patch itself is not coherent)."""
        changes = []
        stale = []
        for entry in self.files:
            target = safe_target(root, entry.path)
            section = self.sections.get(entry.path)
            if section is None:
                raise PatchError(f"{entry.path}: listed in the header but not in the diff; the patch was edited")
            if entry.state == "new":
                if target.exists() or target.is_symlink():
                    stale.append(f"{entry.path} exists already (the patch creates it)")
                    continue
                before = None
                old_text = ""
            else:
                try:
                    raw = target.read_bytes()
                except OSError as exc:
                    stale.append(f"{entry.path} cannot be read ({exc.strerror})")
                    continue
                if digest(raw) != entry.before:
                    stale.append(f"{entry.path} is not as the patch expects (changed since the patch was made)")
                    continue
                before = SourceFile.read(root, entry.path)
                old_text = before.text
            try:
                after = None if entry.state == "deleted" else _apply_hunks(old_text, section.hunks, entry.path)
            except PatchError as exc:
                raise PatchError(f"{entry.path}: {exc}; the patch was edited since migrate wrote it") from None
            if after is not None and digest(_bytes(after, bool(before and before.bom))) != entry.after:
                raise PatchError(f"{entry.path}: its hunks do not give what the header records; the patch was edited "
                                 "since migrate wrote it")
            changes.append(FileChange(entry.path, before, after))
        if stale:
            raise StaleFile("; ".join(stale))
        return ChangeSet(root, tuple(changes))


def _split(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _apply_hunks(text: str, found: list[Hunk], path: str = "") -> str:
    """Apply hunks exactly where they say, every context and removed line checked: no fuzz. A line
    shown masked (it holds a literal secret) matches the file's line that masks to it."""
    old = _split(text)
    out: list[str] = []
    at = 0  # index into old
    for h in found:
        start = h.old_start - 1 if h.old_count else h.old_start
        if start < at or start > len(old):
            raise PatchError(f"hunk {h.header} is out of place")
        out += old[at:start]
        at = start
        for line in h.lines:
            kind, body = line[0], line[1:]
            if kind == "+":
                out.append(body)
                continue
            if at >= len(old) or not (old[at] == body or matches(body, old[at], path)):
                raise PatchError(f"hunk {h.header} does not match the file at line {at + 1}")
            if kind == " ":
                out.append(old[at])  # the file's own line (the patch may show it masked)
            at += 1
    out += old[at:]
    return "".join(out)


def parse(text: str) -> Patch:
    """Read a patch `migrate generate` wrote. Raises PatchError."""
    if not text.startswith(MAGIC):
        raise PatchError("not a patch made by `migrate generate` (it starts with no `# migrate patch` header)")
    head, sep, diff = text.partition("\ndiff --git ")
    if not sep:
        raise PatchError("the patch holds no diff")
    version = inputs = ""
    keys_issuer = None
    masked = False
    files = []
    for line in head.splitlines():
        masked = masked or line.startswith(MASKED)
        if line.startswith("# tool: migrate "):
            version = line[len("# tool: migrate "):].strip()
        elif line.startswith("# inputs: "):
            inputs = line[len("# inputs: "):]
        elif line.startswith("# keys: "):
            keys_issuer = line[len("# keys: "):].split(" ", 1)[0]
        elif line.startswith("# file: "):
            parts = line[len("# file: "):].split(" ", 5)
            if len(parts) != 6 or parts[0] not in ("new", "changed", "deleted"):
                raise PatchError(f"cannot read the header line: {line}")
            state, _, _, before, after, path = parts
            files.append(FileEntry(state, None if before == "-" else before, None if after == "-" else after, path))
    if not files:
        raise PatchError("the header lists no files")
    sections = _sections("diff --git " + diff)
    extra = sorted(set(sections) - {f.path for f in files})
    if extra:
        raise PatchError(f"{extra[0]}: in the diff but not in the header; the patch was edited since migrate wrote it")
    return Patch(version, inputs, keys_issuer, tuple(files), sections, masked)
