"""Java signers (jjwt, auth0 java-jwt, Nimbus), read through the public extraction stage."""

from __future__ import annotations

import textwrap

import pytest

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.model import FileFacts, Signer


def facts(code: str, path: str = "ZendeskJwt.java") -> FileFacts:
    return extract(Source.of(path, "java", textwrap.dedent(code)))


def one(code: str) -> Signer:
    found = facts(code).signers
    assert len(found) == 1, found
    return found[0]


def line_of(code: str, needle: str) -> int:
    lines = textwrap.dedent(code).split("\n")
    return next(i for i, text in enumerate(lines, 1) if needle in text)


def in_method(body: str, members: str = "") -> str:
    return ("public class ZendeskJwt {\n" + textwrap.indent(textwrap.dedent(members), "    ")
            + "    public String make(String userId, String secret) {\n"
            + textwrap.indent(textwrap.dedent(body), "        ") + "    }\n}\n")


# --- jjwt -------------------------------------------------------------------------------------

JJWT_OLD = """
    public class ZendeskJwt {
        public String make(String userId) {
            String token = Jwts.builder()
                .setHeaderParam("kid", "app_123")
                .claim("external_id", userId)
                .claim("scope", "user")
                .setSubject(userId)
                .setIssuedAt(new Date())
                .setExpiration(new Date(System.currentTimeMillis() + 5 * 60 * 1000))
                .signWith(Keys.hmacShaKeyFor(System.getenv("ZD_SECRET").getBytes(StandardCharsets.UTF_8)),
                          SignatureAlgorithm.HS256)
                .compact();
            return token;
        }
    }
"""


def test_jjwt_builder_with_header_param_claims_and_dates():
    s = one(JJWT_OLD)
    assert (s.library, s.language, s.algorithm) == ("jjwt", "java", "HS256")
    assert s.line == line_of(JJWT_OLD, "Jwts.builder()")
    assert s.algorithm_expr.line == line_of(JJWT_OLD, "SignatureAlgorithm.HS256")
    assert s.header["kid"].value == "app_123"
    assert set(s.claims) == {"external_id", "scope", "sub"}
    exp = s.managed["exp"]
    # A java.util.Date is written as seconds by jjwt: the ms clock inside is not an ms exp.
    assert "date-object" in exp.traits and exp.offset == 300
    assert exp.line == line_of(JJWT_OLD, ".setExpiration(")
    assert s.managed["iat"].offset == 0
    assert s.secret.source == "env" and s.function == "make"


JJWT_NEW = """
    public class ZendeskJwt {
        private static final String KID = "app_456";
        public String make(String userId, SecretKey key) {
            Map<String, Object> claims = Map.of("external_id", userId, "scope", "user");
            return Jwts.builder()
                .header().keyId(KID).type("JWT").and()
                .claims(claims)
                .claims().add("email", "a@b.c").and()
                .audience().add("zendesk").and()
                .expiration(Date.from(Instant.now().plusSeconds(600)))
                .signWith(Keys.hmacShaKeyFor(secret.getBytes()))
                .compact();
        }
    }
"""


def test_jjwt_012_header_and_claims_sections_and_inferred_algorithm():
    s = one(JJWT_NEW)
    assert s.header["kid"].final.value == "app_456" and s.header["typ"].value == "JWT"
    assert set(s.claims) == {"external_id", "scope", "email", "aud"}
    assert s.claims["external_id"].line == line_of(JJWT_NEW, "Map.of(")
    assert s.managed["exp"].offset == 600
    # signWith(key): jjwt picks HS256 for an hmacShaKeyFor key; no algorithm written.
    assert s.algorithm == "HS256" and s.algorithm_expr is None


def test_jjwt_signwith_key_of_unknown_kind_has_no_algorithm():
    code = in_method("return Jwts.builder().claim(\"external_id\", userId).signWith(signingKey).compact();\n")
    s = one(code)
    assert s.algorithm is None and s.algorithm_expr is None


def test_jjwt_old_argument_order_and_claims_map_filled_with_put():
    code = in_method("""
        Map<String, Object> claims = new HashMap<>();
        claims.put("external_id", userId);
        claims.put(Claims.EXPIRATION, System.currentTimeMillis() / 1000 + 300);
        return Jwts.builder().setClaims(claims).signWith(SignatureAlgorithm.HS512, secret).compact();
    """)
    s = one(code)
    assert s.algorithm == "HS512"
    assert set(s.claims) == {"external_id", "exp"}
    assert s.claims["exp"].line == line_of(code, "Claims.EXPIRATION")
    assert s.secret.source == "parameter"


