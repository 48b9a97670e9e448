"""The generated Python OpenID providers (Flask, Django, FastAPI), rendered and run for real.

Each template is rendered into a temporary directory and imported; the sites in
python/oidc_sites.py mount it the way the wiring does. Flask and Django are served over a real
socket on 127.0.0.1 by werkzeug, FastAPI by uvicorn. Every test drives the provider
over HTTP, verifies ID tokens with PyJWT against the served JWKS, and runs against the framework
that matters: all three where the adapter is involved, the shared core once where it is not.
"""

import ast
import base64
import hashlib
import importlib.util
import json
import logging
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug.serving import WSGIRequestHandler, make_server

from migrate.generate.render import render

sys.path.insert(0, str(Path(__file__).resolve().parent / "python"))
import oidc_sites  # noqa: E402

FRAMEWORKS = ["flask", "django", "fastapi"]
CLIENT_ID = "genesys-messenger"
CLIENT_SECRET = secrets.token_urlsafe(32)
WRONG_SECRET = CLIENT_SECRET[:-1] + ("A" if CLIENT_SECRET[-1] != "A" else "B")  # one character off
MAX_REQUESTS = 5000  # the test server refuses more than this: no test can loop on it
SETTINGS = ["GENESYS_OIDC_ISSUER", "GENESYS_OIDC_CLIENT_ID", "GENESYS_OIDC_CLIENT_SECRET",
            "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Clock:
    """The provider's clock (`now=`); starts at the real time so PyJWT accepts fresh tokens."""

    def __init__(self):
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


# -- keys and rendered modules --------------------------------------------------------------------

@dataclass
class Keys:
    private: rsa.RSAPrivateKey
    good: Path
    rsa1024: Path
    ec: Path
    encrypted: Path
    not_pem: Path


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Keys:
    folder = tmp_path_factory.mktemp("keys")

    def write(name, key, encryption=serialization.NoEncryption()):
        path = folder / name
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           encryption))
        return path

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    not_pem = folder / "not.pem"
    not_pem.write_text("hello\n")
    return Keys(
        private=private,
        good=write("rsa2048.pem", private),
        rsa1024=write("rsa1024.pem", rsa.generate_private_key(public_exponent=65537, key_size=1024)),
        ec=write("ec.pem", ec.generate_private_key(ec.SECP256R1())),
        encrypted=write("encrypted.pem", private, serialization.BestAvailableEncryption(b"passphrase")),
        not_pem=not_pem,
    )


def render_module(tmp: Path, framework: str, issuer_path: str = "/oidc", name: str = "") -> object:
    """Render templates/python/<framework>.py.j2 to genesys_oidc.py and import it."""
    target = tmp / framework / "genesys_oidc.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(f"python/{framework}.py.j2", issuer_path=issuer_path), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name or f"genesys_oidc_{framework}", target)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    oidc_sites.configure_django()
    folder = tmp_path_factory.mktemp("generated")
    rendered = {framework: render_module(folder, framework) for framework in FRAMEWORKS}
    yield rendered
    for framework in FRAMEWORKS:
        sys.modules.pop(f"genesys_oidc_{framework}", None)


# -- the real server (Flask and Django) -----------------------------------------------------------

class Mount:
    """The WSGI app the server runs: each test mounts its own site; requests are counted and capped."""

    def __init__(self):
        self.app = None
        self.requests = 0

    def __call__(self, environ, start_response):
        self.requests += 1
        if self.app is None or self.requests > MAX_REQUESTS:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no site mounted, or too many requests"]
        return self.app(environ, start_response)


class QuietHandler(WSGIRequestHandler):
    def log(self, *args, **kwargs):
        pass


@pytest.fixture(scope="module")
def wsgi_server():
    mount = Mount()
    server = make_server("127.0.0.1", 0, mount, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield mount, f"http://127.0.0.1:{server.server_port}"
    finally:
        mount.app = None
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class AsgiMount:
    """The ASGI app uvicorn runs: the FastAPI site of the test; requests are counted and capped."""

    def __init__(self):
        self.app = None
        self.requests = 0

    async def __call__(self, scope, receive, send):
        self.requests += 1
        if self.app is None or self.requests > MAX_REQUESTS:
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"no site mounted, or too many requests"})
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def asgi_server():
    uvicorn = pytest.importorskip("uvicorn", reason="uvicorn (the test extra) serves the FastAPI sites")
    mount = AsgiMount()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(mount, lifespan="off", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield mount, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        mount.app = None
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


# -- sites ----------------------------------------------------------------------------------------

@dataclass
class Flow:
    code: str
    verifier: str
    nonce: str
    state: str
    redirect_uri: str


@dataclass
class Site:
    framework: str
    client: httpx.Client
    base: str
    clock: Clock
    claims_calls: list = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return self.base + "/oidc"

    @property
    def redirect_uri(self) -> str:
        return self.base + "/"

    @property
    def other_redirect_uri(self) -> str:  # registered too, so only the binding can refuse it
        return self.base + "/chat/"

    def login(self, user: str = "alice") -> None:
        response = self.client.get("/login", params={"user": user})
        assert response.status_code == 200, response.text

    def authorize(self, params: dict, json_response: bool = False) -> httpx.Response:
        headers = {"Accept": "application/json"} if json_response else {"Accept": "text/html"}
        return self.client.get("/oidc/authorize", params=params, headers=headers)

    def code(self, json_response: bool = False, **overrides) -> Flow:
        """A code for the signed-in user, checked on the way."""
        params, verifier = authorize_params(self, **overrides)
        response = self.authorize(params, json_response)
        assert response.headers["cache-control"] == "no-store"
        if json_response:
            assert response.status_code == 200, response.text
            assert "location" not in response.headers
            body = response.json()
            assert body["state"] == params["state"]
            code = body["code"]
        else:
            assert response.status_code == 302, response.text
            location = response.headers["location"]
            assert location.startswith(params["redirect_uri"] + "?")
            query = parse_qs(urlsplit(location).query)
            assert query["state"] == [params["state"]]
            code = query["code"][0]
        assert len(code) >= 32
        return Flow(code, verifier, params.get("nonce"), params["state"], params["redirect_uri"])

    def redeem(self, flow: Flow, auth: str = "basic", secret: str = CLIENT_SECRET,
               **overrides) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": flow.code, "redirect_uri": flow.redirect_uri,
                "code_verifier": flow.verifier}
        headers = {}
        if auth == "basic":  # the way Genesys sends it: form-encoded id and secret, then base64
            credentials = f"{quote_plus(CLIENT_ID)}:{quote_plus(secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        elif auth == "post":
            form.update(client_id=CLIENT_ID, client_secret=secret)
        form.update(overrides)
        form = {name: value for name, value in form.items() if value is not None}
        return self.client.post("/oidc/token", data=form, headers=headers)


