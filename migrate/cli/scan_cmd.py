"""`migrate scan PATH...`: what Zendesk widget and JWT code a tree holds, and what is wrong."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from migrate.cli.app import (FINDINGS, OK, Color, app, err, fail, next_step, progress, set_color, use_color,
                             write_text)


class Format(str, Enum):
    concise = "concise"
    full = "full"
    text = "text"  # the full report's first name
    json = "json"
    sarif = "sarif"
    github = "github"
    gitlab = "gitlab"
    junit = "junit"


def _ids(values: list[str] | None) -> list[str]:
    return [v.strip() for raw in values or [] for v in raw.split(",") if v.strip()]


def _root(paths: list[str]) -> tuple[str, list[str] | None]:
    """The folder report paths are relative to, and the paths to read inside it (None: all).

    One folder is the root itself, as before.  Files, or several paths, are read relative to the
    current folder when they are all inside it (what editors and pre-commit expect), else to the
    folder they share."""
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return paths[0], None
    cwd = os.getcwd()
    absolute = [os.path.abspath(p) for p in paths]
    try:
        common = os.path.commonpath([cwd, *absolute])
    except ValueError:  # another drive
        common = ""
    if common == cwd:
        return cwd, absolute
    try:
        common = os.path.commonpath(absolute)
    except ValueError:
        raise fail("the paths are on different drives", "scan them one at a time") from None
    if not os.path.isdir(common):
        common = os.path.dirname(common)
    return common, absolute


@app.command()
def scan(
    paths: Annotated[list[Path], typer.Argument(exists=True, readable=True, show_default=False,
                                                help="Folders and files to scan (one report).")],
    output_format: Annotated[Format | None, typer.Option(
        "--output-format", "--format", "-f", show_default=False,
        help="Report format: full (default; text is the same), concise (path:line:col: ZGxxx message), "
             "json, sarif, github, gitlab (Code Quality), junit.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here, not stdout.")] = None,
    select: Annotated[list[str] | None, typer.Option(help="Only these rules (IDs, names or prefixes like ZG2; comma-separated or repeated).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Skip these rules (same forms as --select).")] = None,
    exclude: Annotated[list[str] | None, typer.Option(
        help="Skip files and folders matching this gitignore-style pattern (relative to the scanned "
             "folder; repeated; added to the settings file's).")] = None,
    exit_zero: Annotated[bool | None, typer.Option("--exit-zero/--no-exit-zero", show_default=False,
                                                   help="Exit 0 even when there are findings.")] = None,
    statistics: Annotated[bool, typer.Option("--statistics", help="Print how many findings each rule gave, not the findings.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the findings only: no inventory, summary or notes.")] = False,
    config: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, show_default=False,
        help="Settings file (migrate.yaml with a scan: section, or pyproject.toml with [tool.migrate.scan]); "
             "default: the nearest one above the scanned folder.")] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Read no settings file.")] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", dir_okay=False, help="Also write the findings as a self-contained review page (HTML).")] = None,
    color: Color = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel workers (default and most: one per CPU core; more is lowered to that, and said).")] = None,
    max_file_size: Annotated[int | None, typer.Option(min=1, max=4096, show_default=False,
                                                      help="Skip files larger than this many MB (default 8).")] = None,
    file_timeout: Annotated[float | None, typer.Option(min=0, max=86400, show_default=False,
                                                       help="Seconds one file may take to analyse (0: no limit; default 20).")] = None,
) -> None:
    """Inventory the Zendesk widget and JWT signing code under PATH..., and report what is wrong."""
    from migrate import files, report
    from migrate.cli import scan_config
    from migrate.scan import scan as run_scan

    if color is not None:
        set_color(color)
    root, scan_paths = _root([str(p) for p in paths])
    try:
        if no_config:
            settings = scan_config.ScanSettings()
        else:
            found = config or scan_config.find(Path(root))
            settings = scan_config.load(found) if found else scan_config.ScanSettings()
    except scan_config.ConfigError as exc:
        raise fail(str(exc), "fix it, or run with --no-config") from None

    fmt = output_format.value if output_format else settings.output_format or "full"
    fmt = report.ALIASES.get(fmt, fmt)
    if statistics and fmt not in ("full", "concise", "json"):
        raise fail(f"--statistics prints counts as text or json, not {fmt}",
                   "use --output-format full or json with it")
    try:
        excluded: list = [e for e in [files.exclusions(settings.exclude, scan_config.relative_prefix(
            settings.folder, root))] if e is not None]
        excluded += exclude or []
        files.excluder(excluded)
    except ValueError as exc:
        where = f" ({settings.path})" if settings.path and settings.exclude else ""
        raise fail(f"{exc}{where}") from None

    chosen_select = _ids(select) if select is not None else list(settings.select or ())
    chosen_ignore = _ids(ignore) if ignore is not None else list(settings.ignore or ())
    size = max_file_size if max_file_size is not None else settings.max_file_size or 8
    timeout = file_timeout if file_timeout is not None else \
        settings.file_timeout if settings.file_timeout is not None else 20.0
    workers = jobs or settings.jobs
    if workers is not None:
        from migrate.contain import cores

        if workers > cores():
            if not quiet:
                err.print(f"--jobs {workers}: this machine has {cores()} CPU core(s); using {cores()} worker(s)",
                          markup=False)
            workers = cores()
    try:
        with progress("scanning"):
            result = run_scan(root, chosen_select, chosen_ignore, jobs=workers,
                              max_bytes=size * 1024 * 1024, file_timeout=timeout,
                              paths=scan_paths, exclude=excluded,
                              meanwhile=lambda: report.renderer(fmt))  # loaded while the last files are analysed
    except ValueError as exc:
        from_file = settings.path and ((select is None and settings.select) or (ignore is None and settings.ignore))
        raise fail(f"{exc} (from {settings.path})" if from_file else str(exc)) from None

    color = output is None and fmt in ("full", "concise") and use_color()  # stdout's terminal, NO_COLOR, --color
    if statistics:
        from migrate.report import statistics as stats_report
        text = stats_report.render(result, "json" if fmt == "json" else "text", quiet=quiet)
    else:
        text = report.render(result, fmt, color=color and fmt == "full", quiet=quiet)
    if output is None:
        typer.echo(text, nl=False, color=color or None)  # click would strip the colour --color always asked for
    else:
        try:
            write_text(output, text)
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror}", "check the folder exists and is writable") from None
        if not quiet:
            err.print(f"wrote the {fmt} report to {output}", markup=False)
    if result.inventory.errors and fmt not in ("full", "concise") and not quiet:
        err.print(f"{len(result.inventory.errors)} file(s) could not be read completely; see \"errors\"",
                  markup=False)
    if html is not None:
        from migrate.report import html as page

        try:
            write_text(html, page.render_scan(root, result))
        except OSError as exc:
            raise fail(f"cannot write {html}: {exc.strerror}") from None
        if not quiet:
            err.print(f"wrote the review page to {html}", markup=False)
    if not quiet and err.is_terminal:  # people at a terminal; hooks and CI keep a clean stderr
        _next(root, result)
    stop = exit_zero if exit_zero is not None else bool(settings.exit_zero)
    raise typer.Exit(OK if stop or not result.failing else FINDINGS)


def _next(root: str, result) -> None:
    inv = result.inventory
    zendesk = inv.widgets or any(v.purpose == "zendesk" for v in inv.signers)
    if zendesk:
        next_step(f"`migrate generate {root} --region ... --deployment-id ... --issuer ... --patch-file "
                  "genesys.patch` shows the move as a patch to review (`migrate rules ZGxxx` explains a rule)")
    elif result.failing:
        next_step("`migrate rules ZGxxx` explains a rule; fix the findings and scan again")
