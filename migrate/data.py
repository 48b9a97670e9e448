"""Where the shipped data directories (templates/, mappings/) live.

In a wheel they are inside the package (migrate/_data); in a source checkout they are
at the top level of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ data directory is missing from this installation; reinstall migrate")
