"""How Python source looks to the shared value following (``migrate.extract.values``).

Names are the locals of functions, the module's names (which a function reads whenever it
runs, so after they are all assigned) and the ``self.x`` / ``cls.x`` members of a class; what
the file imports is followed into its qualified name (``from app.settings import KEY`` reads as
``app.settings.KEY``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from migrate.extract.treesitter import Doc
from migrate.extract.values import Assign, Grammar, Node, Value, Values, child, children, find
from migrate.lang.python.imports import import_bindings
from migrate.model import Expr, ExprKind

_KINDS: dict[str, ExprKind] = {
    "integer": "int", "float": "float", "true": "bool", "false": "bool", "none": "null",
    "identifier": "name", "attribute": "member", "call": "call", "dictionary": "object",
    "binary_operator": "binary",
}
_MEMBER_OWNERS = ("self", "cls")
# Identifiers that name something rather than read it, by the field they sit in.
_NOT_READS = {
    "attribute": "attribute", "keyword_argument": "name", "function_definition": "name",
    "class_definition": "name", "default_parameter": "name", "typed_default_parameter": "name",
    "named_expression": "name", "assignment": "left", "augmented_assignment": "left",
}
_PARAMETER_LISTS = frozenset({"parameters", "lambda_parameters", "list_splat_pattern",
                              "dictionary_splat_pattern", "typed_parameter", "dotted_name",
                              "aliased_import", "global_statement", "nonlocal_statement",
                              "pattern_list", "tuple_pattern", "as_pattern_target"})
# Calls that hand a key on unchanged or merely re-encoded: the key's origin is their argument.
_KEY_DECODERS = frozenset({"b64decode", "urlsafe_b64decode", "standard_b64decode", "decodebytes",
                           "b32decode"})
_KEY_CASTS = frozenset({"bytes", "str", "bytearray"})
_KEY_METHODS = frozenset({"encode", "decode", "strip", "rstrip"})
# datetime values: PyJWT, python-jose and authlib turn them into integer seconds themselves.
_DATETIME_CALLS = frozenset({"now", "utcnow", "fromtimestamp", "utcfromtimestamp", "astimezone",
                             "datetime", "timedelta"})
_DATE_OBJECT = frozenset({"date-object"})


class PythonGrammar(Grammar):
    grammar = "python"
    language = "python"
    kinds = _KINDS
    scopes = frozenset({"function_definition"})
    classes = frozenset({"class_definition"})
    wrappers = frozenset({"parenthesized_expression"})
    assignment_types = frozenset({"assignment", "named_expression", "parameters", "import_statement",
                                  "import_from_statement"})
    # A function reads the names around it when it runs: the latest assignment before the
    # read in any scope in reach, else the one further down around the function.
    latest_wins = True
    later_in = frozenset({"function_definition"})
    closed_classes = False  # past a method's class are the module's names
    bare_fields = False  # a method reads class attributes through self / cls only

    # --- literals and names

    def literal(self, doc: Doc, node: Node) -> tuple[ExprKind, Value]:
        kind = _KINDS.get(node.type)
        if kind is not None:
            if kind in ("int", "float"):
                return _number(doc.text(node), kind)
            if kind == "bool":
                return kind, node.type == "true"
            return kind, None
        if node.type in ("string", "concatenated_string"):
            return _string(doc, node)
        if node.type == "unary_operator" and doc.text(child(node, "operator")) == "-":
            number = child(node, "argument")
            if number is not None and number.type in ("integer", "float"):
                kind, value = _number(doc.text(number), _KINDS[number.type])
                return kind, -value if isinstance(value, (int, float)) else None
        return "other", None

    def reference(self, doc: Doc, node: Node) -> str | None:
        if node.type == "attribute":
            obj = child(node, "object")
            if obj is not None and obj.type == "identifier" and doc.text(obj) in _MEMBER_OWNERS:
                return "." + doc.text(child(node, "attribute"))
            return None
        if node.type != "identifier":
            return None
        parent = node.parent
        if parent is None or parent.type in _PARAMETER_LISTS:
            return None
        field = _NOT_READS.get(parent.type)
        if field is not None and child(parent, field) == node:
            return None
        return doc.text(node)

    def assignments(self, doc: Doc, node: Node) -> Iterable[Assign]:
        if node.type == "named_expression":
            name, value = child(node, "name"), child(node, "value")
            if name is None or value is None:
                return ()
            return (Assign(doc.text(name), name, value, node.end_byte, True),)
        if node.type == "parameters":  # a parameter hides the names around its function
            fn = node.parent
            if fn is None or fn.type != "function_definition":
                return ()
            return [Assign(n, p, None, node.end_byte, False, fn, parameter=True)
                    for n, _, p in _parameters(doc, fn)]
        if node.type in ("import_statement", "import_from_statement"):
            return [Assign(doc.text(n), n, None, node.end_byte, origin=q.lstrip("."))
                    for n, q in import_bindings(doc, node)]
        if node.parent is not None and node.parent.type == "assignment":
            return ()  # a = b = value: read with the outermost
        targets, value = [], node
        while value is not None and value.type == "assignment":
            targets.append(child(value, "left"))
            value = child(value, "right")
        if value is None:
            return ()  # x: int
        in_class = _in_class_body(node)
        out = []
        for target in targets:
            name = _target(doc, target)
            # A class attribute is not what ``self.x`` holds at run time (a model's field).
            if name is not None and not (in_class and not name.startswith(".")):
                out.append(Assign(name, target, value, node.end_byte, True))
        return out

    # --- functions and their callers

    def parameters(self, doc: Doc, scope: Node) -> frozenset[str]:
        return frozenset(name for name, _, _ in _parameters(doc, scope))

    def positional(self, doc: Doc, scope: Node) -> list[str]:
        names = [name for name, kind, _ in _parameters(doc, scope) if kind in ("positional", "keyword")]
        if names[:1] and names[0] in _MEMBER_OWNERS and _method(scope):
            names = names[1:]
        return names

    def scope_name(self, doc: Doc, scope: Node) -> str | None:
        return route_path(doc, scope) or doc.text(child(scope, "name")) or None

    def calls_to(self, doc: Doc, root: Node, name: str) -> Iterator[Node]:
        for call in find("python", root, ("call",)):
            if callee(doc, call) == name:
                yield call

    def argument(self, doc: Doc, call: Node, position: int, name: str) -> Node | None:
        """By keyword, else by position (a ``*args`` before it makes the position unknowable)."""
        index = 0
        for arg in arguments(call):
            if arg.type == "keyword_argument":
                if doc.text(child(arg, "name")) == name:
                    return child(arg, "value")
            elif arg.type in ("list_splat", "dictionary_splat"):
                if arg.type == "list_splat" and index <= position:
                    return None
            else:
                if index == position:
                    return arg
                index += 1
        return None

    # --- keys, imports and dates

    def key_inner(self, values: Values, node: Node) -> Node | None:
        return key_source(values.doc, node)

    def unvalued(self, values: Values, a: Assign, node: Node) -> Expr | None:
        if not a.origin:
            return None
        line, col = values.doc.pos(node)
        return values.made(a.origin, line, col, "member")

    def origin(self, values: Values, node: Node) -> frozenset[str]:
        return _DATE_OBJECT if _is_datetime(values.doc, node) else frozenset()


# --- readers the extractor shares ------------------------------------------------------------

def callee(doc: Doc, call: Node) -> str | None:
    """The last name of what is called: ``jsonify`` for ``flask.jsonify(...)``."""
    f = child(call, "function")
    if f is None:
        return None
    if f.type == "identifier":
        return doc.text(f)
    if f.type == "attribute":
        return doc.text(child(f, "attribute"))
    return None


def arguments(call: Node) -> list[Node]:
    """The arguments of a call, comments left out (a generator argument is one argument)."""
    args = child(call, "arguments")
    if args is None:
        return []
    if args.type != "argument_list":
        return [args]
    return [a for a in args.named_children if a.type != "comment"]


def string_of(doc: Doc, node: Node | None) -> str | None:
    """The value of a plain string literal (no f-string), None for anything else."""
    if node is None or node.type not in ("string", "concatenated_string"):
        return None
    kind, value = _string(doc, node)
    return value if kind == "string" and isinstance(value, str) else None


def simple_string(doc: Doc, node: Node | None) -> str | None:
    """The value of one string literal (not implicitly concatenated, no f-string, not bytes)."""
    return string_of(doc, node) if node is not None and node.type == "string" else None


def strings(doc: Doc, node: Node | None) -> list[str] | None:
    """["GET", "POST"] for a list, tuple or set of string literals."""
    if node is None or node.type not in ("list", "tuple", "set"):
        return None
    out = [string_of(doc, e) for e in node.named_children if e.type != "comment"]
    return [s for s in out if s is not None] if all(s is not None for s in out) else None


def decorators(fn: Node) -> list[Node]:
    """The expressions of a def's (or class's) decorators, outermost first."""
    holder = fn.parent
    if holder is None or holder.type != "decorated_definition":
        return []
    return [d.named_children[0] for d in holder.named_children
            if d.type == "decorator" and d.named_child_count]


_ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route"})


def route_path(doc: Doc, fn: Node) -> str | None:
    """``/x`` for a function decorated with ``@app.route('/x')``, ``@router.get('/x')``..."""
    if fn.type != "function_definition":
        return None
    for dec in decorators(fn):
        f = child(dec, "function") if dec.type == "call" else None
        if f is None or f.type != "attribute" or doc.text(child(f, "attribute")) not in _ROUTE_METHODS:
            continue
        for arg in arguments(dec):
            if arg.type == "keyword_argument":
                if doc.text(child(arg, "name")) in ("rule", "path"):
                    return simple_string(doc, child(arg, "value"))
            elif arg.type not in ("list_splat", "dictionary_splat"):
                return simple_string(doc, arg)
    return None


def key_source(doc: Doc, call: Node) -> Node | None:
    """The value a decoding or re-encoding call hands on: ``b64decode(SECRET)`` -> ``SECRET``."""
    if call.type != "call":
        return None
    name, f = callee(doc, call), child(call, "function")
    if name in _KEY_DECODERS or (name in _KEY_CASTS and f is not None and f.type == "identifier"):
        args = [a for a in arguments(call) if a.type not in ("keyword_argument", "list_splat", "dictionary_splat")]
        return args[0] if args else None
    if name in _KEY_METHODS and f is not None and f.type == "attribute":
        return child(f, "object")
    return None


def _is_datetime(doc: Doc, node: Node) -> bool:
    """``datetime.now(timezone.utc) + timedelta(minutes=5)``: a datetime, not a number."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "binary_operator" and doc.text(child(n, "operator")) in ("+", "-"):
            stack += [c for c in (child(n, "left"), child(n, "right")) if c is not None]
        elif n.type == "parenthesized_expression" and n.named_child_count:
            stack.append(n.named_children[-1])
        elif n.type == "call" and callee(doc, n) in _DATETIME_CALLS:
            return True
    return False


