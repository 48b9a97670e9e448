"""Every network call ends within its command's time limit and reads a bounded answer: verify-scopes
and verify-deployment (the real Genesys SDK, and the discovery document) and check-token --jwks URL,
against servers on 127.0.0.1 that misbehave on purpose: one that drips a byte every 2 s, bodies that
are empty, `null`, HTML or a gzip bomb, redirects to another host.

Every server here is bounded: it stops by itself after `lifetime` seconds, and a dripping answer
ends when the server stops."""

from __future__ import annotations

import json
import threading
import time
import zlib
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import pytest
from typer.testing import CliRunner

import fakegenesys as fg
from fakegenesys import sdk_home  # noqa: F401  (fixture)
from migrate.cli import app
from token_factory import jwk, oidc_claims, rs256

pytestmark = pytest.mark.usefixtures("sdk_home")
runner = CliRunner()

CLEAR = {"GENESYSCLOUD_OAUTHCLIENT_ID": None, "GENESYSCLOUD_OAUTHCLIENT_SECRET": None, "GENESYSCLOUD_REGION": None,
         "GENESYSCLOUD_API_HOST": None, "MIGRATE_HTTP_TIMEOUT": None, "MIGRATE_HTTP_BUDGET": None}
TOKEN_JSON = json.dumps({"access_token": fg.TOKEN, "token_type": "bearer", "expires_in": 86399}).encode()


