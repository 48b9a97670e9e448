"""The widget extractor: chat widget loaders, API calls, login callbacks and credentials in
JavaScript / TypeScript, for whole files and for the script regions of a page.

``extract(src)`` reads a .js/.ts/.tsx file.  ``extract_script(...)`` reads given byte ranges
of a file (the ``<script>`` elements of a page) with positions kept in file coordinates.
"""

from __future__ import annotations

import re
from dataclasses import replace

import tree_sitter as ts

from migrate.extract.base import Found, Source, runs_in_browser
from migrate.extract.treesitter import Doc
from migrate.extract.widgets_auth import token_source
from migrate.extract.widgets_calls import (
    CallSite,
    find_calls,
    guarded,
    immediately_invoked,
    runs_on_load,
)
from migrate.extract.widgets_js import (
    STRINGS,
    Node,
    Script,
    ancestors,
    args,
    enclosing_function,
    is_function,
    property_key,
    unwrap,
)
from migrate.extract.widgets_secrets import (
    auth_callbacks,
    credential_markers,
    secret_markers,
    token_requests,
)
from migrate.extract.widgets_strings import StringScript, string_scripts
from migrate.model import Loader, Marker, WidgetCall

Span = tuple[int, int]

_LOADERS: list[tuple[str, re.Pattern[str]]] = [
    ("snippet", re.compile(r"static\.zdassets\.com/ekr/snippet\.js(?:\?(?:[^'\"\s#]*&)?key=([\w-]+))?")),
    ("zembed", re.compile(r"assets\.zendesk\.com/embeddable_framework/main\.js")),
    ("zopim", re.compile(r"v2\.zopim\.com/(?:\?([\w-]+))?")),
    ("genesys-messenger", re.compile(r"genesys-bootstrap/genesys\.min\.js")),
    ("genesys-webchat", re.compile(
        r"apps\.(?:mypurecloud\.[a-z.]+|[a-z0-9-]+\.pure\.cloud|use2\.us-gov-pure\.cloud|inin\w*\.com)"
        r"/(?:widgets/\S*?(?:widgets|cxbus)\.min\.js|webchat/jsapi-v\d+\.js)")),
]
# Loaders that define zE: a zE call that runs before them fails.
ZE_LOADERS = frozenset({"snippet", "zembed"})
_WEBCHAT_API = re.compile(r"/api/v2/(?:webchat|signeddata)")
# Sunshine Conversations' Web SDK signs its visitors in itself: a messaging-shaped token these
# pages hand over is the SDK's, not the Zendesk widget's.
_SUNSHINE_SDK = re.compile(rb"\bSmooch\s*\.\s*(?:init|login)\s*\(")
_STRING_HINTS = (b"zdassets.com", b"embeddable_framework", b"zopim.com", b"genesys-bootstrap", b"widgets.min.js",
                 b"cxbus.min.js", b"jsapi-v", b"/api/v2/webchat", b"/api/v2/signeddata")
# A file without any of these has nothing for this extractor: skip the parse.
_WORTH_PARSING = (b"zE", b"$zopim", b"ININ", b"_genesys", b"CXBus", b"Genesys", b"zdassets", b"zopim", b"Smooch",
                  b"purecloud", b"pure.cloud", b"/api/v2/", b"oauth/token", b"client_credentials",
                  b"loginClientCredentialsGrant")
# ... or a secret's name (see widgets_secrets.name_kind), in any case.
_WORTH_PARSING_ANY_CASE = (b"zendesk", b"secret", b"jwt", b"signingkey", b"signing_key", b"sharedkey",
                           b"shared_key", b"hmackey", b"hmac_key", b"privatekey", b"private_key")
_ASYNC = re.compile(r"\.(?:async|defer)\s*=\s*(?:true|!0|1)|setAttribute\(\s*['\"](?:async|defer)")


def loader_for_url(url: str) -> tuple[str, str | None] | None:
    """(kind, key) for a widget loader URL, else None.  A key rendered by a template is None."""
    hit = _loader_in(url)
    return hit[:2] if hit is not None else None


