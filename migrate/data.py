"""Where the shipped data directories (templates/, mappings/) live.

In a wheel they are inside the package (migrate/_data); in a source checkout they are
at the top level of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_yaml(name: str, folder: str = "mappings"):
    """A YAML file we ship, read with libyaml when PyYAML has it (several times faster than the
    pure-Python reader).  Only for our own files: what users write goes through the safe
    pure-Python reader, whose recursion limit turns hostile nesting into a clean error."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(data_dir(folder) / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # noqa: S506  a safe loader, our own file


def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ data directory is missing from this installation; reinstall migrate")
