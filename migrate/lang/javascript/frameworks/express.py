"""Express (JavaScript or TypeScript): the Zendesk token route becomes the OpenID provider, mounted
at the issuer path behind the route's own auth guard, with the claims computed by the old code's own
expressions. A .ts server gets the TypeScript provider (templates/typescript), imported ESM-style."""

from __future__ import annotations

import json
import posixpath
import re

import tree_sitter as ts

from migrate.generate.backends import WireContext, Wiring, WiringError, nearest
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.config import Config
from migrate.generate.page import Page
from migrate.generate.plan import BackendPlan, ClaimMapping
from migrate.generate.positions import comment_start
from migrate.generate.render import render
from migrate.lang.javascript import routes

PROVIDER = "genesys-oidc-provider"
JOSE_VERSION = "^5.9.6"


def _js(m: ClaimMapping) -> str:
    e, final = m.expression, m.expression.final
    text = " ".join(e.text.split()) if "\n" not in e.text else e.text
    if m.transform == "string" and not (final.kind in ("string", "template") or e.has("stringified")):
        return f"String({text})"
    if m.transform == "boolean" and final.kind != "bool":
        if final.kind == "string" and final.value in ("true", "false"):
            return str(final.value)
        return f"Boolean({text})"
    if m.transform == "number" and final.kind not in ("int", "float"):
        return f"Number({text})"
    return text


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_$][\w$]*", name) else json.dumps(name)


def _locals(page: Page, handler: ts.Node, before: int, used: str) -> list[str]:
    """Declarations of the handler that the claim expressions need (in order, transitively)."""
    body = handler.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return []
    decls = []
    for stmt in body.named_children:
        if stmt.start_byte >= before or stmt.type not in ("lexical_declaration", "variable_declaration"):
            continue
        names = [page.text(d.child_by_field_name("name")) for d in stmt.named_children
                 if d.type == "variable_declarator" and d.child_by_field_name("name") is not None]
        decls.append((names, page.text(stmt)))
    needed, text = [], used
    for names, decl in reversed(decls):
        if any(re.search(rf"(?<![\w$.]){re.escape(n)}(?![\w$])", text) for n in names) and "sign(" not in decl:
            needed.append(decl)
            text += "\n" + decl
    return list(reversed(needed))


def _claims_function(page: Page, plan: BackendPlan, handler: ts.Node, at: int) -> str:
    params = handler.child_by_field_name("parameters") or handler.child_by_field_name("parameter")
    first = next((p for p in (params.named_children if params is not None and params.type == "formal_parameters"
                              else [params]) if p is not None), None)
    param = page.text(first) if first is not None else "req"
    entries = [f"{_key(m.target)}: {_js(m)},  // {m.source} -> {m.target} ({m.origin})" for m in plan.claims]
    entries += [f"// TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    body = "\n".join(f"    {e}" for e in entries)
    local = _locals(page, handler, at, "\n".join(m.expression.text for m in plan.claims))
    if not local:
        return f"({param}) => ({{\n{body}\n  }})"
    decls = "\n".join(f"    {' '.join(d.split())}" for d in local)
    return f"({param}) => {{\n{decls}\n    return {{\n  {body.replace(chr(10), chr(10) + '  ')}\n    }};\n  }}"


def wire(ctx: WireContext) -> Wiring:
    """The server file rewritten, the provider module, and jose in package.json."""
    plan, config = ctx.plan, ctx.config
    src = ctx.source(plan.signer.path)
    text, provider_path, provider, reg = _rewrite(src, plan, config)
    out = Wiring(route=reg.route)
    s = plan.signer
    out.files[s.path] = text
    out.why(s.path, f"line {s.line}: Zendesk JWT route {reg.route} -> OpenID provider at {config.issuer_path} "
                    f"[{plan.view.profile}.yaml]")
    out.new_files[provider_path] = provider
    family = "templates/typescript" if provider_path.endswith(".ts") else "templates/node"
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, "
                           f"PKCE, nonce) [{family}]")
    pkg = nearest(ctx.root, posixpath.dirname(s.path), "package.json")
    if pkg:
        updated = manifest(ctx.source(pkg).text)
        if updated is not None:
            out.files[pkg] = updated
            out.why(pkg, f"dependency jose {JOSE_VERSION} for the OpenID provider")
    return out


