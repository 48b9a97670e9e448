"""C# signers (JWT.Net, System.IdentityModel.Tokens.Jwt), read through the public extraction stage."""

from __future__ import annotations

import textwrap

import pytest

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.model import FileFacts, Signer


def facts(code: str, path: str = "ZendeskController.cs") -> FileFacts:
    return extract(Source.of(path, "csharp", textwrap.dedent(code)))


def one(code: str) -> Signer:
    found = facts(code).signers
    assert len(found) == 1, found
    return found[0]


def line_of(code: str, needle: str, nth: int = 1) -> int:
    lines = textwrap.dedent(code).split("\n")
    hits = [i for i, text in enumerate(lines, 1) if needle in text]
    return hits[nth - 1]


def in_method(body: str, usings: str = "") -> str:
    """A controller action holding ``body``."""
    return usings + "public class ZendeskController : Controller\n{\n    public string Make(string userId)\n    {\n" \
        + textwrap.indent(textwrap.dedent(body), "        ") + "    }\n}\n"


# --- JWT.Net ----------------------------------------------------------------------------------

ENCODER = """
    using JWT;
    using JWT.Algorithms;
    using JWT.Serializers;

    public class ZendeskTokens
    {
        public string Make(string userId, string secret)
        {
            IJwtAlgorithm algorithm = new HMACSHA256Algorithm();
            IJwtEncoder encoder = new JwtEncoder(algorithm, new JsonNetSerializer(), new JwtBase64UrlEncoder());
            var headers = new Dictionary<string, object> { { "kid", "app_123" } };
            var payload = new Dictionary<string, object>
            {
                { "external_id", userId },
                ["scope"] = "user",
            };
            payload["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
            payload.Add("email_verified", true);
            return encoder.Encode(headers, payload, secret);
        }
    }
"""


def test_jwtnet_encoder_reads_headers_payload_mutations_and_algorithm():
    s = one(ENCODER)
    assert (s.library, s.language, s.algorithm) == ("jwt.net", "csharp", "HS256")
    assert s.line == line_of(ENCODER, "encoder.Encode(")
    assert s.algorithm_expr.line == line_of(ENCODER, "new HMACSHA256Algorithm()")
    assert s.header["kid"].value == "app_123"
    assert set(s.claims) == {"external_id", "scope", "exp", "email_verified"}
    assert s.claims["scope"].value == "user"
    assert s.claims["exp"].line == line_of(ENCODER, 'payload["exp"]')
    assert s.claims["exp"].offset == 300
    assert s.claims["email_verified"].kind == "bool"
    assert s.secret.source == "parameter"
    assert s.function == "Make" and s.browser is False


def test_jwtnet_encoder_two_arguments_with_anonymous_object():
    code = """
        public class T
        {
            public string Make(User user)
            {
                var encoder = new JwtEncoder(new HMACSHA384Algorithm(), serializer, urlEncoder);
                var p = new { external_id = user.Id, scope = "user", user.Email };
                return encoder.Encode(p, Environment.GetEnvironmentVariable("ZD_SECRET"));
            }
        }
    """
    s = one(code)
    assert s.algorithm == "HS384"
    assert s.header == {}
    assert set(s.claims) == {"external_id", "scope", "Email"}
    assert "numeric" in s.claims["external_id"].traits
    assert s.secret.source == "env" and "env-unguarded" in s.secret.traits


def test_jwtnet_datetime_in_a_payload_is_serialised_as_a_string():
    code = in_method("""
        var encoder = new JwtEncoder(new HMACSHA256Algorithm(), serializer, urlEncoder);
        var payload = new Dictionary<string, object> { { "exp", DateTime.UtcNow.AddMinutes(5) } };
        return encoder.Encode(payload, key);
    """)
    exp = one(code).claims["exp"]
    assert "stringified" in exp.traits and "clock" in exp.traits


def test_payload_from_a_method_or_a_parameter_is_unknown_not_empty():
    code = in_method("""
        var encoder = new JwtEncoder(new HMACSHA256Algorithm(), serializer, urlEncoder);
        var payload = BuildPayload(userId);
        payload["scope"] = "user";
        return encoder.Encode(payload, key);
    """)
    s = one(code)
    assert set(s.claims) == {"...", "scope"}
    assert s.claims["..."].text == "payload"
    written = in_method("""
        var payload = new Dictionary<string, object>();
        payload["scope"] = "user";
        return new JwtEncoder(new HMACSHA256Algorithm(), serializer, urlEncoder).Encode(payload, key);
    """)
    assert set(one(written).claims) == {"scope"}


