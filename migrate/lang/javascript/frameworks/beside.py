"""What the Koa, Fastify, Lambda and Workers wirings share: one statement mounting the framework-
neutral provider (templates/node/oidc-provider-web.cjs.j2, through the framework's adapter) goes
into the site's file beside the Zendesk token route, which keeps its ZG220 note; the provider
module goes next to it. At cut-over the kept route goes with its note, a named handler nothing
else uses, and the imports and package.json dependencies only it used. A cut-over of a route never
wired is the two in one step."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

import tree_sitter as ts

from migrate.extract.treesitter import Doc
from migrate.generate.backends import WireContext, Wiring, WiringError, is_note
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.page import Page
from migrate.generate.positions import comment_start
from migrate.generate.render import render
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import shared

MODULE = "genesys-oidc-provider.cjs"
TYPES = "genesys-oidc-provider.d.cts"
TYPESCRIPT = (".ts", ".mts", ".cts", ".tsx")
NO_GUARD = ("// TODO(migrate:ZG223): the old route had no login check: this guard refuses everyone until the "
            "site's own login check takes its place")


@dataclass
class Route:
    """The old route as the wiring found it."""

    statement: ts.Node  # what a cut-over removes (a registration, an export, an `if` branch)
    handler: ts.Node  # the function that signs
    route: str | None  # as routes.py reads it
    anchor: ts.Node  # the statement the mount goes after


@dataclass
class Mount:
    adapter: str  # the provider's export the mount uses: createKoaMiddleware...
    text: str  # the statement(s), unindented, newline-separated
    marker: str  # a text only the mount's first line holds
    before: bool = False  # the mount goes before the anchor (a Worker's first statement), not after


def typescript(path: str) -> bool:
    return path.endswith(TYPESCRIPT)


def top(node: ts.Node) -> ts.Node:
    """The statement of a block or of the file that holds `node`."""
    while node.parent is not None and node.parent.type not in ("program", "statement_block", "class_body"):
        node = node.parent
    return node


def guard_from_checks(page: Page, handler: ts.Node, code: shared.ClaimsCode, names: tuple[str, ...],
                      tail: str | None) -> str | None:
    """The old handler's login checks as a guard with the handler's own parameter names (`names`
    are the defaults): `async (ctx, next) => { if (!ctx.state.user) {...} return next(); }`."""
    checks = code.carried.checks
    if not checks:
        return None
    ps = shared.params(page, handler)
    given = [shared.param_name(page, p) for p in ps]
    args = [given[i] if i < len(given) and given[i] else default for i, default in enumerate(names)]
    body = [" ".join(d.split()) for d in code.carried.check_locals]
    for check in checks:
        indent = page.indent(check)
        lines = page.text(check).replace("\r\n", "\n").split("\n")
        body += [lines[0]] + [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[1:]]
    if tail:
        body.append(tail.format(*args))
    inner = "\n".join(f"    {b}" if b else b for b in body)
    return f"async ({', '.join(args)}) => {{  // the old route's login check\n{inner}\n  }}"


def options(guard: str | None, refusing: str, claims: str) -> str:
    """`{ guard, claims }` laid out at two spaces; a refusing guard with its TODO when there is none."""
    if guard is None:
        return f"{{\n  {NO_GUARD}\n  guard: {refusing},\n  claims: {claims},\n}}"
    return f"{{\n  guard: {guard},\n  claims: {claims},\n}}"


def intro(config, cutover: bool, route: str | None) -> str:
    what = f" (it replaces the Zendesk token route {route})" if cutover and route else ""
    return (f"// Genesys Cloud Messenger signs visitors in through this OpenID provider at {config.issuer_path}{what};\n"
            "// Genesys redeems the codes it issues.\n")


def wire(ctx: WireContext, page: Page, old: Route, mount: Mount, kind: str, extra: list[Edit] | None = None,
         cut_note: str | None = None) -> Wiring:
    """Default mode: the mount beside the old route, which keeps its note. Cut-over of a kept route:
    the old route goes. One-step cut-over: both. `extra`: more edits the mount needs (a dispatch
    in a Worker's fetch); `cut_note`: what is left to do by hand after a cut-over."""
    s = ctx.plan.signer
    if ctx.cutover and ctx.kept:
        out = cut(ctx, page, old, mount.marker)
        if cut_note:
            out.why(s.path, cut_note)
        return out
    src = page.src
    nl = src.newline
    indent = page.indent(old.anchor)
    text = "\n".join(indent + line if i and line else line for i, line in enumerate(mount.text.split("\n")))
    edits = []
    note = shared.keep_note_edit(src.text, shared.piece_start(ctx.plan, old.statement.start_point[0] + 1),
                                 old.route, ctx.config, nl)
    if mount.before:  # above the anchor's comments, and above the note when that is the anchor's too
        start = comment_start(src.text, page.offset(old.anchor.start_byte))
        start = src.text.rfind("\n", 0, start) + 1  # the mount's lines start at the line's start
        mounted = with_newlines(f"{indent}{text}\n\n", nl)
        if note.start == start:
            note = Edit(start, start, mounted + note.text)
        else:
            edits.append(Edit(start, start, mounted))
    else:
        end = page.offset(old.anchor.end_byte)
        edits.append(Edit(end, end, with_newlines(f"\n\n{indent}{text}", nl)))
    edits.append(note)
    module = "./" + MODULE
    esm = typescript(s.path) or shared.is_esm(src.text, s.path)
    edits.append(shared.import_edit(page, esm, f"{{ {mount.adapter} }}", module))
    edits += extra or []
    edits.sort(key=lambda e: e.start)
    after = apply_edits(src.text, edits)
    out = Wiring(route=old.route)
    if ctx.cutover:
        moved = Page.parse(SourceFile(s.path, after, src.bom))
        statement = _same(moved, page.text(old.statement))
        handler = _same(moved, page.text(old.handler), function=True) if statement is not None else None
        if statement is None or handler is None:
            raise WiringError("the route could not be found again after the provider was mounted beside it")
        cut_out = cut(ctx, moved, Route(statement, handler, old.route, statement), mount.marker)
        out.files.update(cut_out.files)
        out.reasons.update(cut_out.reasons)
        out.mounted = cut_out.mounted
        if cut_note:
            out.why(s.path, cut_note)
        out.why(s.path, f"line {s.line}: the Zendesk JWT route {old.route or ''} -> the OpenID provider at "
                        f"{ctx.config.issuer_path} ({kind}) [{ctx.plan.view.profile}.yaml]".replace("  ", " "))
    else:
        out.files[s.path] = after
        line = _line_of(after, mount.marker)
        out.mounted = f"{s.path}:{line}"
        out.why(s.path, f"line {line}: OpenID provider mounted at {ctx.config.issuer_path} ({kind}) beside the Zendesk "
                        f"JWT route {old.route or 'code'}, kept until cut-over (TODO(migrate:ZG220)) "
                        f"[{ctx.plan.view.profile}.yaml]")
    provider_files(ctx, out, s.path, nl)
    return out


def provider_files(ctx: WireContext, out: Wiring, path: str, nl: str) -> None:
    """The provider module next to `path` (with its declarations for TypeScript), and jose."""
    folder = posixpath.dirname(path)
    module = posixpath.join(folder, MODULE)
    out.new_files[module] = with_newlines(render("node/oidc-provider-web.cjs.j2", issuer_path=ctx.config.issuer_path), nl)
    out.why(module, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, nonce) "
                    "with adapters for Node http, Koa, Fastify, hapi, NestJS, Next.js API routes, Lambda and Workers "
                    "[templates/node]")
    if typescript(path):
        types = posixpath.join(folder, TYPES)
        out.new_files[types] = with_newlines(render("node/oidc-provider-web.d.cts.j2"), nl)
        out.why(types, "new: the provider's types for TypeScript [templates/node]")
    shared.add_jose(ctx, out, folder)


