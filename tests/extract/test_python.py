"""Python signing calls (PyJWT, python-jose, authlib) through the public extract stage."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrate.extract import extract
from migrate.lang.python import LANGUAGE, libraries
from migrate.extract.base import Source
from migrate.model import FileFacts, Signer


def scan(code: str, path: str = "app.py") -> FileFacts:
    return extract(Source.of(path, "python", textwrap.dedent(code)))


def only(code: str) -> Signer:
    facts = scan(code)
    assert facts.errors == ()
    assert len(facts.signers) == 1, facts.signers
    return facts.signers[0]


MESSAGING = """
import os
import time
{imports}
KEY = os.environ["ZD_SECRET"]
from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/zendesk/jwt")
def zendesk_jwt():
    payload = {{
        "external_id": str(current_user.id),
        "scope": "user",
        "exp": int(time.time()) + 300,
    }}
    token = {call}
    return jsonify(token=token)
"""


# --- libraries and import forms ------------------------------------------------------------

@pytest.mark.parametrize("imports, call, library", [
    ("import jwt", 'jwt.encode(payload, KEY, algorithm="HS256")', "pyjwt"),
    ("import jwt as pyjwt", 'pyjwt.encode(payload, KEY, algorithm="HS256")', "pyjwt"),
    ("from jwt import encode as sign_token", 'sign_token(payload, KEY, "HS256")', "pyjwt"),
    ("from jwt import PyJWT", 'PyJWT().encode(payload, KEY, algorithm="HS256")', "pyjwt"),
    ("from jose import jwt as jose_jwt", 'jose_jwt.encode(payload, KEY, algorithm="HS256")',
     "python-jose"),
    ("import jose.jwt", 'jose.jwt.encode(payload, KEY, algorithm="HS256")', "python-jose"),
    ("from authlib.jose import jwt", 'jwt.encode({"alg": "HS256"}, payload, KEY)', "authlib"),
    ("from authlib.jose import JsonWebToken",
     'JsonWebToken(["HS256"]).encode({"alg": "HS256"}, payload, KEY)', "authlib"),
])
def test_each_library_and_import_form_is_found(imports: str, call: str, library: str) -> None:
    signer = only(MESSAGING.format(imports=imports, call=call))
    assert signer.library == library
    assert signer.language == "python"
    assert signer.algorithm == "HS256"
    assert signer.line == 18 and signer.column == 13  # `token = ` is 12 characters
    assert set(signer.claims) == {"external_id", "scope", "exp"}
    assert signer.secret is not None and signer.secret.source == "env"
    assert signer.function == "/zendesk/jwt"
    assert signer.response == "object"
    assert signer.browser is False


def test_authlib_instance_kept_in_a_variable() -> None:
    signer = only("""
        from authlib.jose import JsonWebToken

        jwt_rs = JsonWebToken(["HS512"])

        def make(user, key):
            return jwt_rs.encode({"alg": "HS512", "kid": "app_1"}, {"external_id": user.ref}, key)
    """)
    assert (signer.library, signer.algorithm) == ("authlib", "HS512")
    assert signer.header["kid"].value == "app_1"
    assert signer.algorithm_expr is not None and signer.algorithm_expr.text == '"HS512"'


def test_authlib_without_alg_has_no_algorithm() -> None:
    signer = only("""
        from authlib.jose import jwt
        def make(header, claims, key):
            return jwt.encode(header, claims, key)
    """)
    assert signer.algorithm is None
    assert signer.secret is not None and signer.secret.source == "parameter"


@pytest.mark.parametrize("code", [
    # a function of this module that happens to be called encode
    """
    import jwt

    def encode(payload, key):
        return repr(payload) + key

    token = encode({"exp": 1}, "k")
    """,
    # a module of the application named jwt, next to the real library under another name
    """
    import jwt as pyjwt
    from myapp import jwt
    token = jwt.encode({"exp": 1}, "k")
    """,
    # no import at all: a name is not a library
    """
    token = jwt.encode({"exp": 1}, "k")
    """,
    # other encoders
    """
    import base64, json
    import jwt
    data = base64.b64encode(b"x")
    body = json.JSONEncoder().encode({"exp": 1})
    """,
])
def test_calls_that_are_not_jwt_signing_are_ignored(code: str) -> None:
    facts = scan(code)
    assert facts.signers == () and facts.errors == ()


def test_local_encode_shadowing_an_import_is_not_jwt() -> None:
    facts = scan("""
        from jwt import encode

        def view():
            def encode(data, key):
                return data
            return encode({"exp": 1}, "k")

        def real():
            return encode({"exp": 2}, "k")
    """)
    assert [s.function for s in facts.signers] == ["real"]


# --- payloads --------------------------------------------------------------------------------

def test_payload_variable_and_its_mutations_before_the_call() -> None:
    signer = only("""
        import jwt, time

        def make(user, secret):
            claims = {"name": user.name, "email": user.email, "jti": "x"}
            claims["external_id"] = str(user.pk)
            claims.update({"scope": "user"}, email_verified=True)
            claims.setdefault("name", "ignored")
            claims |= {"iat": int(time.time())}
            claims.pop("jti")
            del claims["email"]
            token = jwt.encode(claims, secret)
            claims["late"] = 1
            return token
    """)
    assert list(signer.claims) == ["name", "external_id", "scope", "email_verified", "iat"]
    assert signer.claims["name"].text == "user.name"
    assert signer.claims["external_id"].line == 6
    assert signer.claims["email_verified"].value is True


def test_payload_from_dict_call_spread_and_builder_function() -> None:
    signer = only("""
        import jwt

        BASE = {"scope": "user"}

        def build_claims(user):
            extra = dict(email=user.email, **BASE)
            return {**extra, "external_id": user.uid, **user.profile()}

        def make(user, key):
            return jwt.encode(build_claims(user), key)
    """)
    assert set(signer.claims) == {"email", "scope", "external_id", "..."}
    assert signer.claims["scope"].value == "user"
    assert signer.claims["..."].text == "user.profile()"
    assert signer.claims["external_id"].line == 8


def test_unreadable_payload_is_marked_unknown() -> None:
    signer = only("""
        import jwt
        def make(claims: dict, key):
            return jwt.encode(claims, key)
    """)
    assert list(signer.claims) == ["..."]


def test_claim_kinds_and_values() -> None:
    signer = only("""
        import jwt
        def make(u, key):
            return jwt.encode({
                "i": 3, "f": 1.5, "s": "x" "y", "t": f"{u}", "b": False, "n": None,
                "m": u.id, "c": str(u), "o": {"a": 1}, "neg": -5, "bin": 1 + 2, "l": [1],
            }, key)
    """)
    kinds = {k: (e.kind, e.value) for k, e in signer.claims.items()}
    assert kinds == {
        "i": ("int", 3), "f": ("float", 1.5), "s": ("string", "xy"), "t": ("template", None),
        "b": ("bool", False), "n": ("null", None), "m": ("member", None), "c": ("call", None),
        "o": ("object", None), "neg": ("int", -5), "bin": ("binary", None), "l": ("other", None),
    }
    assert signer.claims["m"].has("numeric") and signer.claims["c"].has("stringified")


# --- names, clocks and datetimes ---------------------------------------------------------------

def test_names_resolve_to_their_nearest_assignment_and_through_binary_operations() -> None:
    signer = only("""
        import jwt, time

        TTL = 600

        def make(user, key):
            now = 0
            now = int(time.time())
            exp = now + TTL
            return jwt.encode({"iat": now, "exp": exp}, key)
    """)
    iat, exp = signer.claims["iat"], signer.claims["exp"]
    assert (iat.kind, iat.text, iat.line) == ("name", "now", 10)
    assert iat.resolved is not None
    assert (iat.resolved.text, iat.resolved.line) == ("int(time.time())", 8)
    assert exp.final.text == "int(time.time()) + 600"
    assert exp.has("clock") and not exp.has("float")
    assert exp.final.offset == 600


# PyJWT turns a datetime into integer seconds itself ("date-object"); numbers are sent as they are.
@pytest.mark.parametrize("value, has, lacks, offset", [
    ("datetime.utcnow() + timedelta(minutes=5)", {"clock", "date-object"},
     {"local-as-utc", "float", "clock-ms"}, 300),
    ("datetime.now(tz=timezone.utc) + timedelta(hours=1)", {"clock", "date-object"},
     {"local-as-utc"}, 3600),
    ("int(time.time()) + 300", {"clock"}, {"float", "clock-ms", "date-object"}, 300),
    ("time.time() + 300", {"clock", "float"}, {"clock-ms", "date-object"}, 300),
    ("time.time() * 1000", {"clock", "clock-ms"}, {"date-object"}, None),
    ("int(datetime.utcnow().timestamp())", {"clock", "local-as-utc"}, {"float", "date-object"}, 0),
    ("datetime.now()", {"clock", "local-as-utc", "date-object"}, set(), 0),
    ("str(int(time.time()) + 300)", {"stringified"}, set(), 300),
])
def test_datetime_and_clock_forms(value: str, has: set[str], lacks: set[str],
                                  offset: float | None) -> None:
    signer = only(f"""
        import time
        from datetime import datetime, timedelta, timezone
        import jwt

        def make(key):
            moment = {value}
            return jwt.encode({{"exp": moment}}, key)
    """)
    exp = signer.claims["exp"]
    assert exp.kind == "name" and exp.line == 8
    assert has <= set(exp.final.traits) and not lacks & set(exp.final.traits)
    assert exp.final.offset == offset


# --- headers and algorithms --------------------------------------------------------------------

def test_headers_and_algorithm_through_names() -> None:
    signer = only("""
        import os
        import jwt

        ALGORITHM = "HS256"
        HEADERS = {"kid": os.environ.get("ZENDESK_KID"), "typ": "JWT"}

        def make(claims, key):
            return jwt.encode(claims, key, algorithm=ALGORITHM, headers=HEADERS)
    """)
    assert signer.algorithm == "HS256"
    assert signer.algorithm_expr is not None and signer.algorithm_expr.line == 9
    kid = signer.header["kid"]
    assert kid.line == 6 and kid.has("env-unguarded")
    assert signer.header["typ"].value == "JWT"


@pytest.mark.parametrize("args, algorithm", [
    ('algorithm="rs256"', "RS256"),
    ("algorithm=settings.JWT_ALGORITHM", None),
    ("", "HS256"),
    ('algorithm="HS256", headers={"alg": "HS512"}', "HS512"),  # PyJWT lets the header win
])
def test_pyjwt_algorithms(args: str, algorithm: str | None) -> None:
    signer = only(f"""
        import jwt
        from django.conf import settings
        def make(claims, key):
            return jwt.encode(claims, key, {args})
    """)
    assert signer.algorithm == algorithm
    assert (signer.algorithm_expr is None) == (args == "")


def test_python_jose_algorithm_constant_and_default() -> None:
    facts = scan("""
        from jose import jwt
        from jose.constants import ALGORITHMS

        def a(c, k):
            return jwt.encode(c, k, algorithm=ALGORITHMS.HS512)

        def b(c, k):
            return jwt.encode(c, k)
    """)
    assert [s.algorithm for s in facts.signers] == ["HS512", "HS256"]


# --- secrets -----------------------------------------------------------------------------------

SECRET_LITERAL = "zd-live-4f1c2a9b7e"


@pytest.mark.parametrize("setup, key, source, trait", [
    ('SECRET = os.environ["ZENDESK_SECRET"]', "SECRET", "env", "env"),
    ('SECRET = os.getenv("ZENDESK_SECRET", "dev-only")', "SECRET", "env", "literal-fallback"),
    ("", "settings.ZENDESK_SECRET", "config", "config"),
    ("", 'current_app.config["ZENDESK_SECRET"]', "config", "config"),
    ('SECRET = open("/run/secrets/zendesk").read().strip()', "SECRET", "file", "file"),
    ('SECRET = os.environ["ZENDESK_SECRET"]', "base64.b64decode(SECRET)", "env", "base64-decoded"),
    ("", "user_key", "parameter", None),
    ("from app.settings import ZENDESK_SECRET", "ZENDESK_SECRET", "config", "config"),
    ("", "self.secret", "config", "config"),
])
def test_secret_sources(setup: str, key: str, source: str, trait: str | None) -> None:
    signer = only(f"""
        import base64
        import os
        import jwt
        {setup}

        class Signer:
            def __init__(self):
                self.secret = settings.ZENDESK_SECRET

            def make(self, claims, user_key):
                return jwt.encode(claims, {key}, algorithm="HS256")
    """)
    assert signer.secret is not None
    assert signer.secret.source == source
    assert trait is None or trait in signer.secret.traits
    assert signer.secret.line == 12  # where the key is handed to the call


def test_literal_secret_is_never_kept() -> None:
    facts = scan(f"""
        import jwt
        from base64 import b64decode

        ZENDESK_SECRET = "{SECRET_LITERAL}"

        def make(user):
            token = jwt.encode({{"external_id": user.ref}}, b64decode(ZENDESK_SECRET))
            return str(token)

        def inline(user):
            return jwt.encode({{"external_id": user.ref}}, "{SECRET_LITERAL}")
    """)
    first, second = facts.signers
    assert first.secret is not None and first.secret.source == "literal"
    assert {"literal", "base64-decoded"} <= first.secret.traits
    assert second.secret is not None and second.secret.source == "literal"
    assert facts.markers  # the str() marker is there, masked
    assert SECRET_LITERAL not in repr(facts)


# --- responses -----------------------------------------------------------------------------------

FLASK = """
import jwt
from flask import Flask, jsonify, render_template, Response

