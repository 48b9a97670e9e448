"""check-token: a Genesys Platform API token, or another API's, is never judged by Zendesk rules when
the profile is guessed; and RS/PS/ES signatures verify against a PEM public key or certificate."""

from __future__ import annotations

import datetime
import json

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from token_factory import KID, NOW, SECRET, hs256, messaging_token, oidc_claims, rs256, rsa_key
from typer.testing import CliRunner

from migrate.cli import app

runner = CliRunner()
ZENDESK_RULES = {"ZG205", "ZG206", "ZG207", "ZG208", "ZG209", "ZG210", "ZG213"}


def cli_json(*args):
    r = runner.invoke(app, ["check-token", *args, "--now", str(NOW), "--format", "json"])
    return r.exit_code, (json.loads(r.stdout) if r.stdout.strip() else None), r


def rules(data) -> set[str]:
    return {f["rule"] for f in data["findings"]}


# -- API tokens are not widget tokens ------------------------------------------------------------

GENESYS_API = {"iss": "https://login.mypurecloud.ie", "sub": "7c5d2c61-oauth-client", "org": "d3e4f5a6",
               "iat": NOW - 60, "exp": NOW + 86_400}


@pytest.mark.parametrize("raw, why", [
    # A Genesys org token, as a person pastes it from the API explorer: a kid, and an org claim.
    (hs256(GENESYS_API, kid="gc-2023-11"), "Genesys Cloud's login service"),
    # Another service's token: OAuth scopes, a kid, a numeric sub, nothing of a widget.
    (hs256({"sub": 42, "scope": "orders:read orders:write", "iat": NOW - 5, "exp": NOW + 600}, kid="svc-1"),
     "API scope"),
    (hs256({"sub": "billing-worker", "jti": "7f1e", "iat": NOW - 5, "exp": NOW + 600}),
     "none of the Zendesk widget claims"),
])
def test_a_guessed_api_token_is_judged_by_no_zendesk_rule(raw, why):
    _, data, _ = cli_json(raw)
    assert data["profile"] == "api" and data["profile_guessed"] is True
    assert why in data["profile_reason"]
    assert not rules(data) & ZENDESK_RULES
    text = runner.invoke(app, ["check-token", raw, "--now", str(NOW)]).stdout
    assert text.splitlines()[0].startswith("profile    api (guessed: ")
    assert "ZG206" not in text and "ZG207" not in text


def test_the_genesys_api_token_is_still_told_it_cannot_sign_in_to_messenger():
    code, data, _ = cli_json(hs256(GENESYS_API, kid="gc-2023-11"))
    assert rules(data) == {"ZG301"} and code == 1


def test_an_expired_api_token_is_still_expired():
    code, data, _ = cli_json(hs256({"sub": "svc", "scope": "read", "iat": NOW - 900, "exp": NOW - 300}))
    assert data["profile"] == "api" and rules(data) == {"ZG214"} and code == 1


def test_chosen_profile_still_wins():
    raw = hs256({"sub": "svc", "scope": "read", "exp": NOW + 60}, kid=KID)
    _, data, _ = cli_json(raw, "--profile", "zendesk-messaging")
    assert data["profile"] == "zendesk-messaging" and {"ZG206", "ZG207"} <= rules(data)
    _, data, _ = cli_json(messaging_token(), "--profile", "api")
    assert data["profile"] == "api" and not rules(data)


@pytest.mark.parametrize("claims, profile", [
    ({"external_id": "u-1", "scope": "user", "name": "Jane", "exp": NOW + 300}, "zendesk-messaging"),
    ({"name": "Jane", "email": "jane@example.com", "iat": NOW, "jti": "hc-1"}, "zendesk-classic-hc"),
    ({"external_id": "u-1", "iat": NOW, "exp": NOW + 300}, "zendesk-classic-chat"),
    ({"name": "Jane", "email": "jane@example.com", "exp": NOW + 300}, "zendesk-messaging"),
])
def test_zendesk_widget_tokens_are_still_guessed_as_zendesk(claims, profile):
    _, data, _ = cli_json(hs256(claims, kid=KID) if "scope" in claims else hs256(claims))
    assert data["profile"] == profile


# -- PEM public keys --------------------------------------------------------------------------------

