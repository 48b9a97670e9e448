"""Go signers (golang-jwt, dgrijalva/jwt-go), read through the public extraction stage."""

from __future__ import annotations

import textwrap

import pytest

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.model import FileFacts, Signer

HEADER = """\
package handlers

import (
\t"encoding/base64"
\t"encoding/json"
\t"fmt"
\t"net/http"
\t"os"
\t"time"

\t"github.com/gin-gonic/gin"
\t{jwt_import}
)
"""


def facts(body: str, jwt_import: str = '"github.com/golang-jwt/jwt/v5"') -> FileFacts:
    code = HEADER.replace("{jwt_import}", jwt_import) + textwrap.dedent(body)
    return extract(Source.of("handlers/zendesk.go", "go", code))


def one(body: str, jwt_import: str = '"github.com/golang-jwt/jwt/v5"') -> Signer:
    found = facts(body, jwt_import)
    assert not found.errors, found.errors
    assert len(found.signers) == 1, found.signers
    return found.signers[0]


def line_of(body: str, needle: str) -> int:
    lines = (HEADER + textwrap.dedent(body)).split("\n")
    return next(i for i, text in enumerate(lines, 1) if needle in text)


MAP_CLAIMS = """
func ZendeskJWT(w http.ResponseWriter, r *http.Request) {
\ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
\t\t"external_id": r.Header.Get("X-User"),
\t\t"scope":       "user",
\t\t"exp":         time.Now().Add(5 * time.Minute).Unix(),
\t})
\ttoken.Header["kid"] = os.Getenv("ZENDESK_KID")
\tsigned, _ := token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
\tw.Write([]byte(signed))
}
"""


def test_map_claims_literal() -> None:
    s = one(MAP_CLAIMS)
    assert (s.language, s.library, s.algorithm) == ("go", "golang-jwt", "HS256")
    assert s.line == line_of(MAP_CLAIMS, "jwt.NewWithClaims(")
    assert s.column == 11
    assert s.algorithm_expr is not None and s.algorithm_expr.text == "jwt.SigningMethodHS256"
    assert set(s.claims) == {"external_id", "scope", "exp"}
    assert s.claims["scope"].kind == "string" and s.claims["scope"].value == "user"
    exp = s.claims["exp"]
    assert exp.line == line_of(MAP_CLAIMS, '"exp":')
    assert exp.has("clock") and not exp.has("clock-ms") and exp.offset == 300
    assert s.function == "ZendeskJWT"
    assert s.browser is False and "zendesk" in s.hints


def test_kid_header_and_env_secret() -> None:
    s = one(MAP_CLAIMS)
    kid = s.header["kid"]
    assert kid.line == line_of(MAP_CLAIMS, 'Header["kid"]')
    assert kid.has("env-unguarded")
    assert s.secret is not None and s.secret.source == "env"
    assert s.secret.line == line_of(MAP_CLAIMS, "SignedString(")
    assert 'os.Getenv("ZENDESK_SECRET")' in s.secret.expression


@pytest.mark.parametrize("jwt_import", [
    'jwtlib "github.com/golang-jwt/jwt/v5"',
    'jwtlib "github.com/golang-jwt/jwt/v4"',
    'jwtlib "github.com/golang-jwt/jwt"',
    'jwtlib "github.com/dgrijalva/jwt-go"',
])
def test_import_alias(jwt_import: str) -> None:
    body = MAP_CLAIMS.replace("jwt.", "jwtlib.")
    s = one(body, jwt_import)
    assert s.algorithm == "HS256" and "external_id" in s.claims


def test_default_package_name_of_dgrijalva() -> None:
    s = one(MAP_CLAIMS, '"github.com/dgrijalva/jwt-go"')
    assert s.library == "golang-jwt"


def test_dot_import() -> None:
    body = MAP_CLAIMS.replace("jwt.", "")
    s = one(body, '. "github.com/golang-jwt/jwt/v5"')
    assert s.algorithm == "HS256" and s.claims["scope"].value == "user"


def test_another_jwt_package_is_not_read() -> None:
    found = facts(MAP_CLAIMS, '"example.com/internal/jwt"')
    assert found.signers == ()


