"""Python JWT libraries, one module each.  Adding a library is adding a module here that says:

* ``NAME``: the library's name in signers (``migrate.extract.LIBRARIES``);
* ``IMPORTS``: the top-level modules a file imports to use it (only such files are read closely);
* ``APIS``: qualified name of each signing function -> its positional parameters by role
  (``ROLES``), e.g. ``{"jwt.encode": ("payload", "key", "algorithm", "headers")}``.  A class's
  ``encode`` (``"authlib.jose.JsonWebToken.encode"``) also matches calls on its instances;
* ``DEFAULT_ALG``: the algorithm it signs with when none is given (None: there is no default);
* ``RETURNS_BYTES``: its signing function returns bytes (in some supported version);
* ``HEADER_ALG_WINS``: an ``alg`` in the headers argument overrides the algorithm argument.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

# What a signing function's parameters are for.
ROLES = frozenset({"payload", "key", "algorithm", "headers"})
# The keywords a payload is passed by (`claims=` in python-jose).
PAYLOAD_KEYWORDS = ("payload", "claims")


@cache
def all_libraries() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))


@cache
def apis() -> dict[str, tuple[ModuleType, tuple[str, ...]]]:
    """Qualified name of every signing function -> (its library, its parameters by role)."""
    return {name: (lib, params) for lib in all_libraries() for name, params in lib.APIS.items()}


@cache
def by_name() -> dict[str, ModuleType]:
    return {lib.NAME: lib for lib in all_libraries()}


@cache
def imports() -> tuple[str, ...]:
    """Top-level modules without one of which no library can sign in a file."""
    return tuple(dict.fromkeys(m for lib in all_libraries() for m in lib.IMPORTS))


def payload_position(library: str, qualified: set[str] | frozenset[str] = frozenset()) -> int | None:
    """Where the payload is among the positional arguments of a library's signing call: the
    API the call's qualified names name, else the library's first API (calls on an instance)."""
    lib = by_name().get(library)
    if lib is None:
        return None
    params = next((lib.APIS[q] for q in sorted(qualified) if q in lib.APIS), next(iter(lib.APIS.values())))
    return params.index("payload") if "payload" in params else None
