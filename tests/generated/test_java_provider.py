"""The Spring Boot provider (templates/java/spring/GenesysOidcController.java.j2, nimbus-jose-jwt), read.

test_java_provider_run.py builds it with Maven and drives it through the OpenID flow. Here the
rendered Java is parsed with tree-sitter, compared with its golden file, checked against the
provider contract of templates/README.md by reading the syntax tree, and compiled by javac -Werror
against the real libraries (with the wired controller of a fixture site). Routes come
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
from template_checks import contract_tests

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
    "grant_types_supported": {"authorization_code", "refresh_token"},
    "subject_types_supported": {"public"},
    "id_token_signing_alg_values_supported": {"RS256"},
    "code_challenge_methods_supported": {"S256"},
    "token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post"},
    "scopes_supported": {"openid", "profile", "email", "offline_access"},
}
OPTIONAL_ENV_NAMES = {"GENESYS_OIDC_STORE_URL", "GENESYS_OIDC_REFRESH_TTL", "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE"}
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
        """Methods by name; a nested class's as Class.name (Core.token, MemoryStore.take...)."""
        found: dict[str, ts.Node] = {}
        for n in walk(self.doc.root):
            if n.type in ("method_declaration", "constructor_declaration"):
                name = self.text(n.child_by_field_name("name"))
                owner = n.parent
                while owner is not None and owner.type not in ("class_declaration", "record_declaration",
                                                               "interface_declaration"):
                    owner = owner.parent
                if owner is not None and owner.parent is not None and owner.parent.type != "program":
                    name = self.text(owner.child_by_field_name("name")) + "." + name
                if name in found and self.methods_overloaded(name):
                    continue  # an overload: the first one counts
                assert name not in found, f"{name} declared twice"
                found[name] = n
        return found

    @staticmethod
    def methods_overloaded(name: str) -> bool:
        return name in ("Core.error",)

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
            if n.type == "method_invocation" and self.text(n.child_by_field_name("name")) == "put" \
                    and self.text(n.child_by_field_name("object") or n) == "body":
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
    authorize = j.body("authorize")
    if "Principal principal = request.getUserPrincipal();" not in authorize or \
            "claims.claims(request, principal)" not in authorize or "core.authorize(query," not in authorize:
        problems.append("/authorize does not ask the (guarded) Claims bean for the signed-in user")
    if 'request.getHeader("Sec-Fetch-Site")' not in authorize:
        problems.append("/authorize does not pass Sec-Fetch-Site on")
    token = j.body("token")
    if "request.getContentLengthLong() > MAX_TOKEN_BODY ? null : Core.readBody(request.getInputStream())" not in token \
            or "core.token(request.getQueryString(), body," not in token:
        problems.append("/token does not bound its body or hand the query string over")
    return problems


def check_settings(j: Java) -> list[str]:
    problems = []
    names = {v.strip('"') for k, v in j.fields.items() if k.endswith("_VARIABLE")}
    if names != ENV_NAMES | OPTIONAL_ENV_NAMES:
        problems.append(f"settings names {sorted(names)}")
    ctor = j.body("Core.Core")
    read = set(re.findall(r"setting\((\w+_VARIABLE), missing\)", ctor))
    if {j.fields[v].strip('"') for v in read if v in j.fields} != ENV_NAMES:
        problems.append(f"the constructor reads {sorted(read)}")
    if 'if (!missing.isEmpty()) { throw refused("missing " + String.join(", ", missing)); }' not in ctor or \
            'return new IllegalStateException("Genesys OIDC provider cannot start: " + why);' not in j.body("Core.refused"):
        problems.append("missing settings do not stop start-up by name")
    if '"http".equals(uri.getScheme()) && !("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()))' not in ctor:
        problems.append("http issuers are not limited to localhost")
    if 'if ("http".equals(parsed.getScheme()) && !loopback(parsed.getHost())) { throw refused(' not in ctor:
        problems.append("http redirect URIs are not limited to loopback hosts")
    if j.fields.get("MINIMUM_KEY_SIZE") != "2048" or \
            "if (privateKey.getModulus().bitLength() < MINIMUM_KEY_SIZE) { throw" not in j.body("Core.signingKey"):
        problems.append("keys under 2048 bits are not refused")
    read_key = j.body("Core.readPrivateKey")
    for failure in ("catch (IOException e)", "catch (GeneralSecurityException | IllegalArgumentException e)"):
        if f'{failure} {{ throw new IllegalStateException("Genesys OIDC provider cannot start: " + variable' \
                not in read_key:
            problems.append(f"a key file that fails with {failure} does not stop start-up naming the setting")
    if "URI uri = parsedUri(issuer); if (uri == null || uri.getHost() == null" not in ctor:
        problems.append("an issuer that is no URI does not stop start-up naming the setting")
    if "this.store = new RedisStore(storeUrl.trim());" not in ctor or "this.store = new MemoryStore(now);" not in ctor \
            or "WARNING" not in ctor:
        problems.append("the store is not Redis by GENESYS_OIDC_STORE_URL, else memory with a warning")
    return problems


