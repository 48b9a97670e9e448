"""firebase/php-jwt: ``JWT::encode($payload, $key, $alg, $keyId = null, $head = null)``.

    use Firebase\\JWT\\JWT;
    $token = JWT::encode($payload, $secret, 'HS256', $kid, ['typ' => 'JWT']);

The algorithm is HS256 when left out, as php-jwt 5 did; php-jwt 2 lived in the global namespace.
"""

from __future__ import annotations

NAME = "php-jwt"
CLASS = "Firebase\\JWT\\JWT"
GLOBAL_NAME: str | None = "JWT"
SIGNS = ("encode",)
PARAMETERS = ("payload", "key", "alg", "keyId", "head")
DEFAULT_ALG: str | None = "HS256"
