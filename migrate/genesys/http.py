"""Plain HTTP under hard limits, for every network call migrate makes (the Genesys SDK's requests,
the OpenID discovery document, a JWKS URL):

- a deadline for the whole call, not per read: a server that drips one byte every few seconds is
  cut off when the time is up (SIGALRM on the main thread interrupts the blocking read; elsewhere
  the per-read timeouts still apply);
- a cap on the body, counted after decompression (a gzip bomb stops at the cap);
- redirects followed only within the same host (http -> https allowed), other hosts only when the
  caller says so, and never from https down to http;
- clear reasons for an answer that is empty, `null`, not JSON, nested too deep or too large.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_BODY = 1_000_000        # bytes of a JSON answer, after decompression
MAX_REDIRECTS = 3
_CHUNK = 64 * 1024


class DeadlineExceeded(BaseException):
    """The time for a call is up. A BaseException, so no `except Exception` on the way swallows it."""


class BadAnswer(Exception):
    """An answer migrate cannot use; the message says why in a few words (no body quoted at length)."""


@contextmanager
def hard_deadline(seconds: float | None) -> Iterator[None]:
    """Raise DeadlineExceeded in the main thread once ``seconds`` have passed, whatever it is
    blocked on (a socket read, a TLS handshake). A no-op off the main thread or without SIGALRM;
    an enclosing deadline that ends sooner stays in force."""
    if (seconds is None or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:
        yield  # the enclosing deadline comes first
        return

    def expire(signum, frame):
        raise DeadlineExceeded()

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 0.001))


def read_body(response, limit: int = MAX_BODY) -> bytes:
    """The body of a urllib3 response (made with preload_content=False), decompressed, at most
    ``limit`` bytes; BadAnswer when there is more."""
    data = bytearray()
    while True:
        chunk = response.read(_CHUNK, decode_content=True)
        if not chunk:
            return bytes(data)
        data += chunk
        if len(data) > limit:
            encoded = response.headers.get("Content-Encoding")
            raise BadAnswer(f"its answer is larger than {limit:,} bytes"
                            + (f" once decompressed ({encoded})" if encoded else "") + ", more than this ever is")


def json_object(body: bytes) -> dict:
    """A JSON object from an answer's body, or BadAnswer saying what it was instead."""
    if not body.strip():
        raise BadAnswer("it answered with an empty body")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadAnswer("its answer is not UTF-8 text") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadAnswer("its answer is JSON nested too deeply to read") from None
    except json.JSONDecodeError:
        start = text.lstrip()[:1]
        raise BadAnswer("its answer is not JSON" + (" (an HTML page)" if start == "<" else "")) from None
    except ValueError:  # an integer beyond Python's digit limit
        raise BadAnswer("its answer holds a number too long to read") from None
    if value is None:
        raise BadAnswer("it answered null, not a JSON object")
    if not isinstance(value, dict):
        raise BadAnswer(f"it answered a JSON {_json_kind(value)}, not an object")
    return value


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def _origin(url: str) -> tuple[str, str, int | None]:
    p = urlsplit(url)
    return p.scheme, (p.hostname or "").lower(), p.port or {"http": 80, "https": 443}.get(p.scheme)


def redirect_target(url: str, location: str, follow_other_hosts: bool) -> str:
    """Where a redirect from ``url`` to ``location`` may go; BadAnswer when it may not."""
    target = urljoin(url, location.strip())
    scheme, host, port = _origin(target)
    if scheme not in ("http", "https") or not host:
        raise BadAnswer(f"it redirects to {short(target)}, which is not an http(s) URL")
    here = _origin(url)
    if here[0] == "https" and scheme == "http":
        raise BadAnswer(f"it redirects from https to plain http ({short(target)}); not followed")
    same = host == here[1] and (port == here[2] or (here[0], scheme) == ("http", "https"))
    if not same and not follow_other_hosts:
        raise BadAnswer(f"it redirects to another host, {host}; not followed (give that URL itself, or "
                        "--follow-redirects to allow it)")
    return target


def short(text: str, limit: int = 100) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 20] + "…" + text[-19:]


@dataclass(frozen=True)
class Got:
    url: str        # after redirects
    status: int
    body: bytes


def get(url: str, *, seconds: float, connect: float, read: float, limit: int = MAX_BODY,
        follow_other_hosts: bool = False, accept: str = "application/json") -> Got:
    """GET ``url``, with redirects as `redirect_target` allows, all of it (connections, redirects,
    reads) within ``seconds``. Raises DeadlineExceeded when the time is up, BadAnswer for an answer
    or redirect that is refused, and urllib3's errors for the network."""
    import urllib3

    pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=connect, read=read),
                               retries=urllib3.util.Retry(total=1, connect=1, read=0, status=0, other=0,
                                                          redirect=0, raise_on_redirect=False,
                                                          raise_on_status=False),
                               headers={"Accept": accept, "Accept-Encoding": "gzip, deflate",
                                        "User-Agent": "migrate"})
    try:
        with hard_deadline(seconds):
            for _ in range(MAX_REDIRECTS + 1):
                r = pool.request("GET", url, redirect=False, preload_content=False)
                try:
                    if r.status in (301, 302, 303, 307, 308) and r.headers.get("Location"):
                        url = redirect_target(url, r.headers["Location"], follow_other_hosts)
                        continue
                    return Got(url, r.status, read_body(r, limit))
                finally:
                    r.release_conn()
            raise BadAnswer(f"it redirects more than {MAX_REDIRECTS} times")
    finally:
        pool.clear()
