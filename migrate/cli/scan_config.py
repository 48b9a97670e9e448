"""Scan settings from a file: `scan:` in migrate.yaml, or [tool.migrate.scan] in pyproject.toml.

The file is looked for in the scanned folder and each folder above it, up to the repository's
top (the folder holding .git); the first folder with either file wins, migrate.yaml before
pyproject.toml (whose [tool.migrate] table must be there for it to count).  Options given on the
command line win over the file; --exclude adds to the file's exclude list.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

YAML_NAMES = ("migrate.yaml", "migrate.yml", ".migrate.yaml")
FORMATS = ("concise", "full", "text", "json", "sarif", "github", "gitlab", "junit")


class ConfigError(ValueError):
    """A settings file that cannot be used, said in one line with the file's name."""


@dataclass(frozen=True)
class ScanSettings:
    path: Path | None = None  # the file they come from
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    output_format: str | None = None
    exit_zero: bool | None = None
    jobs: int | None = None
    max_file_size: int | None = None
    file_timeout: float | None = None
    values: dict = field(default_factory=dict)  # what the file set, by option name

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None


def find(start: Path) -> Path | None:
    """The settings file for a scan of start (a folder or a file)."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    while True:
        for name in YAML_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_migrate(pyproject):
            return pyproject
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def _has_tool_migrate(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # someone else's broken pyproject is not ours to report unless it names us
    return isinstance(data.get("tool"), dict) and "migrate" in data["tool"]


def load(path: Path) -> ScanSettings:
    """The scan section of one settings file (ConfigError when it cannot be used)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    if name == "pyproject.toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        top = data.get("tool", {}).get("migrate", {})
        where = "[tool.migrate]"
    else:
        import yaml  # only when there is a YAML settings file to read

        try:
            top = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" on line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}: not valid YAML{at}") from None
        top = {} if top is None else top
        where = "the file"
    if not isinstance(top, dict):
        raise ConfigError(f"{path}: {where} must be a table of sections (scan: ...)")
    if name != "pyproject.toml":
        top = {k: v for k, v in top.items() if not _generate_setting(k)}  # migrate.yaml is generate's too
    unknown = sorted(str(k) for k in top if k != "scan")
    if unknown:
        hint = " (scan options go under [tool.migrate.scan])" if name == "pyproject.toml" and \
            unknown[0].replace("_", "-") in _KEYS else ""
        known = "the known one is 'scan'" if name == "pyproject.toml" else \
            "scan's options go under 'scan:', generate's settings (region, deployment_id, issuer...) at the top"
        raise ConfigError(f"{path}: unknown section {unknown[0]!r} in {where}; {known}{hint}")
    section = top.get("scan", {})
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: scan must be a table of options")
    return _settings(path, section)


def _generate_setting(key: object) -> bool:
    """A top-level migrate.yaml key that `migrate generate` reads (region, issuer...): not scan's."""
    if not isinstance(key, str):
        return False
    from migrate.generate.config import SETTINGS

    return key.replace("-", "_") in SETTINGS


_KEYS = ("select", "ignore", "exclude", "output-format", "exit-zero", "jobs", "max-file-size",
         "file-timeout")


def _settings(path: Path, section: dict) -> ScanSettings:
    values: dict = {}
    for raw_key, value in section.items():
        key = str(raw_key).replace("_", "-")
        if key == "format":
            key = "output-format"
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown scan option {raw_key!r}; known: {', '.join(_KEYS)}")
        values[key] = _check(path, key, value)
    return ScanSettings(
        path=path,
        select=values.get("select"), ignore=values.get("ignore"), exclude=values.get("exclude", ()),
        output_format=values.get("output-format"), exit_zero=values.get("exit-zero"),
        jobs=values.get("jobs"), max_file_size=values.get("max-file-size"),
        file_timeout=values.get("file-timeout"), values=values)


def _check(path: Path, key: str, value: object) -> object:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{path}: scan option {key} must be {expected}, not {value!r}")

    if key in ("select", "ignore", "exclude"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise bad("a list of strings")
        if key == "exclude":
            return tuple(items)
        return tuple(v.strip() for item in items for v in item.split(",") if v.strip())
    if key == "output-format":
        if value not in FORMATS:
            raise bad("one of " + ", ".join(FORMATS))
        return value
    if key == "exit-zero":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if key == "jobs":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad("a whole number from 1")
        return value
    if key == "max-file-size":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
            raise bad("a whole number of MB from 1 to 4096")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 86400:
        raise bad("a number of seconds from 0 to 86400")
    return float(value)


def relative_prefix(config_folder: Path | None, root: str) -> str:
    """root's path from the settings file's folder ("" or ending in "/"): the file's exclude
    patterns are relative to its folder, as .gitignore patterns are.  Patterns of a file that is
    not above root (given with --config) are read relative to root."""
    if config_folder is None:
        return ""
    folder = Path(root).resolve()
    if not folder.is_dir():
        folder = folder.parent  # a single file is read with its name as its path
    rel = os.path.relpath(folder, config_folder.resolve()).replace(os.sep, "/")
    if rel == ".":
        return ""
    if rel == ".." or rel.startswith("../"):
        return ""
    return rel + "/"