def test_jjwt_double_brace_map_and_claims_object():
    code = in_method("""
        Claims claims = Jwts.claims().setSubject(userId);
        claims.put("scope", "user");
        Map<String, Object> header = new HashMap<String, Object>() {{ put("kid", "app_1"); }};
        return Jwts.builder().setHeader(header).setClaims(claims).signWith(key).compact();
    """)
    s = one(code)
    assert s.header["kid"].value == "app_1"
    assert set(s.claims) == {"sub", "scope"}


def test_claims_from_a_parameter_are_unknown_not_empty():
    code = """
        public class ZendeskJwt {
            public String make(Map<String, Object> claims, Key key) {
                return Jwts.builder().setClaims(claims).claim("scope", "user").signWith(key).compact();
            }
        }
    """
    assert set(one(code).claims) == {"...", "scope"}
    written = in_method('return Jwts.builder().claims(Map.of("scope", "user")).signWith(key).compact();\n')
    assert set(one(written).claims) == {"scope"}


def test_jjwt_millisecond_exp_claim_is_not_a_date():
    code = in_method("return Jwts.builder().claim(\"exp\", System.currentTimeMillis() + 300).signWith(k).compact();\n")
    exp = one(code).claims["exp"]
    assert exp.has("clock-ms") and not exp.has("date-object")


def test_jjwt_builder_kept_in_a_variable():
    code = in_method("""
        JwtBuilder builder = Jwts.builder().setHeaderParam("kid", "app_1");
        builder.claim("scope", "user");
        if (userId != null) {
            builder.claim("external_id", userId);
        }
        return builder.signWith(key, SignatureAlgorithm.HS256).compact();
    """)
    s = one(code)
    assert set(s.claims) == {"scope", "external_id"} and "kid" in s.header


def test_unrelated_compact_and_sign_calls_are_not_signers():
    code = in_method("""
        String a = list.compact();
        byte[] b = signature.sign(data);
        Jws<Claims> c = Jwts.parser().setSigningKey(key).parseClaimsJws(token);
        return a + b;
    """, members="// Jwts JWT.create\n")
    assert facts(code).signers == ()


# --- auth0 java-jwt ---------------------------------------------------------------------------

JAVA_JWT = """
    public class ZendeskJwt {
        public String make(User user) {
            Algorithm algorithm = Algorithm.HMAC256(System.getenv("ZENDESK_SECRET"));
            return JWT.create()
                .withKeyId("app_789")
                .withClaim("external_id", String.valueOf(user.getId()))
                .withClaim("scope", "user")
                .withClaim("email_verified", "true")
                .withSubject(user.getEmail())
                .withIssuedAt(new Date())
                .withExpiresAt(Instant.now().plusSeconds(300))
                .sign(algorithm);
        }
    }
"""


def test_java_jwt_chain():
    s = one(JAVA_JWT)
    assert (s.library, s.algorithm) == ("java-jwt", "HS256")
    assert s.algorithm_expr.line == line_of(JAVA_JWT, "Algorithm.HMAC256(")
    assert s.line == line_of(JAVA_JWT, "JWT.create()")
    assert s.header["kid"].value == "app_789"
    assert set(s.claims) == {"external_id", "scope", "email_verified", "sub"}
    assert "stringified" in s.claims["external_id"].traits
    assert s.claims["email_verified"].kind == "string"
    assert s.managed["exp"].offset == 300 and "date-object" in s.managed["exp"].traits
    assert s.secret.source == "env"
    assert s.secret.line == line_of(JAVA_JWT, ".sign(algorithm)")


def test_java_jwt_rsa_and_date_claims():
    code = in_method("""
        return JWT.create()
            .withClaim("iat", new Date())
            .withClaim("exp", new Date(System.currentTimeMillis() + 3_600_000L))
            .sign(Algorithm.RSA256(publicKey, privateKey));
    """)
    s = one(code)
    assert s.algorithm == "RS256"
    exp = s.claims["exp"]
    assert exp.has("date-object") and exp.offset == 3600


# --- Nimbus -----------------------------------------------------------------------------------

NIMBUS = """
    public class ZendeskJwt {
        public String make(String userId, String secret) throws JOSEException {
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("app_1").type(JOSEObjectType.JWT).build();
            JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .claim("external_id", userId)
                .claim("scope", "user")
                .subject(userId)
                .issueTime(new Date())
                .expirationTime(new Date(new Date().getTime() + 60 * 1000))
                .build();
            SignedJWT signedJWT = new SignedJWT(header, claims);
            signedJWT.sign(new MACSigner(secret));
            return signedJWT.serialize();
        }
    }
"""


def test_nimbus_signed_jwt():
    s = one(NIMBUS)
    assert (s.library, s.algorithm) == ("nimbus", "HS256")
    assert s.line == line_of(NIMBUS, "signedJWT.sign(")
    assert s.algorithm_expr.line == line_of(NIMBUS, "JWSAlgorithm.HS256")
    assert set(s.header) == {"kid", "typ"}
    assert set(s.claims) == {"external_id", "scope", "sub"}
    assert s.managed["exp"].offset == 60 and s.managed["iat"].offset == 0
    assert s.secret.source == "parameter"


