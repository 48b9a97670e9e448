"""JavaScript JWT libraries, one module each.  Adding a library is adding a module here that
says what it exports and how its signing calls read:

* ``EXPORTS``: module name -> {exported name (None for the module object) -> role}, where a
  role is the library's name or ``"<library>.<export>"`` (see ``migrate.lang.javascript.imports``);
* ``GLOBALS`` (optional): names a page or a snippet uses without importing them;
* ``WORDS``: a file that may use the library holds one of these (plain substring tests);
* ``find(f, imports) -> list[Parts]``: its signing calls in a parsed file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType


@cache
def all_libraries() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))


@cache
def words() -> tuple[str, ...]:
    """Words without which no library can sign in a file (it is then not parsed)."""
    return tuple(dict.fromkeys(w for lib in all_libraries() for w in lib.WORDS))
