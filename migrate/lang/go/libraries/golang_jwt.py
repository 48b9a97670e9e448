"""golang-jwt (and its predecessor dgrijalva/jwt-go, and the form3tech-oss fork).

    token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
    token.Header["kid"] = kid
    signed, err := token.SignedString([]byte(secret))
"""

from __future__ import annotations

import re

NAME = "golang-jwt"
IMPORTS = re.compile(r"^github\.com/(golang-jwt/jwt(/v\d+)?|dgrijalva/jwt-go(/v\d+)?|"
                     r"form3tech-oss/jwt-go)$")
PACKAGE = "jwt"
CONSTRUCTORS = ("NewWithClaims", "New")
SIGNS = ("SignedString",)
METHOD_LOOKUP: str | None = "GetSigningMethod"
DEFAULT_ALG: str | None = None
