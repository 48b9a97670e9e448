"""The Spring Boot provider (templates/java/spring/GenesysOidcController.java.j2, nimbus-jose-jwt), read.

test_java_provider_run.py builds it with Maven and drives it through the OpenID flow. Here the
rendered Java is parsed with tree-sitter, compared with its golden file, checked against the
provider contract of templates/README.md by reading the syntax tree, and compiled by javac over
signature stand-ins of the libraries (with the wired controller of a fixture site). Routes come
from the Spring mapping annotations, and every rule is looked for in the method the route reaches
(comments stripped), so a rule stated in a comment or in another method does not count. The mutation tests at the end break the rendered code one rule at a time and
require the matching check to notice.

Regenerate the golden file after an intended change with `UPDATE_GOLDEN=1 make test`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path

import pytest
import tree_sitter as ts

from migrate.extract.treesitter import Doc, string_value, walk
from migrate.generate.render import render

TEMPLATE = "java/spring/GenesysOidcController.java.j2"
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "java" / "GenesysOidcController.java"
ISSUER_PATH = "/oidc"
ENV_NAMES = {
    "GENESYS_OIDC_ISSUER", "GENESYS_OIDC_CLIENT_ID", "GENESYS_OIDC_CLIENT_SECRET",
    "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS",
}
ROUTES = {
    ("GetMapping", "/.well-known/openid-configuration"): "discovery",
    ("GetMapping", "/jwks.json"): "jwks",
    ("GetMapping", "/authorize"): "authorize",
    ("PostMapping", "/token"): "token",
    ("GetMapping", "/userinfo"): "userinfo",
}
DISCOVERY_VALUES = {
    "response_types_supported": {"code"},
    "grant_types_supported": {"authorization_code"},
    "subject_types_supported": {"public"},
    "id_token_signing_alg_values_supported": {"RS256"},
    "code_challenge_methods_supported": {"S256"},
    "token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post"},
    "scopes_supported": {"openid", "profile", "email"},
}
_UNITS = {"ofSeconds": 1, "ofMinutes": 60, "ofHours": 3600}


@pytest.fixture(scope="module")
def rendered() -> str:
    return render(TEMPLATE, issuer_path=ISSUER_PATH)


class Java:
    """The rendered class: methods by name (code without comments), fields, and the routes."""

    def __init__(self, source: str):
        self.doc = Doc.parse("java", source.encode())

    def text(self, node: ts.Node) -> str:
        return self.doc.text(node)

    def code(self, node: ts.Node) -> str:
        data, start, parts = self.doc.data, node.start_byte, []
        for n in walk(node):
            if n.type in ("line_comment", "block_comment"):
                parts.append(data[start:n.start_byte].decode())
                start = n.end_byte
        parts.append(data[start:node.end_byte].decode())
        return re.sub(r"\s+", " ", "".join(parts))

    @cached_property
    def methods(self) -> dict[str, ts.Node]:
        found: dict[str, ts.Node] = {}
        for n in walk(self.doc.root):
            if n.type in ("method_declaration", "constructor_declaration"):
                name = self.text(n.child_by_field_name("name"))
                assert name not in found, f"{name} declared twice"
                found[name] = n
        return found

    def body(self, name: str) -> str:
        assert name in self.methods, f"method {name} is missing"
        return self.code(self.methods[name].child_by_field_name("body"))

    @cached_property
    def fields(self) -> dict[str, str]:
        out = {}
        for n in walk(self.doc.root):
            if n.type == "field_declaration":
                for d in n.named_children:
                    if d.type == "variable_declarator" and d.child_by_field_name("value") is not None:
                        out[self.text(d.child_by_field_name("name"))] = self.code(d.child_by_field_name("value"))
        return out

    def seconds(self, field: str) -> int:
        m = re.fullmatch(r"Duration\.(of\w+)\((\d+)\)", self.fields.get(field, ""))
        assert m and m.group(1) in _UNITS, f"{field} is not a plain duration: {self.fields.get(field)!r}"
        return int(m.group(2)) * _UNITS[m.group(1)]

    def annotations(self, node: ts.Node) -> list[tuple[str, ts.Node]]:
        mods = next((c for c in node.children if c.type == "modifiers"), None)
        return [] if mods is None else [(self.text(a.child_by_field_name("name")), a) for a in mods.named_children
                                         if a.type in ("annotation", "marker_annotation")]

    def mapping_path(self, annotation: ts.Node) -> str | None:
        args = annotation.child_by_field_name("arguments")
        if args is None:
            return None
        for a in args.named_children:
            if a.type == "string_literal":
                return string_value(self.doc, a)
            if a.type == "element_value_pair" and self.text(a.child_by_field_name("key")) in ("path", "value"):
                return string_value(self.doc, a.child_by_field_name("value"))
        return None

    @cached_property
    def controller(self) -> ts.Node:
        classes = [n for n in self.doc.root.named_children if n.type == "class_declaration"]
        assert len(classes) == 1, "one top-level class expected"
        return classes[0]

    @cached_property
    def routes(self) -> dict[tuple[str, str], str]:
        found = {}
        for name, method in self.methods.items():
            for kind, a in self.annotations(method):
                if kind in ("GetMapping", "PostMapping") and self.mapping_path(a) is not None:
                    found[(kind, self.mapping_path(a))] = name
        return found

    def puts(self, method: str) -> dict[str, set[str] | str]:
        """`body.put("key", value)` in a method: key -> the strings of a List.of, else the value's code."""
        out: dict[str, set[str] | str] = {}
        for n in walk(self.methods[method]):
            if n.type == "method_invocation" and self.text(n.child_by_field_name("name")) == "put":
                args = n.child_by_field_name("arguments").named_children
                if len(args) == 2 and args[0].type == "string_literal":
                    v = args[1]
                    out[string_value(self.doc, args[0])] = (
                        {string_value(self.doc, s) for s in walk(v) if s.type == "string_literal"}
                        if self.code(v).startswith("List.of(") else self.code(v))
        return out