def _in_class_body(node: Node) -> bool:
    n = node.parent
    while n is not None and n.type not in ("function_definition", "class_definition", "lambda"):
        n = n.parent
    return n is not None and n.type == "class_definition"


def _method(scope: Node) -> bool:
    holder = scope.parent
    if holder is not None and holder.type == "decorated_definition":
        holder = holder.parent
    return holder is not None and holder.type == "block" and holder.parent is not None \
        and holder.parent.type == "class_definition"


def _parameters(doc: Doc, scope: Node) -> list[tuple[str, str, Node]]:
    """(name, kind, identifier) of a def's parameters; kind: positional, keyword (keyword-only),
    star or starstar."""
    out: list[tuple[str, str, Node]] = []
    keyword_only = False
    for p in children(child(scope, "parameters")):
        inner = p.named_children[0] if p.type == "typed_parameter" and p.named_child_count else p
        if inner.type == "keyword_separator":
            keyword_only = True
        elif inner.type in ("list_splat_pattern", "dictionary_splat_pattern"):
            name = next((c for c in inner.named_children if c.type == "identifier"), None)
            if name is not None:
                out.append((doc.text(name), "star" if inner.type == "list_splat_pattern" else "starstar", name))
            keyword_only = keyword_only or inner.type == "list_splat_pattern"
        else:
            name = inner if inner.type == "identifier" else child(inner, "name")
            if name is not None and name.type == "identifier":
                out.append((doc.text(name), "keyword" if keyword_only else "positional", name))
    return out


