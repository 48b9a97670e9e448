"""authlib: ``jwt.encode(header, payload, key)`` from ``authlib.jose``, also on a
``JsonWebToken([...])`` instance.

There is no default algorithm (``header["alg"]`` is required) and the token is bytes.
"""

from __future__ import annotations

NAME = "authlib"
IMPORTS = ("authlib",)
_ENCODE = ("headers", "payload", "key")
APIS = {
    "authlib.jose.jwt.encode": _ENCODE,
    "authlib.jose.JsonWebToken.encode": _ENCODE,
    "authlib.jose.rfc7519.jwt.encode": _ENCODE,
    "authlib.jose.rfc7519.JsonWebToken.encode": _ENCODE,
}
DEFAULT_ALG: str | None = None
RETURNS_BYTES = True
HEADER_ALG_WINS = True
