"""JavaScript/TypeScript as the shared value engine (``migrate.extract.values``) sees it.

Scoping: ``var`` and bare assignments belong to the function, ``let``/``const`` to their
block, function declarations take effect from the start of their block; parameters,
destructured names and imports hide outer names without a value; code inside a function
sees names assigned further down around it (it runs after the module body).  Expressions:
names bound to functions or classes are not followed, ``this.x`` reads the class field's
initialiser, else the first ``this.x =`` of the class.  Keys: text encoders are looked
through, key constructors and decoders shown.  Callers: through ``this``, instances of the
class, objects holding the function and constants holding an arrow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import tree_sitter as ts
from tree_sitter import Node

from migrate.extract import traits
from migrate.extract.treesitter import Doc, language, query, string_value, walk
from migrate.extract.values import Assign, Grammar, KeyStep, Value, Values
from migrate.lang.javascript import ROUTE_METHODS
from migrate.model import Expr, ExprKind

FUNCTIONS = frozenset({
    "function_declaration", "function_expression", "function", "arrow_function",
    "method_definition",
    "generator_function_declaration", "generator_function",
})
# Nodes that open a block scope for let/const.
_BLOCKS = frozenset({
    "statement_block", "program", "switch_case", "switch_default", "for_statement",
    "for_in_statement", "class_body",
})
_VAR_SCOPES = FUNCTIONS | {"program"}
# Expression wrappers that change neither the value nor what it means.
_WRAPPERS = frozenset({
    "as_expression", "satisfies_expression", "non_null_expression", "parenthesized_expression",
})
_FIELDS = frozenset({"field_definition", "public_field_definition"})

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
_MAX_INLINE = 300  # longer initialisers are not substituted into an expression's text
# Initialisers that are not values worth substituting.
_NOT_INLINED = FUNCTIONS | {"class", "object", "array", "statement_block"}
_BRACKETED = frozenset({"binary_expression", "ternary_expression", "await_expression"})

# Calls that only turn a secret string into bytes: the secret is their argument.
_TEXT_ENCODINGS = {"utf8", "utf-8", "latin1", "binary", "ascii"}
# Calls that turn key material into a key object; the material is their first argument.
_KEY_WRAPPERS = re.compile(
    r"(?:^|\.)(createSecretKey|createPrivateKey|importPKCS8|importJWK|importSPKI|importX509|"
    r"atob|decode|from)$")
# jsrsasign's key objects: {utf8: secret} passes the text, {b64: secret} decodes it first.
_KEY_OBJECTS = {"utf8": frozenset(), "rstr": frozenset(), "hex": frozenset(),
                "b64": frozenset({"base64-decoded"}), "b64u": frozenset({"base64-decoded"})}
# Modules whose exports are settings rather than code.
_CONFIG_MODULE = re.compile(r"config|setting|secret|env|^@nestjs/config$", re.IGNORECASE)


def unwrap(node: Node, awaits: bool = False) -> Node:
    """Strip TypeScript assertions and parentheses (and ``await`` when asked)."""
    while True:
        t = node.type
        if not (t in _WRAPPERS or t == "type_assertion" or (awaits and t == "await_expression")):
            return node  # most nodes: their children are not read
        kids = node.named_children
        if not kids:
            return node
        node = kids[-1] if t == "type_assertion" else kids[0]


def args_of(call: Node) -> list[Node]:
    """The argument expressions of a call or ``new`` expression (comments dropped)."""
    args = call.child_by_field_name("arguments")
    if args is None:
        return []
    return [a for a in args.named_children if a.type != "comment"]


def enclosing(node: Node, types: frozenset[str]) -> Node | None:
    n = node.parent
    while n is not None and n.type not in types:
        n = n.parent
    return n


def inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def pattern_names(node: Node) -> Iterator[Node]:
    """Identifiers bound by a parameter list or a destructuring pattern."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier_pattern"):
            yield n
        elif n.type in ("assignment_pattern", "object_assignment_pattern"):
            stack.append(n.child_by_field_name("left") or n.named_children[0])
        elif n.type == "pair_pattern":
            value = n.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif n.type in ("required_parameter", "optional_parameter"):
            pattern = n.child_by_field_name("pattern")
            if pattern is not None:
                stack.append(pattern)
        elif n.type in ("formal_parameters", "object_pattern", "array_pattern", "rest_pattern"):
            stack.extend(reversed(n.named_children))


