"""What a Python signing call is handed: claim and header mappings.

Single values are the shared engine's (``Values.expr``: names followed, their values
substituted into the text, so the idiom tables see the clock in ``now + 300``).  Mappings are
read here: dict literals, ``dict(...)``, ``**spread``, the variable holding one with the
changes written to it before the call (``d["k"] = v``, ``d.update(...)``, ``d |= {...}``...),
a same-module function returning one, and a filtered copy of one.
"""

from __future__ import annotations

from migrate.extract.values import Node, child, children
from migrate.lang.python.dialect import arguments, callee, string_of, target_name
from migrate.lang.python.index import Index
from migrate.model import UNKNOWN_CLAIM, Expr

_MAP_DEPTH = 6  # variables, spreads and builder functions followed for one mapping
UNKNOWN = UNKNOWN_CLAIM  # claim name for what cannot be read (**spread, a parameter)
Mapping = dict[str, Expr]


class Reader:
    def __init__(self, idx: Index):
        self.idx = idx
        self.values = idx.values
        self.doc = idx.doc

    def expr(self, node: Node) -> Expr:
        return self.values.expr(node)

    def mapping(self, node: Node, until: int, depth: int = _MAP_DEPTH) -> Mapping | None:
        """The entries of a dict as it stands when the code at byte ``until`` runs; None when
        unreadable."""
        if depth < 0:
            return None
        node = self.values.g.unwrap(node)
        if node.type == "dictionary":
            return self._dict(node, depth)
        if node.type == "call" and _is_name(self.doc.text(child(node, "function")), child(node, "function"), "dict"):
            return self._dict_call(node, depth)
        if target_name(self.doc, node) is not None:
            return self._variable(node, until, depth)
        if node.type == "call":
            return self._returned(node, depth)
        source = _filtered_copy(self.doc, node)
        if source is not None:  # {k: v for k, v in payload.items() if v}: the same claims, some dropped
            return self.mapping(source, until, depth - 1)
        return None

    def _dict(self, node: Node, depth: int) -> Mapping:
        out: Mapping = {}
        for el in node.named_children:
            if el.type == "pair":
                key, value = child(el, "key"), child(el, "value")
                if key is not None and value is not None:
                    out[self._claim_name(key)] = self.expr(value)
            elif el.type == "dictionary_splat" and el.named_child_count:
                self._spread(out, el.named_children[0], node.start_byte, depth)
        return out

    def _dict_call(self, node: Node, depth: int) -> Mapping:
        out: Mapping = {}
        for arg in arguments(node):
            if arg.type == "keyword_argument":
                value = child(arg, "value")
                if value is not None:
                    out[self.doc.text(child(arg, "name"))] = self.expr(value)
            else:
                self._spread(out, _splatted(arg), node.start_byte, depth)
        return out

    def _spread(self, out: Mapping, value: Node, at: int, depth: int) -> None:
        inner = self.mapping(value, at, depth - 1)
        if inner is None:
            out[UNKNOWN] = self.expr(value)
        else:
            out.update(inner)

    def _claim_name(self, key: Node) -> str:
        text = string_of(self.doc, key)
        if text is None and key.type == "identifier":  # {EXP_CLAIM: ...} with EXP_CLAIM = "exp"
            value = self.values.assigned(key)
            text = string_of(self.doc, value) if value is not None else None
        return text if text is not None else self.doc.text(key)

    def _variable(self, node: Node, until: int, depth: int) -> Mapping | None:
        a = self.values.definition(node)
        if a is None or a.value is None:
            return None
        out = self.mapping(a.value, a.target.start_byte, depth - 1)
        if out is not None and node.type == "identifier":
            scope = self.idx.scope(a.target)
            self._mutate(out, self.doc.text(node), a.end, scope, until, depth)
        return out

    def _mutate(self, out: Mapping, name: str, start: int, scope: Node, until: int, depth: int) -> None:
        """Apply the changes written between ``start`` and ``until``: ``d["k"] = v``,
        ``d.update(...)``, ``d.setdefault(...)``, ``d |= {...}``, ``d.pop("k")``, ``del d["k"]``."""
        for ref in self.idx.reads_after(name, start, scope):
            if ref.start_byte >= until:
                break
            holder = ref.parent
            if holder is None:
                continue
            if holder.type == "subscript" and child(holder, "value") == ref:
                self._subscript(out, holder)
            elif holder.type == "attribute" and child(holder, "object") == ref:
                call = holder.parent
                if call is not None and call.type == "call" and child(call, "function") == holder:
                    self._method(out, self.doc.text(child(holder, "attribute")), call, depth)
            elif holder.type == "augmented_assignment" and child(holder, "left") == ref \
                    and self.doc.text(child(holder, "operator")) == "|=":
                right = child(holder, "right")
                if right is not None:
                    self._spread(out, right, holder.start_byte, depth)

    def _subscript(self, out: Mapping, sub: Node) -> None:
        index = children(sub, "subscript")
        if len(index) != 1 or index[0].type == "slice":
            return
        name = self._claim_name(index[0])
        holder = sub.parent
        if holder is not None and holder.type == "assignment" and child(holder, "left") == sub:
            value = child(holder, "right")
            while value is not None and value.type == "assignment":
                value = child(value, "right")
            if value is not None:
                out[name] = self.expr(value)
        elif holder is not None and holder.type == "delete_statement":
            out.pop(name, None)

    def _method(self, out: Mapping, method: str, call: Node, depth: int) -> None:
        args = arguments(call)
        if method == "update":
            for arg in args:
                if arg.type == "keyword_argument":
                    value = child(arg, "value")
                    if value is not None:
                        out[self.doc.text(child(arg, "name"))] = self.expr(value)
                else:
                    self._spread(out, _splatted(arg), call.start_byte, depth)
        elif method == "setdefault" and len(args) == 2:
            key, value = _positional(args[0]), _positional(args[1])
            out.setdefault(self._claim_name(key), self.expr(value))
        elif method == "pop" and args:
            out.pop(self._claim_name(_positional(args[0])), None)

    def _returned(self, call: Node, depth: int) -> Mapping | None:
        """A payload built by a function of this module: ``jwt.encode(build_claims(user), ...)``."""
        f = child(call, "function")
        if f is not None and f.type == "attribute" and target_name(self.doc, f) is None:
            return None  # obj.method(): not something this module defines
        for fn in reversed(self.idx.functions(callee(self.doc, call) or "")):
            for ret in reversed(self.idx.returns(fn)):
                value = next((c for c in ret.named_children if c.type != "comment"), None)
                if value is not None:
                    found = self.mapping(value, ret.start_byte, depth - 1)
                    if found is not None:
                        return found
        return None