def pkce() -> tuple:
    verifier = secrets.token_urlsafe(48)  # 64 characters
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def authorize_params(site: Site, **overrides) -> tuple:
    verifier, challenge = pkce()
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": site.redirect_uri,
              "scope": "openid profile email", "state": secrets.token_urlsafe(8),
              "nonce": secrets.token_urlsafe(12), "code_challenge": challenge,
              "code_challenge_method": "S256"}
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}, verifier


def set_env(monkeypatch, base: str, keys: Keys, **overrides) -> None:
    values = {
        "GENESYS_OIDC_ISSUER": base + "/oidc",
        "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "GENESYS_OIDC_PRIVATE_KEY_FILE": str(keys.good),
        "GENESYS_OIDC_REDIRECT_URIS": f"{base}/, {base}/chat/",
    }
    values.update(overrides)
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def built_sites():
    """Sites and their clients are built once per module (loading the RSA key and making an
    HTTP client are the slow parts) and reused; make_site resets what a test can change."""
    built = {}
    try:
        yield built
    finally:
        for _, client, _, _ in built.values():
            client.close()


@pytest.fixture
def make_site(modules, keys, wsgi_server, asgi_server, built_sites):
    """make_site(framework, guard="login"): a running site with the provider mounted at /oidc,
    a fresh clock, no claims calls yet and a client without cookies."""
    servers = {"wsgi": wsgi_server, "asgi": asgi_server}

    def make(framework: str, guard: str = "login") -> Site:
        mount, base = servers["asgi" if framework == "fastapi" else "wsgi"]
        if (framework, guard) not in built_sites:
            clock, calls = Clock(), []
            build = getattr(oidc_sites, f"{framework}_app")
            with pytest.MonkeyPatch.context() as patch:  # settings are read while the app is built
                set_env(patch, base, keys)
                app = build(modules[framework], guard=guard, clock=clock, claims_calls=calls)
            client = httpx.Client(base_url=base, timeout=5.0, follow_redirects=False)
            built_sites[framework, guard] = app, client, clock, calls
        app, client, clock, calls = built_sites[framework, guard]
        mount.app = app
        client.cookies.clear()  # signed out
        clock.t = time.time()
        calls.clear()
        return Site(framework, client, base, clock, calls)

    try:
        yield make
    finally:
        for mount, _ in servers.values():
            mount.app = None


@pytest.fixture(params=FRAMEWORKS)
def site(request, make_site) -> Site:
    """A guarded site (the wiring's usual form) with alice signed in."""
    site = make_site(request.param)
    site.login("alice")
    return site


def verify_id_token(site: Site, id_token: str) -> dict:
    """Verify like a relying party: key from the served JWKS by kid, RS256, audience, issuer."""
    jwks = site.client.get("/oidc/jwks.json").json()
    header = jwt.get_unverified_header(id_token)
    [jwk] = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    return jwt.decode(id_token, jwt.PyJWK(jwk), algorithms=["RS256"], audience=CLIENT_ID, issuer=site.issuer)