def _target(doc: Doc, node: Node | None) -> str | None:
    """``name`` for a bare name, ``.attr`` for ``self.attr`` / ``cls.attr``, else None."""
    if node is None:
        return None
    if node.type == "identifier":
        return doc.text(node)
    if node.type == "attribute":
        obj = child(node, "object")
        if obj is not None and obj.type == "identifier" and doc.text(obj) in _MEMBER_OWNERS:
            return "." + doc.text(child(node, "attribute"))
    return None


def _number(text: str, kind: ExprKind) -> tuple[ExprKind, Value]:
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return kind, None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "other", None  # 1j
    return ("int" if isinstance(value, int) else "float"), value


def is_fstring(doc: Doc, node: Node) -> bool:
    start = next((c for c in node.children if c.type == "string_start"), None)
    return "f" in doc.text(start).lower() or any(c.type == "interpolation" for c in node.children)


def _string(doc: Doc, node: Node) -> tuple[ExprKind, Value]:
    """("string", value) of a string literal, implicitly concatenated or not; ("template",
    None) for an f-string; ("string", None) when Python itself would refuse it."""
    parts = node.named_children if node.type == "concatenated_string" else [node]
    for part in parts:
        if part.type == "string" and is_fstring(doc, part):
            return "template", None
    text = doc.text(node)
    try:
        value = ast.literal_eval("(" + text + "\n)")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return "string", None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return "string", value if isinstance(value, str) else None




def target_name(doc: Doc, node: Node | None) -> str | None:
    """What an assignment to ``node`` sets: ``name``, ``.attr`` for ``self.attr``, else None."""
    return _target(doc, node)
