"""Go signers, through the libraries in ``libraries/``: golang-jwt (and its predecessor
dgrijalva/jwt-go).

    token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
    token.Header["kid"] = kid
    signed, err := token.SignedString([]byte(secret))

The signer is reported at the ``NewWithClaims`` (or ``New``) call.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import ModuleType

from migrate.extract.base import Found, Source
from migrate.extract.signer import Draft
from migrate.extract.treesitter import Doc, string_value, walk
from migrate.extract.tsutil_response import response
from migrate.extract.values import Node, Values, algorithm_name, child, children
from migrate.lang.go import libraries, routes
from migrate.lang.go.claims import ClaimReader, StructTypes
from migrate.lang.go.dialect import GoDialect
from migrate.model import Expr, Marker, Signer

_DIALECT = GoDialect()


def extract(src: Source) -> Found:
    found = Found()
    doc = Doc.parse("go", src.data)
    if doc.root.has_error:
        found.syntax_error(src, doc.first_error())
    found.markers.extend(routes.route_markers(doc))  # handlers of this and other packages, by name
    aliases = _aliases(doc)
    if not aliases:
        return found
    index = Values(doc, _DIALECT)
    reader = ClaimReader(index, StructTypes(doc))
    for call, lib in _constructors(doc, aliases):
        signer = _signer(src, index, reader, call, lib)
        handler = routes.enclosing(doc, call.start_byte)
        name = routes.handler_name(doc, handler) if handler is not None else None
        found_route = routes.registration(doc, handler, name) if handler is not None else None
        if found_route is not None:
            signer = dataclasses.replace(signer, route=found_route.route)
        elif name is not None:  # registered in another file: the inventory joins the markers
            found.markers.append(Marker("route-handler", signer.line, signer.column, name))
        found.signers.append(signer)
    return found


def _aliases(doc: Doc) -> dict[str, ModuleType]:
    """Local names of the imported JWT packages ("." when imported into the file scope), and
    the library each is."""
    names = {}
    for spec in walk(doc.root):
        if spec.type == "import_spec":
            path = string_value(doc, child(spec, "path")) or ""
            lib = libraries.of_import(path)
            if lib is not None:
                alias = doc.text(child(spec, "name"))
                if alias != "_":
                    names[alias or lib.PACKAGE] = lib
    return names


def _constructors(doc: Doc, aliases: dict[str, ModuleType]) -> list[tuple[Node, ModuleType]]:
    """Calls that create a token (``jwt.NewWithClaims(...)``, ``jwt.New(...)``), and their library."""
    calls = []
    for n in walk(doc.root):
        fn = child(n, "function") if n.type == "call_expression" else None
        if fn is None:
            continue
        if fn.type == "selector_expression":
            operand = child(fn, "operand")
            lib = aliases.get(doc.text(operand)) if operand is not None else None
            if lib is not None and doc.text(child(fn, "field")) in lib.CONSTRUCTORS:
                calls.append((n, lib))
        elif fn.type == "identifier" and "." in aliases and doc.text(fn) in aliases["."].CONSTRUCTORS:
            calls.append((n, aliases["."]))
    return calls


@dataclass
class _Token:
    """What the code does with the ``*jwt.Token`` after creating it."""

    header: dict[str, Expr] = field(default_factory=dict)
    claims_node: Node | None = None
    claim_names: set[str] = field(default_factory=set)
    signing: Node | None = None  # the SignedString call
    key: Node | None = None


def _signer(src: Source, index: Values, reader: ClaimReader, call: Node, lib: ModuleType) -> Signer:
    args = children(child(call, "arguments"))
    method = args[0] if args else None
    token = _follow_token(index, call, lib)
    claims_node = args[1] if len(args) > 1 else token.claims_node
    claims = _claims(index, reader, call, claims_node, token)
    draft = Draft(call, lib.NAME, header=token.header, claims=claims)
    if token.key is not None:
        draft.key = index.key(token.key)
    draft.algorithm = _algorithm(index, method, lib)
    draft.algorithm_expr = index.expr(method) if method else None
    draft.response = response(index, token.signing) if token.signing is not None else None
    draft.function = index.function_name(call)
    return index.signer(src.path, draft)


def _claims(index: Values, reader: ClaimReader, call: Node, node: Node | None,
            token: _Token) -> dict[str, Expr]:
    """The claims literal, then the writes made to it before the token is signed (a map is
    shared by reference, so writes after ``NewWithClaims`` still count)."""
    claims: dict[str, Expr] = {}
    type_name = None
    after = call.start_byte
    if node is not None:
        claims, type_name = reader.literal(node)
        ref = _reference(index, node)
        if ref is not None:
            token.claim_names.add(index.doc.text(ref))
            base = index.lookup(index.doc.text(ref), ref)
            after = base.end if base is not None else after
    scope = index.scope_of(call)
    before = token.signing.start_byte if token.signing is not None else scope.end_byte
    claims.update(reader.mutations(token.claim_names, type_name, scope, after, before))
    return claims


def _reference(index: Values, node: Node) -> Node | None:
    """The local name holding the claims (``claims`` or ``&claims``)."""
    node = index.g.unwrap(node)
    if node.type == "unary_expression" and index.doc.text(child(node, "operator")) == "&":
        node = child(node, "operand") or node
    return node if index.g.reference(index.doc, node) is not None else None


def _algorithm(index: Values, method: Node | None, lib: ModuleType) -> str | None:
    if method is None:
        return lib.DEFAULT_ALG
    doc = index.doc
    node = index.follow(method)
    if node.type == "selector_expression":
        return algorithm_name(doc.text(child(node, "field")))
    if node.type == "call_expression" and lib.METHOD_LOOKUP is not None \
            and doc.text(child(node, "function")).endswith(lib.METHOD_LOOKUP):
        args = children(child(node, "arguments"))
        return algorithm_name(string_value(doc, args[0])) if args else None
    if node.type == "identifier":
        return algorithm_name(doc.text(node))
    return None


def _follow_token(index: Values, call: Node, lib: ModuleType) -> _Token:
    """Header fields, claims, key and signing call of the token ``call`` creates."""
    doc = index.doc
    token = _Token()
    chained = _chained_signing(doc, call, lib)
    if chained is not None:
        token.signing, token.key = chained
        return token
    name = _assigned_to(doc, call)
    if name is None:
        return token
    token.claim_names.add(name)
    for n in walk(index.scope_of(call)):
        if n.start_byte < call.end_byte:
            continue
        if n.type in ("assignment_statement", "short_var_declaration") \
                and name in {doc.text(t) for t in children(child(n, "left"))}:
            break  # the name now holds another token
        if n.type == "assignment_statement":
            _token_assignment(index, n, name, token)
        elif n.type == "short_var_declaration":
            _claims_view(doc, n, name, token)
        elif n.type == "call_expression" and token.signing is None and _method_of(doc, n, name, lib):
            args = children(child(n, "arguments"))
            token.signing, token.key = n, (args[0] if args else None)
    return token


def _method_of(doc: Doc, call: Node, name: str, lib: ModuleType) -> bool:
    """Whether ``call`` is ``<name>.SignedString(...)`` (a method of the library's that signs)."""
    fn = child(call, "function")
    return fn is not None and fn.type == "selector_expression" \
        and doc.text(child(fn, "operand")) == name \
        and doc.text(child(fn, "field")) in lib.SIGNS


def _chained_signing(doc: Doc, call: Node, lib: ModuleType) -> tuple[Node, Node | None] | None:
    """``jwt.NewWithClaims(...).SignedString(key)``."""
    sel = call.parent
    if sel is None or sel.type != "selector_expression" \
            or doc.text(child(sel, "field")) not in lib.SIGNS:
        return None
    outer = sel.parent
    if outer is None or outer.type != "call_expression":
        return None
    args = children(child(outer, "arguments"))
    return outer, (args[0] if args else None)


def _assigned_to(doc: Doc, call: Node) -> str | None:
    values = call.parent
    owner = values.parent if values is not None and values.type == "expression_list" else None
    if owner is None or owner.type not in ("short_var_declaration", "assignment_statement",
                                           "var_spec"):
        return None
    left = child(owner, "left")
    targets = children(owner, "name") if owner.type == "var_spec" else children(left)
    return doc.text(targets[0]) if targets else None


def _token_assignment(index: Values, n: Node, name: str, token: _Token) -> None:
    """``token.Header["kid"] = k`` and ``token.Claims = jwt.MapClaims{...}``."""
    doc = index.doc
    left, right = children(child(n, "left")), children(child(n, "right"))
    if len(left) != 1 or len(right) != 1:
        return
    target = left[0]
    if target.type == "index_expression":
        operand, key = child(target, "operand"), child(target, "index")
        if operand is not None and key is not None and _is(doc, operand, f"{name}.Header"):
            token.header[string_value(doc, key) or doc.text(key)] = index.expr(right[0])
    elif target.type == "selector_expression" and _is(doc, target, f"{name}.Claims"):
        token.claims_node = right[0]


def _claims_view(doc: Doc, n: Node, name: str, token: _Token) -> None:
    """``claims := token.Claims.(jwt.MapClaims)``: later writes to ``claims`` are claims."""
    left, right = children(child(n, "left")), children(child(n, "right"))
    if left and right and right[0].type == "type_assertion_expression" \
            and _is(doc, child(right[0], "operand"), f"{name}.Claims"):
        token.claim_names.add(doc.text(left[0]))


def _is(doc: Doc, node: Node | None, text: str) -> bool:
    return node is not None and doc.text(node).replace(" ", "") == text