def parameters(fn: Node) -> Iterator[Node]:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is not None:
        yield from pattern_names(params)


def number_value(text: str) -> int | float | None:
    t = text.replace("_", "").lower().rstrip("n")
    try:
        v: float = int(t, 0) if t[:2] in ("0x", "0o", "0b") else float(t)
    except ValueError:
        return None
    return int(v) if float(v).is_integer() else v


# Node types the extractor looks at; they are gathered in one pass (a query runs in C, a
# Python walk over a large bundle does not) and shared by the names, the imports, the
# libraries and the context readers.
INDEXED = FUNCTIONS | _FIELDS | {
    "variable_declarator", "assignment_expression", "import_statement", "call_expression",
    "new_expression", "class", "class_declaration",
}


def index(grammar: str, doc: Doc) -> dict[str, list[Node]]:
    """Nodes of the ``INDEXED`` types, by type, in source order."""
    lang = language(grammar)
    kinds = sorted(t for t in INDEXED if lang.id_for_node_kind(t, True))
    source = "[" + " ".join(f"({t})" for t in kinds) + "] @n"
    nodes = ts.QueryCursor(query(grammar, source)).captures(doc.root).get("n", [])
    out: dict[str, list[Node]] = {}
    for n in sorted(nodes, key=lambda n: n.start_byte):
        out.setdefault(n.type, []).append(n)
    return out


def _route(doc: Doc, fn: Node) -> str | None:
    """``app.get('/zendesk/jwt', auth, (req, res) => ...)`` -> '/zendesk/jwt' (also through
    one wrapper such as ``asyncHandler(async (req, res) => ...)``)."""
    node = fn
    for _ in range(2):
        args = node.parent
        if args is None or args.type != "arguments" or args.parent is None:
            return None
        call = args.parent
        callee = call.child_by_field_name("function")
        if callee is not None and callee.type == "member_expression" and \
                doc.text(callee.child_by_field_name("property")) in ROUTE_METHODS:
            first = args_of(call)
            return string_value(doc, first[0]) if first and first[0].type == "string" else None
        node = call
    return None


def function_name(doc: Doc, fn: Node) -> str | None:
    """The name a function is known by: its own, the variable, property or field holding it,
    or the route it handles."""
    name = fn.child_by_field_name("name")
    if name is not None:
        return doc.text(name)
    parent = fn.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        return doc.text(parent.child_by_field_name("name"))
    if parent.type == "pair":
        return doc.text(parent.child_by_field_name("key")).strip("'\"")
    if parent.type == "assignment_expression":
        return doc.text(parent.child_by_field_name("left"))
    if parent.type in _FIELDS:
        return doc.text(parent.child_by_field_name("name") or parent.child_by_field_name("property"))
    return _route(doc, fn)


def key_name(doc: Doc, key: Node | None, string: str | None = None) -> str | None:
    """A property name as written (``a``, ``'a'``, ``1``); ``string``: the value of a computed
    ``[name]`` when the caller could read it."""
    if key is None:
        return None
    if key.type in ("property_identifier", "identifier", "private_property_identifier", "number"):
        return doc.text(key)
    if key.type == "computed_property_name":
        return string
    return string_value(doc, key)


