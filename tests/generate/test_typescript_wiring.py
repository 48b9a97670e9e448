"""Wiring the TypeScript providers: Express in TypeScript and Next.js App Router route handlers.

Each example site under fixtures/sites/ is generated end to end: the changed and new files parse
(tree-sitter) and type-check (tsc --noEmit, strict), the claims are the old route's own
expressions, the guard or session lookup is carried over, the manifest gains jose, the diff
applies with git, and a second run after applying changes nothing. The migrated sites then run
under tsx and go through login -> authorize -> token (PKCE, nonce) -> ID token verified against
the JWKS.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import select
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from migrate.extract.treesitter import Doc

from conftest import FIXTURES, GOLDEN, ROOT
from wiring_support import DEPLOYMENT, after, generate_site

from migrate.generate import config as cfg
from migrate.generate.run import generate

SITES = FIXTURES / "sites"
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
TSC = NODE_MODULES / ".bin" / "tsc"
NODE = shutil.which("node") or "node"
ISSUER = "https://shop.example.com/oidc"
REDIRECT = "https://shop.example.com/"
CLIENT_ID = "genesys-messenger"
CLIENT_SECRET = "s3cret-for-the-tests"
START_TIMEOUT = 20


_after = after


def _generate(site: Path, cutover: bool = False):
    if not cutover:
        return generate_site(site)
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER), cutover=True)


def _copy(tmp_path, monkeypatch, name: str) -> Path:
    site = tmp_path / name
    shutil.copytree(SITES / name, site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def _grammar(path: str) -> str:
    return {".ts": "typescript", ".tsx": "tsx", ".js": "javascript"}[Path(path).suffix]


def _applied(site: Path, page_note: str | None = None, cutover: bool = False) -> dict[str, str]:
    """Generates, checks the diff with `git apply --check`, applies; returns the new texts."""
    result = _generate(site, cutover)
    assert [n for n in result.notes if not (page_note and n.startswith(page_note))] == [], result.notes
    subprocess.run(["git", "init", "-q"], cwd=site, check=True)
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=site, input=result.changes.diff().encode(),
                           capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    result.changes.apply()
    assert _generate(site, cutover).changes.diff() == "", "a second run after applying changes nothing"
    return _after(result)


def _tsc(site: Path) -> None:
    (site / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    done = subprocess.run([str(TSC), "-p", "tsconfig.json", "--noEmit"], cwd=site, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr


def _golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / "typescript" / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"no golden file {path}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize("site, files", [
    ("express-ts", ["src/server.ts", "package.json"]),
    ("nextjs", ["app/api/zendesk/jwt/route.ts", "lib/genesys-oidc-claims.ts", "app/oidc/token/route.ts"]),
])
def test_wired_files_match_golden_files(tmp_path, monkeypatch, update_golden, site, files):
    after = _after(_generate(_copy(tmp_path, monkeypatch, site)))
    for path in files:
        _golden(f"{site}/{path}", after[path], update_golden)


# --- running a migrated site --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@contextlib.contextmanager
def _running(site: Path, command: list[str], port: int, ready_path: str, extra_env: dict[str, str] | None = None):
    """Starts the migrated site on 127.0.0.1:port with the provider's settings; stops it on exit."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = site / "oidc-key.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS_OIDC_")}
    env.update(PORT=str(port), HOSTNAME="127.0.0.1", SESSION_SECRET="test-session-secret",
               GENESYS_OIDC_ISSUER=f"http://127.0.0.1:{port}/oidc", GENESYS_OIDC_CLIENT_ID=CLIENT_ID,
               GENESYS_OIDC_CLIENT_SECRET=CLIENT_SECRET, GENESYS_OIDC_PRIVATE_KEY_FILE=str(key_file),
               GENESYS_OIDC_REDIRECT_URIS=REDIRECT, **(extra_env or {}))
    proc = subprocess.Popen(command, cwd=site, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    origin = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=5, follow_redirects=False) as http:
            for _ in range(START_TIMEOUT * 10):
                if proc.poll() is not None:
                    raise AssertionError(f"the site stopped: {proc.stderr.read()}")
                try:
                    http.get(origin + ready_path)
                    break
                except httpx.TransportError:
                    select.select([], [], [], 0.1)
            else:
                raise AssertionError("the site did not start")
        yield origin, key
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        proc.stderr.close()


