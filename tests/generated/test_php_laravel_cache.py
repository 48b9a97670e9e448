"""The Laravel provider keeps its codes and refresh tokens in the app's own cache (the Cache facade):
the Laravel shop of tests/fixtures/sites/laravel migrated by generate, its GenesysOidcController run
by PHP (tests/generated/php/laravel_stubs/driver.php, one process per request, as PHP-FPM workers
are) with Laravel's real Cache on a real Redis (Debian's php-illuminate-cache and php-illuminate-redis
over phpredis). A code issued by one process is redeemed at another once; the refresh token rotates
and its reuse revokes the sign-in; nothing goes to the provider's own file store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from redis_server import redis_url  # noqa: F401 (fixture used by name)
from relying_party import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, basic_auth, rsa_pem

from migrate.generate import config as cfg
from migrate.generate.run import generate

PHP = shutil.which("php")
HERE = Path(__file__).resolve().parent
STUBS = HERE / "php" / "laravel_stubs"
SITE = HERE.parent / "fixtures" / "sites" / "laravel"
ISSUER = "https://shop.example.com/oidc"


def _ready() -> str | None:
    if PHP is None:
        return "php is not installed (apt-get install php-cli)"
    if subprocess.run([PHP, "-r", "exit(extension_loaded('redis') ? 0 : 1);"], check=False, capture_output=True).returncode:
        return "phpredis is not installed (apt-get install php-redis)"
    if not Path("/usr/share/php/Illuminate/Cache/autoload.php").is_file() or \
            not Path("/usr/share/php/Illuminate/Redis/autoload.php").is_file():
        return "Laravel's cache is not installed (apt-get install php-illuminate-cache php-illuminate-redis)"
    return None


pytestmark = pytest.mark.skipif(_ready() is not None, reason=str(_ready()))


@pytest.fixture(scope="module")
def controllers(tmp_path_factory):
    work = tmp_path_factory.mktemp("laravel-cache")
    site = work / "site"
    shutil.copytree(SITE, site)
    mp = pytest.MonkeyPatch()
    mp.setenv("MIGRATE_SECRETS_DIR", str(work / "secrets"))
    try:
        generate(site, cfg.load(site, region="eu-west-1", deployment_id="5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
                                issuer=ISSUER)).changes.apply()
    finally:
        mp.undo()
    return site / "app" / "Http" / "Controllers"


def test_codes_and_refresh_tokens_go_through_laravels_cache_on_redis(controllers, tmp_path, redis_url):  # noqa: F811
    (tmp_path / "key.pem").write_bytes(rsa_pem()[1])
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmpdir), "LARAVEL_CACHE_REDIS": redis_url,
           "GENESYS_OIDC_ISSUER": ISSUER, "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
           "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(tmp_path / "key.pem"),
           "GENESYS_OIDC_REDIRECT_URIS": REDIRECT_URI}

    def call(action: str, **request) -> dict:
        done = subprocess.run([PHP, str(STUBS / "driver.php"), str(controllers), action, json.dumps(request)],
                              env=env, check=False, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        answer = json.loads(done.stdout)
        answer["json"] = json.loads(answer["body"]) if answer["body"] else None
        return answer

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
             "scope": "openid email offline_access", "state": "st", "nonce": "n-1", "code_challenge": challenge,
             "code_challenge_method": "S256"}
    user = {"id": 7, "name": "Carol Example", "email": "carol@example.com"}
    code = call("signIn", query=query, headers={"Accept": "application/json"}, user=user)["json"]["code"]
    basic = basic_auth(CLIENT_ID, CLIENT_SECRET)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    token = call("token", method="POST", form=form, headers={"Authorization": basic})
    assert token["status"] == 200, token
    assert token["json"]["expires_in"] == 900 and token["json"]["refresh_token"]
    replay = call("token", method="POST", form=form, headers={"Authorization": basic})
    assert replay["status"] == 400 and replay["json"]["error"] == "invalid_grant"

    # the replay revoked that sign-in: its refresh token is dead; a new sign-in's rotates once
    dead = {"grant_type": "refresh_token", "refresh_token": token["json"]["refresh_token"]}
    assert call("token", method="POST", form=dead, headers={"Authorization": basic})["status"] == 400
    verifier = secrets.token_urlsafe(48)
    query["code_challenge"] = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = call("signIn", query=query, headers={"Accept": "application/json"}, user=user)["json"]["code"]
    fresh = call("token", method="POST", headers={"Authorization": basic},
                 form={**form, "code": code, "code_verifier": verifier})["json"]
    first = {"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]}
    renewed = call("token", method="POST", form=first, headers={"Authorization": basic})
    assert renewed["status"] == 200 and renewed["json"]["refresh_token"] != fresh["refresh_token"], renewed
    assert call("token", method="POST", form=first, headers={"Authorization": basic})["status"] == 400
    second = {"grant_type": "refresh_token", "refresh_token": renewed["json"]["refresh_token"]}
    assert call("token", method="POST", form=second, headers={"Authorization": basic})["status"] == 400

    assert not list(tmpdir.iterdir()), "the provider's file store was used instead of Laravel's cache"
    keys = subprocess.run(["redis-cli", "-u", redis_url, "--scan", "--pattern", "*genesys_oidc*"],
                          check=False, capture_output=True, text=True, timeout=30).stdout.split()
    assert keys and all(key.startswith("shop_cache") for key in keys), keys  # Laravel's cache prefix