@cache
def gzip_bomb() -> bytes:
    """200 MB of zeros in about 200 KB of gzip."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(c.compress(block) for _ in range(200)) + c.flush()


class Hostile:
    """A server whose every path answers as `routes` says: route(handler) writes the whole answer."""

    def __init__(self, routes: dict[str, Callable[[BaseHTTPRequestHandler], None]], lifetime: float = 30.0):
        self.routes = routes
        self.stopped = threading.Event()
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def handle_one(self) -> None:
                path = self.path.split("?")[0]
                outer.hits.append(path)
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(min(length, 100_000))
                route = outer.routes.get(path)
                try:
                    if route is None:
                        send(self, 404, b'{"message":"not found","code":"not.found","status":404}')
                    else:
                        route(self)
                except OSError:  # the client gave up: nothing more to say
                    pass

            do_GET = do_POST = handle_one

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.timer = threading.Timer(lifetime, self.stop)
        self.timer.daemon = True

    def __enter__(self) -> Hostile:
        self.thread.start()
        self.timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        if not self.stopped.is_set():
            self.stopped.set()
            self.timer.cancel()
            self.server.shutdown()
            self.server.server_close()

    # -- behaviours -------------------------------------------------------------------------------

    def drip(self, body: bytes = TOKEN_JSON, every: float = 2.0) -> Callable:
        """Headers at once, then the body one byte every `every` seconds (each read gets its byte
        well within any per-read timeout)."""
        def route(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            for i in range(len(body)):
                h.wfile.write(body[i:i + 1])
                h.wfile.flush()
                if self.stopped.wait(every):
                    return
        return route


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> Callable:
    return lambda h: send(h, status, body, headers)


BODIES = {
    "empty": (b"", "empty body"),
    "null": (b"null", "null"),
    "html": (b"<html><body>Service Unavailable</body></html>", "HTML page"),
    "text": (b"ok then", "not JSON"),
    "array": (b"[]", "JSON array"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "long-number": (b'{"n": ' + b"7" * 4301 + b"}", "number too long"),
    "latin1": ('{"n": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
}


def ok_token(h: BaseHTTPRequestHandler) -> None:
    send(h, 200, TOKEN_JSON)


def bomb(h: BaseHTTPRequestHandler) -> None:
    send(h, 200, gzip_bomb(), {"Content-Encoding": "gzip"})


# ---------------------------------------------------------------------------------------------
# verify-scopes / verify-deployment through the SDK


def verify(host: str, command: str = "verify-scopes", *args: str, **env: str):
    full = dict(CLEAR, GENESYSCLOUD_OAUTHCLIENT_ID=fg.CLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET=fg.SECRET,
                GENESYSCLOUD_API_HOST=host, MIGRATE_HTTP_TIMEOUT="3")
    full.update(env)
    argv = [command, *args] if command == "verify-scopes" else [command, "--deployment-id", fg.DEPLOYMENT_ID, *args]
    t = time.monotonic()
    r = runner.invoke(app, argv, env=full)
    elapsed = time.monotonic() - t
    out = r.stdout + r.stderr
    assert fg.SECRET not in out and fg.TOKEN not in out, "a secret was printed"
    assert "internal error" not in out and "Traceback" not in out, out
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r, elapsed


@pytest.mark.parametrize("command, path", [
    ("verify-scopes", "/oauth/token"),
    ("verify-scopes", "/api/v2/tokens/me"),
    ("verify-deployment", f"/api/v2/webdeployments/deployments/{fg.DEPLOYMENT_ID}"),
])
def test_a_server_that_drips_a_byte_every_2s_is_cut_off_at_the_budget(command, path):
    # A 10 s budget leaves each read more than 2 s: every read gets its byte in time, only the
    # deadline for the whole command can stop it.
    body = TOKEN_JSON if path == "/oauth/token" else b'{"id": "' + b"x" * 300 + b'"}'
    with Hostile({"/oauth/token": ok_token}, lifetime=40) as server:
        server.routes[path] = server.drip(body)
        r, elapsed = verify(server.url, command, MIGRATE_HTTP_BUDGET="10")
    assert r.exit_code == 2
    assert elapsed < 12, f"took {elapsed:.1f} s with a 10 s budget"
    assert "no complete answer" in r.stderr and "10 s limit for the whole command" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_an_unusable_token_answer_is_a_one_line_reason(kind):
    body, reason = BODIES[kind]
    with Hostile({"/oauth/token": answer(200, body)}, lifetime=20) as server:
        r, _ = verify(server.url)
    assert r.exit_code == 2
    assert "getting a client-credentials token" in r.stderr and reason in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and len(r.stderr) < 400


@pytest.mark.parametrize("kind", ["empty", "null", "html", "deep"])
def test_an_unusable_api_answer_is_a_one_line_reason(kind):
    body, reason = BODIES[kind]
    with Hostile({"/oauth/token": ok_token, "/api/v2/tokens/me": answer(200, body),
                  f"/api/v2/oauth/clients/{fg.CLIENT_ID}": answer(200, body)}, lifetime=20) as server:
        r, _ = verify(server.url)
    assert r.exit_code == 2
    assert reason in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_gzip_bomb_stops_at_the_size_cap():
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Hostile({"/oauth/token": bomb}, lifetime=20) as server:
        r, elapsed = verify(server.url)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(gzip_bomb()) < 400_000  # small on the wire, 200 MB once decompressed
    assert r.exit_code == 2
    assert "larger than 1,000,000 bytes once decompressed (gzip)" in r.stderr, r.stderr
    assert grown_mb < 60, f"peak memory grew by {grown_mb:.0f} MB"
    assert elapsed < 5


def test_an_api_redirect_is_not_followed():
    with Hostile({"/oauth/token": answer(302, b"", {"Location": "http://localhost:1/oauth/token"})},
                 lifetime=20) as server:
        r, _ = verify(server.url)
    assert r.exit_code == 2
    assert "redirect" in r.stderr and "not followed" in r.stderr, r.stderr
    assert server.hits == ["/oauth/token"]


def test_the_discovery_document_is_read_within_the_budget_and_its_reasons_are_said():
    with fg.FakeGenesys(lifetime=40) as fake, Hostile({}, lifetime=40) as idp:
        well_known = "/idp/.well-known/openid-configuration"
        # one byte a second: each read is in time (MIGRATE_HTTP_TIMEOUT=3), the whole fetch is not
        idp.routes[well_known] = idp.drip(json.dumps(fake.discovery_document()).encode(), every=1.0)
        r, elapsed = verify(fake.url, "verify-deployment", "--issuer", idp.url + "/idp", "--format", "json",
                            MIGRATE_HTTP_BUDGET="10")
        assert elapsed < 6, f"took {elapsed:.1f} s for a fetch limited to 3 s"
        doc = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["discovery-document"]
        assert doc["status"] == "fail" and "no complete answer within 3 s" in doc["message"], doc
        for kind in ("empty", "null", "html", "deep"):
            body, reason = BODIES[kind]
            idp.routes[well_known] = answer(200, body)
            r, _ = verify(fake.url, "verify-deployment", "--issuer", idp.url + "/idp", "--format", "json")
            doc = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["discovery-document"]
            assert doc["status"] == "fail" and reason in doc["message"], (kind, doc)
        # another host (localhost instead of 127.0.0.1): refused, unless --follow-redirects says so
        moved = (fake.issuer + "/.well-known/openid-configuration").replace("127.0.0.1", "localhost")
        idp.routes[well_known] = answer(302, b"", {"Location": moved})
        r, _ = verify(fake.url, "verify-deployment", "--issuer", idp.url + "/idp", "--format", "json")
        doc = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["discovery-document"]
        assert doc["status"] == "fail" and "another host, localhost; not followed" in doc["message"], doc
        r, _ = verify(fake.url, "verify-deployment", "--issuer", idp.url + "/idp", "--format", "json",
                      "--follow-redirects")
        doc = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["discovery-document"]
        assert "not followed" not in doc["message"], doc  # read from the other host: judged on its content


# ---------------------------------------------------------------------------------------------
# check-token --jwks URL

RS_TOKEN = rs256(oidc_claims(), "network", kid="network")
JWKS = json.dumps({"keys": [dict(jwk("network"), kid="network")]}).encode()


def check_token(*args: str, **env: str):
    t = time.monotonic()
    r = runner.invoke(app, ["check-token", RS_TOKEN, "--now", "1700000000", *args], env=dict(CLEAR, **env))
    elapsed = time.monotonic() - t
    out = r.stdout + r.stderr
    assert "internal error" not in out and "Traceback" not in out, out
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r, elapsed


def test_a_jwks_url_that_drips_is_cut_off():
    with Hostile({}, lifetime=40) as server:
        server.routes["/jwks"] = server.drip(JWKS)
        r, elapsed = check_token("--jwks", server.url + "/jwks", MIGRATE_HTTP_BUDGET="3")
    assert r.exit_code == 2
    assert elapsed < 5, f"took {elapsed:.1f} s with a 3 s limit"
    assert "no complete answer within 3 s" in r.stderr, r.stderr


def test_the_jwks_fetch_has_a_10_s_limit_by_default():
    from migrate.token import signature

    assert signature.JWKS_TIMEOUT <= 10
    with Hostile({}, lifetime=40) as server:
        server.routes["/jwks"] = server.drip(JWKS, every=1.0)
        r, elapsed = check_token("--jwks", server.url + "/jwks")
    assert r.exit_code == 2 and elapsed < 12, elapsed
    assert "no complete answer within 10 s" in r.stderr


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_an_unusable_jwks_answer_is_a_one_line_reason(kind):
    body, reason = BODIES[kind]
    with Hostile({"/jwks": answer(200, body)}, lifetime=20) as server:
        r, _ = check_token("--jwks", server.url + "/jwks")
    assert r.exit_code == 2
    assert reason in r.stderr and "/jwks" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_jwks_gzip_bomb_stops_at_the_cap():
    with Hostile({"/jwks": bomb}, lifetime=20) as server:
        r, elapsed = check_token("--jwks", server.url + "/jwks")
    assert r.exit_code == 2 and elapsed < 5
    assert "larger than 1,000,000 bytes once decompressed (gzip)" in r.stderr, r.stderr


def test_a_jwks_redirect_to_another_host_needs_follow_redirects():
    with Hostile({"/jwks": answer(200, JWKS)}, lifetime=20) as server:
        other = server.url.replace("127.0.0.1", "localhost") + "/jwks"
        server.routes["/moved"] = answer(302, b"", {"Location": other})
        server.routes["/here"] = answer(301, b"", {"Location": "/jwks"})
        r, _ = check_token("--jwks", server.url + "/moved")
        assert r.exit_code == 2
        assert "redirects to another host, localhost; not followed" in r.stderr, r.stderr
        r, _ = check_token("--jwks", server.url + "/moved", "--follow-redirects")
        assert "signature  verified: RS256" in r.stdout, r.stdout + r.stderr
        r, _ = check_token("--jwks", server.url + "/here")  # the same host: followed
        assert "signature  verified: RS256" in r.stdout, r.stdout + r.stderr



def test_a_redirect_from_https_to_http_is_refused_even_when_other_hosts_are_allowed():
    from migrate.genesys.http import BadAnswer, redirect_target

    with pytest.raises(BadAnswer, match="from https to plain http"):
        redirect_target("https://idp.example.com/jwks", "http://idp.example.com/jwks", True)
    assert redirect_target("http://idp.example.com/a", "https://idp.example.com/jwks", False) == \
        "https://idp.example.com/jwks"
    assert redirect_target("https://idp.example.com/a", "/b", False) == "https://idp.example.com/b"


def test_jwks_files_that_are_not_files_or_not_json():
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        fifo = os.path.join(d, "jwks.fifo")
        os.mkfifo(fifo)
        cases = {"/dev/zero": "a device", fifo: "a fifo", d: "a directory", "/proc/self/environ": "a system file"}
        for kind in ("deep", "long-number", "null", "empty"):
            path = os.path.join(d, f"{kind}.json")
            with open(path, "wb") as fh:
                fh.write(BODIES[kind][0])
            cases[path] = BODIES[kind][1].replace("empty body", "empty")
        for path, reason in cases.items():
            r, elapsed = check_token("--jwks", path)
            assert r.exit_code == 2 and elapsed < 5, (path, r.stderr)
            assert reason in r.stderr, (path, r.stderr)
            for secret_case in ("--secret-file",):
                if reason in ("a device", "a fifo", "a directory"):
                    r, elapsed = check_token(secret_case, path)
                    assert r.exit_code == 2 and elapsed < 5 and reason in r.stderr, (path, r.stderr)


def test_the_sdk_import_sets_no_file_watch(tmp_path):
    """The SDK watches ~/.genesyscloudpython (or its nearest existing parent: the home folder, or /
    without one) recursively from its import on, which can take longer than the command's budget."""
    import subprocess
    import sys

    probe = ("import time\nfrom migrate.genesys.client import _import_sdk\n_import_sdk()\n"
             "import PureCloudPlatformClientV2 as sdk\ntime.sleep(0.3)\nobserver = sdk.configuration._observer\n"
             "print(0 if observer is None else len(observer.emitters))\n")
    for home in (tmp_path, tmp_path / "does-not-exist"):
        r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                           env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "0", f"{r.stdout.strip()} folders watched with HOME={home}"


def test_hard_deadlines_nest_and_leave_no_alarm_behind():
    import signal

    from migrate.genesys.http import DeadlineExceeded, hard_deadline

    t = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        with hard_deadline(0.3):
            with hard_deadline(5):  # the enclosing deadline comes first and stays in force
                time.sleep(3)
    assert time.monotonic() - t < 1.5
    with hard_deadline(5):
        with hard_deadline(0.1):
            pass
        assert 4 < signal.getitimer(signal.ITIMER_REAL)[0] <= 5  # the outer one is back
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