def cut(ctx: WireContext, page: Page, old: Route, marker: str) -> Wiring:
    """The kept route goes: its statement, its note, a named handler nothing else uses, and the
    imports and dependencies only they used; nothing else changes."""
    s = ctx.plan.signer
    text = page.src.text
    pieces = [old.statement]
    if not (old.statement.start_byte <= old.handler.start_byte < old.statement.end_byte):
        named = routes._named_function(page.scripts[0], old.handler.start_byte)
        handler_top = top(old.handler)
        rest = text[:page.offset(handler_top.start_byte)] + text[page.offset(handler_top.end_byte):]
        rest = rest.replace(page.text(old.statement), "")
        if named and not re.search(rf"(?<![\w$.]){re.escape(named[0])}(?![\w$])", rest):
            pieces.append(handler_top)
    edits = [shared.removal(text, page.offset(p.start_byte), page.offset(p.end_byte)) for p in pieces]
    # the note above the piece scan saw (a plugin function holding the route, say)
    start = 0
    for line in text.splitlines(keepends=True):
        if is_note(line) and (old.route is None or old.route in line) and \
                not any(e.start <= start < e.end for e in edits):
            edits.append(Edit(start, start + len(line), ""))
        start += len(line)
    removed = "\n".join(page.text(p) for p in pieces)
    after = apply_edits(text, sorted(edits, key=lambda e: e.start))
    after, modules = shared.unused_imports(after, shared.grammar_of(s.path), removed)
    out = Wiring(route=old.route)
    out.files[s.path] = after
    out.why(s.path, f"line {s.line}: the Zendesk JWT route {old.route or 'code'} kept until cut-over is removed")
    shared.drop_dependencies(ctx, out, s.path, modules)
    line = _line_of(after, marker)
    out.mounted = f"{s.path}:{line}" if line else None
    return out


def _line_of(text: str, marker: str) -> int | None:
    return next((i for i, line in enumerate(text.split("\n"), 1) if marker in line), None)


def _same(page: Page, text: str, function: bool = False) -> ts.Node | None:
    """The node of the re-parsed file whose text is `text` (a statement, an element of an array of
    routes, or a function)."""
    doc: Doc = page.scripts[0]
    stack = [doc.root]
    while stack:
        n = stack.pop()
        wanted = n.type in routes.FUNCTIONS or n.type == "method_definition" if function else \
            n.parent is None or n.parent.type in ("program", "statement_block", "class_body", "switch_case", "array")
        if wanted and n.end_byte - n.start_byte == len(text.encode()) and page.text(n) == text:
            return n
        stack.extend(n.named_children)
    return None


def top_level(page: Page, node: ts.Node, what: str) -> ts.Node:
    """The file-level statement holding `node`; WiringError when it is inside a function."""
    stmt = page.statement(node)
    if stmt.parent is None or stmt.parent.type != "program":
        raise WiringError(f"the {what} is registered inside a function: mount the provider where the server is "
                          "created")
    return stmt


def later(a: ts.Node, b: ts.Node) -> ts.Node:
    return a if a.start_byte >= b.start_byte else b