class JsGrammar(Grammar):
    """One JavaScript, TypeScript or TSX file."""

    kinds = _KINDS
    scopes = FUNCTIONS | (_BLOCKS - {"class_body"})
    classes = frozenset({"class_body"})  # owns the fields ``this.x`` reads
    assignment_types = INDEXED & (FUNCTIONS | _FIELDS | {
        "variable_declarator", "assignment_expression", "import_statement"})
    closed_classes = False  # a method sees the module's names
    bare_fields = False  # a field is only read through ``this``
    latest_wins = True  # ``x = 2`` belongs to the function, ``let x`` to a block of it
    later_in = FUNCTIONS
    depth = 4
    key_hops = 4
    key_as_expr = True
    opaque = FUNCTIONS | {"class"}
    sealed = FUNCTIONS
    longest = None

    def __init__(self, grammar: str, language: str):
        self.grammar = grammar
        self.language = language
        self._calls: dict[str, list[Node]] | None = None

    # --- literals and names

    def literal(self, doc: Doc, node: Node) -> tuple[ExprKind, Value]:
        t = node.type
        if t == "number":
            v = number_value(doc.text(node))
            return ("int" if isinstance(v, int) else "float"), v
        if t == "unary_expression":
            arg = node.child_by_field_name("argument")
            op = doc.text(node.child_by_field_name("operator"))
            if arg is not None and arg.type == "number" and op in ("-", "+"):
                v = number_value(doc.text(arg))
                if v is not None:
                    v = -v if op == "-" else v
                    return ("int" if isinstance(v, int) else "float"), v
        if t == "string":
            return "string", string_value(doc, node)
        if t == "template_string":
            if any(c.type == "template_substitution" for c in node.children):
                return "template", None
            return "string", string_value(doc, node)
        if t in ("true", "false"):
            return "bool", t == "true"
        return _KINDS.get(t, "other"), None

    def reference(self, doc: Doc, node: Node) -> str | None:
        if node.type in ("identifier", "shorthand_property_identifier"):
            return doc.text(node)
        if node.type == "member_expression" and \
                getattr(node.child_by_field_name("object"), "type", None) == "this":
            return "." + doc.text(node.child_by_field_name("property"))
        return None

    def unwrap(self, node: Node) -> Node:
        return unwrap(node)

    def unwrap_key(self, node: Node) -> Node:
        return unwrap(node, awaits=True)

    def assignments(self, doc: Doc, node: Node) -> Iterable[Assign]:
        t = node.type
        root = doc.root
        if t == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            decl = node.parent
            if decl is not None and decl.type == "variable_declaration":  # var: function scoped
                scope = enclosing(decl, _VAR_SCOPES) or root
            else:
                scope = enclosing(node, _BLOCKS) or root
            if name is None:
                return ()
            start, end = node.start_byte, node.end_byte
            if name.type == "identifier":
                return (Assign(doc.text(name), name, value, start, False, scope, end),)
            return [Assign(doc.text(n), n, None, start, False, scope, end) for n in pattern_names(name)]
        if t == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                return ()
            if left.type == "identifier":
                scope = enclosing(node, _VAR_SCOPES) or root
                return (Assign(doc.text(left), left, right, node.start_byte, True, scope, node.end_byte),)
            name = self.reference(doc, left)
            if name is not None and name.startswith("."):  # this.x = ...: a field of the class
                return (Assign(name, left, right, node.end_byte, True),)
            return ()
        if t in FUNCTIONS:
            out = [Assign(doc.text(p), p, None, node.start_byte, False, node, node.start_byte, parameter=True)
                   for p in parameters(node)]
            name = node.child_by_field_name("name")
            if t.endswith("_declaration") and name is not None:  # hoisted to its block
                block = enclosing(node, _BLOCKS) or root
                out.append(Assign(doc.text(name), name, node, block.start_byte, False, block, node.start_byte))
            return out
        if t in _FIELDS:
            key = node.child_by_field_name("property") or node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if node.parent is None or node.parent.type != "class_body" or key is None or value is None:
                return ()
            return (Assign("." + doc.text(key), key, value, node.end_byte),)
        if t == "import_statement":
            source = node.child_by_field_name("source")
            module = string_value(doc, source) if source is not None else None
            for n in walk(node):
                if n.type == "import_require_clause":
                    module = string_value(doc, n.child_by_field_name("source"))
            return [Assign(doc.text(n), n, None, 0, False, root, 0, origin=module or None)
                    for n in walk(node) if n.type == "identifier"]
        return ()

    def binding_span(self, node: Node) -> tuple[int, int] | None:
        """Where ``assignments`` reads names: a declarator's name, an assignment's left side,
        a function's name and parameters (before its body), a field's key."""
        t = node.type
        if t in FUNCTIONS:
            part = node.child_by_field_name("body")
            return (node.start_byte, part.start_byte) if part is not None else None
        if t == "variable_declarator":
            part = node.child_by_field_name("name")
        elif t == "assignment_expression":
            part = node.child_by_field_name("left")
        elif t in _FIELDS:
            part = node.child_by_field_name("property") or node.child_by_field_name("name")
        else:
            return None
        return (part.start_byte, part.end_byte) if part is not None else None

    def own_span(self, node: Node) -> tuple[int, int] | None:
        """A function's parameters: they are its own locals (its name belongs to the block
        around it)."""
        if node.type not in FUNCTIONS:
            return None
        params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        return (params.start_byte, params.end_byte) if params is not None else None

    def field_read(self, found: list[Assign]) -> Assign:
        """The field's initialiser, else the first ``this.x =`` in the class."""
        return next((a for a in found if not a.assigned), found[0])

    # --- functions and their callers

    def parameters(self, doc: Doc, scope: Node) -> Iterable[str]:
        if scope.type not in FUNCTIONS:
            return ()
        return [doc.text(p) for p in parameters(scope)]

    def positional(self, doc: Doc, scope: Node) -> list[str]:
        """Plain parameters in order, up to the first destructured or rest one."""
        if scope.type not in FUNCTIONS:
            return []
        params = scope.child_by_field_name("parameters") or scope.child_by_field_name("parameter")
        if params is None:
            return []
        if params.type == "identifier":  # x => ...
            return [doc.text(params)]
        out = []
        for p in params.named_children:
            if p.type == "comment":
                continue
            if p.type in ("rest_pattern", "object_pattern", "array_pattern"):
                break
            name = p
            if name.type in ("required_parameter", "optional_parameter"):
                name = name.child_by_field_name("pattern")
            if name is not None and name.type == "assignment_pattern":
                name = name.child_by_field_name("left")
            out.append(doc.text(name) if name is not None and name.type == "identifier" else "")
        return out

    def scope_name(self, doc: Doc, scope: Node) -> str | None:
        return function_name(doc, scope) if scope.type in FUNCTIONS else None

    def argument(self, doc: Doc, call: Node, position: int, name: str) -> Node | None:
        """The argument at ``position``, unless a spread comes before it."""
        args = args_of(call)
        if position < len(args) and not any(a.type == "spread_element" for a in args[:position + 1]):
            return args[position]
        return None

    def calls(self, values: Values, name: str) -> list[Node]:
        """Calls of a function or method by its (last) name."""
        if self._calls is None:
            self._calls = {}
            for n in values.find(("call_expression",)):
                callee = n.child_by_field_name("function")
                if callee is not None and callee.type == "member_expression":
                    callee = callee.child_by_field_name("property")
                self._calls.setdefault(values.doc.text(callee), []).append(n)
        return self._calls.get(name, [])

    def callers(self, values: Values, scope: Node) -> list[Node]:
        """Calls of ``scope`` outside itself: by its name when it is a local (function
        declaration, ``const f = () => ..``); a method or property function through ``this``
        inside its class or object, or through the name that holds it."""
        doc = values.doc
        name, receivers, region = self._called_as(values, scope)
        if name is None:
            return []
        out = []
        for call in self.calls(values, name):
            callee = call.child_by_field_name("function")
            if inside(call, scope) or callee is None or \
                    callee.type not in ("identifier", "member_expression") or \
                    (callee.type == "member_expression" and getattr(
                        callee.child_by_field_name("property"), "type", None) != "property_identifier"):
                continue
            callee = unwrap(callee)
            if callee.type == "identifier":
                a = values.lookup(doc.text(callee), callee) if receivers is None else None
                if a is not None and a.value is not None and unwrap(a.value).start_byte == scope.start_byte:
                    out.append(call)
            elif callee.type == "member_expression" and receivers is not None:
                obj = unwrap(callee.child_by_field_name("object"))
                if doc.text(obj) in receivers or (
                        obj.type == "this" and region is not None and inside(call, region)):
                    out.append(call)
        return out

    def _called_as(self, values: Values, fn: Node) -> tuple[str | None, set[str] | None, Node | None]:
        """The name a function is called by; for a method or property function also the
        receivers it is called through (None for a local function) and the class body or
        object where ``this`` is its owner."""
        doc = values.doc
        if fn.type == "method_definition":
            name = key_name(doc, fn.child_by_field_name("name"), self._computed(values, fn.child_by_field_name("name")))
            owner = fn.parent
            if owner is not None and owner.type == "class_body":
                return name, self._instances(values, owner.parent), owner
            return name, self._holders(doc, owner), owner
        name = fn.child_by_field_name("name")
        if name is not None and fn.type.endswith("_declaration"):
            return doc.text(name), None, None
        parent = fn.parent
        while parent is not None and parent.type == "parenthesized_expression":
            parent = parent.parent
        if parent is None:
            return None, None, None
        if parent.type == "variable_declarator":
            target = parent.child_by_field_name("name")
            if target is not None and target.type == "identifier":
                return doc.text(target), None, None
        elif parent.type == "pair":
            key = parent.child_by_field_name("key")
            return key_name(doc, key, self._computed(values, key)), self._holders(doc, parent.parent), parent.parent
        elif parent.type == "assignment_expression":
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "member_expression":
                return doc.text(left.child_by_field_name("property")), \
                    {doc.text(left.child_by_field_name("object"))}, None
        return None, None, None

    @staticmethod
    def _computed(values: Values, key: Node | None) -> str | None:
        if key is None or key.type != "computed_property_name" or not key.named_children:
            return None
        e = values.expr(key.named_children[0]).final
        return e.value if e.kind == "string" and isinstance(e.value, str) else None

    @staticmethod
    def _holders(doc: Doc, obj: Node | None) -> set[str]:
        """``const api = { ... }``: the name an object literal is held in."""
        parent = obj.parent if obj is not None else None
        if parent is not None and parent.type == "variable_declarator":
            target = parent.child_by_field_name("name")
            if target is not None and target.type == "identifier":
                return {doc.text(target)}
        return set()

    @staticmethod
    def _instances(values: Values, cls: Node | None) -> set[str]:
        """A class name (static calls) and the locals set to ``new`` of it."""
        doc = values.doc
        name = cls.child_by_field_name("name") if cls is not None else None
        if name is None:
            return set()
        cls_name = doc.text(name)
        out = {cls_name}
        for decl in values.find(("variable_declarator",)):
            value = decl.child_by_field_name("value")
            target = decl.child_by_field_name("name")
            if value is not None and target is not None and value.type == "new_expression" and \
                    doc.text(value.child_by_field_name("constructor")) == cls_name:
                out.add(doc.text(target))
        return out

    # --- expressions

    def origin(self, values: Values, node: Node) -> frozenset[str]:
        """"config" for ``cfg.zendesk.secret`` when ``cfg`` comes from a config module."""
        root = node
        while root.type in ("member_expression", "subscript_expression"):
            root = root.child_by_field_name("object") or root
        if root.type != "identifier":
            return frozenset()
        module = self.module(values, root)
        return frozenset({"config"}) if module and _CONFIG_MODULE.search(module) else frozenset()

    def module(self, values: Values, ident: Node) -> str | None:
        """The module a name was imported or required from."""
        a = values.lookup(values.doc.text(ident), ident)
        if a is None:
            return None
        if a.value is None:
            return a.origin
        value = a.value
        while value.type == "await_expression" and value.named_children:
            value = value.named_children[0]
        if value.type != "call_expression":
            return None
        args, callee = value.child_by_field_name("arguments"), value.child_by_field_name("function")
        if callee is not None and args is not None and args.named_children and \
                (callee.type == "import" or values.doc.text(callee) == "require"):
            return string_value(values.doc, args.named_children[0])
        return None

    def substitutes(self, node: Node, kind: ExprKind) -> bool:
        return node.type in _COMPOSITE

    def inline_reference(self, doc: Doc, node: Node) -> str | None:
        return doc.text(node) if node.type == "identifier" else None

    def inlines(self, doc: Doc, value: Node) -> bool:
        return value.type not in _NOT_INLINED and value.end_byte - value.start_byte <= _MAX_INLINE

    def bracket(self, doc: Doc, name: Node, value: Node) -> bool:
        parent = name.parent
        return value.type in _BRACKETED and parent is not None and parent.type != "parenthesized_expression"

    def made(self, text: str, line: int, column: int, kind: ExprKind = "other", value: Value = None,
             resolved: Expr | None = None, extra: frozenset[str] = frozenset(),
             drop: frozenset[str] = frozenset()) -> Expr:
        return traits.expr(self.language, text, line, column, kind, value, resolved, extra - drop)

    # --- keys

    def key_step(self, values: Values, node: Node) -> KeyStep | None:
        """Text encoders pass the secret's own bytes (looked through); key constructors and
        decoders are shown with the material they take; jsrsasign's ``{utf8: k}`` /
        ``{b64: k}`` pass or decode it."""
        doc = values.doc
        if node.type == "call_expression":
            encoded = self._encoded(values, node)
            if encoded is not None:
                return KeyStep(encoded, shown=False)
        if node.type in ("call_expression", "new_expression"):
            fn = doc.text(node.child_by_field_name("function") or node.child_by_field_name("constructor"))
            args = args_of(node)
            if args and _KEY_WRAPPERS.search(fn):
                return KeyStep(args[0])
        if node.type == "object":
            entries = [c for c in node.named_children if c.type != "comment"]
            if len(entries) == 1 and entries[0].type == "pair":
                key = entries[0].child_by_field_name("key")
                name = key_name(doc, key, self._computed(values, key))
                value = entries[0].child_by_field_name("value")
                if name in _KEY_OBJECTS and value is not None:
                    return KeyStep(value, traits=_KEY_OBJECTS[name])
        return None

    def _encoded(self, values: Values, node: Node) -> Node | None:
        """The argument of ``new TextEncoder().encode(x)``, ``enc.encode(x)`` or
        ``Buffer.from(x[, 'utf8'])``: calls that pass the secret's own bytes."""
        doc = values.doc
        fn, args = node.child_by_field_name("function"), args_of(node)
        if fn is None or fn.type != "member_expression" or not args:
            return None
        obj, prop = fn.child_by_field_name("object"), doc.text(fn.child_by_field_name("property"))
        if prop == "encode" and obj is not None and self._is_text_encoder(values, obj):
            return args[0]
        if doc.text(fn) == "Buffer.from":
            if len(args) == 1:
                return args[0]
            e = values.expr(args[1]).final
            encoding = e.value if e.kind == "string" and isinstance(e.value, str) else ""
            if encoding.lower() in _TEXT_ENCODINGS:
                return args[0]
        return None

    @staticmethod
    def _is_text_encoder(values: Values, node: Node) -> bool:
        doc = values.doc
        node = unwrap(node)
        if node.type == "identifier":
            a = values.lookup(doc.text(node), node)
            if a is None or a.value is None:
                return bool(re.search(r"enc", doc.text(node), re.IGNORECASE))
            node = unwrap(a.value)
        return node.type == "new_expression" and "TextEncoder" in doc.text(
            node.child_by_field_name("constructor"))