def _is_name(text: str, node: Node | None, name: str) -> bool:
    return node is not None and node.type == "identifier" and text == name


def _splatted(arg: Node) -> Node:
    """``x`` for ``*x`` / ``**x``, else the argument itself."""
    if arg.type in ("list_splat", "dictionary_splat") and arg.named_child_count:
        return arg.named_children[0]
    return arg


def _positional(arg: Node) -> Node:
    return child(arg, "value") or arg if arg.type == "keyword_argument" else arg


def _filtered_copy(doc, node: Node) -> Node | None:
    """``X`` in ``{k: v for k, v in X.items() if ...}``, a copy of X that may leave keys out."""
    if node.type != "dictionary_comprehension":
        return None
    clauses = [c for c in node.named_children if c.type == "for_in_clause"]
    body = child(node, "body")
    if len(clauses) != 1 or body is None or body.type != "pair":
        return None
    target, it = child(clauses[0], "left"), child(clauses[0], "right")
    f = child(it, "function") if it is not None and it.type == "call" else None
    if f is None or f.type != "attribute" or doc.text(child(f, "attribute")) != "items" or arguments(it):
        return None
    if target is None or target.type not in ("pattern_list", "tuple_pattern") or target.named_child_count != 2:
        return None
    names = [doc.text(e) if e.type == "identifier" else None for e in target.named_children]
    key, value = child(body, "key"), child(body, "value")
    key_name = doc.text(key) if key is not None and key.type == "identifier" else None
    value_name = doc.text(value) if value is not None and value.type == "identifier" else None
    return child(f, "object") if names == [key_name, value_name] and key_name is not None else None