def test_encode_on_an_unrelated_object_is_not_a_signer():
    code = in_method("""
        var html = HtmlEncoder.Default.Encode(userId);
        var url = UrlEncoder.Default.Encode(userId, 0, 2);
        return html + url + JsonWebToken.Decode(userId);
    """)
    assert facts(code).signers == ()


def test_legacy_static_jsonwebtoken_encode():
    code = in_method("""
        var payload = new Dictionary<string, object> { { "external_id", userId } };
        return JWT.JsonWebToken.Encode(payload, "legacy-secret-value", JwtHashAlgorithm.HS512);
    """)
    s = one(code)
    assert (s.library, s.algorithm) == ("jwt.net", "HS512")
    assert s.secret.source == "literal"
    assert "legacy-secret-value" not in repr(facts(code))


FLUENT = """
    using JWT.Builder;

    public class ZendeskTokens
    {
        public string Make(User user)
        {
            return JwtBuilder.Create()
                .WithAlgorithm(new HMACSHA256Algorithm())
                .WithSecret(_secret)
                .AddHeader(HeaderName.KeyId, "app_1")
                .AddClaim("external_id", user.Id.ToString())
                .AddClaim(ClaimName.ExpirationTime, DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds())
                .AddClaim(ClaimName.VerifiedEmail, true)
                .IssuedAt(DateTime.Now)
                .Subject(user.Email)
                .Encode();
        }
    }
"""


def test_jwtbuilder_fluent_chain():
    s = one(FLUENT)
    assert s.library == "jwt.net" and s.algorithm == "HS256"
    assert s.line == line_of(FLUENT, "JwtBuilder.Create()")
    assert s.header["kid"].value == "app_1"
    assert set(s.claims) == {"external_id", "exp", "email_verified", "sub"}
    assert s.claims["exp"].offset == 300 and "clock" in s.claims["exp"].traits
    # A DateTime handed to the builder is converted by JWT.Net: not local-as-UTC arithmetic.
    iat = s.managed["iat"]
    assert "date-object" in iat.traits and "local-as-utc" not in iat.traits


def test_jwtbuilder_kept_in_a_variable():
    code = in_method("""
        var builder = JwtBuilder.Create().WithAlgorithm(new HMACSHA512Algorithm()).WithSecret(key);
        builder.AddClaim("scope", "user");
        if (admin) { builder.AddClaim("external_id", userId); }
        return builder.ExpirationTime(DateTime.UtcNow.AddMinutes(10)).Encode();
    """)
    s = one(code)
    assert s.algorithm == "HS512"
    assert set(s.claims) == {"scope", "external_id"}
    assert s.managed["exp"].offset == 600


# --- System.IdentityModel.Tokens.Jwt ----------------------------------------------------------

HEADER_PAYLOAD = """
    public class ZendeskController : Controller
    {
        [HttpGet("zendesk/jwt")]
        public IActionResult Token()
        {
            var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable("ZD_SECRET")));
            var creds = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
            var header = new JwtHeader(creds);
            header["kid"] = "app_42";
            var payload = new JwtPayload { { "external_id", User.Identity.Name }, { "scope", "user" } };
            payload.AddClaim(new Claim("email_verified", "true"));
            var token = new JwtSecurityToken(header, payload);
            var jwt = new JwtSecurityTokenHandler().WriteToken(token);
            return Ok(jwt);
        }
    }
"""


def test_header_and_payload_objects_give_one_signer_at_write_token():
    s = one(HEADER_PAYLOAD)
    assert s.library == "system.identitymodel" and s.algorithm == "HS256"
    assert s.line == line_of(HEADER_PAYLOAD, "WriteToken(")
    assert s.header["kid"].value == "app_42"
    assert set(s.claims) == {"external_id", "scope", "email_verified"}
    # A Claim value is a string unless a ClaimValueTypes says otherwise.
    assert s.claims["email_verified"].kind == "string"
    assert s.function == "zendesk/jwt" and s.response == "json-string"
    assert s.secret.source == "env"


def test_header_add_and_key_id_on_the_key():
    code = in_method("""
        var creds = new SigningCredentials(new SymmetricSecurityKey(bytes) { KeyId = "app_7" }, SecurityAlgorithms.HmacSha256);
        var header = new JwtHeader(creds);
        header.Add("typ", "JWT");
        return new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(header, new JwtPayload()));
    """)
    s = one(code)
    assert s.header["kid"].value == "app_7" and s.header["typ"].value == "JWT"


