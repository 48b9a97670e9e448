"""The typer application and what every command shares (stderr console, exit codes)."""

from __future__ import annotations

import typer
from rich.console import Console

from migrate import __version__

# Exit codes, as in ruff: 0 clean, 1 findings / missing rights, 2 usage or tool error.
OK, FINDINGS, USAGE = 0, 1, 2

app = typer.Typer(
    name="migrate",
    help="Move a website's chat from Zendesk to Genesys Cloud: scan, explain, generate, verify.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold secrets
    add_completion=False,
    rich_markup_mode=None,
)

# Reports go to stdout; everything said to the person running the command goes here.
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, hint: str | None = None, code: int = USAGE) -> typer.Exit:
    """Say what went wrong in one line (and the next step), and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {message}" + (f" ({hint})" if hint else ""), markup=True)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"migrate {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Move a website's chat from Zendesk to Genesys Cloud."""