def check_discovery(j: Java) -> list[str]:
    values = j.puts("Core.discovery")
    problems = [f"discovery {k}: {values.get(k)}" for k, v in DISCOVERY_VALUES.items() if values.get(k) != v]
    for key, suffix in (("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                        ("jwks_uri", "/jwks.json"), ("userinfo_endpoint", "/userinfo")):
        if values.get(key) != f'issuer + "{suffix}"':
            problems.append(f"discovery {key}: {values.get(key)}")
    if values.get("issuer") != "issuer" or "claims_supported" not in values:
        problems.append("discovery issuer / claims_supported")
    return problems


def check_keys(j: Java) -> list[str]:
    problems, ctor = [], j.body("Core.Core")
    if not re.search(r"return new RSAKey\.Builder\(publicKey\) \.privateKey\(privateKey\) "
                     r"\.keyUse\(KeyUse\.SIGNATURE\) \.algorithm\(JWSAlgorithm\.RS256\) \.keyIDFromThumbprint\(\) \.build\(\);",
                     j.body("Core.signingKey")):
        problems.append("the signing key is not RS256 with the RFC 7638 thumbprint as kid")
    if "keys.add(signingKey.toPublicJWK().toJSONObject());" not in ctor or \
            'return Map.of("keys", publicKeys);' not in j.body("Core.jwks"):
        problems.append("the JWKS does not publish the public JWK")
    if "keys.add(signingKey(NEXT_PRIVATE_KEY_FILE_VARIABLE, nextFile.trim()).toPublicJWK().toJSONObject());" not in ctor:
        problems.append("the JWKS cannot carry the next key")
    idt = j.body("Core.idToken")
    if "new JWSHeader.Builder(JWSAlgorithm.RS256) .keyID(signingKey.getKeyID()) .type(JOSEObjectType.JWT)" not in idt \
            or "jwt.sign(new RSASSASigner(signingKey));" not in idt:
        problems.append("ID tokens are not RS256 with the thumbprint kid")
    return problems


def check_authorize(j: Java) -> list[str]:
    body, problems = j.body("Core.authorize"), []
    unregistered = body.find('if (redirectUri == null || !redirectUris.contains(redirectUri)) { return error(400')
    if unregistered < 0 or unregistered > body.find("redirect("):
        problems.append("an unregistered redirect URI is not refused with 400 before any redirect")
    if '!"S256".equals(query.get("code_challenge_method")) || !CHALLENGE.matcher(challenge).matches()' not in body:
        problems.append("S256 with a 43-character challenge is not required")
    if "if (crossSite(fetchSite)) { return error(403," not in body:
        problems.append("cross-site browser requests are not refused")
    if "state.length() > MAX_PARAMETER_LENGTH || nonce.length() > MAX_PARAMETER_LENGTH" not in body:
        problems.append("state and nonce are not bounded")
    if 'if (claims == null || !(claims.get("sub") instanceof String subject) || subject.isEmpty()) { refusal = "login_required"; }' not in body:
        problems.append("no login_required without a signed-in user")
    if 'grant.put("challenge", challenge);' not in body or 'grant.put("claims", userClaims);' not in body or \
            'grant.put("expires_at", at.plus(CODE_LIFETIME).toEpochMilli());' not in body or \
            'store.set(key("code", code), JSONObjectUtils.toJSONString(grant), CODE_LIFETIME);' not in body:
        problems.append("the code is not bound to client, redirect URI, challenge, nonce, claims and lifetime")
    if 'return error("login_required".equals(refusal) ? 401 : 400' not in body:
        problems.append("login_required is not 401 for JSON requests")
    return problems


def check_client_auth(j: Java) -> list[str]:
    body, problems = j.body("Core.token"), []
    if 'boolean usesBasic = authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);' not in body:
        problems.append("no client_secret_basic")
    if 'presentedId = first(form, "client_id"); presentedSecret = first(form, "client_secret");' not in body:
        problems.append("no client_secret_post")
    if "!secretEquals(presentedSecret, clientSecret)" not in body or re.search(r"presentedSecret\.equals|clientSecret\.equals", body):
        problems.append("the client secret is not compared in constant time")
    if "MessageDigest.isEqual(" not in j.body("Core.secretEquals"):
        problems.append("secretEquals is not constant-time")
    if 'error(401, "invalid_client", "client authentication failed", "Basic realm=' not in body:
        problems.append("bad client credentials do not get 401 invalid_client (WWW-Authenticate for basic)")
    if 'if (query.containsKey(name)) { return error(400, "invalid_request"' not in body or \
            'if (body == null) { return error(413,' not in body:
        problems.append("/token takes secrets in its URL or an unbounded body")
    return problems


def check_redemption(j: Java) -> list[str]:
    body, problems = j.body("Core.redeemCode"), []
    if 'Map<String, Object> grant = parsed(store.take(key("code", code)));' not in body:
        problems.append("codes are not single-use")
    if 'if (!at.isBefore(Instant.ofEpochMilli(number(grant, "expires_at")))) { return error(400, "invalid_grant"' not in body:
        problems.append("unknown or expired codes are not invalid_grant")
    if '!clientId.equals(grant.get("client_id")) || !Objects.equals(grant.get("redirect_uri"), first(form, "redirect_uri"))' not in body:
        problems.append("client and redirect URI are not compared at the token endpoint")
    if '!VERIFIER.matcher(verifier).matches() || !secretEquals(s256(verifier), String.valueOf(grant.get("challenge")))' \
            not in body:
        problems.append("the verifier is not checked with S256")
    if 'revoke(key("code-used", code));' not in body:
        problems.append("a replayed code does not revoke what it issued")
    refresh = j.body("Core.refresh")
    if 'parsed(store.take(key("refresh", presented)))' not in refresh or 'revoke(key("refresh-used", presented));' not in refresh:
        problems.append("refresh tokens are not rotated with reuse detection")
    if 'Map.of("Cache-Control", "no-store", "Pragma", "no-cache")' not in j.fields.get("NO_STORE", "") or \
            "return new Answer(status, NO_STORE, body);" not in j.body("Core.json"):
        problems.append("the token response is cacheable")
    return problems


def check_id_token(j: Java) -> list[str]:
    idt, problems = j.body("Core.idToken"), []
    for needed in (".issuer(issuer)", '.audience(String.valueOf(record.get("client_id")))', ".issueTime(Date.from(at))",
                   ".expirationTime(Date.from(at.plus(TOKEN_LIFETIME)))", '.claim("auth_time", number(record, "auth_time"))',
                   'claims.claim("nonce", nonce);'):
        if needed not in idt:
            problems.append(f"ID token lacks {needed}")
    return problems


def check_lifetimes(j: Java) -> list[str]:
    problems = []
    if j.seconds("CODE_LIFETIME") > 60:
        problems.append("codes live more than 60 s")
    if j.seconds("TOKEN_LIFETIME") > 600:
        problems.append("ID tokens live more than 600 s")
    if j.seconds("ACCESS_TOKEN_LIFETIME") != 900:
        problems.append("access tokens do not live 15 minutes")
    if j.seconds("DEFAULT_REFRESH_LIFETIME") != 86400:
        problems.append("refresh tokens do not live 24 hours by default")
    if "Instant at = now.get();" not in j.body("Core.redeemCode") or "Instant at = now.get();" not in j.body("Core.authorize"):
        problems.append("the injectable clock is not used")
    if "Supplier<Instant> now = time::instant;" not in j.body("GenesysOidcController"):
        problems.append("the controller does not take the site's Clock")
    return problems


def check_userinfo(j: Java) -> list[str]:
    body = j.body("Core.userinfo")
    if 'parsed(store.get(key("access", authorization.substring(7).trim())))' not in body or \
            '!now.get().isBefore(Instant.ofEpochMilli(number(token, "expires_at")))' not in body or \
            'store.get(familyKey(String.valueOf(token.get("family")))) == null' not in body:
        return ["userinfo does not require a live access token of a live sign-in"]
    return []


CHECKS: dict[str, Callable[[Java], list[str]]] = {
    "routes": check_routes, "settings": check_settings, "discovery": check_discovery, "keys": check_keys,
    "authorize": check_authorize, "client auth": check_client_auth, "redemption": check_redemption,
    "id token": check_id_token, "lifetimes": check_lifetimes, "userinfo": check_userinfo,
}


@lru_cache(maxsize=2)
def parsed(source: str) -> Java:
    return Java(source)


def test_renders_valid_java(rendered):
    doc = Doc.parse("java", rendered.encode())
    assert doc.first_error() is None, f"syntax error at {doc.first_error()}"
    # The wiring writes the site's `package` line above the imports.
    assert rendered.startswith("import ") and "package " not in rendered.split("\n@RestController")[0]


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


MUTATIONS = [
    ("authorize on POST", "routes", '@GetMapping("/authorize")', '@PostMapping("/authorize")'),
    ("claims without the guarded bean", "routes", "return principal == null ? null : claims.claims(request, principal);",
     "return null;"),
    ("no Sec-Fetch-Site", "routes", 'request.getHeader("Sec-Fetch-Site")', "null"),
    ("missing settings not named", "settings", 'throw refused("missing " + String.join(", ", missing));',
     'throw refused("settings missing");'),
    ("unreadable key file not named", "settings", 'throw new IllegalStateException("Genesys OIDC provider cannot start: " + variable\n                        + " cannot be read: " + e, e);',
     "throw new IllegalStateException(e);"),
    ("http redirect URIs anywhere", "settings", 'if ("http".equals(parsed.getScheme()) && !loopback(parsed.getHost())) {', "if (false) {"),
    ("1024-bit keys", "settings", "MINIMUM_KEY_SIZE = 2048;", "MINIMUM_KEY_SIZE = 1024;"),
    ("no warning for the memory store", "settings", 'System.err.println("genesys oidc: WARNING: ', 'System.err.println("genesys oidc: '),
    ("discovery without PKCE", "discovery", 'body.put("code_challenge_methods_supported", List.of("S256"));', ""),
    ("discovery without refresh", "discovery", 'List.of("authorization_code", "refresh_token")', 'List.of("authorization_code")'),
    ("fixed kid", "keys", ".keyIDFromThumbprint()", '.keyID("key-1")'),
    ("private key published", "keys", "keys.add(signingKey.toPublicJWK().toJSONObject());", "keys.add(signingKey.toJSONObject());"),
    ("no next key", "keys", "keys.add(signingKey(NEXT_PRIVATE_KEY_FILE_VARIABLE, nextFile.trim()).toPublicJWK().toJSONObject());", ""),
    ("unregistered redirect URI accepted", "authorize", "redirectUri == null || !redirectUris.contains(redirectUri)", "redirectUri == null"),
    ("plain PKCE allowed", "authorize", '!"S256".equals(query.get("code_challenge_method")) || ', ""),
    ("any challenge", "authorize", "|| !CHALLENGE.matcher(challenge).matches()", "|| challenge.length() < 43"),
    ("cross-site allowed", "authorize", "if (crossSite(fetchSite)) {", "if (false) {"),
    ("unbounded state", "authorize", "state.length() > MAX_PARAMETER_LENGTH || nonce.length() > MAX_PARAMETER_LENGTH", "false"),
    ("code without a user", "authorize", 'if (claims == null || !(claims.get("sub") instanceof String subject) || subject.isEmpty()) {',
     "if (claims == null) {"),
    ("secret compared with equals", "client auth", "!secretEquals(presentedSecret, clientSecret)", "!clientSecret.equals(presentedSecret)"),
    ("no client_secret_post", "client auth", 'presentedSecret = first(form, "client_secret");', 'presentedSecret = "";'),
    ("invalid_client with 400", "client auth", 'error(401, "invalid_client", "client authentication failed", "Basic realm=',
     'error(400, "invalid_client", "client authentication failed", "Basic realm='),
    ("secret in the URL", "client auth", "if (query.containsKey(name)) {", "if (false) {"),
    ("unbounded body", "client auth", "if (body == null) {", "if (false) {"),
    ("codes reusable", "redemption", 'parsed(store.take(key("code", code)));', 'parsed(store.get(key("code", code)));'),
    ("expired codes redeemed", "redemption", 'if (!at.isBefore(Instant.ofEpochMilli(number(grant, "expires_at")))) {', "if (false) {"),
    ("plain verifier", "redemption", 'secretEquals(s256(verifier), String.valueOf(grant.get("challenge")))',
     'secretEquals(verifier, String.valueOf(grant.get("challenge")))'),
    ("any verifier", "redemption", "|| !VERIFIER.matcher(verifier).matches()", ""),
    ("replayed code keeps its tokens", "redemption", '                revoke(key("code-used", code));\n', ""),
    ("refresh reuse keeps the family", "redemption", '                revoke(key("refresh-used", presented)); // reuse', "                // reuse"),
    ("token response cacheable", "redemption", 'Map.of("Cache-Control", "no-store", "Pragma", "no-cache")', "Map.of()"),
    ("no nonce", "id token", 'claims.claim("nonce", nonce);', "nonce.length();"),
    ("exp an hour", "id token", ".expirationTime(Date.from(at.plus(TOKEN_LIFETIME)))", ".expirationTime(Date.from(at.plusSeconds(3600)))"),
    ("codes live two minutes", "lifetimes", "CODE_LIFETIME = Duration.ofSeconds(60);", "CODE_LIFETIME = Duration.ofSeconds(120);"),
    ("tokens live an hour", "lifetimes", "TOKEN_LIFETIME = Duration.ofMinutes(5);", "TOKEN_LIFETIME = Duration.ofMinutes(60);"),
    ("access tokens an hour", "lifetimes", "ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(15);", "ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(60);"),
    ("system clock", "lifetimes", "            Instant at = now.get();\n            String code = first(form",
     "            Instant at = Instant.now();\n            String code = first(form"),
    ("userinfo without expiry", "userinfo", '|| !now.get().isBefore(Instant.ofEpochMilli(number(token, "expires_at")))', ""),
]


run_check, test_matches_golden_file, test_contract, test_check_catches_mutation = contract_tests(
    "java", GOLDEN, CHECKS, parsed, MUTATIONS, gone=(AssertionError, KeyError))


# --- javac -Werror over the real libraries -----------------------------------------------------------

M2 = Path(__file__).resolve().parents[2] / ".venv" / "m2"
# The jars the rendered controller, the wired controller and the fixture site compile against (Maven's
# cache, which the warm-up of `make test` fills); jedis: GENESYS_OIDC_STORE_URL.
JARS = ("spring-web-6.*.jar", "spring-context-6.*.jar", "spring-core-6.*.jar", "spring-beans-6.*.jar",
        "spring-jcl-6.*.jar", "spring-aop-6.*.jar", "spring-security-core-6.*.jar", "tomcat-embed-core-10.*.jar",
        "nimbus-jose-jwt-10.10.jar", "jedis-6.0.0.jar", "commons-pool2-2.*.jar", "slf4j-api-2.*.jar")


def _jars() -> list[Path] | None:
    found = [max(M2.rglob(name), default=None) for name in JARS]
    return None if None in found else found


@pytest.mark.skipif(shutil.which("javac") is None or _jars() is None,
                    reason="javac or the Spring, nimbus and Jedis jars (Maven's cache under .venv/m2) are not here")
def test_rendered_provider_and_wired_controller_compile_with_no_warning(tmp_path, monkeypatch):
    """javac -Xlint:all -Werror checks the Java itself (types, definite assignment, the Claims override,
    raw types, unchecked casts, deprecations) against the real libraries; nothing runs."""
    from conftest import FIXTURES

    from migrate.generate import config as cfg
    from migrate.generate.run import generate

    site = tmp_path / "spring"
    shutil.copytree(FIXTURES / "sites" / "spring", site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    # cut over: the controller keeps no jjwt code, whose jar is not among these
    result = generate(site, cfg.load(site, region="eu-west-1", deployment_id="5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60",
                                     issuer="https://shop.example.com/oidc"), cutover=True)
    out = tmp_path / "src"
    after = {c.path: c.after for c in result.changes.changes if c.path.endswith(".java")}
    # GenesysOidcSecurity (the site has its own SecurityFilterChain) is compiled against the real Spring
    # Security configuration by test_java_spring_run.py.
    assert after.pop("src/main/java/com/example/shop/web/GenesysOidcSecurity.java").startswith(
        "package com.example.shop.web;\n")
    assert len(after) == 2
    for rel, text in after.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    sources = [out / rel for rel in after]
    sources += [site / "src/main/java/com/example/shop/customers" / n for n in ("Customer.java", "CustomerRepository.java")]
    proc = subprocess.run(["javac", "-Xlint:all", "-Xlint:-processing", "-Werror", "-d", str(tmp_path / "classes"),
                           "-cp", ":".join(map(str, _jars())), *map(str, sources)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "classes/com/example/shop/web/GenesysOidcController.class").is_file()