def check_routes(j: Java) -> list[str]:
    problems = [f"{kind} {path} does not reach {handler}" for (kind, path), handler in ROUTES.items()
                if j.routes.get((kind, path)) != handler]
    anns = dict(j.annotations(j.controller))
    if "RestController" not in anns or j.mapping_path(anns.get("RequestMapping")) != ISSUER_PATH:
        problems.append("the controller is not a @RestController at the issuer path")
    if "Principal principal = request.getUserPrincipal();" not in j.body("authorize") or \
            "claims.claims(request, principal)" not in j.body("authorize"):
        problems.append("/authorize does not ask the (guarded) Claims bean for the signed-in user")
    return problems


def check_settings(j: Java) -> list[str]:
    problems = []
    names = {v.strip('"') for k, v in j.fields.items() if k.endswith("_VARIABLE")}
    if names != ENV_NAMES:
        problems.append(f"settings names {sorted(names)}")
    ctor = j.body("GenesysOidcController")
    read = set(re.findall(r"setting\((\w+_VARIABLE), missing\)", ctor))
    if {j.fields[v].strip('"') for v in read if v in j.fields} != ENV_NAMES:
        problems.append(f"the constructor reads {sorted(read)}")
    if 'if (!missing.isEmpty()) { throw new IllegalStateException("Genesys OIDC provider cannot start: missing " + String.join(", ", missing)); }' not in ctor:
        problems.append("missing settings do not stop start-up by name")
    if '"http".equals(uri.getScheme()) && !("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()))' not in ctor:
        problems.append("http issuers are not limited to localhost")
    if j.fields.get("MINIMUM_KEY_SIZE") != "2048" or \
            "if (privateKey.getModulus().bitLength() < MINIMUM_KEY_SIZE) { throw" not in ctor:
        problems.append("keys under 2048 bits are not refused")
    read_key = j.body("readPrivateKey")
    for failure in ("catch (IOException e)", "catch (GeneralSecurityException | IllegalArgumentException e)"):
        if f'{failure} {{ throw new IllegalStateException("Genesys OIDC provider cannot start: " + PRIVATE_KEY_FILE_VARIABLE' \
                not in read_key:
            problems.append(f"a key file that fails with {failure} does not stop start-up naming the setting")
    if "URI uri = parsedUri(issuer); if (uri == null || uri.getHost() == null" not in ctor:
        problems.append("an issuer that is no URI does not stop start-up naming the setting")
    return problems


