"""Express (JavaScript or TypeScript): the OpenID provider is mounted at the issuer path beside the
Zendesk token route (which keeps a ZG220 note until cut-over), behind the route's own guards and the
login checks its handler made, with the claims computed by the old code's own expressions. A .ts
server gets the TypeScript provider (templates/typescript), imported ESM-style.

At cut-over the kept route goes (its note, a named handler nothing else routes to, imports and
package.json dependencies only it used); a cut-over of a route never wired replaces it in one step."""

from __future__ import annotations

import json
import posixpath
import re

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.config import Config
from migrate.generate.page import Page
from migrate.generate.plan import BackendPlan
from migrate.generate.positions import comment_start
from migrate.generate.render import render
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import shared
from migrate.lang.javascript.frameworks.shared import JOSE_VERSION, with_jose

PROVIDER = "genesys-oidc-provider"
__all__ = ["JOSE_VERSION", "manifest", "wire"]
manifest = with_jose  # package.json with jose added (None when it is there)


def wire(ctx: WireContext) -> Wiring:
    plan = ctx.plan
    s = plan.signer
    src = ctx.source(s.path)
    page = Page.parse(src)
    at = page.byte_at(s.line, s.column)
    reg = routes.express(page.scripts[0], at)
    if reg is None:
        raise WiringError("the signing code is not inside an Express route (app.get('/path', ...))")
    if ctx.cutover and ctx.kept:
        return _cut(ctx, page, reg)
    text, provider_path, provider, mounted = _rewrite(src, page, plan, ctx.config, reg, at, ctx.cutover)
    out = Wiring(route=reg.route, mounted=f"{s.path}:{mounted}")
    out.files[s.path] = text
    if ctx.cutover:
        out.why(s.path, f"line {s.line}: Zendesk JWT route {reg.route} -> OpenID provider at "
                        f"{ctx.config.issuer_path} [{plan.view.profile}.yaml]")
    else:
        out.why(s.path, f"line {mounted}: OpenID provider mounted at {ctx.config.issuer_path} beside the Zendesk JWT "
                        f"route {reg.route}, kept until cut-over (TODO(migrate:ZG220)) [{plan.view.profile}.yaml]")
    out.new_files[provider_path] = provider
    family = "templates/typescript" if provider_path.endswith(".ts") else "templates/node"
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, "
                           f"PKCE, nonce) [{family}]")
    shared.add_jose(ctx, out, posixpath.dirname(s.path))
    return out


def _guard(page: Page, reg: routes.Registration, code: shared.ClaimsCode, typescript: bool) -> tuple[str, str]:
    """The provider's guard (an expression) and a comment line to put above it ('' for none)."""
    guards = [page.text(a) for a in reg.guards]
    checks = code.carried.checks
    if checks:
        ps = shared.params(page, reg.handler)
        req = page.text(ps[0]) if ps else "req"
        res = page.text(ps[1]) if len(ps) > 1 else "res"
        nxt = shared.param_name(page, ps[2]) if len(ps) > 2 else None
        nxt = nxt or "next"
        body = [" ".join(d.split()) for d in code.carried.check_locals]
        for check in checks:
            indent = page.indent(check)
            lines = page.text(check).replace("\r\n", "\n").split("\n")
            body += [lines[0]] + [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[1:]]
        body.append(f"return {nxt}();")
        asynchronous = "async " if any(re.search(r"\bawait\b", b) for b in body) else ""
        inner = "\n".join(f"    {b}" if b else b for b in body)
        guards.append(f"{asynchronous}({req}, {res}, {nxt}) => {{  // the old route's login check\n{inner}\n  }}")
    if not guards:
        return ("(_req, res) => {\n    res.status(401).json({ error: 'login_required' });\n  }",
                "  // TODO(migrate:ZG223): the old route had no login check: this guard refuses everyone until the "
                "site's own login middleware takes its place\n")
    if len(guards) == 1:
        return guards[0], ""
    return "[" + ", ".join(guards) + "]", ""


def _mount(page: Page, plan: BackendPlan, config: Config, reg: routes.Registration, at: int, cutover: bool) -> str:
    typescript = page.src.path.endswith((".ts", ".mts", ".cts", ".tsx"))
    ps = shared.params(page, reg.handler)
    req = shared.param_name(page, ps[0]) if ps else None
    res = shared.param_name(page, ps[1]) if len(ps) > 1 else None
    rebind = {res: f"{req}.res{'!' if typescript else ''}"} if req and res else {}
    code = shared.claims_code(page, plan, reg.handler, at, rebind=rebind)
    guard, note = _guard(page, reg, code, typescript)
    obj = page.text(reg.object)
    why = (f" (it replaces the\n// Zendesk token route {page.text(reg.path)}); Genesys redeems the codes it issues.\n"
           if cutover else "; Genesys redeems\n// the codes it issues.\n")
    return (f"// Genesys Cloud Messenger signs visitors in through this OpenID provider{why}"
            f"{obj}.use({json.dumps(config.issuer_path)}, createOidcProvider({{\n"
            f"{note}"
            f"  guard: {guard},\n"
            f"  claims: {shared.arrow(code)},\n"
            f"}}));")


