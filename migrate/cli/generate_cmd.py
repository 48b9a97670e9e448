"""`migrate generate PATH`: the Genesys side of the migration, as a reviewable patch (`migrate apply`
writes the reviewed patch; --apply writes what it computes now)."""

from __future__ import annotations

import json
import re
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from migrate.cli.app import (OK, Color, app, err, fail, next_step, progress, set_color, use_color,
                             write_text)


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
    login_url: Annotated[str | None, typer.Option(help="The site's sign-in page, for AuthProvider's reAuthenticate (default: reload).")] = None,
    mapping: Annotated[list[Path] | None, typer.Option(help="Extra claim mapping YAML (repeatable).")] = None,
    idp: Annotated[str | None, typer.Option(
        "--idp", help="Sign in at the site's identity provider instead of a new provider: okta, entra, auth0, "
        "keycloak, cognito, google or oidc.")] = None,
    idp_issuer: Annotated[str | None, typer.Option(
        "--idp-issuer", help="That provider's issuer, e.g. https://dev-123456.okta.com/oauth2/default.")] = None,
    configuration_id: Annotated[str | None, typer.Option(
        help="The Messenger configuration the deployment uses (UUID), for --terraform to import; read from the "
        "deployment when GENESYSCLOUD_OAUTHCLIENT_ID / _SECRET are set.")] = None,
    allow_session_upgrade: Annotated[bool | None, typer.Option(
        "--allow-session-upgrade", help="Let an anonymous conversation become authenticated when the visitor "
        "signs in (allowSessionUpgrade).", show_default=False)] = None,
    refresh_lifetime: Annotated[str | None, typer.Option(
        help="Max Refresh Token Lifetime of the integration: seconds or 30m, 24h, 7d (15 min to 90 days; "
        "default 24h).")] = None,
    environment: Annotated[str | None, typer.Option(
        help="Messenger environment code, for a region whose code is unconfirmed (EU Sovereign).")] = None,
    patch_file: Annotated[Path | None, typer.Option(help="Write the patch here instead of stdout; with --apply: "
                                                  "apply this reviewed patch, if it is what generate makes now.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write the changes (atomically, all or nothing) and make the "
                                        "provider's keys, instead of showing them.")] = False,
    force_dirty: Annotated[bool, typer.Option(
        "--force-dirty", help="With --apply: write even over files with uncommitted changes (git).")] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", dir_okay=False, help="Also write a review page (one self-contained HTML file) here.")] = None,
    color: Color = None,
    cutover: Annotated[bool, typer.Option(
        "--cutover", help="Once Messenger sign-in works: remove the Zendesk token routes kept beside the provider.")] = False,
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    terraform: Annotated[Path | None, typer.Option(
        "--terraform", file_okay=False,
        help="Also the Genesys side as Terraform (mypurecloud/genesyscloud) in this folder.")] = None,
) -> None:
    """Plan the move to Genesys Messenger and show it as a diff: snippet, AuthProvider, provider, wiring."""
    from migrate.generate import config as cfg
    from migrate.generate.changes import StaleFile
    from migrate.generate.mapping import MappingError
    from migrate.generate.run import GenerateError
    from migrate.generate.run import generate as run

    if color is not None:
        set_color(color)
    if patch_file and format is Format.json and not apply:
        raise fail("--patch-file goes with --format text", "the JSON report carries the diff in \"diff\"")
    reviewed = None
    if apply and patch_file:  # apply the reviewed patch: read it before anything else
        from migrate.generate import patchfile as pf

        try:
            reviewed = pf.parse(patch_file.read_bytes().decode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise fail(f"cannot read {patch_file}: {exc.strerror}", "--apply --patch-file F applies the reviewed "
                       "patch F; without --apply, --patch-file writes one") from None
        except pf.PatchError as exc:
            raise fail(f"{patch_file}: {exc}", "nothing was written") from None
    try:
        conf = cfg.load(path, region=region, deployment_id=deployment_id, issuer=issuer, client_id=client_id,
                        redirect_uri=redirect_uri, mappings=tuple(mapping or ()), login_url=login_url,
                        idp=idp, idp_issuer=idp_issuer, configuration_id=configuration_id,
                        allow_session_upgrade=allow_session_upgrade, refresh_lifetime=refresh_lifetime,
                        environment=environment)
        with progress("reading the site and planning the change"):
            result = run(path, conf, cutover=cutover)
        from dataclasses import replace as _replace

        # what is printed or written quotes the site's lines: a literal secret the scan found is masked there
        result = _replace(result, changes=result.changes.with_secrets_of(result.plan.inventory))
    except (cfg.ConfigError, MappingError, GenerateError) as exc:
        raise fail(str(exc)) from None
    tf_changes = None  # Terraform outside the site: a change set of its own
    if terraform is not None:
        from dataclasses import replace

        from migrate.generate import terraform as tf

        if terraform.exists() and not terraform.is_dir():
            raise fail(f"--terraform {terraform}: not a folder")
        from migrate.cli.verify_cmd import keep_existing

        with progress("reading the deployment from Genesys Cloud"):
            result = replace(result, genesys=keep_existing(result.genesys, conf))
        if conf.idp:  # the IdP's client beside the Genesys side
            from migrate.generate import idp as idp_path

            files = idp_path.terraform_files(conf, result.genesys)
        else:
            files = tf.render_files(conf, result.genesys)
        tf_set, inside = tf.change_set(path, terraform, files)
        if inside:  # part of the site's diff, paths relative to the site
            changes = replace(result.changes, changes=result.changes.changes + tf_set.changes,
                              summary=result.changes.summary + tuple(
                                  f"{c.path}: Genesys side as Terraform [templates/terraform]"
                                  for c in tf_set.changes if c.changed))
            result = replace(result, changes=changes)
        else:
            tf_changes = tf_set
    inputs = _inputs(path, region=region, deployment_id=deployment_id, issuer=issuer, client_id=client_id,
                     redirect_uri=redirect_uri, login_url=login_url, mapping=mapping, idp=idp, idp_issuer=idp_issuer,
                     configuration_id=configuration_id, allow_session_upgrade=allow_session_upgrade,
                     refresh_lifetime=refresh_lifetime, environment=environment, cutover=cutover,
                     terraform=terraform)
    keys_issuer = conf.issuer if result.genesys.authenticated and not conf.idp and conf.issuer else None
    from migrate.generate import patchfile as pf

    patch = pf.render(result.changes, inputs, keys_issuer)
    diff = result.changes.diff()
    if html is not None:
        _write_html(html, path, result, patch, tf_changes)
    if reviewed is not None:
        _apply_reviewed(reviewed, patch_file, patch, path, result, force_dirty)
    if apply:
        from migrate.cli.apply_cmd import refuse_dirty
        from migrate.generate.genesys_side import SecretsProblem

        refuse_dirty(result.changes, force_dirty)
        try:
            result.genesys.preflight(path)  # before anything is written or reported as applied
        except SecretsProblem as exc:
            raise fail(str(exc), "nothing was written") from None
    if format is Format.json:
        typer.echo(json.dumps({
            "changes": [{"path": c.path, "new": c.new, "deleted": c.deleted, "reasons": _reasons_in_new_file(c)}
                        for c in result.changes.changes],
            "signers": [{"path": o.path, "line": o.line, "route": o.route, "status": o.status, "text": o.text}
                        for o in result.outcomes],
            "diff": diff, "notes": list(result.notes), "genesys": result.genesys.to_dict(), "applied": apply,
            **({"terraform": {"root": str(tf_changes.root), "diff": tf_changes.diff()}} if tf_changes else {}),
        }, indent=2, ensure_ascii=False))
    if apply:
        from migrate.generate.changes import StaleFile

        try:
            written = result.changes.apply()
        except StaleFile as exc:
            raise fail(str(exc), "nothing was written") from None
        if tf_changes is not None:
            try:
                written += [str(tf_changes.root / p) for p in tf_changes.apply()]
            except StaleFile as exc:
                raise fail(f"{tf_changes.root}: {exc}", "the site's changes were written, the Terraform "
                           "files were not") from None
        made = result.genesys.materialize()  # creates only what is missing: a re-run keeps the keys
        for p in written:
            err.print(f"wrote {p}", markup=False)
        for p in made:
            err.print(f"created {p} (mode 0600; its value is not shown)", markup=False)
        if not written:
            err.print(f"nothing to change: {_state(result)}", markup=False)
    elif format is Format.text:
        if patch_file:
            try:
                patch_file.write_bytes(patch.encode("utf-8", "surrogateescape"))
            except OSError as exc:
                raise fail(f"cannot write {patch_file}: {exc.strerror}") from None
            err.print(f"wrote the patch to {patch_file} (its header says what made it and why each hunk)",
                      markup=False)
        else:
            typer.echo(_colored(patch) if use_color() else patch, nl=False, color=use_color() or None)
    if format is Format.text:
        _summary(result, applied=apply)
        if tf_changes is not None and not apply:
            _terraform_section(tf_changes)
    _next(path, result, apply=apply, patch_file=patch_file, keys_issuer=keys_issuer, json_out=format is Format.json)
    raise typer.Exit(OK)


def _inputs(path: Path, **given) -> str:
    """The command line that made the patch (flags as given, never a secret: none is a flag)."""
    import shlex

    from migrate.generate.config import CONFIG_FILE

    words = ["migrate", "generate", str(path)]
    for name, value in given.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            words.append(flag)
        elif isinstance(value, list):
            for v in value:
                words += [flag, str(v)]
        else:
            words += [flag, str(value)]
    line = " ".join(shlex.quote(w) for w in words)
    if (path / CONFIG_FILE).is_file():
        line += f" (and {CONFIG_FILE})"
    return line


def _colored(patch: str) -> str:
    """The patch for a terminal: header dim, hunks cyan, removals red, additions green."""
    out = []
    for line in patch.splitlines(keepends=True):
        body, end = line.rstrip("\n"), line[len(line.rstrip("\n")):]
        if line.startswith("# "):
            out.append(f"\x1b[2m{body}\x1b[0m{end}")
        elif line.startswith(("diff --git", "--- ", "+++ ", "new file", "deleted file")):
            out.append(f"\x1b[1m{body}\x1b[0m{end}")
        elif line.startswith("@@"):
            out.append(f"\x1b[36m{body}\x1b[0m{end}")
        elif line.startswith("+"):
            out.append(f"\x1b[32m{body}\x1b[0m{end}")
        elif line.startswith("-"):
            out.append(f"\x1b[31m{body}\x1b[0m{end}")
        else:
            out.append(line)
    return "".join(out)


def _apply_reviewed(reviewed, patch_file: Path, patch_now: str, path: Path, result, force_dirty: bool) -> None:
    """--apply --patch-file F: F, as reviewed, when it is what generate makes now; then the keys."""
    from migrate.cli.apply_cmd import refuse_dirty, say_written, write
    from migrate.generate import patchfile as pf
    from migrate.generate.changes import StaleFile
    from migrate.generate.genesys_side import SecretsProblem

    now = pf.parse(patch_now) if patch_now else None
    expected = {(f.state, f.before, f.after, f.path) for f in reviewed.files}
    made_now = {(f.state, f.before, f.after, f.path) for f in now.files} if now else set()
    if expected != made_now:
        differ = sorted({e[3] for e in expected ^ made_now})
        raise fail(f"{patch_file} is not what generate makes now (it differs in {', '.join(differ[:5])})",
                   f"review the new patch (`--patch-file` without --apply), or apply {patch_file} as it is with "
                   f"`migrate apply {patch_file}`; nothing was written")
    try:
        changes = reviewed.change_set(path)
    except (pf.PatchError, StaleFile) as exc:
        raise fail(str(exc), "nothing was written") from None
    refuse_dirty(changes, force_dirty)
    try:
        result.genesys.preflight(path)
    except SecretsProblem as exc:
        raise fail(str(exc), "nothing was written") from None
    written = write(changes)
    made = result.genesys.materialize()
    say_written(changes, written)
    for p in made:
        err.print(f"created {p} (mode 0600; its value is not shown)", markup=False)
    _summary(result, applied=True)
    next_step(f"review `git diff`, resolve the TODO(migrate:...) lines (`migrate scan {path}` lists what is left), "
              f"install the new dependencies and commit; {reviewed.take_back(str(patch_file))}")
    raise typer.Exit(OK)


def _next(path: Path, result, apply: bool, patch_file: Path | None, keys_issuer: str | None, json_out: bool) -> None:
    if json_out and not apply:
        return
    if apply:
        if result.changes.empty:
            next_step(f"`migrate scan {path}` lists what is left to do by hand" if not _kept(result) else
                      f"once Messenger sign-in works in production: `migrate generate {path} ... --cutover`")
        else:
            next_step(f"review `git diff`, resolve the TODO(migrate:...) lines (`migrate scan {path}` lists what "
                      "is left), install the new dependencies and commit")
        return
    if result.changes.empty:
        if _kept(result):
            next_step(f"once Messenger sign-in works in production: `migrate generate {path} ... --cutover "
                      "--patch-file cutover.patch`, review it, `migrate apply cutover.patch`")
        return
    if patch_file:
        next_step(f"review {patch_file}, then `migrate apply {patch_file}` writes exactly it"
                  + (" and makes the provider's keys when there are none yet" if keys_issuer else ""))
    else:
        next_step("save the patch with `--patch-file genesys.patch`, review it, then `migrate apply genesys.patch` "
                  "writes exactly it" + (" and makes the provider's keys when there are none yet" if keys_issuer else ""))


def _kept(result) -> int:
    return sum(o.status == "kept" for o in result.outcomes)


def _write_html(target: Path, path: Path, result, patch: str, tf_changes) -> None:
    from migrate.report import html as page
    from migrate.scan import scan as run_scan

    with progress("scanning for the review page"):
        findings = run_scan(str(path), [], [], jobs=1)
    text = page.render_generate(path, result, findings, patch, _not_there_yet(result.genesys, False))
    try:
        write_text(target, text)
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror}") from None
    err.print(f"wrote the review page to {target}", markup=False)


