"""What JavaScript/TypeScript expressions stand for: claim values, object entries, keys.

``JsFile.expr`` turns a node into an ``Expr`` and follows local names one step (and the
names inside ``now + 300``), ``JsFile.entries`` reads an object literal, or a local variable
holding one together with the later ``payload.exp = ...`` writes, and ``JsFile.key`` sees
through the encoders that wrap a signing secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Node

from migrate.extract import traits
from migrate.extract.base import Source
from migrate.extract.js_scope import (
    FUNCTIONS, Binding, Scope, args_of, enclosing, index, unwrap,
)
from migrate.extract.treesitter import Doc, string_value
from migrate.model import Expr, ExprKind

_MAX_DEPTH = 4
_MAX_INLINE = 300  # longer initialisers are not substituted into an expression's text
# Initialisers that are not values worth substituting.
_NOT_INLINED = FUNCTIONS | {"class", "object", "array", "statement_block"}
_COMPOSITE = frozenset({
    "binary_expression", "unary_expression", "call_expression", "new_expression",
    "member_expression", "subscript_expression", "template_string", "ternary_expression",
    "await_expression",
})
_KINDS: dict[str, ExprKind] = {
    "member_expression": "member", "subscript_expression": "member", "call_expression": "call",
    "new_expression": "call", "await_expression": "call", "binary_expression": "binary",
    "object": "object", "true": "bool", "false": "bool", "null": "null", "undefined": "null",
    "identifier": "name", "shorthand_property_identifier": "name",
}
# Calls that only turn a secret string into bytes: the secret is their argument.
_TEXT_ENCODINGS = {"utf8", "utf-8", "latin1", "binary", "ascii"}
# Calls that turn key material into a key object; the material is their first argument.
_KEY_WRAPPERS = re.compile(
    r"(?:^|\.)(createSecretKey|createPrivateKey|importPKCS8|importJWK|importSPKI|importX509|"
    r"atob|decode|from)$")

# Modules whose exports are settings rather than code.
_CONFIG_MODULE = re.compile(r"config|setting|secret|env|^@nestjs/config$", re.I)


@dataclass(frozen=True, slots=True)
class Entry:
    """One property of an object as the code builds it."""

    key: str  # the property name, or "..." for a spread
    at: Node  # where it is written: the pair, the shorthand, the assignment
    value: Node  # its value expression (the identifier itself for a shorthand)


def number_value(text: str) -> int | float | None:
    t = text.replace("_", "").lower().rstrip("n")
    try:
        v: float = int(t, 0) if t[:2] in ("0x", "0o", "0b") else float(t)
    except ValueError:
        return None
    return int(v) if float(v).is_integer() else v


class JsFile:
    """A parsed script with its bindings, in the vocabulary of ``migrate.model``."""

    def __init__(self, src: Source, grammar: str, doc: Doc):
        self.src = src
        self.doc = doc
        self.language = "javascript" if src.language == "javascript" else "typescript"
        self._nodes = index(grammar, doc)
        self._writes_cache: list[Node] | None = None

    @cached_property
    def scope(self) -> Scope:
        return Scope(self.doc, self._nodes)

    def nodes(self, *types: str) -> list[Node]:
        """The file's nodes of the given (indexed) types, in source order."""
        if len(types) == 1:
            return self._nodes.get(types[0], [])
        found = (n for t in types for n in self._nodes.get(t, ()))
        return sorted(found, key=lambda n: n.start_byte)

    def text(self, node: Node | None) -> str:
        return self.doc.text(node)

    def pos(self, node: Node) -> tuple[int, int]:
        return self.doc.pos(node)

    def make(self, text: str, at: Node, kind: ExprKind = "other", value=None,
             resolved: Expr | None = None, extra: frozenset[str] | set[str] = frozenset()) -> Expr:
        line, col = self.pos(at)
        return traits.expr(self.language, text, line, col, kind, value, resolved, extra)

    def string(self, node: Node | None) -> str | None:
        """The value of a string literal, following a local name one step."""
        if node is None:
            return None
        e = self.expr(node).final
        return e.value if e.kind == "string" and isinstance(e.value, str) else None

    # --- expressions -----------------------------------------------------------------------

    def _literal(self, node: Node) -> tuple[ExprKind, int | float | str | bool | None]:
        t = node.type
        if t == "number":
            v = number_value(self.text(node))
            return ("int" if isinstance(v, int) else "float"), v
        if t == "unary_expression":
            arg = node.child_by_field_name("argument")
            op = self.text(node.child_by_field_name("operator"))
            if arg is not None and arg.type == "number" and op in ("-", "+"):
                v = number_value(self.text(arg))
                if v is not None:
                    v = -v if op == "-" else v
                    return ("int" if isinstance(v, int) else "float"), v
        if t == "string":
            return "string", string_value(self.doc, node)
        if t == "template_string":
            if any(c.type == "template_substitution" for c in node.children):
                return "template", None
            return "string", string_value(self.doc, node)
        if t in ("true", "false"):
            return "bool", t == "true"
        return _KINDS.get(t, "other"), None

    def expr(self, node: Node, depth: int = 0) -> Expr:
        """The Expr for a value node, with local names followed (see ``Expr.resolved``)."""
        node = unwrap(node)
        kind, value = self._literal(node)
        resolved: Expr | None = None
        init = self._value_of(node) if depth < _MAX_DEPTH else None
        if init is not None and unwrap(init).type not in FUNCTIONS | {"class"}:
            resolved = self.expr(init, depth + 1)
        elif node.type in _COMPOSITE and depth < _MAX_DEPTH:
            text = self._substituted(node, depth)
            if text is not None:
                resolved = self.make(text, node, kind)
        return self.make(self.text(node), node, kind, value, resolved, self._origin(node))

    def _value_of(self, node: Node) -> Node | None:
        """What a local name or a ``this.field`` was set to, if the file says."""
        if node.type in ("identifier", "shorthand_property_identifier"):
            return self.scope.value(node)
        if node.type == "member_expression" and \
                getattr(node.child_by_field_name("object"), "type", None) == "this":
            return self._field_value(node)
        return None

    def _field_value(self, member: Node) -> Node | None:
        """``this.secret``: the class field initialiser, else an assignment in the class."""
        body = enclosing(member, frozenset({"class_body"}))
        name = self.text(member.child_by_field_name("property"))
        if body is None:
            return None
        for field in body.named_children:
            if field.type in ("field_definition", "public_field_definition"):
                key = field.child_by_field_name("property") or field.child_by_field_name("name")
                if self.text(key) == name and field.child_by_field_name("value") is not None:
                    return field.child_by_field_name("value")
        for n in self._mutations():
            left = n.child_by_field_name("left")
            if n.type == "assignment_expression" and body.start_byte <= n.start_byte and \
                    n.end_byte <= body.end_byte and left is not None and \
                    self.text(left) == f"this.{name}":
                return n.child_by_field_name("right")
        return None

    def _origin(self, node: Node) -> frozenset[str]:
        """"config" for ``cfg.zendesk.secret`` when ``cfg`` comes from a config module."""
        root = node
        while root.type in ("member_expression", "subscript_expression"):
            root = root.child_by_field_name("object") or root
        if root.type != "identifier":
            return frozenset()
        module = self.scope.module(root)
        return frozenset({"config"}) if module and _CONFIG_MODULE.search(module) else frozenset()

    def _substituted(self, node: Node, depth: int) -> str | None:
        """The node's text with each local name replaced by its initialiser, so that
        ``now + 300`` reads ``Math.floor(Date.now() / 1000) + 300``; None when no name is local."""
        edits: list[tuple[int, int, str]] = []
        stack = list(reversed(node.named_children))
        while stack:
            n = stack.pop()
            if n.type in FUNCTIONS:
                continue
            if n.type != "identifier":
                stack.extend(reversed(n.named_children))
                continue
            init = self.scope.value(n)
            if init is None:
                continue
            init = unwrap(init)
            if init.type in _NOT_INLINED or init.end_byte - init.start_byte > _MAX_INLINE:
                continue
            text = (self._substituted(init, depth + 1) if depth + 1 < _MAX_DEPTH else None) \
                or self.text(init)
            parent = n.parent
            if init.type in ("binary_expression", "ternary_expression", "await_expression") and \
                    parent is not None and parent.type != "parenthesized_expression":
                text = f"({text})"
            edits.append((n.start_byte - node.start_byte, n.end_byte - node.start_byte, text))
        if not edits:
            return None
        raw = self.doc.data[node.start_byte:node.end_byte]
        out, last = [], 0
        for start, end, text in sorted(edits):
            out.append(raw[last:start].decode("utf-8", "replace"))
            out.append(text)
            last = end
        out.append(raw[last:].decode("utf-8", "replace"))
        return "".join(out)

    # --- objects ---------------------------------------------------------------------------

    def _key_name(self, key: Node | None) -> str | None:
        if key is None:
            return None
        if key.type in ("property_identifier", "identifier", "private_property_identifier"):
            return self.text(key)
        if key.type == "number":
            return self.text(key)
        if key.type == "computed_property_name" and key.named_children:
            return self.string(key.named_children[0])
        return string_value(self.doc, key)

    def entries(self, node: Node, until: int, depth: int = 0) -> list[Entry] | None:
        """The properties of an object literal, or of a local variable initialised with one
        plus the writes to it before byte ``until``; None when the node is not readable."""
        node = unwrap(node, awaits=True)
        if node.type == "object":
            return self._object_entries(node, until, depth)
        if node.type != "identifier" or depth >= _MAX_DEPTH:
            return None
        binding = self.scope.binding(self.text(node), node)
        if binding is None or binding.value is None:
            return None
        init = unwrap(binding.value)
        if init.type != "object":
            return None
        return self._object_entries(init, until, depth + 1) + \
            self._writes(binding, until, depth + 1)

    def _object_entries(self, obj: Node, until: int, depth: int) -> list[Entry]:
        out: list[Entry] = []
        for child in obj.named_children:
            if child.type == "pair":
                name = self._key_name(child.child_by_field_name("key"))
                value = child.child_by_field_name("value")
                if name is not None and value is not None:
                    out.append(Entry(name, child, value))
            elif child.type == "shorthand_property_identifier":
                out.append(Entry(self.text(child), child, child))
            elif child.type == "method_definition":
                name = self._key_name(child.child_by_field_name("name"))
                if name is not None:
                    out.append(Entry(name, child, child))
            elif child.type == "spread_element":
                out.append(Entry("...", child, child))
                inner = child.named_children
                if inner and depth < _MAX_DEPTH:
                    out += self.entries(inner[0], until, depth + 1) or []
        return out

    def _writes(self, binding: Binding, until: int, depth: int) -> list[Entry]:
        """``payload.exp = ...``, ``payload['scope'] = ...`` and ``Object.assign(payload, {...})``
        after the declaration and before ``until``."""
        out: list[Entry] = []
        scope = binding.scope
        for n in self._mutations():
            if not (binding.end <= n.start_byte < until and scope.start_byte <= n.start_byte
                    and n.end_byte <= scope.end_byte):
                continue
            if n.type == "assignment_expression":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                target = self._member_of(left, binding)
                if target is not None and right is not None:
                    out.append(Entry(target, n, right))
            elif n.type == "call_expression" and self.text(n.child_by_field_name("function")) == \
                    "Object.assign":
                args = args_of(n)
                if args and self._is(args[0], binding):
                    for extra in args[1:]:
                        out += self.entries(extra, until, depth) or []
        return out

    def _mutations(self) -> list[Node]:
        """Every assignment and ``Object.assign`` call of the file, in source order."""
        if self._writes_cache is None:
            self._writes_cache = [
                n for n in self.nodes("assignment_expression", "call_expression")
                if n.type == "assignment_expression"
                or self.text(n.child_by_field_name("function")) == "Object.assign"]
        return self._writes_cache

    def _is(self, node: Node, binding: Binding) -> bool:
        node = unwrap(node)
        return node.type == "identifier" and self.text(node) == binding.name and \
            self.scope.binding(binding.name, node) == binding

    def _member_of(self, left: Node | None, binding: Binding) -> str | None:
        if left is None or left.type not in ("member_expression", "subscript_expression"):
            return None
        obj = left.child_by_field_name("object")
        if obj is None or not self._is(obj, binding):
            return None
        if left.type == "member_expression":
            return self.text(left.child_by_field_name("property"))
        return self.string(left.child_by_field_name("index"))

    def claims(self, node: Node, until: int) -> dict[str, Expr]:
        """Claims of a payload; an unreadable payload is the claim "..." (contents unknown)."""
        entries = self.entries(node, until)
        if entries is None:
            return {"...": self.expr(node)}
        out: dict[str, Expr] = {}
        for e in entries:
            if e.key == "...":
                out.setdefault("...", self.make(self.text(e.value), e.value))
            else:
                out[e.key] = self.expr(e.value)
        return out

    # --- keys ------------------------------------------------------------------------------

    def key(self, node: Node, depth: int = 0) -> Expr:
        """The Expr of a signing key, seeing through text encoders (the secret is their
        argument) and keeping key constructors and decoders in the text (so that traits see
        ``Buffer.from(x, 'base64')``) with the material as ``resolved``."""
        node = unwrap(node, awaits=True)
        if depth >= _MAX_DEPTH:
            return self.expr(node, depth)
        inner = self._encoded(node)
        if inner is not None:
            return self.key(inner, depth + 1)
        if node.type in ("call_expression", "new_expression"):
            fn = self.text(node.child_by_field_name("function") or
                           node.child_by_field_name("constructor"))
            args = args_of(node)
            if args and _KEY_WRAPPERS.search(fn):
                material = self.key(args[0], depth + 1)
                return self.make(self.text(node), node, "call", resolved=material)
        init = self._value_of(node)
        if init is not None:
            kind = "name" if node.type == "identifier" else "member"
            return self.make(self.text(node), node, kind, resolved=self.key(init, depth + 1),
                             extra=self._origin(node))
        if node.type == "identifier":
            return self.make(self.text(node), node, "name", extra=self._origin(node))
        return self.expr(node, depth)

    def _encoded(self, node: Node) -> Node | None:
        """The argument of ``new TextEncoder().encode(x)``, ``enc.encode(x)`` or
        ``Buffer.from(x[, 'utf8'])``: calls that pass the secret's own bytes."""
        if node.type != "call_expression":
            return None
        fn, args = node.child_by_field_name("function"), args_of(node)
        if fn is None or fn.type != "member_expression" or not args:
            return None
        obj, prop = fn.child_by_field_name("object"), self.text(fn.child_by_field_name("property"))
        if prop == "encode" and obj is not None and self._is_text_encoder(obj):
            return args[0]
        if self.text(fn) == "Buffer.from" and (
                len(args) == 1 or (self.string(args[1]) or "").lower() in _TEXT_ENCODINGS):
            return args[0]
        return None

    def _is_text_encoder(self, node: Node) -> bool:
        node = unwrap(node)
        if node.type == "identifier":
            init = self.scope.value(node)
            if init is None:
                return bool(re.search(r"enc", self.text(node), re.I))
            node = unwrap(init)
        return node.type == "new_expression" and "TextEncoder" in self.text(
            node.child_by_field_name("constructor"))
