"""verify-scopes and verify-deployment against a Genesys that misbehaves as generated: any endpoint
may answer another status, a body that is empty, `null`, HTML, bytes or a gzip bomb, a good answer
with values of the wrong type, a redirect, a huge header, a byte every second, or nothing at all.
The real SDK runs (HOME empty), in its own process, with a 5 s budget. Every run keeps the promises of
tests/test_fuzz_support.py, never prints the client secret or the access token, and ends within its
budget (plus the SDK's import)."""

from __future__ import annotations

import json
import zlib
from functools import cache
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

import fakegenesys as fg
from test_fuzz_support import check, fuzz_settings, migrate

PATHS = ["/oauth/token", "/api/v2/tokens/me", "/api/v2/oauth/clients/", "/api/v2/authorization/roles/",
         "/api/v2/webdeployments/deployments/", "/api/v2/webdeployments/configurations/", "/api/v2/integrations/",
         "/config/current", "/idp/.well-known/openid-configuration"]
BUDGET = 5


@cache
def gzip_bomb() -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(c.compress(bytes(1 << 20)) for _ in range(50)) + c.flush()


odd_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30),
                       st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                            max_size=2),
                       st.just("x" * 100_000), st.just("\x1b]0;owned\x07\ud800"))
faults = st.one_of(
    st.tuples(st.just("status"), st.sampled_from([200, 204, 301, 400, 401, 403, 404, 409, 429, 500, 502, 503, 599])),
    st.tuples(st.just("body"), st.sampled_from([b"", b"null", b"[]", b"<html>oops</html>", b"\xff\xfe\x00",
                                                b"[" * 50_000, b'{"a": ' + b"9" * 5000 + b"}", b"{}", b'"text"'])),
    st.tuples(st.just("body"), st.binary(max_size=64)),
    st.tuples(st.just("mutate"), st.lists(st.tuples(st.integers(0, 50), odd_values), min_size=1, max_size=4)),
    st.tuples(st.just("redirect"), st.sampled_from(["http://localhost:1/x", "/api/v2/tokens/me", "https://evil/"])),
    st.tuples(st.just("header"), st.integers(1, 200_000)),
    st.tuples(st.just("drip"), st.just(1.0)),
    st.tuples(st.just("close"), st.none()),
    st.tuples(st.just("bomb"), st.none()),
)


def _mutate(value, changes: list, at: list[int]):
    """``value`` with some of its members (counted depth first) replaced by odd values."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            at[0] += 1
            hit = next((new for n, new in changes if n == at[0]), ...)
            out[k] = _mutate(v, changes, at) if hit is ... else hit
        return out
    if isinstance(value, list):
        return [_mutate(v, changes, at) for v in value]
    return value


class FaultyGenesys(fg.FakeGenesys):
    def __init__(self, faults: list[tuple[str, tuple]], **kw):
        super().__init__(**kw)
        self.faults = faults

    def handle(self, request, method: str) -> None:
        path = urlsplit(request.path).path
        fault = next((f for fragment, f in self.faults if fragment in path), None)
        if fault is None:
            return super().handle(request, method)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(min(length, 100_000)) if length else b""
        kind, arg = fault
        try:
            if kind == "status":
                fg._send(request, arg, {}, fg._error(arg, "fuzz", "fuzzed status"))
            elif kind in ("body", "bomb"):
                data = gzip_bomb() if kind == "bomb" else arg
                request.send_response(200)
                request.send_header("Content-Type", "application/json")
                if kind == "bomb":
                    request.send_header("Content-Encoding", "gzip")
                request.send_header("Content-Length", str(len(data)))
                request.end_headers()
                request.wfile.write(data)
            elif kind == "mutate":
                status, extra, payload = self.answer(method, path, request.headers, body)
                payload = _mutate(payload, arg, [0]) if payload is not None else None
                data = json.dumps(payload).encode("utf-8", "surrogatepass")
                request.send_response(status)
                request.send_header("Content-Length", str(len(data)))
                request.end_headers()
                request.wfile.write(data)
            elif kind == "redirect":
                fg._send(request, 302, {"Location": arg}, None)
            elif kind == "header":
                fg._send(request, 200, {"X-Fuzz": "h" * arg}, {"access_token": fg.TOKEN})
            elif kind == "drip":
                data = json.dumps({"access_token": fg.TOKEN, "pad": "p" * 200}).encode()
                request.send_response(200)
                request.send_header("Content-Length", str(len(data)))
                request.end_headers()
                for i in range(len(data)):
                    request.wfile.write(data[i:i + 1])
                    request.wfile.flush()
                    if self._stopped.wait(arg):
                        return
            elif kind == "close":
                request.close_connection = True
        except OSError:  # the client gave up
            pass


@fuzz_settings(quick=10, long=100)
@given(command=st.sampled_from(["verify-scopes", "verify-deployment"]),
       chosen=st.lists(st.tuples(st.sampled_from(PATHS), faults), min_size=1, max_size=3),
       fmt=st.sampled_from(["text", "json"]))
def test_verify_keeps_its_promises(tmp_path_factory, command, chosen, fmt):
    tmp = tmp_path_factory.mktemp("verify")
    with FaultyGenesys(chosen, lifetime=60, max_requests=300) as fake:
        args = [command, "--format", fmt]
        if command == "verify-deployment":
            args += ["--deployment-id", fg.DEPLOYMENT_ID, "--issuer", fake.issuer,
                     "--site-origin", "https://shop.example.com"]
        r = migrate(*args, env={"GENESYSCLOUD_OAUTHCLIENT_ID": fg.CLIENT_ID,
                                "GENESYSCLOUD_OAUTHCLIENT_SECRET": fg.SECRET, "GENESYSCLOUD_API_HOST": fake.url,
                                "MIGRATE_HTTP_TIMEOUT": "2", "MIGRATE_HTTP_BUDGET": str(BUDGET), "HOME": str(tmp)},
                    peak_file=tmp / "peak")
    check(r, secrets=(fg.SECRET, fg.TOKEN), max_seconds=BUDGET + 6)
    if r.code in (0, 1) and fmt == "json":
        json.loads(r.stdout)
