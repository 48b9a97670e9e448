"""Sign-in: an opaque session id in the `session` cookie, the customer in the session store."""

import secrets
from dataclasses import dataclass

from fastapi import Cookie, HTTPException, status


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    last_name: str
    email: str
    email_verified: bool


USERS = {
    "alice": User(42, "Alice", "Example", "alice@example.com", True),
    "bob": User(7, "Bob", "Example", "bob@example.com", False),
}
SESSIONS: dict[str, User] = {}


def sign_in(username: str) -> str:
    sid = secrets.token_urlsafe(24)
    SESSIONS[sid] = USERS[username]
    return sid


def current_user(session: str | None = Cookie(default=None)) -> User:
    user = SESSIONS.get(session or "")
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    return user
