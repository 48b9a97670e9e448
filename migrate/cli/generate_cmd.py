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
    patch_file: Annotated[Path | None, typer.Option(help="Write the diff here instead of stdout.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write the changes (atomically) instead of showing them.")] = False,
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

    if apply and patch_file:
        raise fail("give --patch-file or --apply, not both")
    if patch_file and format is Format.json:
        raise fail("--patch-file goes with --format text", "the JSON report carries the diff in \"diff\"")
    try:
        conf = cfg.load(path, region=region, deployment_id=deployment_id, issuer=issuer, client_id=client_id,
                        redirect_uri=redirect_uri, mappings=tuple(mapping or ()), login_url=login_url,
                        idp=idp, idp_issuer=idp_issuer, configuration_id=configuration_id,
                        allow_session_upgrade=allow_session_upgrade, refresh_lifetime=refresh_lifetime,
                        environment=environment)
        result = run(path, conf, cutover=cutover)
    except (cfg.ConfigError, MappingError, GenerateError) as exc:
        raise fail(str(exc)) from None
    tf_changes = None  # Terraform outside the site: a change set of its own
    if terraform is not None:
        from dataclasses import replace

        from migrate.generate import terraform as tf

        if terraform.exists() and not terraform.is_dir():
            raise fail(f"--terraform {terraform}: not a folder")
        from migrate.cli.verify_cmd import keep_existing

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
    diff = result.changes.diff()
    if apply:
        from migrate.generate.genesys_side import SecretsProblem

        try:
            result.genesys.preflight(path)  # before anything is written or reported as applied
        except SecretsProblem as exc:
            raise fail(str(exc), "nothing was written") from None
    if format is Format.json:
        typer.echo(json.dumps({
            "changes": [{"path": c.path, "new": c.new, "deleted": c.deleted, "reasons": list(c.reasons)}
                        for c in result.changes.changes],
            "signers": [{"path": o.path, "line": o.line, "route": o.route, "status": o.status, "text": o.text}
                        for o in result.outcomes],
            "diff": diff, "notes": list(result.notes), "genesys": result.genesys.to_dict(), "applied": apply,
            **({"terraform": {"root": str(tf_changes.root), "diff": tf_changes.diff()}} if tf_changes else {}),
        }, indent=2, ensure_ascii=False))
    if apply:
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
                patch_file.write_text(diff, encoding="utf-8", newline="")
            except OSError as exc:
                raise fail(f"cannot write {patch_file}: {exc.strerror}") from None
            err.print(f"wrote the diff to {patch_file} (apply with `git apply {patch_file}` or --apply)",
                      markup=False)
        else:
            typer.echo(diff, nl=False)
    if format is Format.text:
        _summary(result)
        if tf_changes is not None and not apply:
            _terraform_section(tf_changes)
    raise typer.Exit(OK)


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


def _summary(result) -> None:
    out = err
    if result.changes.empty:
        out.print(f"Nothing to change: {_state(result)}.", markup=False)
    else:
        out.print("Changes, and the rule behind each:", markup=False)
        for line in result.changes.summary:
            out.print(f"  {line}", markup=False)
    if result.outcomes:
        out.print("Sign-in, per Zendesk token signer:", markup=False)
        for o in result.outcomes:
            out.print(f"  {o.text}", markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    out.print("", markup=False)
    out.print(result.genesys.text(), markup=False, end="")
