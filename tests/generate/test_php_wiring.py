"""PHP wiring: beside a plain-PHP Zendesk JWT script, the provider's front controller with the
script's own login check and claims (run here under `php -S`); beside a Laravel controller action
and its route, GenesysOidcController::signIn() with the action's claims and a Route::prefix group
(parsed, compared with golden files and run on stubbed Illuminate classes: Laravel itself is not
installed here). The old script or route stays, with its TODO(migrate:ZG220) note, until
`--cutover` removes it; `--cutover` on a route never wired replaces it in one step."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from migrate.generate import config as cfg
from migrate.generate.render import render
from migrate.generate.run import generate
from migrate.lang.php.frameworks.php import composer_with_extension, drop_unused_jwt_import

from conftest import FIXTURES, GOLDEN
from wiring_support import DEPLOYMENT, ISSUER, after, assert_parses, generate_site

PHP = shutil.which("php")
CLIENT_ID, CLIENT_SECRET = "genesys-messenger", "s3cret"
REDIRECT = "https://shop.example.com/"


_after = after


def _generate(site: Path, cutover: bool = False):
    if not cutover:
        return generate_site(site)
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER), cutover=True)


def _note(route: str) -> str:
    return (f"// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route {route} is kept while the site "
            "moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)\n")


def _parses(text: str) -> None:
    assert_parses("php", text)


def _copy(tmp_path, monkeypatch, name: str) -> Path:
    site = tmp_path / name
    shutil.copytree(FIXTURES / "sites" / name, site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def _golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / "php" / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"no golden file {path}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


@pytest.fixture
def plain_site(tmp_path, monkeypatch):
    return _copy(tmp_path, monkeypatch, "php")


@pytest.fixture
def laravel_site(tmp_path, monkeypatch):
    return _copy(tmp_path, monkeypatch, "laravel")


# --- both -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, new", [
    ("php", {"public/genesys-oidc-provider.php", "public/genesys-oidc.php"}),
    ("laravel", {"app/Http/Controllers/GenesysOidcController.php", "app/Http/Controllers/genesys-oidc-provider.php"}),
])
def test_every_changed_or_new_php_file_parses(tmp_path, monkeypatch, name, new):
    result = _generate(_copy(tmp_path, monkeypatch, name))
    assert not result.notes, result.notes
    php = [c for c in result.changes.changes if c.path.endswith(".php") and not c.path.endswith(".blade.php")]
    assert {c.path for c in php if c.new} == new
    for c in php:
        _parses(c.after)
        if PHP:  # and PHP's own parser agrees
            lint = subprocess.run([PHP, "-l"], input=c.after, capture_output=True, text=True, timeout=30)
            assert lint.returncode == 0, (c.path, lint.stdout, lint.stderr)


@pytest.mark.parametrize("name", ["php", "laravel"])
def test_diff_applies_with_git_and_a_second_run_changes_nothing(tmp_path, monkeypatch, name):
    site = _copy(tmp_path, monkeypatch, name)
    result = _generate(site)
    diff = result.changes.diff()
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=copy, input=diff.encode(), capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    subprocess.run(["git", "apply", "-"], cwd=copy, input=diff.encode(), check=True)
    result.changes.apply()
    for path in (c.path for c in result.changes.changes):
        assert (copy / path).read_bytes() == (site / path).read_bytes(), path
    again = _generate(site)
    assert again.changes.empty and again.changes.diff() == ""
    assert not again.notes, "the generated provider is not taken for a Zendesk signer"


@pytest.mark.parametrize("name", ["php", "laravel"])
def test_composer_json_requires_the_openssl_extension(tmp_path, monkeypatch, name):
    site = _copy(tmp_path, monkeypatch, name)
    result = _generate(site)
    before = json.loads((site / "composer.json").read_text())
    after = json.loads(_after(result)["composer.json"])
    assert after["require"]["ext-openssl"] == "*"
    assert list(after["require"])[:2] == ["php", "ext-openssl"]  # platform requirements first
    assert {k: v for k, v in after["require"].items() if k != "ext-openssl"} == before["require"]
    assert "firebase/php-jwt" in after["require"]  # the site's own package stays


def test_composer_edit_keeps_the_style_and_is_idempotent():
    text = '{\n  "require": {\n    "php": ">=8.1",\n    "ext-json": "*",\n    "slim/slim": "^4"\n  }\n}\n'
    out = composer_with_extension(text)
    assert out == ('{\n  "require": {\n    "php": ">=8.1",\n    "ext-json": "*",\n    "ext-openssl": "*",\n'
                   '    "slim/slim": "^4"\n  }\n}\n')
    assert composer_with_extension(out) is None


def test_jwt_import_is_dropped_only_when_unused():
    used = "<?php\nuse Firebase\\JWT\\JWT;\nuse Firebase\\JWT\\Key;\n$x = JWT::decode($t, new Key($k, 'HS256'));\n"
    assert drop_unused_jwt_import(used) == used
    unused = "<?php\nuse Firebase\\JWT\\JWT;\nuse Shop\\Auth;\n\nAuth::start();\n"
    assert drop_unused_jwt_import(unused) == "<?php\nuse Shop\\Auth;\n\nAuth::start();\n"


# --- plain PHP ----------------------------------------------------------------------------------------


def test_plain_php_matches_golden_files(plain_site, update_golden):
    before = (plain_site / "public/zendesk-jwt.php").read_text()
    after = _after(_generate(plain_site))
    _golden("plain/genesys-oidc.php", after["public/genesys-oidc.php"], update_golden)
    # the old script stays as it was, the keep note above the signing statement
    assert after["public/zendesk-jwt.php"] == before.replace("echo json_encode(", _note("* /zendesk-jwt.php") +
                                                             "echo json_encode(")
    cut = _after(_generate(plain_site, cutover=True))  # never wired: replaced in one step
    # by the same front controller the default run writes beside it
    _golden("plain/genesys-oidc.php", cut["public/zendesk-jwt.php"], update_golden)
    assert "public/genesys-oidc.php" not in cut


def test_plain_php_claims_are_the_old_expressions_and_the_guard_is_carried_over(plain_site):
    script = _after(_generate(plain_site))["public/genesys-oidc.php"]
    assert "JWT::encode" not in script and "use Firebase\\JWT\\JWT;" not in script
    assert "require_once __DIR__ . '/genesys-oidc-provider.php';" in script
    assert script.index("require __DIR__ . '/../vendor/autoload.php';") < script.index("require_once __DIR__")
    claims = script[script.index("function (): ?array {"):script.index("function (): bool {")]
    assert "$customer = Auth::user();" in claims
    assert "'sub' => (string) $customer['id'],  // external_id -> sub (zendesk-messaging.yaml:" in claims
    assert "'name' => $customer['first_name'] . ' ' . $customer['last_name'],  // name -> name" in claims
    assert "'email' => $customer['email'],  // email -> email" in claims
    assert "'email_verified' => true,  // email_verified -> email_verified" in claims
    assert "'scope'" not in claims and "'iat'" not in claims and "'exp'" not in claims
    guard = script[script.index("function (): bool {"):]
    assert "Auth::start();" in guard and "if (Auth::user() === null) {" in guard and "exit;" in guard
    assert "header('Content-Type: application/json');" not in script  # the old response goes with it
    assert "use Shop\\Auth;" in script


def test_plain_php_script_without_a_login_check_gets_a_todo(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "public").mkdir(parents=True)
    (site / "composer.json").write_text('{\n    "require": {\n        "firebase/php-jwt": "^6.10"\n    }\n}\n')
    (site / "public" / "jwt.php").write_text(
        "<?php\nuse Firebase\\JWT\\JWT;\n\n$id = $_GET['id'];\n"
        "echo JWT::encode(['external_id' => $id, 'name' => 'Guest'], 'secret', 'HS256');\n")
    (site / "public" / "index.html").write_text(
        "<script>zE('messenger', 'loginUser', function (cb) { fetch('/jwt.php').then(r => r.text()).then(cb); });"
        "</script>\n")
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    result = _generate(site)
    script = _after(result)["public/genesys-oidc.php"]
    _parses(script)
    assert "TODO(migrate:ZG223): the old endpoint had no login check" in script
    # a guard that refuses everyone until the site's own replaces it
    assert "    function (): bool {\n        http_response_code(401);\n        return false;\n    }\n" in script
    assert "$id = $_GET['id'];" in script and "'sub' => (string) ($id)," in script
    assert '"ext-openssl": "*"' in _after(result)["composer.json"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ROUTER = """<?php
