"""Next.js (App Router): the Zendesk token route handler goes, and the OpenID provider's route
modules take its place under app/<issuer path>/, sharing one lib/genesys-oidc.ts core. The claims
module keeps the old handler's session lookup (getServerSession(...), auth()...), its early-return
checks (as `return null`: nobody signed in) and the old claim expressions."""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from migrate.extract.treesitter import Doc, walk
from migrate.generate.backends import REBIND_RULE, WireContext, Wiring, WiringError, nearest
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.config import Config
from migrate.generate.page import Page
from migrate.generate.plan import BackendPlan
from migrate.generate.positions import comment_start
from migrate.generate.render import render
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import shared
from migrate.lang.javascript.frameworks.shared import JOSE_VERSION
from migrate.lang.javascript.frameworks.shared import js as _js
from migrate.lang.javascript.frameworks.shared import key as _key
from migrate.lang.javascript.frameworks.shared import with_jose as manifest

# endpoint under the issuer path -> (provider method, HTTP methods)
ENDPOINTS = {
    ".well-known/openid-configuration": ("discovery", ("GET",)),
    "jwks.json": ("jwks", ("GET",)),
    "authorize": ("authorize", ("GET",)),
    "token": ("token", ("POST",)),
    "userinfo": ("userinfo", ("GET", "POST")),
}
CORE, CLAIMS = "genesys-oidc", "genesys-oidc-claims"


def wire(ctx: WireContext) -> Wiring:
    """The old route module without its handler, the provider's route modules, the core, the
    claims module, and jose in package.json."""
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    if routes.app_route(s.path) is None:
        raise WiringError("the signing code is not in an App Router route module (app/.../route.ts)")
    page = Page.parse(src)
    at = page.byte_at(s.line, s.column)
    found = routes.nextjs(s.path, page.scripts[0], at)
    if found is None:
        raise WiringError("the signing code is not inside an App Router route handler (export async function GET...)")
    export, handler, app_dir = found.export, found.handler, found.app_dir
    lib_dir = posixpath.join(posixpath.dirname(app_dir), "lib") if "/" in app_dir else "lib"
    authorize = posixpath.join(app_dir, config.issuer_path.strip("/"), "authorize", "route.ts")
    out = Wiring(route=found.route, mounted=f"{authorize}:1")
    if ctx.cutover and ctx.kept:  # the provider's routes are there already: the old handler goes
        out.files[s.path] = _without_handler(page, export, config, app_dir)
        out.why(s.path, f"line {s.line}: the Zendesk JWT route handler {found.route} kept until cut-over is removed")
        shared.drop_dependencies(ctx, out, s.path, _dropped_modules(page, out.files[s.path]))
        return out
    claims_text, used = _claims_module(page, plan, config, handler, at, s.path, lib_dir)
    nl = src.newline
    if ctx.cutover:
        out.files[s.path] = _without_handler(page, export, config, app_dir)
        out.why(s.path, f"line {s.line}: Zendesk JWT route handler {found.route} removed; the OpenID provider's routes "
                        f"are under {app_dir}{config.issuer_path} [{plan.view.profile}.yaml]")
    else:
        note = shared.keep_note_edit(src.text, shared.piece_start(plan, export.start_point[0] + 1), found.route,
                                     config, nl)
        out.files[s.path] = apply_edits(src.text, [note])
        out.why(s.path, f"line {s.line}: the Zendesk JWT route handler {found.route} stays until cut-over "
                        f"(TODO(migrate:ZG220)); the OpenID provider's routes are under {app_dir}{config.issuer_path} "
                        f"[{plan.view.profile}.yaml]")
    for endpoint, (method, methods) in ENDPOINTS.items():
        route_dir = posixpath.join(app_dir, config.issuer_path.strip("/"), endpoint)
        lib = posixpath.relpath(lib_dir, route_dir)
        path = posixpath.join(route_dir, "route.ts")
        out.new_files[path] = with_newlines(render("typescript/nextjs/route.ts.j2", issuer_path=config.issuer_path,
                                                   endpoint=endpoint, handler=method, methods=methods, lib=lib), nl)
        out.why(path, f"new: {config.issuer_path}/{endpoint} of the OpenID provider [templates/typescript/nextjs]")
    core = posixpath.join(lib_dir, CORE + ".ts")
    out.new_files[core] = with_newlines(render("typescript/nextjs/genesys-oidc.ts.j2",
                                               issuer_path=config.issuer_path), nl)
    out.why(core, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, nonce) "
                  "[templates/typescript/nextjs]")
    claims_path = posixpath.join(lib_dir, CLAIMS + ".ts")
    out.new_files[claims_path] = with_newlines(claims_text, nl)
    out.why(claims_path, f"new: the claims of the signed-in visitor, from the old route's {used} "
                         "[templates/typescript/nextjs]")
    pkg = nearest(ctx.root, posixpath.dirname(s.path), "package.json")
    if pkg:
        updated = manifest(ctx.source(pkg).text)
        if updated is not None:
            out.files[pkg] = updated
            out.why(pkg, f"dependency jose {JOSE_VERSION} for the OpenID provider")
    return out


