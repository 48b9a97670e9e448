"""Python signing calls, read with tree-sitter, for the libraries in
``migrate.lang.python.libraries`` (PyJWT, python-jose, authlib).

Calls are matched by qualified name (``imports``), so ``import jwt as pyjwt``, ``from jwt
import encode as sign`` and ``from jose import jwt as jose_jwt`` are found and a local
``encode`` is not.  Values are followed by the shared engine (``migrate.extract.values``).
"""

from __future__ import annotations

import dataclasses
import re
from types import ModuleType

from migrate.extract.base import Found, Source
from migrate.extract.signer import Draft
from migrate.extract.treesitter import Doc
from migrate.extract.values import Node, child
from migrate.lang.python import LANGUAGE, libraries, routes
from migrate.lang.python.dialect import arguments, target_name
from migrate.lang.python.index import Index
from migrate.lang.python.parse import parse
from migrate.lang.python.payload import UNKNOWN, Mapping, Reader
from migrate.lang.python.response import Tracer
from migrate.model import Expr, Marker, Signer

_KEYWORDS = {"payload": "payload", "claims": "payload", "key": "key", "algorithm": "algorithm",
             "headers": "headers", "header": "headers"}
_METHODS = {"encode", "sign"}  # attribute calls worth a qualified-name lookup
_APIS = libraries.apis()
# Only files that import a library are read closely.
_MODULES = "|".join(map(re.escape, libraries.imports()))
_IMPORT = re.compile(rf"(?:^|[;:])\ufeff?[ \t]*(?:from[ \t]+(?:{_MODULES})\b"
                     rf"|import[ \t]+[^\n#]*\b(?:{_MODULES})\b)", re.M)
_ALG_NAME = re.compile(r"^(?:[HRE]S|PS)\d{3}$|^EdDSA$|^none$", re.I)


def extract(src: Source) -> Found:
    found = Found()
    doc, error = parse(src.text)
    found.syntax_error(src, error)
    if doc is not None and _IMPORT.search(src.text) is not None:
        _Extractor(src, doc).run(found)
    if "urlpatterns" in src.text:  # Django URL patterns: the routes of views in other modules
        found.markers.extend(routes.url_markers(src.path, src.text))
    return found