app = Flask(__name__)

@app.route("/token")
def view():
    token = jwt.encode({{"external_id": "1"}}, KEY, algorithm="HS256")
    {use}
"""


@pytest.mark.parametrize("use, response", [
    ("return jsonify(token)", "json-string"),
    ("return jsonify(token=token)", "object"),
    ('return jsonify({"jwt": token})', "object"),
    ("return token", "text"),
    ("return token, 200", "text"),
    ("return Response(token, mimetype='text/plain')", "text"),
    ('return {"jwt": token}', "object"),
    ('return render_template("chat.html", jwt=token)', "template"),
    ("return json.dumps(token)", "json-string"),
    ('return Response(json.dumps({"jwt": token}))', "object"),
    ('token = token.decode("utf-8")\n    return jsonify(token)', "json-string"),
    ("log(token)\n    return 'ok'", None),
])
def test_flask_responses(use: str, response: str | None) -> None:
    assert only(FLASK.format(use=use)).response == response


DJANGO = """
import jwt
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def zendesk_token(request):
    claims = {{"external_id": str(request.user.pk)}}
    token = jwt.encode(claims, settings.ZENDESK_SECRET, algorithm="HS256")
    {use}
"""


@pytest.mark.parametrize("use, response", [
    ("return JsonResponse(token, safe=False)", "json-string"),
    ('return JsonResponse({"jwt": token})', "object"),
    ("return HttpResponse(token)", "text"),
    ('return render(request, "chat.html", {"jwt": token})', "template"),
    ('context = {"user": request.user}\n    context["jwt"] = token\n'
     '    return render(request, "c.html", context)', "template"),
    ("from rest_framework.response import Response\n    return Response(token)", "json-string"),
])
def test_django_responses(use: str, response: str) -> None:
    signer = only(DJANGO.format(use=use))
    assert signer.response == response
    assert signer.function == "zendesk_token"


FASTAPI = """
import jwt
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

