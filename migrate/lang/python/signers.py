"""Python signing calls, read with libcst, for the libraries in
``migrate.lang.python.libraries`` (PyJWT, python-jose, authlib).

Calls are matched by qualified name, so ``import jwt as pyjwt``, ``from jwt import encode
as sign`` and ``from jose import jwt as jose_jwt`` are found and a local ``encode`` is not.
"""

from __future__ import annotations

import dataclasses
import re
from types import ModuleType

import libcst as cst

from migrate.extract.base import Found, Source
from migrate.extract.signer import Draft, build
from migrate.lang.python import LANGUAGE, libraries, routes
from migrate.lang.python.focus import focus
from migrate.lang.python.index import Index, target_key
from migrate.lang.python.parse import parse
from migrate.lang.python.payload import UNKNOWN, Mapping, Reader
from migrate.lang.python.response import Tracer, route_path
from migrate.model import Expr, Marker, Signer

_KEYWORDS = {"payload": "payload", "claims": "payload", "key": "key", "algorithm": "algorithm",
             "headers": "headers", "header": "headers"}
_METHODS = {"encode", "sign"}  # attribute calls worth a qualified-name lookup
_APIS = libraries.apis()
# Scope and position metadata are the costly part: only files that import a library pay for them.
_MODULES = "|".join(map(re.escape, libraries.imports()))
_IMPORT = re.compile(rf"(?:^|[;:])\ufeff?[ \t]*(?:from[ \t]+(?:{_MODULES})\b"
                     rf"|import[ \t]+[^\n#]*\b(?:{_MODULES})\b)", re.M)
_ALG_NAME = re.compile(r"^(?:[HRE]S|PS)\d{3}$|^EdDSA$|^none$", re.I)


def extract(src: Source) -> Found:
    found = Found()
    relevant = _IMPORT.search(src.text) is not None
    module, error = parse(focus(src.text) if relevant else src.text)
    found.syntax_error(src, error)
    if module is not None and relevant:
        _Extractor(src, Index(module)).run(found)
    if "urlpatterns" in src.text:  # Django URL patterns: the routes of views in other modules
        found.markers.extend(routes.url_markers(src.path, src.text))
    return found


class _Extractor:
    def __init__(self, src: Source, idx: Index):
        self.src = src
        self.idx = idx
        self.reader = Reader(idx)
        self.tracer = Tracer(idx, src.text)
        self.framework = LANGUAGE.recognise(src.text)

    def run(self, found: Found) -> None:
        for call in self.idx.calls:
            api = self._api(call)
            if api is not None:
                signer, markers = self._signer(call, *api)
                found.signers.append(signer)
                found.markers.extend(markers)
                self._route(call, signer, found)

    def _route(self, call: cst.Call, signer: Signer, found: Found) -> None:
        """The route of the view holding the call: its decorator (Flask, FastAPI), or a marker the
        inventory joins with the site's urls.py patterns (a Django view, a module-level function)."""
        fn = self.idx.function(call)
        route = routes.of(fn, self.idx.module, self.framework)
        if route is not None:
            found.signers[-1] = dataclasses.replace(signer, route=route)
        elif fn is not None and self.framework == "django" and isinstance(self.idx.parent.get(fn), cst.Module):
            found.markers.append(routes.handler_marker(fn, signer.line, signer.column))
        elif fn is not None and self.framework == "django":
            # A class-based view's method: urls.py routes to ``ClassName.as_view()``.
            cls = self.idx.parent.get(self.idx.parent.get(fn))
            if isinstance(cls, cst.ClassDef) and isinstance(self.idx.parent.get(cls), cst.Module):
                found.markers.append(routes.class_view_marker(cls, fn, signer.line, signer.column))

    def _api(self, call: cst.Call) -> tuple[ModuleType, tuple[str, ...]] | None:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value not in _METHODS:
            return None
        for name in self.idx.qualified(func):
            if name in _APIS:
                return _APIS[name]
        # jwt_obj = JsonWebToken(["HS256"]); jwt_obj.encode(...)
        if isinstance(func, cst.Attribute) and target_key(func.value):
            made = self.idx.assigned(func.value)
            if made is not None and isinstance(made.value, cst.Call):
                for name in self.idx.qualified(made.value.func):
                    if name + ".encode" in _APIS:
                        return _APIS[name + ".encode"]
        return None

    def _signer(self, call: cst.Call, library: ModuleType,
                params: tuple[str, ...]) -> tuple[Signer, list[Marker]]:
        args = _bind(call, params)
        header = self._mapping(args.get("headers"), call)
        algorithm, algorithm_expr = self._algorithm(library, args.get("algorithm"), header)
        draft = Draft(call, library.NAME, header=header, algorithm=algorithm,
                      algorithm_expr=algorithm_expr)
        key = args.get("key")
        if key is not None:
            draft.key, draft.parameters = self.reader.key(key), self._parameters(call)
        outcome = self.tracer.trace(call, library.RETURNS_BYTES)
        draft.line, draft.column = self.idx.pos(call)
        draft.claims = self._mapping(args.get("payload"), call)
        draft.span, draft.response = self._span(call), outcome.response
        draft.function = self._function(call)
        return build(self.src.path, "python", draft), outcome.markers

    def _mapping(self, node: cst.BaseExpression | None, call: cst.Call) -> Mapping:
        if node is None:
            return {}
        found = self.reader.mapping(node, call)
        # An unreadable mapping (a parameter, model.dict()) may hold anything: say so.
        return found if found is not None else {UNKNOWN: self.reader.expr(node)}

    def _algorithm(self, library: ModuleType, node: cst.BaseExpression | None,
                   header: Mapping) -> tuple[str | None, Expr | None]:
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

    def _parameters(self, call: cst.Call) -> frozenset[str]:
        fn = self.idx.function(call)
        if fn is None:
            return frozenset()
        p = fn.params
        every = [*p.posonly_params, *p.params, *p.kwonly_params]
        every += [s for s in (p.star_arg, p.star_kwarg) if isinstance(s, cst.Param)]
        return frozenset(x.name.value for x in every)

    def _span(self, call: cst.Call) -> tuple[int, int]:
        """Lines of the module- or class-level statement holding the call."""
        piece: cst.CSTNode = call
        node = self.idx.parent.get(call)
        while node is not None and not isinstance(node, cst.Module) and not (
                isinstance(node, cst.IndentedBlock) and isinstance(self.idx.parent.get(node), cst.ClassDef)):
            piece = node
            node = self.idx.parent.get(node)
        return self.idx.pos(piece)[0], self.idx.end(piece)[0]

    def _function(self, call: cst.Call) -> str | None:
        fn = self.idx.function(call)
        if fn is None:
            return None
        return route_path(fn) or fn.name.value


def _bind(call: cst.Call, params: tuple[str, ...]) -> dict[str, cst.BaseExpression]:
    """Arguments by role, from positions and keywords; ``*args`` and ``**kwargs`` are skipped."""
    out: dict[str, cst.BaseExpression] = {}
    position = 0
    for arg in call.args:
        if arg.keyword is not None:
            role = _KEYWORDS.get(arg.keyword.value)
            if role is not None:
                out[role] = arg.value
        elif not arg.star:
            if position < len(params):
                out[params[position]] = arg.value
            position += 1
    return out

