"""The existing-IdP path end to end: a page migrated with `migrate generate --idp oidc` signs in at a
real OpenID provider (panva's oidc-provider, OpenID Certified, run on 127.0.0.1 as "the IdP" with the
client settings generate printed), in headless Chromium; the AuthProvider resolves the code it brings
back, and a stand-in for Genesys redeems it at the IdP's token endpoint with the client secret and
verifies the ID token against the IdP's JWKS, as Genesys does server side.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import threading
import urllib.parse
import urllib.request
from base64 import b64encode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from test_browser_migration import (
    CHROMIUM,
    DEPLOYMENT_ID,
    HERE,
    NODE_MODULES,
    _free_port,
    pytestmark,
)
from typer.testing import CliRunner

from migrate.cli import app

pytestmark = [*pytestmark, pytest.mark.skipif(not (NODE_MODULES / "oidc-provider").is_dir(),
                                              reason="oidc-provider is not installed (npm ci in tests/node)")]

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Support</title>
<!-- Start of Zendesk Widget script -->
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=3c1f9e0a-7b2d-4e8f-9a61-5d4c3b2a1f00"></script>
<!-- End of Zendesk Widget script -->
</head>
<body>
<p id="greeting">Welcome</p>
<script src="/js/chat.js"></script>
</body>
</html>
"""
CHAT = """zE('messenger', 'loginUser', function (callback) {
  fetch('/zendesk/jwt', { credentials: 'same-origin' })
    .then(function (response) { return response.text(); })
    .then(callback);
});
"""
SERVER = """const express = require('express');
const jwt = require('jsonwebtoken');
const app = express();
app.get('/zendesk/jwt', (req, res) => {
  const token = jwt.sign({ scope: 'user', external_id: String(req.user.id), name: req.user.name },
    process.env.ZENDESK_MESSAGING_SECRET, { algorithm: 'HS256', expiresIn: '5m' });
  res.send(token);
});
app.listen(3000);
"""


