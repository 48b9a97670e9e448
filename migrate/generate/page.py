"""Page edits: the Zendesk loader becomes the Messenger snippet in the form it was written in (a
`<script>` element, a next/script `<Script>` element, a script element code creates, markup in a
string), loginUser / jwtFn becomes the AuthProvider plugin with loginUser's sign-in callback
kept on Messenger's Auth events, feature tests on `window.zE` test `window.Genesys`, zESettings
stay commented out with their values, and every other widget call is translated through the
widget-API table or commented out under a visible TODO(migrate:ZG107).

Positions come from the inventory; the nodes to edit are found again with tree-sitter in the
same file (scripts of pages and templates included), so edits cover whole statements. A change
inside text another change replaces goes with it, and its reason says so.
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import tree_sitter as ts

from migrate.extract import language_for, templates
from migrate.extract.treesitter import Doc, walk
from migrate.generate.changes import Edit, SourceFile, with_newlines
from migrate.generate.config import Config
from migrate.generate.plan import CallPlan, Plan
from migrate.generate.positions import byte_offset, char_offset
from migrate.generate.render import render
from migrate.model import Loader
from migrate.widgetapi import lookup

_JS = ("javascript", "typescript", "tsx")
_ZENDESK_COMMENT = re.compile(r"[ \t]*<!--\s*(Start|End) of\s+Zendesk Widget script\s*-->[ \t]*\r?\n", re.IGNORECASE)


@dataclass
class Page:
    """One file's text and its parsed scripts (file coordinates)."""

    src: SourceFile
    html: Doc | None
    scripts: list[Doc]

    @classmethod
    def parse(cls, src: SourceFile) -> Page:
        lang = language_for(src.path) or "javascript"
        data = src.data
        if lang in _JS:
            return cls(src, None, [Doc.parse(lang, data)])
        flavour = lang.split(":", 1)[1] if lang.startswith("page:") else lang
        masked, _ = templates.mask(data, flavour, src.path)
        html = Doc(data, Doc.parse("html", masked).tree)
        scripts = []
        for node in walk(html.root):
            if node.type == "script_element":
                body = next((c for c in node.named_children if c.type == "raw_text"), None)
                if body is not None and body.end_byte > body.start_byte:
                    lang_attr = "typescript" if re.search(rb"lang=[\"']ts", masked[node.start_byte:body.start_byte]) \
                        else "javascript"
                    scripts.append(Doc(data, Doc.parse(lang_attr, masked, [body.range]).tree))
        return cls(src, html, scripts)

    # --- positions ------------------------------------------------------------------------

    def offset(self, byte: int) -> int:
        """Character offset of a byte offset (tree-sitter works in bytes)."""
        return char_offset(self.src.data, byte)

    def byte_at(self, line: int, column: int) -> int:
        return byte_offset(self.src.text, line, column)

    def call_at(self, line: int, column: int) -> ts.Node | None:
        at = self.byte_at(line, column)
        for doc in self.scripts:
            node, best = doc.root.descendant_for_byte_range(at, at), None
            # Climb while the node still starts here: the outermost call starting at `at` wins.
            while node is not None and node.start_byte == at:
                if node.type == "call_expression":
                    best = node
                node = node.parent
            if best is not None:
                return best
        return None

    def statement(self, node: ts.Node) -> ts.Node:
        """The expression statement that is exactly this call, or the call itself."""
        parent = node.parent
        if parent is not None and parent.type == "expression_statement":
            return parent
        return node

    def indent(self, node: ts.Node) -> str:
        start = self.offset(node.start_byte)
        line_start = self.src.text.rfind("\n", 0, start) + 1
        lead = self.src.text[line_start:start]
        return lead if not lead.strip() else re.match(r"[ \t]*", lead).group()  # type: ignore[union-attr]

    def text(self, node: ts.Node) -> str:
        return self.src.data[node.start_byte:node.end_byte].decode("utf-8", "surrogateescape")

    def edit(self, node: ts.Node, text: str) -> Edit:
        return Edit(self.offset(node.start_byte), self.offset(node.end_byte),
                    with_newlines(text, self.src.newline))


