"""What surrounds a signer, read from text in every language: which claims come from the
request, and whether the signed token is written to a log."""

from __future__ import annotations

import textwrap

import pytest

from migrate.extract import extract, flows
from migrate.extract.base import Source
from migrate.model import FileFacts, Signer


def facts(code: str, language: str, path: str) -> FileFacts:
    return extract(Source.of(path, language, textwrap.dedent(code)))


def one(code: str, language: str = "javascript", path: str = "app.js") -> Signer:
    found = facts(code, language, path).signers
    assert len(found) == 1, found
    return found[0]


def logged(code: str, language: str = "javascript", path: str = "app.js") -> list[int]:
    return [m.line for m in facts(code, language, path).markers if m.kind == "token-logged"]


def line_of(code: str, needle: str) -> int:
    return next(i for i, text in enumerate(textwrap.dedent(code).split("\n"), 1) if needle in text)


# --- identity from the request ------------------------------------------------------------------

def test_destructured_body_is_request_input() -> None:
    s = one("""
        app.post('/zendesk/jwt', (req, res) => {
          const { email, name } = req.body;
          res.send(jwt.sign({ external_id: email, name, scope: 'user' }, secret, { keyid }));
        });
    """)
    assert s.from_request == {"external_id", "name"}


def test_awaited_json_body_is_request_input() -> None:
    s = one("""
        export async function POST(request: Request) {
          const { userId } = await request.json();
          return Response.json({ token: jwt.sign({ external_id: userId, scope: 'user' }, KEY) });
        }
    """, "typescript", "route.ts")
    assert "external_id" in s.from_request


def test_parameter_filled_by_a_caller_with_request_input() -> None:
    s = one("""
        import { SignJWT } from 'jose';

        async function widgetToken(email, env) {
          return new SignJWT({ external_id: email, scope: 'user' })
            .setProtectedHeader({ alg: 'HS256', kid: env.KID })
            .sign(new TextEncoder().encode(env.SECRET));
        }

        export default {
          async fetch(request, env) {
            const json = await request.json();
            return new Response(await widgetToken(json.email, env));
          },
        };
    """)
    assert "external_id" in s.from_request


def test_parameter_filled_by_the_session_is_not_request_input() -> None:
    s = one("""
        function widgetToken(userId) {
          return jwt.sign({ external_id: userId, scope: 'user' }, KEY, { keyid: KID });
        }

        app.post('/zendesk/jwt', (req, res) => {
          const { locale } = req.body;
          res.json({ token: widgetToken(req.user.id), locale });
        });
    """)
    assert s.from_request == frozenset()


def test_keyword_argument_maps_to_its_parameter() -> None:
    s = one("""
        import jwt

        def zendesk_token(user_id, locale="en"):
            return jwt.encode({"external_id": user_id, "scope": "user", "locale": locale}, KEY)

        @app.post("/zendesk/jwt")
        def zendesk_jwt():
            data = request.get_json()
            return zendesk_token(str(current_user.id), locale=data["locale"])
    """, "python", "app.py")
    assert s.from_request == {"locale"}


def test_method_parameter_after_self() -> None:
    s = one("""
        import jwt

        class Tokens:
            def widget(self, email):
                return jwt.encode({"external_id": email, "scope": "user"}, KEY)

        tokens = Tokens()

        def view(request):
            return HttpResponse(tokens.widget(request.POST["email"]))
    """, "python", "views.py")
    assert "external_id" in s.from_request


def test_nextauth_credentials_are_request_input() -> None:
    s = one("""
        export const authOptions = {
          providers: [
            CredentialsProvider({
              async authorize(credentials) {
                const claims = { external_id: credentials.email, scope: 'user' };
                const zendeskJwt = jwt.sign(claims, KEY, { keyid: KID });
                return { id: credentials.email, zendeskJwt };
              },
            }),
          ],
        };
    """, "typescript", "auth.ts")
    assert "external_id" in s.from_request


def test_session_identity_is_not_request_input() -> None:
    s = one("""
        app.post('/zendesk/jwt', requireLogin, (req, res) => {
          const { locale } = req.body;
          res.send(jwt.sign({ external_id: String(req.user.id), email: req.user.email, locale }, KEY, { keyid }));
        });
    """)
    assert s.from_request == {"locale"}


def test_a_local_name_is_judged_by_its_own_assignment() -> None:
    # `email` is posted in another route; here it is the session's.
    code = """
        app.post('/subscribe', (req, res) => {
          const email = req.body.email;
          subscribe(email);
        });

        app.get('/zendesk/jwt', (req, res) => {
          const email = req.user.email;
          res.send(jwt.sign({ external_id: email, scope: 'user' }, KEY, { keyid }));
        });
    """
    s = one(code)
    assert s.claims["external_id"].final.text == "req.user.email"
    assert s.from_request == frozenset()


