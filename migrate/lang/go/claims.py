"""Go claim sets as golang-jwt receives them: ``jwt.MapClaims{...}``, a map built key by key,
or a struct literal whose fields are serialised through their ``json`` tags."""

from __future__ import annotations

import re

from migrate.extract.treesitter import Doc, string_value, walk
from migrate.extract.values import Node, Values, child, children
from migrate.model import Expr

# golang-jwt's registered-claims structs and the JSON names of their fields.
_REGISTERED_TYPES = frozenset({"RegisteredClaims", "StandardClaims"})
_REGISTERED_FIELDS = {
    "ExpiresAt": "exp", "IssuedAt": "iat", "NotBefore": "nbf", "Subject": "sub", "Issuer": "iss",
    "Audience": "aud", "ID": "jti", "Id": "jti",
}
_TAG = re.compile(r'json:"([^",]*)')


class StructTypes:
    """The struct types declared in one file: field name -> JSON name, and embedded types."""

    def __init__(self, doc: Doc):
        self.fields: dict[str, dict[str, str | None]] = {}
        self.embedded: dict[str, set[str]] = {}
        for spec in walk(doc.root):
            if spec.type == "type_spec":
                body = child(spec, "type")
                if body is not None and body.type == "struct_type":
                    self._read(doc, doc.text(child(spec, "name")), body)

    def _read(self, doc: Doc, name: str, body: Node) -> None:
        fields: dict[str, str | None] = {}
        embedded: set[str] = set()
        for decl in walk(body):
            if decl.type != "field_declaration":
                continue
            names = children(decl, "name")
            tag = _TAG.search(doc.text(child(decl, "tag")))
            if not names:  # an embedded type: its fields are promoted into this object
                embedded.add(_type_name(doc, child(decl, "type")))
                continue
            for n in names:
                json_name = tag.group(1) if tag and tag.group(1) else doc.text(n)
                fields[doc.text(n)] = None if json_name == "-" else json_name
        self.fields[name] = fields
        self.embedded[name] = embedded

    def json_name(self, type_name: str, field: str,
                  seen: frozenset[str] = frozenset()) -> str | None:
        """The JSON name of ``field`` in a value of ``type_name`` (promoted fields included)."""
        if type_name in _REGISTERED_TYPES:
            return _REGISTERED_FIELDS.get(field, field)
        if type_name not in self.fields:
            # Declared in another file: such claim structs tag their fields in snake_case.
            return _REGISTERED_FIELDS.get(field) or _snake(field)
        if field in self.fields[type_name]:
            return self.fields[type_name][field]
        for inner in self.embedded[type_name] - seen - {type_name}:
            if inner in self.fields and self._has(inner, field, seen | {type_name}):
                return self.json_name(inner, field, seen | {type_name})
        return _REGISTERED_FIELDS.get(field)

    def _has(self, type_name: str, field: str, seen: frozenset[str]) -> bool:
        if field in self.fields.get(type_name, {}):
            return True
        return any(self._has(inner, field, seen | {type_name})
                   for inner in self.embedded.get(type_name, set()) - seen - {type_name})

    def embeds(self, type_name: str, field: str) -> bool:
        """Whether ``field`` names an embedded struct (``RegisteredClaims: ...``)."""
        return field in self.embedded.get(type_name, ()) or (
            type_name not in self.fields and field in _REGISTERED_TYPES)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _type_name(doc: Doc, node: Node | None) -> str:
    """``jwt.RegisteredClaims`` / ``*Claims`` / ``Claims`` -> the bare type name."""
    while node is not None and node.type in ("pointer_type", "generic_type"):
        node = node.named_children[0] if node.named_child_count else None
    if node is None:
        return ""
    if node.type == "qualified_type":
        return doc.text(child(node, "name"))
    return doc.text(node)


def _address(node: Node) -> Node:
    """``&Claims{...}`` -> ``Claims{...}``."""
    if node.type == "unary_expression" and node.child_count == 2 and node.children[0].type == "&":
        return node.children[1]
    return node


