"""How a token signed in Python leaves the server (Flask, Django, FastAPI).

The token is followed from the signing call through ``.decode()``, local names, dicts
and helper functions of the same module until it reaches a response: that decides
``Signer.response``.  On the way, ``str()`` of a token that may still be ``bytes``
(PyJWT < 2, authlib) is recorded: it renders as ``b'eyJ...'``.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field, replace

import libcst as cst

from migrate.extract.traits import mask
from migrate.lang.python.index import Index, callee
from migrate.lang.python.payload import string_value
from migrate.model import Marker

_FASTAPI = re.compile(r"^[ \t]*(?:from|import)[ \t]+fastapi\b", re.M)
_ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete", "api_route"}
_TEMPLATE = {"render_template", "render_template_string", "stream_template", "render",
             "render_to_response", "render_to_string", "TemplateResponse"}
_JSON = {"jsonify", "dumps", "JsonResponse", "JSONResponse", "ORJSONResponse", "UJSONResponse"}
_TEXT = {"HttpResponse", "PlainTextResponse", "HTMLResponse", "Response", "make_response",
         "StreamingHttpResponse"}
_PLAIN_CLASSES = {"PlainTextResponse", "HTMLResponse"}
_MAX_HOPS = 4  # names and helper functions followed from the signing call


@dataclass(frozen=True)
class _Flow:
    node: cst.CSTNode  # an expression that holds the token
    nested: bool = False  # ... inside a dict or list
    raw: bool = True  # ... possibly still bytes
    hops: int = 0


@dataclass
class Outcome:
    response: str | None = None
    markers: list[Marker] = field(default_factory=list)


def route_path(fn: cst.FunctionDef) -> str | None:
    """``/x`` for a function decorated with ``@app.route('/x')``, ``@router.get('/x')``..."""
    for dec in fn.decorators:
        call = dec.decorator
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and call.func.attr.value in _ROUTE_METHODS):
            continue
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value in ("rule", "path"):
                return string_value(arg.value) if isinstance(arg.value, cst.SimpleString) else None
    return None


def _is_view(fn: cst.FunctionDef) -> bool:
    """A route, or a Django view (function or method taking ``request``)."""
    if route_path(fn) is not None:
        return True
    names = [p.name.value for p in fn.params.params if p.name.value not in ("self", "cls")]
    return bool(names) and names[0] == "request"


def _response_class(fn: cst.FunctionDef) -> str | None:
    """``PlainTextResponse`` for ``@app.get("/x", response_class=PlainTextResponse)``."""
    for dec in fn.decorators:
        if not isinstance(dec.decorator, cst.Call):
            continue
        for arg in dec.decorator.args:
            if arg.keyword is not None and arg.keyword.value == "response_class":
                value = arg.value
                if isinstance(value, cst.Attribute):
                    return value.attr.value
                return value.value if isinstance(value, cst.Name) else None
    return None


class Tracer:
    def __init__(self, idx: Index, text: str):
        self.idx = idx
        self.fastapi = bool(_FASTAPI.search(text))

    def trace(self, call: cst.Call, bytes_token: bool) -> Outcome:
        """Where the token made by ``call`` goes.  ``bytes_token``: the library may return bytes."""
        out = Outcome()
        work = deque([_Flow(call, raw=bytes_token)])
        seen: set[cst.CSTNode] = set()
        while work:
            flow = work.popleft()
            if flow.node in seen:
                continue
            seen.add(flow.node)
            kind = self._follow(flow, work, out)
            if out.response is None:
                out.response = kind
        return out

    def _follow(self, flow: _Flow, work: deque[_Flow], out: Outcome) -> str | None:
        """From the token expression to what consumes it: a response, a name, a return."""
        while (outer := self._wrapping(flow, out)) is not None:
            flow = outer
        node = flow.node
        par = self.idx.parent.get(node)
        if isinstance(par, cst.Arg) and par.value is node:
            return self._consumer(self.idx.parent[par], par, flow.nested)  # type: ignore[arg-type]
        if isinstance(par, cst.Return) and par.value is node:
            return self._returned(par, flow, work)
        if isinstance(par, (cst.Assign, cst.AnnAssign)) and par.value is node:
            self._assigned(par, flow, work)
        return None

    def _wrapping(self, flow: _Flow, out: Outcome) -> _Flow | None:
        """The expression around the token when it still is the token, or holds it."""
        node = flow.node
        par = self.idx.parent.get(node)
        if isinstance(par, cst.Attribute) and par.value is node and par.attr.value == "decode":
            call = self.idx.parent.get(par)
            if isinstance(call, cst.Call) and call.func is par:
                return replace(flow, node=call, raw=False)
        elif isinstance(par, cst.DictElement) and par.value is node:
            return replace(flow, node=self.idx.parent[par], nested=True)
        elif isinstance(par, cst.Element):
            seq = self.idx.parent[par]
            # `return token, 200` is Flask's (body, status); any other sequence nests the token
            pair = isinstance(seq, cst.Tuple) and isinstance(self.idx.parent.get(seq), cst.Return)
            return replace(flow, node=seq, nested=flow.nested or not pair)
        elif isinstance(par, cst.FormattedStringExpression) and par.expression is node and flow.raw:
            self._mark(self.idx.enclosing(par, cst.FormattedString) or par, out)
        elif isinstance(par, cst.Arg) and par.value is node:
            call = self.idx.parent[par]
            name = callee(call)  # type: ignore[arg-type]
            if name == "str" and flow.raw:
                self._mark(call, out)
                return replace(flow, node=call, raw=False)
            if name == "dict":
                return replace(flow, node=call, nested=True)
        return None

    def _consumer(self, call: cst.Call, arg: cst.Arg, nested: bool) -> str | None:
        name = callee(call)
        if name in _TEMPLATE:
            return "template"
        if name == "jsonify" and arg.keyword is not None:
            return "object"  # jsonify(token=token)
        drf = any(q.startswith("rest_framework.") for q in self.idx.qualified(call.func))
        if name in _JSON or (name == "Response" and drf):  # DRF's Response renders JSON
            return "object" if nested else "json-string"
        if name in _TEXT and not nested:
            return "text"
        return None

    def _returned(self, ret: cst.Return, flow: _Flow, work: deque[_Flow]) -> str | None:
        fn = self.idx.function(ret)
        if fn is None:
            return None
        if _is_view(fn):
            if flow.nested:
                return "object"
            # FastAPI serialises a returned str as JSON, quotes included; Flask sends it as is.
            plain = _response_class(fn) in _PLAIN_CLASSES
            return "json-string" if self.fastapi and route_path(fn) and not plain else "text"
        if flow.hops < _MAX_HOPS:  # a helper: follow the token to where it is called
            name = fn.name.value
            for call in self.idx.calls:
                if callee(call) == name and self.idx.function(call) is not fn:
                    work.append(replace(flow, node=call, hops=flow.hops + 1))
        return None

    def _assigned(self, stmt: cst.Assign | cst.AnnAssign, flow: _Flow, work: deque[_Flow]) -> None:
        if flow.hops >= _MAX_HOPS:
            return
        if isinstance(stmt, cst.Assign):
            targets = [t.target for t in stmt.targets]
        else:
            targets = [stmt.target]
        for target in targets:
            nested = flow.nested
            if isinstance(target, cst.Subscript):  # context["jwt"] = token
                target, nested = target.value, True
            if isinstance(target, cst.Name):
                for ref in self.idx.reads_after(target.value, stmt):
                    work.append(_Flow(ref, nested, flow.raw, flow.hops + 1))

    def _mark(self, node: cst.CSTNode, out: Outcome) -> None:
        line, col = self.idx.pos(node)
        out.markers.append(Marker("bytes-token-str", line, col, mask(self.idx.code(node))))