def _indented(text: str, indent: str) -> str:
    lines = text.rstrip("\n").split("\n")
    return "\n".join([lines[0]] + [indent + line if line else line for line in lines[1:]])


def _commented(page: Page, node: ts.Node, rule: str | None, reason: str) -> str:
    indent = page.indent(node)
    original = page.text(node).replace("\r\n", "\n").split("\n")
    body = [f"// {original[0]}"] + [f"{indent}// {line[len(indent):] if line.startswith(indent) else line.lstrip()}"
                                     for line in original[1:]]
    head = [f"// TODO(migrate:{rule}): {reason}"] if rule else [line for line in reason.split("\n") if line]
    return "\n".join(head[:1] + [indent + line for line in head[1:]]) + f"\n{indent}" + "\n".join(body)


@dataclass
class Change:
    """One translation: its edits, the report line saying what it did, and what becomes of other
    widget code inside the text it replaces (`swallows`)."""

    edits: list[Edit]
    line: int
    reason: str | None
    label: str  # the widget code it concerns, as a reason names it ("line 3: messenger open")
    swallows: str  # e.g. "commented out with the code at line 3"


def _inside(inner: Edit, outer: Edit) -> bool:
    """`inner` changes only text that `outer` replaces (an insertion at its edge does not)."""
    if outer.start == outer.end or (inner.start, inner.end) == (outer.start, outer.end):
        return False
    if inner.start == inner.end:
        return outer.start < inner.start < outer.end
    return outer.start <= inner.start and inner.end <= outer.end


def _overlap(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:
        return _inside(a, b) or _inside(b, a)
    return max(a.start, b.start) < min(a.end, b.end)


def _within(c: Change, outer: Change, first: bool) -> bool:
    """Every edit of `c` lies in text `outer` replaces; an edit of the very same span counts as
    inside only when `outer` came first (one of two identical changes is kept)."""
    return all(any(_inside(e, o) or (first and (e.start, e.end) == (o.start, o.end)) for o in outer.edits)
               for e in c.edits)


def _resolve(path: str, changes: list[Change]) -> tuple[list[Edit], list[str], list[str]]:
    """The edits and reasons of a file's changes. A change lying inside another one's replaced
    text goes with it (its reason says so); two changes that cross leave the file as it is, with a
    note naming both."""
    kept: list[Change] = []
    reasons: list[str] = []
    for i, c in enumerate(changes):
        outer = next((o for j, o in enumerate(changes) if j != i and _within(c, o, j < i)), None)
        if outer is None:
            kept.append(c)
        elif c.reason is not None:
            reasons.append(f"{c.label}: {outer.swallows}")
    for i, a in enumerate(kept):
        for b in kept[i + 1:]:
            if any(_overlap(x, y) for x in a.edits for y in b.edits):
                note = (f"{path}: left as it is: the change at line {a.line} ({a.label.split(': ', 1)[-1]}) and the "
                        f"one at line {b.line} ({b.label.split(': ', 1)[-1]}) overlap; migrate this file by hand "
                        "(TODO(migrate:ZG111))")
                return [], [], [note]
    reasons += [c.reason for c in kept if c.reason]
    return [e for c in kept for e in c.edits], sorted(reasons, key=_reason_line), []


def _reason_line(reason: str) -> int:
    m = re.match(r"line (\d+)", reason)
    return int(m.group(1)) if m else 0


# --- loaders ----------------------------------------------------------------------------------

_LOADER_URL = re.compile(r"(?:https?:)?//(?:static\.zdassets\.com/ekr/snippet\.js|assets\.zendesk\.com/"
                         r"embeddable_framework/main\.js|v2\.zopim\.com/)[^'\"`\s<>]*")


def _bootstrap(config: Config) -> dict[str, str]:
    return {"apps_host": config.region.apps_host, "environment": config.region.env,
            "deployment_id": config.deployment_id}


def _bootstrap_url(config: Config) -> str:
    return config.region.apps_host.rstrip("/") + "/genesys-bootstrap/genesys.min.js"


def _line(page: Page, byte: int) -> int:
    return page.src.data.count(b"\n", 0, byte) + 1


# --- sign-out paths ---------------------------------------------------------------------------

_SIGN_OUT = re.compile(r"^/?(?:[\w.-]+/)*(?:log[-_]?out|sign[-_]?out|log[-_]?off|sign[-_]?off)/?$", re.I)
_QUOTED = re.compile(r"""["'`](/?[\w./-]{3,80})["'`]""")
_CODE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".py", ".rb", ".php", ".go", ".java", ".kt", ".cs",
                  ".html", ".htm", ".erb", ".ejs", ".hbs", ".handlebars", ".jinja", ".j2", ".twig", ".vue", ".svelte",
                  ".cshtml", ".jsp", ".pug", ".yaml", ".yml", ".xml", ".config")
