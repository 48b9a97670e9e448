"""Claim mapping rules (mappings/claims/*.yaml): data, validated, with errors that name file, line and key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from migrate.data import data_dir

TRANSFORMS = ("string", "boolean", "number")
_KEYS = {"to", "transform", "drop"}
# ID-token claim names generate writes into code: plain names, or namespaced ones (a URL without
# quotes, spaces or escapes), so that no language's string literal can be broken out of.
CLAIM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:/-]{0,127}")


class MappingError(ValueError):
    """A mapping file is invalid; the message is `file:line: key: what is wrong`."""


@dataclass(frozen=True)
class ClaimRule:
    source: str  # the Zendesk claim (or header) name
    targets: tuple[str, ...]  # ID-token claims; empty when dropped
    transform: str | None
    drop: str | None  # the reason, when dropped
    origin: str  # "zendesk-messaging.yaml:12", shown next to each change


@dataclass(frozen=True)
class Profile:
    name: str
    claims: tuple[ClaimRule, ...]
    header: tuple[ClaimRule, ...]

    def claim(self, name: str) -> ClaimRule | None:
        return next((r for r in self.claims if r.source == name), None)

    def header_rule(self, name: str) -> ClaimRule | None:
        return next((r for r in self.header if r.source == name), None)


def _fail(path: Path, node, key: str, what: str) -> MappingError:
    line = node.start_mark.line + 1 if node is not None else 1
    return MappingError(f"{path}:{line}: {key}: {what}")


def _rules(path: Path, section, where: str) -> dict[str, ClaimRule]:
    import yaml

    out: dict[str, ClaimRule] = {}
    if section is None:
        return out
    if not isinstance(section, yaml.MappingNode):
        raise _fail(path, section, where, "must be a mapping of claim names")
    for key_node, value_node in section.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _fail(path, key_node, where, "a claim name must be plain text")
        name = key_node.value
        key = f"{where}.{name}"
        if not isinstance(value_node, yaml.MappingNode):
            raise _fail(path, value_node, key, "must be a mapping like {to: sub} or {drop: reason}")
        if any(not isinstance(k, yaml.ScalarNode) for k, _ in value_node.value):
            raise _fail(path, value_node, key, "field names must be plain text (to, transform, drop)")
        fields = {k.value: v for k, v in value_node.value}
        for field_name in ("transform", "drop"):
            if field_name in fields and not isinstance(fields[field_name], yaml.ScalarNode):
                raise _fail(path, fields[field_name], f"{key}.{field_name}", "must be plain text")
        unknown = set(fields) - _KEYS
        if unknown:
            raise _fail(path, value_node, key, f"unknown field {sorted(unknown)[0]!r} (use to, transform, drop)")
        if ("to" in fields) == ("drop" in fields):
            raise _fail(path, value_node, key, "give exactly one of `to` (the ID-token claim) or `drop` (a reason)")
        targets: tuple[str, ...] = ()
        if "to" in fields:
            to = fields["to"]
            if isinstance(to, yaml.SequenceNode):
                targets = tuple(t.value for t in to.value)
            else:
                targets = (to.value,)
            if not all(t and isinstance(t, str) for t in targets):
                raise _fail(path, to, f"{key}.to", "must name a claim")
            bad = next((t for t in targets if not CLAIM_NAME.fullmatch(t)), None)
            if bad is not None:  # the name is written into generated code in every language
                raise _fail(path, to, f"{key}.to", f"{bad!r} is not a claim name (letters, digits and _ . : / - "
                                                   "only, starting with a letter or _, at most 128)")
        transform = fields["transform"].value if "transform" in fields else None
        if transform is not None and transform not in TRANSFORMS:
            raise _fail(path, fields["transform"], f"{key}.transform",
                        f"unknown transform {transform!r} (use {', '.join(TRANSFORMS)})")
        drop = fields["drop"].value if "drop" in fields else None
        if drop is not None and not str(drop).strip():
            raise _fail(path, fields["drop"], f"{key}.drop", "say why the claim is dropped")
        out[name] = ClaimRule(name, targets, transform, drop, f"{path.name}:{key_node.start_mark.line + 1}")
    return out


def load_file(path: Path, shipped: bool = False) -> tuple[str, dict[str, ClaimRule], dict[str, ClaimRule]]:
    """One rules file.  shipped: one of ours, read with libyaml when PyYAML has it; a user's
    goes through the pure-Python reader (its recursion limit makes hostile nesting an error)."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader) if shipped else yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise MappingError(f"{path}:{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(root, yaml.MappingNode):
        raise _fail(path, root, "(top)", "must be a mapping with profile, claims and header")
    if any(not isinstance(k, yaml.ScalarNode) for k, _ in root.value):
        raise _fail(path, root, "(top)", "keys must be plain text: version, profile, claims, header")
    top = {k.value: (k, v) for k, v in root.value}
    unknown = set(top) - {"version", "profile", "claims", "header"}
    if unknown:
        name = sorted(unknown)[0]
        raise _fail(path, top[name][0], name, "unknown key (use version, profile, claims, header)")
    if "profile" not in top:
        raise _fail(path, root, "profile", "missing: which Zendesk profile these rules are for")
    if not isinstance(top["profile"][1], yaml.ScalarNode):
        raise _fail(path, top["profile"][1], "profile", "must be a profile name")
    profile = top["profile"][1].value
    from migrate.token.context import ZENDESK

    if profile not in ZENDESK:
        raise _fail(path, top["profile"][1], "profile", f"unknown profile {profile!r} (use {', '.join(ZENDESK)})")
    return (profile, _rules(path, top.get("claims", (None, None))[1], "claims"),
            _rules(path, top.get("header", (None, None))[1], "header"))


def load(extra: tuple[Path, ...] = ()) -> dict[str, Profile]:
    """The shipped rules, overridden or extended by each --mapping file in order."""
    merged: dict[str, tuple[dict[str, ClaimRule], dict[str, ClaimRule]]] = {}
    for profile, claims, header in [*_shipped(), *(load_file(path) for path in extra)]:
        base_claims, base_header = merged.setdefault(profile, ({}, {}))
        base_claims.update(claims)
        base_header.update(header)
    return {name: Profile(name, tuple(c.values()), tuple(h.values())) for name, (c, h) in merged.items()}


@cache
def _shipped() -> tuple[tuple[str, dict[str, ClaimRule], dict[str, ClaimRule]], ...]:
    """The shipped rules files, read once per run (scan and generate both ask)."""
    return tuple(load_file(path, shipped=True) for path in sorted((data_dir("mappings") / "claims").glob("*.yaml")))
