"""Go JWT libraries, one module each.  Adding a library is adding a module here that says:

* ``NAME``: the library's name in signers (``migrate.extract.LIBRARIES``);
* ``IMPORTS``: a regular expression matching the import paths of the library (and its forks);
* ``PACKAGE``: the package name a file uses when it imports the library without an alias;
* ``CONSTRUCTORS``: the package functions that create a token (the signer is reported there),
  with the signing method first and the claims second;
* ``SIGNS``: the token's methods that sign it, with the key first;
* ``METHOD_LOOKUP``: the package function that names a signing method by string (or None);
* ``DEFAULT_ALG``: the algorithm it signs with when none is given (None: one is always given).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType


@cache
def all_libraries() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))


def of_import(path: str) -> ModuleType | None:
    """The library an import path brings in."""
    return next((lib for lib in all_libraries() if lib.IMPORTS.match(path)), None)