@pytest.mark.parametrize("code,language,path", [
    ("""
        using System.IdentityModel.Tokens.Jwt;

        public class ZendeskController : ControllerBase
        {
            [HttpPost("jwt")]
            public IActionResult Jwt([FromBody] TokenRequest body)
            {
                var header = new JwtHeader(credentials);
                var payload = new JwtPayload { { "external_id", body.Email }, { "scope", "user" } };
                return Ok(new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(header, payload)));
            }
        }
    """, "csharp", "ZendeskController.cs"),
    ("""
        @RestController
        public class ZendeskController {
            @PostMapping("/zendesk/jwt")
            public String jwt(@RequestParam(name = "email") String email) {
                return Jwts.builder().claim("external_id", email).claim("scope", "user")
                        .signWith(key).compact();
            }
        }
    """, "java", "ZendeskController.java"),
    ("""
        @RestController
        public class ZendeskController {
            @PostMapping("/zendesk/jwt")
            public String jwt(@Valid @RequestBody TokenRequest body) {
                return Jwts.builder().claim("external_id", body.getEmail()).claim("scope", "user")
                        .signWith(key).compact();
            }
        }
    """, "java", "ZendeskController.java"),
    ("""
        package zendesk

        import "github.com/golang-jwt/jwt/v5"

        func Token(w http.ResponseWriter, r *http.Request) {
            var body tokenRequest
            json.NewDecoder(r.Body).Decode(&body)
            claims := jwt.MapClaims{"external_id": body.Email, "scope": "user"}
            token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
            signed, _ := token.SignedString(key)
            w.Write([]byte(signed))
        }
    """, "go", "zendesk.go"),
], ids=["aspnet-from-body", "spring-request-param", "spring-request-body", "go-decode"])
def test_framework_bound_parameters_are_request_input(code: str, language: str, path: str) -> None:
    assert "external_id" in one(code, language, path).from_request


def test_principal_is_not_request_input() -> None:
    s = one("""
        @RestController
        public class ZendeskController {
            @PostMapping("/zendesk/jwt")
            public String jwt(Principal principal, @RequestParam String locale) {
                return Jwts.builder().claim("external_id", principal.getName()).claim("locale", locale)
                        .signWith(key).compact();
            }
        }
    """, "java", "ZendeskController.java")
    assert s.from_request == {"locale"}


# --- the token written to a log -----------------------------------------------------------------

def test_logged_token_variable() -> None:
    code = """
        app.get('/zendesk/jwt', (req, res) => {
          const token = jwt.sign({ external_id: String(req.user.id), scope: 'user' }, KEY, { keyid });
          console.log('zendesk token', token);
          res.json({ token });
        });
    """
    assert logged(code) == [line_of(code, "console.log")]


def test_token_stored_on_the_line_above_the_call() -> None:
    code = """
        app.get('/zendesk/jwt', (req, res) => {
          const token =
            jwt.sign({ external_id: String(req.user.id), scope: 'user' }, KEY, { keyid });
          console.info(token);
          res.json({ token });
        });
    """
    assert logged(code) == [line_of(code, "console.info")]


def test_nimbus_token_text_comes_from_serialize() -> None:
    code = """
        import com.nimbusds.jose.JWSHeader;
        import com.nimbusds.jose.crypto.MACSigner;
        import com.nimbusds.jwt.SignedJWT;

        public class ZendeskTokens {
            private static final Logger log = LoggerFactory.getLogger(ZendeskTokens.class);

            public String create(JWSHeader header, JWTClaimsSet claims, byte[] secret) throws Exception {
                SignedJWT jwt = new SignedJWT(header, claims);
                jwt.sign(new MACSigner(secret));
                String token = jwt.serialize();
                log.info("zendesk token {}", token);
                return token;
            }
        }
    """
    assert logged(code, "java", "ZendeskTokens.java") == [line_of(code, "log.info")]


def test_logged_user_id_is_not_the_token() -> None:
    code = """
        app.get('/zendesk/jwt', (req, res) => {
          const token = jwt.sign({ external_id: String(req.user.id), scope: 'user' }, KEY, { keyid });
          console.log('issued zendesk token for', req.user.id);
          logger.info({ msg: 'token issued', user: req.user.id });
          res.json({ token });
        });
    """
    assert logged(code) == []


def test_interpolated_token_is_logged() -> None:
    code = """
        import jwt

        def zendesk_jwt():
            token = jwt.encode({"external_id": str(current_user.id), "scope": "user"}, KEY)
            logger.info(f"zendesk token {token}")
            print("token issued")
            return token
    """
    assert logged(code, "python", "app.py") == [line_of(code, "logger.info")]


def test_go_token_text_comes_from_signed_string() -> None:
    code = """
        package zendesk

        import "github.com/golang-jwt/jwt/v5"

        func Token(w http.ResponseWriter, r *http.Request) {
            token := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"external_id": "1", "scope": "user"})
            signed, err := token.SignedString(key)
            log.Printf("zendesk jwt %s (err %v)", signed, err)
            w.Write([]byte(signed))
        }
    """
    assert logged(code, "go", "zendesk.go") == [line_of(code, "log.Printf")]


