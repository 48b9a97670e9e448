"""From what a person pastes to a decoded compact JWS, saying what had to be stripped."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field

MAX_LENGTH = 64 * 1024  # tokens are a few KB; anything larger is not one


class Malformed(ValueError):
    """Not a compact JWS; the message says why in the user's terms."""


@dataclass(frozen=True)
class Cleaned:
    token: str
    wrappers: tuple[str, ...] = ()  # what was around it: "double quotes", "b''", "Bearer ", ...


@dataclass(frozen=True)
class Decoded:
    header: dict
    claims: dict
    signing_input: bytes
    signature: bytes
    segments: tuple[str, str, str] = field(repr=False, default=("", "", ""))


def clean(raw: str) -> Cleaned:
    """Strip what browsers, consoles and templates put around a token."""
    wrappers: list[str] = []
    text = raw.strip()
    for _ in range(4):  # wrappers nest: '"Bearer eyJ..."'
        before = text
        if text[:7].lower() == "bearer ":
            wrappers.append("Bearer ")
            text = text[7:].strip()
        m = re.fullmatch(r"b(['\"])(.*)\1", text, re.S)
        if m:
            wrappers.append("b''")
            text = m.group(2).strip()
        elif len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
            wrappers.append({"\"": "double quotes", "'": "single quotes", "`": "backticks"}[text[0]])
            text = text[1:-1].strip()
        elif text.startswith(("\\\"", "\\'")) and text.endswith(("\\\"", "\\'")) and len(text) >= 4:
            wrappers.append("escaped quotes")
            text = text[2:-2].strip()
        if text == before:
            break
    return Cleaned(text, tuple(wrappers))


def _b64(segment: str, what: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", segment):
        bad = next(ch for ch in segment if not (ch.isascii() and (ch.isalnum() or ch in "-_")))
        raise Malformed(f"the {what} is not base64url (it contains {bad!r}"
                        + ("; '+' and '/' are plain base64, JWTs use '-' and '_'" if bad in "+/=" else "")
                        + ")")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise Malformed(f"the {what} is not valid base64url (its length {len(segment)} is impossible)") from None


def _not_json(name: str) -> object:
    raise ValueError(name)


def _json(data: bytes, what: str) -> dict:
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_not_json)
    except UnicodeDecodeError:
        raise Malformed(f"the {what} is not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError):
        raise Malformed(f"the {what} is not JSON") from None
    except ValueError as exc:  # NaN/Infinity (not JSON), or a number too long to read
        why = f"{exc} is not a JSON number" if str(exc) in ("NaN", "Infinity", "-Infinity") else \
            "a number is too long to read"
        raise Malformed(f"the {what} is not JSON ({why})") from None
    if not isinstance(value, dict):
        raise Malformed(f"the {what} is JSON but not an object")
    return value


def decode(token: str) -> Decoded:
    if not token:
        raise Malformed("the token is empty")
    if len(token) > MAX_LENGTH:
        raise Malformed(f"{len(token):,} characters is far too long for a JWT (limit {MAX_LENGTH:,})")
    parts = token.split(".")
    if len(parts) == 5:
        raise Malformed("it has 5 segments: an encrypted JWE, not a signed JWT")
    if len(parts) != 3:
        raise Malformed(f"a JWT has 3 dot-separated segments (header.payload.signature); this has {len(parts)}")
    header = _json(_b64(parts[0], "header"), "header")
    claims = _json(_b64(parts[1], "payload"), "payload")
    signature = _b64(parts[2], "signature")
    return Decoded(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature,
                   (parts[0], parts[1], parts[2]))
