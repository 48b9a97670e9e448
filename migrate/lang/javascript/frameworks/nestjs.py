"""NestJS (TypeScript): the provider is a controller at the issuer path, `GenesysOidcController`,
written beside the Zendesk token route's controller in its file and listed next to it in the
`controllers` of the module that lists that controller (so the guards it uses resolve as they do
for the old route). Its /authorize method carries the old route's guards, filters and metadata
decorators (the class's and the method's), its parameters as written (custom ones such as
`@CurrentUser() user` included) and the login checks its handler made; the claims function gets
those parameters, as the handler did. Nest runs the guards; `createNestHandler` (the Node provider's
adapter) answers.

At cut-over the kept method goes with its decorators and note, and the imports and dependencies
only it used; the controller class stays."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import tree_sitter as ts

from migrate.extract.treesitter import Doc, walk
from migrate.generate.backends import REBIND_RULE, WireContext, Wiring, WiringError
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.page import Page
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import beside, shared

ADAPTER = "createNestHandler"
CONTROLLER = "GenesysOidcController"
REFUSE = "GenesysOidcNoLogin"
HANDLER = "genesysOidc"
# Decorators that map the old route or shape its answer, not who may call it.
NOT_GUARDS = frozenset(routes.NEST_METHODS) | {"Controller", "HttpCode", "Header", "Redirect", "Render", "Sse",
                                                 "Version", "UseInterceptors"}
REQUEST, RESPONSE, NEXT = {"Req", "Request"}, {"Res", "Response"}, {"Next"}
_SKIP_DIRS = {"node_modules", ".git", "dist", "build", "coverage"}


@dataclass
class Param:
    node: ts.Node
    decorator: str | None  # Req, Res, CurrentUser...
    name: str | None
    type: str  # as written, "any" when none


def wire(ctx: WireContext) -> Wiring:
    s = ctx.plan.signer
    src = ctx.source(s.path)
    page = Page.parse(src)
    doc = page.scripts[0]
    at = page.byte_at(s.line, s.column)
    found = routes.nest(doc, at)
    if found is None:
        raise WiringError("the signing code is not inside a NestJS controller route (@Controller(...) class, "
                          "@Get(...) method)")
    if found.statement.parent is None or found.statement.parent.type != "program":
        raise WiringError("the NestJS controller is not declared at the top of its file")
    if ctx.cutover and ctx.kept:
        return _cut(ctx, page, found)
    module = _module(ctx, found.name, s.path)
    _no_global_prefix(ctx)
    nl = src.newline
    edits = [Edit(page.offset(found.statement.end_byte), page.offset(found.statement.end_byte),
                  with_newlines("\n\n" + _controller(ctx, page, found, at), nl))]
    first = found.decorators[0] if found.decorators else found.method
    edits.append(shared.keep_note_edit(src.text, first.start_point[0] + 1, found.route, ctx.config, nl))
    edits.append(shared.import_edit(page, True, f"{{ {ADAPTER} }}", "./" + beside.MODULE))
    edits += _common_names(page, doc)
    edits.sort(key=lambda e: e.start)
    text = apply_edits(src.text, edits)
    out = Wiring(route=found.route)
    mod_path, mod_text, mounted = _listed(ctx, module, found.name, s.path, text)
    if mod_path != s.path:
        out.files[mod_path] = mod_text
    else:
        text = mod_text
    out.mounted = f"{mod_path}:{mounted}"
    out.why(mod_path, f"line {mounted}: {CONTROLLER}, the OpenID provider at {ctx.config.issuer_path}, is listed "
                      f"beside {found.name} [{ctx.plan.view.profile}.yaml]")
    if ctx.cutover:
        moved = Page.parse(SourceFile(s.path, text, src.bom))
        again = next((routes.nest(moved.scripts[0], n.start_byte) for n in walk(moved.scripts[0].root)
                      if n.type == "method_definition" and moved.text(n) == page.text(found.method)), None)
        if again is None:
            raise WiringError("the route could not be found again after the provider was added beside it")
        cut = _cut(ctx, moved, again)
        out.files.update(cut.files)
        out.reasons.update({k: out.reasons.get(k, []) + v for k, v in cut.reasons.items()})
        out.why(s.path, f"line {s.line}: the Zendesk JWT route {found.route} -> the OpenID provider at "
                        f"{ctx.config.issuer_path} ({CONTROLLER}) [{ctx.plan.view.profile}.yaml]")
    else:
        out.files[s.path] = text
        out.why(s.path, f"{CONTROLLER} (the OpenID provider at {ctx.config.issuer_path}) written beside the Zendesk "
                        f"JWT route {found.route}, kept until cut-over (TODO(migrate:ZG220)) "
                        f"[{ctx.plan.view.profile}.yaml]")
    beside.provider_files(ctx, out, s.path, nl)
    return out


# --- the provider's controller --------------------------------------------------------------------

def _params(page: Page, method: ts.Node) -> list[Param]:
    out = []
    for p in shared.params(page, method):
        decorators = [c for c in p.children if c.type == "decorator"]
        call = routes.decorator_call(page.scripts[0], decorators[0]) if decorators else None
        kind = p.child_by_field_name("type")
        out.append(Param(p, call[0] if call else None, shared.param_name(page, p),
                         page.text(kind).lstrip(":").strip() if kind is not None else "any"))
    return out


def _controller(ctx: WireContext, page: Page, found: routes.NestRoute, at: int) -> str:
    doc = page.scripts[0]
    params = _params(page, found.method)
    context = [p for p in params if p.decorator not in RESPONSE | NEXT and p.name]
    req = next((p.name for p in params if p.decorator in REQUEST and p.name), None)
    res = next((p.name for p in params if p.decorator in RESPONSE and p.name), None)
    taken = {p.name for p in params}
    signature = [page.text(p.node) for p in params if p.decorator not in NEXT]
    if req is None:
        req = "req" if "req" not in taken else "oidcRequest"
        signature.append(f"@Req() {req}: any")
    if res is None:
        res = "res" if "res" not in taken else "oidcResponse"
        signature.append(f"@Res() {res}: any")
    guards = [page.text(d) for d in found.class_decorators + found.decorators if _guarding(doc, d)]
    checks, check_locals = _checks(page, found.method, at)
    body = [" ".join(d.split()) for d in check_locals]
    own_res = any(p.decorator in RESPONSE for p in params)
    for check in checks:
        body += _lines(page, check, None if own_res else res)
    refusing = not guards and not checks and not _global_guard(ctx)
    if refusing:
        guards = [(f"// TODO(migrate:ZG223): the old route had no login check: {REFUSE} refuses everyone until "
                   "the site's own guard takes its place"), f"@UseGuards({REFUSE})"]
    names = ", ".join(p.name for p in context)  # type: ignore[misc]
    body.append(f"return {HANDLER}({req}, {res}, {{ {names} }});" if names else f"return {HANDLER}({req}, {res});")
    claims = _claims(page, ctx.plan, found, at, context)
    replaces = f" (it replaces the Zendesk token route {found.route})" if ctx.cutover else ""
    out = [f"// Genesys Cloud Messenger signs visitors in through this OpenID provider at {ctx.config.issuer_path}{replaces};",
           "// Genesys redeems the codes it issues. The app module lists the controller.",
           f"const {HANDLER} = {ADAPTER}({{", f"  claims: {claims},", "});", ""]
    if refusing:
        out += ["// Refuses: the Zendesk token route had no login check to carry over.",
                f"class {REFUSE} {{", "  canActivate(): boolean {", "    return false;", "  }", "}", ""]
    if _global_guard(ctx):
        out.append("// TODO(migrate:ZG225): the app's global guard runs here too: let discovery, /jwks.json, /token "
                   "and /userinfo through (Genesys calls them without the visitor's session)")
    path = ctx.config.issuer_path.strip("/")
    out += [f"@Controller('{path}')", f"export class {CONTROLLER} {{",
            "  @Get(['.well-known/openid-configuration', 'jwks.json', 'userinfo'])",
            "  metadata(@Req() req: any, @Res() res: any): Promise<void> {",
            f"    return {HANDLER}(req, res);", "  }", "",
            "  @Post(['token', 'userinfo'])",
            "  token(@Req() req: any, @Res() res: any): Promise<void> {",
            f"    return {HANDLER}(req, res);", "  }", "",
            "  @Get('authorize')", *[f"  {g}" for g in guards],
            f"  async authorize({', '.join(signature)}): Promise<void> {{",
            *[f"    {b}" if b else "" for b in body], "  }", "}"]
    return "\n".join(out)


def _guarding(doc: Doc, decorator: ts.Node) -> bool:
    call = routes.decorator_call(doc, decorator)
    return call is not None and call[0] not in NOT_GUARDS and not call[0].startswith("Api")


def _checks(page: Page, fn: ts.Node, at: int) -> tuple[list[ts.Node], list[str]]:
    """The handler's early checks before the signing call (`if (!req.user) throw new
    UnauthorizedException();`) and the declarations they read."""
    before = shared._before(page, fn, at)
    checks = [st for st in before if st.type == "if_statement" and st.child_by_field_name("alternative") is None
              and any(n.type in ("return_statement", "throw_statement") for n in walk(st))
              and "sign(" not in page.text(st)]
    text = "\n".join(page.text(c.child_by_field_name("condition")) for c in checks)
    picked = []
    for st in reversed(before):
        if st.type in ("lexical_declaration", "variable_declaration") and "sign(" not in page.text(st) and \
                shared._uses(text, shared._decl_names(page, st)):
            picked.append(page.text(st))
            text += "\n" + page.text(st)
    return checks, list(reversed(picked))


def _lines(page: Page, check: ts.Node, res: str | None) -> list[str]:
    """The check's lines, re-indented; with `res`, a value it returned (Nest sent it) is sent as a 401
    through the response the authorize method takes."""
    text, base = page.text(check), check.start_byte
    if res is not None:
        edits = []
        for n in walk(check):
            if n.type == "return_statement" and _own(n, check):
                value = next((c for c in n.named_children if c.type != "comment"), None)
                sent = f"{res}.status(401).json({page.text(value)})" if value is not None else f"{res}.status(401).end()"
                edits.append((n.start_byte - base, n.end_byte - base, f"return void {sent};"))
        data = text.encode()
        for s, e, new in sorted(edits, reverse=True):
            data = data[:s] + new.encode() + data[e:]
        text = data.decode()
    indent = page.indent(check)
    lines = text.replace("\r\n", "\n").split("\n")
    return [lines[0]] + [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[1:]]


def _own(node: ts.Node, top: ts.Node) -> bool:
    n = node.parent
    while n is not None and n != top:
        if n.type in routes.FUNCTIONS:
            return False
        n = n.parent
    return True


def _claims(page: Page, plan, found: routes.NestRoute, at: int, context: list[Param]) -> str:
    """The claims function: it gets the authorize method's parameters (`{ req, user }`), as the
    handler did; what reads `this` (the controller's services) or a local it cannot carry is no user."""
    if context:
        first = next(i for i, p in enumerate(shared.params(page, found.method)) if p == context[0].node)
        code = shared.claims_code(page, plan, found.method, at, request=first,
                                  rebind={p.name: p.name for p in context[1:]})  # type: ignore[misc]
        fields = "; ".join(f"{p.name}: {p.type}" for p in context)
        code.param = f"{{ {', '.join(p.name for p in context)} }}: {{ {fields} }}"  # type: ignore[arg-type]
    else:
        code = shared.claims_code(page, plan, found.method, at, default_param="_context: unknown")
    read = "\n".join([m.expression.text for m in plan.claims] + code.body)
    if re.search(r"(?<![\w$.])this\b", read) and not code.unbound:
        entries = [b for b in code.body if b not in ("return {", "};")]
        code.body = [(f"// TODO(migrate:{REBIND_RULE}): the claims below read `this` (the controller's services), "
                      "which the provider's request does not carry;"),
                     "// look the signed-in user up from the request instead. Until then nobody is signed in.",
                     *[f"//   {e.strip()}" for e in entries], "return null;"]
        code.is_async = False
    return shared.arrow(code)


# --- imports ----------------------------------------------------------------------------------------

def _common_names(page: Page, doc: Doc) -> list[Edit]:
    """The decorators the provider's controller uses, added to the file's @nestjs/common import."""
    wanted = ["Controller", "Get", "Post", "Req", "Res", "UseGuards"]
    for node in doc.root.named_children:
        if node.type != "import_statement" or "'@nestjs/common'" not in page.text(node).replace('"', "'"):
            continue
        clause = next((c for c in walk(node) if c.type == "named_imports"), None)
        if clause is None:
            continue
        have = {page.text(c.child_by_field_name("alias") or c.child_by_field_name("name"))
                for c in clause.named_children if c.type == "import_specifier"}
        missing = [w for w in wanted if w not in have]
        if not missing:
            return []
        last = [c for c in clause.named_children if c.type == "import_specifier"][-1]
        end = page.offset(last.end_byte)
        return [Edit(end, end, "".join(f", {m}" for m in missing))]
    return [shared.import_edit(page, True, "{ " + ", ".join(wanted) + " }", "@nestjs/common")]


# --- the module that lists the controller -------------------------------------------------------------

def _sources(ctx: WireContext):
    for dirpath, dirs, files in os.walk(ctx.root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if name.endswith((".ts", ".mts")) and not name.endswith(".d.ts"):
                yield os.path.relpath(os.path.join(dirpath, name), ctx.root).replace(os.sep, "/")


def _module(ctx: WireContext, name: str, path: str) -> str:
    """The file of the module whose `controllers` lists the controller `name`."""
    pattern = re.compile(rf"controllers\s*:\s*\[[^\]]*(?<![\w$]){re.escape(name)}(?![\w$])")
    for rel in _sources(ctx):
        if pattern.search(ctx.source(rel).text):
            return rel
    raise WiringError(f"no module lists {name} in its controllers: add the provider's controller to the module "
                      "that serves it")


def _no_global_prefix(ctx: WireContext) -> None:
    for rel in _sources(ctx):
        text = ctx.source(rel).text
        if "NestFactory" in text and ".setGlobalPrefix(" in text:
            raise WiringError(f"{rel} sets a global prefix (setGlobalPrefix): the provider's controller would be "
                              f"served under it, not at {ctx.config.issuer_path}; exclude its paths from the prefix")


def _global_guard(ctx: WireContext) -> bool:
    return any(re.search(r"\bAPP_GUARD\b|\.useGlobalGuards\(", ctx.source(rel).text) for rel in _sources(ctx))


def _listed(ctx: WireContext, module: str, name: str, path: str, controller_text: str) -> tuple[str, str, int]:
    """The module file with the provider's controller listed after `name` (and imported beside it):
    (path, text, line of the listing)."""
    text = controller_text if module == path else ctx.source(module).text
    grammar = shared.grammar_of(module)
    doc = Doc.parse(grammar, text.encode())
    edits = []
    listing = None
    for n in walk(doc.root):
        if n.type == "pair" and doc.text(n.child_by_field_name("key")) == "controllers":
            value = routes._unwrap(n.child_by_field_name("value"))
            hit = next((c for c in value.named_children if c.type == "identifier" and doc.text(c) == name), None) \
                if value.type == "array" else None
            if hit is not None:
                listing = hit
                break
    if listing is None:
        raise WiringError(f"{module}: the controllers list naming {name} could not be read")
    end = shared._char(text, listing.end_byte)
    edits.append(Edit(end, end, f", {CONTROLLER}"))
    if module != path:
        spec = next((c for c in walk(doc.root) if c.type == "import_specifier"
                     and doc.text(c.child_by_field_name("name")) == name and c.child_by_field_name("alias") is None),
                    None)
        if spec is None:
            raise WiringError(f"{module}: {name} is not imported by name, so the provider's controller cannot be "
                              "imported beside it")
        at = shared._char(text, spec.end_byte)
        edits.append(Edit(at, at, f", {CONTROLLER}"))
    after = apply_edits(text, sorted(edits, key=lambda e: e.start))
    line = listing.start_point[0] + 1
    return module, after, line


# --- cut-over ---------------------------------------------------------------------------------------

def _cut(ctx: WireContext, page: Page, found: routes.NestRoute) -> Wiring:
    """The kept method goes with its decorators, its note and what only it imported; the class stays."""
    s = ctx.plan.signer
    text = page.src.text
    first = found.decorators[0] if found.decorators else found.method
    edits = [shared.removal(text, page.offset(first.start_byte), page.offset(found.method.end_byte))]
    gone = edits[0]
    if text[gone.end:].lstrip(" \t").startswith("}") and text[:gone.start].endswith("\n\n"):
        # the last member: the blank line that set it apart from the one before goes too
        edits[0] = Edit(gone.start - 1 - (text[:gone.start].endswith("\r\n\r\n")), gone.end, "")
    removed = text[edits[0].start:edits[0].end]
    after = apply_edits(text, edits)
    after, modules = shared.unused_imports(after, shared.grammar_of(s.path), removed)
    out = Wiring(route=found.route)
    out.files[s.path] = after
    out.why(s.path, f"line {s.line}: the Zendesk JWT route {found.route} kept until cut-over is removed")
    shared.drop_dependencies(ctx, out, s.path, modules)
    try:
        module = _module(ctx, CONTROLLER, s.path)
    except WiringError:
        module = None
    if module is not None:
        source = after if module == s.path else ctx.source(module).text
        line = next((i for i, ln in enumerate(source.split("\n"), 1) if CONTROLLER in ln and "controllers" in ln),
                    None) or next((i for i, ln in enumerate(source.split("\n"), 1)
                                   if re.search(rf"(?<![\w$]){CONTROLLER}(?![\w$])", ln) and "import" not in ln), None)
        out.mounted = f"{module}:{line}" if line else None
    return out