def test_claims_in_a_local_map_with_writes_and_resolution() -> None:
    body = """
    func Token(w http.ResponseWriter, r *http.Request) {
    \tnow := time.Now().Unix()
    \tclaims := jwt.MapClaims{}
    \tclaims["external_id"] = "u-1"
    \tclaims["scope"] = "user"
    \tclaims["exp"] = now + 300
    \tclaims["iat"] = now
    \ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
    \tclaims["name"] = "set before signing still counts"
    \ts, _ := token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
    \tclaims["late"] = "after signing: not in the token"
    \tfmt.Fprint(w, s)
    }
    """
    s = one(body)
    assert set(s.claims) == {"external_id", "scope", "exp", "iat", "name"}
    exp = s.claims["exp"]
    assert exp.text == "now + 300" and exp.line == line_of(body, 'claims["exp"]')
    assert exp.resolved is not None and exp.resolved.text == "time.Now().Unix() + 300"
    assert exp.has("clock") and exp.final.offset == 300
    iat = s.claims["iat"]
    assert iat.kind == "name" and iat.final.text == "time.Now().Unix()"


def test_constant_claim_names() -> None:
    body = """
    const claimExp = "exp"

    func Token(w http.ResponseWriter, r *http.Request) {
    \tclaims := jwt.MapClaims{claimExp: time.Now().Unix() + 300}
    \tclaims[claimScope] = "user"
    \tt := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
    \ts, _ := t.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
    \tw.Write([]byte(s))
    }

    const claimScope = "scope"
    """
    assert set(one(body).claims) == {"exp", "scope"}


def test_millisecond_clock() -> None:
    body = MAP_CLAIMS.replace("time.Now().Add(5 * time.Minute).Unix()",
                              "time.Now().UnixMilli() + 300000")
    exp = one(body).claims["exp"]
    assert exp.has("clock-ms")


def test_struct_claims_use_json_tags_and_registered_claims() -> None:
    body = """
    type ZendeskClaims struct {
    \tExternalID    string `json:"external_id"`
    \tScope         string `json:"scope,omitempty"`
    \tEmailVerified bool   `json:"email_verified"`
    \tInternal      string `json:"-"`
    \tjwt.RegisteredClaims
    }

    func sign(u User) (string, error) {
    \tclaims := &ZendeskClaims{
    \t\tExternalID:    u.ID,
    \t\tScope:         "user",
    \t\tEmailVerified: true,
    \t\tInternal:      "x",
    \t\tRegisteredClaims: jwt.RegisteredClaims{
    \t\t\tExpiresAt: jwt.NewNumericDate(time.Now().Add(5 * time.Minute)),
    \t\t},
    \t}
    \tclaims.IssuedAt = jwt.NewNumericDate(time.Now())
    \ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
    \treturn token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
    }
    """
    s = one(body)
    assert set(s.claims) == {"external_id", "scope", "email_verified", "exp", "iat"}
    assert s.claims["email_verified"].kind == "bool" and s.claims["email_verified"].value is True
    exp = s.claims["exp"]
    assert exp.has("clock") and exp.offset == 300 and exp.line == line_of(body, "ExpiresAt:")
    assert s.claims["iat"].line == line_of(body, "claims.IssuedAt")
    assert s.claims["external_id"].has("numeric")


def test_struct_declared_elsewhere_reads_snake_case_names() -> None:
    body = """
    func sign(u User) (string, error) {
    \tc := models.ZendeskClaims{ExternalID: u.ExternalID, Scope: "user"}
    \treturn jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
    }
    """
    assert set(one(body).claims) == {"external_id", "scope"}


def test_jwt_new_with_claims_view() -> None:
    body = """
    func Token(c *gin.Context) {
    \ttoken := jwt.New(jwt.SigningMethodHS256)
    \tclaims := token.Claims.(jwt.MapClaims)
    \tclaims["external_id"] = c.GetString("uid")
    \tclaims["exp"] = time.Now().Add(time.Hour).Unix()
    \tsigned, _ := token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
    \tc.String(200, signed)
    }
    """
    s = one(body)
    assert s.line == line_of(body, "jwt.New(")
    assert set(s.claims) == {"external_id", "exp"}
    assert s.claims["exp"].offset == 3600
    assert s.response == "text"


def test_resolved_time_value_offset() -> None:
    body = """
    func Token(c *gin.Context) {
    \texpires := time.Now().Add(10 * time.Minute)
    \ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": expires.Unix()})
    \ts, _ := token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
    \tc.JSON(200, gin.H{"jwt": s})
    }
    """
    exp = one(body).claims["exp"]
    assert exp.text == "expires.Unix()" and exp.offset == 600
    assert exp.final.text == "time.Now().Add(10 * time.Minute).Unix()" and exp.final.offset == 600