def assert_error(response: httpx.Response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error, body
    return body


# -- the whole flow -------------------------------------------------------------------------------

def test_discovery_document_and_jwks(site):
    response = site.client.get("/oidc/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == site.issuer
    assert doc["authorization_endpoint"] == site.issuer + "/authorize"
    assert doc["token_endpoint"] == site.issuer + "/token"
    assert doc["jwks_uri"] == site.issuer + "/jwks.json"
    assert doc["userinfo_endpoint"] == site.issuer + "/userinfo"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["subject_types_supported"] == ["public"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert sorted(doc["token_endpoint_auth_methods_supported"]) == ["client_secret_basic", "client_secret_post"]
    assert {"openid", "profile", "email", "offline_access"} <= set(doc["scopes_supported"])
    assert {"sub", "name", "email", "nonce", "auth_time"} <= set(doc["claims_supported"])

    [jwk] = site.client.get(urlsplit(doc["jwks_uri"]).path).json()["keys"]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk)  # public half only


def test_full_flow_discovery_authorize_token_id_token_userinfo(site):
    doc = site.client.get(site.issuer + "/.well-known/openid-configuration").json()
    params, verifier = authorize_params(site)
    response = site.client.get(doc["authorization_endpoint"], params=params)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert response.headers["location"].startswith(site.redirect_uri + "?")
    assert query["state"] == [params["state"]]

    token = site.client.post(doc["token_endpoint"], data={
        "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": site.redirect_uri,
        "code_verifier": verifier,
    }, auth=(CLIENT_ID, CLIENT_SECRET))  # plain Basic: the secret has no characters to encode
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    tokens = token.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900  # 15 minutes: Genesys renews its session no more often
    assert "refresh_token" not in tokens  # offline_access was not asked for

    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    claims = verify_id_token(site, tokens["id_token"])
    assert claims["sub"] == "1042"
    assert claims["aud"] == CLIENT_ID
    assert claims["nonce"] == params["nonce"]
    assert claims["name"] == "Alice Example"
    assert claims["email"] == "alice@example.com"
    assert claims["email_verified"] is True
    assert claims["iat"] == int(site.clock())
    assert claims["auth_time"] <= claims["iat"]
    assert claims["iat"] < claims["exp"] <= claims["iat"] + 600  # ID token lifetime at most 10 minutes

    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    info = site.client.get(doc["userinfo_endpoint"], headers=bearer)
    assert info.status_code == 200, info.text
    assert info.json() == {"sub": "1042", "name": "Alice Example", "email": "alice@example.com",
                           "email_verified": True}
    assert site.claims_calls == [site.framework]


def test_json_authorize_for_the_auth_provider_plugin_and_client_secret_post(site):
    flow = site.code(json_response=True)
    response = site.redeem(flow, auth="post")
    assert response.status_code == 200, response.text
    assert verify_id_token(site, response.json()["id_token"])["nonce"] == flow.nonce


def test_codes_are_per_user_and_other_redirect_uris_work(make_site):
    site = make_site("flask")
    site.login("bob")
    flow = site.code(redirect_uri=site.other_redirect_uri)
    claims = verify_id_token(site, site.redeem(flow).json()["id_token"])
    assert (claims["sub"], claims["name"]) == ("7", "Bob Example")


def test_nonce_is_optional_and_then_absent(make_site):
    site = make_site("fastapi")
    site.login()
    flow = site.code(nonce=None)
    assert "nonce" not in verify_id_token(site, site.redeem(flow).json()["id_token"])


# -- refusals at the token endpoint ---------------------------------------------------------------

def test_replayed_code_is_refused_and_stays_dead(site):
    flow = site.code()
    assert site.redeem(flow).status_code == 200
    assert_error(site.redeem(flow), 400, "invalid_grant")
    assert_error(site.redeem(flow, auth="post"), 400, "invalid_grant")


def test_wrong_verifier_is_refused_and_uses_up_the_code(site):
    flow = site.code()
    other_verifier, _ = pkce()
    assert_error(site.redeem(flow, code_verifier=other_verifier), 400, "invalid_grant")
    assert_error(site.redeem(flow), 400, "invalid_grant")  # one try per code


def test_missing_or_malformed_verifier_is_refused(site):
    assert_error(site.redeem(site.code(), code_verifier=None), 400, "invalid_grant")
    flow = site.code()
    # The challenge itself is not a verifier (43 characters is valid length, but the hash differs).
    _, challenge = pkce()
    assert_error(site.redeem(flow, code_verifier=challenge), 400, "invalid_grant")


def test_redirect_uri_mismatch_at_token_is_refused(site):
    flow = site.code()  # issued for site.redirect_uri
    assert_error(site.redeem(flow, redirect_uri=site.other_redirect_uri), 400, "invalid_grant")
    assert_error(site.redeem(flow), 400, "invalid_grant")


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_wrong_secret_is_invalid_client_and_leaves_the_code_alone(site, auth):
    flow = site.code()
    response = site.redeem(flow, auth=auth, secret=WRONG_SECRET)
    assert_error(response, 401, "invalid_client")
    assert "id_token" not in response.text
    if auth == "basic":
        assert response.headers["www-authenticate"].startswith("Basic ")
    # Without the secret nobody can use up a code: the right client still redeems it.
    assert site.redeem(flow, auth=auth).status_code == 200


@pytest.mark.parametrize("case", ["no credentials", "malformed basic", "wrong client id", "both methods"])
def test_client_authentication_refusals(site, case):
    flow = site.code()
    if case == "no credentials":
        assert_error(site.redeem(flow, auth="none"), 401, "invalid_client")
    elif case == "malformed basic":
        response = site.client.post("/oidc/token", headers={"Authorization": "Basic %%%"}, data={
            "grant_type": "authorization_code", "code": flow.code, "redirect_uri": flow.redirect_uri,
            "code_verifier": flow.verifier})
        assert_error(response, 401, "invalid_client")
    elif case == "wrong client id":
        assert_error(site.redeem(flow, auth="post", client_id="someone-else"), 401, "invalid_client")
    else:
        assert_error(site.redeem(flow, client_secret=CLIENT_SECRET), 400, "invalid_request")
    assert site.redeem(flow).status_code == 200


def test_token_request_shape(site):
    flow = site.code()
    assert_error(site.redeem(flow, grant_type="client_credentials"), 400, "unsupported_grant_type")
    assert_error(site.redeem(flow, grant_type="refresh_token"), 400, "invalid_request")  # no token
    assert_error(site.redeem(flow, code=""), 400, "invalid_request")
    assert_error(site.redeem(flow, code="not-a-code"), 400, "invalid_grant")
    assert site.client.get("/oidc/token").status_code == 405
    assert site.redeem(flow).status_code == 200


def test_code_is_valid_for_at_most_60_seconds(site):
    early = site.code()
    late = site.code()
    site.clock.advance(59)
    assert site.redeem(early).status_code == 200
    site.clock.advance(2)  # 61 seconds after it was issued
    assert_error(site.redeem(late), 400, "invalid_grant")


# -- refusals at the authorize endpoint -----------------------------------------------------------

@pytest.mark.parametrize("json_response", [False, True], ids=["redirect", "json"])
@pytest.mark.parametrize("case", ["unregistered", "trailing slash", "other host", "unknown client",
                                  "no client"])
def test_unregistered_redirect_uri_or_client_gets_400_and_no_redirect(site, case, json_response):
    overrides = {
        "unregistered": {"redirect_uri": site.base + "/elsewhere"},
        "trailing slash": {"redirect_uri": site.base + "/chat"},  # registered with the slash
        "other host": {"redirect_uri": "https://attacker.example/"},
        "unknown client": {"client_id": "not-genesys"},
        "no client": {"client_id": None},
    }[case]
    params, _ = authorize_params(site, **overrides)
    response = site.authorize(params, json_response)
    assert_error(response, 400, "invalid_request")
    assert "location" not in response.headers
    assert "code" not in response.json()
    assert site.claims_calls == []


@pytest.mark.parametrize("case, error", [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "profile email"}, "invalid_scope"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": None}, "invalid_request"),
    ({"code_challenge": None}, "invalid_request"),
    ({"code_challenge": "too-short"}, "invalid_request"),
], ids=["response_type", "scope", "plain pkce", "no method", "no challenge", "bad challenge"])
def test_bad_authorize_requests_return_the_error_to_the_registered_uri(site, case, error):
    params, _ = authorize_params(site, **case)
    response = site.authorize(params)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(site.redirect_uri + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == [error] and query["state"] == [params["state"]]
    assert "code" not in query
    assert_error(site.authorize(params, json_response=True), 400, error)


def test_repeated_parameters_are_refused(site):
    params, _ = authorize_params(site)
    query = list(params.items()) + [("redirect_uri", "https://attacker.example/")]
    response = site.client.get("/oidc/authorize", params=query)
    assert_error(response, 400, "invalid_request")
    assert "location" not in response.headers


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_no_session_is_login_required_and_gets_no_code(make_site, framework):
    # No guard, or FastAPI's optional user: the provider decides, as claims returns None.
    site = make_site(framework, guard="optional" if framework == "fastapi" else "none")
    params, _ = authorize_params(site)
    response = site.authorize(params)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert response.headers["location"].startswith(site.redirect_uri + "?")
    assert query["error"] == ["login_required"] and query["state"] == [params["state"]]
    assert "code" not in query

    body = assert_error(site.authorize(params, json_response=True), 401, "login_required")
    assert "code" not in body
    assert site.claims_calls == [framework, framework]

    site.login()  # and once signed in, the same request gets a code
    assert site.code().code


def test_fastapi_without_a_guard_gives_claims_no_user(make_site):
    site = make_site("fastapi", guard="none")
    site.login()
    params, _ = authorize_params(site)
    assert_error(site.authorize(params, json_response=True), 401, "login_required")
    assert site.claims_calls == ["fastapi"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_sites_guard_runs_before_the_provider(make_site, framework):
    site = make_site(framework, guard="login")
    params, _ = authorize_params(site)
    response = site.authorize(params)
    if framework == "fastapi":
        assert response.status_code == 401  # the dependency raised
    else:
        assert response.status_code == 302
        assert urlsplit(response.headers["location"]).path == "/login"  # the site's login page
    assert site.claims_calls == []


# -- ID token, JWKS, userinfo ---------------------------------------------------------------------

def test_kid_is_the_rfc7638_thumbprint(site, keys):
    numbers = keys.private.public_key().public_numbers()
    n = b64url(numbers.n.to_bytes(256, "big"))
    e = b64url(numbers.e.to_bytes(3, "big"))
    thumbprint = b64url(hashlib.sha256(('{"e":"%s","kty":"RSA","n":"%s"}' % (e, n)).encode()).digest())

    [jwk] = site.client.get("/oidc/jwks.json").json()["keys"]
    assert (jwk["n"], jwk["e"], jwk["kid"]) == (n, e, thumbprint)
    id_token = site.redeem(site.code()).json()["id_token"]
    assert jwt.get_unverified_header(id_token)["kid"] == thumbprint


def test_id_token_lifetime_is_at_most_10_minutes(site):
    site.clock.advance(-30)  # tokens issued "30 s ago": verification still uses the real time
    claims = verify_id_token(site, site.redeem(site.code()).json()["id_token"])
    assert claims["exp"] - claims["iat"] <= 600
    assert claims["iat"] == int(site.clock())


def test_userinfo_refusals(site):
    tokens = site.redeem(site.code()).json()
    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    assert site.client.get("/oidc/userinfo", headers=bearer).status_code == 200

    response = site.client.get("/oidc/userinfo")
    assert_error(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")
    # The ID token is not an access token.
    id_token_as_bearer = {"Authorization": "Bearer " + tokens["id_token"]}
    assert_error(site.client.get("/oidc/userinfo", headers=id_token_as_bearer), 401, "invalid_token")
    head, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["userinfo"]["sub"] = claims["sub"] = "1"
    forged = ".".join([head, b64url(json.dumps(claims).encode()), signature])
    assert_error(site.client.get("/oidc/userinfo", headers={"Authorization": "Bearer " + forged}),
                 401, "invalid_token")

    site.clock.advance(899)
    assert site.client.get("/oidc/userinfo", headers=bearer).status_code == 200
    site.clock.advance(2)  # 15 minutes after it was issued
    assert_error(site.client.get("/oidc/userinfo", headers=bearer), 401, "invalid_token")


# -- framework specifics --------------------------------------------------------------------------

def test_django_token_is_csrf_exempt_while_the_sites_views_are_not(make_site):
    site = make_site("django")
    site.login()
    # The CSRF middleware is on: a site view refuses a POST without the token (with a CSRF
    # cookie, so that Django reads the body before refusing).
    site.client.cookies.set("csrftoken", "a" * 32)
    assert site.client.post("/echo", data={"x": "1"}).status_code == 403
    assert site.redeem(site.code()).status_code == 200
    assert site.client.post("/oidc/authorize").status_code == 403


def test_flask_token_view_is_exempted_from_flask_wtf_csrf(modules, keys, monkeypatch):
    from flask import Flask

    class CSRFProtect:  # what Flask-WTF registers as app.extensions["csrf"]
        def __init__(self):
            self.exempted = []

        def exempt(self, view):
            self.exempted.append(view)
            return view

    set_env(monkeypatch, "https://shop.example.com", keys)
    app = Flask("csrf_site")
    csrf = app.extensions["csrf"] = CSRFProtect()
    app.register_blueprint(modules["flask"].create_blueprint(claims=lambda: None), url_prefix="/oidc")
    assert csrf.exempted == [app.view_functions["genesys_oidc.token"]]


def test_fastapi_token_body_that_is_not_a_form_or_too_large(make_site):
    site = make_site("fastapi")
    response = site.client.post("/oidc/token", content=json.dumps({"grant_type": "authorization_code"}),
                                headers={"Content-Type": "application/json"},
                                auth=(CLIENT_ID, CLIENT_SECRET))
    assert_error(response, 400, "unsupported_grant_type")

    site.login()
    flow = site.code()
    response = site.redeem(flow, padding="x" * 20000)  # a token request is a few hundred bytes
    assert_error(response, 413, "invalid_request")


# -- start-up settings ----------------------------------------------------------------------------

def create(module, framework: str):
    """What the wiring calls; settings are read here."""
    factory = {"flask": "create_blueprint", "django": "urls", "fastapi": "create_router"}[framework]
    return getattr(module, factory)(claims=lambda *args: None)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_missing_settings_stop_start_up_naming_all_of_them(modules, keys, monkeypatch, framework):
    module = modules[framework]
    set_env(monkeypatch, "https://shop.example.com", keys, GENESYS_OIDC_CLIENT_SECRET=None,
            GENESYS_OIDC_PRIVATE_KEY_FILE=None, GENESYS_OIDC_REDIRECT_URIS=" ")
    with pytest.raises(module.ConfigurationError) as raised:
        create(module, framework)
    message = str(raised.value)
    for name in ["GENESYS_OIDC_CLIENT_SECRET", "GENESYS_OIDC_PRIVATE_KEY_FILE", "GENESYS_OIDC_REDIRECT_URIS"]:
        assert name in message
    assert "GENESYS_OIDC_ISSUER" not in message and "GENESYS_OIDC_CLIENT_ID" not in message

    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(module.ConfigurationError) as raised:
        create(module, framework)
    assert all(name in str(raised.value) for name in SETTINGS)
    assert str(raised.value).count("\n") == 1  # one line names them all


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_http_issuer_is_refused_unless_on_localhost(modules, keys, monkeypatch, framework):
    module = modules[framework]
    set_env(monkeypatch, "http://shop.example.com", keys,
            GENESYS_OIDC_REDIRECT_URIS="https://shop.example.com/")
    with pytest.raises(module.ConfigurationError, match="GENESYS_OIDC_ISSUER.*https"):
        create(module, framework)
    for base in ["http://localhost:8000", "http://127.0.0.1:5000", "https://shop.example.com"]:
        set_env(monkeypatch, base, keys)
        create(module, framework)  # accepted


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_1024_bit_key_is_refused(modules, keys, monkeypatch, framework):
    module = modules[framework]
    set_env(monkeypatch, "https://shop.example.com", keys, GENESYS_OIDC_PRIVATE_KEY_FILE=str(keys.rsa1024))
    with pytest.raises(module.ConfigurationError, match="1024 bits.*2048"):
        create(module, framework)


@pytest.mark.parametrize("key, message", [
    ("ec", "not an RSA key"), ("encrypted", "encrypted"), ("not_pem", "not a PEM private key"),
    ("missing", "cannot read"),
])
def test_unusable_key_files_are_refused(modules, keys, monkeypatch, tmp_path, key, message):
    path = tmp_path / "nothing.pem" if key == "missing" else getattr(keys, key)
    set_env(monkeypatch, "https://shop.example.com", keys, GENESYS_OIDC_PRIVATE_KEY_FILE=str(path))
    with pytest.raises(modules["flask"].ConfigurationError, match=message):
        create(modules["flask"], "flask")


@pytest.mark.parametrize("setting, value, message", [
    ("GENESYS_OIDC_ISSUER", "https://shop.example.com/oidc?x=1", "query"),
    ("GENESYS_OIDC_ISSUER", "shop.example.com/oidc", "absolute"),
    ("GENESYS_OIDC_REDIRECT_URIS", "https://shop.example.com/#chat", "fragment"),
    ("GENESYS_OIDC_REDIRECT_URIS", "https://shop.example.com/, http://shop.example.com/", "https"),
    ("GENESYS_OIDC_REDIRECT_URIS", " , ", "GENESYS_OIDC_REDIRECT_URIS"),
])
def test_unusable_urls_are_refused(modules, keys, monkeypatch, setting, value, message):
    set_env(monkeypatch, "https://shop.example.com", keys, **{setting: value})
    with pytest.raises(modules["django"].ConfigurationError, match=message):
        create(modules["django"], "django")


def test_a_mount_path_other_than_the_issuers_is_reported(tmp_path, keys, monkeypatch, caplog):
    module = render_module(tmp_path, "flask", issuer_path="/auth/oidc",
                           name="genesys_oidc_mounted_elsewhere")
    try:
        set_env(monkeypatch, "https://shop.example.com", keys)
        with caplog.at_level(logging.WARNING):
            create(module, "flask")
        assert "/auth/oidc" in caplog.text and "'/oidc'" in caplog.text
        caplog.clear()
        set_env(monkeypatch, "https://shop.example.com/auth", keys)
        with caplog.at_level(logging.WARNING):
            create(module, "flask")
        assert "mounted at" not in caplog.text
    finally:
        sys.modules.pop("genesys_oidc_mounted_elsewhere", None)


# -- the shared core, without HTTP ----------------------------------------------------------------

@pytest.fixture
def core(modules, keys):
    """The shared core (identical in the three modules), with its settings given directly."""
    module = modules["fastapi"]
    environ = {
        "GENESYS_OIDC_ISSUER": "https://shop.example.com/oidc", "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(keys.good),
        "GENESYS_OIDC_REDIRECT_URIS": "https://shop.example.com/",
    }
    clock = Clock()
    return module, module.Provider(now=clock, environ=environ), clock


def core_code(provider, claims) -> tuple:
    verifier, challenge = pkce()
    query = {"response_type": ["code"], "client_id": [CLIENT_ID],
             "redirect_uri": ["https://shop.example.com/"], "scope": ["openid"], "state": ["s"],
             "nonce": ["n"], "code_challenge": [challenge], "code_challenge_method": ["S256"]}
    reply = provider.authorize(query, True, lambda: claims)
    return reply, verifier


def core_id_token(provider, claims) -> dict:
    reply, verifier = core_code(provider, claims)
    assert reply.status == 200, reply.body
    form = {"grant_type": ["authorization_code"], "code": [reply.body["code"]],
            "redirect_uri": ["https://shop.example.com/"], "code_verifier": [verifier],
            "client_id": [CLIENT_ID], "client_secret": [CLIENT_SECRET]}
    token = provider.token(form, None)
    assert token.status == 200, token.body
    return jwt.decode(token.body["id_token"], options={"verify_signature": False})


def test_claims_cannot_override_what_the_provider_sets(core):
    _, provider, clock = core
    claims = core_id_token(provider, {
        "sub": 1042, "name": "Alice", "email": None, "iss": "https://evil.example", "aud": "other",
        "exp": 1, "iat": 1, "nonce": "forged", "auth_time": clock() - 120,
    })
    assert claims["sub"] == "1042"  # numbers become strings
    assert claims["iss"] == "https://shop.example.com/oidc" and claims["aud"] == CLIENT_ID
    assert claims["nonce"] == "n" and claims["exp"] - claims["iat"] <= 600
    assert claims["auth_time"] == int(clock() - 120)  # a known sign-in time is kept
    assert "email" not in claims  # None values are left out


@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}, {"sub": None, "name": "x"}])
def test_no_subject_means_no_code(core, claims):
    _, provider, _ = core
    reply, _ = core_code(provider, claims)
    assert (reply.status, reply.body["error"]) == (401, "login_required")


@pytest.mark.parametrize("claims", [["sub"], {"sub": {"id": 1}}, {"sub": "x" * 256}])
def test_claims_of_the_wrong_shape_are_a_programming_error(core, claims):
    _, provider, _ = core
    with pytest.raises(TypeError):
        core_code(provider, claims)


def test_basic_credentials_are_form_decoded(core, keys):
    module, _, clock = core
    secret = "s3cr+t/with:colon%and space"
    provider = module.Provider(now=clock, environ={
        "GENESYS_OIDC_ISSUER": "https://shop.example.com/oidc", "GENESYS_OIDC_CLIENT_ID": "genesys:client",
        "GENESYS_OIDC_CLIENT_SECRET": secret, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(keys.good),
        "GENESYS_OIDC_REDIRECT_URIS": "https://shop.example.com/"})
    form = {"grant_type": ["authorization_code"], "code": ["unknown"]}

    def basic(client_id, client_secret):
        return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()

    # Authenticated (so the unknown code is what fails), then one character off.
    client_id = quote_plus("genesys:client")
    assert provider.token(form, basic(client_id, quote_plus(secret))).body["error"] == "invalid_grant"
    assert provider.token(form, basic(client_id, quote_plus(secret + "x"))).status == 401


def test_the_store_expires_each_entry_and_stays_bounded(core):
    module, _, _ = core
    clock = Clock()
    clock.t = 0
    store = module.MemoryStore(clock, limit=2)
    store.put("a", {"v": "a"}, 300)
    store.put("b", {"v": "b"}, 100)
    store.put("c", {"v": "c"}, 200)  # full: the one that expires soonest goes, not everyone
    assert store.get("b") is None and store.get("a") == {"v": "a"} and store.get("c") == {"v": "c"}
    clock.t = 250  # "c" has expired on its own; "a" lives on
    assert store.get("c") is None and store.get("a") == {"v": "a"}
    store.put("d", {"v": "d"}, 400)
    assert len(store) == 2 and store.take("a") == {"v": "a"}
    assert store.take("a") is None  # taken once


# -- the rendered modules -------------------------------------------------------------------------

ALLOWED_IMPORTS = {"jwt", "cryptography", "base64", "hashlib", "heapq", "hmac", "json", "logging", "os", "re",
                   "secrets", "threading", "time", "uuid", "dataclasses", "typing", "urllib", "__future__",
                   "redis"}  # redis only when GENESYS_OIDC_STORE_URL is set


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_rendered_module_is_self_contained_and_clean(framework):
    source = render(f"python/{framework}.py.j2", issuer_path="/support/oidc")
    tree = ast.parse(source)
    assert "{{" not in source and "{%" not in source
    assert 'ISSUER_PATH = "/support/oidc"' in source
    assert "TODO" not in source

    imported, used = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update({alias.asname or alias.name.split(".")[0]: alias.name for alias in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            imported.update({alias.asname or alias.name: node.module for alias in node.names})
        elif isinstance(node, ast.Name):
            used.add(node.id)
    roots = {module.split(".")[0] for module in imported.values()}
    assert roots - ALLOWED_IMPORTS == {framework}  # its own framework, nothing else
    assert sorted(name for name in imported if name not in used) == []  # no unused import
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    factory = {"flask": "create_blueprint", "django": "urls", "fastapi": "create_router"}[framework]
    definition = functions[factory]
    assert [arg.arg for arg in definition.args.args] == ["claims", "guard", "now"]


# -- sessions that last: offline_access, refresh, rotation, revocation ----------------------------

OFFLINE = "openid profile email offline_access"


def refresh(site: Site, token: str, auth: str = "basic", **extra) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, **extra}
    if auth == "post":
        form.update(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        return site.client.post("/oidc/token", data=form)
    return site.client.post("/oidc/token", data=form, auth=(CLIENT_ID, CLIENT_SECRET))


def userinfo_status(site: Site, access_token: str) -> int:
    return site.client.get("/oidc/userinfo", headers={"Authorization": "Bearer " + access_token}).status_code


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_sign_in(site):
    site.clock.advance(-700)  # signed in "700 s ago": tokens are verified against the real time
    first = site.redeem(site.code(scope=OFFLINE)).json()
    assert first["refresh_token"] and first["expires_in"] == 900
    signed_in = jwt.decode(first["id_token"], options={"verify_signature": False})

    site.clock.advance(600)
    renewed = refresh(site, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    assert renewed.headers["cache-control"] == "no-store"
    second = renewed.json()
    assert second["refresh_token"] != first["refresh_token"]  # rotated
    claims = verify_id_token(site, second["id_token"])
    assert claims["sub"] == "1042" and claims["name"] == "Alice Example"
    assert claims["auth_time"] == signed_in["auth_time"]  # still the sign-in's time
    assert claims["iat"] == int(site.clock()) and "nonce" not in claims
    assert userinfo_status(site, second["access_token"]) == 200

    # The rotated-out token comes back: someone copied it. The whole sign-in ends.
    assert_error(refresh(site, first["refresh_token"]), 400, "invalid_grant")
    assert_error(refresh(site, second["refresh_token"], auth="post"), 400, "invalid_grant")
    assert userinfo_status(site, second["access_token"]) == 401
    assert userinfo_status(site, first["access_token"]) == 401


def test_a_reused_code_revokes_the_tokens_issued_from_it(site):
    flow = site.code(scope=OFFLINE)
    tokens = site.redeem(flow).json()
    assert userinfo_status(site, tokens["access_token"]) == 200
    assert_error(site.redeem(flow), 400, "invalid_grant")
    assert userinfo_status(site, tokens["access_token"]) == 401
    assert_error(refresh(site, tokens["refresh_token"]), 400, "invalid_grant")


def test_refresh_needs_the_client_and_cannot_widen_the_scope(make_site):
    site = make_site("flask")
    site.login()
    tokens = site.redeem(site.code(scope="openid offline_access")).json()
    response = site.client.post("/oidc/token", data={"grant_type": "refresh_token",
                                                     "refresh_token": tokens["refresh_token"]},
                                auth=(CLIENT_ID, WRONG_SECRET))
    assert_error(response, 401, "invalid_client")
    assert_error(refresh(site, tokens["refresh_token"], scope="openid email offline_access"), 400, "invalid_scope")
    assert_error(refresh(site, "not-a-refresh-token"), 400, "invalid_grant")


def test_the_refresh_lifetime_is_genesys_oidc_refresh_ttl(core, keys):
    module, _, clock = core
    environ = {
        "GENESYS_OIDC_ISSUER": "https://shop.example.com/oidc", "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(keys.good),
        "GENESYS_OIDC_REDIRECT_URIS": "https://shop.example.com/", "GENESYS_OIDC_REFRESH_TTL": "3600",
    }
    provider = module.Provider(now=clock, environ=environ)
    tokens = core_tokens(provider, {"sub": "7"}, scope="openid offline_access")
    client = {"client_id": [CLIENT_ID], "client_secret": [CLIENT_SECRET], "grant_type": ["refresh_token"]}
    clock.advance(3000)
    renewed = provider.token(dict(client, refresh_token=[tokens["refresh_token"]]), None)
    assert renewed.status == 200, renewed.body
    clock.advance(601)  # an hour after the sign-in, even though this token is new
    late = provider.token(dict(client, refresh_token=[renewed.body["refresh_token"]]), None)
    assert (late.status, late.body["error"]) == (400, "invalid_grant")

    default = module.Provider(now=clock, environ=dict(environ, GENESYS_OIDC_REFRESH_TTL=""))
    assert default.settings.refresh_ttl == 86400
    for bad in ["0", "-5", "1h", str(91 * 86400)]:
        with pytest.raises(module.ConfigurationError, match="GENESYS_OIDC_REFRESH_TTL"):
            module.Provider(now=clock, environ=dict(environ, GENESYS_OIDC_REFRESH_TTL=bad))


def core_tokens(provider, claims, scope="openid", **query) -> dict:
    verifier, challenge = pkce()
    params = {"response_type": ["code"], "client_id": [CLIENT_ID],
              "redirect_uri": ["https://shop.example.com/"], "scope": [scope], "state": ["s"],
              "code_challenge": [challenge], "code_challenge_method": ["S256"]}
    params.update({name: [value] for name, value in query.items()})
    reply = provider.authorize(params, True, lambda: claims)
    assert reply.status == 200, reply.body
    form = {"grant_type": ["authorization_code"], "code": [reply.body["code"]],
            "redirect_uri": ["https://shop.example.com/"], "code_verifier": [verifier],
            "client_id": [CLIENT_ID], "client_secret": [CLIENT_SECRET]}
    token = provider.token(form, None)
    assert token.status == 200, token.body
    return token.body


# -- requests from other sites, sizes, what goes where --------------------------------------------

@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site"])
@pytest.mark.parametrize("json_response", [False, True], ids=["redirect", "json"])
def test_browser_requests_from_other_sites_get_no_code(site, fetch_site, json_response):
    params, _ = authorize_params(site)
    headers = {"Sec-Fetch-Site": fetch_site, "Accept": "application/json" if json_response else "text/html"}
    response = site.client.get("/oidc/authorize", params=params, headers=headers)
    body = assert_error(response, 403, "access_denied")
    assert "code" not in body and "location" not in response.headers


@pytest.mark.parametrize("fetch_site, json_response", [("same-origin", True), ("none", False), ("none", True)])
def test_same_origin_and_typed_in_requests_get_a_code(make_site, fetch_site, json_response):
    site = make_site("django")
    site.login()
    params, _ = authorize_params(site)
    headers = {"Sec-Fetch-Site": fetch_site, "Accept": "application/json" if json_response else "text/html"}
    response = site.client.get("/oidc/authorize", params=params, headers=headers)
    assert response.status_code == (200 if json_response else 302), response.text


@pytest.mark.parametrize("name", ["state", "nonce"])
def test_state_and_nonce_are_at_most_512_characters(site, name):
    assert site.code(**{name: "s" * 512}).code  # the longest accepted
    params, _ = authorize_params(site, **{name: "s" * 513})
    response = site.authorize(params, json_response=True)
    assert_error(response, 400, "invalid_request")
    assert "code" not in response.json()


def test_verifier_length_is_checked_as_rfc_7636_says(make_site):
    site = make_site("fastapi")
    site.login()
    for verifier in ["v" * 42, "v" * 129]:
        challenge = b64url(hashlib.sha256(verifier.encode()).digest())  # a well-formed challenge
        flow = site.code(code_challenge=challenge)
        assert_error(site.redeem(flow, code_verifier=verifier), 400, "invalid_grant")
    verifier = "v" * 43
    flow = site.code(code_challenge=b64url(hashlib.sha256(verifier.encode()).digest()))
    assert site.redeem(flow, code_verifier=verifier).status_code == 200


def test_secrets_and_codes_in_the_token_url_are_refused(site):
    flow = site.code()
    response = site.client.post("/oidc/token", params={"client_secret": CLIENT_SECRET, "code": flow.code},
                                data={"grant_type": "authorization_code", "redirect_uri": flow.redirect_uri,
                                      "code_verifier": flow.verifier, "client_id": CLIENT_ID})
    assert_error(response, 400, "invalid_request")
    assert site.redeem(flow).status_code == 200  # the code was not touched


def _raw_token_request(base: str, declared: int, sent: bytes) -> bytes:
    """POST /oidc/token declaring `declared` bytes and sending `sent`, then wait (5 s at most) for
    an answer: a provider that reads the whole body before answering never answers in time."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"POST /oidc/token HTTP/1.1\r\nHost: %s:%d\r\n" % (host.encode(), port)
                     + b"Content-Type: application/x-www-form-urlencoded\r\n"
                     + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % declared + sent)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except socket.timeout:
            pass
        return answer


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_oversized_token_body_is_refused_before_it_is_read(make_site, framework):
    site = make_site(framework)
    answer = _raw_token_request(site.base, 100 * 1024 * 1024, b"grant_type=authorization_code&" + b"x" * 1000)
    assert re.match(rb"HTTP/1\.[01] 413 ", answer), answer[:200]
    # A body within the declared length but over the limit: refused too, before authentication.
    response = site.client.post("/oidc/token", content=b"grant_type=x&pad=" + b"x" * 20000,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(response, 413, "invalid_request")


# -- sign-in time: auth_time, max_age, prompt -----------------------------------------------------

def test_auth_time_max_age_and_prompt(core):
    _, provider, clock = core
    signed_in = {"sub": "7", "auth_time": clock() - 120}
    assert core_id_token(provider, signed_in)["auth_time"] == int(clock() - 120)
    assert core_tokens(provider, dict(signed_in), max_age="300")["id_token"]
    for query in [{"max_age": "60"}, {"prompt": "login"}]:
        reply, _ = core_code_with(provider, dict(signed_in), **query)
        assert (reply.status, reply.body["error"]) == (401, "login_required")
    fresh = {"sub": "7", "auth_time": clock() - 10}
    assert core_tokens(provider, fresh, prompt="login")["id_token"]
    unknown = {"sub": "7"}  # the site does not say when: a recent sign-in cannot be proven
    reply, _ = core_code_with(provider, unknown, max_age="3600")
    assert reply.body["error"] == "login_required"
    for query in [{"prompt": "none login"}, {"max_age": "soon"}]:
        reply, _ = core_code_with(provider, dict(fresh), **query)
        assert (reply.status, reply.body["error"]) == (400, "invalid_request")
    assert core_tokens(provider, dict(fresh), prompt="none")["id_token"]


def core_code_with(provider, claims, **query):
    verifier, challenge = pkce()
    params = {"response_type": ["code"], "client_id": [CLIENT_ID],
              "redirect_uri": ["https://shop.example.com/"], "scope": ["openid"], "state": ["s"],
              "code_challenge": [challenge], "code_challenge_method": ["S256"]}
    params.update({name: [value] for name, value in query.items()})
    return provider.authorize(params, True, lambda: claims), verifier


def test_django_gives_the_users_last_login_as_auth_time(make_site):
    site = make_site("django")
    site.client.get("/login", params={"user": "alice", "since": "1700000000"})
    claims = verify_id_token(site, site.redeem(site.code()).json()["id_token"])
    assert claims["auth_time"] == 1700000000


# -- keys -----------------------------------------------------------------------------------------

def test_the_jwks_carries_the_next_key_ahead_of_the_switch(modules, keys, monkeypatch, tmp_path):
    module = modules["flask"]
    next_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    next_file = tmp_path / "next.pem"
    next_file.write_bytes(next_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    environ = {
        "GENESYS_OIDC_ISSUER": "https://shop.example.com/oidc", "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(keys.good),
        "GENESYS_OIDC_REDIRECT_URIS": "https://shop.example.com/",
        "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE": str(next_file),
    }
    provider = module.Provider(now=Clock(), environ=environ)
    current, upcoming = provider.jwks().body["keys"]
    assert current["kid"] == module.public_jwk(keys.private)["kid"]
    assert upcoming["kid"] == module.public_jwk(next_key)["kid"] and "d" not in upcoming
    token = core_tokens(provider, {"sub": "7"})["id_token"]
    assert jwt.get_unverified_header(token)["kid"] == current["kid"]  # still signed by the current key

    # After the switch the old next key signs, and tokens verify with the key published before.
    switched = module.Provider(now=Clock(), environ=dict(
        environ, GENESYS_OIDC_PRIVATE_KEY_FILE=str(next_file), GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE=""))
    token = core_tokens(switched, {"sub": "7"})["id_token"]
    jwt.decode(token, jwt.PyJWK(upcoming), algorithms=["RS256"], audience=CLIENT_ID)

    with pytest.raises(module.ConfigurationError, match="GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE.*1024 bits"):
        module.Provider(now=Clock(), environ=dict(environ, GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE=str(keys.rsa1024)))


def test_plain_http_redirect_uris_only_for_loopback_hosts(core, keys):
    module, _, clock = core
    environ = {
        "GENESYS_OIDC_ISSUER": "https://shop.example.com/oidc", "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(keys.good),
    }
    for uri in ["http://localhost:8080/", "http://127.0.0.1/cb", "http://[::1]:3000/"]:
        module.Provider(now=clock, environ=dict(environ, GENESYS_OIDC_REDIRECT_URIS=uri))
    for uri in ["http://shop.example.com/", "http://10.0.0.5/", "http://localhost.evil.example/"]:
        with pytest.raises(module.ConfigurationError, match="https"):
            module.Provider(now=clock, environ=dict(environ, GENESYS_OIDC_REDIRECT_URIS=uri))


def test_the_in_process_store_says_so_at_start_up(core, keys, caplog):
    module, _, clock = core
    environ = {
        "GENESYS_OIDC_ISSUER": "https://shop.example.com/oidc", "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(keys.good),
        "GENESYS_OIDC_REDIRECT_URIS": "https://shop.example.com/",
    }
    with caplog.at_level(logging.WARNING):
        provider = module.Provider(now=clock, environ=environ)
    assert isinstance(provider.store, module.MemoryStore)
    assert "GENESYS_OIDC_STORE_URL" in caplog.text and "memory" in caplog.text
    with pytest.raises(module.ConfigurationError, match="GENESYS_OIDC_STORE_URL") as raised:
        module.Provider(now=clock, environ=dict(environ, GENESYS_OIDC_STORE_URL="http://user:pw@cache/"))
    assert "pw" not in str(raised.value)  # the URL's password is never shown


# -- the WSGI mount (standalone.py.j2) ------------------------------------------------------------

class _Unread:
    """A wsgi.input that must not be read."""

    def read(self, *args):
        raise AssertionError("the body was read")


def test_the_wsgi_mount_bounds_the_token_body_and_refuses_other_sites(tmp_path, keys, monkeypatch):
    module = render_module(tmp_path, "standalone", name="genesys_oidc_standalone")
    try:
        set_env(monkeypatch, "https://shop.example.com", keys)
        app = module.mount(lambda environ, start: [b"site"], claims=lambda environ: {"sub": "7"})
        answers = []

        def call(**environ):
            base = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "wsgi.input": _Unread()}
            body = b"".join(app({**base, **environ}, lambda status, headers: answers.append(status)))
            return answers[-1], json.loads(body) if body.startswith(b"{") else body

        status, body = call(REQUEST_METHOD="POST", PATH_INFO="/oidc/token", CONTENT_LENGTH=str(100 * 1024 * 1024),
                            CONTENT_TYPE="application/x-www-form-urlencoded")
        assert status.startswith("413") and body["error"] == "invalid_request"
        params, _ = authorize_params(Site("wsgi", None, "https://shop.example.com", Clock()))
        query = "&".join(f"{name}={quote_plus(value)}" for name, value in params.items())
        for fetch_site in ["cross-site", "same-site"]:
            status, body = call(PATH_INFO="/oidc/authorize", QUERY_STRING=query, HTTP_SEC_FETCH_SITE=fetch_site)
            assert status.startswith("403") and "code" not in body
        status, _ = call(PATH_INFO="/oidc/authorize", QUERY_STRING=query, HTTP_SEC_FETCH_SITE="none")
        assert status.startswith("302")
        status, body = call(REQUEST_METHOD="POST", PATH_INFO="/oidc/token", QUERY_STRING="client_secret=x",
                            CONTENT_LENGTH="0")
        assert status.startswith("400") and body["error"] == "invalid_request"
    finally:
        sys.modules.pop("genesys_oidc_standalone", None)


def test_a_store_that_does_not_answer_is_a_503_not_a_crash(core, keys, caplog):
    module, _, clock = core
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pytest.importorskip("redis", reason="redis-py (the test extra)")
    provider = module.Provider(now=clock, environ={
        "GENESYS_OIDC_ISSUER": "https://shop.example.com/oidc", "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_PRIVATE_KEY_FILE": str(keys.good),
        "GENESYS_OIDC_REDIRECT_URIS": "https://shop.example.com/",
        "GENESYS_OIDC_STORE_URL": f"redis://:hunter2@127.0.0.1:{port}/0"})
    reply, _ = core_code_with(provider, {"sub": "7"})
    assert (reply.status, reply.body["error"]) == (503, "temporarily_unavailable")
    form = {"grant_type": ["authorization_code"], "code": ["x"], "client_id": [CLIENT_ID],
            "client_secret": [CLIENT_SECRET]}
    assert provider.token(form, None).status == 503
    assert "hunter2" not in caplog.text and "GENESYS_OIDC_STORE_URL" in caplog.text