def _rewrite(src: SourceFile, page: Page, plan: BackendPlan, config: Config, reg: routes.Registration, at: int,
             cutover: bool) -> tuple[str, str, str, int]:
    s = plan.signer
    handler = reg.handler
    typescript = s.path.endswith((".ts", ".mts", ".cts"))
    esm = shared.is_esm(src.text, s.path)
    module = f"./{PROVIDER}.cjs" if esm else f"./{PROVIDER}"
    if typescript:  # the TypeScript provider, imported the way the file imports its own modules
        esm = True
        js_suffix = re.search(r"from\s+['\"]\.{1,2}/[^'\"]+\.js['\"]", src.text)
        module = f"./{PROVIDER}.js" if js_suffix else f"./{PROVIDER}"
    stmt = page.statement(reg.call)
    indent = page.indent(stmt)
    new = _mount(page, plan, config, reg, at, cutover)
    mount = "\n".join(indent + line if i and line else line for i, line in enumerate(new.split("\n")))
    nl = src.newline
    edits = []
    if cutover:
        replacement = page.edit(stmt, mount)
        edits.append(Edit(comment_start(src.text, replacement.start), replacement.end, replacement.text))
        if not (reg.call.start_byte <= handler.start_byte and handler.end_byte <= reg.call.end_byte):
            edits.append(_leftover_handler(page, reg))
    else:
        end = page.offset(stmt.end_byte)
        edits.append(Edit(end, end, with_newlines(f"\n\n{indent}{mount}", nl)))
        edits.append(shared.keep_note_edit(src.text, shared.piece_start(plan, stmt.start_point[0] + 1), reg.route,
                                           config, nl))
    edits.append(shared.import_edit(page, esm, "{ createOidcProvider }", module))
    text = apply_edits(src.text, edits)
    if cutover:
        text = _drop_unused_jsonwebtoken(text)
    mounted = next(i for i, line in enumerate(text.split("\n"), 1)
                   if f".use({json.dumps(config.issuer_path)}, createOidcProvider(" in line)
    if typescript:
        provider_path = posixpath.join(posixpath.dirname(s.path), PROVIDER + ".ts")
        template = "typescript/oidc-provider-express.ts.j2"
    else:
        provider_path = posixpath.join(posixpath.dirname(s.path), PROVIDER + (".cjs" if esm else ".js"))
        template = "node/oidc-provider.js.j2"
    provider = with_newlines(render(template, issuer_path=config.issuer_path), nl)
    return text, provider_path, provider, mounted


def _leftover_handler(page: Page, reg: routes.Registration) -> Edit:
    """A TODO above the named handler the registration pointed at: nothing routes to it any more."""
    node = _top(reg.handler)
    start = page.offset(node.start_byte)
    line_start = page.src.text.rfind("\n", 0, start) + 1
    indent = page.src.text[line_start:start] if not page.src.text[line_start:start].strip() else ""
    return Edit(line_start, line_start, f"{indent}// TODO(migrate:ZG226): the OpenID provider replaced the Zendesk token "
                                        f"route {reg.route} this handler served; remove it{page.src.newline}")


def _top(node):
    while node.parent is not None and node.parent.type not in ("program", "statement_block"):
        node = node.parent
    return node


def _cut(ctx: WireContext, page: Page, reg: routes.Registration) -> Wiring:
    """Cut-over of a kept route: the registration, its note, a named handler nothing else uses, and
    the imports and dependencies only they used go; nothing else changes."""
    s = ctx.plan.signer
    text = page.src.text
    stmt = page.statement(reg.call)
    pieces = [stmt]
    handler_top = _top(reg.handler)
    if not (reg.call.start_byte <= reg.handler.start_byte < reg.call.end_byte):
        named = routes._named_function(page.scripts[0], reg.handler.start_byte)
        name = named[0] if named else None
        rest = text[:page.offset(handler_top.start_byte)] + text[page.offset(handler_top.end_byte):]
        rest = rest.replace(page.text(stmt), "")
        if name and not re.search(rf"(?<![\w$.]){re.escape(name)}(?![\w$])", rest):
            pieces.append(handler_top)
    edits = [shared.removal(text, page.offset(p.start_byte), page.offset(p.end_byte)) for p in pieces]
    removed = "\n".join(page.text(p) for p in pieces)
    after = apply_edits(text, sorted(edits, key=lambda e: e.start))
    after, modules = shared.unused_imports(after, shared.grammar_of(s.path), removed)
    out = Wiring(route=reg.route)
    out.files[s.path] = after
    out.why(s.path, f"line {s.line}: the Zendesk JWT route {reg.route} kept until cut-over is removed")
    shared.drop_dependencies(ctx, out, s.path, modules)
    mounted = next((i for i, line in enumerate(after.split("\n"), 1) if "createOidcProvider(" in line
                    and ".use(" in line), None)
    out.mounted = f"{s.path}:{mounted}" if mounted else None
    return out


def _drop_unused_jsonwebtoken(text: str) -> str:
    m = re.search(r"^[ \t]*(?:(?:const|let|var)\s+(\w+)\s*=\s*require\(\s*['\"]jsonwebtoken['\"]\s*\)|"
                  r"import\s+(?:\*\s+as\s+)?(\w+)\s+from\s+['\"]jsonwebtoken['\"]);?[ \t]*\r?\n", text, re.MULTILINE)
    if not m:
        return text
    name = m.group(1) or m.group(2)
    rest = text[:m.start()] + text[m.end():]
    if re.search(rf"(?<![\w$.'\"/]){re.escape(name)}\s*[.(\[]", rest):  # still called or used
        return text
    return rest
