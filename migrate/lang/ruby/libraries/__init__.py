"""Ruby JWT libraries, one module each.  Adding a library is adding a module here that says:

* ``NAME``: the library's name in signers (``migrate.extract.LIBRARIES``);
* ``RECEIVERS``: the constants its signing methods are called on (``JWT``, ``::JWT`` too);
* ``SIGNS``: those methods (``encode``), taking payload, key, algorithm and header fields;
* ``DEFAULT_ALG``: the algorithm it signs with when none is given (None: there is no default).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType


@cache
def all_libraries() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))


def signing(receiver: str, method: str) -> ModuleType | None:
    """The library ``receiver.method(..)`` signs a token with."""
    receiver = receiver.lstrip(":")
    return next((lib for lib in all_libraries() if receiver in lib.RECEIVERS and method in lib.SIGNS), None)
