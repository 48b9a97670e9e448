"""Widget API calls in script code: Zendesk (zE, zESettings, $zopim) and Genesys (Messenger,
legacy web chat).

Only the page globals count: a local function or parameter that happens to be called ``zE``
(minifiers produce such names) is not the widget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate.extract.widgets_js import (
    STRINGS,
    Node,
    Script,
    ancestors,
    args,
    global_name,
    is_function,
    member_name,
    property_key,
    unwrap,
)
from migrate.model import WidgetCall

_GLOBALS = (b"zE", b"zESettings", b"$zopim", b"ININ", b"_genesys", b"CXBus", b"Genesys")
_ZE_API = re.compile(r"(messenger|webWidget)(:\w+)?")
_GENESYS_VERBS = frozenset({"command", "subscribe", "unsubscribe", "registerPlugin", "publish"})
# Settings objects whose keys are the API: root global -> (api, key prefix that must lead)
_SETTINGS = {"zESettings": ("zESettings", ()), "_genesys": ("_genesys.widgets", ("widgets",))}
_AUTH_KEY = re.compile(r"(^|\.)authenticate(\.chat)?\.jwtFn$")
_SECRETISH = re.compile(r"secret|passw|private|signing|hmac", re.I)


@dataclass
class CallSite:
    """A widget call with the syntax an analysis needs after recognition."""

    call: WidgetCall
    node: Node  # the call (or settings assignment) in the tree
    script: Script
    callback: Node | None = None  # the login callback to read the token from
    uses_ze: bool = False  # made through the zE global (the loader defines it)


def find_calls(script: Script) -> list[CallSite]:
    sites: list[CallSite] = []
    seen: set[int] = set()
    for word, node in script.find(_GLOBALS, whole_word=True):
        name = word.decode()
        ref = _reference(script, node, name)
        if ref is None or ref.id in seen:
            continue
        seen.add(ref.id)
        if ref.type == "identifier" and script.shadowed(ref, name, var_is_global=name in _SETTINGS):
            continue
        handler = _HANDLERS[name]
        sites.extend(handler(script, ref, name))
    return sites


def _reference(script: Script, node: Node, name: str) -> Node | None:
    """The expression that reads the global: ``zE``, ``window.zE`` or ``window['zE']``."""
    if node.type == "identifier":
        return node
    parent = node.parent
    if node.type == "property_identifier" and parent is not None and parent.type == "member_expression":
        return parent if global_name(script, parent) == name else None
    if node.type == "string_fragment" and parent is not None and parent.parent is not None:
        sub = parent.parent
        if sub.type == "subscript_expression" and global_name(script, sub) == name:
            return sub
    return None


def _site(script: Script, api: str, command: str, at: Node, node: Node, arg_nodes: list[Node],
          callback: Node | None = None, uses_ze: bool = False) -> CallSite:
    line, col = script.pos(at)
    call = WidgetCall(api=api, command=command, line=line, column=col,
                      args=tuple(safe_text(script, a) for a in arg_nodes))
    return CallSite(call, node, script, callback, uses_ze)


def _called(ref: Node) -> Node | None:
    parent = ref.parent
    if parent is not None and parent.type == "call_expression" and parent.child_by_field_name("function") == ref:
        return parent
    return None


def _chain(script: Script, ref: Node) -> tuple[list[str], Node]:
    """Property names read off ``ref`` (``$zopim.livechat.window``) and the outermost member."""
    path, cur = [], ref
    while cur.parent is not None and cur.parent.type in ("member_expression", "subscript_expression") \
            and cur.parent.child_by_field_name("object") == cur:
        name = member_name(script, cur.parent)
        if name is None:
            break
        path.append(name)
        cur = cur.parent
    return path, cur


def _command_text(script: Script, node: Node | None) -> str:
    if node is None:
        return ""
    value = script.string(unwrap(node))
    return value if value is not None else script.text(node)


# zE.apply(null, args) forwards whatever a wrapper was given: the commands are its callers'.
_FORWARDERS = frozenset({"apply", "call", "bind"})


# --- one handler per global -----------------------------------------------------------------

def _ze(script: Script, ref: Node, name: str) -> list[CallSite]:
    call = _called(ref)
    if call is not None:
        a = args(call)
        first = unwrap(a[0]) if a else None
        if is_function(first):
            return [_site(script, "zE", "ready", call, call, a, uses_ze=True)]
        api = script.string(first)
        if api is None or not _ZE_API.fullmatch(api):
            return []  # not the widget's calling convention
        command = _command_text(script, a[1] if len(a) > 1 else None)
        callback = a[2] if api == "messenger" and command == "loginUser" and len(a) > 2 else None
        return [_site(script, api, command, call, call, a, callback, uses_ze=True)]
    path, outer = _chain(script, ref)
    call = _called(outer)
    if len(path) == 1 and call is not None and path[0] not in _FORWARDERS:  # legacy v1: zE.identify({...})
        return [_site(script, "zE", path[0], call, call, args(call), uses_ze=True)]
    return []


def _zopim(script: Script, ref: Node, name: str) -> list[CallSite]:
    call = _called(ref)
    if call is not None:
        a = args(call)
        if a and is_function(unwrap(a[0])):
            return [_site(script, "$zopim", "ready", call, call, a)]
        return []
    path, outer = _chain(script, ref)
    call = _called(outer)
    if not path or call is None:
        return []
    command = ".".join(path)
    a = args(call)
    callback = _object_value(script, a[0], "jwtFn") if command == "livechat.authenticate" and a else None
    return [_site(script, "$zopim", command, call, call, a, callback)]


def _inin(script: Script, ref: Node, name: str) -> list[CallSite]:
    path, outer = _chain(script, ref)
    call = _called(outer)
    if len(path) < 2 or path[0] != "webchat" or call is None:
        return []
    return [_site(script, "ININ.webchat", ".".join(path[1:]), call, call, args(call))]


def _cxbus(script: Script, ref: Node, name: str) -> list[CallSite]:
    path, outer = _chain(script, ref)
    call = _called(outer)
    if len(path) != 1 or call is None:
        return []
    a = args(call)
    first = script.string(unwrap(a[0])) if a else None
    return [_site(script, "CXBus", first if first is not None else path[0], call, call, a)]


def _genesys(script: Script, ref: Node, name: str) -> list[CallSite]:
    call = _called(ref)
    a = args(call) if call is not None else []
    verb = script.string(unwrap(a[0])) if a else None
    if call is None or verb not in _GENESYS_VERBS:
        return []
    return [_site(script, "Genesys", _command_text(script, a[1] if len(a) > 1 else None), call, call, a)]


def _settings(script: Script, ref: Node, name: str) -> list[CallSite]:
    """``window.zESettings = {...}`` and ``zESettings.webWidget.x = v``: one call per leaf key."""
    api, lead = _SETTINGS[name]
    path, outer = _chain(script, ref)
    parent = outer.parent
    if parent is None:
        return []
    if parent.type == "assignment_expression" and parent.child_by_field_name("left") == outer:
        value, at, stmt = parent.child_by_field_name("right"), outer, parent
    elif parent.type == "variable_declarator" and parent.child_by_field_name("name") == outer:
        value, at, stmt = parent.child_by_field_name("value"), outer, parent
    else:
        return []
    sites = []
    for keys, leaf, key_node in _leaves(script, path, value, at):
        if tuple(keys[:len(lead)]) != lead:
            continue
        command = ".".join(keys[len(lead):])
        callback = leaf if _AUTH_KEY.search(command) else None
        sites.append(_site(script, api, command, key_node, stmt, [leaf], callback))
    return sites


def _leaves(script: Script, prefix: list[str], value: Node | None,
            at: Node) -> list[tuple[list[str], Node, Node]]:
    """(key path, value, key node) for every value in a nested object literal that is not
    itself a non-empty object literal."""
    out = []
    stack = [(prefix, value, at)]
    while stack:
        keys, node, key_node = stack.pop()
        node = unwrap(node)
        if node is None:
            continue
        members = [c for c in node.named_children if c.type != "comment"] if node.type == "object" else []
        if not members:
            out.append((keys, node, key_node))
            continue
        for member in reversed(members):
            if member.type == "pair":
                k = member.child_by_field_name("key")
                stack.append(([*keys, property_key(script, k)], member.child_by_field_name("value"), k))
            elif member.type == "shorthand_property_identifier":  # { jwtFn }
                out.append(([*keys, script.text(member)], member, member))
            elif member.type == "method_definition":
                k = member.child_by_field_name("name")
                out.append(([*keys, script.text(k)], member, k))
    out.sort(key=lambda leaf: leaf[2].start_byte)
    return out


def _object_value(script: Script, obj: Node, key: str) -> Node | None:
    obj = unwrap(obj)  # type: ignore[assignment]
    if obj is None or obj.type != "object":
        return None
    for member in obj.named_children:
        if member.type == "pair" and property_key(script, member.child_by_field_name("key")) == key:
            return member.child_by_field_name("value")
        if member.type in ("shorthand_property_identifier", "method_definition"):
            name = member.child_by_field_name("name") if member.type == "method_definition" else member
            if script.text(name) == key:
                return member
    return None


_HANDLERS = {
    "zE": _ze, "zESettings": _settings, "$zopim": _zopim, "ININ": _inin, "_genesys": _settings,
    "CXBus": _cxbus, "Genesys": _genesys,
}


# --- when a call runs -----------------------------------------------------------------------

def runs_on_load(site: CallSite) -> bool:
    """The call runs as soon as its script runs (top level or an IIFE) and is not guarded by a
    check that ``zE`` exists."""
    node = site.node
    if node.type == "call_expression" and node.child_by_field_name("optional_chain") is not None:
        return False
    child = node
    for a in ancestors(node, site.script.root):
        if is_function(a) and not immediately_invoked(a):
            return False
        if _guards(site.script, a, child):
            return False
        child = a
    return True


def guarded(site: CallSite) -> bool:
    """The call only runs once ``zE`` exists (``if (window.zE)``, ``zE && zE(...)``, ``zE?.(...)``)."""
    node = site.node
    if node.type == "call_expression" and node.child_by_field_name("optional_chain") is not None:
        return True
    child = node
    for a in ancestors(node, site.script.root):
        if _guards(site.script, a, child):
            return True
        child = a
    return False


def immediately_invoked(fn: Node) -> bool:
    cur = fn
    while cur.parent is not None and cur.parent.type == "parenthesized_expression":
        cur = cur.parent
    parent = cur.parent
    return parent is not None and parent.type == "call_expression" \
        and parent.child_by_field_name("function") == cur


_MENTIONS_ZE = re.compile(r"(?<![\w$])zE(?![\w$])")


def _guards(script: Script, node: Node, child: Node) -> bool:
    if node.type in ("if_statement", "ternary_expression"):
        cond = node.child_by_field_name("condition")
        return cond is not None and cond != child and bool(_MENTIONS_ZE.search(script.text(cond)))
    if node.type == "binary_expression" and node.child_by_field_name("right") == child:
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        return op is not None and op.type == "&&" and bool(_MENTIONS_ZE.search(script.text(left)))
    return False


# --- argument text without secrets ----------------------------------------------------------

def safe_text(script: Script, node: Node) -> str:
    """Source text of ``node`` with secret-looking and token-looking string literals replaced."""
    text = script.text(node)
    if "'" not in text and '"' not in text and "`" not in text:
        return text
    cuts: list[tuple[int, int]] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in STRINGS:
            if _sensitive(script, n):
                cuts.append((n.start_byte, n.end_byte))
            continue
        stack.extend(n.children)
    if not cuts:
        return text
    data = script.view.data
    out, last = [], node.start_byte
    for start, end in sorted(cuts):
        out.append(data[last:start].decode("utf-8", "replace"))
        out.append('"***"')
        last = end
    out.append(data[last:node.end_byte].decode("utf-8", "replace"))
    return "".join(out)


def _sensitive(script: Script, string: Node) -> bool:
    value = script.string(string) or ""
    if value.startswith("eyJ"):
        return True
    parent = string.parent
    if parent is None:
        return False
    owner = None
    if parent.type == "pair":
        owner = parent.child_by_field_name("key")
    elif parent.type == "variable_declarator":
        owner = parent.child_by_field_name("name")
    elif parent.type == "assignment_expression":
        owner = parent.child_by_field_name("left")
    elif parent.type == "arguments":
        call = parent.parent
        owner = call.child_by_field_name("function") if call is not None else None
    return owner is not None and bool(_SECRETISH.search(script.text(owner)))
