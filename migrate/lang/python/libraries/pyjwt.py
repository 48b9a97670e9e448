"""PyJWT: ``jwt.encode(payload, key, algorithm="HS256", headers=None)``.

``headers["alg"]`` wins over the algorithm argument; before 2.0 ``encode`` returned bytes.
"""

from __future__ import annotations

NAME = "pyjwt"
IMPORTS = ("jwt",)
_ENCODE = ("payload", "key", "algorithm", "headers")
APIS = {
    "jwt.encode": _ENCODE,
    "jwt.api_jwt.encode": _ENCODE,
    "jwt.PyJWT.encode": _ENCODE,
    "jwt.api_jwt.PyJWT.encode": _ENCODE,
}
DEFAULT_ALG: str | None = "HS256"
RETURNS_BYTES = True
HEADER_ALG_WINS = True