def test_nimbus_jws_object_with_payload_from_a_claims_set():
    code = in_method("""
        JWTClaimsSet claims = new JWTClaimsSet.Builder().claim("external_id", userId).build();
        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.HS384), new Payload(claims.toJSONObject()));
        jws.sign(new MACSigner(Base64.getDecoder().decode(secret)));
        return jws.serialize();
    """)
    s = one(code)
    assert s.algorithm == "HS384" and set(s.claims) == {"external_id"}
    assert "base64-decoded" in s.secret.traits


# --- values and their definitions -------------------------------------------------------------

def test_local_names_are_resolved_with_substituted_text():
    code = in_method("""
        long now = System.currentTimeMillis() / 1000;
        return Jwts.builder().claim("iat", now).claim("exp", now + 300L).signWith(key).compact();
    """)
    c = one(code).claims
    assert c["exp"].line == line_of(code, '.claim("exp", now + 300L)')
    assert c["exp"].resolved.text == "System.currentTimeMillis() / 1000 + 300L"
    assert c["exp"].final.offset == 300
    assert "clock-ms" not in c["exp"].final.traits
    assert c["iat"].final.text == "System.currentTimeMillis() / 1000"


def test_constant_field_is_resolved():
    code = in_method('return Jwts.builder().claim("exp", EXPIRY).signWith(key).compact();\n',
                     members="private static final long EXPIRY = 1735689600L;\n")
    exp = one(code).claims["exp"]
    assert (exp.final.kind, exp.final.value) == ("int", 1735689600)


# --- secrets ----------------------------------------------------------------------------------

def _secret(sign_arg: str, members: str = ""):
    code = in_method(f"return JWT.create().withClaim(\"scope\", \"user\").sign({sign_arg});\n", members)
    return one(code).secret, facts(code)


def test_secret_from_getenv():
    s, _ = _secret('Algorithm.HMAC256(System.getenv("ZENDESK_SECRET"))')
    assert s.source == "env" and "env-unguarded" in s.traits


def test_secret_from_value_annotated_field():
    s, _ = _secret("Algorithm.HMAC256(zendeskSecret)",
                   members='@Value("${zendesk.secret}")\nprivate String zendeskSecret;\n')
    assert s.source == "config"


def test_secret_from_value_annotated_constructor_parameter():
    code = """
        @Service
        public class ZendeskJwt {
            private final String secret;
            public ZendeskJwt(@Value("${zendesk.secret}") String secret) { this.secret = secret; }
            public String make() { return JWT.create().sign(Algorithm.HMAC256(this.secret)); }
        }
    """
    assert one(code).secret.source == "config"


def test_literal_secret_is_never_stored():
    s, found = _secret("Algorithm.HMAC256(SECRET)", members='private static final String SECRET = "t0p-s3cr3t-v4lue";\n')
    assert s.source == "literal" and "literal" in s.traits
    assert "t0p-s3cr3t-v4lue" not in repr(found)
    s, found = _secret('Algorithm.HMAC256("inline-s3cr3t")')
    assert s.source == "literal" and "inline-s3cr3t" not in repr(found)


def test_literal_fallback_secret():
    s, found = _secret('Algorithm.HMAC256(Optional.ofNullable(System.getenv("ZD")).orElse("dev-s3cret"))')
    assert "literal-fallback" in s.traits and "dev-s3cret" not in repr(found)


@pytest.mark.parametrize("decoded", [
    "Decoders.BASE64.decode(secret)", "Base64.getDecoder().decode(secret)",
    "DatatypeConverter.parseBase64Binary(secret)",
])
def test_base64_decoded_secrets(decoded):
    code = in_method(f"return Jwts.builder().signWith(Keys.hmacShaKeyFor({decoded}), SignatureAlgorithm.HS256).compact();\n")
    assert "base64-decoded" in one(code).secret.traits


def test_raw_secret_is_not_base64():
    code = in_method("return Jwts.builder().signWith(Keys.hmacShaKeyFor(secret.getBytes()), SignatureAlgorithm.HS256).compact();\n")
    assert "base64-decoded" not in one(code).secret.traits


# --- where it runs and where the token goes ---------------------------------------------------

