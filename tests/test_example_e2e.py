"""The bundled example migrates end to end: `migrate generate --apply`, then the migrated site runs
under node, a customer signs in, and the provider issues a code that redeems for an ID token
carrying the claims the old Zendesk code computed."""

import base64
import hashlib
import http.cookiejar
import json
import re
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from migrate.cli import app

from conftest import ROOT

NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
pytestmark = pytest.mark.skipif(not shutil.which("node") or not (NODE_MODULES / "express-session").is_dir(),
                                reason="node and the npm test packages (make test installs them) are needed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def migrated(tmp_path, monkeypatch):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/oidc"
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    r = CliRunner().invoke(app, ["generate", str(site), "--region", "eu-west-1", "--issuer", issuer,
                                 "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60", "--apply"])
    assert r.exit_code == 0, r.stderr
    secret = (tmp_path / "secrets" / "client-secret").read_text().strip()
    key_file = tmp_path / "secrets" / "oidc-signing-key.pem"
    env = {**os.environ, "PORT": str(port), "SESSION_SECRET": secrets.token_hex(16),
           "NODE_PATH": str(NODE_MODULES), "GENESYS_OIDC_ISSUER": issuer,
           "GENESYS_OIDC_CLIENT_ID": "genesys-messenger", "GENESYS_OIDC_CLIENT_SECRET": secret,
           "GENESYS_OIDC_PRIVATE_KEY_FILE": str(key_file),
           "GENESYS_OIDC_REDIRECT_URIS": f"http://127.0.0.1:{port}/"}
    proc = subprocess.Popen(["node", "server.js"], cwd=site, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/oidc/.well-known/openid-configuration", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stderr.read().decode() if proc.poll() is not None else "no start")
                time.sleep(0.1)
        yield site, port, issuer, secret
    finally:
        proc.kill()
        proc.wait(timeout=5)


def test_migrated_site_serves_its_provider_and_page(migrated):
    site, port, issuer, secret = migrated
    base = f"http://127.0.0.1:{port}"
    page = urllib.request.urlopen(base + "/", timeout=5).read().decode()
    assert "zdassets" not in page and "genesys-bootstrap/genesys.min.js" in page
    chat = urllib.request.urlopen(base + "/chat.js", timeout=5).read().decode()
    assert "registerPlugin" in chat and "zE(" not in chat.replace("// zE(", "")

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    form = urllib.parse.urlencode({"email": "ada@example.com", "password": "lovelace"}).encode()
    with pytest.raises(urllib.error.HTTPError) as login:  # 302 to / once signed in
        opener.open(base + "/login", data=form, timeout=5)
    assert login.value.code == 302

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    nonce, state = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": "genesys-messenger", "redirect_uri": base + "/",
        "scope": "openid profile email", "state": state, "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256"})
    req = urllib.request.Request(f"{issuer}/authorize?{query}", headers={"Accept": "application/json"})
    answer = json.loads(opener.open(req, timeout=5).read())
    assert answer["state"] == state

    auth = base64.b64encode(f"genesys-messenger:{secret}".encode()).decode()
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": answer["code"],
                                   "redirect_uri": base + "/", "code_verifier": verifier}).encode()
    token_req = urllib.request.Request(f"{issuer}/token", data=body, headers={"Authorization": f"Basic {auth}"})
    tokens = json.loads(urllib.request.urlopen(token_req, timeout=5).read())

    jwks = json.loads(urllib.request.urlopen(f"{issuer}/jwks.json", timeout=5).read())
    header = jwt.get_unverified_header(tokens["id_token"])
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(tokens["id_token"], jwt.PyJWK(key).key, algorithms=["RS256"],
                        audience="genesys-messenger", issuer=issuer)
    # The old code put external_id: req.user.id, name, email, email_verified: true in the Zendesk JWT.
    assert claims["sub"] == "4217"
    assert (claims["name"], claims["email"], claims["email_verified"]) == ("Ada Lovelace", "ada@example.com", True)
    assert claims["nonce"] == nonce and claims["exp"] - claims["iat"] <= 600

    # the code is single use
    with pytest.raises(urllib.error.HTTPError) as again:
        urllib.request.urlopen(urllib.request.Request(f"{issuer}/token", data=body,
                                                      headers={"Authorization": f"Basic {auth}"}), timeout=5)
    assert again.value.code == 400 and json.loads(again.value.read())["error"] == "invalid_grant"


