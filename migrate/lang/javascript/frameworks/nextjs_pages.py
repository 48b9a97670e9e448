"""Next.js Pages Router: the Zendesk token API route (pages/api/.../jwt.js, `export default function
handler(req, res)`) stays with its ZG220 note; the provider is one catch-all API route beside it,
``pages/api/<issuer path>/[...oidc].js`` (`export default createNextApiHandler({ guard, claims })`,
body parsing off), whose guard is the old handler's login checks and whose claims are its session
lookup and claim expressions. An issuer path outside /api gets a rewrite to it in next.config.js.
The provider module goes to lib/ beside the pages folder. At cut-over the old route goes: its
file when nothing else is left in it."""

from __future__ import annotations

import json
import posixpath
import re

import tree_sitter as ts

from migrate.extract.treesitter import Doc
from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.generate.changes import Edit, apply_edits, with_newlines
from migrate.generate.config import Config
from migrate.generate.page import Page
from migrate.generate.render import render
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import beside, shared
from migrate.lang.javascript.frameworks.nextjs import _used_import

ADAPTER = "createNextApiHandler"
PARAM = "oidc"
REFUSING = "(_req, res) => {\n    res.statusCode = 401;\n    res.setHeader('Content-Type', 'application/json');\n" \
           "    res.end(JSON.stringify({ error: 'login_required' }));\n  }"
_CONFIGS = ("next.config.js", "next.config.mjs", "next.config.cjs", "next.config.ts")


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    page = Page.parse(src)
    at = page.byte_at(s.line, s.column)
    found = routes.pages_api(s.path, page.scripts[0], at)
    if found is None:
        raise WiringError("the signing code is not inside the default export of a Pages Router API route "
                          "(pages/api/...)")
    statement = found.export
    handler_top = beside.top(found.handler)
    old = beside.Route(statement, found.handler, found.route, statement)
    if ctx.cutover and ctx.kept:
        return _cut(ctx, page, found, handler_top)
    route_file, rewrite = _route_file(found.pages_dir, config, s.path)
    lib_dir = posixpath.join(posixpath.dirname(found.pages_dir), "lib") if "/" in found.pages_dir else "lib"
    text = _route_module(page, plan, config, found, at, route_file, lib_dir, ctx.cutover)
    nl = src.newline
    out = Wiring(route=found.route)
    out.new_files[route_file] = with_newlines(text, nl)
    out.mounted = f"{route_file}:{beside._line_of(text, f'export default {ADAPTER}(')}"
    out.why(route_file, f"new: the OpenID provider's API route, {config.issuer_path}/* "
                        f"({'through a rewrite to ' + _api_path(route_file) if rewrite else 'served as it is'}) "
                        f"[{plan.view.profile}.yaml]")
    if ctx.cutover:
        cut = _cut(ctx, page, found, handler_top)
        out.files.update(cut.files)
        out.deleted |= cut.deleted
        out.reasons.update(cut.reasons)
    else:
        note = shared.keep_note_edit(src.text, shared.piece_start(plan, old.statement.start_point[0] + 1),
                                     found.route, config, nl)
        out.files[s.path] = apply_edits(src.text, [note])
        out.why(s.path, f"line {s.line}: the Zendesk JWT route {found.route} stays until cut-over (TODO(migrate:ZG220)); "
                        f"the OpenID provider is the API route {route_file}")
    if rewrite:
        _rewrite(ctx, out, found.pages_dir, config, route_file, nl)
    provider = posixpath.join(lib_dir, beside.MODULE)
    out.new_files[provider] = with_newlines(render("node/oidc-provider-web.cjs.j2", issuer_path=config.issuer_path), nl)
    out.why(provider, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, nonce) "
                      "[templates/node]")
    if beside.typescript(s.path):
        types = posixpath.join(lib_dir, beside.TYPES)
        out.new_files[types] = with_newlines(render("node/oidc-provider-web.d.cts.j2"), nl)
        out.why(types, "new: the provider's types for TypeScript [templates/node]")
    shared.add_jose(ctx, out, posixpath.dirname(s.path))
    return out


def _api_path(route_file: str) -> str:
    parts = route_file.split("/")
    i = parts.index("pages")
    return "/" + "/".join(parts[i + 1:-1])


def _route_file(pages_dir: str, config: Config, old_path: str) -> tuple[str, bool]:
    """The catch-all route's file, and whether the issuer path needs a rewrite to it (outside /api)."""
    ext = posixpath.splitext(old_path)[1]
    issuer = config.issuer_path.strip("/")
    rewrite = not (issuer == "api" or issuer.startswith("api/"))
    folder = posixpath.join(pages_dir, "api", issuer) if rewrite else posixpath.join(pages_dir, issuer)
    return posixpath.join(folder, f"[...{PARAM}]{ext}"), rewrite


