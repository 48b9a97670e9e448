"""`migrate rotate-key`: the provider's next signing key, published before it signs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from migrate.cli.app import OK, app, err, fail


@app.command("rotate-key")
def rotate_key(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The site's folder (reads migrate.yaml).")]
    = Path("."),
    issuer: Annotated[str | None, typer.Option(help="The site's OpenID provider (default: migrate.yaml's).")] = None,
    promote: Annotated[bool, typer.Option("--promote", help="Step two: the next key becomes the signing key.")] = False,
) -> None:
    """Rotate the provider's signing key in two steps: publish the next key, then let it sign."""
    from urllib.parse import urlsplit

    import yaml

    from migrate.generate import keys
    from migrate.generate.config import CONFIG_FILE
    from migrate.generate.genesys_side import SecretsProblem, secrets_folder

    if issuer is None and (path / CONFIG_FILE).is_file():
        try:
            issuer = (yaml.safe_load((path / CONFIG_FILE).read_text(encoding="utf-8")) or {}).get("issuer")
        except (OSError, yaml.YAMLError, AttributeError):
            issuer = None
    if not issuer or not urlsplit(str(issuer)).hostname:
        raise fail("no issuer: give --issuer https://shop.example.com/oidc or set `issuer:` in migrate.yaml")
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
        err.print("Then wait longer than any JWKS cache (a day) and run `migrate rotate-key --promote`.", markup=False)
    raise typer.Exit(OK)
