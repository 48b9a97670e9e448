"""PHP signers (firebase/php-jwt), read through the public extraction stage."""

from __future__ import annotations

import textwrap

import pytest

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.model import FileFacts, Signer


def facts(code: str) -> FileFacts:
    path = "app/Http/Controllers/ZendeskController.php"
    return extract(Source.of(path, "php", textwrap.dedent(code)))


def own_errors(found: FileFacts) -> list[str]:
    """Errors raised while reading signers (the page extractor also runs on PHP files)."""
    return [e.message for e in found.errors if "pages extractor" not in e.message]


def one(code: str) -> Signer:
    found = facts(code)
    assert not own_errors(found), found.errors
    assert len(found.signers) == 1, found.signers
    return found.signers[0]


def line_of(code: str, needle: str) -> int:
    lines = textwrap.dedent(code).split("\n")
    return next(i for i, text in enumerate(lines, 1) if needle in text)


LARAVEL = """\
<?php

namespace App\\Http\\Controllers;

use Firebase\\JWT\\JWT;
use Illuminate\\Http\\Request;

class ZendeskController extends Controller
{
    public function token(Request $request)
    {
        $user = $request->user();
        $payload = [
            'external_id' => (string) $user->id,
            'scope' => 'user',
            'exp' => time() + 300,
        ];
        $token = JWT::encode($payload, env('ZENDESK_SECRET'), 'HS256', env('ZENDESK_KID'));
        return response()->json(['jwt' => $token]);
    }
}
"""


def test_array_payload_in_a_local() -> None:
    s = one(LARAVEL)
    assert (s.language, s.library, s.algorithm) == ("php", "php-jwt", "HS256")
    assert (s.line, s.column) == (line_of(LARAVEL, "JWT::encode"), 18)
    assert set(s.claims) == {"external_id", "scope", "exp"}
    assert s.claims["external_id"].has("stringified")
    assert s.claims["scope"].kind == "string" and s.claims["scope"].value == "user"
    exp = s.claims["exp"]
    assert exp.line == line_of(LARAVEL, "'exp' =>") and exp.has("clock") and exp.offset == 300
    assert s.function == "token" and "zendesk" in s.hints and s.browser is False
    assert s.response == "object"


def test_fourth_argument_is_the_kid_and_fifth_the_header() -> None:
    s = one(LARAVEL.replace("env('ZENDESK_KID'))", "env('ZENDESK_KID'), ['typ' => 'JWT'])"))
    assert set(s.header) == {"kid", "typ"}
    kid = s.header["kid"]
    assert kid.has("env-unguarded") and kid.line == line_of(LARAVEL, "JWT::encode")


def test_kid_in_the_header_array_and_null_key_id() -> None:
    s = one(LARAVEL.replace("env('ZENDESK_KID'))", "null, ['kid' => 'app_123'])"))
    assert set(s.header) == {"kid"} and s.header["kid"].value == "app_123"


def test_named_arguments() -> None:
    positional = "JWT::encode($payload, env('ZENDESK_SECRET'), 'HS256', env('ZENDESK_KID'))"
    named = "JWT::encode(key: env('ZENDESK_SECRET'), payload: $payload, alg: 'HS384')"
    s = one(LARAVEL.replace(positional, named))
    assert s.algorithm == "HS384" and "exp" in s.claims and s.header == {}
    assert s.secret is not None and s.secret.source == "env"


def test_algorithm_defaults_to_hs256() -> None:
    s = one(LARAVEL.replace(", 'HS256', env('ZENDESK_KID'))", ")"))
    assert s.algorithm == "HS256" and s.algorithm_expr is None


@pytest.mark.parametrize("use,call", [
    ("use Firebase\\JWT\\JWT as FirebaseJWT;", "FirebaseJWT::encode("),
    ("use Firebase\\JWT\\{JWT, Key};", "JWT::encode("),
    ("", "\\Firebase\\JWT\\JWT::encode("),
])
def test_import_forms(use: str, call: str) -> None:
    code = LARAVEL.replace("use Firebase\\JWT\\JWT;", use).replace("JWT::encode(", call)
    assert one(code).library == "php-jwt"