def check_discovery(j: Java) -> list[str]:
    values = j.puts("discovery")
    problems = [f"discovery {k}: {values.get(k)}" for k, v in DISCOVERY_VALUES.items() if values.get(k) != v]
    for key, suffix in (("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                        ("jwks_uri", "/jwks.json"), ("userinfo_endpoint", "/userinfo")):
        if values.get(key) != f'issuer + "{suffix}"':
            problems.append(f"discovery {key}: {values.get(key)}")
    if values.get("issuer") != "issuer" or "claims_supported" not in values:
        problems.append("discovery issuer / claims_supported")
    return problems


def check_keys(j: Java) -> list[str]:
    problems, ctor = [], j.body("GenesysOidcController")
    if not re.search(r"this\.signingKey = new RSAKey\.Builder\(publicKey\) \.privateKey\(privateKey\) "
                     r"\.keyUse\(KeyUse\.SIGNATURE\) \.algorithm\(JWSAlgorithm\.RS256\) \.keyIDFromThumbprint\(\) \.build\(\);", ctor):
        problems.append("the signing key is not RS256 with the RFC 7638 thumbprint as kid")
    if "this.publicJwk = signingKey.toPublicJWK();" not in ctor or \
            'Map.of("keys", List.of(publicJwk.toJSONObject()))' not in j.body("jwks"):
        problems.append("the JWKS does not publish the public JWK")
    idt = j.body("idToken")
    if "new JWSHeader.Builder(JWSAlgorithm.RS256) .keyID(signingKey.getKeyID()) .type(JOSEObjectType.JWT)" not in idt \
            or "jwt.sign(new RSASSASigner(signingKey));" not in idt:
        problems.append("ID tokens are not RS256 with the thumbprint kid")
    return problems


def check_authorize(j: Java) -> list[str]:
    body, problems = j.body("authorize"), []
    unregistered = body.find('if (redirectUri == null || !redirectUris.contains(redirectUri)) { return error(HttpStatus.BAD_REQUEST')
    if unregistered < 0 or unregistered > body.find("redirect("):
        problems.append("an unregistered redirect URI is not refused with 400 before any redirect")
    if '!"S256".equals(query.get("code_challenge_method"))' not in body:
        problems.append("S256 is not required")
    if 'if (user == null || !(user.get("sub") instanceof String subject) || subject.isEmpty()) { refusal = "login_required"; }' not in body:
        problems.append("no login_required without a signed-in user")
    if 'new Grant(clientId, redirectUri, query.get("code_challenge"), query.get("nonce"), Collections.unmodifiableMap(new LinkedHashMap<>(user)), now, now.plus(CODE_LIFETIME))' not in body:
        problems.append("the code is not bound to client, redirect URI, challenge, nonce, claims and lifetime")
    if 'HttpStatus status = "login_required".equals(refusal) ? HttpStatus.UNAUTHORIZED' not in body:
        problems.append("login_required is not 401 for JSON requests")
    return problems


def check_client_auth(j: Java) -> list[str]:
    body, problems = j.body("token"), []
    if 'boolean usesBasic = authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);' not in body:
        problems.append("no client_secret_basic")
    if 'presentedId = form.getFirst("client_id"); presentedSecret = form.getFirst("client_secret");' not in body:
        problems.append("no client_secret_post")
    if "!secretEquals(presentedSecret, clientSecret)" not in body or re.search(r"presentedSecret\.equals|clientSecret\.equals", body):
        problems.append("the client secret is not compared in constant time")
    if "MessageDigest.isEqual(" not in j.body("secretEquals"):
        problems.append("secretEquals is not constant-time")
    if 'error(HttpStatus.UNAUTHORIZED, "invalid_client"' not in body or "HttpHeaders.WWW_AUTHENTICATE" not in body:
        problems.append("bad client credentials do not get 401 invalid_client (WWW-Authenticate for basic)")
    return problems


def check_redemption(j: Java) -> list[str]:
    body, problems = j.body("token"), []
    if "Grant grant = code == null ? null : codes.remove(code);" not in body:
        problems.append("codes are not single-use")
    if 'if (grant == null || !now.isBefore(grant.expiresAt())) { return error(HttpStatus.BAD_REQUEST, "invalid_grant"' not in body:
        problems.append("unknown or expired codes are not invalid_grant")
    if '!grant.clientId().equals(presentedId) || !grant.redirectUri().equals(form.getFirst("redirect_uri"))' not in body:
        problems.append("client and redirect URI are not compared at the token endpoint")
    if "!secretEquals(s256(verifier), grant.challenge())" not in body or \
            'MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII))' not in j.body("s256"):
        problems.append("the verifier is not checked with S256")
    if ".cacheControl(CacheControl.noStore())" not in body.split('body.put("id_token"')[-1]:
        problems.append("the token response is cacheable")
    return problems


def check_id_token(j: Java) -> list[str]:
    idt, problems = j.body("idToken"), []
    for needed in (".issuer(issuer)", ".audience(grant.clientId())", ".issueTime(Date.from(now))",
                   ".expirationTime(Date.from(now.plus(TOKEN_LIFETIME)))", '.claim("auth_time", grant.authTime().getEpochSecond())',
                   'claims.claim("nonce", grant.nonce());'):
        if needed not in idt:
            problems.append(f"ID token lacks {needed}")
    return problems


def check_lifetimes(j: Java) -> list[str]:
    problems = []
    if j.seconds("CODE_LIFETIME") > 60:
        problems.append("codes live more than 60 s")
    if j.seconds("TOKEN_LIFETIME") > 600:
        problems.append("tokens live more than 600 s")
    if "Instant now = clock.instant();" not in j.body("token") or "Instant now = clock.instant();" not in j.body("authorize"):
        problems.append("the injectable clock is not used")
    return problems


def check_userinfo(j: Java) -> list[str]:
    body = j.body("userinfo")
    if 'accessTokens.get(authorization.substring("Bearer ".length()).trim())' not in body or \
            "if (token == null || !clock.instant().isBefore(token.expiresAt())) { return ResponseEntity.status(HttpStatus.UNAUTHORIZED)" not in body:
        return ["userinfo does not require a live access token"]
    return []


CHECKS: dict[str, Callable[[Java], list[str]]] = {
    "routes": check_routes, "settings": check_settings, "discovery": check_discovery, "keys": check_keys,
    "authorize": check_authorize, "client auth": check_client_auth, "redemption": check_redemption,
    "id token": check_id_token, "lifetimes": check_lifetimes, "userinfo": check_userinfo,
}


@lru_cache(maxsize=2)
def parsed(source: str) -> Java:
    return Java(source)


def run_check(name: str, source: str) -> list[str]:
    try:
        return CHECKS[name](parsed(source))
    except (AssertionError, KeyError) as e:
        return [str(e)]


def test_renders_valid_java(rendered):
    doc = Doc.parse("java", rendered.encode())
    assert doc.first_error() is None, f"syntax error at {doc.first_error()}"
    # The wiring writes the site's `package` line above the imports.
    assert rendered.startswith("import ") and "package " not in rendered.split("\n@RestController")[0]


def test_matches_golden_file(rendered, update_golden):
    if update_golden:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_uses_nimbus_jose_jwt(rendered):
    imports = set(re.findall(r"^import ([\w.]+);$", rendered, re.M))
    assert {"com.nimbusds.jose.crypto.RSASSASigner", "com.nimbusds.jose.jwk.RSAKey", "com.nimbusds.jwt.SignedJWT"} <= imports
    assert not any(i.startswith(("io.jsonwebtoken", "com.auth0")) for i in imports)


def test_issuer_path_appears_only_in_the_mapping():
    other = render(TEMPLATE, issuer_path="/auth/genesys")
    assert '@RequestMapping("/auth/genesys")' in other
    assert other.replace("/auth/genesys", ISSUER_PATH) == render(TEMPLATE, issuer_path=ISSUER_PATH)


def test_no_placeholders_left(rendered):
    assert "{{" not in rendered and "{%" not in rendered and "TODO" not in rendered


@pytest.mark.parametrize("name", list(CHECKS))
def test_contract(rendered, name):
    assert run_check(name, rendered) == []


MUTATIONS = [
    ("token route removed", "routes", '@PostMapping(path = "/token", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)', ""),
    ("userinfo answers POST", "routes", '@GetMapping("/userinfo")', '@PostMapping("/userinfo")'),
    ("mounted at the root", "routes", '@RequestMapping("/oidc")', '@RequestMapping("/")'),
    ("claims asked without a principal", "routes", "Principal principal = request.getUserPrincipal();",
     "Principal principal = null;"),
    ("one setting dropped", "settings", 'String redirects = setting(REDIRECT_URIS_VARIABLE, missing);',
     'String redirects = System.getenv(REDIRECT_URIS_VARIABLE);'),
    ("missing settings not named", "settings", '"Genesys OIDC provider cannot start: missing " + String.join(", ", missing)',
     '"Genesys OIDC provider cannot start: settings missing"'),
    ("http issuer anywhere", "settings", '!("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()))', "false"),
    ("1024-bit keys", "settings", "MINIMUM_KEY_SIZE = 2048;", "MINIMUM_KEY_SIZE = 1024;"),
    ("unreadable key file not named", "settings",
     'throw new IllegalStateException("Genesys OIDC provider cannot start: " + PRIVATE_KEY_FILE_VARIABLE\n'
     '                    + " cannot be read: " + e, e);', "throw new IllegalStateException(e);"),
    ("issuer parsed unchecked", "settings", "URI uri = parsedUri(issuer);", "URI uri = URI.create(issuer);"),
    ("discovery without PKCE", "discovery", 'body.put("code_challenge_methods_supported", List.of("S256"));', ""),
    ("discovery drops client_secret_post", "discovery", 'List.of("client_secret_basic", "client_secret_post")',
     'List.of("client_secret_basic")'),
    ("fixed kid", "keys", ".keyIDFromThumbprint()", '.keyID("key-1")'),
    ("HS256 header", "keys", "new JWSHeader.Builder(JWSAlgorithm.RS256)", "new JWSHeader.Builder(JWSAlgorithm.HS256)"),
    ("private key published", "keys", 'List.of(publicJwk.toJSONObject())', 'List.of(signingKey.toJSONObject())'),
    ("unregistered redirect URI accepted", "authorize", "redirectUri == null || !redirectUris.contains(redirectUri)",
     "redirectUri == null"),
    ("plain PKCE allowed", "authorize", '!"S256".equals(query.get("code_challenge_method"))', "false"),
    ("code without a user", "authorize", 'if (user == null || !(user.get("sub") instanceof String subject) || subject.isEmpty()) {',
     'if (user == null) {'),
    ("secret compared with equals", "client auth", "!secretEquals(presentedSecret, clientSecret)", "!clientSecret.equals(presentedSecret)"),
    ("no constant-time comparison", "client auth", "MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8))",
     "a.equals(b)"),
    ("no client_secret_post", "client auth", 'presentedId = form.getFirst("client_id");', 'presentedId = "";'),
    ("invalid_client with 400", "client auth", 'error(HttpStatus.UNAUTHORIZED, "invalid_client"', 'error(HttpStatus.BAD_REQUEST, "invalid_client"'),
    ("codes reusable", "redemption", "codes.remove(code); // single use", "codes.get(code); // single use"),
    ("expired codes redeemed", "redemption", "if (grant == null || !now.isBefore(grant.expiresAt())) {", "if (grant == null) {"),
    ("plain verifier", "redemption", "!secretEquals(s256(verifier), grant.challenge())", "!secretEquals(verifier, grant.challenge())"),
    ("token response cacheable", "redemption", 'return ResponseEntity.ok().cacheControl(CacheControl.noStore()).header("Pragma", "no-cache").body(body);',
     "return ResponseEntity.ok().body(body);"),
    ("no nonce", "id token", 'claims.claim("nonce", grant.nonce());', "grant.nonce();"),
    ("exp an hour", "id token", ".expirationTime(Date.from(now.plus(TOKEN_LIFETIME)))", ".expirationTime(Date.from(now.plusSeconds(3600)))"),
    ("codes live two minutes", "lifetimes", "CODE_LIFETIME = Duration.ofSeconds(60);", "CODE_LIFETIME = Duration.ofSeconds(120);"),
    ("tokens live an hour", "lifetimes", "TOKEN_LIFETIME = Duration.ofMinutes(5);", "TOKEN_LIFETIME = Duration.ofMinutes(60);"),
    ("system clock", "lifetimes", "        Instant now = clock.instant();\n        String code = form",
     "        Instant now = Instant.now();\n        String code = form"),
    ("userinfo without expiry", "userinfo", "if (token == null || !clock.instant().isBefore(token.expiresAt())) {", "if (token == null) {"),
]


@pytest.mark.parametrize("check,old,new", [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_check_catches_mutation(rendered, check, old, new):
    assert rendered.count(old) == 1, f"mutation target not found once: {old!r}"
    mutated = rendered.replace(old, new)
    assert Doc.parse("java", mutated.encode()).first_error() is None, "the mutant must still parse"
    assert run_check(check, mutated), f"the {check} check missed the mutation"


# --- javac over stand-ins of the libraries ----------------------------------------------------------

STUBS = Path(__file__).resolve().parent / "java" / "stubs"


@pytest.mark.skipif(shutil.which("javac") is None, reason="no javac")
def test_rendered_provider_and_wired_controller_compile_against_api_stubs(tmp_path, monkeypatch):
    """javac checks the Java itself (types, definite assignment, the Claims override) over compile-only
    stand-ins with the real libraries' signatures (java/stubs/README.md); nothing runs."""
    from conftest import FIXTURES

    from migrate.generate import config as cfg
    from migrate.generate.run import generate

    site = tmp_path / "spring"
    shutil.copytree(FIXTURES / "sites" / "spring", site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    # cut over: the controller keeps no jjwt code, which the stubs do not stand in for
    result = generate(site, cfg.load(site, region="eu-west-1", deployment_id="5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
                                     issuer="https://shop.example.com/oidc"), cutover=True)
    out = tmp_path / "src"
    after = {c.path: c.after for c in result.changes.changes if c.path.endswith(".java")}
    # GenesysOidcSecurity (the site has its own SecurityFilterChain) is compiled against the real Spring
    # Security by test_java_spring_run.py; the stubs stand in for the controller's and provider's APIs only.
    assert after.pop("src/main/java/com/example/shop/web/GenesysOidcSecurity.java").startswith(
        "package com.example.shop.web;\n")
    assert len(after) == 2
    for rel, text in after.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    sources = [out / rel for rel in after]
    sources += [site / "src/main/java/com/example/shop/customers" / n for n in ("Customer.java", "CustomerRepository.java")]
    sources += sorted(STUBS.rglob("*.java"))
    proc = subprocess.run(["javac", "-Xlint:all", "-Xlint:-serial", "-Werror", "-d", str(tmp_path / "classes"),
                           *map(str, sources)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "classes/com/example/shop/web/GenesysOidcController.class").is_file()