_SKIP_DIRS = {"node_modules", ".git", "vendor", "dist", "build", ".venv", "venv", "__pycache__", "target", "bin", "obj"}


def signout_paths(root: str) -> dict[str, list[str]]:
    """The site's sign-out URL paths (routes, links, form actions, redirects naming /logout,
    /users/sign_out, /account/signout...) -> where each was seen (path:line)."""
    import os
    import stat
    from pathlib import Path

    found: dict[str, list[str]] = {}
    base = Path(root)
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(_CODE_SUFFIXES):
                continue
            path = Path(folder) / name
            try:
                info = path.lstat()  # a fifo would block the read, a link may lead out of the site
                if not stat.S_ISREG(info.st_mode) or info.st_size > 512_000:
                    continue
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for m in _QUOTED.finditer(text):
                value = m.group(1)
                if "/" not in value or not _SIGN_OUT.match(value):
                    continue
                url = "/" + value.strip("/")
                rel = path.relative_to(base).as_posix()
                found.setdefault(url, []).append(f"{rel}:{text.count(chr(10), 0, m.start()) + 1}")
    return found


def loader_change(page: Page, loader: Loader, config: Config,
                  signout: dict[str, list[str]] | None = None) -> Change | None:
    """The Zendesk loader, in whatever form it is written, as the Messenger snippet in that form;
    with `signout` (an authenticated site's sign-out paths), the hook that logs Messenger out
    first follows a snippet element."""
    at = page.byte_at(loader.line, loader.column)
    where = f"({config.region.aws}, {config.region.env}) [regions.yaml]"
    label = f"line {loader.line}: the Zendesk loader"
    line = f"line {loader.line}: "
    swallows = f"removed with the Zendesk loader at line {loader.line}"
    if page.html is not None:
        for node in walk(page.html.root):
            if node.type != "script_element" or not node.start_byte <= at < node.end_byte:
                continue
            body = next((c for c in node.named_children if c.type == "raw_text"), None)
            if body is not None and at >= body.start_byte:
                break  # the loader is built by the script's code
            said = line + f"Zendesk loader -> Genesys Messenger snippet {where}"
            if signout:
                seen = "; ".join(f"{url} ({', '.join(at[:2])}{', ...' if len(at) > 2 else ''})"
                                 for url, at in sorted(signout.items()))
                said += (f"; sign-out links and forms to {seen} call Auth.logout first: Messenger keeps its "
                         "tokens in localStorage until then [templates/page/signout-hook.html.j2]")
            return Change(_element_edits(page, node, config, sorted(signout or ())), loader.line, said, label,
                          swallows)
    string = _string_at(page, at)
    if string is None:
        return None
    holder = string.parent
    if holder is not None and holder.type == "jsx_expression":
        holder = holder.parent
    if holder is not None and holder.type == "jsx_attribute":
        edits = _jsx_edits(page, holder, config)
        return Change(edits, loader.line, line + f"Zendesk loader element -> the same element running the Genesys "
                      f"Messenger snippet inline {where}", label, swallows) if edits else None
    text = page.text(string)
    url = _LOADER_URL.search(text)
    if url is None:
        return None
    if "<script" in text[:url.start()].lower():
        edits = _markup_edits(page, string, url.start(), config)
        return Change(edits, loader.line, line + f"Zendesk loader in markup written by code -> Genesys Messenger snippet "
                      f"{where}", label, swallows) if edits else None
    edits = _url_edits(page, string, config)
    return Change(edits, loader.line, line + f"Zendesk loader URL -> Genesys bootstrap URL, with the Messenger queue "
                  f"and configuration set just before it {where}", label, swallows) if edits else None


