"""`migrate keys`: the provider's client secret and signing key; `migrate rotate-key`: its next
signing key, published before it signs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from migrate.cli.app import OK, app, err, fail, next_step


def _issuer(path: Path, issuer: str | None) -> str:
    """--issuer, else migrate.yaml's; a usage error when neither names a URL."""
    from urllib.parse import urlsplit

    import yaml

    from migrate.generate.config import CONFIG_FILE

    if issuer is None and (path / CONFIG_FILE).is_file():
        try:
            issuer = (yaml.safe_load((path / CONFIG_FILE).read_text(encoding="utf-8")) or {}).get("issuer")
        except (OSError, yaml.YAMLError, AttributeError):
            issuer = None
    if not issuer or not urlsplit(str(issuer)).hostname:
        raise fail("no issuer: give --issuer https://shop.example.com/oidc or set `issuer:` in migrate.yaml")
    return str(issuer)


def secret_files(issuer: str):
    """The provider's side as far as its two secrets go: where they live, checked and made by
    GenesysSide.preflight and materialize."""
    from migrate.generate.genesys_side import GenesysSide, secrets_folder

    folder = secrets_folder(issuer)
    return GenesysSide(region="", deployment_id="", authenticated=True, discovery_uri=None, issuer=issuer,
                       client_id=None, redirect_uri=None, allowed_domains=(), secret_file=folder / "client-secret",
                       key_file=folder / "oidc-signing-key.pem")


def check_keys(project: Path, issuer: str) -> None:
    """Refuse, before anything is written, a secrets folder or file that would leak them
    (SecretsProblem)."""
    secret_files(issuer).preflight(project)


def make_keys(project: Path, issuer: str) -> tuple[list[str], list[str]]:
    """Create the client secret and the signing key when missing (0600, outside the project); a
    later run keeps them. Returns (created, kept). Raises SecretsProblem."""
    side = secret_files(issuer)
    side.preflight(project)
    made = side.materialize()
    kept = [str(p) for p in (side.secret_file, side.key_file) if str(p) not in made]
    return made, kept


def say_keys(made: list[str], kept: list[str]) -> None:
    for p in made:
        err.print(f"created {p} (mode 0600; its value is not shown)", markup=False)
    for p in kept:
        err.print(f"kept {p} (it exists; `migrate rotate-key` rotates the signing key)", markup=False)


@app.command("keys")
def keys_command(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The site's folder (reads migrate.yaml).")]
    = Path("."),
    issuer: Annotated[str | None, typer.Option(help="The site's OpenID provider (default: migrate.yaml's).")] = None,
) -> None:
    """Create the provider's client secret and signing key (outside the project, mode 0600), when missing."""
    from migrate.generate.genesys_side import SecretsProblem

    issuer = _issuer(path, issuer)
    try:
        made, kept = make_keys(path, issuer)
    except (SecretsProblem, OSError) as exc:
        raise fail(str(exc), "nothing was written") from None
    say_keys(made, kept)
    side = secret_files(issuer)
    err.print("The provider reads them as:", markup=False)
    err.print(f"  GENESYS_OIDC_CLIENT_SECRET=\"$(cat {side.secret_file})\"", markup=False)
    err.print(f"  GENESYS_OIDC_PRIVATE_KEY_FILE={side.key_file}", markup=False)
    next_step("deploy both with your secret store (not with the code), enter the same client secret in the Genesys "
              "integration, then `migrate verify-deployment --deployment-id ... --issuer " + issuer + "`")
    raise typer.Exit(OK)


@app.command("rotate-key")
def rotate_key(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The site's folder (reads migrate.yaml).")]
    = Path("."),
    issuer: Annotated[str | None, typer.Option(help="The site's OpenID provider (default: migrate.yaml's).")] = None,
    promote: Annotated[bool, typer.Option("--promote", help="Step two: the next key becomes the signing key.")] = False,
) -> None:
    """Rotate the provider's signing key in two steps: publish the next key, then let it sign."""
    from migrate.generate import keys
    from migrate.generate.genesys_side import SecretsProblem, secrets_folder

    issuer = _issuer(path, issuer)
    key_file = secrets_folder(str(issuer)) / "oidc-signing-key.pem"
    try:
        done = keys.promote(key_file) if promote else keys.prepare(key_file)
    except (SecretsProblem, OSError) as exc:
        raise fail(str(exc)) from None
    for made in done.made:
        err.print(f"{'moved' if promote else 'created'} {made} (mode 0600; its value is not shown)", markup=False)
    err.print("Deploy the provider with:", markup=False)
    for line in done.env:
        err.print(f"  {line}", markup=False)
    if promote:
        err.print("The old key stays published (as the next key) so the ID tokens it signed still verify; unset "
                  "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE after 15 minutes.", markup=False)
    else:
        next_step("deploy it, wait longer than any JWKS cache (a day), then run `migrate rotate-key --promote`")
    raise typer.Exit(OK)