router = APIRouter()

@router.get("/zendesk/token"{extra})
async def zendesk_token(user=Depends(current_user)):
    token = jwt.encode({{"external_id": user.ref}}, KEY, algorithm="HS256")
    {use}
"""


@pytest.mark.parametrize("extra, use, response", [
    ("", 'return {"token": token}', "object"),
    ("", "return PlainTextResponse(token)", "text"),
    ("", "return token", "json-string"),  # FastAPI JSON-encodes a returned str
    (", response_class=PlainTextResponse", "return token", "text"),
])
def test_fastapi_responses(extra: str, use: str, response: str) -> None:
    signer = only(FASTAPI.format(extra=extra, use=use))
    assert signer.response == response
    assert signer.function == "/zendesk/token"


def test_token_made_by_a_helper_is_followed_to_the_view() -> None:
    signer = only("""
        import jwt
        from flask import Blueprint, jsonify

        bp = Blueprint("chat", __name__)

        def make_token(user):
            return jwt.encode({"external_id": user.ref}, KEY, algorithm="HS256")

        @bp.route("/chat/jwt", methods=["POST"])
        def chat_jwt():
            return jsonify(make_token(current_user))
    """)
    assert signer.function == "make_token"
    assert signer.response == "json-string"


# --- bytes tokens ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code, marked", [
    ('str(jwt.encode(claims, key))', True),
    ('t = jwt.encode(claims, key)\nvalue = str(t)', True),
    ('t = jwt.encode(claims, key)\nvalue = f"Bearer {t}"', True),
    ('str(jwt.encode(claims, key).decode("utf-8"))', False),
    ('t = jwt.encode(claims, key).decode("utf-8")\nvalue = str(t)', False),
    ('str(jose_jwt.encode(claims, key))', False),  # python-jose always returns str
])
def test_str_of_a_bytes_token_is_marked(code: str, marked: bool) -> None:
    facts = scan("import jwt\nfrom jose import jwt as jose_jwt\n" + code + "\n")
    assert len(facts.signers) == 1
    kinds = [m.kind for m in facts.markers]
    assert kinds == (["bytes-token-str"] if marked else [])
    if marked:
        assert facts.markers[0].line in (3, 4)


# --- whole files ---------------------------------------------------------------------------------

def test_rs256_api_token_has_no_zendesk_hints() -> None:
    signer = only("""
        import time
        from pathlib import Path
        import jwt

        PRIVATE_KEY = Path("keys/service.pem").read_text()

        def service_token():
            now = int(time.time())
            claims = {"sub": "billing", "aud": "https://api.example.com",
                      "iat": now, "exp": now + 900}
            return jwt.encode(claims, PRIVATE_KEY, algorithm="RS256", headers={"kid": "svc-2024"})
    """)
    assert signer.algorithm == "RS256"
    assert set(signer.claims) == {"sub", "aud", "iat", "exp"}
    assert signer.hints == frozenset()
    assert signer.secret is not None and signer.secret.source == "file"
    assert signer.response is None and signer.function == "service_token"


def test_hints_come_from_the_file() -> None:
    signer = only("""
        import jwt
        # Zendesk Chat (zopim) authenticated visitors
        def make(c, k):
            return jwt.encode(c, k)
    """)
    assert {"zendesk", "classic-chat"} <= signer.hints


def test_syntax_error_is_reported_once_and_the_other_statements_are_read() -> None:
    facts = scan("""
        import jwt

        def broken(:
            return jwt.encode({"exp": 1}, "k")

        print "python 2"

        def good(key):
            return jwt.encode({"exp": 2}, key)
    """)
    assert [(s.function, s.line, s.claims["exp"].value) for s in facts.signers] == [("good", 10, 2)]
    assert len(facts.errors) == 1
    assert facts.errors[0].line == 4 and "column 12" in facts.errors[0].message


def test_a_file_that_cannot_be_read_at_all_reports_its_error() -> None:
    facts = scan("""
        import jwt
        def make(key):
            x = 1
              return jwt.encode({"exp": 1}, key)
    """)
    assert facts.signers == ()
    assert [e.line for e in facts.errors] == [5]


def test_columns_count_characters_and_undecodable_bytes_are_tolerated() -> None:
    text = 'import jwt\nnote = "é\udcff"; t = jwt.encode({"é": 1}, k)\n'
    facts = extract(Source("app.py", "python", text, b""))
    assert facts.errors == ()
    assert (facts.signers[0].line, facts.signers[0].column) == (2, 18)


@pytest.mark.parametrize("text", [
    "\ufeffimport jwt\nt = jwt.encode({'a': 1}, k)\n",
    "import jwt\r\nt = jwt.encode({'a': 1}, k)\r\n",
    "try: import jwt\nexcept ImportError: pass\nt = jwt.encode({'a': 1}, k)\n",
])
def test_bom_crlf_and_one_line_imports(text: str) -> None:
    facts = extract(Source.of("app.py", "python", text))
    signer = facts.signers[0]
    line = text.count("\n", 0, text.index("t = jwt")) + 1
    assert (signer.line, signer.column) == (line, 5)
    assert (signer.claims["a"].line, signer.claims["a"].column) == (line, 22)


def test_claim_names_held_in_constants() -> None:
    signer = only("""
        import jwt
        EXTERNAL_ID = "external_id"
        def make(user, key):
            return jwt.encode({EXTERNAL_ID: user.ref, "x" + "y": 1}, key)
    """)
    assert set(signer.claims) == {"external_id", '"x" + "y"'}


def test_many_signers_in_one_file_are_in_source_order() -> None:
    body = "\n".join(f"def f{i}(k):\n    return jwt.encode({{'n': {i}}}, k)\n" for i in range(30))
    facts = scan("import jwt\n" + body)
    assert [s.claims["n"].value for s in facts.signers] == list(range(30))


@pytest.mark.parametrize("lib", libraries.all_libraries(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_library_module_is_a_complete_spec(lib) -> None:
    assert isinstance(lib.NAME, str) and lib.NAME in LANGUAGE.libraries
    assert lib.IMPORTS and all(isinstance(m, str) and m.isidentifier() for m in lib.IMPORTS)
    assert isinstance(lib.APIS, dict) and lib.APIS
    for name, params in lib.APIS.items():
        assert name.split(".", 1)[0] in lib.IMPORTS, name
        assert isinstance(params, tuple) and set(params) <= libraries.ROLES, name
        assert len(set(params)) == len(params) and {"payload", "key"} <= set(params), name
    assert lib.DEFAULT_ALG is None or isinstance(lib.DEFAULT_ALG, str)
    assert isinstance(lib.RETURNS_BYTES, bool) and isinstance(lib.HEADER_ALG_WINS, bool)


def test_every_python_library_has_one_module_and_no_api_is_claimed_twice() -> None:
    mods = libraries.all_libraries()
    assert sorted(m.NAME for m in mods) == sorted(LANGUAGE.libraries)
    assert sum(len(m.APIS) for m in mods) == len(libraries.apis())


# --- large and hostile files ---------------------------------------------------------------------

NOISE_SIGNER = """import time
import jwt as pyjwt
from django.conf import settings

SECRET = settings.ZENDESK_SECRET


def claims_for(user):
    return {"external_id": str(user.pk), "scope": "user", "exp": int(time.time()) + 300}


def zendesk_token(request):
    return pyjwt.encode(claims_for(request.user), SECRET, headers={"kid": settings.ZENDESK_KID})


def view(request):
    return JsonResponse({"jwt": zendesk_token(request)})
"""
NOISE = "".join(f"\n\ndef total_{i}(items):\n    return sum(i.price for i in items)\n" for i in range(200))


def test_same_signer_with_or_without_unrelated_definitions_around_it() -> None:
    small = extract(Source.of("v.py", "python", NOISE_SIGNER)).signers
    big = extract(Source.of("v.py", "python", NOISE + NOISE_SIGNER)).signers
    assert len(small) == len(big) == 1
    assert big[0].line == small[0].line + NOISE.count("\n")
    assert {k: e.text for k, e in big[0].claims.items()} == {k: e.text for k, e in small[0].claims.items()}
    assert big[0].response == small[0].response == "text"  # a view taking request returns it
    assert big[0].secret is not None and big[0].secret.source == "config"


def test_deeply_nested_brackets_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    """1,500 nested lists: CPython refuses them, the scan reports that statement and reads the
    signer after it; the process never dies on it."""
    (tmp_path / "tokens.py").write_text(
        "# jwt: the chat token is signed below\n"
        "import jwt\n"
        "NESTED = " + "[" * 1500 + "]" * 1500 + "\n"
        "\n"
        "def chat_token(user, key):\n"
        "    return jwt.encode({'external_id': str(user.pk), 'scope': 'user'}, key)\n")
    run = subprocess.run([sys.executable, "-m", "migrate", "scan", str(tmp_path), "--format", "json"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert [(e["path"], e["line"]) for e in report["errors"]] == [("tokens.py", 3)]
    found = report["signers"] + report["ignored_signers"]
    assert [(s["path"], s["line"]) for s in found] == [("tokens.py", 6)]


def test_a_parameter_hides_the_module_name_it_shares() -> None:
    signer = only("""
        import os
        import jwt

        key = os.environ["ZENDESK_SECRET"]

        def make(user, key):
            return jwt.encode({"external_id": user.ref}, key)
    """)
    assert signer.secret is not None and signer.secret.source == "parameter"
