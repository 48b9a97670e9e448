"""Page edits: the Zendesk loader becomes the Messenger snippet, loginUser / jwtFn becomes the
AuthProvider plugin, every other widget call is translated through the widget-API table or
commented out under a visible TODO(migrate:ZG107).

Positions come from the inventory; the nodes to edit are found again with tree-sitter in the
same file (scripts of pages and templates included), so edits cover whole statements.
"""

from __future__ import annotations

import re
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

_JS = ("javascript", "typescript", "tsx")
_ZENDESK_COMMENT = re.compile(r"[ \t]*<!--\s*(Start|End) of\s+Zendesk Widget script\s*-->[ \t]*\r?\n", re.I)


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


def _commented(page: Page, node: ts.Node, rule: str, reason: str) -> str:
    indent = page.indent(node)
    original = page.text(node).replace("\r\n", "\n").split("\n")
    body = [f"// {original[0]}"] + [f"{indent}// {line[len(indent):] if line.startswith(indent) else line.lstrip()}"
                                     for line in original[1:]]
    return f"// TODO(migrate:{rule}): {reason}\n{indent}" + "\n".join(body)


def loader_edits(page: Page, loader: Loader, config: Config) -> list[Edit]:
    snippet = render("page/messenger-snippet.html.j2", apps_host=config.region.apps_host,
                     environment=config.region.env, deployment_id=config.deployment_id)
    if page.html is None:
        return []
    at = page.byte_at(loader.line, loader.column)
    for node in walk(page.html.root):
        if node.type == "script_element" and node.start_byte <= at < node.end_byte:
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
    return []


def _plugin(config: Config) -> str:
    return render("page/authprovider.js.j2", authorize_url=f"{config.issuer}/authorize",
                  client_id=config.client_id, redirect_uri=config.redirect_uri, login_url=config.login_url,
                  scope="openid profile email")


def call_edits(page: Page, plans: list[CallPlan], config: Config) -> list[Edit]:
    edits: list[Edit] = []
    done: list[tuple[int, int]] = []
    for p in plans:
        call = page.call_at(p.call.line, p.call.column)
        if call is None:
            continue
        if any(s <= call.start_byte < e for s, e in done):
            continue  # inside a statement already rewritten (a loginUser block holds its callbacks)
        if p.call.api == "zESettings":
            continue  # settings are handled as one assignment below
        stmt = page.statement(call)
        indent = page.indent(stmt)
        if p.action == "authprovider":
            edits.append(page.edit(stmt, _indented(_plugin(config), indent)))
        elif p.action == "ready":
            # zE(function () {...}) -> Genesys('subscribe', 'Messenger.ready', function () {...}):
            # only the callee changes, so edits inside the callback stay independent.
            args = call.child_by_field_name("arguments")
            head = Edit(page.offset(call.start_byte), page.offset(args.start_byte) + 1,
                        "Genesys('subscribe', 'Messenger.ready', ")
            edits.append(head)
            continue
        elif p.action == "replace" and p.genesys:
            args = [a for a in call.child_by_field_name("arguments").named_children if a.type != "comment"]
            callback = page.text(args[-1]) if args else "function () {}"
            new = p.genesys.replace("{args}", callback)
            edits.append(page.edit(call, new))
            continue
        else:
            if stmt is call:  # an expression inside something else: keep the code valid
                edits.append(page.edit(call, f"undefined /* TODO(migrate:ZG107): {p.reason}; "
                                             f"was {' '.join(page.text(call).split())} */"))
            else:
                edits.append(page.edit(stmt, _commented(page, stmt, "ZG107", p.reason)))
        done.append((stmt.start_byte, stmt.end_byte))
    edits += _settings_edits(page, [p for p in plans if p.call.api == "zESettings"], config)
    return edits


def _settings_edits(page: Page, plans: list[CallPlan], config: Config) -> list[Edit]:
    """`window.zESettings = {...}` is read once at boot by the Classic widget: the whole
    assignment goes, with a TODO per setting and the AuthProvider when it authenticated."""
    if not plans:
        return []
    first = plans[0].call
    at = page.byte_at(first.line, first.column)
    stmt = None
    for doc in page.scripts:
        for node in walk(doc.root):
            if node.type == "expression_statement" and node.start_byte <= at < node.end_byte and \
                    b"zESettings" in page.src.data[node.start_byte:node.end_byte]:
                stmt = node
                break
    if stmt is None:  # pre-order: the first statement found is the outermost one
        return []
    indent = page.indent(stmt)
    lines = [f"// TODO(migrate:ZG107): zESettings.{p.call.command}: {p.reason}" for p in plans if p.action == "todo"]
    out = "\n".join(lines)
    if any(p.action == "authprovider" for p in plans):
        out = (out + "\n" if out else "") + _plugin(config).rstrip("\n")
    return [page.edit(stmt, _indented(out, indent))]


@dataclass
class PageChanges:
    """Every page edit of a plan, why each was made, and what was left to do by hand."""

    edits: dict[str, list[Edit]] = field(default_factory=lambda: defaultdict(list))
    reasons: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)


def page_changes(plan: Plan, source: Callable[[str], SourceFile], config: Config) -> PageChanges:
    """The loaders become the Messenger snippet and the widget calls their Genesys equivalents."""
    out = PageChanges()
    for path, loader in plan.loaders:
        page = Page.parse(source(path))
        found = loader_edits(page, loader, config)
        if found:
            out.edits[path] += found
            out.reasons[path].append(f"Zendesk loader -> Genesys Messenger snippet ({config.region.aws}, "
                                     f"{config.region.env}) [regions.yaml]")
        else:
            out.notes.append(f"{path}:{loader.line}: the Zendesk loader is built in code; load the Messenger "
                             "snippet there by hand (TODO(migrate:ZG107))")
    by_file: dict[str, list[CallPlan]] = defaultdict(list)
    for p in plan.calls:
        by_file[p.path].append(p)
    for path, plans in by_file.items():
        page = Page.parse(source(path))
        out.edits[path] += call_edits(page, plans, config)
        for p in plans:
            what = {"authprovider": "-> AuthProvider plugin [templates/page/authprovider.js.j2]",
                    "replace": f"-> {p.genesys} [widget-api.yaml]",
                    "ready": f"-> {p.genesys} [widget-api.yaml]",
                    "todo": f"-> TODO(migrate:ZG107): {p.reason} [widget-api.yaml]"}[p.action]
            out.reasons[path].append(f"line {p.call.line}: {p.call.api} {p.call.command} {what}")
    return out