def _element_edits(page: Page, node: ts.Node, config: Config, signout: list[str] | None = None) -> list[Edit]:
    snippet = render("page/messenger-snippet.html.j2", **_bootstrap(config))
    if signout:
        snippet = snippet.rstrip("\n") + "\n" + render("page/signout-hook.html.j2", paths=signout)
    edits = [page.edit(node, _indented(snippet, page.indent(node)))]
    # The "Start/End of Zendesk Widget script" comments around it go too.
    start, end = page.offset(node.start_byte), page.offset(node.end_byte)
    text = page.src.text
    line_start = text.rfind("\n", 0, start) + 1
    before = list(_ZENDESK_COMMENT.finditer(text, text.rfind("\n", 0, max(line_start - 1, 0)) + 1, line_start))
    after = _ZENDESK_COMMENT.match(text, text.find("\n", end) + 1) if text.find("\n", end) >= 0 else None
    edits += [Edit(m.start(), m.end(), "") for m in before[-1:]]
    if after:
        edits.append(Edit(after.start(), after.end(), ""))
    return edits


def _string_at(page: Page, at: int) -> ts.Node | None:
    for doc in page.scripts:
        if not doc.root.start_byte <= at < doc.root.end_byte:
            continue
        node = doc.root.descendant_for_byte_range(at, at)
        while node is not None and node.type not in ("string", "template_string"):
            node = node.parent
        if node is not None:
            return node
    return None


def _escaped(code: str, quote: str) -> str:
    """`code` as the inside of a JavaScript string literal with `quote`."""
    code = code.replace("\\", "\\\\")
    if quote == "`":
        return code.replace("`", "\\`").replace("${", "\\${")
    return " ".join(line.strip() for line in code.split("\n") if line.strip()).replace(quote, "\\" + quote)


def _jsx_edits(page: Page, attribute: ts.Node, config: Config) -> list[Edit]:
    """`<Script src="...snippet.js" .../>` -> `<Script id="genesys-messenger" dangerouslySetInnerHTML=...`:
    next/script (and a server-rendered `<script>`) runs inline code given that way; the element's
    other attributes (strategy, handlers) stay."""
    element = attribute.parent
    if element is None or element.type not in ("jsx_self_closing_element", "jsx_opening_element"):
        return []
    indent = page.indent(element)
    code = render("page/messenger-bootstrap.js.j2", **_bootstrap(config)).rstrip("\n")
    inline = ("dangerouslySetInnerHTML={{ __html: `\n" + indent + "  " + _indented(_escaped(code, "`"), indent + "  ")
              + "\n" + indent + "` }}")
    edits = [page.edit(attribute, inline)]
    attrs = [a for a in element.named_children if a.type == "jsx_attribute"]
    ident = next((a for a in attrs if a.named_children and page.text(a.named_children[0]) == "id"), None)
    if ident is not None:
        edits.append(page.edit(ident, 'id="genesys-messenger"'))
    else:
        name = element.child_by_field_name("name")
        if name is None:
            return []
        edits.append(Edit(page.offset(name.end_byte), page.offset(name.end_byte), ' id="genesys-messenger"'))
    return edits


def _markup_edits(page: Page, string: ts.Node, url_at: int, config: Config) -> list[Edit]:
    """A `<script src=...snippet.js>` element inside a string of markup becomes the snippet there."""
    text = page.text(string)
    quote = text[0]
    start = text.lower().rfind("<script", 0, url_at)
    close = text.lower().find("</script>", url_at)
    if start < 0 or close < 0:
        return []
    end = close + len("</script>")
    line_start = text.rfind("\n", 0, start) + 1
    indent = text[line_start:start] if not text[line_start:start].strip() else ""
    snippet = render("page/messenger-snippet.html.j2", **_bootstrap(config)).rstrip("\n")
    new = _escaped(_indented(snippet, indent) if quote == "`" else snippet, quote)
    base = page.offset(string.start_byte)
    edits = [Edit(base + start, base + end, new)]
    # The "Start/End of Zendesk Widget script" comment lines around it go too.
    prev = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
    for m in _ZENDESK_COMMENT.finditer(text, prev if line_start else line_start, line_start):
        edits.append(Edit(base + m.start(), base + m.end(), ""))
    after = text.find("\n", end)
    if after >= 0 and (m := _ZENDESK_COMMENT.match(text, after + 1)):
        edits.append(Edit(base + m.start(), base + m.end(), ""))
    return edits