ISSUER_FORM = """
    public class ApiTokens
    {
        public string Create(RSA rsa)
        {
            var claims = new List<Claim> { new Claim(JwtRegisteredClaimNames.Sub, "orders-service") };
            claims.Add(new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString()));
            var credentials = new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);
            var token = new JwtSecurityToken(
                "orders-service",
                "https://billing.example.com",
                claims,
                expires: DateTime.UtcNow.AddHours(1),
                signingCredentials: credentials);
            return new JwtSecurityTokenHandler().WriteToken(token);
        }
    }
"""


def test_rs256_api_token_with_issuer_audience_and_claims():
    s = one(ISSUER_FORM)
    assert s.algorithm == "RS256"
    assert s.algorithm_expr.line == line_of(ISSUER_FORM, "SecurityAlgorithms.RsaSha256")
    assert set(s.claims) == {"iss", "aud", "sub", "jti"}
    assert s.managed["exp"].offset == 3600
    assert "zendesk" not in s.hints


def test_token_never_written_is_reported_where_it_is_created():
    code = in_method("""
        var token = new JwtSecurityToken(claims: new[] { new Claim("external_id", userId) }, expires: DateTime.UtcNow.AddMinutes(5));
        return token;
    """)
    s = one(code)
    assert s.line == line_of(code, "new JwtSecurityToken(")
    assert set(s.claims) == {"external_id"} and s.algorithm is None


DESCRIPTOR = """
    public class ZendeskController : Controller
    {
        private readonly IConfiguration _configuration;
        public ZendeskController(IConfiguration configuration) { _configuration = configuration; }

        [HttpPost("api/zendesk/token")]
        public IActionResult Token()
        {
            var handler = new JwtSecurityTokenHandler();
            var descriptor = new SecurityTokenDescriptor
            {
                Subject = new ClaimsIdentity(new[]
                {
                    new Claim("external_id", User.FindFirstValue(ClaimTypes.NameIdentifier)),
                    new Claim("scope", "user"),
                    new Claim("email_verified", "true", ClaimValueTypes.Boolean),
                    new Claim(JwtRegisteredClaimNames.Iat, now.ToString(), ClaimValueTypes.Integer64),
                    new Claim(ClaimTypes.Email, User.Email),
                }),
                Expires = DateTime.Now.AddMinutes(5),
                AdditionalHeaderClaims = new Dictionary<string, object> { ["kid"] = "app_9" },
                SigningCredentials = new SigningCredentials(
                    new SymmetricSecurityKey(Convert.FromBase64String(_configuration["Zendesk:Secret"])),
                    SecurityAlgorithms.HmacSha256Signature),
            };
            var token = handler.CreateToken(descriptor);
            return Json(new { jwt = handler.WriteToken(token) });
        }
    }
"""


def test_descriptor_with_create_token_then_write_token_is_one_signer():
    s = one(DESCRIPTOR)
    assert s.line == line_of(DESCRIPTOR, "handler.WriteToken(token)")
    assert s.algorithm == "HS256" and s.header["kid"].value == "app_9"
    assert set(s.claims) == {"external_id", "scope", "email_verified", "iat", "email"}
    assert s.claims["email_verified"].kind == "bool" and s.claims["email_verified"].value is True
    assert "stringified" not in s.claims["iat"].traits and s.claims["iat"].has("numeric")
    exp = s.managed["exp"]
    assert exp.line == line_of(DESCRIPTOR, "Expires =") and exp.offset == 300
    assert "local-as-utc" not in exp.traits
    assert s.response == "object" and s.function == "api/zendesk/token"


def test_descriptor_base64_secret_from_configuration():
    secret = one(DESCRIPTOR).secret
    assert secret.source == "config"
    assert {"base64-decoded", "config"} <= secret.traits
    assert secret.line == line_of(DESCRIPTOR, "new SymmetricSecurityKey(")
    assert "Zendesk:Secret" in secret.expression


def test_handler_sets_iat_and_exp_when_the_descriptor_does_not():
    code = in_method("""
        var descriptor = new SecurityTokenDescriptor { Subject = new ClaimsIdentity(claims), SigningCredentials = creds };
        return new JwtSecurityTokenHandler().CreateEncodedJwt(descriptor);
    """)
    s = one(code)
    assert s.managed["iat"].offset == 0 and "clock" in s.managed["iat"].traits
    assert s.managed["exp"].offset == 3600
    assert s.line == line_of(code, "CreateEncodedJwt(")


