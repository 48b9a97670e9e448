"""python-jose: ``jose.jwt.encode(claims, key, algorithm="HS256", headers=None)`` and
``jose.jws.sign(payload, key, headers=None, algorithm="HS256")``.

The algorithm argument wins over ``headers["alg"]``; the token is a str.
"""

from __future__ import annotations

NAME = "python-jose"
IMPORTS = ("jose",)
APIS = {
    "jose.jwt.encode": ("payload", "key", "algorithm", "headers"),
    "jose.jws.sign": ("payload", "key", "headers", "algorithm"),
}
DEFAULT_ALG: str | None = "HS256"
RETURNS_BYTES = False
HEADER_ALG_WINS = False