def _statement_of(node: ts.Node) -> ts.Node | None:
    """The statement `node` is part of, directly inside a block or the program."""
    while node.parent is not None and node.parent.type not in ("program", "statement_block", "switch_case",
                                                              "switch_default"):
        node = node.parent
    return node if node.parent is not None else None


def _url_edits(page: Page, string: ts.Node, config: Config) -> list[Edit]:
    """A loader URL that code hands to a script element (`s.src = '...snippet.js?key=' + KEY`): the
    Genesys bootstrap URL instead, with the queue and configuration the snippet would set first."""
    holder = string
    while holder.parent is not None and (holder.parent.type == "parenthesized_expression" or (
            holder.parent.type == "binary_expression" and holder.parent.child_by_field_name("left") == holder)):
        holder = holder.parent
    statement = _statement_of(holder)
    if statement is None:
        return []
    quote = page.text(string)[0] if page.text(string)[0] in "'\"" else "'"
    typed = (language_for(page.src.path) or "") in ("typescript", "tsx")
    queue = render("page/messenger-queue.js.j2", win="(window as any)" if typed else "window",
                   module_level=statement.parent is not None and statement.parent.type == "program",
                   environment=config.region.env, deployment_id=config.deployment_id).rstrip("\n")
    indent = page.indent(statement)
    at = page.offset(statement.start_byte)
    return [Edit(at, at, with_newlines(_indented(queue, indent) + "\n" + indent, page.src.newline)),
            page.edit(holder, f"{quote}{_bootstrap_url(config)}{quote}")]


# --- feature tests on zE ----------------------------------------------------------------------

_WINDOW = frozenset({"window", "self", "globalThis"})
_ZENDESK_GLOBALS = frozenset({"zE", "$zopim"})
_TESTS = frozenset({"&&", "||", "??", "===", "!==", "==", "!="})


def _zendesk_global(page: Page, node: ts.Node | None) -> ts.Node | None:
    """The identifier naming zE / $zopim in `zE` or `window.zE`, else None."""
    if node is None:
        return None
    if node.type == "identifier" and page.text(node) in _ZENDESK_GLOBALS:
        return node
    if node.type == "member_expression":
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is not None and prop is not None and page.text(obj) in _WINDOW and page.text(prop) in _ZENDESK_GLOBALS:
            return prop
    return None


def _is_test(node: ts.Node) -> bool:
    """`node` is only tested (truthiness, comparison, negation), never called or kept."""
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type in ("if_statement", "while_statement", "do_statement"):
        return True
    if parent.type == "unary_expression":
        return page_operator(parent) == "!"
    if parent.type == "binary_expression":
        return page_operator(parent) in _TESTS
    if parent.type == "ternary_expression":
        return parent.child_by_field_name("condition") == node
    return False


def page_operator(node: ts.Node) -> str:
    op = node.child_by_field_name("operator")
    return op.type if op is not None else ""


def guard_changes(page: Page) -> list[Change]:
    """Feature tests on the Zendesk global (`typeof window.zE === 'function'`, `window.zE && ...`,
    `if (window.zE)`, `'zE' in window`) test the Genesys global instead: zE never exists after the
    migration, so code behind such a test would never run."""
    out: list[Change] = []
    for doc in page.scripts:
        for node in walk(doc.root):
            name: ts.Node | None = None
            test = node
            if node.type == "unary_expression" and page_operator(node) == "typeof":
                name = _zendesk_global(page, node.child_by_field_name("argument"))
            elif node.type == "member_expression" and node.parent is not None and not (
                    node.parent.type == "unary_expression" and page_operator(node.parent) == "typeof") and _is_test(node):
                name = _zendesk_global(page, node)
            elif node.type == "binary_expression" and page_operator(node) == "in":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is not None and left.type == "string" and page.text(left)[1:-1] in _ZENDESK_GLOBALS \
                        and right is not None and page.text(right) in _WINDOW:
                    name = left
            if name is None:
                continue
            while test.parent is not None and test.parent.type == "binary_expression" and \
                    page_operator(test.parent) in ("===", "!==", "==", "!=", "in"):
                test = test.parent
            old = " ".join(page.text(test).split())
            new_name = "Genesys" if name.type != "string" else page.text(name)[0] + "Genesys" + page.text(name)[-1]
            new = old.replace(page.text(name), new_name, 1)
            line = _line(page, node.start_byte)
            gone = page.text(name).strip("'\"")
            out.append(Change([page.edit(name, new_name)], line,
                              f"line {line}: feature test `{old}` -> `{new}`: the Messenger snippet defines Genesys, "
                              f"{gone} no longer exists", f"line {line}: feature test `{old}`", f"part of the feature test at line {line}"))
    return out