def _loader_in(text: str) -> tuple[str, str | None, int] | None:
    """(kind, key, where the URL starts in ``text``) for the first loader URL in ``text``."""
    for kind, rx in _LOADERS:
        m = rx.search(text)
        if m:
            key = m.group(1) if rx.groups else None
            return kind, (None if key is None or set(key) == {"_"} else key), m.start()
    return None


def extract(src: Source) -> Found:
    grammar = src.language if src.language in ("javascript", "typescript", "tsx") else "javascript"
    return extract_script(src, grammar, src.data, [], [], page=False)


def extract_script(src: Source, grammar: str, data: bytes, ranges: list[ts.Range],
                   masked: list[Span], page: bool, loader_at: int | None = None) -> Found:
    """Read the script regions ``ranges`` of ``data`` (all of it when ``ranges`` is empty).

    ``masked`` are the byte spans of server-template tags that print a value (``data`` has
    them masked, ``src.data`` has the original text).  ``page``: the regions are inline
    scripts of a page, in document order.  ``loader_at``: byte offset of the page's
    ``<script src=...snippet.js>`` when the page has one; zE calls that run before it are
    marked ``before_loader``.
    """
    found = Found(browser=runs_in_browser(src.text, page))
    view_data = src.data if len(src.data) == len(data) else data
    scripts: list[Script] = []
    sites: list[CallSite] = []
    requests: dict[int, list[Node]] = {}
    loader_offsets = [loader_at] if loader_at is not None else []
    # Where each loader sits and the function that adds it (None: it runs on page load).
    boots: list[tuple[int, Node | None]] = [(loader_at, None)] if loader_at is not None else []
    loader_strings: dict[int, Node] = {}
    in_strings: dict[int, StringScript] = {}
    for span, tree in _parse(grammar, data, ranges, page):
        view = Doc(view_data, tree)
        if tree.root_node.has_error and not found.errors:
            found.syntax_error(src, view.first_error())
        script = Script(view, tree.root_node, data, span, masked, list(scripts))
        scripts.append(script)
        sites += find_calls(script)
        strings = _strings(script)
        for offset, loader in _string_loaders(script, strings):
            found.loaders.append(loader)
            if loader.kind in ZE_LOADERS:
                loader_offsets.append(offset)
                boots.append((offset, _deferred_by(script, _string_at(strings, offset))))
                if (node := _string_at(strings, offset)) is not None:
                    loader_strings[offset] = node
        found.markers += _webchat_urls(script, strings)
        if (page or found.browser) and b"Smooch" in data[span[0]:span[1]]:
            found.markers += _sunshine_sdk(data, span)
        requests[id(script)] = token_requests(script)
        if found.browser:
            found.markers += secret_markers(script, requests[id(script)])
        # Widget code written in strings (innerHTML, document.write, a server-sent page).
        for inner in string_scripts(script, values_rendered=not found.browser):
            in_strings[id(inner.script)] = inner
            scripts.append(inner.script)
            sites += find_calls(inner.script)
            requests[id(inner.script)] = token_requests(inner.script)
    callbacks = [(s.script, s.callback) for s in sites if s.callback is not None]
    callbacks += [(script, cb) for script in scripts for cb in auth_callbacks(script)]
    found.markers += credential_markers(scripts, requests, callbacks)
    first_loader = min(loader_offsets) if loader_offsets and page else None
    found.calls += [_finish(site, first_loader, in_strings.get(id(site.script)), boots, loader_strings)
                    for site in sites]
    return found


def _parse(grammar: str, data: bytes, ranges: list[ts.Range], page: bool) -> list[tuple[Span, ts.Tree]]:
    # Each region on its own: one broken script must not spoil the next.
    if ranges:
        return [((r.start_byte, r.end_byte), Doc.parse(grammar, data, [r]).tree) for r in ranges]
    if not page and not _worth_parsing(data):
        return []
    return [((0, len(data)), Doc.parse(grammar, data).tree)]


def _worth_parsing(data: bytes) -> bool:
    if any(word in data for word in _WORTH_PARSING):
        return True
    lower = data.lower()
    return any(word in lower for word in _WORTH_PARSING_ANY_CASE)