def _code_flow(http: httpx.Client, origin: str, key: rsa.RSAPrivateKey, headers: dict[str, str] | None = None) -> dict:
    """authorize (signed in) -> token (basic auth, PKCE) -> the ID token, verified against the JWKS."""
    issuer = f"{origin}/oidc"
    verifier = secrets.token_urlsafe(48)
    challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    auth = http.get(f"{issuer}/authorize", headers=headers or {}, params={
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "openid profile email",
        "state": state, "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})
    assert auth.status_code == 302, auth.text
    query = parse_qs(urlsplit(auth.headers["location"]).query)
    assert query["state"] == [state]
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    token = http.post(f"{issuer}/token", headers={"Authorization": f"Basic {basic}"},
                      data={"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT,
                            "code_verifier": verifier})
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    id_token = token.json()["id_token"]
    (jwk,) = http.get(f"{issuer}/jwks.json").json()["keys"]
    assert jwt.get_unverified_header(id_token)["kid"] == jwk["kid"]
    claims = jwt.decode(id_token, key=jwt.PyJWK(jwk), algorithms=["RS256"], audience=CLIENT_ID, issuer=issuer)
    assert claims["nonce"] == nonce and claims["exp"] - claims["iat"] <= 600
    replay = http.post(f"{issuer}/token", headers={"Authorization": f"Basic {basic}"},
                       data={"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT,
                             "code_verifier": verifier})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    return claims


# --- Express in TypeScript ----------------------------------------------------------------------


@pytest.fixture
def express_ts(tmp_path, monkeypatch) -> Path:
    return _copy(tmp_path, monkeypatch, "express-ts")


KEEP_NOTE = ("// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /api/zendesk/token is kept "
             "while the site moves to Messenger sign-in at /oidc")


def test_express_ts_is_wired_with_the_typescript_provider_beside_the_old_route(express_ts):
    before = (express_ts / "src" / "server.ts").read_text()
    result = _generate(express_ts)
    after = _after(result)
    assert {c.path for c in result.changes.changes if c.new} == {"src/genesys-oidc-provider.ts"}
    assert "import { SignJWT, exportJWK, calculateJwkThumbprint } from 'jose';" in after["src/genesys-oidc-provider.ts"]
    for path in ("src/server.ts", "src/genesys-oidc-provider.ts"):
        assert Doc.parse("typescript", after[path].encode()).first_error() is None, path
    server = after["src/server.ts"]
    assert "import { createOidcProvider } from './genesys-oidc-provider';" in server
    # the old route stays exactly as it was, with the keep note on the line above it
    old_route = before[before.index("app.get('/api/zendesk/token'"):before.index("app.listen")]
    assert f"{KEEP_NOTE} (`migrate generate --cutover` removes it)\n{old_route}" in server
    assert server.replace(KEEP_NOTE, "").count("jwt.sign") == 1 and "import jwt from 'jsonwebtoken';" in server
    (outcome,) = result.outcomes
    mounted = server.split("\n").index('app.use("/oidc", createOidcProvider({') + 1
    assert outcome.status == "wired" and outcome.route == "GET /api/zendesk/token"
    assert f"provider mounted at src/server.ts:{mounted}" in outcome.text
    assert 'app.use("/oidc", createOidcProvider({\n  guard: requireCustomer,\n' in server
    # the claims are the old route's expressions, after its own local, with the rules' transforms
    assert "  claims: (req: AuthedRequest) => {\n    const customer = req.customer!;\n    return {\n" in server
    assert "      sub: String(customer.id),  // external_id -> sub (zendesk-messaging.yaml:" in server
    assert "      name: customer.displayName,  // name -> name (zendesk-messaging.yaml:" in server
    assert "      email: customer.email,  // email -> email (zendesk-messaging.yaml:" in server
    assert "      email_verified: Boolean(customer.emailConfirmed)," in server
    assert "scope" not in server.split("createOidcProvider({", 1)[1]
    pkg = json.loads(after["package.json"])
    assert pkg["dependencies"]["jose"].startswith("^5")
    assert pkg["dependencies"]["jsonwebtoken"]  # the kept route still signs with it


def test_express_ts_cutover_in_one_step_replaces_the_route(express_ts):
    result = _generate(express_ts, cutover=True)
    server = _after(result)["src/server.ts"]
    assert "jwt.sign" not in server and "jsonwebtoken" not in server and "TODO(migrate:ZG220)" not in server
    assert "'/api/zendesk/token'" not in server.replace("Zendesk token route '/api/zendesk/token'", "")
    assert 'app.use("/oidc", createOidcProvider({\n  guard: requireCustomer,\n' in server
    assert [o.status for o in result.outcomes] == ["cut"]


def test_express_ts_relative_imports_with_js_suffix_are_followed(express_ts):
    server = express_ts / "src" / "server.ts"
    server.write_text(server.read_text().replace("from './auth';", "from './auth.js';")
                      .replace("from './users';", "from './users.js';"))
    after = _after(_generate(express_ts))
    assert "import { createOidcProvider } from './genesys-oidc-provider.js';" in after["src/server.ts"]


def _express_ts_signs_in(site: Path, old_route: int) -> None:
    port = _free_port()
    env = {"ZENDESK_MESSAGING_SECRET": "zendesk-test-secret", "ZENDESK_KEY_ID": "app_test"}
    with _running(site, [NODE, "--import", "tsx", "src/server.ts"], port, "/health", env) as (origin, key):
        with httpx.Client(timeout=5, follow_redirects=False) as http:
            login = http.post(f"{origin}/login", data={"email": "robin@example.com", "password": "correct horse"})
            assert login.status_code == 302
            claims = _code_flow(http, origin, key)
            assert {k: claims[k] for k in ("sub", "name", "email", "email_verified")} == {
                "sub": "1042", "name": "Robin Trail", "email": "robin@example.com", "email_verified": True}
            assert http.get(f"{origin}/api/zendesk/token").status_code == old_route
            cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
            _certified_rp_signs_in(f"{origin}/oidc", {"Cookie": cookie}, "1042")


def _certified_rp_signs_in(issuer: str, headers: dict[str, str], sub: str) -> None:
    """panva's openid-client (OpenID Certified RP) through the running site: discovery, code + PKCE +
    nonce, the ID token validated by the library, userinfo, refresh with rotation, and the refusals."""
    from generated.certified_rp import drive

    seen = drive(issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT,
                 headers=headers, scope="openid profile email offline_access", refresh=True)
    assert seen["issuer"] == issuer and seen["claims"]["sub"] == sub and seen["userinfo"]["sub"] == sub
    assert "refresh_token" in seen["discovery"]["grant_types_supported"]
    assert seen["refreshed"] == {"sub": sub, "rotated": True} and seen["refresh_reused"] == "invalid_grant"
    assert seen["rotated_after_reuse"] == "invalid_grant" and seen["access_after_code_reuse"] is not None
    assert seen["code_reused"] == "invalid_grant" and seen["wrong_verifier"] == "invalid_grant"
    assert seen["wrong_nonce"] is not None


def test_express_ts_applies_type_checks_and_runs_then_cuts_over(express_ts):
    _applied(express_ts)
    _tsc(express_ts)
    _express_ts_signs_in(express_ts, old_route=200)  # the Zendesk route still answers beside the provider
    after = _applied(express_ts, cutover=True)
    assert set(after) == {"src/server.ts", "package.json"}
    assert "jsonwebtoken" not in after["src/server.ts"] and "TODO(migrate:ZG220)" not in after["src/server.ts"]
    pkg = json.loads(after["package.json"])
    assert "jsonwebtoken" not in pkg["dependencies"] and "@types/jsonwebtoken" not in pkg["devDependencies"]
    _express_ts_signs_in(express_ts, old_route=404)


# --- Next.js App Router -------------------------------------------------------------------------

NEXT_ROUTES = ["app/oidc/.well-known/openid-configuration/route.ts", "app/oidc/jwks.json/route.ts",
               "app/oidc/authorize/route.ts", "app/oidc/token/route.ts", "app/oidc/userinfo/route.ts"]
NEXT_GENERATED = ["lib/genesys-oidc.ts", "lib/genesys-oidc-claims.ts", *NEXT_ROUTES]
LOADER_NOTE = "components/SupportChat.tsx:16: the Zendesk loader is built in code"

# Test-only stand-ins for next-auth and next/server (not installed for the tests): their types, a
# getServerSession that returns the X-Test-Session header of the current request (see
# next_site_host.mjs), and NextResponse.json for the kept Zendesk route.
NEXT_AUTH_STUB = {
    "package.json": '{"name": "next-auth", "version": "0.0.0-test", "main": "index.js", "types": "index.d.ts"}\n',
    "index.js": """exports.getServerSession = async () => {
  const request = globalThis.__testCurrentRequest && globalThis.__testCurrentRequest.getStore();
  const session = request && request.headers.get('x-test-session');
  return session ? JSON.parse(session) : null;
};
""",
    "index.d.ts": """export interface Session { expires?: string }
export interface NextAuthOptions {
  session?: { strategy?: 'jwt' | 'database' };
  providers: unknown[];
  callbacks?: { session?(params: { session: Session; token: { sub?: string } }): Promise<Session> | Session };
}
export function getServerSession(options: NextAuthOptions): Promise<Session | null>;
""",
    "../next/package.json": '{"name": "next", "version": "0.0.0-test"}\n',
    "../next/server.js": """class NextResponse extends Response {
  static json(body, init) { return Response.json(body, init); }
}
exports.NextResponse = NextResponse;
""",
    "../next/server.d.ts": """export declare class NextResponse extends Response {
  static json(body: unknown, init?: ResponseInit): NextResponse;
}
export type NextRequest = Request;
""",
    "providers/credentials.js": "module.exports = (options) => ({ id: 'credentials', type: 'credentials', ...options });\n",
    "providers/credentials.d.ts": """export default function CredentialsProvider(options: {
  name: string;
  credentials: Record<string, { label: string; type: string }>;
  authorize(credentials: Record<string, string> | undefined): Promise<{ id: string; name?: string; email?: string } | null>;
}): unknown;
""",
}


@pytest.fixture
def nextjs(tmp_path, monkeypatch) -> Path:
    return _copy(tmp_path, monkeypatch, "nextjs")


def _next_node_modules(site: Path) -> None:
    modules = site / "node_modules"
    modules.mkdir()
    for name in ("jose", "tsx", "@types", "typescript"):
        (modules / name).symlink_to(NODE_MODULES / name, target_is_directory=True)
    for rel, text in NEXT_AUTH_STUB.items():
        (modules / "next-auth" / rel).parent.mkdir(parents=True, exist_ok=True)
        (modules / "next-auth" / rel).write_text(text)


def test_nextjs_provider_routes_are_added_beside_the_kept_route_handler(nextjs):
    before = (nextjs / "app" / "api" / "zendesk" / "jwt" / "route.ts").read_text()
    result = _generate(nextjs)
    assert all(n.startswith(LOADER_NOTE) for n in result.notes), result.notes  # the page side's, not the wiring's
    after = _after(result)
    assert {c.path for c in result.changes.changes if c.new} == set(NEXT_GENERATED)
    for path in [*NEXT_GENERATED, "app/api/zendesk/jwt/route.ts"]:
        assert Doc.parse("typescript", after[path].encode()).first_error() is None, path
    old = after["app/api/zendesk/jwt/route.ts"]
    note = ("// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /api/zendesk/jwt is kept while "
            "the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)\n")
    assert old == before.replace("export async function GET", note + "export async function GET")
    (outcome,) = result.outcomes
    assert outcome.status == "wired" and "provider mounted at app/oidc/authorize/route.ts:1" in outcome.text
    claims = after["lib/genesys-oidc-claims.ts"]
    # the old handler's session lookup and check, with the old claim expressions
    assert "import { getServerSession } from 'next-auth';\nimport { authOptions } from '@/lib/auth';\n" in claims
    assert "const session = await getServerSession(authOptions);\n" in claims
    assert "if (!session?.user) return null;" in claims
    assert "    sub: String(session.user.id),  // external_id -> sub (zendesk-messaging.yaml:" in claims
    assert "    name: session.user.name,  // name -> name (zendesk-messaging.yaml:" in claims
    assert "    email: session.user.email,  // email -> email (zendesk-messaging.yaml:" in claims
    assert "    email_verified: Boolean(session.user.emailVerified)," in claims
    assert "scope:" not in claims and "jwt.sign" not in claims and "jsonwebtoken" not in claims
    authorize = after["app/oidc/authorize/route.ts"]
    assert "import { sharedOidcProvider } from '../../../lib/genesys-oidc';" in authorize
    assert "export function GET(request: Request): Promise<Response> {" in authorize
    assert "export function POST" in after["app/oidc/token/route.ts"]
    assert "'../../../../lib/genesys-oidc'" in after["app/oidc/.well-known/openid-configuration/route.ts"]
    assert "import { SignJWT, exportJWK, calculateJwkThumbprint } from 'jose';" in after["lib/genesys-oidc.ts"]
    assert json.loads(after["package.json"])["dependencies"]["jose"].startswith("^5")


def test_nextjs_src_app_and_relative_imports_move_with_the_claims(nextjs):
    (nextjs / "src").mkdir()
    for name in ("app", "lib", "components"):
        shutil.move(str(nextjs / name), str(nextjs / "src" / name))
    route = nextjs / "src" / "app" / "api" / "zendesk" / "jwt" / "route.ts"
    route.write_text(route.read_text().replace("from '@/lib/auth';", "from '../../../../lib/auth';")
                     .replace("export async function GET() {", "export async function GET(req: Request) {"))
    after = _after(_generate(nextjs))
    claims = after["src/lib/genesys-oidc-claims.ts"]
    assert "import { authOptions } from './auth';" in claims
    assert "export async function claims(req: Request): Promise<OidcClaims | null> {" in claims
    assert "'../../../lib/genesys-oidc'" in after["src/app/oidc/authorize/route.ts"]


def test_nextjs_cutover_in_one_step_removes_the_route_handler(nextjs):
    old = _after(_generate(nextjs, cutover=True))["app/api/zendesk/jwt/route.ts"]
    assert "export async function GET" not in old and "jsonwebtoken" not in old and "next-auth" not in old
    assert "TODO(migrate:ZG226)" in old and "app/oidc/" in old


def test_nextjs_applies_type_checks_and_its_routes_run(nextjs):
    after = _applied(nextjs, page_note=LOADER_NOTE)
    _next_node_modules(nextjs)
    files = [*NEXT_GENERATED, "app/api/zendesk/jwt/route.ts", "lib/auth.ts", "lib/customers.ts", "next-auth.d.ts"]
    (nextjs / "tsconfig.generated.json").write_text(json.dumps({
        "extends": "./tsconfig.json", "compilerOptions": {"incremental": False, "types": ["node"]},
        "include": [], "files": files}))
    done = subprocess.run([str(TSC), "-p", "tsconfig.generated.json"], cwd=nextjs, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert after  # applied

    port = _free_port()
    host = str(ROOT / "tests" / "generated" / "node" / "next_site_host.mjs")
    with _running(nextjs, [NODE, "--import", "tsx", host, str(nextjs)], port, "/oidc/jwks.json") as (origin, key):
        with httpx.Client(timeout=10, follow_redirects=False) as http:
            discovery = http.get(f"{origin}/oidc/.well-known/openid-configuration").json()
            assert discovery["issuer"] == f"{origin}/oidc" and discovery["token_endpoint"] == f"{origin}/oidc/token"
            session = {"user": {"id": "7", "name": "Sam Ridge", "email": "sam@example.com", "emailVerified": True}}
            claims = _code_flow(http, origin, key, headers={"X-Test-Session": json.dumps(session)})
            assert {k: claims[k] for k in ("sub", "name", "email", "email_verified")} == {
                "sub": "7", "name": "Sam Ridge", "email": "sam@example.com", "email_verified": True}
            _certified_rp_signs_in(f"{origin}/oidc", {"X-Test-Session": json.dumps(session)}, "7")
            # nobody signed in: the old route's check answers login_required, and no code
            nobody = http.get(f"{origin}/oidc/authorize", headers={"Accept": "application/json"}, params={
                "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "openid",
                "state": "s", "code_challenge": "A" * 43, "code_challenge_method": "S256"})
            assert nobody.status_code == 401 and nobody.json()["error"] == "login_required"
            assert http.get(f"{origin}/api/zendesk/jwt").status_code != 405  # the old handler still answers
    cut = _applied(nextjs, cutover=True)
    assert set(cut) == {"app/api/zendesk/jwt/route.ts", "package.json"}
    assert "export async function GET" not in cut["app/api/zendesk/jwt/route.ts"]
    assert "jsonwebtoken" not in json.loads(cut["package.json"])["dependencies"]


AUTH_V5_ROUTE = """\
import { type NextRequest, NextResponse } from 'next/server';
import { SignJWT } from 'jose';
import { auth } from '@/auth';

const secret = new TextEncoder().encode(process.env.ZENDESK_MESSAGING_SECRET);

// Zendesk Messaging JWT
export const GET = async (req: NextRequest) => {
  const session = await auth();
  const locale = req.headers.get('accept-language');
  if (!session?.user?.email) {
    return NextResponse.json({ error: 'unauthorized' }, { status: 401 });
  }
  console.log('zendesk token for', session.user.email, locale);
  const token = await new SignJWT({ external_id: session.user.email, name: session.user.name, scope: 'user' })
    .setProtectedHeader({ alg: 'HS256', kid: process.env.ZENDESK_KEY_ID })
    .sign(secret);
  return NextResponse.json({ token });
};

export function POST() {
  return NextResponse.json({ error: 'use GET' }, { status: 405 });
}
"""


def test_nextjs_arrow_handler_with_auth_keeps_the_other_exports(nextjs):
    route = nextjs / "app" / "api" / "zendesk" / "jwt" / "route.ts"
    route.write_text(AUTH_V5_ROUTE)
    result = _generate(nextjs, cutover=True)
    after = _after(result)
    claims = after["lib/genesys-oidc-claims.ts"]
    assert "import { type NextRequest } from 'next/server';\nimport { auth } from '@/auth';\n" in claims
    assert "export async function claims(req: NextRequest): Promise<OidcClaims | null> {" in claims
    assert "  const session = await auth();\n  if (!session?.user?.email) return null;" in claims
    assert "const locale" not in claims  # not needed by the claims
    assert "TODO(migrate:ZG226): the old route also ran `console.log(" in claims
    assert "sub: String(session.user.email),  // external_id -> sub" in claims
    old = after["app/api/zendesk/jwt/route.ts"]
    assert "export const GET" not in old and "SignJWT" not in old and "@/auth" not in old
    assert "export function POST()" in old and "import { NextResponse } from 'next/server';\n" in old
    assert "const secret" in old  # module code is left alone
    for path in ("lib/genesys-oidc-claims.ts", "app/api/zendesk/jwt/route.ts"):
        assert Doc.parse("typescript", after[path].encode()).first_error() is None, path


def test_nextjs_signing_outside_app_router_gets_the_standalone_provider(nextjs):
    shutil.move(str(nextjs / "app" / "api" / "zendesk" / "jwt" / "route.ts"), str(nextjs / "lib" / "zendesk.ts"))
    result = _generate(nextjs)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "App Router" in outcome.text
    after = _after(result)
    assert "createNodeHandler" in after["lib/genesys-oidc-provider.cjs"]
    helper = after["lib/zendesk.ts"]
    assert "TODO(migrate:ZG221): mount the sign-in provider from ./genesys-oidc-provider.cjs at /oidc" in helper
    # the claims carry the old session lookup and check, and the old code stays
    assert "async function genesysOidcClaims(_request: Request) {" in helper or \
        "async function genesysOidcClaims(req: any) {" in helper, helper
    assert "const session = await getServerSession(authOptions);" in helper and "jwt.sign(" in helper
    assert Doc.parse("typescript", helper.encode()).first_error() is None
