"""The Go provider (templates/go/genesysoidc.go.j2: net/http, mountable with chi and gin), read.

test_go_provider_run.py builds it with the go command and drives it through the OpenID flow. Here
the rendered Go is parsed with tree-sitter, compared with its golden file, and checked against the
provider contract of templates/README.md by reading the syntax tree: routes come from the
`ServeHTTP` switch, and every rule is looked for in the function the route reaches (comments
stripped), so a rule stated in a comment or in another function does not count. The mutation tests at the end break the rendered code one rule
at a time and require the matching check to notice.

Regenerate the golden file after an intended change with `UPDATE_GOLDEN=1 make test`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path

import pytest
import tree_sitter as ts
from template_checks import contract_tests

from migrate.extract.treesitter import Doc, string_value, walk
from migrate.generate.render import render

TEMPLATE = "go/genesysoidc.go.j2"
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "go" / "genesysoidc.go"
ISSUER_PATH = "/oidc"
ENV_NAMES = {
    "GENESYS_OIDC_ISSUER", "GENESYS_OIDC_CLIENT_ID", "GENESYS_OIDC_CLIENT_SECRET",
    "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS",
}
ROUTES = {
    ("/.well-known/openid-configuration", "MethodGet"): "discovery",
    ("/jwks.json", "MethodGet"): "jwksDocument",
    ("/authorize", "MethodGet"): "authorize",
    ("/token", "MethodPost"): "token",
    ("/userinfo", "MethodGet"): "userinfo",
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
_DURATIONS = {"time.Second": 1, "time.Minute": 60, "time.Hour": 3600}


@pytest.fixture(scope="module")
def rendered() -> str:
    return render(TEMPLATE, issuer_path=ISSUER_PATH)


class Go:
    """The rendered file: functions by name (code without comments), constants, and the routes."""

    def __init__(self, source: str):
        self.doc = Doc.parse("go", source.encode())

    def text(self, node: ts.Node) -> str:
        return self.doc.text(node)

    def code(self, node: ts.Node) -> str:
        """The node's text with comments removed and whitespace squashed."""
        data, start, parts = self.doc.data, node.start_byte, []
        for n in walk(node):
            if n.type == "comment":
                parts.append(data[start:n.start_byte].decode())
                start = n.end_byte
        parts.append(data[start:node.end_byte].decode())
        return re.sub(r"\s+", " ", "".join(parts))

    @cached_property
    def functions(self) -> dict[str, ts.Node]:
        found: dict[str, ts.Node] = {}
        for n in walk(self.doc.root):
            if n.type in ("function_declaration", "method_declaration"):
                name = self.text(n.child_by_field_name("name"))
                receiver = n.child_by_field_name("receiver")
                if receiver is not None and "*Provider" not in self.text(receiver):  # the stores' methods
                    name = re.sub(r"[^\w]", "", self.text(receiver).split()[-1]) + "." + name
                assert name not in found, f"{name} declared twice"
                found[name] = n
        return found

    def body(self, name: str) -> str:
        assert name in self.functions, f"function {name} is missing"
        return self.code(self.functions[name].child_by_field_name("body"))

    @cached_property
    def constants(self) -> dict[str, str]:
        out = {}
        for n in walk(self.doc.root):
            if n.type == "const_spec":
                value = n.child_by_field_name("value")
                if value is not None:
                    out[self.text(n.child_by_field_name("name"))] = self.code(value)
        return out

    def seconds(self, const: str) -> int:
        m = re.fullmatch(r"(\d+) \* (time\.\w+)", self.constants.get(const, ""))
        assert m and m.group(2) in _DURATIONS, f"{const} is not a plain duration: {self.constants.get(const)!r}"
        return int(m.group(1)) * _DURATIONS[m.group(2)]

    @cached_property
    def routes(self) -> dict[tuple[str, str], str]:
        """(path, method) -> the Provider method the ServeHTTP switch case reaches."""
        found = {}
        for case in walk(self.functions["ServeHTTP"]):
            if case.type != "expression_case":
                continue
            cond = self.code(case.child_by_field_name("value"))
            m = re.fullmatch(r'path == ("[^"]*") && r\.Method == http\.(Method\w+)', cond)
            if not m:
                continue
            body = " ".join(self.code(s) for s in case.named_children[1:])
            called = re.search(r"http\.HandlerFunc\(p\.(\w+)\)|p\.(\w+)\(w, r\)", body)
            if called:
                found[(m.group(1).strip('"'), m.group(2))] = called.group(1) or called.group(2)
        return found

    def keyed_strings(self, function: str) -> dict[str, set[str] | str]:
        """The keyed elements of composite literals in a function: key -> string value(s)."""
        out: dict[str, set[str] | str] = {}
        for n in walk(self.functions[function]):
            if n.type != "keyed_element":
                continue
            key, value = n.named_children[0], n.named_children[-1]
            k = string_value(self.doc, key.named_children[0] if key.named_children else key)
            if k is None:
                continue
            strings = {string_value(self.doc, s) for s in walk(value) if s.type == "interpreted_string_literal"}
            out[k] = strings if "[]string" in self.text(value) else self.code(value)
        return out


