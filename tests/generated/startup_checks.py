"""The start-up refusals of a provider whose host app stops with one line naming the bad settings
(test_node_provider.py, test_ruby_provider.py): tests run against the fixtures of the module that
imports them, `refused` (key file, settings -> what the app said as it stopped), `started` (key
file, key -> a running app's Host, as a context manager), `signing_key` and `http`."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from relying_party import rfc7638_thumbprint, rsa_pem


def test_missing_settings_stop_start_up_naming_them_all(refused, signing_key):
    message = refused(signing_key[1], GENESYS_OIDC_CLIENT_SECRET="  ", GENESYS_OIDC_PRIVATE_KEY_FILE=None,
                      GENESYS_OIDC_REDIRECT_URIS=None)
    assert len(message.strip().splitlines()) == 1
    for name in ("GENESYS_OIDC_CLIENT_SECRET", "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS"):
        assert name in message
    assert "GENESYS_OIDC_ISSUER" not in message and "GENESYS_OIDC_CLIENT_ID" not in message


@pytest.mark.parametrize("issuer", ["http://shop.example.com/oidc", "http://localhost.example.com/oidc"])
def test_http_issuer_is_refused_off_localhost(refused, signing_key, issuer):
    message = refused(signing_key[1], GENESYS_OIDC_ISSUER=issuer)
    assert "GENESYS_OIDC_ISSUER" in message and "https" in message


def weak_key(tmp_path, kind: str):
    """A key file every provider must refuse: RSA under 2048 bits ("rsa-1024"), or not RSA ("ec-p256")."""
    if kind == "rsa-1024":
        pem = rsa_pem(1024)[1]
    else:
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    key_file = tmp_path / "weak.pem"
    key_file.write_bytes(pem)
    return key_file


@pytest.mark.parametrize("kind", ["rsa-1024", "ec-p256"])
def test_weak_or_non_rsa_key_is_refused(refused, tmp_path, kind):
    message = refused(weak_key(tmp_path, kind))
    assert "GENESYS_OIDC_PRIVATE_KEY_FILE" in message and "2048" in message


def test_pkcs1_key_is_accepted(started, tmp_path, http):
    key, pem = rsa_pem(pkcs1=True)
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    key_file = tmp_path / "pkcs1.pem"
    key_file.write_bytes(pem)
    with started(key_file, key) as running:
        (jwk,) = http.get(f"{running.issuer}/jwks.json").json()["keys"]
        assert jwk["kid"] == rfc7638_thumbprint(key)
