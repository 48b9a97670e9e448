"""PHP signers, through the libraries in ``libraries/``: firebase/php-jwt.

    use Firebase\\JWT\\JWT;
    $payload = ['external_id' => (string) $user->id, 'scope' => 'user', 'exp' => time() + 300];
    $token = JWT::encode($payload, $secret, 'HS256', $kid, ['typ' => 'JWT']);

Arguments: payload, key, alg (HS256 when left out, as php-jwt 5 did), keyId (the ``kid``
header), head (more header fields); PHP 8 named arguments are read too.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType

from migrate.extract.base import Found, Source
from migrate.extract.signer import Draft
from migrate.extract.treesitter import Doc, string_value, walk
from migrate.extract.tsutil_response import response
from migrate.extract.values import Node, Values, algorithm_name, child, children
from migrate.lang.php import LANGUAGE, config, libraries, routes
from migrate.lang.php.dialect import PhpDialect
from migrate.model import Expr, Marker, Signer

_DIALECT = PhpDialect()
_DEPTH = 4


def extract(src: Source) -> Found:
    found = Found()
    doc = Doc.parse("php", src.data)
    if doc.root.has_error:
        found.syntax_error(src, doc.first_error())
    if routes.is_routes_file(src.path):  # Laravel's routes of the controllers' actions
        found.markers.extend(routes.route_markers(src.path, doc))
    if config.is_config_file(src.path):  # keys a signer may read with config('file.key')
        found.markers.extend(config.literal_markers(src.path, doc))
    names = _class_names(doc)
    calls = [(n, lib) for n in walk(doc.root) if (lib := _library(doc, n, names)) is not None]
    if not calls:
        return found
    index = Values(doc, _DIALECT)
    framework = LANGUAGE.recognise(src.text)
    for call, lib in calls:
        signer = _signer(src, index, call, lib)
        found.signers.append(_routed(src, doc, call, signer, framework, found))
    return found


def _routed(src: Source, doc: Doc, call: Node, signer: Signer, framework: str | None, found: Found) -> Signer:
    """The signer with its route: a Laravel route's closure, a plain PHP script's own URL; a
    controller method gets a marker the inventory joins with routes/*.php."""
    closure = routes.closure_route(src.path, doc, call.start_byte)
    if closure is not None:
        return dataclasses.replace(signer, route=closure.route)
    if framework == "php" and routes.top_level(doc, call.start_byte) is not None:
        return dataclasses.replace(signer, route=routes.script_route(src.path))
    key = routes.handler_key(doc, call) if framework == "laravel" else None
    if key is not None:
        found.markers.append(Marker("route-handler", signer.line, signer.column, key))
    return signer


def _class_names(doc: Doc) -> dict[str, ModuleType]:
    """Local names of each library's class (Firebase\\JWT\\JWT): its `use` aliases, or its
    global name (JWT) when nothing else claims that name (php-jwt 2 lived in the global namespace)."""
    names: dict[str, ModuleType] = {}
    other: set[str] = set()
    for decl in walk(doc.root):
        if decl.type != "namespace_use_declaration":
            continue
        group = child(decl, "body")
        prefix = next((doc.text(c) for c in decl.named_children if c.type == "namespace_name"), "")
        clauses = children(group) if group is not None else [c for c in decl.named_children
                                                             if c.type == "namespace_use_clause"]
        for clause in clauses:
            target = next((c for c in clause.named_children
                           if c.type in ("qualified_name", "name")), None)
            if target is None:
                continue
            full = (prefix + "\\" if prefix else "") + doc.text(target).lstrip("\\")
            alias = child(clause, "alias")
            local = doc.text(alias) if alias is not None else full.rsplit("\\", 1)[-1]
            lib = next((lib for lib in libraries.all_libraries() if full == lib.CLASS), None)
            if lib is not None:
                names.setdefault(local, lib)
            else:
                other.add(local)
    for lib in libraries.all_libraries():
        if lib.GLOBAL_NAME is not None and lib.GLOBAL_NAME not in other:
            names.setdefault(lib.GLOBAL_NAME, lib)
    return names


def _library(doc: Doc, node: Node, names: dict[str, ModuleType]) -> ModuleType | None:
    """The library a static call such as ``JWT::encode(...)`` signs with."""
    if node.type != "scoped_call_expression":
        return None
    scope, method = doc.text(child(node, "scope")), doc.text(child(node, "name"))
    lib = names.get(scope) or next(
        (lib for lib in libraries.all_libraries() if scope.lstrip("\\") == lib.CLASS), None)
    return lib if lib is not None and method in lib.SIGNS else None


def _arguments(index: Values, call: Node, lib: ModuleType) -> dict[str, Node]:
    """Arguments by php-jwt parameter name, positional or named."""
    out: dict[str, Node] = {}
    position = 0
    for arg in children(child(call, "arguments")):
        if arg.type != "argument":
            continue
        named = child(arg, "name")
        if named is not None:
            out[index.doc.text(named)] = arg
        elif position < len(lib.PARAMETERS):
            out[lib.PARAMETERS[position]] = arg
            position += 1
    return out


def _signer(src: Source, index: Values, call: Node, lib: ModuleType) -> Signer:
    args = _arguments(index, call, lib)
    header: dict[str, Expr] = {}
    if "head" in args:
        header.update(_array(index, args["head"], call))
    if "keyId" in args and index.g.unwrap(args["keyId"]).type != "null":
        header["kid"] = index.expr(args["keyId"])
    claims = _array(index, args["payload"], call) if "payload" in args else {}
    draft = Draft(call, lib.NAME, header=header, claims=claims)
    if "key" in args:
        draft.key = index.key(args["key"])
    alg = args.get("alg")
    draft.algorithm = _algorithm(index, alg, lib)
    draft.algorithm_expr = index.expr(alg) if alg is not None else None
    draft.response, draft.function = response(index, call), index.function_name(call)
    return index.signer(src.path, draft)


def _algorithm(index: Values, alg: Node | None, lib: ModuleType) -> str | None:
    if alg is None:
        return lib.DEFAULT_ALG
    node = index.follow(alg)
    if node.type not in ("string", "encapsed_string"):
        return None
    return algorithm_name(string_value(index.doc, node))


def _array(index: Values, node: Node, call: Node, depth: int = 0) -> dict[str, Expr]:
    """The string-keyed entries of an array as the signing call sees it: a literal, a local
    holding one (with later ``$a['k'] = v`` / ``$a += [...]`` writes), ``array_merge(...)``,
    or ``(object) [...]``."""
    if depth > _DEPTH:
        return {}
    doc = index.doc
    node = index.g.unwrap(node)
    if node.type == "array_creation_expression":
        return _entries(index, node)
    if node.type == "cast_expression" and doc.text(child(node, "type")) in ("object", "array"):
        value = child(node, "value")
        return _array(index, value, call, depth + 1) if value is not None else {}
    if node.type == "function_call_expression" and doc.text(child(node, "function")) in (
            "array_merge", "array_replace"):
        out: dict[str, Expr] = {}
        for arg in children(child(node, "arguments")):
            out.update(_array(index, arg, call, depth + 1))
        return out
    name = index.g.reference(doc, node)
    base = index.lookup(name, node) if name is not None else None
    if name is None or base is None:
        return {}
    out = _array(index, base.value, call, depth + 1)
    _writes(index, name, index.scope_of(node), (base.end, call.start_byte), out)
    return out


def _entries(index: Values, array: Node) -> dict[str, Expr]:
    out: dict[str, Expr] = {}
    for el in children(array):
        if el.type != "array_element_initializer" or el.named_child_count != 2:
            continue
        key, value = el.named_children
        name = string_value(index.doc, key) if key.type in ("string", "encapsed_string") else None
        if name is not None:
            out[name] = index.expr(value)
    return out


def _writes(index: Values, name: str, scope: Node, between: tuple[int, int],
            out: dict[str, Expr]) -> None:
    """Apply ``$payload['exp'] = v`` and ``$payload += [...]`` made between two byte offsets."""
    doc = index.doc
    after, before = between
    for n in walk(scope):
        if not (after <= n.start_byte < before):
            continue
        left, right = child(n, "left"), child(n, "right")
        if left is None or right is None:
            continue
        if n.type == "assignment_expression" and left.type == "subscript_expression" \
                and left.named_child_count == 2 and doc.text(left.named_children[0]) == name:
            key = left.named_children[1]
            field = string_value(doc, key) if key.type in ("string", "encapsed_string") else None
            if field is not None:
                out[field] = index.expr(right)
        elif n.type == "augmented_assignment_expression" and doc.text(left) == name \
                and doc.text(child(n, "operator")) == "+=":
            # `+=` keeps existing keys
            for key, value in _array(index, right, n).items():
                out.setdefault(key, value)
