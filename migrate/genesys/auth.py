"""Where the verify commands find Genesys Cloud credentials, in this order:

1. an OAuth client: ``--client-id`` / ``GENESYSCLOUD_OAUTHCLIENT_ID`` with its secret in
   ``GENESYSCLOUD_OAUTHCLIENT_SECRET`` (or the variable ``--client-secret-env`` names);
2. an access token in ``GENESYSCLOUD_ACCESS_TOKEN`` (no grant is asked for: the token is used as
   it is, and tokens/me says which client it belongs to);
3. a profile of the Genesys Cloud CLI (``gc``): ``~/.gc/config.toml``, one TOML table per profile
   (``[DEFAULT]`` unless another is named) holding ``environment`` (mypurecloud.com, or an AWS
   region) and either ``client_credentials`` (the client id) with ``client_secret``, or
   ``access_token`` -- the format the CLI's README gives for writing the file by hand.

Nothing here prints a secret or a token; a profile is named by its table and its file only.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

ID_ENV, SECRET_ENV = "GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_SECRET"
TOKEN_ENV = "GENESYSCLOUD_ACCESS_TOKEN"
GC_CONFIG = Path("~/.gc/config.toml")
GC_DEFAULT = "DEFAULT"
MAX_CONFIG = 256 * 1024  # bytes: a handful of profiles


class CredentialsError(Exception):
    """No usable credentials; ``message`` and ``hint`` say what to set (never a secret)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Found:
    client_id: str  # "" for an access token: tokens/me tells the client
    secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    source: str = ""  # where they came from, in words ("GENESYSCLOUD_ACCESS_TOKEN", "gc profile DEFAULT ...")
    environment: str | None = None  # a gc profile's environment, when it has one


def resolve(client_id: str | None, secret_env: str = SECRET_ENV, gc_profile: str | None = None,
            environ: dict[str, str] | None = None, home: Path | None = None) -> Found:
    """The credentials to use, from the first source that has them (see the module's doc)."""
    env = os.environ if environ is None else environ
    if gc_profile is None:
        if client_id:
            secret = env.get(secret_env)
            if not secret:
                raise CredentialsError(
                    f"the environment variable {secret_env} is not set",
                    f"export {secret_env}=... (the client's secret) or name another variable with "
                    "--client-secret-env")
            return Found(client_id.strip(), secret, None, f"OAuth client {client_id.strip()} (${secret_env})")
        token = env.get(TOKEN_ENV, "").strip()
        if token:
            return Found("", None, token.removeprefix("Bearer ").strip(), f"${TOKEN_ENV}")
    path = (home / ".gc" / "config.toml") if home is not None else GC_CONFIG.expanduser()
    name = gc_profile or GC_DEFAULT
    profiles = _read(path, required=gc_profile is not None)
    if profiles is None:
        raise CredentialsError(
            "no Genesys Cloud credentials",
            f"pass --client-id (or set {ID_ENV}) with the secret in {secret_env}, set {TOKEN_ENV}, or create "
            f"a gc CLI profile (gc profiles new: {GC_CONFIG})")
    table = profiles.get(name)
    if not isinstance(table, dict):
        known = ", ".join(sorted(k for k, v in profiles.items() if isinstance(v, dict))) or "none"
        raise CredentialsError(f"{path} has no profile {name!r} (it has: {known})",
                               "name one with --gc-profile, or run gc profiles new")
    environment = _text(table.get("environment"))
    where = f"gc profile {name!r} of {path}"
    token = _text(table.get("access_token"))
    client, secret = _text(table.get("client_credentials")), _text(table.get("client_secret"))
    if client and secret:
        return Found(client, secret, None, where, environment)
    if token:
        return Found("", None, token, where, environment)
    raise CredentialsError(f"{where} has neither client_credentials with client_secret nor access_token",
                           "run gc profiles new, or add those keys to the profile")


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _read(path: Path, required: bool) -> dict | None:
    import tomllib

    try:
        info = path.stat()
    except OSError:
        if required:
            raise CredentialsError(f"cannot read {path}: no such file", "run gc profiles new") from None
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CONFIG:
        raise CredentialsError(f"{path} is not a gc CLI configuration file", "run gc profiles new")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message names a line and column, never the value.
        raise CredentialsError(f"{path} is not valid TOML ({exc})", "see gc profiles new") from None
    return data