def _terraform_section(changes) -> None:
    """Terraform outside the site: its own diff on stderr, so stdout stays one patch for the site."""
    err.print("", markup=False)
    tf_diff = changes.diff()
    if not tf_diff:
        err.print(f"Terraform in {changes.root}: up to date.", markup=False)
        return
    err.print(f"Terraform for {changes.root} (not written; --apply writes it), paths relative to it:",
              markup=False)
    err.print(tf_diff, markup=False, end="", soft_wrap=True, highlight=False)


def _state(result) -> str:
    """Why a run changes nothing, in terms that agree with what is left in the code."""
    kept = sum(o.status == "kept" for o in result.outcomes)
    manual = sum(o.status == "manual" for o in result.outcomes)
    if manual:
        return f"{manual} Zendesk token signer(s) need work by hand (see below)"
    if kept:
        return (f"the site is migrated; {kept} Zendesk token route(s) stay beside the provider until cut-over "
                "(`migrate generate --cutover` removes them)")
    return "no Zendesk widget or token signer left to migrate"


def _reasons_in_new_file(change) -> list[str]:
    """A change's reasons with their "line N" counted in the new file, as the text summary and the
    patch header count them (a reader of either finds the same line)."""
    def renumber(reason: str) -> str:
        m = re.match(r"line (\d+):", reason)
        return f"line {change.new_line(int(m.group(1)))}:{reason[m.end():]}" if m else reason

    return [renumber(r) for r in change.reasons]


