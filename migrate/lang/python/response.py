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

from migrate.extract.traits import mask
from migrate.extract.values import Node, child, key_of
from migrate.lang.python.dialect import callee, decorators, route_path
from migrate.lang.python.index import Index
from migrate.model import Marker

_FASTAPI = re.compile(r"^[ \t]*(?:from|import)[ \t]+fastapi\b", re.M)
_TEMPLATE = {"render_template", "render_template_string", "stream_template", "render",
             "render_to_response", "render_to_string", "TemplateResponse"}
_JSON = {"jsonify", "dumps", "JsonResponse", "JSONResponse", "ORJSONResponse", "UJSONResponse"}
_TEXT = {"HttpResponse", "PlainTextResponse", "HTMLResponse", "Response", "make_response",
         "StreamingHttpResponse"}
_PLAIN_CLASSES = {"PlainTextResponse", "HTMLResponse"}
_SEQUENCES = frozenset({"list", "tuple", "set", "expression_list"})
_TUPLES = frozenset({"tuple", "expression_list"})
_MAX_HOPS = 4  # names and helper functions followed from the signing call


@dataclass(frozen=True)
class _Flow:
    node: Node  # an expression that holds the token
    nested: bool = False  # ... inside a dict or list
    raw: bool = True  # ... possibly still bytes
    hops: int = 0


@dataclass
class Outcome:
    response: str | None = None
    markers: list[Marker] = field(default_factory=list)


def _is_view(idx: Index, fn: Node) -> bool:
    """A route, or a Django view (function or method taking ``request``)."""
    doc = idx.doc
    if route_path(doc, fn) is not None:
        return True
    names = []
    for p in (child(fn, "parameters").named_children if child(fn, "parameters") is not None else []):
        if p.type in ("list_splat_pattern", "dictionary_splat_pattern", "keyword_separator"):
            break  # the positional parameters end here
        if p.type == "positional_separator":
            continue
        name = p if p.type == "identifier" else child(p, "name") if p.type != "typed_parameter" else \
            (p.named_children[0] if p.named_child_count else None)
        if name is not None and name.type == "identifier" and doc.text(name) not in ("self", "cls"):
            names.append(doc.text(name))
    return bool(names) and names[0] == "request"


def _response_class(idx: Index, fn: Node) -> str | None:
    """``PlainTextResponse`` for ``@app.get("/x", response_class=PlainTextResponse)``."""
    doc = idx.doc
    for dec in decorators(fn):
        if dec.type != "call":
            continue
        for arg in (child(dec, "arguments").named_children if child(dec, "arguments") is not None else []):
            if arg.type == "keyword_argument" and doc.text(child(arg, "name")) == "response_class":
                value = child(arg, "value")
                if value is not None and value.type == "attribute":
                    return doc.text(child(value, "attribute"))
                return doc.text(value) if value is not None and value.type == "identifier" else None
    return None