def test_create_token_alone_and_an_application_create_token():
    code = in_method("""
        var mine = _tokenService.CreateToken(user);
        var descriptor = new SecurityTokenDescriptor { Claims = new Dictionary<string, object> { ["external_id"] = userId } };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    """)
    s = one(code)
    assert s.line == line_of(code, "new JsonWebTokenHandler()")
    assert set(s.claims) == {"external_id"}


def test_claim_value_types_decide_the_json_type():
    code = in_method("""
        var claims = new[]
        {
            new Claim("a", user.Id.ToString()),
            new Claim("b", "42", ClaimValueTypes.Integer),
            new Claim("c", count),
        };
        return new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(claims: claims));
    """)
    c = one(code).claims
    assert "stringified" in c["a"].traits
    assert (c["b"].kind, c["b"].value) == ("int", 42)
    assert "stringified" in c["c"].traits


@pytest.mark.parametrize("constant,name", [
    ("SecurityAlgorithms.HmacSha256", "HS256"), ("SecurityAlgorithms.HmacSha512Signature", "HS512"),
    ("SecurityAlgorithms.RsaSha384", "RS384"), ("SecurityAlgorithms.EcdsaSha256", "ES256"),
    ("SecurityAlgorithms.RsaSsaPssSha256", "PS256"), ('"HS256"', "HS256"),
])
def test_security_algorithms(constant, name):
    code = in_method(f"""
        var creds = new SigningCredentials(key, {constant});
        return new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(signingCredentials: creds));
    """)
    assert one(code).algorithm == name


# --- values and their definitions -------------------------------------------------------------

def test_local_names_are_resolved_with_substituted_text():
    code = in_method("""
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var exp = now + 300L;
        var payload = new Dictionary<string, object> { { "iat", now }, { "exp", exp } };
        return new JwtEncoder(new HMACSHA256Algorithm(), s, u).Encode(payload, key);
    """)
    c = one(code).claims
    assert c["iat"].final.text == "DateTimeOffset.UtcNow.ToUnixTimeSeconds()"
    assert c["exp"].line == line_of(code, '{ "exp", exp }')
    assert c["exp"].resolved.text == "now + 300L"
    assert c["exp"].final.text == "DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 300L"
    assert c["exp"].final.offset == 300


def test_local_time_epoch_arithmetic_is_local_as_utc():
    code = in_method("""
        var iat = (long)(DateTime.Now - new DateTime(1970, 1, 1)).TotalSeconds;
        var payload = new Dictionary<string, object> { { "iat", iat } };
        return new JwtEncoder(new HMACSHA256Algorithm(), s, u).Encode(payload, key);
    """)
    assert one(code).claims["iat"].has("local-as-utc")


def test_milliseconds_clock_in_exp():
    code = in_method("""
        var payload = new Dictionary<string, object> { { "exp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 300000 } };
        return new JwtEncoder(new HMACSHA256Algorithm(), s, u).Encode(payload, key);
    """)
    assert one(code).claims["exp"].has("clock-ms")


# --- secrets ----------------------------------------------------------------------------------

def _secret_of(key_expr: str, members: str = ""):
    code = f"""
        public class Tokens
        {{
            {members}
            public string Make(string secretParam)
            {{
                return JwtBuilder.Create().WithAlgorithm(new HMACSHA256Algorithm()).WithSecret({key_expr}).Encode();
            }}
        }}
    """
    return one(code).secret, facts(code)


def test_secret_from_environment():
    secret, _ = _secret_of('Environment.GetEnvironmentVariable("ZENDESK_SECRET")')
    assert secret.source == "env" and "env-unguarded" in secret.traits


def test_secret_from_configuration_field_set_in_the_constructor():
    members = """
        private readonly string _secret;
        public Tokens(IConfiguration configuration) { _secret = configuration["Zendesk:Secret"]; }
    """
    secret, _ = _secret_of("_secret", members)
    assert secret.source == "config"
    assert 'configuration["Zendesk:Secret"]' in secret.expression


def test_literal_secret_is_never_stored():
    secret, found = _secret_of("Secret", 'private const string Secret = "sup3r-s3cret-valu3";')
    assert secret.source == "literal" and "literal" in secret.traits
    assert "sup3r-s3cret-valu3" not in repr(found)


