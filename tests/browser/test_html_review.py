"""The review pages of `migrate generate --html` and `migrate scan --html` in headless Chromium, driven by
playwright-core (tests/browser/drive_review.js) from file:// with every other request refused: the page
needs no network, its text holds per file the findings, the counts, each change with its reason and rule,
the provider collapsed under its template and version, and the Genesys steps, but no secret value; it is
walked with the keyboard alone. A screenshot is left in tests/artifacts/.

`make test` installs Debian's chromium; where it cannot (no apt-get), this test is skipped and says why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from migrate import __version__
from migrate.cli import app

HERE = ROOT / "tests" / "browser"
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
CHROMIUM = "/usr/bin/chromium"
UNAVAILABLE = ROOT / ".venv" / "chromium-unavailable"  # written by `make test` when it could not install chromium
ARTIFACTS = ROOT / "tests" / "artifacts"
ISSUER = "https://shop.example.com/oidc"
FLAGS = ["--region", "eu-west-1", "--deployment-id", "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60", "--issuer", ISSUER]
# A widget signing secret pasted into the page's script: the scan flags it, the patch shows the line.
PASTED_SECRET = "zd-Lk29fQ8xTn4Rv7Wp2Hs6Jd"


def _chromium_missing() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return None
    if UNAVAILABLE.is_file():
        return UNAVAILABLE.read_text().strip()
    return f"{CHROMIUM} not found (make test installs Debian's chromium)"


pytestmark = [
    pytest.mark.skipif(not shutil.which("node") or not (NODE_MODULES / "playwright-core").is_dir(),
                       reason="node and the npm test packages (make test installs them) are needed"),
    pytest.mark.skipif(_chromium_missing() is not None, reason=str(_chromium_missing())),
]

runner = CliRunner()


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    shop = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", shop)
    chat = shop / "public" / "chat.js"
    lines = chat.read_text().splitlines(keepends=True)
    lines.insert(1, f"var widgetSecret = '{PASTED_SECRET}';  // copied from Admin Center\n")
    chat.write_text("".join(lines))
    return shop


def drive(tmp_path: Path, page: Path, screenshot: Path, keys: list[str]) -> dict:
    profile = tmp_path / f"profile-{page.stem}"
    profile.mkdir()
    options = {"chromium": CHROMIUM, "profile": str(profile), "url": page.resolve().as_uri(),
               "screenshot": str(screenshot), "keys": keys}
    # Its own process group, so that a driver that overruns goes with its browser.
    driver = subprocess.Popen(["node", str(HERE / "drive_review.js"), json.dumps(options)],
                              env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = driver.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(driver.pid, signal.SIGKILL)
        out, err = driver.communicate()
        raise AssertionError(f"the browser driver did not finish in 30 s: {err}") from None
    assert driver.returncode == 0, err
    return json.loads(out)


def test_the_generate_review_page_in_chromium(site, tmp_path):
    keys_made = runner.invoke(app, ["keys", str(site), "--issuer", ISSUER])
    assert keys_made.exit_code == 0, keys_made.stderr
    client_secret = (tmp_path / "secrets" / "client-secret").read_text().strip()
    page, patch = tmp_path / "review.html", tmp_path / "genesys.patch"
    r = runner.invoke(app, ["generate", str(site), *FLAGS, "--patch-file", str(patch), "--html", str(page)])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "" and f"wrote the review page to {page}" in r.stderr
    assert 'var widgetSecret = "***";' in patch.read_text(), "the patch shows the pasted secret's line, masked"
    assert PASTED_SECRET not in patch.read_text()

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "html-review-generate.png"
    shot.unlink(missing_ok=True)
    report = drive(tmp_path, page, shot, ["Tab", "j", "j", "k", "o", "o"])
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert report["blocked"] == [] and report["errors"] == []
    text, source = report["text"], report["html"]
    assert report["title"] == "migrate generate: shop"

    # no secret value: not the pasted one (masked), not the client secret
    assert PASTED_SECRET not in source and client_secret not in source
    assert 'var widgetSecret = "***";' in text
    assert "(never shown here)" in text

    # per file: counts, findings, each change with its reason and rule
    assert re.search(r"public/chat\.js\s+changed\s+\+\d+\s+-\d+\s+\d+ error", text)
    assert re.search(r"genesys-oidc-provider\.js\s+new\s+\+\d+\s+-0\s+none", text)
    assert "ZG105 secret-in-browser" in text and "ZG201 exp-in-milliseconds" in text
    assert "Zendesk loader -> Genesys Messenger snippet (eu-west-1, prod-euw1) [regions.yaml]" in text
    assert "messenger loginUser -> AuthProvider plugin [templates/page/authprovider.js.j2]" in text
    assert "external_id: req.user.id -> sub (string) [zendesk-messaging.yaml:10]" in text
    # the provider collapsed under its template and version; its code hidden until opened
    summary = f"generated from templates/node by migrate {__version__}"
    provider_line = "OpenID Connect provider for Genesys Cloud authenticated Messenger."
    assert summary in text and provider_line in (site.parent / "genesys.patch").read_text()
    assert provider_line in source and provider_line not in text  # in the page, collapsed (closed again by o)
    # the Genesys steps
    assert "In Genesys Cloud" in text and 'install "OpenID Connect Messenger Configuration"' in text
    assert "Discovery URI  https://shop.example.com/oidc/.well-known/openid-configuration" in text

    # keyboard: Tab reaches the skip link, j / k move between files, o opens and closes the provider
    steps = report["steps"]
    assert steps[0]["focusedText"] == "Skip to the files"
    files = re.findall(r'<section class="file" id="([^"]+)"', source)
    assert files[:2] == ["f-genesys-oidc-provider-js", "f-package-json"]
    assert [s["focused"] for s in steps[1:4]] == [files[0], files[1], files[0]]
    assert steps[3]["open"] == [False] and steps[4]["open"] == [True] and steps[5]["open"] == [False]


def test_the_scan_review_page_in_chromium(site, tmp_path):
    page = tmp_path / "findings.html"
    r = runner.invoke(app, ["scan", str(site), "--html", str(page)])
    assert r.exit_code == 1 and "ZG105" in r.stdout
    assert f"wrote the review page to {page}" in r.stderr
    shot = ARTIFACTS / "html-review-scan.png"
    ARTIFACTS.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    report = drive(tmp_path, page, shot, ["j", "j"])
    assert shot.is_file() and report["blocked"] == [] and report["errors"] == []
    text = report["text"]
    assert PASTED_SECRET not in report["html"]
    assert re.search(r"public/chat\.js\s+\d+ error", text) and re.search(r"server\.js\s+\d+ error", text)
    assert "ZG105 secret-in-browser" in text and "ZG201 exp-in-milliseconds" in text
    assert [s["focused"] for s in report["steps"]] == ["f-public-chat-js", "f-server-js"]
    assert "--html review.html" in text  # what to run next
