"""The scan stage API: inventory + rules -> findings.  The CLI and other stages call this."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migrate import files, rules
from migrate.contain import DEFAULT_MEMORY_MB as DEFAULT_FILE_MEMORY
from migrate.inventory import DEFAULT_FILE_TIMEOUT, Inventory, collect
from migrate.model import Finding


@dataclass(frozen=True)
class ScanResult:
    inventory: Inventory
    findings: tuple[Finding, ...]

    @property
    def failing(self) -> tuple[Finding, ...]:
        """Findings that fail a run (info findings are advice)."""
        return tuple(f for f in self.findings if f.severity in ("error", "warning"))


def scan(root: str, select: Sequence[str] = (), ignore: Sequence[str] = (), jobs: int | None = None,
         max_bytes: int = files.DEFAULT_MAX_BYTES, file_timeout: float = DEFAULT_FILE_TIMEOUT,
         paths: Sequence[str] | None = None, exclude: Sequence[str | files.Exclusion] = (),
         file_memory: int = DEFAULT_FILE_MEMORY, meanwhile: Callable[[], object] | None = None) -> ScanResult:
    """Scan a tree (or only paths inside it, less exclude: see files.walk).  Raises ValueError for
    an unknown rule selector or exclude pattern (before reading anything).  jobs is capped at the
    number of cores; file_timeout (seconds) and file_memory (MB) bound each file's analysis.
    meanwhile: what the caller wants loaded while the last files are analysed (its report)."""
    rules.check(select, ignore)
    files.excluder(exclude)
    chosen: list[tuple[rules.Rule, ...]] = []

    def load() -> None:  # the rules, what predicting generate's decisions takes, the caller's report
        chosen.append(rules.selection(select, ignore))
        from migrate.rules import _todos

        _todos.prepare()
        if meanwhile is not None:
            meanwhile()

    inv = collect(root, jobs=jobs, max_bytes=max_bytes, file_timeout=file_timeout, paths=paths,
                  exclude=exclude, file_memory=file_memory, meanwhile=load)
    if not chosen:
        chosen.append(rules.selection(select, ignore))
    return ScanResult(inv, tuple(rules.run(inv, chosen[0])))