def _handler(site: Path):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            target = site / "views" / "index.html" if url.path == "/" else site / "public" / url.path.lstrip("/")
            if ".." in url.path or not target.is_file():
                body, status, kind = b"not found", 404, "text/plain"
            else:
                body, status = target.read_bytes(), 200
                kind = "text/html; charset=utf-8" if target.suffix == ".html" else "application/javascript"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _redeem(discovery: dict, client_id: str, secret: str, code: str, redirect_uri: str, verifier: str) -> dict:
    """What Genesys does with the code: the token endpoint, client_secret_basic (RFC 6749 2.3.1)."""
    basic = b64encode(f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}".encode())
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                   "code_verifier": verifier}).encode()
    request = urllib.request.Request(discovery["token_endpoint"], data=body, method="POST", headers={
        "Authorization": "Basic " + basic.decode(), "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _start_idp(port: int, client: dict) -> subprocess.Popen:
    idp = subprocess.Popen(["node", str(HERE / "idp_server.mjs"), json.dumps({"port": port, "client": client, "modules": str(NODE_MODULES),
                                                                              "seconds": 60})],
                           cwd=NODE_MODULES.parent, env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    line = idp.stdout.readline()  # type: ignore[union-attr]
    if not line:
        idp.kill()
        raise AssertionError(f"the IdP did not start: {idp.stderr.read()}")  # type: ignore[union-attr]
    return idp


def test_the_migrated_page_signs_in_at_the_idp_and_genesys_can_redeem_the_code(tmp_path):
    site = tmp_path / "support"
    for rel, text in {"views/index.html": PAGE, "public/js/chat.js": CHAT, "server.js": SERVER}.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    site_port, idp_port = _free_port(), _free_port()
    base, issuer = f"http://127.0.0.1:{site_port}", f"http://127.0.0.1:{idp_port}"
    r = CliRunner().invoke(app, ["generate", str(site), "--region", "eu-west-1", "--deployment-id", DEPLOYMENT_ID,
                                 "--idp", "oidc", "--idp-issuer", issuer, "--redirect-uri", f"{base}/",
                                 "--client-id", "genesys-messenger", "--apply", "--format", "json"])
    assert r.exit_code == 0, r.output
    generated = json.loads(r.stdout)["genesys"]
    assert not list(site.rglob("*oidc*")), "no provider on the IdP path"
    # The IdP gets the client exactly as generate describes it, plus the secret its admin would make.
    described = generated["idp"]["client"]
    client_secret = secrets.token_urlsafe(32)
    client = {"client_id": described["client_id"], "client_secret": client_secret,
              "redirect_uris": described["redirect_uris"], "response_types": described["response_types"],
              "grant_types": described["grant_types"],
              "token_endpoint_auth_method": described["token_endpoint_auth_method"]}

    idp = _start_idp(idp_port, client)
    server = ThreadingHTTPServer(("127.0.0.1", site_port), _handler(site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options = {"chromium": CHROMIUM, "profile": str(profile), "base": base, "idp": issuer,
               "stub": str(HERE / "idp_genesys_stub.js"), "login": "alice"}
    try:
        driver = subprocess.Popen(["node", str(HERE / "drive_idp_signin.js"), json.dumps(options)],
                                  env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = driver.communicate(timeout=50)
        except subprocess.TimeoutExpired:
            os.killpg(driver.pid, signal.SIGKILL)
            out, err = driver.communicate()
            raise AssertionError(f"the browser driver did not finish in 50 s: {err}") from None
        assert driver.returncode == 0, err
        report = json.loads(out)

        assert report["errors"] == [], report["errors"]
        # Nothing leaves the machine; the IdP's sign-in pages ask for a web font, refused here.
        assert all(urllib.parse.urlsplit(u).hostname in ("fonts.googleapis.com", "fonts.gstatic.com")
                   for u in report["blocked"]), report["blocked"]
        # 1. Signed in nowhere: the silent attempt (prompt=none) came back anonymous.
        anonymous = report["anonymous"]["stub"]
        assert anonymous["registered"] == ["AuthProvider"]
        assert anonymous["config"] == {"environment": "prod-euw1", "deploymentId": DEPLOYMENT_ID}
        assert anonymous["results"] == [{"command": "getAuthCode",
                                         "rejected": {"name": "AuthProviderError", "code": "login_required"}}]
        assert any(u.startswith(issuer) and "prompt=none" in u for u in report["visited"])
        # 2. Signed in at the IdP's own pages: the code, the nonce and the PKCE verifier for Messenger.
        signed_in = report["signedIn"]
        result = signed_in["stub"]["results"][0]
        assert result["command"] == "getAuthCode", result
        code = result["resolved"]
        assert set(code) == {"authCode", "redirectUri", "nonce", "codeVerifier", "iss"}
        assert code["redirectUri"] == f"{base}/" and code["iss"] == issuer
        assert "code=" not in signed_in["href"] and "state=" not in signed_in["href"], "the code stays in the URL"
        assert signed_in["stub"]["published"] == ["Auth.authenticated"]

        # 3. Genesys's part: redeem the code with the client secret, verify the ID token via the JWKS.
        discovery = _get(issuer + "/.well-known/openid-configuration")
        assert discovery["issuer"] == generated["idp"]["issuer"] == issuer
        tokens = _redeem(discovery, client["client_id"], client_secret, code["authCode"], code["redirectUri"],
                         code["codeVerifier"])
        header = jwt.get_unverified_header(tokens["id_token"])
        key = next(k for k in _get(discovery["jwks_uri"])["keys"] if k["kid"] == header["kid"])
        claims = jwt.decode(tokens["id_token"], jwt.PyJWK(key).key, algorithms=["RS256"],
                            audience=client["client_id"], issuer=issuer)
        assert claims["nonce"] == code["nonce"]
        assert (claims["sub"], claims["email"], claims["name"]) == ("alice", "alice@example.com", "Alice Example")
        # A code works once: a second redemption fails.
        with pytest.raises(urllib.error.HTTPError) as again:
            _redeem(discovery, client["client_id"], client_secret, code["authCode"], code["redirectUri"],
                    code["codeVerifier"])
        assert again.value.code == 400
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        os.killpg(idp.pid, signal.SIGTERM)
        idp.communicate(timeout=10)
