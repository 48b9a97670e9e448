"""What a Python signing call is handed: claim and header mappings, values and keys.

Values become ``Expr`` through ``traits.expr`` so that rules read the same vocabulary in
every language.  Local names are followed one assignment at a time; inside composite
expressions they are replaced by what they hold (``now + 300`` reads as
``int(time.time()) + 300``), so the idiom tables see the clock.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from migrate.extract import traits
from migrate.lang.python.index import Index, callee, target_key
from migrate.model import UNKNOWN_CLAIM, Expr, ExprKind

# How far names are followed: enough for real code, and a bound for cycles (x = f(x)).
_DEPTH = 3  # assignments followed from one value
_MAP_DEPTH = 6  # variables, spreads and builder functions followed for one mapping
_MAX_CALLERS = 8  # call sites looked at when a key parameter is followed into its callers
UNKNOWN = UNKNOWN_CLAIM  # claim name for what cannot be read (**spread, a parameter)

# Calls that hand the key on unchanged or merely re-encoded: the key's origin is their argument.
_KEY_DECODERS = {"b64decode", "urlsafe_b64decode", "standard_b64decode", "decodebytes",
                 "b32decode"}
_KEY_CASTS = {"bytes", "str", "bytearray"}
_KEY_METHODS = {"encode", "decode", "strip", "rstrip"}
# datetime values: PyJWT, python-jose and authlib turn them into integer seconds themselves.
_DATETIME_CALLS = {"now", "utcnow", "fromtimestamp", "utcfromtimestamp", "astimezone", "datetime",
                   "timedelta"}
_NEEDS_PARENS = (cst.BinaryOperation, cst.BooleanOperation, cst.Comparison, cst.IfExp,
                 cst.UnaryOperation, cst.Lambda)
Mapping = dict[str, Expr]


def literal(node: cst.CSTNode) -> tuple[ExprKind, int | float | str | bool | None]:
    """What a node is, and its value when it is a literal."""
    if isinstance(node, cst.Integer):
        return "int", node.evaluated_value
    if isinstance(node, cst.Float):
        return "float", node.evaluated_value
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        if isinstance(node, cst.ConcatenatedString) and _has_fstring(node):
            return "template", None
        return "string", string_value(node)
    if isinstance(node, cst.FormattedString):
        return "template", None
    if (isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, (cst.Integer, cst.Float))):
        number = node.expression
        return ("int" if isinstance(number, cst.Integer) else "float"), -number.evaluated_value
    if isinstance(node, cst.Name):
        constants: dict[str, tuple[ExprKind, bool | None]] = {
            "True": ("bool", True), "False": ("bool", False), "None": ("null", None)}
        return constants.get(node.value, ("name", None))
    kinds: dict[type, ExprKind] = {cst.Attribute: "member", cst.Call: "call", cst.Dict: "object",
                                   cst.BinaryOperation: "binary"}
    return kinds.get(type(node), "other"), None


def string_value(node: cst.SimpleString | cst.ConcatenatedString) -> str | None:
    """The text of a string literal; None when Python itself would refuse it (a NUL byte)."""
    try:
        value = node.evaluated_value
    except (SyntaxError, ValueError):
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _has_fstring(node: cst.ConcatenatedString) -> bool:
    stack: list[cst.BaseExpression] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.FormattedString):
            return True
        if isinstance(n, cst.ConcatenatedString):
            stack += [n.left, n.right]
    return False


def string_of(node: cst.CSTNode) -> str | None:
    kind, value = literal(node)
    return value if kind == "string" else None  # type: ignore[return-value]


class _Swap(cst.CSTTransformer):
    """Replace chosen nodes (by identity) with others."""

    def __init__(self, swaps: dict[cst.CSTNode, cst.BaseExpression]):
        super().__init__()
        self.swaps = swaps

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.swaps.get(original, updated)

    def leave_Attribute(self, original: cst.Attribute,
                        updated: cst.Attribute) -> cst.BaseExpression:
        return self.swaps.get(original, updated)


def _reads(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Names (and ``self.attr``) read inside an expression; not attribute names or keywords."""
    out: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (cst.Name, cst.Attribute)) and target_key(n) is not None:
            out.append(n)
        elif isinstance(n, cst.Attribute):
            stack.append(n.value)
        elif isinstance(n, cst.Arg):
            stack.append(n.value)
        elif not isinstance(n, (cst.Lambda, cst.BaseComp)):
            stack.extend(n.children)
    return out


