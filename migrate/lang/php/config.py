"""Laravel configuration files (`config/<name>.php` returning an array): which keys hold a
literal, so that a key read with `config('services.zendesk.secret')` can be told to be a
committed secret.  Values are never kept: a marker names the key and says how it is written.
"""

from __future__ import annotations

import re

from migrate.extract.treesitter import Doc, string_value, walk
from migrate.lang.php.dialect import child, children
from migrate.model import Marker

_CONFIG_FILE = re.compile(r"(?:^|/)config/([\w-]+)\.php$")


def is_config_file(path: str) -> bool:
    return _CONFIG_FILE.search(path) is not None


def literal_markers(path: str, doc: Doc) -> list[Marker]:
    """`config-literal` markers ("name.key.path<TAB>literal|fallback") for keys whose value is a
    non-empty string literal, or `env('X', 'literal')` with a non-empty default."""
    m = _CONFIG_FILE.search(path)
    if m is None:
        return []
    top = next((n for n in walk(doc.root) if n.type == "return_statement"), None)
    array = next((c for c in children(top) if c.type == "array_creation_expression"), None) if top else None
    out: list[Marker] = []
    if array is not None:
        _entries(doc, array, [m.group(1)], out)
    return out


def _entries(doc: Doc, array, prefix: list[str], out: list[Marker]) -> None:
    for element in children(array):
        if element.type != "array_element_initializer" or element.named_child_count != 2:
            continue
        key_node, value = element.named_children
        key = string_value(doc, key_node)
        if key is None:
            continue
        if value.type == "array_creation_expression":
            _entries(doc, value, [*prefix, key], out)
            continue
        how = _how(doc, value)
        if how is not None:
            line, col = doc.pos(value)
            out.append(Marker("config-literal", line, col, ".".join([*prefix, key]) + "\t" + how))


def _how(doc: Doc, value) -> str | None:
    if value.type in ("string", "encapsed_string"):
        return "literal" if string_value(doc, value) else None
    if value.type == "function_call_expression" and doc.text(child(value, "function")) == "env":
        args = [a.named_children[-1] for a in children(child(value, "arguments")) if a.named_children]
        if len(args) > 1 and args[1].type in ("string", "encapsed_string") and string_value(doc, args[1]):
            return "fallback"
    return None
