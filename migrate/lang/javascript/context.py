"""Where a JavaScript/TypeScript signing call sits: its function or route, the parameter
names in reach, the text that names its purpose, and how the token leaves the server."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from migrate.extract.base import runs_in_browser
from migrate.extract.signer import Draft
from migrate.extract.treesitter import piece_lines, walk
from migrate.lang.javascript.scope import (
    FUNCTIONS,
    JsGrammar,
    args_of,
    enclosing,
    function_name,
    inside,
    parameters,
    unwrap,
)
from migrate.lang.javascript.values import JsFile
from migrate.model import Expr, Signer

_JSON_METHODS = frozenset({"json", "jsonp"})
_TEXT_METHODS = frozenset({"send", "end", "text", "write", "html", "body"})


class Site:
    """File-wide facts every signer of a file shares, computed once (a bundle can hold
    hundreds of signing calls)."""

    def __init__(self, f: JsFile):
        self.f = f
        self.browser = runs_in_browser(f.src.text, page=False)

    def calls_to(self, name: str) -> list[Node]:
        """Calls of a function or method by its (last) name."""
        assert isinstance(self.f.g, JsGrammar)
        return self.f.g.calls(self.f, name)


# --- response --------------------------------------------------------------------------------

def _outer(node: Node) -> Node:
    """The expression a value ends up as once awaited, parenthesised or asserted."""
    while node.parent is not None and node.parent.type in (
            "await_expression", "parenthesized_expression", "as_expression", "non_null_expression",
            "satisfies_expression"):
        node = node.parent
    return node


class _Token:
    """The ways a signed token can be referred to: nodes that produce it and names holding it."""

    def __init__(self, site: Site):
        self.site = site
        self.f = site.f
        self.nodes: list[Node] = []
        self.names: set[str] = set()
        self.regions: list[Node] = []

    def add_value(self, node: Node, hops: int = 0) -> None:
        """Follow the value produced at ``node``: into a variable, out of a function."""
        node = _outer(node)
        self.nodes.append(node)
        region = enclosing(node, FUNCTIONS) or self.f.doc.root
        self.regions.append(region)
        parent = node.parent
        if parent is None:
            return
        if parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
            name = parent.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                self.names.add(self.f.text(name))
        elif parent.type == "assignment_expression" and parent.child_by_field_name("right") == node:
            self.names.add(self.f.text(parent.child_by_field_name("left")))
        elif hops < 1 and (parent.type == "return_statement" or parent.type == "arrow_function"):
            fn = region if region.type in FUNCTIONS else None
            name = function_name(self.f.doc, fn) if fn is not None else None
            if name:
                self._add_calls(name.rsplit(".", 1)[-1], fn, hops + 1)

    def _add_calls(self, name: str, fn: Node, hops: int) -> None:
        for n in self.site.calls_to(name):
            if not inside(n, fn):
                self.add_value(n, hops)

    def add_callback(self, cb: Node) -> None:
        """``jwt.sign(p, k, opts, (err, token) => ...)``: the token is the second parameter."""
        params = list(parameters(cb))
        if len(params) >= 2:
            self.names.add(self.f.text(params[1]))
            self.regions.append(cb)

    def holds(self, node: Node) -> bool:
        node = unwrap(node, awaits=True)
        if node.type in ("identifier", "shorthand_property_identifier"):
            return self.f.text(node) in self.names
        return any(n.start_byte == node.start_byte and n.end_byte == node.end_byte
                   for n in self.nodes)


def _wraps(tok: _Token, node: Node) -> bool:
    """An object literal that carries the token as one of its values."""
    node = unwrap(node)
    if node.type != "object":
        return False
    for child in node.named_children:
        if child.type == "shorthand_property_identifier" and tok.holds(child):
            return True
        if child.type == "pair" and tok.holds(child.child_by_field_name("value")):
            return True
    return False


def _templated(tok: _Token, node: Node) -> bool:
    node = unwrap(node)
    return node.type == "template_string" and any(
        c.type == "template_substitution" and c.named_children and tok.holds(c.named_children[0])
        for c in node.children)


def _kind(tok: _Token, method: str, arg: Node) -> str | None:
    f = tok.f
    arg = unwrap(arg, awaits=True)
    if method == "render":
        return "template" if _wraps(tok, arg) else None
    if tok.holds(arg):
        return "json-string" if method in _JSON_METHODS else "text"
    callee = arg.child_by_field_name("function") if arg.type == "call_expression" else None
    if callee is not None and f.text(callee) == "JSON.stringify":
        inner = args_of(arg)
        if inner and tok.holds(inner[0]):
            return "json-string"
        if inner and _wraps(tok, inner[0]):
            return "object"
    if _wraps(tok, arg):
        return "object"
    if _templated(tok, arg):
        return "template"
    return None


def _sent(tok: _Token, n: Node) -> str | None:
    f = tok.f
    if n.type == "call_expression":
        callee, args = n.child_by_field_name("function"), args_of(n)
        if callee is None or callee.type != "member_expression" or not args:
            return None
        method = f.text(callee.child_by_field_name("property"))
        if method == "render" and len(args) >= 2:
            return _kind(tok, method, args[1])
        if method in _JSON_METHODS | _TEXT_METHODS:
            return _kind(tok, method, args[0])
    elif n.type == "new_expression" and f.text(n.child_by_field_name("constructor")) == "Response":
        args = args_of(n)
        return _kind(tok, "send", args[0]) if args else None
    elif n.type == "assignment_expression":  # koa: ctx.body = token
        left = n.child_by_field_name("left")
        right = n.child_by_field_name("right")
        if left is not None and right is not None and left.type == "member_expression" and \
                f.text(left.child_by_field_name("property")) == "body":
            return _kind(tok, "body", right)
    return None


def response(site: Site, token: Node, callback: Node | None = None) -> str | None:
    """How the token produced at ``token`` is sent: "json-string", "text", "object",
    "template", or None when it is not sent from here."""
    tok = _Token(site)
    tok.add_value(token)
    if callback is not None:
        tok.add_callback(callback)
    for region in tok.regions:
        for n in walk(region):
            kind = _sent(tok, n) if n.type in (
                "call_expression", "new_expression", "assignment_expression") else None
            if kind is not None:
                return kind
    return None


# --- assembly --------------------------------------------------------------------------------

@dataclass
class Parts:
    """What a library reader found at one signing call."""

    call: Node  # where the signing call starts (jwt.sign( / new SignJWT( / subtle.sign()
    library: str
    token: Node  # the expression whose value is the signed token
    algorithm: str | None = None
    algorithm_expr: Expr | None = None
    header: dict[str, Expr] = field(default_factory=dict)
    claims: dict[str, Expr] = field(default_factory=dict)
    managed: dict[str, Expr] = field(default_factory=dict)
    key: Node | None = None  # the key argument as passed
    callback: Node | None = None


def signer(site: Site, parts: Parts, route: str | None = None) -> Signer:
    f = site.f
    draft = Draft(parts.call, parts.library, header=parts.header, claims=parts.claims,
                  managed=parts.managed, algorithm=parts.algorithm,
                  algorithm_expr=parts.algorithm_expr, browser=site.browser,
                  span=piece_lines("javascript", parts.call), route=route,
                  response=response(site, parts.token, parts.callback),
                  function=f.function_name(parts.call))
    if parts.key is not None:
        draft.key = f.key(parts.key)
        # Report the key where the signing call receives it, not where a constant is declared.
        draft.key_at = f.pos(parts.key)
    return f.signer(f.src.path, draft)