def test_literal_secret_is_never_kept() -> None:
    body = MAP_CLAIMS.replace('os.Getenv("ZENDESK_SECRET")', '"s3cr3t-go-value"')
    found = facts(body)
    s = found.signers[0]
    assert s.secret is not None and s.secret.source == "literal"
    assert s.secret.line == line_of(body, "SignedString(")
    assert "s3cr3t-go-value" not in repr(found)


def test_package_level_literal_secret() -> None:
    body = """
    const zendeskSecret = "pkg-level-s3cret"

    func Token(w http.ResponseWriter, r *http.Request) {
    \ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": "user"})
    \ts, _ := token.SignedString([]byte(zendeskSecret))
    \tw.Write([]byte(s))
    }
    """
    found = facts(body)
    secret = found.signers[0].secret
    assert secret is not None and secret.source == "literal" and "literal" in secret.traits
    assert secret.line == line_of(body, "SignedString(")
    assert "pkg-level-s3cret" not in repr(found)


def test_base64_decoded_secret_through_a_local() -> None:
    body = """
    func Token(w http.ResponseWriter, r *http.Request) {
    \tkey, _ := base64.StdEncoding.DecodeString(os.Getenv("ZENDESK_SECRET"))
    \ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": "user"})
    \ts, _ := token.SignedString(key)
    \tw.Write([]byte(s))
    }
    """
    secret = one(body).secret
    assert secret is not None
    assert "base64-decoded" in secret.traits and secret.source == "env"
    assert secret.line == line_of(body, "SignedString(")


@pytest.mark.parametrize("key,source", [
    ("secret", "parameter"),
    ('[]byte(viper.GetString("zendesk.secret"))', "config"),
    ('mustRead("/etc/zendesk.key")', "call"),
])
def test_other_secret_sources(key: str, source: str) -> None:
    body = f"""
    func sign(secret []byte) (string, error) {{
    \ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{{"scope": "user"}})
    \treturn token.SignedString({key})
    }}
    """
    secret = one(body).secret
    assert secret is not None and secret.source == source


@pytest.mark.parametrize("method,alg", [
    ("jwt.SigningMethodHS384", "HS384"),
    ("jwt.SigningMethodRS256", "RS256"),
    ("jwt.SigningMethodES256", "ES256"),
    ('jwt.GetSigningMethod("HS512")', "HS512"),
])
def test_algorithms(method: str, alg: str) -> None:
    s = one(MAP_CLAIMS.replace("jwt.SigningMethodHS256", method))
    assert s.algorithm == alg
    assert s.algorithm_expr is not None and s.algorithm_expr.text == method


def test_rs256_api_token_has_no_zendesk_hints() -> None:
    code = textwrap.dedent("""\
    package auth

    import (
    \t"time"

    \t"github.com/golang-jwt/jwt/v5"
    )

    func ServiceToken() (string, error) {
    \tclaims := jwt.MapClaims{"sub": "billing-service", "aud": "https://api.example.com",
    \t\t"exp": time.Now().Add(time.Hour).Unix()}
    \treturn jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(privateKey)
    }
    """)
    s = extract(Source.of("auth/service.go", "go", code)).signers[0]
    assert s.algorithm == "RS256" and set(s.claims) == {"sub", "aud", "exp"}
    assert "zendesk" not in s.hints
    assert s.function == "ServiceToken" and s.response is None


RESPONSES = {
    "w.Write([]byte(signed))": "text",
    "fmt.Fprint(w, signed)": "text",
    'fmt.Fprintf(w, `{"jwt":"%s"}`, signed)': "object",
    "json.NewEncoder(w).Encode(signed)": "json-string",
    'json.NewEncoder(w).Encode(map[string]string{"jwt": signed})': "object",
    'resp := map[string]string{"jwt": signed}\n\tjson.NewEncoder(w).Encode(resp)': "object",
    "c.JSON(200, signed)": "json-string",
    'c.JSON(http.StatusOK, gin.H{"jwt": signed})': "object",
    "c.String(200, signed)": "text",
    'c.HTML(200, "chat.tmpl", gin.H{"jwt": signed})': "template",
    'page.Execute(w, map[string]string{"JWT": signed})': "template",
    'log.Println("signed")': None,
}


@pytest.mark.parametrize("send,kind", RESPONSES.items(), ids=list(RESPONSES))
def test_responses(send: str, kind: str | None) -> None:
    body = MAP_CLAIMS.replace("w.Write([]byte(signed))", send)
    assert one(body).response == kind