def test_another_jwt_class_is_not_read() -> None:
    code = LARAVEL.replace("use Firebase\\JWT\\JWT;", "use App\\Support\\JWT;")
    assert facts(code).signers == ()


def test_array_syntax_writes_and_resolution() -> None:
    code = """\
    <?php
    use Firebase\\JWT\\JWT;

    function zendesk_token($user) {
        $now = time();
        $payload = array('external_id' => strval($user->id), 'scope' => 'user');
        $payload['exp'] = $now + 300;
        $payload['iat'] = $now;
        $payload += ['email_verified' => true, 'scope' => 'ignored: += keeps existing keys'];
        $jwt = JWT::encode($payload, getenv('ZENDESK_SECRET'), 'HS256', getenv('ZENDESK_KID'));
        $payload['late'] = 'after signing';
        echo $jwt;
    }
    """
    s = one(code)
    assert set(s.claims) == {"external_id", "scope", "exp", "iat", "email_verified"}
    assert s.claims["scope"].value == "user"
    exp = s.claims["exp"]
    assert exp.text == "$now + 300" and exp.line == line_of(code, "$payload['exp']")
    assert exp.resolved is not None and exp.resolved.text == "time() + 300"
    assert exp.final.offset == 300
    assert s.claims["iat"].kind == "name" and s.claims["iat"].final.text == "time()"
    assert s.function == "zendesk_token" and s.response == "text"


def test_array_merge_and_object_cast() -> None:
    code = """\
    <?php
    use Firebase\\JWT\\JWT;
    $base = ['external_id' => 'u1'];
    $token = JWT::encode((object) array_merge($base, ['scope' => 'user']), $key, 'HS256');
    """
    assert set(one(code).claims) == {"external_id", "scope"}


def test_value_kinds() -> None:
    code = """\
    <?php
    use Firebase\\JWT\\JWT;
    $t = JWT::encode(['name' => "$first {$user->last}", 'email_verified' => 'true', 'n' => 1.5,
                      'gone' => null, 'external_id' => 42, 'ok' => true], $key, 'HS256');
    """
    claims = one(code).claims
    assert claims["name"].kind == "template"
    assert claims["email_verified"].kind == "string" and claims["email_verified"].value == "true"
    assert claims["n"].kind == "float" and claims["gone"].kind == "null"
    assert claims["external_id"].kind == "int" and claims["external_id"].value == 42
    assert claims["ok"].kind == "bool" and claims["ok"].value is True


@pytest.mark.parametrize("exp,trait", [
    ("round(microtime(true) * 1000) + 300000", "clock-ms"),
    ("microtime(true) + 300", "float"),
    ("(string) (time() + 300)", "stringified"),
])
def test_clock_mistakes(exp: str, trait: str) -> None:
    s = one(LARAVEL.replace("time() + 300", exp))
    assert s.claims["exp"].has(trait)


def test_carbon_and_strtotime_offsets() -> None:
    s = one(LARAVEL.replace("time() + 300", "now()->addMinutes(10)->timestamp")
            .replace("'scope' => 'user',", "'scope' => 'user', 'nbf' => strtotime('+1 hour'),"))
    assert s.claims["exp"].offset == 600 and s.claims["nbf"].offset == 3600


