"""`migrate rules [RULE]`: the rule catalog, or one rule's documentation."""

from __future__ import annotations

from typing import Annotated

import typer

from migrate.cli.app import app, fail


@app.command("rules")
def rules_command(
    rule: Annotated[str | None, typer.Argument(help="A rule ID (ZG201) or name (exp-in-milliseconds).")] = None,
) -> None:
    """List the rules, or print one rule's documentation."""
    from migrate import rules

    if rule is None:
        for r in rules.all_rules():
            typer.echo(f"{r.id}  {r.name:<28} {r.severity:<8} {','.join(r.where):<11} {r.summary}")
        return
    found = rules.get(rule)
    if found is None:
        raise fail(f"unknown rule {rule!r}", "`migrate rules` lists them")
    typer.echo(f"# {found.id} {found.name}\n\n{found.summary}\n\nSeverity: {found.severity}. "
               f"Found in: {', '.join(found.where)}.\n\n{found.doc}")
