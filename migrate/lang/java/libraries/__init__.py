"""Java JWT libraries, one module each.  Adding a library is adding a module here that says:

* ``NAME``: the library's name in signers (``migrate.extract.LIBRARIES``);
* ``WORDS``: regular expressions, one of which a file that may use the library matches (other
  files are not parsed);
* ``SIGNS``: the method names of the calls that sign a token (``compact``, ``sign``);
* ``read(r, call) -> Draft | None``: the token one of those calls signs, or None when the call
  is not the library's.  Builder chains, claim maps, keys and algorithms are read with the
  helpers every library shares (``migrate.lang.java.builders``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from types import ModuleType


@cache
def all_libraries() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))


@cache
def signing(method: str) -> tuple[ModuleType, ...]:
    """The libraries that may sign with a call to ``method``."""
    return tuple(lib for lib in all_libraries() if method in lib.SIGNS)


@cache
def relevant() -> re.Pattern[str]:
    """Files matching none of this cannot sign a token with any library."""
    return re.compile("|".join(w for lib in all_libraries() for w in lib.WORDS))