@pytest.mark.parametrize("key,source,trait", [
    ("getenv('ZENDESK_SECRET')", "env", "env-unguarded"),
    ("$_ENV['ZENDESK_SECRET']", "env", "env"),
    ("env('ZENDESK_SECRET')", "env", "env"),
    ("config('services.zendesk.secret')", "config", "config"),
    ("base64_decode(env('ZENDESK_SECRET'))", "env", "base64-decoded"),
    ("$this->secret", "config", "config"),
    ("base64_decode($secret)", "parameter", "base64-decoded"),
])
def test_secret_sources(key: str, source: str, trait: str) -> None:
    code = f"""\
    <?php
    use Firebase\\JWT\\JWT;
    class Signer {{
        private $secret;
        public function __construct() {{ $this->secret = config('services.zendesk.secret'); }}
        public function sign($secret) {{
            return JWT::encode(['scope' => 'user'], {key}, 'HS256');
        }}
    }}
    """
    secret = one(code).secret
    assert secret is not None and secret.source == source and trait in secret.traits
    assert secret.line == line_of(code, "JWT::encode")


def test_literal_secrets_are_never_kept() -> None:
    code = """\
    <?php
    use Firebase\\JWT\\JWT;
    const ZD_SECRET = 'php-s3cret-constant';
    class Signer {
        private const KEY = 'php-class-s3cret';
        public function sign() {
            $a = JWT::encode(['scope' => 'user'], ZD_SECRET, 'HS256');
            $b = JWT::encode(['scope' => 'user'], self::KEY, 'HS256');
            $c = JWT::encode(['scope' => 'user'], 'inline-php-s3cret', 'HS256');
            $d = JWT::encode(['scope' => 'user'], base64_decode('cGhwLWI2NA=='), 'HS256');
            $e = JWT::encode(['scope' => 'user'], getenv('ZD') ?: 'fallback-php-s3cret', 'HS256');
        }
    }
    """
    found = facts(code)
    secrets = [s.secret for s in found.signers]
    assert [s.source if s else None for s in secrets] == ["literal"] * 4 + ["env"]
    assert secrets[4] is not None and "literal-fallback" in secrets[4].traits
    text = repr(found)
    for value in ("php-s3cret-constant", "php-class-s3cret", "inline-php-s3cret", "cGhwLWI2NA==",
                  "fallback-php-s3cret"):
        assert value not in text


RESPONSES = {
    "echo json_encode($token);": "json-string",
    "echo json_encode(['jwt' => $token]);": "object",
    "return response()->json($token);": "json-string",
    "return response()->json(['jwt' => $token]);": "object",
    "return new JsonResponse(['token' => $token]);": "object",
    "echo $token;": "text",
    "return $token;": "text",
    "return response($token);": "text",
    "return ['jwt' => $token];": "object",
    "return view('chat', ['jwt' => $token]);": "template",
    "Log::info($token); return view('home');": None,
}


@pytest.mark.parametrize("send,kind", RESPONSES.items(), ids=list(RESPONSES))
def test_responses(send: str, kind: str | None) -> None:
    code = LARAVEL.replace("return response()->json(['jwt' => $token]);", send)
    assert one(code).response == kind


def test_response_through_a_signing_method() -> None:
    code = """\
    <?php
    use Firebase\\JWT\\JWT;
    class ZendeskController extends Controller {
        public function show() {
            return response()->json(['jwt' => $this->makeToken(auth()->user())]);
        }
        private function makeToken($user) {
            $claims = ['external_id' => (string) $user->id];
            return JWT::encode($claims, env('ZENDESK_SECRET'), 'HS256');
        }
    }
    """
    s = one(code)
    assert s.function == "makeToken" and s.response == "object"


def test_route_closure_is_named_by_its_path() -> None:
    code = """\
    <?php
    use Firebase\\JWT\\JWT;
    Route::get('/zendesk/jwt', function () {
        $claims = ['external_id' => (string) auth()->id()];
        return JWT::encode($claims, config('zendesk.secret'), 'HS256');
    });
    """
    s = one(code)
    assert s.function == "/zendesk/jwt" and s.response == "text"


def test_rs256_api_token() -> None:
    code = """\
    <?php
    use Firebase\\JWT\\JWT;
    function service_token(): string {
        $claims = ['sub' => 'billing', 'aud' => 'https://api.example.com', 'exp' => time() + 3600];
        return JWT::encode($claims, file_get_contents('/etc/keys/api.pem'), 'RS256');
    }
    """
    s = one(code)
    assert s.algorithm == "RS256" and set(s.claims) == {"sub", "aud", "exp"}
    assert "zendesk" not in s.hints
    assert s.secret is not None and s.secret.source == "file"