def _route_module(page: Page, plan, config: Config, found: routes.PagesRoute, at: int, route_file: str,
                  lib_dir: str, cutover: bool) -> str:
    handler = found.handler
    code = shared.claims_code(page, plan, handler, at, default_param="req")
    guard = beside.guard_from_checks(page, handler, code, ("req", "res", "next"), "return {2}();")
    claims = shared.arrow(code)
    used = _words((guard or "") + "\n" + claims)
    folder = posixpath.dirname(route_file)
    imports = []
    for node in page.scripts[0].root.named_children:
        if node.type != "import_statement":
            continue
        source = node.child_by_field_name("source")
        spec = page.text(source)[1:-1] if source is not None else ""
        if spec in ("jsonwebtoken", "jose") or source is None:
            continue
        text = _used_import(page, node, used)
        if text is None:
            clause = page.text(node)[:source.start_byte - node.start_byte]
            if not (_words(clause) - {"import", "type", "from", "as"}) & used:
                continue
            text = " ".join(page.text(node).split())
        if spec.startswith("."):
            moved = posixpath.relpath(posixpath.normpath(posixpath.join(posixpath.dirname(page.src.path), spec)), folder)
            moved = moved if moved.startswith(".") else "./" + moved
            text = text.replace(page.text(source), page.text(source)[0] + moved + page.text(source)[-1])
        imports.append(text)
    provider = posixpath.relpath(posixpath.join(lib_dir, beside.MODULE), folder)
    provider = provider if provider.startswith(".") else "./" + provider
    imports.append(f"import {{ {ADAPTER} }} from '{provider}';")
    what = f" It replaces the Zendesk token route {found.route}." if cutover else ""
    lines = [
        f"// The OpenID provider Genesys Cloud Messenger signs visitors in through, at {config.issuer_path};",
        f"// Genesys redeems the codes it issues.{what}",
        *imports,
        "",
        "// The provider reads the token request's form body itself.",
        "export const config = { api: { bodyParser: false } };",
        "",
        f"export default {ADAPTER}({beside.options(guard, REFUSING, claims)});",
        "",
    ]
    return "\n".join(lines)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_$][\w$]*", text))


def _rewrite(ctx: WireContext, out: Wiring, pages_dir: str, config: Config, route_file: str, nl: str) -> None:
    """next.config.js sends the issuer path to the API route: a rewrite added to the config object,
    or a new next.config.js when the site has none."""
    rule = f"{{ source: {json.dumps(config.issuer_path + '/:path*')}, destination: " \
           f"{json.dumps(_api_path(route_file) + '/:path*')} }}"
    base = posixpath.dirname(pages_dir) if "/" in pages_dir else ""
    if base.endswith("src"):
        base = posixpath.dirname(base)
    existing = next((posixpath.join(base, n) for n in _CONFIGS if (ctx.root / base / n).is_file()), None)
    if existing is None:
        path = posixpath.join(base, "next.config.js")
        out.new_files[path] = with_newlines(
            "// The OpenID provider for Genesys Cloud Messenger is an API route: its issuer path is sent there.\n"
            "module.exports = {\n"
            f"  async rewrites() {{\n    return [{rule}];\n  }},\n"
            "};\n", nl)
        out.why(path, f"new: {config.issuer_path}/* is rewritten to the provider's API route")
        return
    src = ctx.source(existing)
    obj = _config_object(Page.parse(src))
    if obj is None or re.search(r"\brewrites\b", src.text):
        note = (f"TODO(migrate:ZG221): add the rewrite {rule} to {existing}, so that {config.issuer_path} reaches the "
                f"provider's API route")
        text = out.new_files[route_file]
        out.new_files[route_file] = text.replace(nl + nl + "// The provider reads", f"{nl}// {note}{nl}{nl}"
                                                 "// The provider reads", 1)
        out.todo = f"{route_file}:1: {note}"
        out.why(route_file, note)
        return
    page = Page.parse(src)
    at = page.offset(obj.start_byte) + 1
    indent = "  "
    first = next((c for c in obj.named_children if c.type != "comment"), None)
    if first is not None:
        indent = page.indent(first) or indent
    added = (f"{nl}{indent}// The OpenID provider for Genesys Cloud Messenger is an API route: its issuer path is "
             f"sent there.{nl}{indent}async rewrites() {{{nl}{indent}  return [{rule}];{nl}{indent}}},")
    out.files[existing] = apply_edits(src.text, [Edit(at, at, added)])
    out.why(existing, f"{config.issuer_path}/* is rewritten to the provider's API route {_api_path(route_file)}")


def _config_object(page: Page) -> ts.Node | None:
    """The object literal of the Next.js config: `const nextConfig = {...}`, `module.exports = {...}`,
    `export default {...}`, or the first argument of a wrapper around one (`withX({...})`)."""
    doc: Doc = page.scripts[0]
    for node in doc.root.named_children:
        candidates = []
        if node.type in ("lexical_declaration", "variable_declaration"):
            for d in node.named_children:
                name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
                if name is not None and re.search(r"config", page.text(name), re.IGNORECASE) and value is not None:
                    candidates.append(value)
        elif node.type == "expression_statement" and node.named_children and \
                node.named_children[0].type == "assignment_expression" and \
                page.text(node.named_children[0].child_by_field_name("left")) == "module.exports":
            candidates.append(node.named_children[0].child_by_field_name("right"))
        elif node.type == "export_statement" and any(c.type == "default" for c in node.children):
            candidates += [c for c in node.named_children if c.type not in ("comment",)]
        for value in candidates:
            value = routes._unwrap(value)
            if value.type == "call_expression":
                args = routes._args(value)
                value = routes._unwrap(args[0]) if args else value
            if value.type == "object":
                return value
    return None


def _cut(ctx: WireContext, page: Page, found: routes.PagesRoute, handler_top: ts.Node) -> Wiring:
    """The kept API route goes: its file when only imports and its config are left, else its export
    and the handler only it used."""
    s = ctx.plan.signer
    cut = beside.cut(ctx, page, beside.Route(found.export, found.handler, found.route, found.export),
                     "\0no mount in this file")
    after = cut.files[s.path]
    doc = Doc.parse(shared.grammar_of(s.path), after.encode())
    left = [n for n in doc.root.named_children if n.type not in ("import_statement", "comment") and not
            re.match(r"export\s+const\s+config\b", doc.text(n))]
    if not left:
        del cut.files[s.path]
        cut.deleted.add(s.path)
        cut.reasons[s.path] = [f"deleted: the Zendesk JWT route {found.route} kept until cut-over was all it held"]
    cut.mounted = None
    return cut