# --- widget calls -----------------------------------------------------------------------------

def _plugin(config: Config) -> str:
    if config.idp:  # the site's own identity provider signs the visitor in
        from migrate.generate.idp import plugin

        return plugin(config)
    return render("page/authprovider.js.j2", authorize_url=f"{config.issuer}/authorize",
                  client_id=config.client_id, redirect_uri=config.redirect_uri, login_url=config.login_url,
                  # offline_access: the provider then issues a refresh token, which Genesys uses to
                  # renew its session (genesys.md §8: the official samples ask for it)
                  scope="openid profile email offline_access")


_AUTH_REASON = "-> AuthProvider plugin [templates/page/authprovider.js.j2]"
_MARK = "\x00callback\x00"


def _args(page: Page, call: ts.Node) -> list[ts.Node]:
    holder = call.child_by_field_name("arguments")
    return [a for a in holder.named_children if a.type != "comment"] if holder is not None else []


def _login_change(page: Page, p: CallPlan, call: ts.Node, stmt: ts.Node, config: Config, label: str) -> Change:
    """loginUser -> the AuthProvider plugin; its sign-in callback (4th argument) stays where it is,
    now called on Messenger's Auth events."""
    indent = page.indent(stmt)
    expression = stmt is call  # e.g. `window.zE && zE('messenger', 'loginUser', ...)`
    plugin = _plugin(config).rstrip("\n")
    if expression:
        plugin = plugin.rstrip(";")
    args = _args(page, call)
    callback = args[3] if p.call.api == "messenger" and len(args) > 3 else None
    swallows = f"removed with the Zendesk token callback of line {p.call.line} (the AuthProvider plugin replaces it)"
    if callback is None:
        text = f"(\n  {_indented(plugin, '  ')})" if expression else plugin
        return Change([page.edit(stmt, _indented(text, indent))], p.call.line, f"{label} {_AUTH_REASON}", label,
                      swallows)
    kept = render("page/login-callback.js.j2", callback=_MARK).rstrip("\n")
    head, tail = kept.split(_MARK)
    if expression:
        head, tail = f"(\n  {_indented(plugin, '  ')},\n  {_indented(head, '  ')}", tail.rstrip(";") + ")"
    else:
        head = plugin + "\n" + head
    start, end = page.offset(stmt.start_byte), page.offset(stmt.end_byte)
    edits = [Edit(start, page.offset(callback.start_byte), with_newlines(_indented(head, indent), page.src.newline)),
             Edit(page.offset(callback.end_byte), end, tail)]
    return Change(edits, p.call.line,
                  f"{label} {_AUTH_REASON}; its sign-in callback kept, called once on Auth.authenticated (success) or "
                  "Auth.authError (failure), and on Auth.authProviderError (unconfirmed event) "
                  "[templates/page/login-callback.js.j2]", label, swallows)


