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
from migrate.extract.treesitter import Doc, string_value
from migrate.lang.javascript.scope import (
    FUNCTIONS,
    Binding,
    Scope,
    args_of,
    enclosing,
    index,
    inside,
    unwrap,
)
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

# jsrsasign's key objects: {utf8: secret} passes the text, {b64: secret} decodes it first.
_KEY_OBJECTS = {"utf8": frozenset(), "rstr": frozenset(), "hex": frozenset(),
                "b64": frozenset({"base64-decoded"}), "b64u": frozenset({"base64-decoded"})}
_MAX_CALLERS = 8  # call sites looked at when a value is followed into a function's caller

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
        self._calls_cache: dict[str, list[Node]] | None = None

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
        if binding is None:
            return None
        if binding.value is None:
            return self._passed_entries(node, binding, until, depth)
        init = unwrap(binding.value)
        if init.type != "object":
            return None
        return self._object_entries(init, until, depth + 1) + \
            self._writes(binding, until, depth + 1)

    def _passed_entries(self, ident: Node, binding: Binding, until: int,
                        depth: int) -> list[Entry] | None:
        """A parameter of a function called once in this file: the object the call passes,
        plus the writes to the parameter before ``until``."""
        passed = self.passed(ident)
        if passed is None or len(passed) != 1:
            return None
        arg, call = passed[0]
        outer = self.entries(arg, call.start_byte, depth + 1)
        if outer is None:
            return None
        return outer + self._writes(binding, until, depth + 1)

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

    def key(self, node: Node, depth: int = 0, hopped: bool = False) -> Expr:
        """The Expr of a signing key, seeing through text encoders (the secret is their
        argument) and keeping key constructors and decoders in the text (so that traits see
        ``Buffer.from(x, 'base64')``) with the material as ``resolved``.  A parameter is
        followed once into the same-file calls of its function."""
        node = unwrap(node, awaits=True)
        if depth >= _MAX_DEPTH:
            return self.expr(node, depth)
        inner = self._encoded(node)
        if inner is not None:
            return self.key(inner, depth + 1, hopped)
        if node.type in ("call_expression", "new_expression"):
            fn = self.text(node.child_by_field_name("function") or
                           node.child_by_field_name("constructor"))
            args = args_of(node)
            if args and _KEY_WRAPPERS.search(fn):
                material = self.key(args[0], depth + 1, hopped)
                return self.make(self.text(node), node, "call", resolved=material)
        if node.type == "object":
            wrapped = self._key_object(node)
            if wrapped is not None:
                material, extra = wrapped
                return self.make(self.text(node), node, "object",
                                 resolved=self.key(material, depth + 1, hopped), extra=extra)
        init = self._value_of(node)
        if init is not None:
            kind = "name" if node.type == "identifier" else "member"
            return self.make(self.text(node), node, kind,
                             resolved=self.key(init, depth + 1, hopped), extra=self._origin(node))
        if node.type == "identifier":
            caller = None if hopped else self._passed_key(node, depth)
            return self.make(self.text(node), node, "name", resolved=caller,
                             extra=self._origin(node))
        return self.expr(node, depth)

    def _key_object(self, node: Node) -> tuple[Node, frozenset[str]] | None:
        """jsrsasign's ``{utf8: secret}`` / ``{b64: secret}``: the material, and what is done
        to it."""
        entries = [c for c in node.named_children if c.type != "comment"]
        if len(entries) != 1 or entries[0].type != "pair":
            return None
        name = self._key_name(entries[0].child_by_field_name("key"))
        value = entries[0].child_by_field_name("value")
        if name not in _KEY_OBJECTS or value is None:
            return None
        return value, _KEY_OBJECTS[name]

    def _passed_key(self, ident: Node, depth: int) -> Expr | None:
        """A key parameter: what the function's same-file callers pass (see
        ``traits.through_callers``)."""
        passed = (self.passed(ident) or [])[:_MAX_CALLERS]
        return traits.through_callers(self.key(arg, depth + 1, hopped=True) for arg, _ in passed)

    # --- one hop through a same-file call --------------------------------------------------

    def passed(self, ident: Node) -> list[tuple[Node, Node]] | None:
        """For a plain parameter of a function this file calls: (argument, call) for each call
        site; None when ``ident`` is not such a parameter."""
        found = self._parameter(ident)
        if found is None:
            return None
        fn, position = found
        out = []
        for call in self._callers(fn):
            args = args_of(call)
            if position < len(args) and not any(
                    a.type == "spread_element" for a in args[:position + 1]):
                out.append((args[position], call))
        return out

    def _parameter(self, ident: Node) -> tuple[Node, int] | None:
        """The function ``ident`` is a positional parameter of, and its position."""
        b = self.scope.binding(self.text(ident), ident)
        if b is None or b.value is not None or b.scope.type not in FUNCTIONS or \
                b.start != b.scope.start_byte or b.end != b.start:
            return None
        fn = b.scope
        params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
        if params is None:
            return None
        if params.type == "identifier":  # x => ...
            return (fn, 0) if self.text(params) == b.name else None
        for position, p in enumerate(c for c in params.named_children if c.type != "comment"):
            if p.type in ("rest_pattern", "object_pattern", "array_pattern"):
                return None
            name = p
            if name.type in ("required_parameter", "optional_parameter"):
                name = name.child_by_field_name("pattern")
            if name is not None and name.type == "assignment_pattern":
                name = name.child_by_field_name("left")
            if name is not None and name.type == "identifier" and self.text(name) == b.name:
                return fn, position
        return None

    def _callers(self, fn: Node) -> list[Node]:
        """Calls of ``fn`` in this file, outside ``fn`` itself: by its name when it is a local
        (function declaration, ``const f = () => ..``); a method or property function through
        ``this`` inside its class or object, or through the name that holds it."""
        if self._calls_cache is None:
            self._calls_cache = {}
            for n in self.nodes("call_expression"):
                callee = n.child_by_field_name("function")
                if callee is not None and callee.type == "member_expression":
                    callee = callee.child_by_field_name("property")
                if callee is not None and callee.type in ("identifier", "property_identifier"):
                    self._calls_cache.setdefault(self.text(callee), []).append(n)
        name, receivers, region = self._function_name(fn)
        if name is None:
            return []
        out = []
        for call in self._calls_cache.get(name, []):
            if inside(call, fn):
                continue
            callee = unwrap(call.child_by_field_name("function"))
            if callee.type == "identifier":
                value = self.scope.value(callee) if receivers is None else None
                if value is not None and unwrap(value).start_byte == fn.start_byte:
                    out.append(call)
            elif callee.type == "member_expression" and receivers is not None:
                obj = unwrap(callee.child_by_field_name("object"))
                if self.text(obj) in receivers or (
                        obj.type == "this" and region is not None and inside(call, region)):
                    out.append(call)
        return out

    def _function_name(self, fn: Node) -> tuple[str | None, set[str] | None, Node | None]:
        """The name a function is called by; for a method or property function also the
        receivers it is called through (None for a local function) and the class body or
        object where ``this`` is its owner."""
        if fn.type == "method_definition":
            name = self._key_name(fn.child_by_field_name("name"))
            owner = fn.parent
            if owner is not None and owner.type == "class_body":
                return name, self._instances(owner.parent), owner
            return name, self._holders(owner), owner
        name = fn.child_by_field_name("name")
        if name is not None and fn.type.endswith("_declaration"):
            return self.text(name), None, None
        parent = fn.parent
        while parent is not None and parent.type == "parenthesized_expression":
            parent = parent.parent
        if parent is None:
            return None, None, None
        if parent.type == "variable_declarator":
            target = parent.child_by_field_name("name")
            if target is not None and target.type == "identifier":
                return self.text(target), None, None
        elif parent.type == "pair":
            return self._key_name(parent.child_by_field_name("key")), \
                self._holders(parent.parent), parent.parent
        elif parent.type == "assignment_expression":
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "member_expression":
                return self.text(left.child_by_field_name("property")), \
                    {self.text(left.child_by_field_name("object"))}, None
        return None, None, None

    def _holders(self, obj: Node | None) -> set[str]:
        """``const api = { ... }``: the name an object literal is held in."""
        parent = obj.parent if obj is not None else None
        if parent is not None and parent.type == "variable_declarator":
            target = parent.child_by_field_name("name")
            if target is not None and target.type == "identifier":
                return {self.text(target)}
        return set()

    def _instances(self, cls: Node | None) -> set[str]:
        """A class name (static calls) and the locals set to ``new`` of it."""
        name = cls.child_by_field_name("name") if cls is not None else None
        if name is None:
            return set()
        cls_name = self.text(name)
        out = {cls_name}
        for decl in self.nodes("variable_declarator"):
            value = decl.child_by_field_name("value")
            target = decl.child_by_field_name("name")
            if value is not None and target is not None and value.type == "new_expression" and \
                    self.text(value.child_by_field_name("constructor")) == cls_name:
                out.add(self.text(target))
        return out

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