def test_php_variable_is_matched_with_its_sigil() -> None:
    code = """
        <?php
        function zendesk_jwt($user) {
            $jwt = JWT::encode(['external_id' => (string) $user->id, 'scope' => 'user'], KEY, 'HS256', KID);
            error_log($jwt);
            error_log('jwt issued for ' . $user->id);
            return $jwt;
        }
    """
    assert logged(code, "php", "zendesk.php") == [line_of(code, "error_log($jwt)")]


# --- small readers ------------------------------------------------------------------------------

@pytest.mark.parametrize("declaration,names", [
    ("email", {"email"}),
    ("String email", {"String", "email"}),
    ("email string", {"email", "string"}),
    ("email: str = ''", {"email"}),
    ("?string $email = null", {"email"}),
    ("[FromBody] TokenRequest body", {"TokenRequest", "body"}),
    ("@RequestParam(defaultValue = \"en\") String locale", {"String", "locale"}),
    ("{ email, name }", {"email", "name"}),
    ("final String email", {"String", "email"}),
])
def test_parameter_names(declaration: str, names: set[str]) -> None:
    assert flows._parameter_names(declaration) == names


def test_split_keeps_generics_and_calls_whole() -> None:
    assert flows._split("Map<String, Object> claims, f(a, b), x => y") == ["Map<String, Object> claims", "f(a, b)",
                                                                            "x => y"]


def test_an_alias_of_the_token_is_the_token() -> None:
    code = """
    const jwt = require('jwt-simple');
    function guideToken(user, secret) {
      const token = jwt.encode({ jti: user.nonce, iat: 1, email: user.email }, secret);
      var payload = token;
      const size = token.length;
      console.log(size);
      console.log(payload);
      return payload;
    }
    """
    assert logged(code) == [line_of(code, "console.log(payload)")]


def test_a_webcrypto_token_is_the_string_built_around_its_signature() -> None:
    code = """
    async function messagingToken(env, claims) {
      const unsigned = b64(JSON.stringify({ alg: 'HS256', kid: env.KID })) + '.' + b64(JSON.stringify(claims));
      const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(env.ZENDESK_SECRET),
        { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      const signature = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(unsigned));
      const jwt = `${unsigned}.${b64(
        new Uint8Array(signature))}`;
      console.log('claims', claims);
      console.log(jwt);
      return jwt;
    }
    """
    assert logged(code) == [line_of(code, "console.log(jwt)")]


def test_a_record_looked_up_by_a_posted_id_is_from_the_request() -> None:
    code = """
        app.post('/zendesk/jwt', async (req, res) => {
          const { user_id } = req.body;
          const url = `${USERS}/${encodeURIComponent(user_id)}`;
          const found = await fetch(url);
          const user = await found.json();
          res.send(jwt.sign({ external_id: String(user.id), name: user.name, scope: 'user' }, KEY, { keyid }));
        });
    """
    assert one(code).from_request == {"external_id", "name"}


def test_a_record_looked_up_by_the_session_is_not() -> None:
    code = """
        app.post('/zendesk/jwt', async (req, res) => {
          const { user_id } = req.body;
          audit(user_id);
          const user = await db.users.find(req.session.userId);
          res.send(jwt.sign({ external_id: String(user.id), scope: 'user' }, KEY, { keyid }));
        });
    """
    assert one(code).from_request == frozenset()


def test_callers_mark_request_input_passed_to_a_token_helper() -> None:
    code = textwrap.dedent("""
        app.post('/chat', async (req, res) => {
          const { id } = req.body;
          const user = await users.find(id);
          res.json({ token: await makeChatToken(user, 'en') });
        });
    """)
    marks = [(m.kind, m.text) for m in flows.callers(code)]
    assert marks == [("input-call", "makeChatToken\t0")]


def test_callers_mark_a_logged_token_result_over_several_lines() -> None:
    code = textwrap.dedent("""
        export default async function Page() {
          const { token } = await zendeskJwt(await session());
          let shown = token;
          console.log('page', {
            shown,
          });
        }
    """)
    assert [(m.kind, m.line, m.text) for m in flows.callers(code)] == [("logged-result", 5, "zendeskJwt")]


def test_callers_leave_files_without_input_or_logs_alone() -> None:
    assert flows.callers("const t = makeToken(user.id);\nsend(t);\n") == []


def test_the_length_of_a_token_is_not_the_token() -> None:
    code = """
    function chatToken(user) {
      const token = jwt.sign({ external_id: String(user.id), scope: 'user' }, process.env.ZD, { keyid: 'app_1' });
      console.log('token length', token.length);
      return token;
    }
    """
    assert logged(code) == []
