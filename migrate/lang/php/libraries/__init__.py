"""PHP JWT libraries, one module each.  Adding a library is adding a module here that says:

* ``NAME``: the library's name in signers (``migrate.extract.LIBRARIES``);
* ``CLASS``: the fully qualified class whose static methods sign;
* ``GLOBAL_NAME``: the class's name when a file uses it without a ``use`` (an older release
  lived in the global namespace), unless the file's ``use`` gives that name to another class;
  None when there is no such release;
* ``SIGNS``: the static methods that sign a token;
* ``PARAMETERS``: their parameters in order (named arguments are read by these names), among
  ``payload``, ``key``, ``alg``, ``keyId`` (the ``kid`` header) and ``head`` (header fields);
* ``DEFAULT_ALG``: the algorithm it signs with when none is given (None: there is no default).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

# What a signing method's parameters are for.
ROLES = frozenset({"payload", "key", "alg", "keyId", "head"})


@cache
def all_libraries() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))
