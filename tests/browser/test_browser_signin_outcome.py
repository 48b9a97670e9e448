"""A migrated page whose Zendesk sign-in callback decides what the visitor sees, in a real browser.

The site is written here: a page with the Zendesk loader and widget settings, and a script that
signs the visitor in only where `window.zE` exists, removing the chat panel when sign-in fails
and greeting the visitor when it works. `migrate generate --apply` migrates it; the page is then
served on 127.0.0.1 with a stand-in for the site's OpenID provider's /authorize (a code for the
session cookie, `login_required` without it). Headless Chromium loads it with the Genesys bootstrap
stub (tests/browser/genesys_stub.js), which runs the AuthProvider as Messenger would and publishes
Auth.authenticated or Auth.authError: the kept callback must run in both cases.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from test_browser_migration import (  # noqa: F401
    CHROMIUM,
    DEPLOYMENT_ID,
    HERE,
    NODE_MODULES,
    _free_port,
    pytestmark,
)
from typer.testing import CliRunner

from migrate.cli import app

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Support</title>
<script>
  window.zESettings = { webWidget: { color: { theme: '#004b87' }, position: { horizontal: 'left' } } };
</script>
<!-- Start of Zendesk Widget script -->
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=3c1f9e0a-7b2d-4e8f-9a61-5d4c3b2a1f00"></script>
<!-- End of Zendesk Widget script -->
</head>
<body>
<p id="greeting">Welcome</p>
<section id="chat">Chat with our team</section>
<script src="/js/chat.js"></script>
</body>
</html>
"""

CHAT = """// Signed-in support chat: without a sign-in the panel goes.
if (typeof window.zE === 'function') {
  zE('messenger', 'loginUser', function (callback) {
    fetch('/zendesk/jwt', { credentials: 'same-origin' })
      .then(function (response) { return response.text(); })
      .then(callback);
  }, function (error) {
    if (error) {
      document.getElementById('chat').remove();
      return;
    }
    document.getElementById('greeting').textContent = 'Signed in to chat';
  });
}
"""

SESSION = secrets.token_hex(8)


def _site(root: Path) -> Path:
    for rel, text in {"views/index.html": PAGE, "public/js/chat.js": CHAT}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _handler(site: Path):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/oidc/authorize":
                # What the site's provider answers the AuthProvider: a code for the session only.
                query = urllib.parse.parse_qs(url.query)
                if f"session={SESSION}" not in (self.headers.get("Cookie") or ""):
                    return self._send(401, b'{"error":"login_required"}', "application/json")
                body = {"code": secrets.token_urlsafe(16), "state": query["state"][0]}
                return self._send(200, json.dumps(body).encode(), "application/json")
            target = site / "views" / "index.html" if url.path == "/" else site / "public" / url.path.lstrip("/")
            if ".." in url.path or not target.is_file():
                return self._send(404, b"not found", "text/plain")
            kind = "text/html; charset=utf-8" if target.suffix == ".html" else "application/javascript"
            return self._send(200, target.read_bytes(), kind)

    return Handler


def test_kept_signin_callback_runs_on_the_messenger_outcome(tmp_path, monkeypatch):
    site = _site(tmp_path / "support")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    r = CliRunner().invoke(app, ["generate", str(site), "--region", "eu-west-1", "--issuer", f"{base}/oidc",
                                 "--deployment-id", DEPLOYMENT_ID, "--apply"])
    assert r.exit_code == 0, r.stderr
    assert "zdassets" not in (site / "views" / "index.html").read_text()

    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options = {"chromium": CHROMIUM, "profile": str(profile), "base": base, "stub": str(HERE / "genesys_stub.js"),
               "cookie": {"name": "session", "value": SESSION}}
    try:
        driver = subprocess.Popen(["node", str(HERE / "drive_signin_outcome.js"), json.dumps(options)],
                                  env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = driver.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(driver.pid, signal.SIGKILL)
            out, err = driver.communicate()
            raise AssertionError(f"the browser driver did not finish in 30 s: {err}") from None
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert driver.returncode == 0, err
    report = json.loads(out)
    assert report["errors"] == []
    assert not [url for url in report["requests"] if "zdassets" in url]
    for page in (report["signedOut"], report["signedIn"]):
        assert page["zendeskGlobal"] is False
        assert page["stub"]["registered"] == ["AuthProvider"]  # the guard let the sign-in run
        assert page["stub"]["config"] == {"environment": "prod-euw1", "deploymentId": DEPLOYMENT_ID}

    signed_out = report["signedOut"]
    assert signed_out["stub"]["results"][0]["rejected"]["code"] == "login_required"
    assert signed_out["stub"]["published"] == ["Auth.authError"]
    assert (signed_out["chat"], signed_out["greeting"]) == ("removed", "Welcome")

    signed_in = report["signedIn"]
    assert "authCode" in signed_in["stub"]["results"][0]["resolved"]
    assert signed_in["stub"]["published"] == ["Auth.authenticated"]
    assert (signed_in["chat"], signed_in["greeting"]) == ("present", "Signed in to chat")
