"""``jwt.sign(payload, secret, options?, callback?)`` from the jsonwebtoken package.

What the library does on its own matters as much as what the code writes: the algorithm
defaults to HS256, ``iat`` is added unless ``noTimestamp``, ``expiresIn`` is seconds when a
number and goes through ``ms()`` when a string, so a unit-less "3600" means 3.6 seconds.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tree_sitter import Node

from migrate.lang.javascript.context import Parts
from migrate.lang.javascript.imports import Imports, calls
from migrate.lang.javascript.scope import FUNCTIONS, args_of
from migrate.lang.javascript.values import Entry, JsFile
from migrate.model import Expr

# Options that jsonwebtoken copies into the payload.
_OPTION_CLAIMS = {"subject": "sub", "audience": "aud", "issuer": "iss", "jwtid": "jti"}
# Timespans: options that jsonwebtoken turns into "iat + duration".
_TIMESPANS = {"expiresIn": "exp", "notBefore": "nbf"}
# Units of the ``ms`` package (jsonwebtoken's string durations), in seconds.
_MS_UNITS = {
    "ms": 0.001, "msec": 0.001, "msecs": 0.001, "millisecond": 0.001, "milliseconds": 0.001,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
    "y": 31557600, "yr": 31557600, "yrs": 31557600, "year": 31557600, "years": 31557600,
}
_MS = re.compile(r"(-?\d*\.?\d+)\s*([a-z]*)", re.I)


def ms_seconds(text: str) -> tuple[float | None, bool]:
    """Seconds for an ``ms``-style duration string, and whether it had no unit (then ``ms``
    reads it as milliseconds)."""
    m = _MS.fullmatch(text.strip())
    if not m:
        return None, False
    unit = m.group(2).lower()
    if not unit:
        return float(m.group(1)) / 1000, True
    factor = _MS_UNITS.get(unit)
    return (float(m.group(1)) * factor if factor is not None else None), False


def timespan(f: JsFile, entry: Entry) -> Expr:
    """The managed claim an ``expiresIn`` / ``notBefore`` option produces: "now + N"."""
    value = f.expr(entry.value).final
    extra = {"clock"} | (value.traits - {"literal"})
    seconds: float | None = None
    if value.kind in ("int", "float") and isinstance(value.value, (int, float)):
        seconds = float(value.value)
    elif value.kind == "string" and isinstance(value.value, str):
        seconds, unitless = ms_seconds(value.value)
        if unitless:
            extra.add("ms-unit-string")
    elif value.kind == "binary":
        seconds = _product(value.text)
    e = f.make(f.text(entry.at), entry.at, "other", extra=extra)
    return replace(e, offset=seconds)


def _product(text: str) -> float | None:
    """``60 * 60 * 6`` -> 21600."""
    parts = [p.strip().replace("_", "") for p in text.split("*")]
    try:
        total = 1.0
        for p in parts:
            total *= float(p)
        return total
    except ValueError:
        return None


def _options(f: JsFile, node: Node, call: Node, parts: Parts) -> None:
    entries = f.entries(node, call.start_byte)
    if entries is None:  # an options object we cannot read: the algorithm is unknown
        parts.algorithm = None
        return
    opts = {e.key: e for e in entries if e.key != "..."}
    if "algorithm" in opts:
        parts.algorithm_expr = f.expr(opts["algorithm"].value)
        parts.algorithm = f.string(opts["algorithm"].value)
    if "keyid" in opts:
        parts.header["kid"] = f.expr(opts["keyid"].value)
    if "header" in opts:  # merged over {alg, typ, kid} by jsonwebtoken
        for h in f.entries(opts["header"].value, call.start_byte) or []:
            if h.key == "alg":
                parts.algorithm_expr = f.expr(h.value)
                parts.algorithm = f.string(h.value)
            elif h.key != "...":
                parts.header[h.key] = f.expr(h.value)
    for option, claim in _TIMESPANS.items():
        if option in opts:
            parts.managed[claim] = timespan(f, opts[option])
    for option, claim in _OPTION_CLAIMS.items():
        if option in opts and claim not in parts.claims:
            parts.claims[claim] = f.expr(opts[option].value)
    if "noTimestamp" in opts and f.expr(opts["noTimestamp"].value).final.value is True:
        parts.managed.pop("iat", None)


def read_sign(f: JsFile, call: Node) -> Parts:
    args = args_of(call)
    callback = next((a for a in args[2:] if a.type in FUNCTIONS), None)
    parts = Parts(call=call, library="jsonwebtoken", token=call, algorithm="HS256",
                  callback=callback)
    if args:
        parts.claims = f.claims(args[0], call.start_byte)
    if len(args) >= 2:
        parts.key = args[1]
    if "iat" not in parts.claims:
        parts.managed["iat"] = f.make("iat set by jsonwebtoken", call, "other", extra={"clock"})
    if len(args) >= 3 and args[2].type not in FUNCTIONS:
        _options(f, args[2], call, parts)
    return parts


EXPORTS = {"jsonwebtoken": {None: "jsonwebtoken", "sign": "jsonwebtoken.sign"}}
GLOBALS = {"jwt": "jsonwebtoken", "jsonwebtoken": "jsonwebtoken"}  # snippets that leave out the require
WORDS = ("jsonwebtoken", "jwt", "JWT", "Jwt")


def find(f: JsFile, imports: Imports) -> list[Parts]:
    """``jwt.sign(payload, key, options)`` and ``sign(...)`` imported by name."""
    return [read_sign(f, n) for n in f.nodes_writing("call_expression", imports.written("jsonwebtoken.sign", "sign"))
            if calls(f, n, imports, "jsonwebtoken", "sign")]
