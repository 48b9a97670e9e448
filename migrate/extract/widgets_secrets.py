"""Credentials in script code: Genesys org OAuth tokens and secrets that reach the browser.

* ``genesys-client-credentials``: code that requests a Genesys org token (client credentials).
  Its text says where the token goes: ``widget`` when a widget login callback in the same
  file uses it (a token that can never authenticate Messenger), else ``api``.
* ``genesys-client-secret`` / ``zendesk-secret``: a secret in code that runs in a browser.
  Marker texts name where the secret is; they never hold its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from migrate.extract.widgets_js import (
    FUNCTIONS,
    STRINGS,
    Node,
    Script,
    ancestors,
    args,
    contains,
    enclosing_function,
    member_name,
    unwrap,
)
from migrate.model import Marker

_GENESYS_LOGIN = re.compile(
    r"login\.(?:mypurecloud\.(?:com\.au|com|ie|de|jp)|use2\.us-gov-pure\.cloud|[a-z0-9-]+\.pure\.cloud)"
    r"/oauth/token")
# The region's domain filled in at run time (`login.${domain}`) or by the server template.
_ANY_LOGIN = re.compile(r"login\.(?:\$\{[^}]*\}|_+)/oauth/token")
_GENESYS_HOST = re.compile(r"mypurecloud\.|pure\.cloud|genesys", re.I)
_GENESYS_FILE = re.compile(rb"mypurecloud\.|pure\.cloud|(?i:genesys)")
_REQUEST_HINTS = (b"/oauth/token", b"client_credentials", b"loginClientCredentialsGrant")
_TOKENS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_ZENDESK_WORDS = frozenset({"zendesk", "zd", "chat", "jwt", "widget", "zopim", "messaging", "messenger"})
_KEY_WORDS = frozenset({"jwt", "signing", "shared", "hmac", "private"})
_GENESYS_WORDS = frozenset({"genesys", "purecloud", "gc", "oidc", "pc", "client"})
# Build-time variables that bundlers inline into the browser code.
_PUBLIC_ENV = re.compile(r"^(?:import\.meta\.env\.|process\.env\.(?:REACT_APP_|NEXT_PUBLIC_|VUE_APP_|VITE_))")
_AUTH_COMMAND = (b"getAuthCode",)
_MAX_PRODUCERS = 20
_SECRET_MARKERS = {"zendesk": "zendesk-secret", "genesys": "genesys-client-secret"}


def name_kind(name: str) -> str | None:
    """"zendesk" / "genesys" when a variable name says it holds such a secret."""
    words = {w.lower() for w in _TOKENS.findall(name)}
    if "secret" not in words and not ("key" in words and words & _KEY_WORDS):
        return None
    if words & _ZENDESK_WORDS:
        return "zendesk"
    if "secret" in words and words & _GENESYS_WORDS:
        return "genesys"
    return None


# --- token requests ---------------------------------------------------------------------------

def token_requests(script: Script) -> list[Node]:
    """Nodes that request a Genesys org token with client credentials."""
    found: dict[int, Node] = {}
    options: list[Node] = []
    for hint, node in script.find(_REQUEST_HINTS):
        if hint == b"loginClientCredentialsGrant":
            call = _call_of_member(node)
            if call is not None:
                found[call.id] = call
            continue
        string = _string_at(node)
        if string is None:
            continue
        url = _plain(script, string)
        if hint == b"/oauth/token" and (
                _GENESYS_LOGIN.search(url) or _ANY_LOGIN.search(url) and _genesys_file(script)):
            found[string.id] = string
        elif hint == b"client_credentials":
            options.append(string)
    # grant_type=client_credentials sent to a login URL that is not written out in full
    for string in options:
        if not _near_login_url(script, string, found) and _genesys_file(script):
            request = _request_call(script, string) or string
            found[request.id] = request
    return sorted(found.values(), key=lambda n: n.start_byte)


def _genesys_file(script: Script) -> bool:
    return bool(_GENESYS_FILE.search(script.view.data))


def _plain(script: Script, string: Node) -> str:
    # the parsed text: template tags inside the URL read as ____
    return script.data[string.start_byte:string.end_byte].decode("utf-8", "replace")


def _near_login_url(script: Script, node: Node, found: dict[int, Node]) -> bool:
    scope = enclosing_function(node, script.root) or script.root
    return any(contains(scope, n) for n in found.values())


def _string_at(node: Node) -> Node | None:
    for n in (node, node.parent, node.parent.parent if node.parent else None):
        if n is not None and n.type in STRINGS:
            return n
    return None


def _call_of_member(node: Node) -> Node | None:
    member = node.parent
    if node.type != "property_identifier" or member is None or member.type != "member_expression":
        return None
    call = member.parent
    if call is not None and call.type == "call_expression" and call.child_by_field_name("function") == member:
        return call
    return None


def _request_call(script: Script, node: Node) -> Node | None:
    """The HTTP call a request option belongs to (fetch(url, {body: ...}))."""
    for a in ancestors(node, script.root):
        if a.type == "call_expression":
            return a
        if a.type in ("statement_block", "program"):
            return None
    return None


def credential_markers(scripts: list[Script], requests: dict[int, list[Node]],
                       callbacks: list[tuple[Script, Node]]) -> list[Marker]:
    """A marker per token request, "widget" when a login callback of the file uses it."""
    markers = []
    for script in scripts:
        for req in requests.get(id(script), []):
            used = _reaches_widget(script, req, callbacks)
            line, col = script.pos(req)
            markers.append(Marker("genesys-client-credentials", line, col, "widget" if used else "api"))
    return markers


def auth_callbacks(script: Script) -> Iterator[Node]:
    """Genesys AuthProvider ``registerCommand('getAuthCode', fn)`` handlers."""
    for _, node in script.find(_AUTH_COMMAND):
        string = _string_at(node)
        args_node = string.parent if string is not None else None
        if args_node is None or args_node.type != "arguments" or args_node.parent is None:
            continue
        call = args_node.parent
        callee = unwrap(call.child_by_field_name("function"))
        a = args(call)
        if callee is not None and member_name(script, callee) == "registerCommand" and len(a) > 1:
            yield a[1]


def _reaches_widget(script: Script, request: Node, callbacks: list[tuple[Script, Node]]) -> bool:
    producers = _producer_names(script, request)
    for cb_script, cb in callbacks:
        if cb_script is script and contains(cb, request):
            return True
        if _mentions(cb_script, cb, producers):
            return True
    return False


def _producer_names(script: Script, request: Node) -> set[str]:
    """Functions (and page-level variables) whose value derives from the token request."""
    names: set[str] = set()
    queue = [request]
    while queue and len(names) < _MAX_PRODUCERS:
        node = queue.pop()
        for name in _holders(script, node):
            if name not in names:
                names.add(name)
                queue.extend(_calls_to(script, name))
    return names


def _holders(script: Script, node: Node) -> Iterator[str]:
    """Names that hold ``node``: enclosing named functions, and page-level variables."""
    for a in ancestors(node, script.root):
        name = None
        if a.type in ("function_declaration", "method_definition"):
            name = a.child_by_field_name("name")
        elif a.type == "variable_declarator":
            value = unwrap(a.child_by_field_name("value"))
            top = a.parent is not None and a.parent.parent is not None and a.parent.parent.type == "program"
            if top or (value is not None and value.type in FUNCTIONS):
                name = a.child_by_field_name("name")
        elif a.type == "pair" and unwrap(a.child_by_field_name("value")) is not None \
                and unwrap(a.child_by_field_name("value")).type in FUNCTIONS:  # type: ignore[union-attr]
            name = a.child_by_field_name("key")
        if name is not None and name.type in ("identifier", "property_identifier"):
            yield script.text(name)


def _calls_to(script: Script, name: str) -> list[Node]:
    rx = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"\s*\(")
    return [node for _, node in script.hits(rx)]


def _mentions(script: Script, node: Node, names: set[str]) -> bool:
    if not names:
        return False
    text = script.text(node)
    return any(re.search(rf"(?<![\w$]){re.escape(n)}(?![\w$])", text) for n in names)


# --- secrets in browser code ------------------------------------------------------------------

def secret_markers(script: Script, requests: list[Node]) -> list[Marker]:
    markers: dict[tuple[str, int], Marker] = {}
    flagged: set[str] = set()
    for name, node in script.word_hits((b"secret", b"key")):
        if name_kind(name) is None:
            continue
        found = _named_secret(script, node)
        if found is None:
            continue
        kind, name, value = found
        if kind == "genesys" and not (_GENESYS_HOST.search(name) or _genesys_file(script)):
            continue
        flagged.add(name)
        _add(markers, script, _SECRET_MARKERS[kind], value, name)
    for req in requests:
        for node in _secret_arguments(script, req, flagged):
            _add(markers, script, "genesys-client-secret", node, "loginClientCredentialsGrant")
    for node in _basic_headers(script, requests, flagged):
        _add(markers, script, "genesys-client-secret", node, "basic-auth")
    return list(markers.values())


def _add(markers: dict[tuple[str, int], Marker], script: Script, kind: str, node: Node, text: str) -> None:
    line, col = script.pos(node)
    markers.setdefault((kind, line), Marker(kind, line, col, text))


def _named_secret(script: Script, node: Node) -> tuple[str, str, Node] | None:
    """(kind, name, value node) when ``node`` names a secret holding a literal."""
    name = script.text(node)
    if node.type == "string_fragment" and node.parent is not None:
        node = node.parent
        name = script.string(node) or ""
    kind = name_kind(name)
    if kind is None:
        return None
    parent = node.parent
    value = None
    if parent is None:
        return None
    if parent.type == "variable_declarator" and parent.child_by_field_name("name") == node:
        value = parent.child_by_field_name("value")
    elif parent.type == "pair" and parent.child_by_field_name("key") == node:
        value = parent.child_by_field_name("value")
    elif parent.type == "assignment_expression" and parent.child_by_field_name("left") == node:
        value = parent.child_by_field_name("right")
    elif parent.type == "member_expression" and parent.child_by_field_name("property") == node:
        return _member_secret(script, parent, kind, name)
    value = unwrap(value)
    if value is None:
        return None
    if _literal(script, value) or _PUBLIC_ENV.match(script.text(value)):
        return kind, name, value
    return None


def _member_secret(script: Script, member: Node, kind: str, name: str) -> tuple[str, str, Node] | None:
    # obj.clientSecret = "..." and import.meta.env.VITE_GENESYS_CLIENT_SECRET
    if _PUBLIC_ENV.match(script.text(member)):
        return kind, name, member
    parent = member.parent
    if parent is not None and parent.type == "assignment_expression" \
            and parent.child_by_field_name("left") == member:
        value = unwrap(parent.child_by_field_name("right"))
        if value is not None and _literal(script, value):
            return kind, name, value
    return None


def _literal(script: Script, value: Node) -> bool:
    if value.type not in STRINGS:
        return False
    text = script.string(value)
    return bool(text and text.strip()) or script.rendered(value)


def _secret_arguments(script: Script, request: Node, flagged: set[str]) -> Iterable[Node]:
    if request.type != "call_expression" or member_name(
            script, unwrap(request.child_by_field_name("function"))) != "loginClientCredentialsGrant":
        return []
    a = args(request)
    if len(a) < 2:
        return []
    secret = unwrap(a[1])
    if secret is not None and secret.type == "identifier" and script.text(secret) in flagged:
        return []
    return [a[1]]


_BASIC = re.compile(r"""^['"`]Basic\s""")


def _basic_headers(script: Script, requests: list[Node], flagged: set[str]) -> Iterable[Node]:
    """``'Basic ' + btoa(id + ':' + secret)`` next to a Genesys token request."""
    if not requests:
        return []
    found = []
    for _, node in script.find((b"Basic ",)):
        string = _string_at(node)
        if string is None or not _BASIC.match(script.text(string)):
            continue
        scope = enclosing_function(string, script.root) or script.root
        if not any(contains(scope, r) or contains(r, string) for r in requests):
            continue
        parent = string.parent
        expr = parent if parent is not None and parent.type == "binary_expression" else string
        if not _mentions(script, expr, flagged):
            found.append(string)
    return found
