"""The shop as a plain WSGI application: a sign-in form, a session cookie, the widget's token."""

import json
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from tokens import zendesk_token


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    email: str
    email_verified: bool


CUSTOMERS = {
    "alice": Customer(42, "Alice Example", "alice@example.com", True),
    "bob": Customer(7, "Bob Example", "bob@example.com", False),
}
SESSIONS = {}


def customer_of(environ):
    """The signed-in customer of this request, or None."""
    cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    sid = cookie["session"].value if "session" in cookie else ""
    return SESSIONS.get(sid)


def _reply(start_response, status, body, headers=()):
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    kind = "text/html" if isinstance(body, str) else "application/json"
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(data))), *headers])
    return [data]


def application(environ, start_response):
    path, method = environ.get("PATH_INFO", "/"), environ["REQUEST_METHOD"]
    if path == "/login" and method == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(size).decode())
        username = form.get("username", [""])[0]
        if username not in CUSTOMERS:
            return _reply(start_response, "401 Unauthorized", "<p>Unknown customer</p>")
        sid = secrets.token_urlsafe(24)
        SESSIONS[sid] = CUSTOMERS[username]
        cookie = f"session={sid}; HttpOnly; Path=/; SameSite=Lax"
        return _reply(start_response, "303 See Other", "", [("Location", "/"), ("Set-Cookie", cookie)])
    if path == "/zendesk/jwt":
        customer = customer_of(environ)
        if customer is None:
            return _reply(start_response, "401 Unauthorized", {"error": "sign in first"})
        return _reply(start_response, "200 OK", {"token": zendesk_token(customer)})
    if path == "/":
        customer = customer_of(environ)
        return _reply(start_response, "200 OK", f"<h1>Shop</h1><p>{customer.name if customer else 'Welcome'}</p>")
    return _reply(start_response, "404 Not Found", {"error": "not found"})
