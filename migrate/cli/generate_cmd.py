"""`migrate generate PATH`: the Genesys side of the migration, as a reviewable diff (--apply writes it)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from migrate.cli.app import OK, app, err, fail


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command()
def generate(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The site's folder.")],
    region: Annotated[str | None, typer.Option(help="Genesys region: eu-west-1, prod-euw1 or mypurecloud.ie.")] = None,
    deployment_id: Annotated[str | None, typer.Option(help="The Messenger deployment id (UUID).")] = None,
    issuer: Annotated[str | None, typer.Option(help="The site's OpenID provider, e.g. https://shop.example.com/oidc.")] = None,
    client_id: Annotated[str | None, typer.Option(help="Client id for Genesys (default genesys-messenger).")] = None,
    redirect_uri: Annotated[str | None, typer.Option(help="Redirect URI (default: the issuer's origin + /).")] = None,
    mapping: Annotated[list[Path] | None, typer.Option(help="Extra claim mapping YAML (repeatable).")] = None,
    patch_file: Annotated[Path | None, typer.Option(help="Write the diff here instead of stdout.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write the changes (atomically) instead of showing them.")] = False,
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
) -> None:
    """Plan the move to Genesys Messenger and show it as a diff: snippet, AuthProvider, provider, wiring."""
    from migrate.generate import config as cfg
    from migrate.generate.changes import StaleFile
    from migrate.generate.mapping import MappingError
    from migrate.generate.run import generate as run

    if apply and patch_file:
        raise fail("give --patch-file or --apply, not both")
    try:
        conf = cfg.load(path, region=region, deployment_id=deployment_id, issuer=issuer, client_id=client_id,
                        redirect_uri=redirect_uri, mappings=tuple(mapping or ()))
        result = run(path, conf)
    except (cfg.ConfigError, MappingError) as exc:
        raise fail(str(exc)) from None
    diff = result.changes.diff()
    if format is Format.json:
        typer.echo(json.dumps({
            "changes": [{"path": c.path, "new": c.new, "reasons": list(c.reasons)} for c in result.changes.changes],
            "diff": diff, "notes": list(result.notes), "genesys": result.genesys.to_dict(), "applied": apply,
        }, indent=2, ensure_ascii=False))
    if apply:
        try:
            written = result.changes.apply()
        except StaleFile as exc:
            raise fail(str(exc), "nothing was written") from None
        made = result.genesys.materialize()  # creates only what is missing: a re-run keeps the keys
        for p in written:
            err.print(f"wrote {p}", markup=False)
        for p in made:
            err.print(f"created {p} (mode 0600; its value is not shown)", markup=False)
        if not written:
            err.print("nothing to change: the site is already migrated", markup=False)
    elif format is Format.text:
        if patch_file:
            try:
                patch_file.write_text(diff, encoding="utf-8", newline="")
            except OSError as exc:
                raise fail(f"cannot write {patch_file}: {exc.strerror}") from None
            err.print(f"wrote the diff to {patch_file} (apply with `git apply {patch_file}` or --apply)",
                      markup=False)
        else:
            typer.echo(diff, nl=False)
    if format is Format.text:
        _summary(result)
    raise typer.Exit(OK)


def _summary(result) -> None:
    out = err
    if result.changes.empty:
        out.print("No Zendesk widget or signer left to migrate: nothing to change.", markup=False)
    else:
        out.print("Changes, and the rule behind each:", markup=False)
        for line in result.changes.summary:
            out.print(f"  {line}", markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    out.print("", markup=False)
    out.print(result.genesys.text(), markup=False, end="")
