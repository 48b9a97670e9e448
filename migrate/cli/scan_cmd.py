"""`migrate scan PATH`: what Zendesk widget and JWT code a tree holds, and what is wrong."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from migrate.cli.app import FINDINGS, OK, app, err, fail


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


def _ids(values: list[str] | None) -> list[str]:
    return [v.strip() for raw in values or [] for v in raw.split(",") if v.strip()]


@app.command()
def scan(
    path: Annotated[Path, typer.Argument(exists=True, readable=True, help="Folder (or file) to scan.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here, not stdout.")] = None,
    select: Annotated[list[str] | None, typer.Option(help="Only these rules (IDs, names or prefixes like ZG2; comma-separated or repeated).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Skip these rules (same forms as --select).")] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel workers (default: one per CPU).")] = None,
    max_file_size: Annotated[int, typer.Option(min=1, max=4096, help="Skip files larger than this many MB.")] = 8,
    file_timeout: Annotated[float, typer.Option(min=0, max=86400, help="Seconds one file may take to analyse (0: no limit).")] = 20.0,
) -> None:
    """Inventory the Zendesk widget and JWT signing code under PATH, and report what is wrong."""
    from migrate import report
    from migrate.scan import scan as run_scan

    try:
        result = run_scan(str(path), _ids(select), _ids(ignore), jobs=jobs,
                          max_bytes=max_file_size * 1024 * 1024, file_timeout=file_timeout)
    except ValueError as exc:
        raise fail(str(exc)) from None
    text = report.render(result, format.value, color=output is None and format is Format.text
                         and err.is_terminal)
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror}", "check the folder exists and is writable") from None
        err.print(f"wrote the {format.value} report to {output}", markup=False)
    if result.inventory.errors and format is not Format.text:
        err.print(f"{len(result.inventory.errors)} file(s) could not be read completely; see \"errors\"",
                  markup=False)
    raise typer.Exit(OK if exit_zero or not result.failing else FINDINGS)
