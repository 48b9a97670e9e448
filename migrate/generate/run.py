"""The generate stage API: scan -> plan -> change set, plus what to enter in Genesys."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from migrate import contain, lang
from migrate.generate import backends, mapping, reparse
from migrate.generate import idp as idp_path
from migrate.generate.changes import ChangeSet, Edit, FileChange, SourceFile, apply_edits
from migrate.generate.config import Config
from migrate.generate.genesys_side import GenesysSide, genesys_side, missing_issuer
from migrate.generate.page import page_changes
from migrate.generate.plan import BackendPlan, Plan, make_plan
from migrate.extract import language_for
from migrate.extract.treesitter import TooDeep
from migrate.inventory import Inventory, collect
from migrate.model import Signer


class GenerateError(RuntimeError):
    """The change set would be wrong (a file that does not parse): nothing is shown or written."""


@dataclass(frozen=True)
class Outcome:
    """What became of one widget signer: where its provider is mounted, or why not."""

    path: str
    line: int
    route: str | None
    status: str  # wired | standalone | kept | cut | manual
    text: str  # one line for the report


@dataclass(frozen=True)
class Result:
    plan: Plan
    changes: ChangeSet
    genesys: GenesysSide
    notes: tuple[str, ...]  # what was not generated, and why (nothing vanishes silently)
    outcomes: tuple[Outcome, ...] = ()


def generate(root: Path, config: Config, jobs: int | None = 1, cutover: bool = False,
             inventory: Inventory | None = None) -> Result:
    """``inventory``: the tree as a scan just read it (scan asks what generate would leave)."""
    root = root.resolve()
    inv = inventory if inventory is not None else collect(str(root), jobs=jobs)
    profiles = mapping.load(config.mappings)
    sources: dict[str, SourceFile] = {}

    def source(rel: str) -> SourceFile:
        if rel not in sources:
            sources[rel] = SourceFile.read(root, rel)
        return sources[rel]

    def latest(rel: str) -> SourceFile:
        """What a wiring should edit: the file as earlier wirings left it."""
        src = source(rel)
        return SourceFile(rel, rewritten[rel], src.bom) if rel in rewritten else src

    texts = {v.signer.path: source(v.signer.path).text for v in inv.signers if v.purpose == "zendesk"}
    plan = make_plan(config, inv, profiles, texts)
    why = missing_issuer(plan, config)  # a site that signs no one in to the widget needs no provider
    if why is not None:
        raise GenerateError(why)
    edits: dict[str, list[Edit]] = defaultdict(list)
    reasons: dict[str, list[str]] = defaultdict(list)
    rewritten: dict[str, str] = {}  # whole-file results (backend wiring)
    new_files: dict[str, str] = {}
    deleted: set[str] = set()
    notes: list[str] = []
    outcomes: list[Outcome] = []

    # Bottom-up, so that a signer's recorded line still holds after a later one in its file changed.
    for b in sorted(plan.backends, key=lambda b: (b.signer.path, -b.signer.line)):
        others = [v.signer for v in inv.signers if v.signer.path == b.signer.path and v.purpose != "zendesk"]
        if config.idp and not (cutover and "kept" in b.signer.hints):
            # The site's own IdP signs the visitor in: no provider, the Zendesk route is kept (a cut-over
            # removes only a route kept by an earlier run).
            outcome = idp_path.keep_route(b, config, latest, rewritten, reasons)
        else:
            outcome = _contained_backend(b, root, config, latest, cutover, rewritten, new_files, deleted, reasons,
                                         others)
        outcomes.append(outcome)

    # The page is switched to the AuthProvider only when every widget signer has a provider in
    # this patch or from an earlier run; a page calling an /authorize nobody serves signs no one in.
    # A cut-over leaves the pages alone: they were switched when the provider was added.
    unmet = [o for o in outcomes if o.status == "manual" and not cutover]
    if unmet:
        notes.append("the pages are left on Zendesk (a half-moved page signs no one in): no provider could be "
                     "produced for " + ", ".join(f"{o.path}:{o.line}" for o in unmet))
    elif not cutover:
        ok, page = contain.call(page_changes, plan, source, config, timeout=EDIT_TIMEOUT)
        if not ok:
            raise GenerateError(f"reading the pages {page.reason(EDIT_TIMEOUT, contain.DEFAULT_MEMORY_MB)}; nothing "
                                "was shown or written. Please report it with the shape of the pages")
        for path, found in page.edits.items():
            edits[path] += found
        for path, why in page.reasons.items():
            reasons[path] += why
        notes += page.notes

    changes: list[FileChange] = []
    for path in sorted(set(edits) | set(rewritten)):
        src = source(path)
        text = rewritten.get(path, src.text)
        if edits.get(path):
            # Page edits were taken on the original text: a wiring's rewrite joins them as edits of
            # its own, so a file that is both server code and page gets both, or a note when they cross.
            both = edits[path] + (_as_edits(src.text, text) if path in rewritten else [])
            try:
                text = apply_edits(src.text, both)
            except ValueError as exc:
                if path in rewritten:
                    notes.append(f"{path}: the widget calls in it were left as they are (they cross the sign-in "
                                 f"changes: {exc}); move them by hand")
                else:
                    notes.append(f"{path}: left as it is: two changes to it overlap ({exc}); migrate it by hand")
                    continue
        if text != src.text:
            changes.append(FileChange(path, src, text, tuple(reasons[path])))
    for path in sorted(deleted - set(rewritten)):
        changes.append(FileChange(path, source(path), None, tuple(reasons.get(path, ()))))
    for path, text in sorted(new_files.items()):
        if (root / path).exists():
            notes.append(f"{path} already exists: left as it is (delete it to have it generated again)")
            continue
        changes.append(FileChange(path, None, text, tuple(reasons.get(path, ()))))
    ok, problems = contain.call(_reparse, changes, timeout=EDIT_TIMEOUT)
    if not ok:
        raise GenerateError(f"parsing the migrated files again {problems.reason(EDIT_TIMEOUT, contain.DEFAULT_MEMORY_MB)}"
                            "; nothing was shown or written. Please report it with the shape of that code")
    for c, problem in zip(changes, problems, strict=True):  # what is shown is what parses
        if problem is not None:
            raise GenerateError(f"{c.path}: the migrated file would not parse ({problem}); nothing was shown or "
                                "written. Please report it with the shape of that code")
    summary = tuple(f"{c.path}: {r}" for c in changes for r in c.reasons)
    if not config.idp:
        notes += idp_path.proposal(inv)
    side = idp_path.genesys_side(config, idp_path.zendesk_claims(plan)) if config.idp else genesys_side(config, plan)
    return Result(plan, ChangeSet(root, tuple(changes), summary), side, tuple(notes),
                  tuple(sorted(outcomes, key=lambda o: (o.path, o.line))))


# Each wiring, the page edits and the final parse run in a worker process (migrate/contain.py):
# a parser that crashes, hangs or eats memory on one file costs that signer, not the run.
EDIT_TIMEOUT = 120.0


def _reparse(changes: list[FileChange]) -> list[str | None]:
    return [None if c.after is None else reparse.problem(c.path, c.before.text if c.before else None, c.after)
            for c in changes]


def _contained_backend(b: BackendPlan, root: Path, config: Config, latest, cutover: bool, rewritten: dict[str, str],
                       new_files: dict[str, str], deleted: set[str], reasons: dict[str, list[str]],
                       others: list[Signer]) -> Outcome:
    """_backend in a worker: what it adds to the change set comes back with its outcome."""
    with contextlib.suppress(Exception):  # imported here once, not again in every worker
        lang.wiring(b.framework) if b.framework in backends.FRAMEWORKS else lang.standalone(b.signer.language)

    def run():
        outcome = _backend(b, root, config, latest, cutover, rewritten, new_files, deleted, reasons, others)
        return outcome, rewritten, new_files, deleted, dict(reasons)

    ok, value = contain.call(run, timeout=EDIT_TIMEOUT)
    s = b.signer
    if not ok:
        return Outcome(s.path, s.line, s.route, "manual",
                       f"{s.path}:{s.line}: wiring the provider {value.reason(EDIT_TIMEOUT, contain.DEFAULT_MEMORY_MB)} "
                       "on this code, so nothing was changed for this signer; migrate it by hand "
                       "(templates/README.md describes the provider) and please report it with the shape of the code")
    outcome, rw, nf, dl, rs = value
    rewritten.update(rw)
    new_files.update(nf)
    deleted.update(dl)
    for path, why in rs.items():
        reasons[path] = why
    return outcome


def _as_edits(before: str, after: str) -> list[Edit]:
    """A whole-file rewrite as line edits of the original (character offsets)."""
    import difflib

    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    return [Edit(starts[i1], starts[i2], "".join(b[j1:j2]))
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
            if tag != "equal"]


def _backend(b: BackendPlan, root: Path, config: Config, latest, cutover: bool, rewritten: dict[str, str],
             new_files: dict[str, str], deleted: set[str], reasons: dict[str, list[str]],
             others: list[Signer]) -> Outcome:
    """Wire one widget signer's provider (or its standalone module) and say what became of it.
    ``others``: the tokens of the same file that are not widget tokens."""
    s = b.signer
    at = f"{s.path}:{s.line}"
    kept = "kept" in s.hints
    if kept and not cutover:
        return Outcome(s.path, s.line, s.route, "kept",
                       f"{at}: provider added by an earlier run; the Zendesk route stays until cut-over "
                       "(TODO(migrate:ZG220); `--cutover` removes it)")
    if cutover and s.span is not None:
        shared = [o for o in others if s.span[0] <= o.line <= s.span[1]]
        if shared:  # removing the route would take a token that is not the widget's with it
            return Outcome(s.path, s.line, s.route, "manual",
                           f"{at}: the route also signs another token (line {shared[0].line}); remove the Zendesk "
                           "widget token from it by hand")
    if f"TODO(migrate:{backends.MOUNT_RULE})" in latest(s.path).text:
        # An earlier run wrote the provider module and said where to mount it: nothing to add.
        return Outcome(s.path, s.line, s.route, "manual" if cutover else "standalone",
                       f"{at}: provider module written by an earlier run, not mounted yet: mount it where "
                       f"TODO(migrate:{backends.MOUNT_RULE}) says" + ("; then remove the Zendesk code by hand"
                                                                    if cutover else ""))
    ctx = backends.WireContext(root, config, b, latest, cutover=cutover, kept=kept)
    wiring, why_not = None, "framework not recognised"
    if (language_for(s.path) or "").startswith("page:"):
        why_not = "the token is signed inside a page template"
    elif b.framework in backends.FRAMEWORKS:
        try:
            wiring = backends.wire(b.framework, ctx)  # type: ignore[arg-type]
        except backends.WiringError as exc:
            why_not = str(exc).removeprefix(f"{at}: ")
        except TooDeep as exc:  # a file the wiring reads (routes.rb, urls.py...) no parser should see
            why_not = f"a file the {b.framework} wiring reads: {exc}"
    if wiring is None:
        if kept:  # cut-over of a route whose provider was mounted by hand
            return Outcome(s.path, s.line, s.route, "manual",
                           f"{at}: {why_not}; remove the Zendesk route by hand")
        module = lang.standalone(s.language)
        if module is None:
            return Outcome(s.path, s.line, s.route, "manual",
                           f"{at}: {why_not}, and no provider module for {s.language} is generated; "
                           "templates/README.md describes the provider to implement")
        try:
            wiring = module.wire(ctx, why_not)
        except backends.WiringError as exc:
            return Outcome(s.path, s.line, s.route, "manual", f"{at}: {str(exc).removeprefix(at + ': ')}")
        except TooDeep as exc:
            return Outcome(s.path, s.line, s.route, "manual", f"{at}: {why_not}; and {exc}")
    rewritten.update(wiring.files)
    new_files.update(wiring.new_files)
    deleted.update(wiring.deleted)
    for path, why in wiring.reasons.items():
        reasons[path] += why
    if not kept:
        for m in b.claims:
            reasons[s.path].append(f"  {m.source}: {m.expression.text} -> {m.target}"
                                   f"{' (' + m.transform + ')' if m.transform else ''} [{m.origin}]")
        for d in b.dropped:
            reasons[s.path].append(f"  {d.name}: dropped, {d.reason} [{d.origin}]")
        for t in b.todos:
            reasons[s.path].append(f"  TODO(migrate:{t.rule}): {t.text}")
    route = wiring.route or s.route
    mounted = wiring.mounted or (s.path if b.framework in backends.FRAMEWORKS and not wiring.todo else None)
    if cutover:
        return Outcome(s.path, s.line, route, "cut", f"{at}: Zendesk route{' ' + route if route else ''} removed"
                       + (f"; provider mounted at {mounted}" if mounted and not kept else ""))
    if mounted:
        return Outcome(s.path, s.line, route, "wired",
                       f"{at}: provider mounted at {mounted} ({b.framework}); the Zendesk route "
                       f"{route + ' ' if route else ''}stays until cut-over (TODO(migrate:ZG220))")
    return Outcome(s.path, s.line, route, "standalone",
                   f"{at}: provider module written, not mounted: {wiring.todo or why_not} (TODO(migrate:ZG221))")