class _Extractor:
    def __init__(self, src: Source, doc: Doc):
        self.src = src
        self.doc = doc
        self.idx = Index(doc)
        self.values = self.idx.values
        self.reader = Reader(self.idx)
        self.tracer = Tracer(self.idx, src.text)
        self.framework = LANGUAGE.recognise(src.text)

    def run(self, found: Found) -> None:
        # A library call writes its method's name or a name an import binds: most calls of a
        # module (`len(...)`, `round(...)`) write neither and are not looked up.
        for call in self.idx.calls_writing([*_METHODS, *self.idx.imports.imported_names()]):
            api = self._api(call)
            if api is not None:
                signer, markers = self._signer(call, *api)
                found.signers.append(self._route(call, signer, found))
                found.markers.extend(markers)

    def _route(self, call: Node, signer: Signer, found: Found) -> Signer:
        """The route of the view holding the call: its decorator (Flask, FastAPI), or a marker the
        inventory joins with the site's urls.py patterns (a Django view, a module-level function)."""
        fn = self.idx.function(call)
        route = routes.of(self.doc, fn, self.framework)
        if route is not None:
            return dataclasses.replace(signer, route=route)
        if fn is None or self.framework != "django":
            return signer
        owner = _holder(fn)
        if owner is not None and owner.type == "module":
            found.markers.append(routes.handler_marker(self.doc, fn, signer.line, signer.column))
        elif owner is not None and owner.type == "block" and owner.parent is not None \
                and owner.parent.type == "class_definition":
            # A class-based view's method: urls.py routes to ``ClassName.as_view()``.
            cls = owner.parent
            outer = _holder(cls)
            if outer is not None and outer.type == "module":
                found.markers.append(routes.class_view_marker(self.doc, cls, fn, signer.line, signer.column))
        return signer

    def _api(self, call: Node) -> tuple[ModuleType, tuple[str, ...]] | None:
        func = child(call, "function")
        if func is None:
            return None
        if func.type == "attribute" and self.doc.text(child(func, "attribute")) not in _METHODS:
            return None
        for name in self.idx.imports.qualified(func):
            if name in _APIS:
                return _APIS[name]
        # jwt_obj = JsonWebToken(["HS256"]); jwt_obj.encode(...)
        obj = child(func, "object") if func.type == "attribute" else None
        if obj is not None and target_name(self.doc, obj):
            made = self.values.assigned(obj)
            if made is not None and made.type == "call":
                for name in self.idx.imports.qualified(child(made, "function")):
                    if name + ".encode" in _APIS:
                        return _APIS[name + ".encode"]
        return None

    def _signer(self, call: Node, library: ModuleType, params: tuple[str, ...]) -> tuple[Signer, list[Marker]]:
        args = _bind(self.doc, call, params)
        header = self._mapping(args.get("headers"), call)
        algorithm, algorithm_expr = self._algorithm(library, args.get("algorithm"), header)
        draft = Draft(call, library.NAME, header=header, algorithm=algorithm, algorithm_expr=algorithm_expr)
        key = args.get("key")
        if key is not None:
            draft.key = self.values.key(key)
        outcome = self.tracer.trace(call, library.RETURNS_BYTES)
        draft.claims = self._mapping(args.get("payload"), call)
        draft.span, draft.response = self._span(call), outcome.response
        draft.function = self.values.function_name(call)
        return self.values.signer(self.src.path, draft), outcome.markers

    def _mapping(self, node: Node | None, call: Node) -> Mapping:
        if node is None:
            return {}
        found = self.reader.mapping(node, call.start_byte)
        # An unreadable mapping (a parameter, model.dict()) may hold anything: say so.
        return found if found is not None else {UNKNOWN: self.reader.expr(node)}

    def _algorithm(self, library: ModuleType, node: Node | None, header: Mapping) -> tuple[str | None, Expr | None]:
        expr = self.reader.expr(node) if node is not None else None
        if library.HEADER_ALG_WINS and "alg" in header:  # PyJWT lets headers["alg"] win
            expr = header["alg"]
        if expr is None:
            return library.DEFAULT_ALG, None
        final = expr.final
        if final.kind == "string" and isinstance(final.value, str):
            return final.value.upper(), expr
        last = final.text.rsplit(".", 1)[-1]  # ALGORITHMS.HS256
        if final.kind == "member" and _ALG_NAME.match(last):
            return last.upper(), expr
        return None, expr

    def _span(self, call: Node) -> tuple[int, int]:
        """Lines of the module- or class-level statement holding the call."""
        piece, node = call, call.parent
        while node is not None and node.type != "module" and not (
                node.type == "block" and node.parent is not None and node.parent.type == "class_definition"):
            piece, node = node, node.parent
        return piece.start_point[0] + 1, piece.end_point[0] + 1


def _holder(definition: Node) -> Node | None:
    """What a def or class is written in (its decorators looked past)."""
    holder = definition.parent
    if holder is not None and holder.type == "decorated_definition":
        holder = holder.parent
    return holder


def _bind(doc: Doc, call: Node, params: tuple[str, ...]) -> dict[str, Node]:
    """Arguments by role, from positions and keywords; ``*args`` and ``**kwargs`` are skipped."""
    out: dict[str, Node] = {}
    position = 0
    for arg in arguments(call):
        if arg.type == "keyword_argument":
            role = _KEYWORDS.get(doc.text(child(arg, "name")))
            value = child(arg, "value")
            if role is not None and value is not None:
                out[role] = value
        elif arg.type not in ("list_splat", "dictionary_splat"):
            if position < len(params):
                out[params[position]] = arg
            position += 1
    return out
