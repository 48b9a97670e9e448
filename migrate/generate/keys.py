"""Rotating the provider's signing key without a sign-in failing in between.

Relying parties (Genesys) cache the JWKS. A new key must be published before it signs: step one
writes the next key beside the current one (the provider publishes it through
GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE); step two, once every cache has seen it, makes it the current
key and keeps the old one as the previous key until the tokens it signed have expired.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from migrate.generate.genesys_side import SecretsProblem, _write_private, new_signing_key

NEXT = "oidc-signing-key.next.pem"
PREVIOUS = "oidc-signing-key.previous.pem"


@dataclass(frozen=True)
class Rotation:
    made: tuple[str, ...]  # files created or moved, for the report
    env: tuple[str, ...]  # the provider settings to deploy now


def _private(path: Path) -> None:
    st = path.lstat()
    if path.is_symlink() or not path.is_file() or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise SecretsProblem(f"{path} is not a private file of yours; `chmod 600` it if it is yours")


def prepare(key_file: Path) -> Rotation:
    """Step one: the next key, published beside the current one."""
    if not key_file.exists():
        raise SecretsProblem(f"{key_file} does not exist: run `migrate generate --apply` first")
    _private(key_file)
    nxt = key_file.parent / NEXT
    if nxt.exists():
        _private(nxt)
        made: tuple[str, ...] = ()
    else:
        _write_private(nxt, new_signing_key())
        made = (str(nxt),)
    return Rotation(made, (f"GENESYS_OIDC_PRIVATE_KEY_FILE={key_file}", f"GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE={nxt}"))


def promote(key_file: Path) -> Rotation:
    """Step two: the next key signs; the old one stays published as the next key's predecessor is
    no longer needed once the tokens it signed have expired (15 minutes)."""
    nxt = key_file.parent / NEXT
    if not nxt.exists():
        raise SecretsProblem(f"{nxt} does not exist: run `migrate rotate-key` (without --promote) first, deploy, "
                             "and wait for the caches")
    _private(nxt)
    _private(key_file)
    previous = key_file.parent / PREVIOUS
    os.replace(key_file, previous)
    os.replace(nxt, key_file)
    return Rotation((f"{key_file} (was {NEXT})", f"{previous} (was the current key)"),
                    (f"GENESYS_OIDC_PRIVATE_KEY_FILE={key_file}", f"GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE={previous}"))