def _deferred_by(script: Script, node: Node | None) -> Node | None:
    """The outermost function, not called on the spot, that ``node`` runs in (None: it runs
    when its script runs)."""
    found = None
    if node is not None:
        for a in ancestors(node, script.root):
            if is_function(a) and not immediately_invoked(a):
                found = a
    return found


def _string_at(strings: list[Node], offset: int) -> Node | None:
    return next((s for s in strings if s.start_byte == offset), None)


def _after_boot(site: CallSite, boots: list[tuple[int, Node | None]]) -> bool:
    """A zESettings assignment that runs once the loader has booted the widget: in code that
    runs later (a login handler, the loader's onload), or after a loader that runs on load;
    settings written on load before a loader that is added later (a delayed script) are read."""
    settings = _deferred_by(site.script, site.node)
    at = site.node.start_byte
    for offset, loader in boots:
        if settings is not None and loader is None:
            return True
        if (settings is None) == (loader is None) and offset < at:
            return True  # the same timing: document order decides
    return False


_TIMERS = frozenset({"setTimeout", "setInterval", "requestIdleCallback"})
_EVENTS = frozenset({"addEventListener", "on", "click", "one"})  # DOM and jQuery handlers


def _callback_of(script: Script, node: Node, kinds: frozenset[str]) -> Node | None:
    """The function ``node`` runs in when that function is handed to a timer or an event
    registration of ``kinds`` (``setTimeout(function () {...})``, ``el.addEventListener('click', ...)``)."""
    fn = enclosing_function(node, script.root)
    holder = fn.parent if fn is not None else None
    call = holder.parent if holder is not None and holder.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is not None and callee.type == "member_expression":
        callee = callee.child_by_field_name("property")
    return fn if callee is not None and script.text(callee) in kinds else None


def _before_delayed_loader(site: CallSite, strings: dict[int, Node], boots: list[tuple[int, Node | None]]) -> bool:
    """An unguarded zE call in an event handler (a click) while every loader of the script is
    added by a timer: the visitor can click first, before zE exists."""
    if not boots or guarded(site) or _callback_of(site.script, site.node, _EVENTS) is None:
        return False
    for offset, _ in boots:
        string = strings.get(offset)
        if string is None or _callback_of(site.script, string, _TIMERS) is None:
            return False  # a loader on the page, or one added some other way: no race to report
    return True


def _finish(site: CallSite, first_loader: int | None, in_string: StringScript | None,
            boots: list[tuple[int, Node | None]] = (), loader_strings: dict[int, Node] | None = None) -> WidgetCall:
    loader_strings = loader_strings or {}
    call = site.call
    if site.callback is not None:
        kind, line = token_source(site.script, site.callback)
        call = replace(call, token_source=kind, token_line=line)
    # Code in a string runs when the string is written out: when its holder runs.
    runs = site if in_string is None else CallSite(call, in_string.string, in_string.outer)
    if call.api == "zESettings" and in_string is None and _after_boot(site, list(boots)):
        call = replace(call, after_loader=True)
    if site.uses_ze and in_string is None and _before_delayed_loader(site, loader_strings, list(boots)):
        call = replace(call, before_loader=True)
    if site.uses_ze and first_loader is not None and site.node.start_byte < first_loader \
            and runs_on_load(site) and (in_string is None or runs_on_load(runs)):
        call = replace(call, before_loader=True)
    return call


# --- string literals: loaders and legacy web chat endpoints ---------------------------------

def _strings(script: Script) -> list[Node]:
    """String literals that mention a loader or a legacy web chat endpoint."""
    seen: dict[int, Node] = {}
    for _, node in script.find(_STRING_HINTS):
        for n in (node, node.parent):
            if n is not None and n.type in STRINGS:
                seen.setdefault(n.id, n)
                break
    return sorted(seen.values(), key=lambda n: n.start_byte)


