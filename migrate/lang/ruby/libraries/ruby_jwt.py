"""ruby-jwt: ``JWT.encode(payload, key, algorithm = 'HS256', header_fields = {})``.

The 4th argument (a hash, braced or not) holds header fields; the algorithm defaults to HS256
when it is left out.
"""

from __future__ import annotations

NAME = "ruby-jwt"
RECEIVERS = ("JWT",)
SIGNS = ("encode",)
DEFAULT_ALG: str | None = "HS256"