def _rewrite(src: SourceFile, plan: BackendPlan, config: Config) -> tuple[str, str, str, routes.Registration]:
    page = Page.parse(src)
    s = plan.signer
    at = page.byte_at(s.line, s.column)
    reg = routes.express(page.scripts[0], at)
    if reg is None:
        raise WiringError(f"{s.path}:{s.line}: the signing code is not inside an Express route "
                          f"(app.get('/path', ...)); mount createOidcProvider at {config.issuer_path} by hand")
    route = reg.call
    obj = page.text(reg.object)
    handler, guards = reg.handler, [page.text(a) for a in reg.guards]
    if not guards:
        guard = "undefined  // TODO(migrate:ZG107): the old route had no auth guard; add the site's login check"
    elif len(guards) == 1:
        guard = guards[0]
    else:
        chain = "next"
        for g in reversed(guards[1:]):
            chain = f"() => {g}(req, res, {chain})"
        guard = f"(req, res, next) => {guards[0]}(req, res, {chain})"
    typescript = s.path.endswith((".ts", ".mts", ".cts"))
    esm = bool(re.search(r"^\s*import\s.+\sfrom\s+['\"]", src.text, re.M)) and "require(" not in src.text
    module = f"./{PROVIDER}.cjs" if esm else f"./{PROVIDER}"
    if typescript:  # the TypeScript provider, imported the way the file imports its own modules
        esm = True
        js_suffix = re.search(r"from\s+['\"]\.{1,2}/[^'\"]+\.js['\"]", src.text)
        module = f"./{PROVIDER}.js" if js_suffix else f"./{PROVIDER}"
    stmt = page.statement(route)
    indent = page.indent(stmt)
    new = (f"// Genesys Cloud Messenger signs visitors in through this OpenID provider (it replaces the\n"
           f"// Zendesk token route {page.text(reg.path)}); Genesys redeems the codes it issues.\n"
           f"{obj}.use({json.dumps(config.issuer_path)}, createOidcProvider({{\n"
           f"  guard: {guard},\n"
           f"  claims: {_claims_function(page, plan, handler, at)},\n"
           f"}}));")
    replacement = page.edit(stmt, "\n".join(indent + line if i and line else line
                                          for i, line in enumerate(new.split("\n"))))
    edits = [Edit(comment_start(src.text, replacement.start), replacement.end, replacement.text)]
    if not (route.start_byte <= handler.start_byte and handler.end_byte <= route.end_byte):
        edits.append(_leftover_handler(page, reg))
    edits.append(_import_edit(page, esm, module))
    text = _drop_unused_jsonwebtoken(apply_edits(src.text, edits), src.newline)
    if typescript:
        provider_path = posixpath.join(posixpath.dirname(s.path), PROVIDER + ".ts")
        template = "typescript/oidc-provider-express.ts.j2"
    else:
        provider_path = posixpath.join(posixpath.dirname(s.path), PROVIDER + (".cjs" if esm else ".js"))
        template = "node/oidc-provider.js.j2"
    provider = with_newlines(render(template, issuer_path=config.issuer_path), src.newline)
    return text, provider_path, provider, reg


def _leftover_handler(page: Page, reg: routes.Registration) -> Edit:
    """A TODO above the named handler the registration pointed at: nothing routes to it any more."""
    node = reg.handler
    while node.parent is not None and node.parent.type not in ("program", "statement_block"):
        node = node.parent
    start = page.offset(node.start_byte)
    line_start = page.src.text.rfind("\n", 0, start) + 1
    indent = page.src.text[line_start:start] if not page.src.text[line_start:start].strip() else ""
    return Edit(line_start, line_start, f"{indent}// TODO(migrate:ZG107): the OpenID provider replaced the Zendesk token "
                                        f"route {reg.route} this handler served; remove it{page.src.newline}")


def _import_edit(page: Page, esm: bool, module: str) -> Edit:
    root = page.scripts[0].root
    last = None
    for node in root.named_children:
        text = page.text(node)
        if (esm and node.type == "import_statement") or (not esm and "require(" in text and
                                                          node.type in ("lexical_declaration", "variable_declaration")):
            last = node
    line = (f"import {{ createOidcProvider }} from '{module}';" if esm
            else f"const {{ createOidcProvider }} = require('{module}');")
    nl = page.src.newline
    if last is None:
        return Edit(0, 0, line + nl)
    end = page.offset(last.end_byte)
    return Edit(end, end, nl + line)


def _drop_unused_jsonwebtoken(text: str, newline: str) -> str:
    m = re.search(r"^[ \t]*(?:(?:const|let|var)\s+(\w+)\s*=\s*require\(\s*['\"]jsonwebtoken['\"]\s*\)|"
                  r"import\s+(?:\*\s+as\s+)?(\w+)\s+from\s+['\"]jsonwebtoken['\"]);?[ \t]*\r?\n", text, re.M)
    if not m:
        return text
    name = m.group(1) or m.group(2)
    rest = text[:m.start()] + text[m.end():]
    if re.search(rf"(?<![\w$.'\"/]){re.escape(name)}\s*[.(\[]", rest):  # still called or used
        return text
    return rest


def manifest(root_text: str) -> str | None:
    """package.json with jose added to dependencies (None when it is already there)."""
    data = json.loads(root_text)
    deps = data.setdefault("dependencies", {})
    if "jose" in deps:
        return None
    deps["jose"] = JOSE_VERSION
    data["dependencies"] = dict(sorted(deps.items()))
    indent = re.search(r"\n([ \t]+)\"", root_text)
    newline = "\r\n" if "\r\n" in root_text else "\n"
    out = json.dumps(data, indent=indent.group(1) if indent else 2, ensure_ascii=False) + "\n"
    return with_newlines(out, newline)
