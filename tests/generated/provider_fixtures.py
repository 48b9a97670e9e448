"""Fixtures the tests that run a provider share (imported by them): its signing key and its clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from relying_party import rsa_pem


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory) -> tuple[rsa.RSAPrivateKey, Path]:
    key, pem = rsa_pem()
    path = tmp_path_factory.mktemp("key") / "oidc-key.pem"
    path.write_bytes(pem)
    return key, path


@pytest.fixture
def clock(http, host):
    """Shifts the provider's clock (seconds) through its test hook; always put back."""
    def shift(seconds: int) -> None:
        http.post(f"{host.origin}/test/clock", params={"offset": seconds}).raise_for_status()

    try:
        yield shift
    finally:
        shift(0)
