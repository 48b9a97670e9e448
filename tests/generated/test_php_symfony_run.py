"""A Symfony 5.4 site migrated by `migrate generate`, run for real (Debian's
php-symfony-framework-bundle and php-symfony-security-bundle, served by `php -S` through the
site's public/index.php) and driven by the independent relying party.

tests/generated/php/sites/symfony is a small MicroKernel app with a stateless firewall (the shop's
session cookie names the customer); ZendeskController::jwt carries `#[Route('/zendesk/jwt', methods:
['GET'])]`, calls `$this->denyAccessUnlessGranted('ROLE_USER')` and reads the customer through an
autowired service. Generate (default mode) writes GenesysOidcController beside it; the patched app
signs alice in through code + PKCE + nonce with the ID token verified by the served JWKS, while
/zendesk/jwt still answers. After `--cutover` the action is gone and the provider still serves.
Composer is not used: vendor/autoload.php loads Debian's Symfony (as `composer install` would).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from provider_fixtures import signing_key  # noqa: F401 (fixture used by name)
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import ALICE, authorize, redeem, signed_in_code, verify_id_token
from site_runs import (
    certified_through,
    migrated_copies,
    one_code_across_two_servers,
    signs_in,
    started,
)

SITE = Path(__file__).resolve().parent / "php" / "sites" / "symfony"
PHP = shutil.which("php")
DEBIAN_SYMFONY = Path("/usr/share/php/Symfony/Bundle")
AUTOLOAD = """<?php
// What `composer install` provides, from Debian's packages: Symfony 5.4, the app's classes, and the
// site's own JWT package (only what the old action calls).
require_once '/usr/share/php/Symfony/Bundle/FrameworkBundle/autoload.php';
require_once '/usr/share/php/Symfony/Bundle/SecurityBundle/autoload.php';
spl_autoload_register(function (string $class): void {
    if (strncmp($class, 'App\\\\', 4) === 0) {
        $file = __DIR__ . '/../src/' . str_replace('\\\\', '/', substr($class, 4)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
if (!class_exists('Firebase\\\\JWT\\\\JWT')) {
    eval('namespace Firebase\\\\JWT; final class JWT { public static function encode(array $p, string $k, string $a): string { return "zendesk." . base64_encode(json_encode($p)) . ".sig"; } }');
}
"""
ROUTER = """<?php
// php -S: every request goes to the front controller, as the web server's rewrite rule does.
$_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/index.php';
$_SERVER['SCRIPT_NAME'] = '/index.php';
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
"""


def _has_symfony() -> bool:
    return PHP is not None and (DEBIAN_SYMFONY / "FrameworkBundle" / "autoload.php").is_file() and \
        (DEBIAN_SYMFONY / "SecurityBundle" / "autoload.php").is_file()


pytestmark = pytest.mark.skipif(not _has_symfony(), reason="Debian's php-symfony-framework-bundle and "
                                                             "php-symfony-security-bundle are not installed "
                                                             "(make's PHP_INSTALL)")


def _lint(path: str, text: str) -> None:
    lint = subprocess.run([PHP, "-l"], input=text, capture_output=True, text=True, timeout=30)
    assert lint.returncode == 0, (path, lint.stdout)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    found = migrated_copies(SITE, tmp_path_factory.mktemp("symfony-site"), "php", check=_lint)
    for root in (found["site"], found["cut"]):
        (root / "vendor").mkdir()
        (root / "vendor" / "autoload.php").write_text(AUTOLOAD)
    (found["work"] / "router.php").write_text(ROUTER)
    return found


def _started(migrated, which: str, signing_key, log: str | None = None, **overrides):  # noqa: F811
    root, work = migrated[which], migrated["work"]
    settings = {"GENESYS_OIDC_STORE_DIR": str(work / f"store-{which}"), **overrides}
    return started(lambda port: [PHP, "-S", f"127.0.0.1:{port}", "-t", "public", str(work / "router.php")], root,
                   signing_key, root.parent / f"{log or which}.log", APP_SECRET="test-app-secret", APP_ENV="prod",
                   **settings)


def test_generate_keeps_the_action_and_adds_the_controller_beside_it(migrated):
    (outcome,) = migrated["default"].outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt", outcome.text
    assert "provider mounted at src/Controller/GenesysOidcController.php:" in outcome.text
    old = (migrated["site"] / "src/Controller/ZendeskController.php").read_text()
    note = old.index("// TODO(migrate:ZG220)")
    assert note < old.index("#[Route('/zendesk/jwt'") < old.index("public function jwt(")
    again = migrated["again"]
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]
    assert [o.status for o in migrated["cutover"].outcomes] == ["cut"]
    cut = (migrated["cut"] / "src/Controller/ZendeskController.php").read_text()
    assert "function jwt(" not in cut and "use Firebase\\JWT\\JWT;" not in cut and "use App\\Shop\\Customers;" not in cut
    assert "function home(" in cut and "use Symfony\\Component\\Routing\\Annotation\\Route;" in cut


def test_migrated_symfony_app_signs_alice_in_and_the_old_route_still_answers(migrated, signing_key):  # noqa: F811
    with _started(migrated, "site", signing_key) as host, httpx.Client(timeout=20, follow_redirects=False) as http:
        claims, _, _ = signs_in(http, host, discovery=True)
        assert {k: claims[k] for k in ("sub", "name", "email")} == {k: ALICE[k] for k in ("sub", "name", "email")}
        assert "scope" not in claims
        # nobody signed in: denyAccessUnlessGranted, carried from the old action, refuses
        assert authorize(http, host, session=None).response.status_code == 401
        old = http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"})
        assert old.status_code == 200 and old.json()["jwt"].startswith("zendesk."), old.text


def test_after_cutover_the_provider_serves_and_the_zendesk_route_is_gone(migrated, signing_key):  # noqa: F811
    with _started(migrated, "cut", signing_key) as host, httpx.Client(timeout=20, follow_redirects=False) as http:
        auth = signed_in_code(http, host)
        response = redeem(http, host, auth.code, auth.verifier)
        assert verify_id_token(http, host, response.json()["id_token"])["sub"] == ALICE["sub"]
        assert http.get(f"{host.origin}/zendesk/jwt", headers={"Cookie": "session=alice"}).status_code == 404
        assert http.get(f"{host.origin}/").json() == {"shop": "open"}


def _has_phpredis() -> bool:
    return PHP is not None and subprocess.run([PHP, "-r", "exit(extension_loaded('redis') ? 0 : 1);"],
                                              capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not _has_phpredis(), reason="phpredis is not installed (apt-get install php-redis)")
def test_two_servers_of_the_migrated_app_share_one_redis(migrated, signing_key, redis_url):  # noqa: F811
    """Two `php -S` servers of the Symfony app, one Redis (GENESYS_OIDC_STORE_URL): a code from one is
    redeemed at the other once; the certified relying party signs in and refreshes across them."""
    shared = {"GENESYS_OIDC_STORE_URL": redis_url, "GENESYS_OIDC_STORE_DIR": None}
    one = _started(migrated, "site", signing_key, log="one", **shared)
    two = _started(migrated, "site", signing_key, log="two", **shared)
    with one as a, two as b, httpx.Client(timeout=20, follow_redirects=False) as http:
        one_code_across_two_servers(http, a, b, ALICE["sub"])
        certified_through(a, ALICE["sub"])