def check_routes(go: Go) -> list[str]:
    problems = [f"route {path} ({method}) does not reach {handler}" for (path, method), handler in ROUTES.items()
                if go.routes.get((path, method)) != handler]
    if "strings.TrimPrefix(r.URL.Path, p.prefix)" not in go.body("ServeHTTP"):
        problems.append("ServeHTTP does not strip the issuer path")
    if 'prefix = strings.TrimRight(u.Path, "/")' not in go.body("New"):
        problems.append("the prefix is not the issuer URL's path")
    if not re.search(r"authorize = p\.guard\(authorize\)", go.body("ServeHTTP")):
        problems.append("/authorize is not behind the guard")
    sig = go.code(go.functions["Handler"]).split(" {")[0]
    if sig != "func Handler(claims func(*http.Request) map[string]any, guard func(http.Handler) http.Handler) http.Handler":
        problems.append(f"Handler signature changed: {sig}")
    return problems


def check_settings(go: Go) -> list[str]:
    problems = []
    names = {v.strip('"') for k, v in go.constants.items() if k.endswith("Variable")}
    if names != ENV_NAMES | OPTIONAL_ENV_NAMES:
        problems.append(f"settings names {sorted(names)}")
    load = go.body("LoadSettings")
    read = set(re.findall(r"get\((\w+Variable)\)", load))
    if {go.constants[v].strip('"') for v in read if v in go.constants} != ENV_NAMES:
        problems.append(f"LoadSettings reads {sorted(read)}")
    if not re.search(r'if len\(missing\) > 0 \{ return nil, fmt\.Errorf\("[^"]*missing %s", strings\.Join\(missing, ", "\)\)', load):
        problems.append("missing settings are not named in the start-up error")
    if 'u.Scheme == "http" && !(u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1")' not in load:
        problems.append("http issuers are not limited to localhost")
    if "if r.Scheme == \"http\" && !loopback(r.Hostname())" not in load:
        problems.append("http redirect URIs are not limited to loopback hosts")
    if "panic(err)" not in go.body("Handler"):
        problems.append("a settings error does not stop start-up")
    if go.constants.get("MinimumKeySize") != "2048" or "key.N.BitLen() < MinimumKeySize" not in go.body("readPrivateKey"):
        problems.append("keys under 2048 bits are not refused")
    return problems


