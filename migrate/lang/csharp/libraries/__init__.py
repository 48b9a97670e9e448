"""C# JWT libraries, one module each.  Adding a library is adding a module here that says:

* ``NAME``: the library's name in signers (``migrate.extract.LIBRARIES``);
* ``WORDS``: regular expressions, one of which a file that may use the library matches (other
  files are not parsed);
* ``sites(r, calls) -> Iterable[Draft]``: the tokens the library signs, given every call (and
  ``new``) of the parsed file.  Dictionaries, anonymous objects, Claim lists, keys and algorithms
  are read with the helpers every library shares (``migrate.lang.csharp.builders``).
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
def relevant() -> re.Pattern[str]:
    """Files matching none of this cannot sign a token with any library."""
    return re.compile("|".join(w for lib in all_libraries() for w in lib.WORDS))
