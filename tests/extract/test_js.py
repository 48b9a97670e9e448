"""JavaScript / TypeScript signers, read through the public extraction stage."""

from __future__ import annotations

import textwrap

import pytest

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.model import FileFacts, Signer


def facts(code: str, language: str = "javascript", path: str = "app.js") -> FileFacts:
    return extract(Source.of(path, language, textwrap.dedent(code)))


def signers(code: str, language: str = "javascript") -> tuple[Signer, ...]:
    return facts(code, language).signers


def one(code: str, language: str = "javascript") -> Signer:
    found = signers(code, language)
    assert len(found) == 1, found
    return found[0]


def line_of(code: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` in the dedented code."""
    lines = textwrap.dedent(code).split("\n")
    return next(i for i, text in enumerate(lines, 1) if needle in text)


# --- jsonwebtoken: import forms ---------------------------------------------------------------

JWT_FORMS = {
    "require": "const jwt = require('jsonwebtoken');\nexport const t = jwt.sign({ sub: 'a' }, KEY);",
    "require-alias": "const zdJwt = require('jsonwebtoken');\nconst t = zdJwt.sign({ sub: 'a' }, KEY);",
    "import-default": "import jwt from 'jsonwebtoken';\nconst t = jwt.sign({ sub: 'a' }, KEY);",
    "import-star": "import * as tokens from 'jsonwebtoken';\nconst t = tokens.sign({ sub: 'a' }, KEY);",
    "import-named": "import { sign } from 'jsonwebtoken';\nconst t = sign({ sub: 'a' }, KEY);",
    "import-named-alias": "import { sign as signJwt } from 'jsonwebtoken';\nconst t = signJwt({ sub: 'a' }, KEY);",
    "import-default-and-named": "import jwt, { SignOptions } from 'jsonwebtoken';\nconst t = jwt.sign({ sub: 'a' }, KEY);",
    "require-destructured": "const { sign: s } = require('jsonwebtoken');\nconst t = s({ sub: 'a' }, KEY);",
    "require-member": "const sign = require('jsonwebtoken').sign;\nconst t = sign({ sub: 'a' }, KEY);",
    "require-inline": "const t = require('jsonwebtoken').sign({ sub: 'a' }, KEY);",
    "import-equals": "import jwt = require('jsonwebtoken');\nconst t = jwt.sign({ sub: 'a' }, KEY);",
}


@pytest.mark.parametrize("code", JWT_FORMS.values(), ids=JWT_FORMS.keys())
def test_jsonwebtoken_import_forms(code: str) -> None:
    s = one(code, "typescript")
    assert s.library == "jsonwebtoken"
    assert s.line == 2 if "\n" in code else s.line == 1
    assert s.claims["sub"].value == "a"


def test_sign_of_another_module_is_not_a_signer() -> None:
    code = """
    import jwt from './lib/tokens';
    import { sign } from 'tweetnacl';
    const a = jwt.sign({ sub: 'a' }, KEY);
    const b = sign(message, KEY);
    """
    assert signers(code) == ()


def test_signer_position_language_and_library_defaults() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    function issue(user) {
      return jwt.sign({ external_id: user.id }, process.env.ZENDESK_SECRET);
    }
    """
    s = one(code)
    assert (s.line, s.column) == (4, 10)
    assert s.language == "javascript" and s.path == "app.js"
    assert s.algorithm == "HS256" and s.algorithm_expr is None
    assert s.managed["iat"].text == "iat set by jsonwebtoken"
    assert s.managed["iat"].has("clock") and s.managed["iat"].offset == 0
    assert s.function == "issue"
    assert "zendesk" in s.hints


# --- payloads ------------------------------------------------------------------------------------

def test_payload_variable_with_later_writes() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    function issue(user) {
      const payload = { name: user.name };
      payload.external_id = String(user.id);
      payload['scope'] = 'user';
      Object.assign(payload, { email_verified: true });
      const other = {};
      other.exp = 1;
      return jwt.sign(payload, process.env.ZENDESK_SECRET);
    }
    """
    s = one(code)
    assert set(s.claims) == {"name", "external_id", "scope", "email_verified"}
    assert s.claims["scope"].value == "user" and s.claims["scope"].line == 6
    assert s.claims["external_id"].has("stringified")
    assert s.claims["email_verified"].kind == "bool"


def test_writes_after_the_call_do_not_count() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const payload = { external_id: 'u1' };
    const token = jwt.sign(payload, process.env.ZENDESK_SECRET);
    payload.scope = 'user';
    """
    assert "scope" not in one(code).claims


def test_shorthand_property_resolves_to_local_binding() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    function issue(user) {
      const exp = Math.floor(Date.now() / 1000) + 300;
      return jwt.sign({ exp, external_id: user.uuid }, process.env.ZENDESK_SECRET);
    }
    """
    exp = one(code).claims["exp"]
    assert exp.kind == "name" and exp.line == 5
    assert exp.resolved is not None and exp.resolved.line == 4
    assert exp.final.text == "Math.floor(Date.now() / 1000) + 300"
    assert exp.has("clock") and exp.final.offset == 300


def test_names_inside_expressions_are_substituted() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const TTL = 5 * 60;
    app.post('/zendesk/jwt', (req, res) => {
      const now = Math.floor(Date.now() / 1000);
      const token = jwt.sign({ iat: now, exp: now + TTL, external_id: req.user.id }, SECRET);
    });
    """
    s = one(code)
    exp = s.claims["exp"]
    assert exp.text == "now + TTL" and exp.kind == "binary"
    assert exp.final.text == "Math.floor(Date.now() / 1000) + (5 * 60)"
    assert exp.final.offset == 300 and not exp.has("clock-ms")
    assert s.claims["iat"].final.text == "Math.floor(Date.now() / 1000)"


def test_millisecond_clock_is_seen_through_a_local() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const expiry = Date.now() + 3600;
    const token = jwt.sign({ external_id: 'a', exp: expiry }, SECRET);
    """
    exp = one(code).claims["exp"]
    assert exp.line == 4 and exp.has("clock-ms")


def test_resolution_takes_the_nearest_preceding_binding_in_scope() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    let exp = 100;
    function issue() {
      if (x) { const exp = 200; }
      exp = 300;
      return jwt.sign({ exp }, SECRET);
    }
    """
    assert one(code).claims["exp"].final.value == 300


def test_parameter_shadows_module_constant() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const secret = 'not-this-one';
    function issue(user, secret) {
      return jwt.sign({ external_id: user.id }, secret);
    }
    """
    s = one(code)
    assert s.secret is not None and s.secret.source == "parameter"


def test_constant_declared_after_the_function_is_found() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    function issue(user) {
      return jwt.sign({ external_id: user.id, exp: EXPIRES }, SECRET);
    }
    const EXPIRES = 1700000000;
    const SECRET = process.env.ZENDESK_SECRET;
    """
    s = one(code)
    assert s.claims["exp"].final.value == 1700000000
    assert s.secret is not None and s.secret.source == "env"


def test_spread_is_reported_as_unknown_claims() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const base = { scope: 'user' };
    function issue(user, extra) {
      return jwt.sign({ ...extra, ...base, external_id: user.id }, SECRET);
    }
    """
    claims = one(code).claims
    assert claims["..."].text == "...extra"
    assert claims["scope"].value == "user"  # a local object's keys are still read


def test_unreadable_payload_is_unknown_claims() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const token = jwt.sign(buildClaims(user), SECRET);
    """
    assert set(one(code).claims) == {"..."}


@pytest.mark.parametrize("value,kind,expected", [
    ("1700000000", "int", 1700000000), ("1.5", "float", 1.5), ("-5", "int", -5), ("0x10", "int", 16),
    ("'12345678'", "string", "12345678"), ("`x`", "string", "x"), ("`${id}`", "template", None),
    ("true", "bool", True), ("null", "null", None), ("user.id", "member", None),
    ("String(user.id)", "call", None), ("now + 1", "binary", None),
])
def test_claim_kinds(value: str, kind: str, expected: object) -> None:
    e = one(f"const jwt = require('jsonwebtoken');\njwt.sign({{ c: {value} }}, K);").claims["c"]
    assert (e.kind, e.value) == (kind, expected)
    assert e.text == value and e.line == 2


# --- options ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,offset,ms_string", [
    ("300", 300, False), ("'5m'", 300, False), ("'2 days'", 172800, False), ("60 * 5", 300, False),
    ("'3600'", 3.6, True), ("TTL", 600, False),
])
def test_expires_in_forms(value: str, offset: float, ms_string: bool) -> None:
    code = f"""
    const jwt = require('jsonwebtoken');
    const TTL = 600;
    const token = jwt.sign({{ external_id: 'a' }}, SECRET, {{
      expiresIn: {value},
    }});
    """
    exp = one(code).managed["exp"]
    assert exp.offset == pytest.approx(offset)
    assert exp.has("clock") and not exp.has("literal")
    assert exp.has("ms-unit-string") is ms_string
    assert exp.line == 5 and exp.text == f"expiresIn: {value}"


def test_options_header_algorithm_and_claims() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const options = { algorithm: 'HS512', keyid: process.env.ZENDESK_KID, notBefore: '1m' };
    options.header = { typ: 'JWT' };
    const token = jwt.sign({ external_id: 'a' }, SECRET, { ...options, subject: 'u1', jwtid: id });
    """
    s = one(code)
    assert s.algorithm == "HS512" and s.algorithm_expr is not None and s.algorithm_expr.line == 3
    assert s.header["kid"].has("env-unguarded")
    assert s.header["typ"].value == "JWT"
    assert s.managed["nbf"].offset == 60
    assert s.claims["sub"].value == "u1" and "jti" in s.claims


def test_header_kid_overrides_keyid_and_header_alg_sets_algorithm() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    jwt.sign({ external_id: 'a' }, SECRET, { keyid: 'x', header: { kid: 'app_1', alg: 'HS384' } });
    """
    s = one(code)
    assert s.header["kid"].value == "app_1" and "alg" not in s.header
    assert s.algorithm == "HS384"


def test_unreadable_options_leave_the_algorithm_unknown() -> None:
    s = one("const jwt = require('jsonwebtoken');\njwt.sign({ a: 1 }, K, makeOptions());")
    assert s.algorithm is None


@pytest.mark.parametrize("code,has_iat", [
    ("jwt.sign({ a: 1 }, K, { noTimestamp: true })", False),
    ("jwt.sign({ a: 1 }, K, { noTimestamp: false })", True),
    ("jwt.sign({ a: 1, iat: now }, K)", False),
])
def test_managed_iat(code: str, has_iat: bool) -> None:
    s = one("const jwt = require('jsonwebtoken');\n" + code)
    assert ("iat" in s.managed) is has_iat


# --- secrets ---------------------------------------------------------------------------------------

def secret_of(key_code: str, prelude: str = "") -> Signer:
    return one(f"const jwt = require('jsonwebtoken');\n{prelude}\n"
               f"function issue(user) {{\n  return jwt.sign({{ sub: 1 }}, {key_code});\n}}")


def test_env_secret() -> None:
    s = secret_of("process.env.ZENDESK_SECRET")
    assert s.secret is not None and s.secret.source == "env"
    assert "env-unguarded" in s.secret.traits
    assert s.secret.expression == "process.env.ZENDESK_SECRET"


def test_literal_secret_is_never_kept() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const ZENDESK_SECRET = 'Sup3r-s3cret-value';
    app.get('/zendesk/jwt', (req, res) => {
      const token = jwt.sign({ external_id: req.user.id, scope: 'user' },
        ZENDESK_SECRET, { keyid: 'app_123' });
      res.json({ token });
    });
    """
    f = facts(code)
    s = f.signers[0]
    assert s.secret is not None and s.secret.source == "literal"
    assert (s.secret.line, s.secret.column) == (6, 5)  # where the call receives it
    assert "Sup3r-s3cret-value" not in repr(f)
    assert s.secret.expression == 'ZENDESK_SECRET = "***"'


def test_inline_literal_secret_is_never_kept() -> None:
    f = facts("const jwt = require('jsonwebtoken');\njwt.sign({ a: 1 }, 'inline-s3cret');")
    assert f.signers[0].secret.source == "literal"
    assert "inline-s3cret" not in repr(f)


def test_base64_decoded_secret() -> None:
    s = secret_of("key", "const key = Buffer.from(process.env.ZENDESK_SECRET, 'base64');")
    assert s.secret is not None and "base64-decoded" in s.secret.traits and s.secret.source == "env"


def test_utf8_buffer_is_not_base64() -> None:
    s = secret_of("Buffer.from(process.env.ZENDESK_SECRET, 'utf8')")
    assert s.secret is not None and "base64-decoded" not in s.secret.traits


@pytest.mark.parametrize("key,prelude", [
    ("config.get('zendesk.secret')", "const config = require('config');"),
    ("settings.zendesk.secret", "import settings from './settings';"),
    ("ZD_SECRET", "import { ZD_SECRET } from '../config/env';"),
])
def test_config_secret(key: str, prelude: str) -> None:
    s = secret_of(key, prelude)
    assert s.secret is not None and s.secret.source == "config"


def test_literal_fallback_secret() -> None:
    f = facts("const jwt = require('jsonwebtoken');\n"
              "jwt.sign({ a: 1 }, process.env.ZENDESK_SECRET || 'dev-fallback-s3cret');")
    assert "literal-fallback" in f.signers[0].secret.traits
    assert "dev-fallback-s3cret" not in repr(f)


# --- jose ------------------------------------------------------------------------------------------

JOSE = """
{imports}
export async function zendeskToken(user) {{
  const secret = new TextEncoder().encode(process.env.ZENDESK_MESSAGING_SECRET);
  return await new {ctor}({{ external_id: user.id, scope: 'user' }})
    .setProtectedHeader({{ alg: 'HS256', kid: process.env.ZENDESK_KID, typ: 'JWT' }})
    .setIssuedAt()
    .setExpirationTime('5m')
    .setSubject(user.email)
    .sign(secret);
}}
"""


@pytest.mark.parametrize("imports,ctor", [
    ("import { SignJWT } from 'jose';", "SignJWT"),
    ("import { SignJWT as Builder } from 'jose';", "Builder"),
    ("const { SignJWT } = require('jose');", "SignJWT"),
    ("import * as jose from 'jose';", "jose.SignJWT"),
    ("const jose = require('jose');", "jose.SignJWT"),
])
def test_jose_chain(imports: str, ctor: str) -> None:
    s = one(JOSE.format(imports=imports, ctor=ctor), "typescript")
    assert s.library == "jose" and s.language == "typescript"
    assert (s.line, s.column) == (5, 16)  # new SignJWT(
    assert s.algorithm == "HS256" and s.algorithm_expr.line == 6
    assert set(s.header) == {"kid", "typ"}
    assert set(s.claims) == {"external_id", "scope", "sub"}
    assert s.managed["iat"].offset == 0 and s.managed["iat"].line == 7
    assert s.managed["exp"].offset == 300 and s.managed["exp"].line == 8
    assert s.secret.source == "env" and s.secret.expression.endswith("process.env.ZENDESK_MESSAGING_SECRET")
    assert s.function == "zendeskToken"


def test_jose_without_import_is_ignored() -> None:
    assert signers(JOSE.format(imports="import { SignJWT } from './mine';", ctor="SignJWT")) == ()


def test_jose_builder_variable_and_absolute_times() -> None:
    code = """
    import { SignJWT } from 'jose';
    async function token(payload, key) {
      const builder = new SignJWT(payload);
      builder.setProtectedHeader({ alg: 'HS256' });
      builder.setExpirationTime(1700000000);
      builder.setNotBefore(new Date(Date.now() + 60_000));
      return builder.sign(key);
    }
    """
    s = one(code)
    assert s.algorithm == "HS256"
    assert s.managed["exp"].kind == "int" and s.managed["exp"].has("literal")
    nbf = s.managed["nbf"]
    assert nbf.has("clock") and nbf.has("date-object") and not nbf.has("clock-ms") and nbf.offset == 60
    assert s.secret.source == "parameter"


def test_jose_base64_key_keeps_the_decoder_in_view() -> None:
    code = """
    import { SignJWT } from 'jose';
    import { createSecretKey } from 'node:crypto';
    const ZD_SECRET = 'jose-literal-s3cret';
    const key = createSecretKey(Buffer.from(ZD_SECRET, 'base64'));
    export const sign = (user) => new SignJWT({ external_id: user.id })
      .setProtectedHeader({ alg: 'HS256' }).sign(key);
    """
    f = facts(code, "typescript")
    secret = f.signers[0].secret
    assert "base64-decoded" in secret.traits and secret.source == "literal"
    assert "jose-literal-s3cret" not in repr(f)


def test_jose_rs256_with_imported_private_key() -> None:
    code = """
    import { SignJWT, importPKCS8 } from 'jose';
    export async function idToken(user, nonce) {
      const key = await importPKCS8(process.env.OIDC_PRIVATE_KEY, 'RS256');
      return new SignJWT({ nonce }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer('https://id.example.com').setAudience(process.env.GENESYS_CLIENT_ID)
        .setIssuedAt().setExpirationTime('10m').sign(key);
    }
    """
    s = one(code)
    assert s.algorithm == "RS256" and s.header["kid"].value == "k1"
    assert {"nonce", "iss", "aud"} <= set(s.claims)
    assert s.secret.source == "env" and {"genesys", "oidc"} <= s.hints


# --- WebCrypto -------------------------------------------------------------------------------------

WEBCRYPTO = """
// Zendesk messaging login token, signed in the page
const SECRET = 'webcrypto-s3cret';
const b64 = (s) => btoa(s).replace(/=+$/, '');
async function zendeskJwt(user) {
  const enc = new TextEncoder();
  const header = { alg: 'HS256', typ: 'JWT', kid: 'app_64a' };
  const payload = { external_id: user.id, scope: 'user', exp: Math.floor(Date.now() / 1000) + 300 };
  const data = b64(JSON.stringify(header)) + '.' + b64(JSON.stringify(payload));
  const key = await window.crypto.subtle.importKey('raw', enc.encode(SECRET),
    { name: 'HMAC', hash: { name: 'SHA-384' } }, false, ['sign']);
  const sig = await window.crypto.subtle.sign('HMAC', key, enc.encode(data));
  return data + '.' + b64(String.fromCharCode(...new Uint8Array(sig)));
}
"""


def test_webcrypto_hmac() -> None:
    f = facts(WEBCRYPTO)
    s = f.signers[0]
    assert len(f.signers) == 1
    assert s.library == "webcrypto" and s.line == 12 and s.browser
    assert s.algorithm == "HS384" and s.algorithm_expr.line == 11
    assert s.header["kid"].value == "app_64a" and "alg" not in s.header
    assert set(s.claims) == {"external_id", "scope", "exp"} and s.claims["exp"].offset == 300
    assert s.secret.source == "literal" and s.secret.line == 10
    assert "webcrypto-s3cret" not in repr(f)


def test_webcrypto_other_algorithms_are_ignored() -> None:
    code = "const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, data);"
    assert signers(code) == ()


# --- API tokens, hints, browser --------------------------------------------------------------------

def test_rs256_api_token() -> None:
    code = """
    const fs = require('fs');
    const jwt = require('jsonwebtoken');
    const privateKey = fs.readFileSync(process.env.API_KEY_FILE);
    function serviceToken() {
      return jwt.sign({ sub: 'orders', aud: 'https://inventory.internal' }, privateKey,
        { algorithm: 'RS256', expiresIn: '5m', keyid: 'inv-2026' });
    }
    """
    s = one(code)
    assert s.algorithm == "RS256" and s.algorithm_expr.line == 7
    assert set(s.claims) == {"sub", "aud"}
    assert "file" in s.secret.traits
    assert s.hints == frozenset() and not s.browser


def test_hints_keep_functions_apart() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    const KEY = process.env.SIGNING_KEY;
    function apiToken() {
      return jwt.sign({ sub: 'svc', aud: 'api' }, KEY, { algorithm: 'RS256' });
    }
    function zendeskMessagingToken(user) {
      return jwt.sign({ external_id: user.id }, KEY);
    }
    """
    api, zd = signers(code)
    assert "zendesk" not in api.hints
    assert {"zendesk", "messaging"} <= zd.hints


def test_the_comment_above_a_function_counts_words_elsewhere_do_not() -> None:
    code = """
    // Zendesk Chat (zopim) authenticated visitors
    const handler = (req, res) => res.send(jwt.sign({ name: 'a' }, process.env.CHAT_SECRET));
    const other = (req, res) => res.send(jwt.sign({ account: 'a' }, process.env.APP_SECRET));
    """
    chat, other = signers(code)
    assert {"zendesk", "classic-chat"} <= chat.hints
    assert other.hints == frozenset()


def test_module_constants_count_only_where_they_are_used() -> None:
    code = """
    const ZENDESK_SSO_SECRET = process.env.SSO;
    const VOUCHER_KEY = fs.readFileSync('voucher.pem');
    function ssoUrl(user) {
      return 'https://acme.zendesk.com/access/jwt?jwt=' + jwt.sign({ jti: user.nonce }, ZENDESK_SSO_SECRET);
    }
    function voucher(v) {
      return jwt.sign({ account: v }, VOUCHER_KEY, { algorithm: 'RS256' });
    }
    """
    sso, voucher = signers(code)
    assert {"zendesk", "support-sso"} <= sso.hints
    assert voucher.hints == frozenset()


def test_browser_code() -> None:
    assert facts(WEBCRYPTO).browser
    assert not one("const jwt = require('jsonwebtoken');\njwt.sign({ a: 1 }, K);").browser


# --- response --------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,expected", [
    ("const token = jwt.sign(p, K); res.json(token);", "json-string"),
    ("const token = jwt.sign(p, K); res.status(200).json(token);", "json-string"),
    ("const token = jwt.sign(p, K); res.send(JSON.stringify(token));", "json-string"),
    ("res.json(jwt.sign(p, K));", "json-string"),
    ("const token = jwt.sign(p, K); res.send(token);", "text"),
    ("let token; token = jwt.sign(p, K); res.end(token);", "text"),
    ("const token = jwt.sign(p, K); return new Response(token);", "text"),
    ("const token = jwt.sign(p, K); res.json({ token });", "object"),
    ("const token = jwt.sign(p, K); res.json({ jwt: token, ok: true });", "object"),
    ("res.send({ jwt: jwt.sign(p, K) });", "object"),
    ("const token = jwt.sign(p, K); res.send(`<script>var jwt = '${token}'</script>`);", "template"),
    ("const token = jwt.sign(p, K); console.log(token);", None),
])
def test_response(body: str, expected: str | None) -> None:
    code = f"const jwt = require('jsonwebtoken');\napp.get('/jwt', (req, res) => {{ {body} }});"
    assert one(code).response == expected


def test_response_through_a_helper_function() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    function createToken(user) {
      return jwt.sign({ external_id: user.id }, process.env.ZENDESK_SECRET);
    }
    router.get('/zendesk/jwt', async (req, res) => {
      res.send(createToken(req.user));
    });
    """
    s = one(code)
    assert s.response == "text" and s.function == "createToken"


def test_response_in_callback() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    app.post('/chat/jwt', (req, res) => {
      jwt.sign({ name: req.user.name }, SECRET, { expiresIn: 300 }, (err, signed) => {
        res.json(signed);
      });
    });
    """
    s = one(code)
    assert s.response == "json-string" and s.managed["exp"].offset == 300


# --- function names --------------------------------------------------------------------------------

@pytest.mark.parametrize("code,name", [
    ("app.get('/zendesk/jwt', requireAuth, (req, res) => { jwt.sign(p, K); });", "/zendesk/jwt"),
    ("router.post('/t', wrap(async (req, res) => { jwt.sign(p, K); }));", "/t"),
    ("export async function GET(request) { jwt.sign(p, K); }", "GET"),
    ("const makeToken = async (u) => jwt.sign(p, K);", "makeToken"),
    ("class Tokens { issue(u) { return jwt.sign(p, K); } }", "issue"),
    ("module.exports.handler = function (event) { jwt.sign(p, K); };", "module.exports.handler"),
    ("const svc = { token(u) { return [1].map(() => jwt.sign(p, K)); } };", "token"),
    ("jwt.sign(p, K);", None),
])
def test_function_name(code: str, name: str | None) -> None:
    assert one("const jwt = require('jsonwebtoken');\n" + code).function == name


# --- TypeScript ------------------------------------------------------------------------------------

def test_typescript_annotations_and_assertions() -> None:
    code = """
    import jwt, { SignOptions } from 'jsonwebtoken';

    interface ZendeskClaims { external_id: string; scope: 'user'; exp?: number }

    export function zendeskToken(userId: string, secret?: string): string {
      const payload: ZendeskClaims = { external_id: userId, scope: 'user' } as const;
      const extra = <Partial<ZendeskClaims>>{ exp: Math.floor(Date.now() / 1000) + 300 };
      const options: SignOptions = { algorithm: 'HS256', keyid: process.env.ZD_KID! } satisfies SignOptions;
      return jwt.sign({ ...payload, ...extra }, secret!, options);
    }
    """
    s = one(code, "typescript")
    assert s.language == "typescript"
    assert s.claims["external_id"].final.kind == "name"  # a parameter
    assert s.claims["scope"].value == "user"
    assert s.claims["exp"].offset == 300
    assert s.algorithm == "HS256" and s.header["kid"].line == 9
    assert s.secret.source == "parameter"


def test_tsx_grammar() -> None:
    code = """
    import jwt from 'jsonwebtoken';
    export const Page = () => <div data-token={jwt.sign({ sub: 'a' }, K)} />;
    """
    s = one(code, "tsx")
    assert s.language == "typescript" and s.line == 3 and s.function == "Page"


# --- robustness ------------------------------------------------------------------------------------

def test_syntax_error_is_reported_once_and_the_rest_is_read() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    function broken( {
      return 1 +;
    }
    const token = jwt.sign({ external_id: 'u1', scope: 'user' }, process.env.ZENDESK_SECRET);
    """
    f = facts(code)
    syntax = [e for e in f.errors if "syntax error" in e.message]
    assert len(syntax) == 1 and syntax[0].line == 3
    assert [s.claims["scope"].value for s in f.signers] == ["user"]


def test_file_without_signing_code() -> None:
    f = facts("export const add = (a, b) => a + b;\nconsole.log(add(1, 2));")
    assert f.signers == () and not [e for e in f.errors if "syntax" in e.message]


def test_garbage_does_not_raise() -> None:
    f = facts("jwt.sign(((( {{{ `${ \x00 \ufeff".replace("\x00", ""))
    assert not [e for e in f.errors if "internal error in the javascript signer" in e.message]


def test_class_fields_are_followed() -> None:
    code = """
    import jwt from 'jsonwebtoken';
    export class ZendeskTokens {
      private readonly secret: string = 'class-field-s3cret';
      private kid: string;
      constructor(private readonly ttl = 300) {
        this.kid = process.env.ZENDESK_KID!;
      }
      issue(userId: string): string {
        return jwt.sign({ external_id: userId, scope: 'user' }, this.secret, { keyid: this.kid });
      }
    }
    """
    f = facts(code, "typescript")
    s = f.signers[0]
    assert s.function == "issue"
    assert s.secret.source == "literal" and s.secret.line == 10
    assert "class-field-s3cret" not in repr(f)
    assert s.header["kid"].has("env") and s.header["kid"].final.text == "process.env.ZENDESK_KID"


# --- jwt-simple ------------------------------------------------------------------------------------

SIMPLE_FORMS = {
    "require": "const jwt = require('jwt-simple');\nconst t = jwt.encode({ sub: 'a' }, KEY);",
    "import-default": "import jwt from 'jwt-simple';\nconst t = jwt.encode({ sub: 'a' }, KEY);",
    "import-star": "import * as simple from 'jwt-simple';\nconst t = simple.encode({ sub: 'a' }, KEY);",
    "import-named": "import { encode } from 'jwt-simple';\nconst t = encode({ sub: 'a' }, KEY);",
    "import-named-alias": "import { encode as enc } from 'jwt-simple';\nconst t = enc({ sub: 'a' }, KEY);",
    "require-destructured": "const { encode } = require('jwt-simple');\nconst t = encode({ sub: 'a' }, KEY);",
    "require-inline": "const t = require('jwt-simple').encode({ sub: 'a' }, KEY);",
}


@pytest.mark.parametrize("code", SIMPLE_FORMS.values(), ids=SIMPLE_FORMS.keys())
def test_jwt_simple_import_forms(code: str) -> None:
    s = one(code, "typescript")
    assert s.library == "jwt-simple" and s.claims["sub"].value == "a"
    assert s.line == (2 if "\n" in code else 1)


def test_encode_of_another_module_is_not_a_signer() -> None:
    code = """
    import jwt from './my-jwt-simple-wrapper';
    import { encode } from 'base-64';
    const a = jwt.encode({ sub: 'a' }, KEY);
    const b = encode('text');
    """
    assert signers(code) == ()


def test_jwt_simple_defaults_options_header_and_no_managed_times() -> None:
    code = """
    const jwt = require('jwt-simple');
    // Zendesk messaging
    function zendeskToken(user) {
      const payload = { external_id: String(user.id), scope: 'user', exp: Date.now() + 300000 };
      return jwt.encode(payload, process.env.ZENDESK_SECRET, 'HS512',
        { header: { kid: 'app_64a', alg: 'none' } });
    }
    """
    s = one(code)
    assert s.library == "jwt-simple" and s.function == "zendeskToken"
    assert s.algorithm == "HS512" and s.algorithm_expr.value == "HS512"
    assert set(s.header) == {"kid"} and s.header["kid"].value == "app_64a"
    assert s.claims["exp"].has("clock-ms")
    assert s.managed == {}  # jwt-simple adds no iat or exp
    assert s.secret.source == "env" and s.secret.expression == "process.env.ZENDESK_SECRET"


@pytest.mark.parametrize("alg,expected", [
    ("", "HS256"), (", undefined", "HS256"), (", null", "HS256"), (", ''", "HS256"),
    (", 'HS384'", "HS384"), (", 'RS256'", "RS256"), (", ALG", None),
])
def test_jwt_simple_algorithm(alg: str, expected: str | None) -> None:
    s = one(f"const jwt = require('jwt-simple');\njwt.encode({{ sub: 1 }}, K{alg});")
    assert s.algorithm == expected
    assert (s.algorithm_expr is None) == (alg in ("", ", undefined", ", null"))


# --- njwt ------------------------------------------------------------------------------------------

NJWT = """
const nJwt = require('njwt');
// Zendesk messaging
app.get('/zendesk/jwt', (req, res) => {
  const claims = { external_id: String(req.user.id), scope: 'user', exp: 1700000000 };
  const token = nJwt.create(claims, process.env.ZENDESK_SECRET);
  token.setExpiration(new Date().getTime() + 5 * 60 * 1000);
  token.setHeader('kid', process.env.ZENDESK_KID);
  res.send(token.compact());
});
"""


def test_njwt_builder_variable() -> None:
    s = one(NJWT)
    assert s.library == "njwt" and s.line == 6 and s.function == "/zendesk/jwt"
    assert s.algorithm == "HS256" and s.algorithm_expr is None
    assert s.header["kid"].text == "process.env.ZENDESK_KID"
    # create() overwrites the payload's exp; setExpiration takes milliseconds
    assert set(s.claims) == {"external_id", "scope"}
    exp = s.managed["exp"]
    assert exp.line == 7 and exp.from_now == 300 and exp.has("clock") and not exp.has("clock-ms")
    assert s.managed["iat"].has("clock") and s.managed["iat"].from_now == 0
    assert s.managed["jti"].text == "jti set by njwt"
    assert s.secret.source == "env"
    assert s.response == "text"


def test_njwt_chain_defaults_and_setters() -> None:
    code = """
    import { create } from 'njwt';
    export function token(user, key) {
      return create({ external_id: user.id, iat: 1700000000 }, key, 'HS512')
        .setSubject(user.email)
        .setClaim('scope', 'user')
        .setSigningKey(process.env.ZD_SECRET)
        .compact();
    }
    """
    s = one(code, "typescript")
    assert s.library == "njwt" and s.algorithm == "HS512"
    assert s.claims["iat"].value == 1700000000 and "iat" not in s.managed
    assert s.claims["sub"].text == "user.email" and s.claims["scope"].value == "user"
    exp = s.managed["exp"]
    assert exp.text == "exp set by njwt (1 hour)" and exp.from_now == 3600
    assert s.secret.source == "env" and s.secret.expression == "process.env.ZD_SECRET"


@pytest.mark.parametrize("arg,offset,fixed", [
    ("Date.now() + 60 * 60 * 1000", 3600, False),
    ("new Date(Date.now() + 600000)", 600, False),
    ("new Date('2030-01-01T00:00:00Z')", None, True),
    ("Math.floor(Date.now() / 1000) + 300", None, False),  # seconds read as ms: January 1970
])
def test_njwt_set_expiration_takes_milliseconds(arg: str, offset: float | None, fixed: bool) -> None:
    code = (f"import nJwt from 'njwt';\nconst t = nJwt.create({{ sub: 'a' }}, K);\n"
            f"t.setExpiration({arg});\nexport const s = t.compact();")
    exp = one(code).managed["exp"]
    assert exp.from_now == offset and exp.line == 3
    assert not exp.has("clock-ms")
    assert exp.has("clock") != fixed


def test_njwt_set_expiration_without_value_removes_exp() -> None:
    code = "const nJwt = require('njwt');\nconst t = nJwt.create({ sub: 'a' }, K).setExpiration();"
    assert "exp" not in one(code).managed


def test_create_of_another_module_is_not_njwt() -> None:
    code = "import { create } from './tokens';\nconst nJwt = require('nJwt-like');\ncreate({ a: 1 }, K);"
    assert signers(code) == ()


# --- jsrsasign -------------------------------------------------------------------------------------

KJUR_STRINGIFIED = """
const { KJUR } = require('jsrsasign');
// Zendesk messaging
function zendeskToken(user) {
  const oHeader = { alg: 'HS256', typ: 'JWT', kid: 'app_64a' };
  const oPayload = {
    external_id: String(user.id), scope: 'user',
    iat: KJUR.jws.IntDate.get('now'), exp: KJUR.jws.IntDate.get('now + 1hour'),
  };
  const sHeader = JSON.stringify(oHeader);
  const sPayload = JSON.stringify(oPayload);
  return KJUR.jws.JWS.sign(null, sHeader, sPayload, { utf8: process.env.ZENDESK_SECRET });
}
"""


def test_jsrsasign_stringified_header_and_payload() -> None:
    s = one(KJUR_STRINGIFIED)
    assert s.library == "jsrsasign" and s.line == 12 and s.function == "zendeskToken"
    assert s.algorithm == "HS256" and s.algorithm_expr.line == 5  # from the header's alg
    assert set(s.header) == {"typ", "kid"} and s.header["kid"].value == "app_64a"
    assert set(s.claims) == {"external_id", "scope", "iat", "exp"}
    assert s.claims["exp"].has("clock") and s.claims["exp"].from_now == 3600
    assert s.claims["iat"].from_now == 0
    assert s.managed == {}
    assert s.secret.source == "env" and "env" in s.secret.traits


def test_jsrsasign_algorithm_argument_json_text_and_base64_key() -> None:
    code = """
    const rs = require('jsrsasign');
    const t = rs.KJUR.jws.JWS.sign('HS512', '{"alg":"HS256","kid":"app_64a"}',
      { external_id: 'u1', exp: Date.now() + 60000 }, { b64: process.env.ZD_SECRET_B64 });
    """
    s = one(code)
    assert s.algorithm == "HS512" and s.algorithm_expr.value == "HS512"
    assert s.header["kid"].value == "app_64a" and "alg" not in s.header
    assert s.claims["exp"].has("clock-ms")
    assert s.secret.source == "env" and "base64-decoded" in s.secret.traits


def test_jsrsasign_global_in_a_page_with_a_literal_key() -> None:
    code = """
    window.zE('messenger', 'loginUser', function (callback) {
      var key = 'page-kjur-s3cret';
      callback(KJUR.jws.JWS.sign('HS256', { alg: 'HS256', typ: 'JWT' },
        JSON.stringify({ external_id: localStorage.uid, scope: 'user' }), key));
    });
    """
    f = facts(code)
    s = f.signers[0]
    assert len(f.signers) == 1 and s.library == "jsrsasign" and s.browser
    assert set(s.claims) == {"external_id", "scope"} and "kid" not in s.header
    assert s.secret.source == "literal" and "page-kjur-s3cret" not in repr(f.signers)


@pytest.mark.parametrize("code", [
    "import { KJUR } from 'jsrsasign';\nKJUR.jws.JWS.sign('HS256', {}, {}, K);",
    "import * as rs from 'jsrsasign';\nrs.KJUR.jws.JWS.sign('HS256', {}, {}, K);",
    "import rs from 'jsrsasign';\nrs.default.KJUR.jws.JWS.sign('HS256', {}, {}, K);",
])
def test_jsrsasign_import_forms(code: str) -> None:
    assert one(code, "typescript").library == "jsrsasign"


def test_a_local_kjur_is_not_jsrsasign() -> None:
    code = """
    const KJUR = { jws: { JWS: { sign: (a, h, p, k) => h + p + k } } };
    const other = require('other-lib');
    KJUR.jws.JWS.sign('HS256', '{}', '{}', K);
    other.KJUR.jws.JWS.sign('HS256', '{}', '{}', K);
    """
    assert signers(code) == ()


# --- WebCrypto in a Cloudflare Worker --------------------------------------------------------------

WORKER = """
const b64url = (input) => btoa(typeof input === 'string' ? input
  : String.fromCharCode(...new Uint8Array(input))).replace(/=+$/, '');

async function signJwt(payload, secret) {
  const enc = new TextEncoder();
  const header = { alg: 'HS256', typ: 'JWT', kid: 'app_64a' };
  const data = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const key = await crypto.subtle.importKey('raw', enc.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const sig = await crypto.subtle.sign('HMAC', key, enc.encode(data));
  return `${data}.${b64url(sig)}`;
}

export default {
  async fetch(request, env) {
    const user = await currentUser(request, env);
    const token = await signJwt(
      { external_id: String(user.id), scope: 'user', exp: Date.now() + 300000 },
      {secret});
    return new Response(token);
  },
};
"""


@pytest.mark.parametrize("secret,source,expression", [
    ("env.ZENDESK_SECRET", "env", "secret = env.ZENDESK_SECRET"),
    ("this.env.ZENDESK_SECRET", "env", "secret = this.env.ZENDESK_SECRET"),
    ("'worker-s3cret'", "literal", 'secret = "***"'),
])
def test_webcrypto_in_a_worker_follows_the_helper_to_its_caller(
        secret: str, source: str, expression: str) -> None:
    f = facts(WORKER.replace("{secret}", secret))
    s = f.signers[0]
    assert len(f.signers) == 1
    assert s.library == "webcrypto" and s.function == "signJwt" and s.algorithm == "HS256"
    assert s.header["kid"].value == "app_64a"
    assert set(s.claims) == {"external_id", "scope", "exp"}  # from the handler's call
    assert s.claims["exp"].has("clock-ms") and s.claims["exp"].line == 19
    assert s.secret.source == source and s.secret.expression == expression
    assert s.secret.line == 9  # where the helper hands the key to importKey
    assert "worker-s3cret" not in repr(f)


def test_a_helper_called_with_two_payloads_keeps_them_unknown() -> None:
    code = WORKER.replace("{secret}", "env.ZENDESK_SECRET") + \
        "export const other = (env) => signJwt({ sub: 'x' }, env.OTHER_SECRET);\n"
    s = one(code)
    assert set(s.claims) == {"..."}
    assert s.secret.source == "env"


# --- secrets: empty defaults, literal defaults, literals passed to a signing function --------------

@pytest.mark.parametrize("key,prelude,source", [
    ("process.env.ZENDESK_SECRET || ''", "", "env"),
    ('process.env.ZENDESK_SECRET ?? ""', "", "env"),
    ("cfg.secret ?? ''", "const cfg = loadSettings();", "unknown"),
    ("getEnv('ZENDESK_SECRET', '')", "", "env"),
    ("S", "const S = process.env.ZENDESK_SECRET || ``;", "env"),
])
def test_an_empty_default_is_not_a_committed_secret(key: str, prelude: str, source: str) -> None:
    s = secret_of(key, prelude)
    assert s.secret.source == source
    assert "literal-fallback" not in s.secret.traits and "literal" not in s.secret.traits
    if source == "env":
        assert "env-unguarded" in s.secret.traits  # "" when the variable is unset


@pytest.mark.parametrize("key,source,expression", [
    ("getEnv('ZENDESK_SECRET', 'dev-s3cret')", "env", """getEnv('ZENDESK_SECRET', "***")"""),
    ("env('ZD_SECRET', 'dev-s3cret')", "env", """env('ZD_SECRET', "***")"""),
    ("readEnv(`ZENDESK_SECRET`, `dev-s3cret`)", "config", 'readEnv("***", "***")'),
    ("config.get('zendesk.secret', 'dev-s3cret')", "config", """config.get('zendesk.secret', "***")"""),
    ("this.configService.get<string>('ZENDESK_SECRET', 'dev-s3cret')", "config",
     """this.configService.get<string>('ZENDESK_SECRET', "***")"""),
])
def test_a_literal_default_through_a_helper_is_a_committed_secret(
        key: str, source: str, expression: str) -> None:
    f = facts(f"import jwt from 'jsonwebtoken';\njwt.sign({{ a: 1 }}, {key});", "typescript")
    secret = f.signers[0].secret
    assert "literal-fallback" in secret.traits and secret.source == source
    assert secret.expression == expression
    assert "dev-s3cret" not in repr(f)


def test_an_env_read_with_another_default_is_not_unguarded() -> None:
    s = secret_of("process.env.ZENDESK_SECRET || config.zendeskSecret")
    assert s.secret.source == "env" and "env-unguarded" not in s.secret.traits


LITERAL_PASSED = {
    "local-in-caller": """
        function makeToken(user, key) {
          return jwt.sign({ external_id: user.id }, key);
        }
        function handler(req, res) {
          var secret = "passed-s3cret";
          res.send(makeToken(req.user, secret));
        }""",
    "module-constant": """
        var SECRET = "passed-s3cret";
        const makeToken = (user, key) => jwt.sign({ external_id: user.id }, key);
        exports.handler = (req) => makeToken(req.user, SECRET);""",
    "inline-literal": """
        async function makeToken(user, key) { return jwt.sign({ external_id: user.id }, key); }
        export const t = await makeToken(u, 'passed-s3cret');""",
    "method-through-this": """
        class Tokens {
          makeToken(user, key) { return jwt.sign({ external_id: user.id }, key); }
          issue(user) { return this.makeToken(user, 'passed-s3cret'); }
        }""",
    "one-of-two-callers": """
        function makeToken(user, key) { return jwt.sign({ external_id: user.id }, key); }
        const a = makeToken(u, process.env.ZENDESK_SECRET);
        const b = makeToken(u, 'passed-s3cret');""",
}


@pytest.mark.parametrize("code", LITERAL_PASSED.values(), ids=LITERAL_PASSED.keys())
def test_a_literal_passed_to_the_signing_function_is_a_literal(code: str) -> None:
    f = facts("const jwt = require('jsonwebtoken');\n" + textwrap.dedent(code), "typescript")
    s = f.signers[0]
    assert s.secret.source == "literal" and s.secret.expression.startswith("key = ")
    assert s.secret.line == line_of("const jwt = 1;\n" + textwrap.dedent(code), "jwt.sign")
    assert "passed-s3cret" not in repr(f)


@pytest.mark.parametrize("code", [
    # the caller's own parameter says no more than the signer's
    """
    function makeToken(user, key) { return jwt.sign({ external_id: user.id }, key); }
    function outer(user, secret) { return makeToken(user, secret); }
    """,
    # one hop only: the literal two calls away is not followed
    """
    function makeToken(user, key) { return jwt.sign({ external_id: user.id }, key); }
    function middle(user, secret) { return makeToken(user, secret); }
    middle(u, 'two-hops-away');
    """,
    # a same-named method of another object is not this function
    """
    function makeToken(user, key) { return jwt.sign({ external_id: user.id }, key); }
    other.makeToken(u, 'not-this-one');
    """,
])
def test_a_parameter_stays_a_parameter(code: str) -> None:
    s = one("const jwt = require('jsonwebtoken');\n" + textwrap.dedent(code))
    assert s.secret.source == "parameter" and s.secret.expression == "key"


def test_claims_follow_a_single_caller() -> None:
    code = """
    const jwt = require('jsonwebtoken');
    function makeToken(payload, key) {
      payload.scope = 'user';
      return jwt.sign(payload, key);
    }
    export const t = makeToken({ external_id: 'u1', exp: Date.now() + 1000 }, process.env.K);
    """
    s = one(code)
    assert set(s.claims) == {"external_id", "exp", "scope"}
    assert s.claims["exp"].line == 7 and s.claims["scope"].line == 4


def test_a_jwt_signed_by_hand_with_node_hmac() -> None:
    code = """
    const crypto = require('crypto');
    function token(user) {
      const header = { alg: 'HS256', typ: 'JWT', kid: process.env.KID };
      const body = { external_id: String(user.id), scope: 'user' };
      const input = enc(JSON.stringify(header)) + '.' + enc(JSON.stringify(body));
      return input + '.' + crypto.createHmac('sha256', process.env.ZD_SECRET).update(input).digest('base64url');
    }
    """
    s = one(code)
    assert (s.library, s.algorithm) == ("node-crypto-hmac", "HS256")
    assert set(s.claims) == {"external_id", "scope"} and set(s.header) == {"typ", "kid"}
    assert s.secret.source == "env"


def test_an_hmac_of_something_else_is_no_signer() -> None:
    code = """
    const crypto = require('crypto');
    function check(req) {
      const body = JSON.stringify(req.body);
      return crypto.createHmac('sha256', process.env.HOOK).update(body).digest('hex');
    }
    """
    assert not facts(code).signers


def test_every_library_module_is_a_complete_spec() -> None:
    from migrate.lang.javascript import libraries

    names = {lib.__name__.rsplit(".", 1)[1] for lib in libraries.all_libraries()}
    assert {"jsonwebtoken", "jose", "jwt_simple", "njwt", "jsrsasign", "webcrypto"} <= names
    for lib in libraries.all_libraries():
        assert lib.WORDS and all(isinstance(w, str) for w in lib.WORDS), lib.__name__
        assert callable(lib.find), lib.__name__
        for module, table in getattr(lib, "EXPORTS", {}).items():
            assert None in table and all(r == table[None] or r.startswith(table[None] + ".")
                                         for r in table.values()), (lib.__name__, module)