class Tracer:
    def __init__(self, idx: Index, text: str):
        self.idx = idx
        self.doc = idx.doc
        self.fastapi = bool(_FASTAPI.search(text))

    def trace(self, call: Node, bytes_token: bool) -> Outcome:
        """Where the token made by ``call`` goes.  ``bytes_token``: the library may return bytes."""
        out = Outcome()
        work = deque([_Flow(call, raw=bytes_token)])
        seen: set[tuple[int, int, str]] = set()
        while work:
            flow = work.popleft()
            if key_of(flow.node) in seen:
                continue
            seen.add(key_of(flow.node))
            kind = self._follow(flow, work, out)
            if out.response is None:
                out.response = kind
        return out

    def _follow(self, flow: _Flow, work: deque[_Flow], out: Outcome) -> str | None:
        """From the token expression to what consumes it: a response, a name, a return."""
        while (outer := self._wrapping(flow, out)) is not None:
            flow = outer
        node = flow.node
        par = node.parent
        if par is None:
            return None
        arg = _argument(node)
        if arg is not None:
            return self._consumer(arg[0], arg[1], flow.nested)
        if par.type == "return_statement":
            return self._returned(par, flow, work)
        if par.type == "assignment" and child(par, "right") == node:
            self._assigned(par, flow, work)
        return None

    def _wrapping(self, flow: _Flow, out: Outcome) -> _Flow | None:
        """The expression around the token when it still is the token, or holds it."""
        node = flow.node
        par = node.parent
        if par is None:
            return None
        doc = self.doc
        if par.type == "parenthesized_expression":
            return replace(flow, node=par)
        if par.type == "attribute" and child(par, "object") == node and doc.text(child(par, "attribute")) == "decode":
            call = par.parent
            if call is not None and call.type == "call" and child(call, "function") == par:
                return replace(flow, node=call, raw=False)
        elif par.type == "pair" and child(par, "value") == node and par.parent is not None:
            return replace(flow, node=par.parent, nested=True)
        elif par.type in _SEQUENCES:
            # `return token, 200` is Flask's (body, status); any other sequence nests the token
            holder = par.parent
            while holder is not None and holder.type == "parenthesized_expression":
                holder = holder.parent
            pair = par.type in _TUPLES and holder is not None and holder.type == "return_statement"
            return replace(flow, node=par, nested=flow.nested or not pair)
        elif par.type == "interpolation" and child(par, "expression") == node and flow.raw:
            string = par.parent
            self._mark(string if string is not None else par, out)
        elif (arg := _argument(node)) is not None:
            call, _ = arg
            name = callee(doc, call)
            if name == "str" and flow.raw:
                self._mark(call, out)
                return replace(flow, node=call, raw=False)
            if name == "dict":
                return replace(flow, node=call, nested=True)
        return None

    def _consumer(self, call: Node, keyword: bool, nested: bool) -> str | None:
        name = callee(self.doc, call)
        if name in _TEMPLATE:
            return "template"
        if name == "jsonify" and keyword:
            return "object"  # jsonify(token=token)
        drf = any(q.startswith("rest_framework.") for q in self.idx.imports.qualified(child(call, "function")))
        if name in _JSON or (name == "Response" and drf):  # DRF's Response renders JSON
            return "object" if nested else "json-string"
        if name in _TEXT and not nested:
            return "text"
        return None

    def _returned(self, ret: Node, flow: _Flow, work: deque[_Flow]) -> str | None:
        fn = self.idx.function(ret)
        if fn is None:
            return None
        if _is_view(self.idx, fn):
            if flow.nested:
                return "object"
            # FastAPI serialises a returned str as JSON, quotes included; Flask sends it as is.
            plain = _response_class(self.idx, fn) in _PLAIN_CLASSES
            return "json-string" if self.fastapi and route_path(self.doc, fn) and not plain else "text"
        if flow.hops < _MAX_HOPS:  # a helper: follow the token to where it is called
            name = self.doc.text(child(fn, "name"))
            for call in self.idx.calls_writing([name]):  # a call of `name` writes it
                if callee(self.doc, call) == name and self.idx.function(call) != fn:
                    work.append(replace(flow, node=call, hops=flow.hops + 1))
        return None

    def _assigned(self, stmt: Node, flow: _Flow, work: deque[_Flow]) -> None:
        if flow.hops >= _MAX_HOPS:
            return
        targets, top = [child(stmt, "left")], stmt
        while top.parent is not None and top.parent.type == "assignment" and child(top.parent, "right") == top:
            top = top.parent
            targets.append(child(top, "left"))
        for target in targets:
            nested = flow.nested
            if target is not None and target.type == "subscript":  # context["jwt"] = token
                target, nested = child(target, "value"), True
            if target is not None and target.type == "identifier":
                scope = self.idx.scope(target)
                for ref in self.idx.reads_after(self.doc.text(target), top.end_byte, scope):
                    work.append(_Flow(ref, nested, flow.raw, flow.hops + 1))

    def _mark(self, node: Node, out: Outcome) -> None:
        line, col = self.doc.pos(node)
        out.markers.append(Marker("bytes-token-str", line, col, mask(self.doc.text(node))))


def _argument(node: Node) -> tuple[Node, bool] | None:
    """(the call, passed by keyword) when ``node`` is an argument of a call."""
    par = node.parent
    keyword = False
    if par is not None and par.type == "keyword_argument" and child(par, "value") == node:
        par, keyword = par.parent, True
    elif par is not None and par.type in ("list_splat", "dictionary_splat"):
        par = par.parent
    if par is None or par.type != "argument_list" or par.parent is None or par.parent.type != "call":
        return None
    return par.parent, keyword
