"""Where the token handed to a widget login callback comes from.

``zE('messenger', 'loginUser', function (callback) { callback(x) })``, ``jwtFn`` and
``$zopim.livechat.authenticate({jwtFn})`` all receive a function whose first parameter is
the widget's callback.  The value passed to it is traced back, through local variables,
promise chains and earlier scripts of the page, to what produced it:

  template        rendered into the page by the server (goes stale after ``exp``)
  json-stringify  ``JSON.stringify(token)``: the widget receives the quotes too
  fetch-text      an HTTP response read as text (quotes survive if the server sent JSON)
  fetch-json      an HTTP response parsed as JSON
  literal         a hard-coded JWT
  variable        a variable or property whose origin is not visible
  unknown         anything else
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.extract.widgets_js import (
    Node,
    Script,
    args,
    body_returns,
    function_value,
    member_name,
    param_names,
    unwrap,
)

_MAX_DEPTH = 12
_JQUERY = frozenset({"$", "jQuery"})
_JQUERY_CALLS = frozenset({"ajax", "get", "post", "getJSON"})
_HTTP_CLIENTS = frozenset({"axios", "ky", "superagent", "got"})
# String methods that keep the value's origin: ``(await r.text()).trim()``.
_STRING_METHODS = frozenset({"trim", "toString", "replace", "slice", "substring", "valueOf"})
FINAL = frozenset({"template", "written", "json-stringify", "fetch-text", "fetch-json", "literal"})


@dataclass(frozen=True)
class Origin:
    kind: str  # a FINAL kind, or "response" / "axios" / "jquery" for a response object
    node: Node
    script: Script


def token_source(script: Script, callback: Node) -> tuple[str, int | None]:
    """(token_source, token_line) for a login callback expression."""
    fn = function_value(script, callback)
    if fn is None:
        return "unknown", None
    where, node = fn
    found = _handed_to_callback(where, node, 0, 0)
    if found is None:
        return "unknown", None
    arg_script, arg, origin = found
    if origin is not None and origin.kind in FINAL:
        return origin.kind, origin.script.line(origin.node)
    if origin is not None and origin.kind == "jquery":
        return "fetch-json", origin.script.line(origin.node)
    bare = unwrap(arg)
    kind = "variable" if bare is not None and bare.type in ("identifier", "member_expression",
                                                           "subscript_expression") else "unknown"
    return kind, arg_script.line(arg)


def _handed_to_callback(script: Script, fn: Node, index: int,
                        depth: int) -> tuple[Script, Node, Origin | None] | None:
    """The value passed to the ``index``-th parameter of ``fn`` (the widget's callback)."""
    names = param_names(script, fn)
    if index >= len(names) or not names[index]:
        return None
    name = names[index]
    body = fn.child_by_field_name("body")
    stack = [body] if body is not None else []
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            found = _use_of_callback(script, n, name, depth)
            if found is not None:
                return found
        stack.extend(reversed(n.children))
    return None


def _use_of_callback(script: Script, call: Node, name: str,
                     depth: int) -> tuple[Script, Node, Origin | None] | None:
    callee = unwrap(call.child_by_field_name("function"))
    a = args(call)
    if callee is None:
        return None
    if callee.type == "identifier" and script.text(callee) == name and a:
        return script, a[0], classify(script, a[0], 0)  # callback(token)
    if callee.type == "member_expression" and member_name(script, callee) == "then" and a \
            and unwrap(a[0]) is not None and script.text(unwrap(a[0])) == name:
        promise = callee.child_by_field_name("object")  # fetchJwt().then(callback)
        return script, a[0], classify(script, promise, 0)
    # handed on to a local function: getJwt(callback)
    for i, arg in enumerate(a):
        bare = unwrap(arg)
        if bare is not None and bare.type == "identifier" and script.text(bare) == name and depth < 2:
            target = function_value(script, callee)
            if target is not None:
                return _handed_to_callback(target[0], target[1], i, depth + 1)
    return None


def classify(script: Script, node: Node | None, depth: int) -> Origin | None:
    """What produced the value of ``node`` (for a promise: of its resolved value)."""
    node = unwrap(node)
    if node is None or depth > _MAX_DEPTH:
        return None
    kind = node.type
    if kind in ("string", "template_string"):
        return _string(script, node)
    if kind == "identifier":
        return _identifier(script, node, depth)
    if kind == "await_expression":
        inner = node.named_children[0] if node.named_children else None
        return classify(script, inner, depth + 1)
    if kind == "call_expression":
        return _call(script, node, depth)
    if kind in ("member_expression", "subscript_expression"):
        return _member(script, node, depth)
    if kind == "binary_expression":
        op = node.child_by_field_name("operator")
        if op is not None and op.type in ("||", "??"):
            return classify(script, node.child_by_field_name("left"), depth + 1) or \
                classify(script, node.child_by_field_name("right"), depth + 1)
        return None
    if kind == "ternary_expression":
        return classify(script, node.child_by_field_name("consequence"), depth + 1) or \
            classify(script, node.child_by_field_name("alternative"), depth + 1)
    return None


def _string(script: Script, node: Node) -> Origin | None:
    if script.rendered(node):
        return Origin("template", node, script)
    if script.written_in(node):  # callback('${token}') in a script that browser code writes out
        return Origin("written", node, script)
    value = script.string(node)
    if value is not None and value.startswith("eyJ"):
        return Origin("literal", node, script)
    return None


def _identifier(script: Script, node: Node, depth: int) -> Origin | None:
    if script.rendered(node):  # a bare template expression: var jwt = <%= raw @jwt.to_json %>
        return Origin("template", node, script)
    name = script.name(node)
    bound = script.binding(node, name)
    if bound is None:
        for rhs in reversed(script.assignments(name)):
            found = classify(script, rhs, depth + 1)
            if found is not None:
                return found
        return None
    where, kind, decl, index = bound
    if kind == "param":
        return _parameter(where, decl, index, depth)
    if kind != "var":
        return None
    value = decl.child_by_field_name("value")
    target = decl.child_by_field_name("name")
    found = classify(where, value, depth + 1) if value is not None else None
    if found is None:
        for rhs in reversed(where.assignments(name)):
            found = classify(where, rhs, depth + 1)
            if found is not None:
                break
    if found is not None and target is not None and target.type == "object_pattern":
        return _property_of(found)  # const { token } = await res.json()
    return found


def _parameter(script: Script, fn: Node, index: int, depth: int) -> Origin | None:
    """A value that arrives as a parameter: of a ``.then`` callback, or a jQuery success."""
    holder = fn.parent
    if holder is None or holder.type != "arguments" or holder.parent is None:
        return _jquery_success(script, fn)
    call = holder.parent
    callee = unwrap(call.child_by_field_name("function"))
    if callee is None or callee.type != "member_expression":
        return None
    method = member_name(script, callee)
    if method == "then" and index == 0 and args(call) and unwrap(args(call)[0]) == fn:
        return classify(script, callee.child_by_field_name("object"), depth + 1)
    if _is_jquery(script, callee) and method in _JQUERY_CALLS:
        return Origin(_jquery_kind(script, call, method), call, script)
    return None


def _jquery_success(script: Script, fn: Node) -> Origin | None:
    # $.ajax({url, success: function (data) {...}})
    pair = fn.parent
    if pair is None or pair.type != "pair" or pair.parent is None or pair.parent.parent is None:
        return None
    call = pair.parent.parent.parent
    if call is None or call.type != "call_expression":
        return None
    callee = unwrap(call.child_by_field_name("function"))
    if callee is not None and callee.type == "member_expression" and _is_jquery(script, callee):
        return Origin(_jquery_kind(script, call, member_name(script, callee) or ""), call, script)
    return None


def _call(script: Script, call: Node, depth: int) -> Origin | None:
    callee = unwrap(call.child_by_field_name("function"))
    if callee is None:
        return None
    text = script.text(callee)
    a = args(call)
    if text == "JSON.stringify":
        return Origin("json-stringify", call, script)
    if text == "JSON.parse":
        inner = classify(script, a[0], depth + 1) if a else None
        if inner is not None and inner.kind == "template":
            return inner
        return Origin("fetch-json", call, script) if inner is not None else None
    if callee.type == "identifier":
        if text == "fetch":
            return Origin("response", call, script)
        if text in _HTTP_CLIENTS:
            return Origin("axios", call, script)
        return _local_function(script, callee, depth)
    if callee.type != "member_expression":
        return None
    method = member_name(script, callee)
    obj = callee.child_by_field_name("object")
    if method == "text":
        return Origin("fetch-text", call, script)
    if method == "json":
        return Origin("fetch-json", call, script)
    if method == "then":
        return _then(script, call, obj, a, depth)
    if method in ("catch", "finally") or method in _STRING_METHODS:
        return classify(script, obj, depth + 1)
    if _is_jquery(script, callee) and method in _JQUERY_CALLS:
        return Origin(_jquery_kind(script, call, method or ""), call, script)
    if obj is not None and script.text(unwrap(obj)) in _HTTP_CLIENTS or text == "window.fetch":
        return Origin("axios" if text != "window.fetch" else "response", call, script)
    return None


def _then(script: Script, call: Node, promise: Node | None, a: list[Node], depth: int) -> Origin | None:
    handler = function_value(script, a[0]) if a else None
    if handler is None:
        return classify(script, promise, depth + 1)
    where, fn = handler
    for returned in body_returns(fn):
        found = classify(where, returned, depth + 1)
        if found is not None:
            return found
    return None


def _local_function(script: Script, callee: Node, depth: int) -> Origin | None:
    # getJwt() where getJwt is defined in the page: what does it return?
    target = function_value(script, callee)
    if target is None:
        return None
    where, fn = target
    for returned in body_returns(fn):
        found = classify(where, returned, depth + 1)
        if found is not None:
            return found
    return None


def _member(script: Script, node: Node, depth: int) -> Origin | None:
    prop = member_name(script, node)
    if prop in ("responseText", "response"):
        return Origin("fetch-text", node, script)
    found = classify(script, node.child_by_field_name("object"), depth + 1)
    if found is None:
        return None
    if found.kind == "axios":
        return Origin("fetch-json", node, script) if prop == "data" else None
    return _property_of(found)


def _property_of(found: Origin) -> Origin | None:
    """The origin of a property read off a value of origin ``found``."""
    if found.kind in ("fetch-json", "jquery", "template"):
        return found
    return None


def _is_jquery(script: Script, callee: Node) -> bool:
    obj = callee.child_by_field_name("object")
    return obj is not None and script.text(obj) in _JQUERY


def _jquery_kind(script: Script, call: Node, method: str) -> str:
    if method == "getJSON":
        return "fetch-json"
    text = script.text(call)
    if "dataType" in text and ("'text'" in text or '"text"' in text):
        return "fetch-text"
    return "jquery"  # jQuery parses a JSON response by its content type