@pytest.mark.parametrize("send,kind", [
    ("return ResponseEntity.ok(token);", "text"),
    ('return ResponseEntity.ok(Map.of("jwt", token));', "object"),
    ("return token;", "text"),
    ('return Collections.singletonMap("token", token);', "object"),
    ("return new ResponseEntity<>(token, HttpStatus.OK);", "text"),
    ("return objectMapper.writeValueAsString(token);", "json-string"),
])
def test_spring_response_kinds(send, kind):
    code = f"""
        @RestController
        public class ZendeskJwtController {{
            @GetMapping("/zendesk/jwt")
            public Object jwt() {{
                String token = JWT.create().withClaim("scope", "user").sign(Algorithm.HMAC256(secret));
                {send}
            }}
        }}
    """
    s = one(code)
    assert s.response == kind and s.function == "/zendesk/jwt"


def test_mvc_controller_returning_a_view_name_and_a_model_attribute():
    code = """
        @Controller
        public class SupportPage {
            @RequestMapping(value = "/support", method = RequestMethod.GET)
            public String page(Model model) {
                String jwt = JWT.create().withClaim("scope", "user").sign(Algorithm.HMAC256(secret));
                model.addAttribute("zendeskJwt", jwt);
                return "support";
            }
        }
    """
    s = one(code)
    assert s.response == "template" and s.function == "/support"


def test_view_name_return_is_not_a_text_response():
    code = """
        @Controller
        public class SupportPage {
            @GetMapping("/support")
            public String page() {
                String jwt = JWT.create().withClaim("scope", "user").sign(Algorithm.HMAC256(secret));
                return jwt;
            }
        }
    """
    assert one(code).response is None


def test_spark_lambda_route():
    code = """
        public class App {
            public static void main(String[] args) {
                get("/zendesk/jwt", (req, res) -> Jwts.builder().claim("scope", "user").signWith(key).compact());
            }
        }
    """
    s = one(code)
    assert s.function == "/zendesk/jwt" and s.response == "text"


def test_rs256_api_token():
    code = """
        public class BillingTokens {
            public String create(PrivateKey privateKey) {
                return Jwts.builder().setSubject("orders").setAudience("https://billing.example.com")
                    .signWith(privateKey, SignatureAlgorithm.RS256).compact();
            }
        }
    """
    s = one(code)
    assert s.algorithm == "RS256" and set(s.claims) == {"sub", "aud"}
    assert s.hints == frozenset()


# --- robustness -------------------------------------------------------------------------------

def test_syntax_error_is_reported_once_and_signers_are_still_read():
    code = """
        public class Broken {
            void nope( { int x = ; }

            String make(String userId) {
                return Jwts.builder().claim("external_id", userId).signWith(key).compact();
            }
        }
    """
    f = facts(code)
    assert len([e for e in f.errors if "syntax error" in e.message]) == 1
    assert f.errors[0].line == line_of(code, "void nope(")
    assert len(f.signers) == 1 and "external_id" in f.signers[0].claims


def test_columns_count_characters_after_non_ascii_text():
    code = in_method('return Jwts.builder().claim("name", "Zoë Ågren").claim("exp", 1735689600).signWith(k).compact();\n')
    exp = one(code).claims["exp"]
    line = textwrap.dedent(code).split("\n")[exp.line - 1]
    assert line[exp.column - 1:].startswith("1735689600")


def test_file_without_a_jwt_library_yields_nothing():
    f = facts("public class Plain { int add(int a, int b) { return a + b; } void broken( { }")
    assert f.signers == () and f.errors == ()


def test_mapping_without_a_path_is_still_an_endpoint():
    code = """
        @RestController
        @RequestMapping("/zendesk/jwt")
        public class ZendeskJwtController {
            @GetMapping
            public String jwt() {
                return JWT.create().withClaim("scope", "user").sign(Algorithm.HMAC256(secret));
            }
        }
    """
    s = one(code)
    assert s.function == "jwt" and s.response == "text"


# --- library modules -----------------------------------------------------------------------------

def _java_libraries():
    from migrate.lang.java import libraries
    return libraries.all_libraries()


@pytest.mark.parametrize("lib", _java_libraries(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_library_module_is_a_complete_spec(lib) -> None:
    import re

    from migrate.lang.java import LANGUAGE
    assert isinstance(lib.NAME, str) and lib.NAME in LANGUAGE.libraries
    assert lib.WORDS and all(isinstance(w, str) and re.compile(w) for w in lib.WORDS), lib.__name__
    assert lib.SIGNS and all(isinstance(m, str) and m.isidentifier() for m in lib.SIGNS), lib.__name__
    assert callable(lib.read), lib.__name__


def test_every_java_library_has_one_module() -> None:
    from migrate.lang.java import LANGUAGE, libraries
    mods = libraries.all_libraries()
    assert {m.__name__.rsplit(".", 1)[1] for m in mods} == {"jjwt", "java_jwt", "nimbus"}
    assert sorted(m.NAME for m in mods) == sorted(LANGUAGE.libraries)
    assert all(libraries.relevant().search(src) for src in (
        "Jwts.builder()", "JWT.create()", "new SignedJWT(h, c)", "new JWSObject(h, p)"))
