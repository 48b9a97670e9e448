"""A fake Genesys Cloud on 127.0.0.1 for the verify commands: the real SDK talks to it.

`FakeGenesys(org)` serves one `Org` (a plain description tests change freely) on an ephemeral
port, in a thread, with JSON shaped like the Platform API's (keys as the SDK's models read them:
`OAuthClient` capitalised in tokens/me, `permissionPolicies[].actionSet`, `authenticationSettings`,
`reportedState.code`...).  With the server's URL as the API host the SDK sends both the token
request (POST /oauth/token) and the API calls here.  It also serves an OpenID discovery document
at /idp/.well-known/openid-configuration (issuer: URL + "/idp").

Faults, per path fragment: `rate_limited` (429 with Retry-After, then success), `hang` (sleeps
longer than the client waits), `forbidden` (403).  The server is bounded: it stops by itself after
`lifetime` seconds or `max_requests` requests, and a hanging answer ends when the server stops.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

ORG_ID = "6f1e4c1e-0d8a-4d43-9d4c-2f3b8a1d0e11"
CLIENT_ID = "3c9a7f2e-5b1d-4e8f-a6c2-9d0e1f2a3b4c"
SECRET = "fake-secret-Qx7vK2pLm9Zt"  # tests assert it never appears in any output
TOKEN = "fake-access-token-8Hh3Jk"
ROLE_ID = "a1b2c3d4-0000-4000-8000-000000000001"
DEPLOYMENT_ID = "d3e4f5a6-1111-4111-8111-000000000002"
CONFIG_ID = "c0f1a2b3-2222-4222-8222-000000000003"
INTEGRATION_ID = "1e2d3c4b-3333-4333-8333-000000000004"
NOW = "2025-03-01T10:00:00.000Z"


def policy(domain: str, entity: str, *actions: str) -> dict:
    return {"domain": domain, "entityName": entity, "policyName": f"{domain}-{entity}",
            "actionSet": list(actions), "allowConditions": False}


def full_policies() -> list[dict]:
    """What a role made for migrate (verify and deploy) grants, spelled as Genesys returns it."""
    return [policy("webdeployments", "deployment", "view", "add", "edit", "delete"),
            policy("webdeployments", "configuration", "view", "add", "edit", "delete"),
            policy("integrations", "integration", "view", "add", "edit", "delete")]


def version(number: str, *, published: bool = True, auth: dict | None = None, status: str = "Active",
            modified: str = NOW) -> dict:
    v = {"id": CONFIG_ID, "name": "Shop Messenger", "version": number, "languages": ["en-us"],
         "defaultLanguage": "en-us", "status": status, "dateCreated": "2025-01-01T09:00:00.000Z",
         "dateModified": modified, "selfUri": f"/api/v2/webdeployments/configurations/{CONFIG_ID}/versions/{number}"}
    if published:
        v["datePublished"] = modified
    if auth is not None:
        v["authenticationSettings"] = auth
    return v


def auth_on(integration_id: str = INTEGRATION_ID) -> dict:
    return {"enabled": True, "integrationId": integration_id, "allowSessionUpgrade": False}


@dataclass
class Org:
    """Everything the fake serves; the default passes every check."""

    client_id: str = CLIENT_ID
    secret: str = SECRET
    client_name: str = "migrate-verify"
    grant_type: str = "CLIENT-CREDENTIALS"
    client_state: str = "active"
    token_for_any_grant: bool = False  # True: a non-client-credentials client still gets a token
    role_divisions: list[dict] = field(default_factory=lambda: [{"roleId": ROLE_ID, "divisionId": "*"}])
    roles: dict[str, dict] = field(default_factory=lambda: {
        ROLE_ID: {"id": ROLE_ID, "name": "Messenger Admin", "permissionPolicies": full_policies()}})
    deployment: dict = field(default_factory=lambda: {
        "id": DEPLOYMENT_ID, "name": "Shop", "description": "", "allowAllDomains": False,
        "allowedDomains": ["https://shop.example.com"], "status": "Active",
        "configuration": {"id": CONFIG_ID, "name": "Shop Messenger", "version": "2",
                          "selfUri": f"/api/v2/webdeployments/configurations/{CONFIG_ID}"},
        "dateCreated": "2025-01-01T09:00:00.000Z", "selfUri": f"/api/v2/webdeployments/deployments/{DEPLOYMENT_ID}"})
    versions: list[dict] = field(default_factory=lambda: [
        version("DRAFT", published=False, auth=auth_on(), modified="2025-02-01T10:00:00.000Z"),
        version("1", auth={"enabled": False}, modified="2025-01-15T10:00:00.000Z"),
        version("2", auth=auth_on(), modified="2025-02-01T10:00:00.000Z")])
    integrations: dict[str, dict] = field(default_factory=lambda: {INTEGRATION_ID: {
        "id": INTEGRATION_ID, "name": "Shop login",
        "integrationType": {"id": "openid-connect-messenger-configuration",
                            "name": "OpenID Connect Messenger Configuration"},
        "intendedState": "ENABLED", "reportedState": {"code": "ACTIVE", "effective": "Active"},
        "attributes": {}, "selfUri": f"/api/v2/integrations/{INTEGRATION_ID}"}})
    discovery_uri: str | None = None  # None: the fake's own issuer
    discovery: dict | None = None     # None: a good document; {} or anything else: served as is
    rate_limited: dict[str, int] = field(default_factory=dict)  # path fragment -> 429s before success
    retry_after: str = "1"
    hang: str | None = None           # path fragment that never answers in time
    forbidden: set[str] = field(default_factory=set)  # path fragments answered 403


class FakeGenesys:
    def __init__(self, org: Org | None = None, *, lifetime: float = 20.0, max_requests: int = 200,
                 hang_seconds: float = 15.0):
        self.org = org or Org()
        self.lifetime, self.max_requests, self.hang_seconds = lifetime, max_requests, hang_seconds
        self.requests: list[tuple[str, str]] = []
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = self.url + "/idp"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True

    def __enter__(self) -> FakeGenesys:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        with self._lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        return [p for _, p in self.requests]

    # -- answers --------------------------------------------------------------------------------

    def discovery_document(self) -> dict:
        if self.org.discovery is not None:
            return self.org.discovery
        i = self.issuer
        return {"issuer": i, "authorization_endpoint": i + "/authorize", "token_endpoint": i + "/token",
                "jwks_uri": i + "/jwks", "response_types_supported": ["code", "id_token"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public"]}

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict, dict | None]:
        org = self.org
        for fragment in org.forbidden:
            if fragment in path:
                return 403, {}, _error(403, "missing.permissions",
                                       f"You are missing the following permission(s): [{fragment}]")
        if method == "POST" and path == "/oauth/token":
            return self._token(headers, body)
        if method == "GET" and path == "/idp/.well-known/openid-configuration":
            return 200, {}, self.discovery_document()
        if not path.startswith("/api/v2/"):
            return 404, {}, _error(404, "not.found", "Not found")
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {}, _error(401, "bad.credentials", "Invalid login credentials.")
        if method != "GET":
            return 405, {}, _error(405, "method.not.allowed", "Method not allowed")
        parts = [unquote(p) for p in path[len("/api/v2/"):].split("/")]
        client = {"id": org.client_id, "name": org.client_name, "authorizedGrantType": org.grant_type,
                  "roleDivisions": org.role_divisions, "state": org.client_state,
                  "dateCreated": "2025-01-01T09:00:00.000Z"}
        match parts:
            case ["tokens", "me"]:
                return 200, {}, {"organization": {"id": ORG_ID, "name": "Shop Inc"},
                                 "homeOrganization": {"id": ORG_ID, "name": "Shop Inc"},
                                 "authorizedScope": [], "OAuthClient": dict(client, organization={"id": ORG_ID})}
            case ["oauth", "clients", cid] if cid == org.client_id:
                return 200, {}, dict(client, secret=org.secret, accessTokenValiditySeconds=86400,
                                     roleIds=[rd["roleId"] for rd in org.role_divisions], scope=[],
                                     registeredRedirectUri=[], selfUri=f"/api/v2/oauth/clients/{cid}")
            case ["authorization", "roles", rid] if rid in org.roles:
                r = org.roles[rid]
                return 200, {}, {"id": rid, "name": r["name"], "description": "", "permissions": [],
                                 "permissionPolicies": r["permissionPolicies"], "userCount": 0,
                                 "default": False, "base": False, "selfUri": f"/api/v2/authorization/roles/{rid}"}
            case ["webdeployments", "deployments", did] if did == org.deployment["id"]:
                return 200, {}, org.deployment
            case ["webdeployments", "configurations", cid, "versions"] if cid == CONFIG_ID:
                return 200, {}, {"entities": org.versions, "total": len(org.versions)}
            case ["webdeployments", "configurations", cid, "versions", v] if cid == CONFIG_ID:
                for item in org.versions:
                    if item["version"].lower() == v.lower():
                        return 200, {}, item
            case ["integrations", iid] if iid in org.integrations:
                return 200, {}, org.integrations[iid]
            case ["integrations", iid, "config", "current"] if iid in org.integrations:
                props = {"discoveryUri": org.discovery_uri or self.issuer + "/.well-known/openid-configuration",
                         "implicitFlowSupport": False}
                return 200, {}, {"id": iid, "name": "Shop login", "version": 3, "properties": props,
                                 "advanced": {}, "notes": "",
                                 "credentials": {"clientCredentials": {"id": "cred-1", "name": "shop idp client"}},
                                 "selfUri": f"/api/v2/integrations/{iid}/config/current"}
        return 404, {}, _error(404, "not.found", f"The requested resource {path} was not found")

    def _token(self, headers: Any, body: bytes) -> tuple[int, dict, dict | None]:
        org = self.org
        form = parse_qs(body.decode("utf-8", "replace"))
        auth = headers.get("Authorization", "")
        try:
            cid, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().split(":", 1)
        except Exception:
            cid, secret = "", ""
        if form.get("grant_type") != ["client_credentials"]:
            return 400, {}, {"error": "unsupported_grant_type", "description": "unsupported grant type",
                             "error_description": "unsupported grant type"}
        if cid != org.client_id or secret != org.secret:
            return 401, {}, {"error": "invalid_client", "description": "authentication failed",
                             "error_description": "authentication failed"}
        if org.grant_type != "CLIENT-CREDENTIALS" and not org.token_for_any_grant:
            return 400, {}, {"error": "unauthorized_client", "description": "client is not authorized for this grant",
                             "error_description": "client is not authorized for this grant"}
        return 200, {}, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 86399}

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        path = urlsplit(request.path).path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(min(length, 100_000)) if length else b""
        with self._lock:
            self.requests.append((method, path))
            count = len(self.requests)
            limited = next((f for f, n in self.org.rate_limited.items() if f in path and n > 0), None)
            if limited:
                self.org.rate_limited[limited] -= 1
        if count > self.max_requests:
            _send(request, 503, {}, _error(503, "too.many", "fake server request limit"))
            return
        if self.org.hang and self.org.hang in path:
            self._stopped.wait(self.hang_seconds)  # answer late, or not at all once stopped
            if self._stopped.is_set():
                return
        if limited:
            _send(request, 429, {"Retry-After": self.org.retry_after},
                  _error(429, "too.many.requests", "Rate limit exceeded the maximum"))
            return
        status, extra, payload = self.answer(method, path, request.headers, body)
        _send(request, status, extra, payload)


def _error(status: int, code: str, message: str) -> dict:
    return {"message": message, "code": code, "status": status, "messageParams": {},
            "contextId": "00000000-fake-context", "details": [], "errors": []}


def _send(request: BaseHTTPRequestHandler, status: int, headers: dict, payload: dict | None) -> None:
    data = b"" if payload is None else json.dumps(payload).encode("utf-8")
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            request.send_header(k, v)
        request.end_headers()
        request.wfile.write(data)
    except OSError:  # the client gave up (a timeout test): nothing to answer
        pass


def _handler(fake: FakeGenesys) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            fake.handle(self, "GET")

        def do_POST(self) -> None:
            fake.handle(self, "POST")

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


def free_port() -> int:
    """A port nothing listens on (for the connection-refused case)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def sdk_home(tmp_path_factory):
    """Import the SDK once with HOME pointing at an empty directory: it reads
    ~/.genesyscloudpython/config at import, and a developer's own file must not steer the tests."""
    if "PureCloudPlatformClientV2" not in sys.modules:
        home = tmp_path_factory.mktemp("sdk-home")
        old = os.environ.get("HOME")
        os.environ["HOME"] = str(home)
        try:
            import PureCloudPlatformClientV2  # noqa: F401
        finally:
            if old is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = old
    from PureCloudPlatformClientV2 import Configuration

    assert not os.path.exists(Configuration().config_file_path), "the SDK was imported with a real HOME"
    return Configuration().config_file_path