def _string_loaders(script: Script, strings: list[Node]) -> list[tuple[int, Loader]]:
    out = []
    for string in strings:
        parsed = script.data[string.start_byte:string.end_byte].decode("utf-8", "replace")
        hit = _loader_in(parsed)
        if hit is None:
            continue
        kind, key, at = hit
        if kind == "genesys-messenger":
            key = _deployment_id(script, string)
        elif key is None and kind in ("snippet", "zopim"):
            key = _spliced_key(script, string)
        line, col = script.pos(string)
        if "\n" in parsed[:at]:  # markup in a multi-line string: where the URL itself starts
            while at > 0 and parsed[at - 1] not in _URL_ENDS:
                at -= 1
            before = parsed[:at]
            line, col = line + before.count("\n"), len(before) - before.rfind("\n")
        out.append((string.start_byte, Loader(kind, key, line, col, is_async=_loads_async(script, string))))
    return out


def _webchat_urls(script: Script, strings: list[Node]) -> list[Marker]:
    markers = []
    for string in strings:
        m = _WEBCHAT_API.search(script.text(string))
        if m:
            line, col = script.pos(string)
            markers.append(Marker("genesys-webchat-url", line, col, m.group()))
    return markers


def _sunshine_sdk(data: bytes, span: Span) -> list[Marker]:
    m = _SUNSHINE_SDK.search(data, span[0], span[1])
    if m is None:
        return []
    line = data.count(b"\n", 0, m.start()) + 1
    call = re.sub(rb"\s", b"", m.group()).rstrip(b"(").decode()
    return [Marker("sunshine-web-sdk", line, m.start() - data.rfind(b"\n", 0, m.start()), call)]


def _deployment_id(script: Script, string: Node) -> str | None:
    # (function (g, e, n, es, ys) {...})(window, 'Genesys', '...genesys.min.js', {deploymentId})
    holder = string.parent
    if holder is None or holder.type != "arguments" or holder.parent is None:
        return None
    for arg in args(holder.parent):
        arg = unwrap(arg)  # type: ignore[assignment]
        if arg is None or arg.type != "object":
            continue
        for pair in arg.named_children:
            if pair.type == "pair" and property_key(script, pair.child_by_field_name("key")) == "deploymentId":
                value = script.string(unwrap(pair.child_by_field_name("value")))
                if value and set(value) != {"_"}:
                    return value
    return None


_URL_ENDS = frozenset("\"'` \t\r\n=(<>")
# The URL ends where the key goes: '...snippet.js?key=' + key, `...?key=${key}`, '//v2.zopim.com/?' + id
_KEY_SLOT = re.compile(r"(?:snippet\.js\?(?:[^'\"\s#`]*&)?key=|zopim\.com/\?)$")
_KEY = re.compile(r"[\w-]+")


def _spliced_key(script: Script, string: Node) -> str | None:
    """A key spliced into the loader URL, when it is a string constant of the script."""
    value: Node | None = None
    if string.type == "template_string":
        for sub in string.named_children:
            if sub.type == "template_substitution":
                before = script.data[string.start_byte + 1:sub.start_byte].decode("utf-8", "replace")
                if _KEY_SLOT.search(before):
                    value = sub.named_children[0] if sub.named_children else None
                break
    else:
        holder = string
        while holder.parent is not None and holder.parent.type == "parenthesized_expression":
            holder = holder.parent
        plus = holder.parent
        op = plus.child_by_field_name("operator") if plus is not None and plus.type == "binary_expression" else None
        text = script.string(string)
        if op is not None and op.type == "+" and plus.child_by_field_name("left") == holder \
                and text is not None and _KEY_SLOT.search(text):
            value = plus.child_by_field_name("right")
    key = _constant(script, unwrap(value))
    return key if key is not None and _KEY.fullmatch(key) and set(key) != {"_"} else None


def _constant(script: Script, node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type in STRINGS:
        return script.string(node)
    if node.type != "identifier":
        return None
    bound = script.binding(node, script.text(node))
    if bound is None or bound[1] != "var":
        return None
    where, _, decl, _ = bound
    value = unwrap(decl.child_by_field_name("value"))
    return where.string(value) if value is not None and value.type in STRINGS else None


def _loads_async(script: Script, string: Node) -> bool:
    scope = enclosing_function(string, script.root)
    if scope is None:
        holder = string.parent
        call = holder.parent if holder is not None and holder.type == "arguments" else None
        callee = unwrap(call.child_by_field_name("function")) if call is not None else None
        scope = callee if callee is not None else script.root
    return bool(_ASYNC.search(script.text(scope)))