class Reader:
    def __init__(self, idx: Index):
        self.idx = idx

    # --- single values --------------------------------------------------------------------

    def expr(self, node: cst.BaseExpression, depth: int = _DEPTH) -> Expr:
        kind, value = literal(node)
        line, col = self.idx.pos(node)
        text, resolved = self.idx.code(node), None
        if depth > 0 and kind in ("name", "member"):
            resolved = self._resolve(node, depth, self.expr)
        elif depth > 0 and kind in ("call", "binary", "template", "other"):
            text = self.idx.code(self._substituted(node, depth))
        extra = {"date-object"} if _is_datetime(node) else set()
        return traits.expr("python", text, line, col, kind, value, resolved, extra)

    def key(self, node: cst.BaseExpression, depth: int = _DEPTH + 1, hopped: bool = False) -> Expr:
        """A signing key as a chain: the argument, then where its value comes from; a
        parameter once through the same-file calls of its function.

        Only for ``traits.secret``, which masks every literal in it.
        """
        kind, value = literal(node)
        line, col = self.idx.pos(node)
        inner = None
        if depth > 0 and kind in ("name", "member"):
            inner = self._resolve(node, depth, lambda n, d: self.key(n, d, hopped))
            if inner is None and not hopped and isinstance(node, cst.Name):
                passed = self._passed(node)[:_MAX_CALLERS]
                inner = traits.through_callers(self.key(a, depth - 1, True) for a in passed)
        elif depth > 0 and isinstance(node, cst.Call):
            source = _key_source(node)
            inner = self.key(source, depth - 1, hopped) if source is not None else None
        return traits.expr("python", self.idx.code(node), line, col, kind, value, inner)

    def _passed(self, name: cst.Name) -> list[cst.BaseExpression]:
        """For a parameter of the function around ``name``: the argument each same-file call
        of that function passes for it (``self.f(..)`` / ``obj.f(..)`` for a method)."""
        fn = self.idx.function(name)
        if fn is None:
            return []
        p = fn.params
        positional = [x.name.value for x in (*p.posonly_params, *p.params)]
        keyword = positional + [x.name.value for x in p.kwonly_params]
        if name.value not in keyword:
            return []
        method = isinstance(self.idx.scope(fn), cst.ClassDef)
        shift = 1 if method and positional[:1] in (["self"], ["cls"]) else 0
        position = positional.index(name.value) - shift if name.value in positional else None
        out = []
        for call in self.idx.calls:
            if callee(call) != fn.name.value or self._within(call, fn) or \
                    isinstance(call.func, cst.Attribute) != method:
                continue
            arg = _argument(call, name.value, position)
            if arg is not None:
                out.append(arg)
        return out

    def _within(self, node: cst.CSTNode, outer: cst.CSTNode) -> bool:
        n = self.idx.parent.get(node)
        while n is not None and n is not outer:
            n = self.idx.parent.get(n)
        return n is outer

    def _resolve(self, node: cst.CSTNode, depth: int,
                 build: Callable[[cst.BaseExpression, int], Expr]) -> Expr | None:
        found = self.idx.assigned(node)
        if found is not None:
            return build(found.value, depth - 1)
        dotted = self.idx.imported(node) if isinstance(node, cst.Name) else None
        if dotted:  # `from app.settings import KEY` reads as app.settings.KEY (config)
            line, col = self.idx.pos(node)
            return traits.expr("python", dotted, line, col, "member")
        return None

    def _substituted(self, node: cst.BaseExpression, depth: int) -> cst.BaseExpression:
        swaps: dict[cst.CSTNode, cst.BaseExpression] = {}
        for read in _reads(node):
            found = self.idx.assigned(read)
            if found is None:
                continue
            value = self._substituted(found.value, depth - 1) if depth > 1 else found.value
            if isinstance(value, _NEEDS_PARENS) and not value.lpar:
                value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            swaps[read] = value
        return node.visit(_Swap(swaps)) if swaps else node  # type: ignore[return-value]

    # --- mappings (payloads and headers) ---------------------------------------------------

    def mapping(self, node: cst.BaseExpression, until: cst.CSTNode,
                depth: int = _MAP_DEPTH) -> Mapping | None:
        """The entries of a dict as it stands when ``until`` runs; None when unreadable."""
        if depth < 0:
            return None
        if isinstance(node, cst.Dict):
            return self._dict(node, depth)
        if isinstance(node, cst.Call) and _is_name(node.func, "dict"):
            return self._dict_call(node, depth)
        if target_key(node) is not None:
            return self._variable(node, until, depth)
        if isinstance(node, cst.Call):
            return self._returned(node, depth)
        source = _filtered_copy(node)
        if source is not None:  # {k: v for k, v in payload.items() if v}: the same claims, some dropped
            return self.mapping(source, until, depth - 1)
        return None

    def _dict(self, node: cst.Dict, depth: int) -> Mapping:
        out: Mapping = {}
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                out[self._claim_name(el.key)] = self.expr(el.value)
            else:
                self._spread(out, el.value, node, depth)
        return out

    def _dict_call(self, node: cst.Call, depth: int) -> Mapping:
        out: Mapping = {}
        for arg in node.args:
            if arg.keyword is not None:
                out[arg.keyword.value] = self.expr(arg.value)
            else:
                self._spread(out, arg.value, node, depth)
        return out

    def _spread(self, out: Mapping, value: cst.BaseExpression, at: cst.CSTNode, depth: int) -> None:
        inner = self.mapping(value, at, depth - 1)
        if inner is None:
            out[UNKNOWN] = self.expr(value)
        else:
            out.update(inner)

    def _claim_name(self, key: cst.BaseExpression) -> str:
        text = string_of(key)
        if text is None and isinstance(key, cst.Name):  # {EXP_CLAIM: ...} with EXP_CLAIM = "exp"
            found = self.idx.assigned(key)
            text = string_of(found.value) if found is not None else None
        return text if text is not None else self.idx.code(key)

    def _variable(self, node: cst.BaseExpression, until: cst.CSTNode,
                  depth: int) -> Mapping | None:
        found = self.idx.assigned(node)
        if found is None:
            return None
        out = self.mapping(found.value, found.statement, depth - 1)
        if out is not None and isinstance(node, cst.Name):
            self._mutate(out, node.value, found.statement, until, depth)
        return out

    def _mutate(self, out: Mapping, name: str, start: cst.CSTNode, until: cst.CSTNode,
                depth: int) -> None:
        """Apply the changes written between ``start`` and ``until``: ``d["k"] = v``,
        ``d.update(...)``, ``d.setdefault(...)``, ``d |= {...}``, ``d.pop("k")``, ``del d["k"]``."""
        stop = self.idx.pos(until)
        for ref in self.idx.reads_after(name, start):
            if self.idx.pos(ref) >= stop:
                break
            holder = self.idx.parent.get(ref)
            if isinstance(holder, cst.Subscript):
                self._subscript(out, holder)
            elif isinstance(holder, cst.Attribute) and holder.value is ref:
                call = self.idx.parent.get(holder)
                if isinstance(call, cst.Call) and call.func is holder:
                    self._method(out, holder.attr.value, call, depth)
            elif isinstance(holder, cst.AugAssign) and isinstance(holder.operator, cst.BitOrAssign):
                self._spread(out, holder.value, holder, depth)

    def _subscript(self, out: Mapping, sub: cst.Subscript) -> None:
        if len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index):
            return
        name = self._claim_name(sub.slice[0].slice.value)
        holder = self.idx.parent.get(sub)
        if isinstance(holder, cst.AssignTarget):
            out[name] = self.expr(self.idx.parent[holder].value)  # type: ignore[attr-defined]
        elif isinstance(holder, cst.Del):
            out.pop(name, None)

    def _method(self, out: Mapping, method: str, call: cst.Call, depth: int) -> None:
        args = call.args
        if method == "update":
            for arg in args:
                if arg.keyword is not None:
                    out[arg.keyword.value] = self.expr(arg.value)
                else:
                    self._spread(out, arg.value, call, depth)
        elif method == "setdefault" and len(args) == 2:
            out.setdefault(self._claim_name(args[0].value), self.expr(args[1].value))
        elif method == "pop" and args:
            out.pop(self._claim_name(args[0].value), None)

    def _returned(self, call: cst.Call, depth: int) -> Mapping | None:
        """A payload built by a function of this module: ``jwt.encode(build_claims(user), ...)``."""
        name = callee(call)
        if isinstance(call.func, cst.Attribute) and target_key(call.func) is None:
            return None  # obj.method(): not something this module defines
        for fn in reversed(self.idx.functions.get(name or "", ())):
            for ret in reversed(self.idx.returns(fn)):
                if ret.value is not None:
                    found = self.mapping(ret.value, ret, depth - 1)
                    if found is not None:
                        return found
        return None