def check_discovery(go: Go) -> list[str]:
    values = go.keyed_strings("discovery")
    problems = [f"discovery {k}: {values.get(k)}" for k, v in DISCOVERY_VALUES.items() if values.get(k) != v]
    for key, suffix in (("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                        ("jwks_uri", "/jwks.json"), ("userinfo_endpoint", "/userinfo")):
        if values.get(key) != f'issuer + "{suffix}"':
            problems.append(f"discovery {key}: {values.get(key)}")
    if values.get("issuer") != "issuer" or "claims_supported" not in values:
        problems.append("discovery issuer / claims_supported")
    return problems


def check_keys(go: Go) -> list[str]:
    problems = []
    new, public = go.body("New"), go.body("publicJWK")
    if 'jose.JSONWebKey{Key: &key.PublicKey, Algorithm: "RS256", Use: "sig"}' not in public or \
            "jwk := publicJWK(settings.PrivateKey)" not in new:
        problems.append("the JWK is not the RS256 public key")
    if "thumbprint, err := jwk.Thumbprint(crypto.SHA256)" not in public or \
            "jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumbprint)" not in public or "keyID: jwk.KeyID" not in new:
        problems.append("kid is not the RFC 7638 thumbprint")
    if "keys = append(keys, publicJWK(settings.NextKey))" not in new or "jwks: jose.JSONWebKeySet{Keys: keys}" not in new \
            or "writeJSON(w, http.StatusOK, p.jwks)" not in go.body("jwksDocument"):
        problems.append("jwks does not publish the current and next keys")
    sign = go.body("sign")
    if "jwt.NewWithClaims(jwt.SigningMethodRS256, claims)" not in sign or 'token.Header["kid"] = p.keyID' not in sign:
        problems.append("ID tokens are not RS256 with the thumbprint kid")
    return problems


def check_authorize(go: Go) -> list[str]:
    body, problems = go.body("authorize"), []
    unregistered = body.find('if redirectURI == "" || !p.registered(redirectURI) { writeError(w, http.StatusBadRequest')
    if unregistered < 0 or unregistered > body.find("redirectTo("):
        problems.append("an unregistered redirect URI is not refused with 400 before any redirect")
    if "if known == uri" not in go.body("registered"):
        problems.append("redirect URIs are not compared exactly")
    if 'q.Get("code_challenge_method") != "S256" || !challengeFormat.MatchString(challenge)' not in body:
        problems.append("S256 with a 43-character challenge is not required")
    if "len(q.Get(\"state\")) > MaxParameterLength || len(q.Get(\"nonce\")) > MaxParameterLength" not in body:
        problems.append("state and nonce are not bounded")
    if not re.search(r'if claims == nil \|\| subject == "" \{ refuse\("login_required"', body):
        problems.append("no login_required without a signed-in user")
    if "claims := p.userClaims(r)" not in body or "Claims: user" not in body or \
            "return p.claims(r)" not in go.body("userClaims"):
        problems.append("the code is not bound to the user's claims")
    if "defer func() { if failure := recover(); failure != nil {" not in go.body("userClaims"):
        problems.append("a failing claims function does not count as no user")
    if "Challenge: challenge" not in body or 'Nonce: q.Get("nonce")' not in body or "ExpiresAt: now.Add(CodeLifetime)" not in body:
        problems.append("the code is not bound to challenge, nonce and lifetime")
    return problems


def check_client_auth(go: Go) -> list[str]:
    body, problems = go.body("token"), []
    if "clientID, clientSecret, usesBasic := r.BasicAuth()" not in body:
        problems.append("no client_secret_basic")
    if 'clientID, clientSecret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")' not in body:
        problems.append("no client_secret_post")
    if "if usesBasic { clientID, clientSecret = formDecoded(clientID), formDecoded(clientSecret) }" not in body or \
            "decoded, err := url.QueryUnescape(value)" not in go.body("formDecoded"):
        problems.append("client_secret_basic credentials are not form-decoded (RFC 6749 2.3.1)")
    if "!secretEquals(clientSecret, p.settings.ClientSecret)" not in body or re.search(r"clientSecret [!=]=", body):
        problems.append("the client secret is not compared in constant time")
    if "subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1" not in go.body("secretEquals"):
        problems.append("secretEquals is not constant-time")
    if 'writeError(w, http.StatusUnauthorized, "invalid_client"' not in body or \
            'w.Header().Set("WWW-Authenticate"' not in body:
        problems.append("bad client credentials do not get 401 invalid_client (WWW-Authenticate for basic)")
    return problems


def check_redemption(go: Go) -> list[str]:
    body, problems = go.body("redeemCode"), []
    if 'data, err := p.store.Take(ctx, storeKey("code", code))' not in body:
        problems.append("codes are not single-use")
    if "if !now.Before(g.ExpiresAt) { writeError(w, http.StatusBadRequest, \"invalid_grant\"" not in body:
        problems.append("unknown or expired codes are not invalid_grant")
    if 'g.ClientID != clientID || r.PostForm.Get("redirect_uri") != g.RedirectURI' not in body:
        problems.append("client and redirect URI are not compared at the token endpoint")
    if "digest := sha256.Sum256([]byte(verifier))" not in body or "!verifierFormat.MatchString(verifier) ||" not in body \
            or "!secretEquals(base64.RawURLEncoding.EncodeToString(digest[:]), g.Challenge)" not in body:
        problems.append("the verifier is not checked with S256")
    if 'w.Header().Set("Cache-Control", "no-store")' not in go.body("token"):
        problems.append("the token response is cacheable")
    if 'p.revoke(ctx, storeKey("code-used", code))' not in body:
        problems.append("a replayed code does not revoke its tokens")
    if 'p.revoke(ctx, storeKey("refresh-used", presented))' not in go.body("refresh") or \
            'p.store.Take(ctx, storeKey("refresh", presented))' not in go.body("refresh"):
        problems.append("refresh tokens are not rotated with reuse detection")
    if "r.Body = http.MaxBytesReader(w, r.Body, MaxTokenBody)" not in go.body("token"):
        problems.append("the /token body is not bounded")
    return problems


def check_id_token(go: Go) -> list[str]:
    sign, problems = go.body("sign"), []
    for needed in ('claims["iss"] = p.settings.Issuer', 'claims["aud"] = f.ClientID', 'claims["iat"] = now.Unix()',
                   'claims["exp"] = now.Add(TokenLifetime).Unix()', 'claims["auth_time"] = f.AuthTime',
                   'claims["nonce"] = nonce', 'token.Header["typ"] = "JWT"'):
        if needed not in sign:
            problems.append(f"ID token lacks {needed}")
    return problems


def check_lifetimes(go: Go) -> list[str]:
    problems = []
    if go.seconds("CodeLifetime") > 60:
        problems.append("codes live more than 60 s")
    if go.seconds("TokenLifetime") > 600:
        problems.append("ID tokens live more than 600 s")
    if go.seconds("AccessTokenLifetime") != 900:
        problems.append("access tokens do not live 15 minutes")
    if go.seconds("DefaultRefreshLifetime") != 86400:
        problems.append("refresh tokens do not live 24 hours by default")
    if "now := p.now()" not in go.body("redeemCode") or "now := p.now()" not in go.body("authorize"):
        problems.append("the injectable clock is not used")
    return problems


def check_userinfo(go: Go) -> list[str]:
    body = go.body("userinfo")
    if 'storeKey("access", strings.TrimSpace(strings.TrimPrefix(authorization, "Bearer ")))' not in body or \
            "!p.now().Before(access.ExpiresAt) {" not in body or "p.store.Get(ctx, familyKey(access.Family))" not in body:
        return ["userinfo does not require a live access token of a live sign-in"]
    return []


CHECKS: dict[str, Callable[[Go], list[str]]] = {
    "routes": check_routes, "settings": check_settings, "discovery": check_discovery, "keys": check_keys,
    "authorize": check_authorize, "client auth": check_client_auth, "redemption": check_redemption,
    "id token": check_id_token, "lifetimes": check_lifetimes, "userinfo": check_userinfo,
}


@lru_cache(maxsize=2)
def parsed(source: str) -> Go:
    return Go(source)


def test_renders_valid_go(rendered):
    doc = Doc.parse("go", rendered.encode())
    assert doc.first_error() is None, f"syntax error at {doc.first_error()}"
    assert rendered.startswith("// Package genesysoidc") and "\npackage genesysoidc\n" in rendered


def test_uses_golang_jwt_v5_and_go_jose_v4(rendered):
    imports = set(re.findall(r'^\t"([^"]+)"$', rendered, re.M))
    assert {"github.com/golang-jwt/jwt/v5", "github.com/go-jose/go-jose/v4", "crypto/subtle"} <= imports


def test_issuer_path_appears_only_in_the_mounting_examples():
    other = render(TEMPLATE, issuer_path="/auth/genesys")
    assert 'http.Handle("/auth/genesys/", genesysoidc.Handler(' in other
    assert other.replace("/auth/genesys", ISSUER_PATH) == render(TEMPLATE, issuer_path=ISSUER_PATH)


def test_no_placeholders_left(rendered):
    assert "{{" not in rendered and "{%" not in rendered and "TODO" not in rendered


MUTATIONS = [
    ("token route removed", "routes",
     'case path == "/token" && r.Method == http.MethodPost:\n\t\tp.token(w, r)\n', ""),
    ("userinfo answers POST", "routes", 'path == "/userinfo" && r.Method == http.MethodGet', 'path == "/userinfo" && r.Method == http.MethodPost'),
    ("authorize outside the guard", "routes", "authorize = p.guard(authorize)", "_ = p.guard"),
    ("issuer path not stripped", "routes", "strings.TrimPrefix(r.URL.Path, p.prefix)", "r.URL.Path"),
    ("one setting dropped", "settings", "\tredirects := get(RedirectURIsVariable)\n", "\tredirects := os.Getenv(RedirectURIsVariable)\n"),
    ("missing settings not named", "settings", 'cannot start: missing %s", strings.Join(missing, ", "))',
     'cannot start: settings missing")'),
    ("http issuer anywhere", "settings", '!(u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1")', "false"),
    ("1024-bit keys", "settings", "const MinimumKeySize = 2048", "const MinimumKeySize = 1024"),
    ("discovery without PKCE", "discovery", '"code_challenge_methods_supported":      []string{"S256"},', ""),
    ("discovery drops client_secret_post", "discovery", '[]string{"client_secret_basic", "client_secret_post"}',
     '[]string{"client_secret_basic"}'),
    ("fixed kid", "keys", "jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumbprint)", 'jwk.KeyID = "key-1"'),
    ("HS256", "keys", "jwt.SigningMethodRS256", "jwt.SigningMethodHS256"),
    ("unregistered redirect URI accepted", "authorize", 'redirectURI == "" || !p.registered(redirectURI)', 'redirectURI == ""'),
    ("plain PKCE allowed", "authorize", 'q.Get("code_challenge_method") != "S256" || ', ""),
    ("code without a user", "authorize", 'if claims == nil || subject == "" {\n\t\trefuse("login_required"',
     'if false {\n\t\trefuse("login_required"'),
    ("code not bound to the user", "authorize", "claims := p.userClaims(r)", "claims := map[string]any{}"),
    ("claims panic not recovered", "authorize", "if failure := recover(); failure != nil {",
     "if failure := any(nil); failure != nil {"),
    ("secret compared with ==", "client auth", "!secretEquals(clientSecret, p.settings.ClientSecret)",
     "clientSecret != p.settings.ClientSecret"),
    ("no constant-time comparison", "client auth", "subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1", "a == b"),
    ("no client_secret_post", "client auth",
     'clientID, clientSecret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")', 'clientID, clientSecret = "", ""'),
    ("basic credentials not form-decoded", "client auth",
     "clientID, clientSecret = formDecoded(clientID), formDecoded(clientSecret)", "_ = formDecoded"),
    ("invalid_client with 400", "client auth", 'writeError(w, http.StatusUnauthorized, "invalid_client"',
     'writeError(w, http.StatusBadRequest, "invalid_client"'),
    ("codes reusable", "redemption", 'p.store.Take(ctx, storeKey("code", code))', 'p.store.Get(ctx, storeKey("code", code))'),
    ("expired codes redeemed", "redemption", "if !now.Before(g.ExpiresAt) {", "if false {"),
    ("plain verifier", "redemption", "!secretEquals(base64.RawURLEncoding.EncodeToString(digest[:]), g.Challenge)",
     '!secretEquals(verifier, g.Challenge)'),
    ("any verifier", "redemption", "!verifierFormat.MatchString(verifier) ||", "false ||"),
    ("replayed code keeps its tokens", "redemption", '\t\tp.revoke(ctx, storeKey("code-used", code))\n', ""),
    ("refresh reuse keeps the family", "redemption", '\t\tp.revoke(ctx, storeKey("refresh-used", presented))', "\t\t_ = presented"),
    ("unbounded body", "redemption", "\tr.Body = http.MaxBytesReader(w, r.Body, MaxTokenBody) // before anything reads it\n", ""),
    ("token response cacheable", "redemption", '\tw.Header().Set("Cache-Control", "no-store")\n\tw.Header().Set("Pragma"',
     '\tw.Header().Set("Pragma"'),
    ("any challenge", "authorize", "|| !challengeFormat.MatchString(challenge)", "|| len(challenge) < 43"),
    ("unbounded state", "authorize", 'len(q.Get("state")) > MaxParameterLength || ', ""),
    ("http redirect URIs anywhere", "settings", 'if r.Scheme == "http" && !loopback(r.Hostname())', "if false"),
    ("no next key", "keys", "\t\tkeys = append(keys, publicJWK(settings.NextKey))\n", "\t\t_ = keys\n"),
    ("access tokens an hour", "lifetimes", "const AccessTokenLifetime = 15 * time.Minute",
     "const AccessTokenLifetime = 60 * time.Minute"),
    ("no nonce", "id token", '\t\tclaims["nonce"] = nonce\n', "\t\t_ = nonce\n"),
    ("exp an hour", "id token", 'claims["exp"] = now.Add(TokenLifetime).Unix()', 'claims["exp"] = now.Add(time.Hour).Unix()'),
    ("codes live two minutes", "lifetimes", "const CodeLifetime = 60 * time.Second", "const CodeLifetime = 120 * time.Second"),
    ("tokens live an hour", "lifetimes", "const TokenLifetime = 5 * time.Minute", "const TokenLifetime = 60 * time.Minute"),
    ("system clock", "lifetimes", "\tnow := p.now()\n\tcode := r.PostForm", "\tnow := time.Now()\n\tcode := r.PostForm"),
    ("userinfo without expiry", "userinfo", "|| !p.now().Before(access.ExpiresAt) {", "{"),
]


run_check, test_matches_golden_file, test_contract, test_check_catches_mutation = contract_tests(
    "go", GOLDEN, CHECKS, parsed, MUTATIONS, gone=(AssertionError, KeyError))