def _summary(result, applied: bool = False) -> None:
    out = err
    if result.changes.empty:
        out.print(f"Nothing to change: {_state(result)}.", markup=False)
    else:
        out.print("Changes, and the rule behind each (line numbers in the new files):", markup=False)
        for line in result.changes.described():
            out.print(f"  {line}", markup=False)
        counts = []
        for c in sorted((c for c in result.changes.changes if c.changed), key=lambda c: c.path):
            added, removed = c.stat()
            counts.append(f"{c.path} +{added} -{removed}" + (" (new)" if c.new else " (deleted)" if c.deleted else ""))
        out.print("Per file: " + ", ".join(counts), markup=False)
    if result.outcomes:
        out.print("Sign-in, per Zendesk token signer:", markup=False)
        for o in result.outcomes:
            out.print(f"  {o.text}", markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    out.print("", markup=False)
    out.print(_not_there_yet(result.genesys, applied), markup=False, end="")


def _not_there_yet(side, applied: bool) -> str:
    """The Genesys steps; a secret file that does not exist yet is not named as if it did."""
    text = side.text()
    if applied or not side.authenticated:
        return text
    missing = [f for f in (side.secret_file, side.key_file) if isinstance(f, Path) and f.is_absolute()
               and not f.exists()]
    if not missing:
        return text
    if side.secret_file in missing:
        text = text.replace(f"the content of {side.secret_file} (never shown here)",
                            f"the content of {side.secret_file}, made by `migrate keys` (not there yet; never shown)")
    return text + ("Not there yet: " + " and ".join(str(f) for f in missing) + "; `migrate apply` (or `migrate keys`) "
                   "makes them.\n")