def _argument(call: cst.Call, keyword: str, position: int | None) -> cst.BaseExpression | None:
    """The argument a call passes for a parameter, by keyword or by position (a ``*args``
    before that position makes the position unknowable)."""
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
        elif arg.star:
            if position is not None and index <= position:
                return None
        else:
            if index == position:
                return arg.value
            index += 1
    return None


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _is_datetime(node: cst.CSTNode) -> bool:
    """``datetime.now(timezone.utc) + timedelta(minutes=5)``: a datetime, not a number."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.BinaryOperation) and isinstance(n.operator, (cst.Add, cst.Subtract)):
            stack += [n.left, n.right]
        elif isinstance(n, cst.Call) and callee(n) in _DATETIME_CALLS:
            return True
    return False


def _key_source(call: cst.Call) -> cst.BaseExpression | None:
    """The value a decoding or re-encoding call hands on: ``b64decode(SECRET)`` -> ``SECRET``."""
    name = callee(call)
    if name in _KEY_DECODERS or (name in _KEY_CASTS and isinstance(call.func, cst.Name)):
        return call.args[0].value if call.args else None
    if name in _KEY_METHODS and isinstance(call.func, cst.Attribute):
        return call.func.value
    return None


def _filtered_copy(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """``X`` in ``{k: v for k, v in X.items() if ...}``, a copy of X that may leave keys out."""
    if not isinstance(node, cst.DictComp) or node.for_in.inner_for_in is not None:
        return None
    it, target = node.for_in.iter, node.for_in.target
    if not (isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value == "items"
            and not it.args and isinstance(target, cst.Tuple) and len(target.elements) == 2):
        return None
    names = [e.value.value if isinstance(e.value, cst.Name) else None for e in target.elements]
    key = node.key.value if isinstance(node.key, cst.Name) else None
    value = node.value.value if isinstance(node.value, cst.Name) else None
    return it.func.value if names == [key, value] and key is not None else None