def call_changes(page: Page, plans: list[CallPlan], config: Config) -> tuple[list[Change], list[str]]:
    changes: list[Change] = []
    notes: list[str] = []
    for p in plans:
        if p.call.api == "zESettings":
            continue  # settings are handled one assignment at a time, below
        label = f"line {p.call.line}: {p.call.api} {p.call.command}"
        call = page.call_at(p.call.line, p.call.column)
        if call is None:
            where = "is in code the page writes out from a string" \
                if _string_at(page, page.byte_at(p.call.line, p.call.column)) is not None \
                else "was not found again in the file"
            notes.append(f"{page.src.path}:{p.call.line}: {p.call.api} {p.call.command} {where}: left as it is; "
                         "translate it by hand (TODO(migrate:ZG111))")
            continue
        stmt = page.statement(call)
        if p.action == "authprovider":
            changes.append(_login_change(page, p, call, stmt, config, label))
        elif p.action == "ready":
            # zE(function () {...}) -> Genesys('subscribe', 'Messenger.ready', function () {...}):
            # only the callee changes, so edits inside the callback stay independent.
            args = call.child_by_field_name("arguments")
            changes.append(Change([Edit(page.offset(call.start_byte), page.offset(args.start_byte) + 1,
                                        "Genesys('subscribe', 'Messenger.ready', ")], p.call.line,
                                  f"{label} -> {(p.genesys or '').replace('{args}', 'callback')} [widget-api.yaml]",
                                  label, f"kept in the Messenger.ready callback of line {p.call.line}"))
        elif p.action == "replace" and p.genesys:
            args = _args(page, call)
            if "{args}" in p.genesys and args:
                # Only around the callback: calls inside it are translated on their own.
                head, tail = p.genesys.split("{args}", 1)
                edits = [Edit(page.offset(call.start_byte), page.offset(args[-1].start_byte), head),
                         Edit(page.offset(args[-1].end_byte), page.offset(call.end_byte), tail)]
            else:
                edits = [page.edit(call, p.genesys.replace("{args}", "function () {}"))]
            shown = p.genesys.replace("{args}", "callback" if "{args}" in p.genesys else "")
            changes.append(Change(edits, p.call.line, f"{label} -> {shown} [widget-api.yaml]"
                                  + (f" ({p.reason})" if p.reason else ""), label,
                                  f"kept in the callback of line {p.call.line}"))
        elif stmt is call:  # an expression inside something else: keep the code valid
            was = " ".join(page.text(call).split()).replace("*/", "* /")
            changes.append(Change([page.edit(call, f"undefined /* TODO(migrate:ZG107): {p.reason}; was {was} */")],
                                  p.call.line, f"{label} -> TODO(migrate:ZG107): {p.reason} [widget-api.yaml]", label,
                                  f"commented out with the call at line {p.call.line}"))
        else:
            changes.append(Change([page.edit(stmt, _commented(page, stmt, "ZG107", p.reason))], p.call.line,
                                  f"{label} -> TODO(migrate:ZG107): {p.reason} [widget-api.yaml]", label,
                                  f"commented out with the code at line {p.call.line}"))
    return changes, notes


# --- zESettings -------------------------------------------------------------------------------

_STATEMENTS = ("expression_statement", "lexical_declaration", "variable_declaration")


def _settings_statement(page: Page, at: int) -> ts.Node | None:
    """The innermost statement at `at` that writes zESettings."""
    for doc in page.scripts:
        if not doc.root.start_byte <= at < doc.root.end_byte:
            continue
        node = doc.root.descendant_for_byte_range(at, at)
        while node is not None:
            if node.type in _STATEMENTS and b"zESettings" in page.src.data[node.start_byte:node.end_byte]:
                return node
            node = node.parent
    return None