def test_syntax_error_is_reported_and_the_rest_still_read() -> None:
    code = LARAVEL + "\nfunction broken( {\n"
    found = facts(code)
    errors = [e for e in found.errors if "syntax error" in e.message]
    assert errors and errors[0].line == line_of(code, "function broken")
    assert not [e for e in own_errors(found) if "syntax error" not in e]
    assert found.signers and found.signers[0].claims["scope"].value == "user"


# --- library modules -----------------------------------------------------------------------------

def _php_libraries():
    from migrate.lang.php import libraries
    return libraries.all_libraries()


@pytest.mark.parametrize("lib", _php_libraries(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_library_module_is_a_complete_spec(lib) -> None:
    from migrate.lang.php import LANGUAGE, libraries
    assert isinstance(lib.NAME, str) and lib.NAME in LANGUAGE.libraries
    assert isinstance(lib.CLASS, str) and not lib.CLASS.startswith("\\")
    assert lib.GLOBAL_NAME is None or lib.GLOBAL_NAME == lib.CLASS.rsplit("\\", 1)[-1]
    assert lib.SIGNS and all(isinstance(n, str) and n.isidentifier() for n in lib.SIGNS)
    params = lib.PARAMETERS
    assert set(params) <= libraries.ROLES and len(set(params)) == len(params)
    assert params[:2] == ("payload", "key")
    assert lib.DEFAULT_ALG is None or isinstance(lib.DEFAULT_ALG, str)


def test_every_php_library_has_one_module_and_no_class_twice() -> None:
    from migrate.lang.php import LANGUAGE, libraries
    mods = libraries.all_libraries()
    assert sorted(m.NAME for m in mods) == sorted(LANGUAGE.libraries)
    assert len({m.CLASS for m in mods}) == len(mods)


@pytest.mark.parametrize("literal,value", [
    ("<<<'KEY'\ns3cr3t-nowdoc\nKEY", "s3cr3t-nowdoc"),
    ("<<<KEY\n    first-line\n      second-line\n    KEY", "first-line\n  second-line"),  # closing indent stripped
    ('<<<"KEY"\nplain-heredoc\nKEY', "plain-heredoc"),
])
def test_a_heredoc_or_nowdoc_secret_is_a_literal_with_its_value(literal: str, value: str) -> None:
    code = ("<?php\nuse Firebase\\JWT\\JWT;\nfunction zendesk_token($u) {\n    $key = " + literal + ";\n"
            "    return JWT::encode(['external_id' => (string) $u->id, 'scope' => 'user'], $key, 'HS256', 'app_1');\n}\n")
    secret = extract(Source.of("zd.php", "php", code)).signers[0].secret
    assert secret.source == "literal" and "empty" not in secret.traits, secret
    claim = code.replace("'scope' => 'user'", "'scope' => 'user', 'name' => " + literal)
    assert one(claim).claims["name"].value == value


def test_a_nowdoc_signing_secret_is_reported_by_the_cli(tmp_path) -> None:
    from typer.testing import CliRunner

    from migrate.cli import app

    (tmp_path / "zd.php").write_text(
        "<?php\nuse Firebase\\JWT\\JWT;\nfunction zendesk_token($u) {\n    $key = <<<'KEY'\ncanary-nowdoc-7Qp\nKEY;\n"
        "    return JWT::encode(['external_id' => (string) $u->id, 'scope' => 'user'], $key, 'HS256', 'app_1');\n}\n")
    r = CliRunner().invoke(app, ["scan", str(tmp_path), "--format", "concise"])
    assert "ZG212" in r.stdout and "canary-nowdoc-7Qp" not in r.stdout, r.stdout