// The site's web server (php -S -t public): /oidc/* goes to the front controller (the rewrite rule its
// comment asks for); any other script of the web root runs as itself.
$path = (string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path === '/test/login') {
    session_start();
    $_SESSION['customer'] = ['id' => 42, 'first_name' => 'Alice', 'last_name' => 'Example',
                             'email' => 'alice@example.com'];
    echo 'signed in';
    return true;
}
if (strncmp($path, '/oidc/', 6) === 0) {
    require $_SERVER['DOCUMENT_ROOT'] . '/genesys-oidc.php';
    return true;
}
return false;
"""
AUTOLOAD = """<?php
spl_autoload_register(function (string $class): void {
    if (strncmp($class, 'Shop\\\\', 5) === 0) {
        require __DIR__ . '/../src/' . str_replace('\\\\', '/', substr($class, 5)) . '.php';
    }
});
// The site's own JWT package, as composer installs it (only what the old script calls).
if (!class_exists('Firebase\\\\JWT\\\\JWT')) {
    eval('namespace Firebase\\\\JWT; final class JWT { public static function encode(array $p, string $k, string $a, ?string $kid = null): string { return "zendesk." . base64_encode(json_encode($p)); } }');
}
"""


@pytest.mark.skipif(PHP is None, reason="php is not installed (apt-get install php-cli)")
def test_the_generated_front_controller_runs_the_full_flow(plain_site, tmp_path):
    result = _generate(plain_site)
    result.changes.apply()
    (plain_site / "vendor").mkdir()
    (plain_site / "vendor" / "autoload.php").write_text(AUTOLOAD)  # what composer install writes
    router = tmp_path / "router.php"
    router.write_text(ROUTER)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    (tmp_path / "sessions").mkdir()
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/oidc"
    env = {"PATH": "/usr/bin:/bin", "GENESYS_OIDC_ISSUER": issuer, "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
           "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(tmp_path / "key.pem"),
           "GENESYS_OIDC_REDIRECT_URIS": REDIRECT, "GENESYS_OIDC_STORE_DIR": str(tmp_path / "store")}
    proc = subprocess.Popen([PHP, "-d", f"session.save_path={tmp_path / 'sessions'}", "-S", f"127.0.0.1:{port}",
                             "-t", "public", str(router)], cwd=plain_site, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "php -S did not start"
                time.sleep(0.05)
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "openid",
                 "state": "st-1", "nonce": "n-1", "code_challenge": challenge, "code_challenge_method": "S256"}
        with httpx.Client(timeout=10, follow_redirects=False) as http:
            # the old script's own login check answers for a visitor who is not signed in
            assert http.get(f"{issuer}/authorize", params=query).status_code == 401
            assert http.get(f"http://127.0.0.1:{port}/test/login").text == "signed in"
            auth = http.get(f"{issuer}/authorize", params=query)
            assert auth.status_code == 302, auth.text
            location = parse_qs(urlsplit(auth.headers["location"]).query)
            assert location["state"] == ["st-1"]
            token = httpx.post(f"{issuer}/token", auth=(CLIENT_ID, CLIENT_SECRET), timeout=10, data={
                "grant_type": "authorization_code", "code": location["code"][0], "redirect_uri": REDIRECT,
                "code_verifier": verifier})
            assert token.status_code == 200, token.text
            (jwk,) = http.get(f"{issuer}/jwks.json").json()["keys"]
            claims = jwt.decode(token.json()["id_token"], key=jwt.PyJWK(jwk), algorithms=["RS256"],
                                audience=CLIENT_ID, issuer=issuer)
            assert claims["nonce"] == "n-1"
            assert {k: claims[k] for k in ("sub", "name", "email", "email_verified")} == {
                "sub": "42", "name": "Alice Example", "email": "alice@example.com", "email_verified": True}
            # default mode: the old Zendesk token route still answers beside the provider
            old = http.get(f"http://127.0.0.1:{port}/zendesk-jwt.php")
            assert old.status_code == 200 and old.json()["jwt"].startswith("zendesk."), old.text
            cut = _generate(plain_site, cutover=True)
            assert [o.status for o in cut.outcomes] == ["cut"] and _after(cut) == {"public/zendesk-jwt.php": None}
            assert "deleted file mode" in cut.changes.diff()
            cut.changes.apply()
            assert not (plain_site / "public/zendesk-jwt.php").exists()  # the script only served the route
            assert http.get(f"http://127.0.0.1:{port}/zendesk-jwt.php").status_code == 404
            assert http.get(f"{issuer}/jwks.json").status_code == 200  # the provider stays
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        proc.stderr.close()


def test_plain_php_cutover_keeps_a_script_another_file_includes_as_a_404(plain_site):
    """A token script some other file requires is not deleted (that file would fail): it answers 404."""
    (plain_site / "public" / "account.php").write_text("<?php\nif (isset($_GET['jwt'])) {\n"
                                                       "    require __DIR__ . '/zendesk-jwt.php';\n}\n")
    _generate(plain_site).changes.apply()
    cut = _generate(plain_site, cutover=True)
    assert [o.status for o in cut.outcomes] == ["cut"]
    script = _after(cut)["public/zendesk-jwt.php"]
    assert script is not None and "JWT::encode" not in script and "http_response_code(404);" in script
    _parses(script)
    assert any("public/account.php includes it" in r for c in cut.changes.changes for r in c.reasons)


# --- Laravel --------------------------------------------------------------------------------------------


def test_laravel_site_matches_golden_files(laravel_site, update_golden):
    after = _after(_generate(laravel_site))
    _golden("laravel/ZendeskController.php", after["app/Http/Controllers/ZendeskController.php"], update_golden)
    _golden("laravel/web.php", after["routes/web.php"], update_golden)
    _golden("laravel/GenesysOidcController.php", after["app/Http/Controllers/GenesysOidcController.php"],
            update_golden)


def test_laravel_action_stays_with_its_note_and_sign_in_carries_its_claims(laravel_site):
    before = (laravel_site / "app/Http/Controllers/ZendeskController.php").read_text()
    result = _generate(laravel_site)
    after = _after(result)
    assert after["app/Http/Controllers/ZendeskController.php"] == before.replace(
        "    /**\n     * Zendesk Messaging", "    " + _note("GET /zendesk/jwt") + "    /**\n     * Zendesk Messaging")
    new = after["app/Http/Controllers/GenesysOidcController.php"]
    sign_in = new[new.index("    public function signIn(Request $request): Response"):new.index("    private function answer")]
    assert "        return $this->authorize($request, function (Request $request): ?array {\n" \
           "            $user = $request->user();\n" in sign_in
    assert "'sub' => (string) $user->id,  // external_id -> sub (zendesk-messaging.yaml:" in sign_in
    assert "use Firebase" not in new and "JsonResponse" not in new
    (outcome,) = result.outcomes
    line = after["routes/web.php"].splitlines().index("Route::prefix('oidc')->group(function () {") + 1
    assert outcome.status == "wired" and f"provider mounted at routes/web.php:{line} (laravel)" in outcome.text


def test_laravel_cutover_of_a_route_never_wired_makes_the_action_authorize(laravel_site):
    controller = _after(_generate(laravel_site, cutover=True))["app/Http/Controllers/ZendeskController.php"]
    assert "public function token(" not in controller and "JWT::encode" not in controller
    assert "use Firebase\\JWT\\JWT;" not in controller
    assert "use Illuminate\\Http\\JsonResponse;" in controller  # status() still returns one
    start = controller.index("public function genesysAuthorize(")
    action = controller[start:controller.index("public function status")]
    assert "public function genesysAuthorize(Request $request, GenesysOidcController $oidc)" in action
    assert "$user = $request->user();" in action
    assert "'sub' => (string) $user->id,  // external_id -> sub (zendesk-messaging.yaml:" in action
    assert "'name' => $user->name,  // name -> name" in action
    assert "'email_verified' => (bool) ($user->hasVerifiedEmail()),  // email_verified -> email_verified" in action
    assert "'scope'" not in action


def test_laravel_route_becomes_a_prefix_group_outside_the_old_middleware_group(laravel_site):
    routes = _after(_generate(laravel_site))["routes/web.php"]
    group = routes[routes.index("Route::prefix('oidc')->group(function () {"):]
    # the old route's middleware (its group's and its own) guards /authorize only
    assert ("Route::get('/authorize', [GenesysOidcController::class, 'signIn'])"
            "->middleware(['auth', 'verified']);") in group
    # the old route stays, in its group
    assert "    Route::get('/zendesk/jwt', [ZendeskController::class, 'token'])->middleware('verified')" in routes
    assert "Route::post('/token', [GenesysOidcController::class, 'token'])" in group
    assert group.count("\\Illuminate\\Foundation\\Http\\Middleware\\VerifyCsrfToken::class,") == 2
    # /token is not inside the auth group (Genesys calls it server to server)
    auth_group = routes[routes.index("Route::middleware('auth')->group("):routes.index("Route::prefix('oidc')")]
    assert "GenesysOidcController" not in auth_group
    assert "use App\\Http\\Controllers\\GenesysOidcController;" in routes
    assert "Route::get('/chat/status', [ZendeskController::class, 'status']);" in routes


def test_laravel_top_level_route_is_replaced_in_place(laravel_site):
    web = laravel_site / "routes" / "web.php"
    web.write_text(
        "<?php\n\nuse App\\Http\\Controllers\\ZendeskController;\nuse Illuminate\\Support\\Facades\\Route;\n\n"
        "Route::get('/zendesk/jwt', 'App\\Http\\Controllers\\ZendeskController@token')->middleware('auth:sanctum');\n"
        "Route::get('/after', fn () => 'after');\n")
    routes = _after(_generate(laravel_site, cutover=True))["routes/web.php"]
    _parses(routes)
    assert "'/zendesk/jwt'" not in routes.replace("token route '/zendesk/jwt'", "")
    assert routes.index("Route::prefix('oidc')") < routes.index("Route::get('/after'")
    assert "->middleware('auth:sanctum');" in routes
    assert routes.index("use App\\Http\\Controllers\\GenesysOidcController;") < \
        routes.index("use App\\Http\\Controllers\\ZendeskController;")  # a sorted list stays sorted


def test_laravel_without_a_route_gets_the_standalone_sign_in_file(laravel_site):
    (laravel_site / "routes" / "web.php").write_text("<?php\n\nuse Illuminate\\Support\\Facades\\Route;\n")
    result = _generate(laravel_site)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "no route in routes/*.php points at ZendeskController@token" in outcome.text
    after = _after(result)
    assert "TODO(migrate:ZG221)" in after["app/Http/Controllers/ZendeskController.php"]
    module = after["app/Http/Controllers/genesys-oidc-sign-in.php"]
    _parses(module)
    # `$user = $request->user()` is the signed-in user: the function is handed it
    assert "        'sub' => (string) $user->id,  // external_id -> sub" in module and "$request" not in module
    assert "ZG222" not in module


def test_laravel_templates_parse_alone():
    _parses(render("php/laravel/GenesysOidcController.php.j2", issuer_path="/oidc",
                   namespace="App\\Http\\Controllers", sign_in=[], uses=[], source=""))
    _parses(render("php/laravel/GenesysOidcController.php.j2", issuer_path="/oidc", namespace="App\\Http\\Controllers",
                   sign_in=["function (Request $request): ?array {", "    return ['sub' => '1'];", "}"],
                   uses=["use Illuminate\\Support\\Facades\\Auth;"], source="ZendeskController::token()"))
    _parses("<?php\n" + render("php/laravel/routes.php.j2", issuer_path="/oidc", old_route="'/zendesk/jwt'",
                                authorize="[ZendeskController::class, 'genesysAuthorize']", middleware="'auth'",
                                todo="TODO(migrate:ZG223): no login check"))
    _parses(render("php/oidc-provider.php.j2", issuer_path="/oidc"))


STUBS = Path(__file__).resolve().parent.parent / "generated" / "php" / "laravel_stubs"


@pytest.mark.skipif(PHP is None, reason="php is not installed (apt-get install php-cli)")
def test_laravel_controllers_run_the_code_flow_on_stubbed_illuminate(laravel_site, tmp_path):
    """The rewritten action (old claims on $request->user()) and GenesysOidcController, run by PHP
    with the few Illuminate classes they touch stubbed (tests/generated/php/laravel_stubs)."""
    result = _generate(laravel_site)
    result.changes.apply()
    controllers = laravel_site / "app" / "Http" / "Controllers"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.TraditionalOpenSSL,
                                                         serialization.NoEncryption()))
    issuer = "https://shop.example.com/oidc"
    env = {"PATH": "/usr/bin:/bin", "GENESYS_OIDC_ISSUER": issuer, "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
           "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(tmp_path / "key.pem"),
           "GENESYS_OIDC_REDIRECT_URIS": REDIRECT, "GENESYS_OIDC_STORE_DIR": str(tmp_path / "store")}

    def call(action: str, **request) -> dict:
        done = subprocess.run([PHP, str(STUBS / "driver.php"), str(controllers), action, json.dumps(request)],
                              env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    discovery = json.loads(call("discovery")["body"])
    assert discovery["token_endpoint"] == f"{issuer}/token"
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "openid email",
             "state": "st-9", "nonce": "n-9", "code_challenge": challenge, "code_challenge_method": "S256"}
    user = {"id": 7, "name": "Carol Example", "email": "carol@example.com"}
    assert call("signIn", query=query, headers={"Accept": "application/json"})["status"] == 401  # nobody: no code
    auth = call("signIn", query=query, headers={"Accept": "application/json"}, user=user)
    assert auth["status"] == 200, auth
    code = json.loads(auth["body"])["code"]
    basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    token = call("token", method="POST", form=form, headers={"Authorization": basic})
    assert token["status"] == 200, token
    assert token["headers"]["Cache-Control"] == "no-store"
    (jwk,) = json.loads(call("jwks")["body"])["keys"]
    claims = jwt.decode(json.loads(token["body"])["id_token"], key=jwt.PyJWK(jwk), algorithms=["RS256"],
                        audience=CLIENT_ID, issuer=issuer)
    assert {k: claims[k] for k in ("sub", "name", "email", "email_verified", "nonce")} == {
        "sub": "7", "name": "Carol Example", "email": "carol@example.com", "email_verified": True, "nonce": "n-9"}
    replay = call("token", method="POST", form=form, headers={"Authorization": basic})
    assert replay["status"] == 400 and json.loads(replay["body"])["error"] == "invalid_grant"
    unregistered = call("signIn", query={**query, "redirect_uri": "https://evil.example/"}, user=user)
    assert unregistered["status"] == 400 and "Location" not in unregistered["headers"]


def test_plain_php_signing_inside_a_function_gets_the_standalone_sign_in_file(plain_site):
    script = plain_site / "public" / "zendesk-jwt.php"
    text = script.read_text()
    head, tail = text.split("Auth::start();", 1)
    tail = tail.replace("$customer = Auth::user();\n", "")
    script.write_text(head + "function zendesk_token(array $customer, string $plan): void\n{" +
                      tail.replace("\n", "\n    ").rstrip() + "\n}\n\nAuth::start();\nzendesk_token(Auth::user(), 'basic');\n")
    before = script.read_text()
    _parses(before)
    result = _generate(plain_site)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "not a script's top-level code" in outcome.text
    after = _after(result)
    old = after["public/zendesk-jwt.php"]
    assert old == before.replace("function zendesk_token(", (
        "// TODO(migrate:ZG221): mount the sign-in provider from public/genesys-oidc-sign-in.php at /oidc here, "
        "behind the site's login check (the signing code is not a script's top-level code)\nfunction zendesk_token("))
    module = after["public/genesys-oidc-sign-in.php"]
    _parses(module)
    assert "function genesys_oidc_sign_in_claims($user): ?array" in module
    assert "        'sub' => (string) $user['id'],  // external_id -> sub" in module  # $customer was the user
    assert "require_once __DIR__ . '/genesys-oidc-provider.php';" in module
    if PHP:
        result.changes.apply()
        program = ("require 'public/genesys-oidc-sign-in.php'; echo json_encode([genesys_oidc_sign_in_claims("
                   "['id' => 7, 'first_name' => 'Ann', 'last_name' => 'Lee', 'email' => 'ann@example.com']), "
                   "genesys_oidc_sign_in_claims(null)]);")
        done = subprocess.run([PHP, "-r", program], cwd=plain_site, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout) == [{"sub": "7", "name": "Ann Lee", "email": "ann@example.com",
                                            "email_verified": True}, None]
        assert _generate(plain_site).changes.empty  # the note says it is done


CLOSURE_ROUTES = """\
<?php