def settings_changes(page: Page, plans: list[CallPlan], config: Config) -> list[Change]:
    """`window.zESettings = {...}` is read once at boot by the Classic widget, and by nothing after
    the migration: each assignment stays, commented out with its values, under a TODO that names
    the Messenger configuration field for each setting that has one; the AuthProvider plugin
    follows when it authenticated."""
    groups: dict[int, tuple[ts.Node, list[CallPlan]]] = {}
    for p in plans:
        stmt = _settings_statement(page, page.byte_at(p.call.line, p.call.column))
        if stmt is not None:
            groups.setdefault(stmt.start_byte, (stmt, []))[1].append(p)
    out = []
    for stmt, group in groups.values():
        line = _line(page, stmt.start_byte)
        mapped, none, whole = [], [], []
        auth = any(p.action == "authprovider" for p in group)
        for p in group:
            if p.action == "authprovider":
                continue
            if not p.call.command:
                whole.append(p.call.args[0] if p.call.args else "an expression")
                continue
            entry = lookup(p.call.api, p.call.command)
            if entry is not None and entry.config:
                mapped.append(f"{p.call.command} -> {entry.config}")
            else:
                none.append(f"{p.call.command} ({entry.todo if entry and entry.todo else p.reason})")
        # An object set as a whole is ZG110 (its keys cannot be read); settings written out, ZG107.
        rule = "ZG110" if whole and not mapped and not none else "ZG107"
        head = [f"TODO(migrate:{rule}): Zendesk widget settings, kept with their values: Messenger reads none."]
        if whole:
            head.append(f"They come from `{whole[0]}` as a whole: set each one's equivalent in the Messenger "
                        "configuration by hand (colour: styles.primary_color; position and offset: position.alignment "
                        "/ side_space / bottom_space; launcher: launcher_button.visibility; locale: languages / "
                        "defaultLanguage).")
        if mapped:
            head.append("Set in the Messenger configuration (Admin > Message > Messenger Configurations):")
            head += [f"  {m}" for m in mapped]
        if none:
            head.append("These have no Messenger equivalent:")
            head += [f"  {n}" for n in none]
        indent = page.indent(stmt)
        wrapped = [w for h in head for w in textwrap.wrap(h, 96 - len(indent), subsequent_indent="    " if
                                                          h.startswith("  ") else "", drop_whitespace=True)]
        text = _commented(page, stmt, None, "\n".join("// " + h for h in wrapped))
        if auth:
            text += "\n" + indent + _indented(_plugin(config), indent)
        keys = ", ".join(p.call.command or f"(from {whole[0]})" for p in group)
        said = f"line {line}: zESettings {keys} -> commented out with their values (TODO(migrate:{rule}))"
        if mapped:
            said += "; Messenger configuration: " + ", ".join(mapped)
        if none:
            said += "; no equivalent: " + ", ".join(n.split(" (", 1)[0] for n in none)
        if whole:
            said += f"; set from {whole[0]} as a whole: map its keys by hand"
        if auth:
            said += f"; authenticate {_AUTH_REASON}"
        else:
            said += " [widget-api.yaml]"
        out.append(Change([page.edit(stmt, text)], line, said, f"line {line}: zESettings",
                          f"commented out with the zESettings at line {line}"))
    return out


@dataclass
class PageChanges:
    """Every page edit of a plan, why each was made, and what was left to do by hand."""

    edits: dict[str, list[Edit]] = field(default_factory=lambda: defaultdict(list))
    reasons: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)


def page_changes(plan: Plan, source: Callable[[str], SourceFile], config: Config) -> PageChanges:
    """The loaders become the Messenger snippet and the widget calls their Genesys equivalents."""
    out = PageChanges()
    loaders: dict[str, list[Loader]] = defaultdict(list)
    for path, loader in plan.loaders:
        loaders[path].append(loader)
    calls: dict[str, list[CallPlan]] = defaultdict(list)
    for p in plan.calls:
        calls[p.path].append(p)
    signout: dict[str, list[str]] = {}
    if config.issuer is not None and plan.loaders:
        from migrate.generate.genesys_side import sign_in_sites

        if sign_in_sites(plan):  # an anonymous Messenger has no session to end
            signout = signout_paths(plan.inventory.root)
    for path in sorted(set(loaders) | set(calls)):
        page = Page.parse(source(path))
        changes: list[Change] = []
        for loader in loaders.get(path, ()):
            found = loader_change(page, loader, config, signout)
            if found is not None:
                changes.append(found)
            else:
                out.notes.append(f"{path}:{loader.line}: the Zendesk loader is built in a way not recognised here; "
                                 "load the Messenger snippet there by hand (TODO(migrate:ZG111))")
        found_calls, notes = call_changes(page, calls.get(path, []), config)
        changes += found_calls
        out.notes += notes
        changes += settings_changes(page, [p for p in calls.get(path, []) if p.call.api == "zESettings"], config)
        if changes:
            changes += guard_changes(page)
        edits, reasons, notes = _resolve(path, changes)
        out.notes += notes
        if edits:
            out.edits[path] += edits
            out.reasons[path] += reasons
    return out