def test_literal_fallback_and_parameter_secrets():
    secret, found = _secret_of('Environment.GetEnvironmentVariable("ZD") ?? "dev-fallback-secret"')
    assert "literal-fallback" in secret.traits
    assert "dev-fallback-secret" not in repr(found)
    secret, _ = _secret_of("secretParam")
    assert secret.source == "parameter"


# --- where it runs and where the token goes ---------------------------------------------------

@pytest.mark.parametrize("send,kind", [
    ("return Ok(token);", "json-string"),
    ("return Json(token);", "json-string"),
    ("return Content(token);", "text"),
    ("return Ok(new { token });", "object"),
    ("return Json(new { jwt = token });", "object"),
    ("return token;", "text"),
    ('ViewBag.ZendeskJwt = token; return View();', "template"),
    ("return Results.Text(token);", "text"),
])
def test_response_kinds(send, kind):
    code = f"""
        public class ZendeskController : Controller
        {{
            [HttpGet("zendesk/jwt")]
            public IActionResult Token()
            {{
                var token = JwtBuilder.Create().WithAlgorithm(new HMACSHA256Algorithm()).WithSecret(k).Encode();
                {send}
            }}
        }}
    """
    assert one(code).response == kind


def test_a_helper_returning_the_token_has_no_response():
    s = one(FLUENT)
    assert s.response is None and s.function == "Make"


def test_minimal_api_route_is_the_function():
    code = """
        var app = WebApplication.Create(args);
        app.MapGet("/zendesk/jwt", (IConfiguration configuration) =>
        {
            var token = JwtBuilder.Create().WithAlgorithm(new HMACSHA256Algorithm()).WithSecret(configuration["Zendesk:Secret"]).Encode();
            return Results.Ok(token);
        });
        app.Run();
    """
    s = one(code)
    assert s.function == "/zendesk/jwt" and s.response == "json-string"
    assert s.secret.source == "config"


# --- robustness -------------------------------------------------------------------------------

def test_syntax_error_is_reported_once_and_signers_are_still_read():
    code = """
        public class Broken
        {
            public void Nope( { int x = ; }

            public string Make(string userId)
            {
                return JwtBuilder.Create().WithAlgorithm(new HMACSHA256Algorithm()).AddClaim("external_id", userId).Encode();
            }
        }
    """
    f = facts(code)
    assert len([e for e in f.errors if "syntax error" in e.message]) == 1
    assert f.errors[0].line == line_of(code, "public void Nope(")
    assert len(f.signers) == 1 and "external_id" in f.signers[0].claims


def test_columns_count_characters_after_non_ascii_text():
    code = in_method("""
        var p = new Dictionary<string, object> { { "name", "Zoë Ågren" }, { "exp", 1735689600 } };
        return new JwtEncoder(new HMACSHA256Algorithm(), s, u).Encode(p, key);
    """)
    exp = one(code).claims["exp"]
    line = textwrap.dedent(code).split("\n")[exp.line - 1]
    assert line[exp.column - 1:].startswith("1735689600")
    assert (exp.kind, exp.value) == ("int", 1735689600)


def test_file_without_a_jwt_library_yields_nothing():
    f = facts("public class Plain { public int Add(int a, int b) => a + b; }")
    assert f.signers == () and f.errors == ()


# --- library modules -----------------------------------------------------------------------------

def _csharp_libraries():
    from migrate.lang.csharp import libraries
    return libraries.all_libraries()


@pytest.mark.parametrize("lib", _csharp_libraries(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_library_module_is_a_complete_spec(lib) -> None:
    import re

    from migrate.lang.csharp import LANGUAGE
    assert isinstance(lib.NAME, str) and lib.NAME in LANGUAGE.libraries
    assert lib.WORDS and all(isinstance(w, str) and re.compile(w) for w in lib.WORDS), lib.__name__
    assert callable(lib.sites), lib.__name__


def test_every_csharp_library_has_one_module() -> None:
    from migrate.lang.csharp import LANGUAGE, libraries
    mods = libraries.all_libraries()
    assert {m.__name__.rsplit(".", 1)[1] for m in mods} == {"jwt_net", "system_identitymodel"}
    assert sorted(m.NAME for m in mods) == sorted(LANGUAGE.libraries)
    assert all(libraries.relevant().search(src) for src in (
        "new JwtEncoder(", "JwtBuilder.Create()", "JsonWebToken.Encode(", "new JwtSecurityToken(",
        "new SecurityTokenDescriptor", "new JsonWebTokenHandler()"))
