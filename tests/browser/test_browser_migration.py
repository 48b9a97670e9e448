"""The migrated example in a real browser: headless Chromium, driven by playwright-core
(tests/browser/drive_page.js), opens the site `migrate generate --apply` produced, served by node
on 127.0.0.1 with its generated OpenID provider. The Genesys bootstrap URL is answered with a local
stub (tests/browser/genesys_stub.js) that runs the page's AuthProvider plugin as Messenger would;
every other outside request is refused. The visitor signs in through the page's own form; the code
the plugin resolves in the page is then redeemed at the provider's /token, as Genesys would, for an
ID token with the visitor's claims. A screenshot of the page is left in tests/artifacts/.

`make test` installs Debian's chromium; where it cannot (no apt-get), this test is skipped and says
why.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
import pytest
from typer.testing import CliRunner

from migrate.cli import app

from conftest import ROOT

HERE = ROOT / "tests" / "browser"
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
CHROMIUM = "/usr/bin/chromium"
# Written by `make test` when it could not install chromium, with the reason.
UNAVAILABLE = ROOT / ".venv" / "chromium-unavailable"
ARTIFACTS = ROOT / "tests" / "artifacts"
BOOTSTRAP = "https://apps.mypurecloud.ie/genesys-bootstrap/genesys.min.js"
DEPLOYMENT_ID = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
CLIENT_ID = "genesys-messenger"
VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def _chromium_missing() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return None
    if UNAVAILABLE.is_file():
        return UNAVAILABLE.read_text().strip()
    return f"{CHROMIUM} not found (make test installs Debian's chromium)"


pytestmark = [
    pytest.mark.skipif(not shutil.which("node") or not (NODE_MODULES / "playwright-core").is_dir()
                       or not (NODE_MODULES / "express-session").is_dir(),
                       reason="node and the npm test packages (make test installs them) are "
                              "needed"),
    pytest.mark.skipif(_chromium_missing() is not None, reason=str(_chromium_missing())),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def migrated(tmp_path, monkeypatch):
    site = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", site)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    issuer = f"{base}/oidc"
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    r = CliRunner().invoke(app, ["generate", str(site), "--region", "eu-west-1", "--issuer", issuer,
                                 "--deployment-id", DEPLOYMENT_ID, "--apply"])
    assert r.exit_code == 0, r.stderr
    secret = (tmp_path / "secrets" / "client-secret").read_text().strip()
    env = {**os.environ, "PORT": str(port), "SESSION_SECRET": secrets.token_hex(16),
           "NODE_PATH": str(NODE_MODULES), "GENESYS_OIDC_ISSUER": issuer,
           "GENESYS_OIDC_CLIENT_ID": CLIENT_ID, "GENESYS_OIDC_CLIENT_SECRET": secret,
           "GENESYS_OIDC_PRIVATE_KEY_FILE": str(tmp_path / "secrets" / "oidc-signing-key.pem"),
           "GENESYS_OIDC_REDIRECT_URIS": f"{base}/"}
    proc = subprocess.Popen(["node", "server.js"], cwd=site, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stderr.read().decode() if proc.poll() is not None
                                         else "no start")
                time.sleep(0.1)
        yield base, issuer, secret
    finally:
        proc.kill()
        proc.wait(timeout=5)


def drive(tmp_path, base: str, screenshot) -> dict:
    options = {"chromium": CHROMIUM, "profile": str(tmp_path / "chromium-profile"), "base": base,
               "stub": str(HERE / "genesys_stub.js"), "email": "ada@example.com",
               "password": "lovelace", "screenshot": str(screenshot)}
    (tmp_path / "chromium-profile").mkdir()
    # Its own process group, so that a driver that overruns goes with its browser.
    driver = subprocess.Popen(["node", str(HERE / "drive_page.js"), json.dumps(options)],
                              env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        out, err = driver.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(driver.pid, signal.SIGKILL)
        out, err = driver.communicate()
        raise AssertionError(f"the browser driver did not finish in 30 s: {err}") from None
    assert driver.returncode == 0, err
    return json.loads(out)


def test_migrated_page_signs_the_visitor_in_to_messenger(migrated, tmp_path):
    base, issuer, secret = migrated
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "browser-migrated-page.png"
    screenshot.unlink(missing_ok=True)
    report = drive(tmp_path, base, screenshot)
    assert report["errors"] == []

    # No Zendesk loader: never requested, no script element for it, no zE global.
    assert not [url for url in report["requests"] if "zdassets" in url]
    for page in (report["signedOut"], report["signedIn"]):
        assert page["zendeskScripts"] == [] and page["zendeskGlobal"] is False
        assert not [url for url in page["resources"] if "zdassets" in url]
        assert page["genesysScripts"] == [BOOTSTRAP]
        assert page["secureContext"] is True  # WebCrypto, which the plugin needs, is available
    # The Genesys bootstrap was the only outside request, and it was answered by the stub.
    assert report["served"] == [BOOTSTRAP, BOOTSTRAP]
    assert not [url for url in report["blocked"] if "genesys" in url]

    # The snippet handed its configuration over; chat.js registered the AuthProvider; it was ready.
    for page in (report["signedOut"], report["signedIn"]):
        stub = page["stub"]
        assert stub["config"] == {"environment": "prod-euw1", "deploymentId": DEPLOYMENT_ID}
        assert stub["registered"] == ["AuthProvider"]
        assert stub["commands"] == ["getAuthCode", "signIn", "reAuthenticate"]
        assert stub["ready"] == 1

    # Signed out, Messenger stays anonymous.
    (anonymous,) = report["signedOut"]["stub"]["results"]
    assert anonymous["rejected"]["code"] == "login_required"

    # Signed in through the page's form, the plugin resolves a code with its nonce and verifier.
    assert ["POST", f"{base}/login", 302] in report["responses"]
    (result,) = report["signedIn"]["stub"]["results"]
    resolved = result.get("resolved")
    assert resolved, result
    assert set(resolved) == {"authCode", "redirectUri", "nonce", "codeVerifier"}
    assert resolved["redirectUri"] == f"{base}/"
    assert VERIFIER.match(resolved["codeVerifier"]) and len(resolved["nonce"]) >= 22
    # ... and asked the provider for it with that nonce and the S256 challenge of that verifier.
    asked = [url for url in report["requests"] if url.startswith(f"{issuer}/authorize?")]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(asked[-1]).query)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(resolved["codeVerifier"].encode()).digest())
    assert query["nonce"] == [resolved["nonce"]] and query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [challenge.rstrip(b"=").decode()]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Genesys's side: redeem the code with the client secret and the verifier, check the ID token.
    auth = base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode()
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": resolved["authCode"],
                                   "redirect_uri": resolved["redirectUri"],
                                   "code_verifier": resolved["codeVerifier"]}).encode()
    token_req = urllib.request.Request(f"{issuer}/token", data=body,
                                       headers={"Authorization": f"Basic {auth}"})
    tokens = json.loads(urllib.request.urlopen(token_req, timeout=5).read())
    jwks = json.loads(urllib.request.urlopen(f"{issuer}/jwks.json", timeout=5).read())
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == "RS256"
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(tokens["id_token"], jwt.PyJWK(key).key, algorithms=["RS256"],
                        audience=CLIENT_ID, issuer=issuer)
    assert claims["sub"] == "4217"
    assert (claims["name"], claims["email"], claims["email_verified"]) == (
        "Ada Lovelace", "ada@example.com", True)
    assert claims["nonce"] == resolved["nonce"]