def _names(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_$][\w$]*", text))


def _claims_module(page: Page, plan: BackendPlan, config: Config, handler: ts.Node, at: int, old_path: str,
                   lib_dir: str) -> tuple[str, str]:
    params = handler.child_by_field_name("parameters")
    first = next(iter(params.named_children), None) if params is not None else None
    if first is None:
        param = "_request: Request"
    else:
        param = page.text(first)
        if ":" not in param:
            param += ": Request"
    body = handler.child_by_field_name("body")
    statements = body.named_children if body is not None and body.type == "statement_block" else []
    before = [st for st in statements if st.end_byte <= at and st.type != "comment"]
    # Backwards: a declaration stays when what follows needs it; an early return stays as the
    # "nobody signed in" check; anything else is listed for a look by hand.
    needed = "\n".join(m.expression.text for m in plan.claims)
    kept: list[str] = []
    for st in reversed(before):
        text = page.text(st)
        if "sign(" in text:
            continue
        if st.type in ("lexical_declaration", "variable_declaration"):
            names = [page.text(d.child_by_field_name("name")) for d in st.named_children
                     if d.type == "variable_declarator" and d.child_by_field_name("name") is not None]
            if any(re.search(rf"(?<![\w$.]){re.escape(n)}(?![\w$])", needed) for n in names):
                kept.append(" ".join(text.split()))
                needed += "\n" + text
        elif st.type == "if_statement" and st.child_by_field_name("alternative") is None and \
                any(n.type == "return_statement" for n in walk(st)):
            condition = page.text(st.child_by_field_name("condition"))
            kept.append(f"if {' '.join(condition.split())} return null;  // the old route's check: not signed in")
            needed += "\n" + condition
        else:
            first_line = text.strip().split("\n")[0]
            kept.append(f"// TODO(migrate:ZG226): the old route also ran `{first_line}`; carry it over if the "
                        "claims need it")
    lines = list(reversed(kept))
    entries = [f"  {_key(m.target)}: {_js(m)},  // {m.source} -> {m.target} ({m.origin})" for m in plan.claims]
    entries += [f"  // TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    unbound = _unbound(page, handler, first, lines, plan)
    if unbound:
        names = ", ".join(f"`{n}`" for n in unbound)
        lines = [f"// TODO(migrate:{REBIND_RULE}): the claims below read {names} of the old route, which the "
                 "request does not carry;", "// write them from the request, then return them. Until then nobody "
                 "is signed in.", *[f"//   {e.strip()}" for e in entries], "return null;"]
    else:
        lines += ["return {", *entries, "};"]
    used_text = "\n".join(lines) + "\n" + param
    imports = []
    old_dir = posixpath.dirname(old_path)
    for node in page.scripts[0].root.named_children:
        if node.type != "import_statement":
            continue
        source = node.child_by_field_name("source")
        spec = page.text(source)[1:-1] if source is not None else ""
        clause = page.text(node)[:source.start_byte - node.start_byte] if source is not None else ""
        bound = _names(clause) - {"import", "type", "from", "as"}
        if spec in ("jsonwebtoken", "jose") or not bound & _names(used_text):
            continue
        text = _used_import(page, node, _names(used_text)) or " ".join(page.text(node).split())
        if spec.startswith("."):
            moved = posixpath.relpath(posixpath.normpath(posixpath.join(old_dir, spec)), lib_dir)
            moved = moved if moved.startswith(".") else "./" + moved
            text = text.replace(page.text(source), page.text(source)[0] + moved + page.text(source)[-1])
        imports.append(text)
    used = "session lookup and claim expressions" if any(not ln.startswith(("return", "  ", "}")) for ln in
                                                          lines[:-len(entries) - 2]) else "claim expressions"
    old_route = "/" + posixpath.dirname(old_path).split("app/", 1)[-1] if "app/" in old_path else old_path
    text = render("typescript/nextjs/genesys-oidc-claims.ts.j2", issuer_path=config.issuer_path,
                  old_route=old_route, imports=imports, param=param, body=lines)
    return text, used


def _dropped_modules(page: Page, after: str) -> list[str]:
    grammar = shared.grammar_of(page.src.path)
    before = {m for _, m, _ in shared.module_imports(page.scripts[0])}
    return sorted(before - {m for _, m, _ in shared.module_imports(Doc.parse(grammar, after.encode()))})


def _unbound(page: Page, handler: ts.Node, first: ts.Node | None, lines: list[str], plan: BackendPlan) -> list[str]:
    """Names of the old handler the claims read that the claims module does not bind (ZG222)."""
    grammar = shared.grammar_of(page.src.path)
    read: set[str] = set()
    bound: set[str] = set(shared.param_names(page, first)) if first is not None else set()
    for text in [*[m.expression.text for m in plan.claims], *lines]:
        if text.startswith("//"):
            continue
        read |= shared.read_names(text, grammar)
        m = re.match(r"(?:const|let|var)\s+(.+?)\s*=", text)
        if m:
            bound |= set(re.findall(r"[A-Za-z_$][\w$]*", m.group(1)))
    return sorted((read & shared.declared_inside(page, handler)) - bound)


def _used_import(page: Page, node: ts.Node, used: set[str]) -> str | None:
    """`import ... from '...'` with only the bindings in `used` (None: keep the statement as it is)."""
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    source = node.child_by_field_name("source")
    if clause is None or source is None:
        return None
    parts = []
    for child in clause.named_children:
        if child.type == "identifier" and page.text(child) in used or child.type == "namespace_import" and _names(page.text(child)) & used:
            parts.append(page.text(child))
        elif child.type == "named_imports":
            kept = []
            for spec in (c for c in child.named_children if c.type == "import_specifier"):
                alias = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                if alias is not None and page.text(alias) in used:
                    kept.append(" ".join(page.text(spec).split()))
            if kept:
                parts.append("{ " + ", ".join(kept) + " }")
        elif child.type not in ("identifier", "namespace_import", "named_imports"):
            return None
    if not parts:
        return None
    kind = "import type " if re.match(r"import\s+type\s", page.text(node)) else "import "
    return f"{kind}{', '.join(parts)} from {page.text(source)};"


def _without_handler(page: Page, export: ts.Node, config: Config, app_dir: str) -> str:
    src: SourceFile = page.src
    start = comment_start(src.text, page.offset(export.start_byte))
    end = page.offset(export.end_byte)
    while end < len(src.text) and src.text[end] in "\r\n":
        end += 1
    text = apply_edits(src.text, [Edit(start, end, "")])
    # Imports nothing uses any more go too.
    rest = Page.parse(SourceFile(src.path, text, src.bom))
    root = rest.scripts[0].root
    code = "\n".join(rest.text(n) for n in root.named_children if n.type not in ("import_statement", "comment"))
    drops = []
    for node in root.named_children:
        if node.type != "import_statement":
            continue
        source = node.child_by_field_name("source")
        clause = rest.text(node)[:source.start_byte - node.start_byte] if source is not None else ""
        bound = _names(clause) - {"import", "type", "from", "as"}
        if bound and not bound & _names(code):
            s, e = rest.offset(node.start_byte), rest.offset(node.end_byte)
            while e < len(text) and text[e] in "\r\n":
                e += 1
                if text[e - 1] == "\n":
                    break
            drops.append(Edit(s, e, ""))
        elif bound - _names(code):  # some of its bindings were only the handler's
            narrowed = _used_import(rest, node, _names(code))
            if narrowed is not None:
                drops.append(Edit(rest.offset(node.start_byte), rest.offset(node.end_byte), narrowed))
    text = apply_edits(text, drops)
    if not code.strip():
        moved = f"{app_dir}{config.issuer_path}/"
        text = text.rstrip() + ("\n\n" if text.strip() else "") + \
            (f"// TODO(migrate:ZG226): this route's Zendesk token handler was replaced by the OpenID provider "
             f"under {moved}; nothing is left here, delete this file.\nexport {{}};\n")
    return with_newlines(text.lstrip("\r\n"), src.newline)