def test_signed_out_visitor_gets_no_code(migrated):
    _, port, issuer, _ = migrated
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": "genesys-messenger", "redirect_uri": f"http://127.0.0.1:{port}/",
        "scope": "openid", "state": "s", "nonce": "n", "code_challenge": "x" * 43, "code_challenge_method": "S256"})
    req = urllib.request.Request(f"{issuer}/authorize?{query}", headers={"Accept": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 401
    assert "code" not in json.loads(info.value.read())


def test_second_generate_after_apply_is_empty(migrated):
    site, port, issuer, _ = migrated
    r = CliRunner().invoke(app, ["generate", str(site), "--region", "eu-west-1", "--issuer", issuer,
                                 "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"])
    assert r.exit_code == 0 and r.stdout == ""


# The key generate made for the provider (on --apply) is what the provider signed with above.
def test_generated_key_is_a_3072_bit_rsa_key(migrated, tmp_path):
    key = serialization.load_pem_private_key((tmp_path / "secrets" / "oidc-signing-key.pem").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 3072
    assert oct((tmp_path / "secrets" / "oidc-signing-key.pem").stat().st_mode & 0o777) == "0o600"


def test_scan_of_the_migrated_site_then_of_the_cut_over_site(migrated):
    """Migrated, the Zendesk route stays beside the provider (ZG220, rollback is reverting the
    page); after `--cutover` the scan is clean."""
    from migrate.scan import scan

    site, _port, issuer, _ = migrated
    result = scan(str(site), jobs=1)
    zendesk = [v for v in result.inventory.signers if v.purpose == "zendesk"]
    assert [v.signer.route for v in zendesk] == ["GET /zendesk/jwt"]
    assert [f.rule for f in result.findings if f.rule == "ZG220"] == ["ZG220"]
    kinds = {w.kind for w in result.inventory.widgets}
    assert kinds == {"genesys-messenger"}, kinds
    id_tokens = [v for v in result.inventory.signers if v.purpose == "openid-provider"]  # the one generate wrote
    assert id_tokens and all(v.signer.algorithm == "RS256" for v in id_tokens)

    r = CliRunner().invoke(app, ["generate", str(site), "--region", "eu-west-1", "--issuer", issuer,
                                 "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60", "--cutover", "--apply"])
    assert r.exit_code == 0, r.stderr
    assert "server.js" in r.stderr and "removed" in r.stderr
    result = scan(str(site), jobs=1)
    assert [f for f in result.findings if f.severity in ("error", "warning")] == []
    assert not [v for v in result.inventory.signers if v.purpose == "zendesk"]
    assert "jsonwebtoken" not in (site / "package.json").read_text()


def test_a_certified_relying_party_signs_in_through_the_migrated_site(migrated):
    """panva's openid-client (OpenID Certified RP) against the migrated example: discovery, code +
    PKCE + nonce + state, the ID token validated by the library, userinfo, and the refusals."""
    from generated.certified_rp import drive

    _site, port, issuer, secret = migrated
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    form = urllib.parse.urlencode({"email": "ada@example.com", "password": "lovelace"}).encode()
    with pytest.raises(urllib.error.HTTPError):  # 302 once signed in
        opener.open(base + "/login", data=form, timeout=5)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    chat = (_site / "public" / "chat.js").read_text()
    scope = re.search(r"const SCOPE = (\"[^\"]+\")", chat)
    assert scope, "the AuthProvider states the scope it asks for"
    seen = drive(issuer, client_id="genesys-messenger", client_secret=secret, redirect_uri=base + "/",
                 headers={"Cookie": cookie}, scope=json.loads(scope.group(1)), refresh=True)
    assert seen["issuer"] == issuer and seen["authorize_status"] == 302
    assert seen["claims"]["sub"] == "4217" and seen["claims"]["email"] == "ada@example.com"
    assert seen["userinfo"]["sub"] == "4217"
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] is not None  # the library refuses an ID token for another nonce
    assert "S256" in seen["discovery"]["code_challenge_methods_supported"]
    # the page asks for offline_access, so Genesys can renew its session without the visitor
    assert seen["refresh_token"] and seen["refreshed"] == {"sub": "4217", "rotated": True}
    assert seen["refresh_reused"] == "invalid_grant"