def _pem(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def rsa_pem(tmp_path):
    path = tmp_path / "provider.pem"
    path.write_bytes(_pem(rsa_key("kid-a").public_key()))
    return path


def test_rs256_verifies_with_the_pem_public_key(rsa_pem):
    code, data, _ = cli_json(rs256(oidc_claims(), "kid-a"), "--public-key", str(rsa_pem))
    assert data["signature"] == "verified", data["signature_detail"]
    assert "RSA 2048-bit public key" in data["signature_detail"] and code == 0


def test_rs256_with_another_key_is_zg216(rsa_pem):
    code, data, _ = cli_json(rs256(oidc_claims(), "kid-b"), "--public-key", str(rsa_pem))
    assert data["signature"] == "mismatch" and "ZG216" in rules(data) and code == 1


def test_es256_verifies_with_an_ec_key_and_not_with_an_rsa_key(tmp_path, rsa_pem):
    key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(oidc_claims(), key, algorithm="ES256", headers={"kid": "ec-1"})
    pem = tmp_path / "ec.pem"
    pem.write_bytes(_pem(key.public_key()))
    _, data, _ = cli_json(token, "--public-key", str(pem))
    assert data["signature"] == "verified" and "EC secp256r1" in data["signature_detail"]
    _, data, _ = cli_json(token, "--public-key", str(rsa_pem))
    assert data["signature"] == "mismatch" and "needs an EC key" in data["signature_detail"]
    p384 = tmp_path / "p384.pem"
    p384.write_bytes(_pem(ec.generate_private_key(ec.SECP384R1()).public_key()))
    _, data, _ = cli_json(token, "--public-key", str(p384))
    assert data["signature"] == "mismatch" and "secp256r1" in data["signature_detail"]


def test_a_certificate_is_taken_for_its_public_key(tmp_path):
    key = rsa_key("kid-a")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shop.example.com")])
    start = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    path = tmp_path / "cert.pem"
    path.write_bytes(b"subject=CN = shop.example.com\n" + cert.public_bytes(serialization.Encoding.PEM))
    _, data, _ = cli_json(rs256(oidc_claims(), "kid-a"), "--public-key", str(path))
    assert data["signature"] == "verified"


def test_a_private_key_is_refused_without_being_shown(tmp_path):
    path = tmp_path / "signing-key.pem"
    pem = rsa_key("kid-a").private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    path.write_bytes(pem)
    r = runner.invoke(app, ["check-token", rs256(oidc_claims(), "kid-a"), "--public-key", str(path)])
    assert r.exit_code == 2 and "private key" in r.stderr and "-pubout" in r.stderr
    body = pem.decode().splitlines()[1]
    assert body not in r.stdout + r.stderr


@pytest.mark.parametrize("content, words", [(b"not a key\n", "not a PEM public key"),
                                            (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                             "not a PEM public key")])
def test_a_file_that_is_no_public_key_is_a_usage_error(tmp_path, content, words):
    path = tmp_path / "key.pem"
    path.write_bytes(content)
    r = runner.invoke(app, ["check-token", rs256(oidc_claims(), "kid-a"), "--public-key", str(path)])
    assert r.exit_code == 2 and words in r.stderr and "Traceback" not in r.stderr


def test_public_key_with_another_verification_input_is_a_usage_error(rsa_pem, tmp_path, monkeypatch):
    monkeypatch.setenv("ZD_SECRET", SECRET)
    for extra in (["--jwks", str(tmp_path / "jwks.json")], ["--secret-env", "ZD_SECRET"]):
        r = runner.invoke(app, ["check-token", rs256(oidc_claims(), "kid-a"), "--public-key", str(rsa_pem), *extra])
        assert r.exit_code == 2 and "one of --public-key" in r.stderr


def test_hs256_cannot_be_checked_with_a_public_key(rsa_pem):
    _, data, _ = cli_json(messaging_token(), "--public-key", str(rsa_pem))
    assert data["signature"] == "not-checked" and "HS* needs the secret" in data["signature_detail"]


def test_a_directory_is_not_a_public_key(tmp_path):
    r = runner.invoke(app, ["check-token", rs256(oidc_claims(), "kid-a"), "--public-key", str(tmp_path)])
    assert r.exit_code == 2 and "not a regular file" in r.stderr