use Firebase\\JWT\\JWT;
use Illuminate\\Http\\Request;
use Illuminate\\Support\\Facades\\Route;

Route::get('/', function () {
    return view('welcome');
});

// Zendesk Messaging JWT for messenger loginUser
Route::get('/zendesk/jwt', function (Request $request) {
    $user = $request->user();
    $token = JWT::encode([
        'external_id' => (string) $user->getKey(),
        'name' => $user->name,
        'email' => $user->email,
    ], config('services.zendesk.secret'), 'HS256');

    return response()->json(['jwt' => $token]);
})->middleware('auth');
"""


def test_laravel_closure_route_becomes_the_group_in_place(laravel_site, update_golden):
    (laravel_site / "app" / "Http" / "Controllers" / "ZendeskController.php").unlink()
    (laravel_site / "routes" / "web.php").write_text(CLOSURE_ROUTES)
    result = _generate(laravel_site, cutover=True)
    assert not result.notes, result.notes
    after = _after(result)
    routes = after["routes/web.php"]
    _parses(routes)
    if PHP:
        lint = subprocess.run([PHP, "-l"], input=routes, capture_output=True, text=True, timeout=30)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    _golden("laravel/closure-web.php", routes, update_golden)
    assert "JWT::encode" not in routes and "use Firebase\\JWT\\JWT;" not in routes
    assert "use App\\Http\\Controllers\\GenesysOidcController;" in routes
    assert "return app(GenesysOidcController::class)->authorize($request, function (Request $request): ?array {" \
        in routes
    assert "'sub' => (string) $user->getKey(),  // external_id -> sub" in routes
    assert "})->middleware('auth');" in routes
    assert {"app/Http/Controllers/GenesysOidcController.php", "app/Http/Controllers/genesys-oidc-provider.php"} <= \
        set(after)
    assert "namespace App\\Http\\Controllers;" in after["app/Http/Controllers/GenesysOidcController.php"]


def test_laravel_closure_route_stays_and_the_group_goes_after_it(laravel_site):
    (laravel_site / "app" / "Http" / "Controllers" / "ZendeskController.php").unlink()
    (laravel_site / "routes" / "web.php").write_text(CLOSURE_ROUTES)
    result = _generate(laravel_site)
    routes = _after(result)["routes/web.php"]
    _parses(routes)
    kept = CLOSURE_ROUTES.replace("Route::get('/zendesk/jwt'", _note("GET /zendesk/jwt") + "Route::get('/zendesk/jwt'")
    statement = kept[kept.index("// Zendesk Messaging"):]
    assert statement in routes and "use App\\Http\\Controllers\\GenesysOidcController;\n" in routes
    group = routes[routes.index("Route::prefix('oidc')"):]
    assert "'sub' => (string) $user->getKey(),  // external_id -> sub" in group and "})->middleware('auth');" in group
    result.changes.apply()
    assert _generate(laravel_site).changes.empty
    cut = _after(_generate(laravel_site, cutover=True))["routes/web.php"]
    _parses(cut)
    assert "/zendesk/jwt" not in cut.replace("token route '/zendesk/jwt'", "") and "ZG220" not in cut
    assert "JWT::encode" not in cut and "use Firebase" not in cut and "Route::prefix('oidc')" in cut


def test_laravel_apply_then_cutover_removes_the_kept_action_and_route(laravel_site):
    _generate(laravel_site).changes.apply()
    assert [o.status for o in _generate(laravel_site).outcomes] == ["kept"]
    cut = _generate(laravel_site, cutover=True)
    after = _after(cut)
    assert set(after) == {"app/Http/Controllers/ZendeskController.php", "routes/web.php"}
    controller, routes = after["app/Http/Controllers/ZendeskController.php"], after["routes/web.php"]
    _parses(controller)
    _parses(routes)
    assert "function token" not in controller and "ZG220" not in controller and "use Firebase" not in controller
    assert "public function status(): JsonResponse" in controller and "/**" not in controller
    assert "'/zendesk/jwt'" not in routes.replace("token route '/zendesk/jwt'", "")
    assert "Route::get('/chat/status', [ZendeskController::class, 'status']);" in routes
    assert "Route::get('/authorize', [GenesysOidcController::class, 'signIn'])" in routes
    assert "Route::get('/profile', [ProfileController::class, 'edit'])" in routes


@pytest.mark.parametrize("code, free", [
    ("public function token(Request $request, User $customer)", "$customer"),
    ("public function token(Request $request)", "$this"),
])
def test_laravel_claim_reading_what_sign_in_cannot_have_returns_no_user(laravel_site, code, free):
    path = laravel_site / "app/Http/Controllers/ZendeskController.php"
    text = path.read_text().replace("public function token(Request $request): JsonResponse", code + ": JsonResponse")
    text = text.replace("(string) $user->id", "(string) $customer->id" if free == "$customer" else "$this->tenantId()")
    path.write_text(text)
    new = _after(_generate(laravel_site))["app/Http/Controllers/GenesysOidcController.php"]
    _parses(new)
    assert f"reads `{free}`, unknown here: nobody is signed in" in new
    assert "            return null;\n        });" in new


def test_laravel_route_without_any_login_check_gets_auth_and_a_todo(laravel_site):
    (laravel_site / "routes" / "web.php").write_text(
        "<?php\n\nuse App\\Http\\Controllers\\ZendeskController;\nuse Illuminate\\Support\\Facades\\Route;\n\n"
        "Route::get('/zendesk/jwt', [ZendeskController::class, 'token']);\n")
    routes = _after(_generate(laravel_site))["routes/web.php"]
    _parses(routes)
    assert "// TODO(migrate:ZG223): the Zendesk token route had no login check" in routes
    assert "Route::get('/authorize', [GenesysOidcController::class, 'signIn'])->middleware('auth');" in routes


def test_laravel_login_check_inside_the_action_is_carried(laravel_site):
    path = laravel_site / "app/Http/Controllers/ZendeskController.php"
    path.write_text(path.read_text().replace("        $user = $request->user();\n", (
        "        if (!Auth::check()) abort(401);\n        if ($request->user()->banned) {\n"
        "            return response()->json(['error' => 'banned'], 403);\n        }\n"
        "        $user = $request->user();\n")).replace("use Illuminate\\Http\\Request;",
                                                  "use Illuminate\\Http\\Request;\nuse Illuminate\\Support\\Facades\\Auth;"))
    new = _after(_generate(laravel_site))["app/Http/Controllers/GenesysOidcController.php"]
    _parses(new)
    assert "use Illuminate\\Support\\Facades\\Auth;" in new
    assert "            if (!Auth::check()) abort(401);\n" in new
    assert "                return null;\n            }\n" in new  # the check's refusal is "no user"