def test_response_through_a_signing_function() -> None:
    body = """
    func makeToken(id string) (string, error) {
    \ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"external_id": id})
    \treturn token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
    }

    func Handler(c *gin.Context) {
    \tt, err := makeToken(c.Param("id"))
    \tif err != nil {
    \t\treturn
    \t}
    \tc.JSON(200, t)
    }
    """
    s = one(body)
    assert s.function == "makeToken" and s.response == "json-string"


def test_handle_func_closure_is_named_by_its_route() -> None:
    body = """
    func Routes() {
    \thttp.HandleFunc("/zendesk/jwt", func(w http.ResponseWriter, r *http.Request) {
    \t\ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": "user"})
    \t\ts, _ := token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
    \t\tw.Write([]byte(s))
    \t})
    }
    """
    s = one(body)
    assert s.function == "/zendesk/jwt" and s.response == "text"


def test_method_name_and_receiver_fields() -> None:
    body = """
    func (h *Handler) Token(w http.ResponseWriter, r *http.Request) {
    \ttoken := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": "user"})
    \ts, _ := token.SignedString(h.secret)
    \tw.Write([]byte(s))
    }
    """
    s = one(body)
    assert s.function == "Token"
    assert s.secret is not None and s.secret.expression == "h.secret"


def test_two_signers_in_one_file() -> None:
    body = MAP_CLAIMS + MAP_CLAIMS.replace("ZendeskJWT", "Other").replace("HS256", "RS256")
    found = facts(body)
    assert [s.algorithm for s in found.signers] == ["HS256", "RS256"]
    assert [s.function for s in found.signers] == ["ZendeskJWT", "Other"]


def test_syntax_error_is_reported_and_the_rest_still_read() -> None:
    body = MAP_CLAIMS + "\nfunc broken( {\n"
    found = facts(body)
    assert len(found.errors) == 1 and "syntax error" in found.errors[0].message
    assert found.signers and found.signers[0].claims["scope"].value == "user"


def test_garbage_does_not_raise() -> None:
    found = extract(Source.of("x.go", "go", "\x00\x01 func ((( jwt.NewWithClaims("))
    assert all("internal error" not in e.message for e in found.errors)


def test_eddsa_and_none_signing_methods_are_named():
    code = ('package main\nimport "github.com/golang-jwt/jwt/v5"\n'
            'func a() { jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"external_id": "1"}) }\n'
            'func b() { jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"external_id": "1"}) }\n')
    from migrate.extract import extract
    from migrate.extract.base import Source

    facts = extract(Source.of("a.go", "go", code))
    assert [s.algorithm for s in facts.signers] == ["EdDSA", "none"]


# --- library modules -----------------------------------------------------------------------------

def _go_libraries():
    from migrate.lang.go import libraries
    return libraries.all_libraries()


@pytest.mark.parametrize("lib", _go_libraries(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_library_module_is_a_complete_spec(lib) -> None:
    from migrate.lang.go import LANGUAGE
    assert isinstance(lib.NAME, str) and lib.NAME in LANGUAGE.libraries
    assert hasattr(lib.IMPORTS, "match") and isinstance(lib.PACKAGE, str) and lib.PACKAGE.isidentifier()
    assert lib.CONSTRUCTORS and all(isinstance(n, str) and n.isidentifier() for n in lib.CONSTRUCTORS)
    assert lib.SIGNS and all(isinstance(n, str) and n.isidentifier() for n in lib.SIGNS)
    assert lib.METHOD_LOOKUP is None or isinstance(lib.METHOD_LOOKUP, str)
    assert lib.DEFAULT_ALG is None or isinstance(lib.DEFAULT_ALG, str)


def test_every_go_library_has_one_module_and_each_import_path_one_library() -> None:
    from migrate.lang.go import LANGUAGE, libraries
    mods = libraries.all_libraries()
    assert sorted(m.NAME for m in mods) == sorted(LANGUAGE.libraries)
    for path in ("github.com/golang-jwt/jwt/v5", "github.com/golang-jwt/jwt", "github.com/dgrijalva/jwt-go",
                 "github.com/form3tech-oss/jwt-go"):
        assert libraries.of_import(path) is not None and libraries.of_import(path).NAME == "golang-jwt"
        assert sum(1 for m in mods if m.IMPORTS.match(path)) == 1
    assert libraries.of_import("github.com/lestrrat-go/jwx") is None
