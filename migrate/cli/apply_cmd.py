"""`migrate apply PATCH`: write exactly the patch that was reviewed, then the provider's keys.

Every file must still be byte for byte what the patch expects, the patch's hunks must give what its
header records, and no file it touches may carry uncommitted changes (they could not be got back);
then the change set is written all or nothing (migrate.generate.changes), and `migrate keys` makes
the client secret and signing key the provider needs, when the patch says it needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from migrate import __version__
from migrate.cli.app import OK, Color, app, err, fail, next_step, set_color


def refuse_dirty(changes, force_dirty: bool) -> None:
    """Stop before writing over uncommitted changes (git status of the files the patch touches)."""
    if force_dirty:
        return
    dirty = changes.uncommitted()
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise fail(f"uncommitted changes in {shown}: the patch would write over them and they could not be got "
                   "back", "commit or stash them first, or pass --force-dirty; nothing was written")


def write(changes) -> list[str]:
    from migrate.generate.changes import StaleFile

    try:
        return changes.apply()
    except StaleFile as exc:
        raise fail(str(exc), "nothing was written") from None


def say_written(changes, written: list[str]) -> None:
    gone = {c.path for c in changes.changes if c.deleted}
    for p in written:
        err.print(f"{'deleted' if p in gone else 'wrote'} {p}", markup=False)


@app.command("apply")
def apply(
    patch: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The patch `migrate generate "
                                          "--patch-file` wrote, as reviewed.")],
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The site's folder.")] = Path("."),
    force_dirty: Annotated[bool, typer.Option(
        "--force-dirty", help="Write even over files with uncommitted changes (git).")] = False,
    keys: Annotated[bool, typer.Option(
        "--keys/--no-keys", help="Also make the provider's client secret and signing key when missing "
        "(`migrate keys`).")] = True,
    color: Color = None,
) -> None:
    """Apply a reviewed patch exactly, all or nothing; then make the provider's keys (`migrate keys`)."""
    from migrate.cli.keys_cmd import check_keys, make_keys, say_keys
    from migrate.generate import patchfile
    from migrate.generate.changes import StaleFile
    from migrate.generate.genesys_side import SecretsProblem

    if color is not None:
        set_color(color)
    try:
        text = patch.read_bytes().decode("utf-8", "surrogateescape")
    except OSError as exc:
        raise fail(f"cannot read {patch}: {exc.strerror}") from None
    try:
        reviewed = patchfile.parse(text)
        changes = reviewed.change_set(path)
    except patchfile.PatchError as exc:
        raise fail(f"{patch}: {exc}", "make the patch again with `migrate generate PATH ... --patch-file FILE`; "
                   "nothing was written") from None
    except StaleFile as exc:
        raise fail(f"{exc}", "the site moved on since the patch was made: run `migrate generate` again, review the "
                   "new patch and apply that; nothing was written") from None
    if reviewed.version != __version__:
        err.print(f"note: {patch} was made by migrate {reviewed.version}, this is {__version__}; it is applied as it "
                  "was reviewed", markup=False)
    refuse_dirty(changes, force_dirty)
    issuer = reviewed.keys_issuer if keys else None
    if issuer:
        try:
            check_keys(path, issuer)  # before anything is written
        except SecretsProblem as exc:
            raise fail(str(exc), "nothing was written; or apply with --no-keys and run `migrate keys` later") from None
    written = write(changes)
    say_written(changes, written)
    if issuer:
        try:
            made, kept = make_keys(path, issuer)
        except (SecretsProblem, OSError) as exc:
            raise fail(str(exc), f"the patch was written; fix that and run `migrate keys --issuer {issuer}`") from None
        say_keys(made, kept)
    elif reviewed.keys_issuer:
        err.print("the provider's client secret and signing key were not made (--no-keys)", markup=False)
    if reviewed.keys_issuer and not keys:
        next_step(f"`migrate keys {path} --issuer {reviewed.keys_issuer}` makes the client secret and signing key "
                  "the provider needs; then review `git diff`, resolve the TODO(migrate:...) lines, commit")
    else:
        next_step(f"review `git diff`, resolve the TODO(migrate:...) lines (`migrate scan {path}` lists what is "
                  f"left), install the new dependencies and commit; {reviewed.take_back(str(patch))}")
    raise typer.Exit(OK)
