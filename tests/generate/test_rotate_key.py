"""`migrate rotate-key`: the next signing key is made and published before it signs."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from migrate.cli import app

ISSUER = "https://shop.example.com/oidc"


def _key(path):
    return serialization.load_pem_private_key(path.read_bytes(), None)


def test_two_steps_publish_then_promote(tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    env = {"MIGRATE_SECRETS_DIR": str(secrets)}
    current = secrets / "oidc-signing-key.pem"
    r = CliRunner().invoke(app, ["rotate-key", str(tmp_path), "--issuer", ISSUER], env=env)
    assert r.exit_code == 2 and "run `migrate generate --apply` first" in r.stderr

    from migrate.generate.genesys_side import _write_private, new_signing_key

    _write_private(current, new_signing_key())
    old = _key(current).public_key().public_numbers()
    r = CliRunner().invoke(app, ["rotate-key", str(tmp_path), "--issuer", ISSUER], env=env)
    assert r.exit_code == 0, r.stderr
    nxt = secrets / "oidc-signing-key.next.pem"
    assert oct(nxt.stat().st_mode & 0o777) == "0o600"
    assert f"GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE={nxt}" in r.stderr and "BEGIN" not in r.stderr + r.stdout
    new = _key(nxt).public_key().public_numbers()
    assert new != old
    # run again: the same next key, nothing new
    again = CliRunner().invoke(app, ["rotate-key", str(tmp_path), "--issuer", ISSUER], env=env)
    assert again.exit_code == 0 and "created" not in again.stderr
    r = CliRunner().invoke(app, ["rotate-key", str(tmp_path), "--issuer", ISSUER, "--promote"], env=env)
    assert r.exit_code == 0, r.stderr
    assert _key(current).public_key().public_numbers() == new
    assert _key(secrets / "oidc-signing-key.previous.pem").public_key().public_numbers() == old
    assert not nxt.exists()


def test_a_key_others_can_read_is_refused(tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    (secrets / "oidc-signing-key.pem").write_text("x")
    os.chmod(secrets / "oidc-signing-key.pem", 0o644)
    r = CliRunner().invoke(app, ["rotate-key", str(tmp_path), "--issuer", ISSUER],
                           env={"MIGRATE_SECRETS_DIR": str(secrets)})
    assert r.exit_code == 2 and "not a private file of yours" in r.stderr
    assert not (secrets / "oidc-signing-key.next.pem").exists()