class ClaimReader:
    """Reads the claims handed to golang-jwt, following names and later mutations."""

    def __init__(self, index: Values, types: StructTypes):
        self.index = index
        self.doc = index.doc
        self.types = types

    def literal(self, node: Node) -> tuple[dict[str, Expr], str | None]:
        """Claims of a map or struct literal (after following names); and its struct type."""
        node = self.index.follow(_address(node))
        node = _address(node)
        if node.type == "call_expression":  # jwt.MapClaims(map[string]interface{}{...})
            args = children(child(node, "arguments"))
            if len(args) == 1 and self.doc.text(child(node, "function")).endswith("MapClaims"):
                return self.literal(args[0])
        if node.type != "composite_literal":
            return {}, None
        type_node = child(node, "type")
        type_name = _type_name(self.doc, type_node)
        if type_node is not None and type_node.type == "map_type" or type_name == "MapClaims":
            return self._map(node), None
        return self._struct(node, type_name), type_name

    def _map(self, node: Node) -> dict[str, Expr]:
        claims: dict[str, Expr] = {}
        for key, value in self._elements(node):
            claims[self._key(key)] = self.index.expr(value)
        return claims

    def _key(self, key: Node) -> str:
        """A map key: a string literal, or a constant holding one (``claimExp``)."""
        if key.type == "identifier":
            a = self.index.lookup(self.doc.text(key), key)
            if a is not None:
                key = self.index.g.unwrap(a.value)
        if key.type.endswith("string_literal"):
            value = string_value(self.doc, key)
            if value is not None:
                return value
        return self.doc.text(key)

    def _struct(self, node: Node, type_name: str) -> dict[str, Expr]:
        claims: dict[str, Expr] = {}
        for key, value in self._elements(node):
            field = self.doc.text(key)
            if self.types.embeds(type_name, field):
                inner, _ = self.literal(value)
                claims.update(inner)
                continue
            name = self.types.json_name(type_name, field)
            if name:
                claims[name] = self.index.expr(value)
        return claims

    def _elements(self, node: Node) -> list[tuple[Node, Node]]:
        body = child(node, "body")
        pairs = []
        for el in children(body):
            if el.type == "keyed_element":
                key, value = child(el, "key"), child(el, "value")
                if key is not None and value is not None:
                    pairs.append((self.index.g.unwrap(key), value))
        return pairs

    def mutations(self, names: set[str], type_name: str | None, scope: Node, after: int,
                  before: int) -> dict[str, Expr]:
        """``claims["exp"] = v`` and ``claims.ExpiresAt = v`` between two byte offsets."""
        claims: dict[str, Expr] = {}
        for n in walk(scope):
            if n.type != "assignment_statement" or not (after <= n.start_byte < before):
                continue
            left = children(child(n, "left"))
            right = children(child(n, "right"))
            if len(left) != 1 or len(right) != 1:
                continue
            name = self._target(left[0], names, type_name)
            if name:
                claims[name] = self.index.expr(right[0])
        return claims

    def _target(self, target: Node, names: set[str], type_name: str | None) -> str | None:
        doc = self.doc
        if target.type == "index_expression":
            operand, index = child(target, "operand"), child(target, "index")
            if operand is not None and index is not None and self._is_claims(operand, names):
                return self._key(index)
        if target.type == "selector_expression" and type_name is not None:
            operand, field = child(target, "operand"), doc.text(child(target, "field"))
            while operand is not None and operand.type == "selector_expression":
                operand = child(operand, "operand")  # claims.RegisteredClaims.ExpiresAt
            if operand is not None and doc.text(operand) in names:
                return self.types.json_name(type_name, field)
        return None

    def _is_claims(self, operand: Node, names: set[str]) -> bool:
        if operand.type == "type_assertion_expression":  # token.Claims.(jwt.MapClaims)["exp"]
            operand = child(operand, "operand")
            return operand is not None and self.doc.text(operand) in {f"{n}.Claims" for n in names}
        return self.doc.text(operand) in names
