"""Laravel: the controller action that signed the Zendesk JWT becomes the provider's /authorize
action (claims from the old code's own expressions), its route in routes/*.php becomes a
`Route::prefix(...)->group(...)` of the provider's endpoints with the old route's middleware on
/authorize, and GenesysOidcController plus the plain-PHP provider core are written next to the
controller."""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from migrate.extract.treesitter import ancestors, walk
from migrate.generate.backends import WireContext, Wiring, WiringError, keep_note
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.plan import BackendPlan
from migrate.generate.render import render
from migrate.lang.php import routes
from migrate.lang.php.frameworks import notes
from migrate.lang.php.frameworks.php import (
    PROVIDER,
    Script,
    add_composer,
    assigned,
    claim_lines,
    drop_unused_jwt_import,
    needed_locals,
    reindent,
)

CONTROLLER = "GenesysOidcController"
ACTION = "genesysAuthorize"  # the old action's new name when it is replaced in one step
SIGN_IN = "signIn"  # GenesysOidcController's /authorize with the old claims, beside the kept route


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    script = Script.parse(src)
    closure_route = _closure_route(script, plan)
    if closure_route is not None:
        if ctx.cutover and ctx.kept:
            return _cut(ctx, script, closure_route, None)
        if ctx.cutover:
            return _wire_closure_route(ctx, script, closure_route)
        return _beside_closure_route(ctx, script, closure_route)
    method, klass, namespace = _action(script, plan)
    old_name = script.text(method.child_by_field_name("name"))
    found = None
    for path in _route_files(ctx):
        route_script = Script.parse(ctx.source(path))
        found = routes.find(routes.registrations(path, route_script.doc), f"{klass}@{old_name}")
        if found is not None and found.statement is not None:
            routes_path, route_stmt = path, found.statement
            break
    if found is None:
        raise WiringError(f"no route in routes/*.php points at {klass}@{old_name}")
    if ctx.cutover and ctx.kept:
        return _cut(ctx, route_script, found, (script, method))
    out = Wiring(route=found.route)
    fq_controller = f"{namespace}\\{CONTROLLER}" if namespace else CONTROLLER
    if ctx.cutover:
        out.files[s.path] = _rewrite_controller(script, plan, method, config.issuer_path)
        out.why(s.path, f"line {s.line}: Zendesk JWT action {old_name}() -> {ACTION}(), the OpenID provider's "
                        f"/authorize with the old claims [{plan.view.profile}.yaml]")
        out.files[routes_path] = _rewrite_routes(route_script, route_stmt, f"[{klass}::class, '{ACTION}']",
                                                 fq_controller, config.issuer_path,
                                                 checked=_claims_closure(script, plan, method, "Request")[2])
        out.why(routes_path, f"Zendesk token route -> Route::prefix('{config.issuer_path.strip('/')}') group of the "
                             "OpenID provider, the old middleware on /authorize")
        _add_provider(ctx, out, posixpath.dirname(s.path), namespace, src.newline)
        out.mounted = _mounted(routes_path, out.files[routes_path], config.issuer_path)
        return out
    out.files[s.path] = _with_note(ctx, script)
    out.why(s.path, f"line {s.line}: Zendesk JWT action {klass}::{old_name}() kept until cut-over "
                    f"(TODO(migrate:ZG220)); {CONTROLLER}::{SIGN_IN}() serves Messenger sign-in with its claims "
                    f"[{plan.view.profile}.yaml]")
    _, closure, checked = _claims_closure(script, plan, method, "Request")
    out.files[routes_path] = _rewrite_routes(route_script, route_stmt, f"[{CONTROLLER}::class, '{SIGN_IN}']",
                                             fq_controller, config.issuer_path, keep=True, checked=checked)
    out.why(routes_path, f"Route::prefix('{config.issuer_path.strip('/')}') group of the OpenID provider beside the "
                         "Zendesk token route, its middleware on /authorize")
    _add_provider(ctx, out, posixpath.dirname(s.path), namespace, src.newline, sign_in=closure,
                  uses=_uses(script, "\n".join(closure)), source=f"{klass}::{old_name}()")
    out.mounted = _mounted(routes_path, out.files[routes_path], config.issuer_path)
    return out


def _mounted(path: str, text: str, issuer_path: str) -> str | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(f"Route::prefix('{issuer_path.strip('/')}')"):
            return f"{path}:{number}"
    return None


def _with_note(ctx: WireContext, script: Script) -> str:
    s = ctx.plan.signer
    text, _ = notes.insert_note(script.src.text, (s.span[0] if s.span else s.line) - 1,
                                keep_note(ctx.plan.signer.route, ctx.config))
    return text


def _uses(script: Script, code: str) -> list[str]:
    """The old file's imports that `code` names (not the template's own)."""
    own = {"use Illuminate\\Http\\Request;", "use Illuminate\\Http\\Response;"}
    out = []
    for n in script.doc.root.named_children:
        text = script.text(n)
        name = re.split(r"[\\\s]", text.rstrip(";").strip())[-1]
        if n.type == "namespace_use_declaration" and text not in own and re.search(rf"\b{re.escape(name)}\b", code):
            out.append(text)
    return out


def _cut(ctx: WireContext, route_script: Script, reg: routes.Registration,
         controller: tuple[Script, ts.Node] | None) -> Wiring:
    """Cut-over of a kept route: its statement (and the Zendesk comments and note above it) leaves
    the routes file, the action it called leaves the controller, with the imports only they used."""
    out = Wiring(route=reg.route)
    path = route_script.src.path
    out.files[path] = _drop_unused_imports(_without(route_script, reg.statement, route_imports=True))
    out.why(path, f"Zendesk token route {reg.route} removed at cut-over")
    if controller is not None:
        script, method = controller
        out.files[script.src.path] = _drop_unused_imports(_without(script, method))
        out.why(script.src.path, f"Zendesk JWT action {script.text(method.child_by_field_name('name'))}() removed "
                                 "at cut-over")
    return out


def _without(script: Script, node: ts.Node, route_imports: bool = False) -> str:
    """The file without ``node``'s lines, the doc comment, attributes, Zendesk comments and notes right
    above it; with `route_imports`, `use` lines of classes nothing else names any more."""
    text = script.src.text
    start, end = script.line_range(node)
    start = notes.removal_start(text, start)
    text = text[:start] + text[end:]
    if route_imports:
        for m in list(re.finditer(r"^use\s+[\w\\]*\\(\w+)\s*;[ \t]*\r?\n", text, re.M)):
            rest = text.replace(m.group(0), "", 1)
            if m.group(1) not in ("Route",) and not re.search(rf"\b{m.group(1)}\b", rest):
                text = rest
    return re.sub(r"(\r?\n)(?:[ \t]*\r?\n){2,}", r"\1\1", text)


def _closure_authorize(script: Script, plan: BackendPlan, reg: routes.Registration) -> tuple[str, bool]:
    """A closure route's claims as the /authorize closure that hands them to GenesysOidcController,
    and whether the route checked a login."""
    assert reg.statement is not None and reg.closure is not None
    request_type = _request_type(script.src.text)
    request, closure, checked = _claims_closure(script, plan, reg.closure, request_type)
    return _authorize_closure(request_type, request, closure), checked


def _beside_closure_route(ctx: WireContext, script: Script, reg: routes.Registration) -> Wiring:
    """A closure route kept: the provider's group goes after it, /authorize a closure handing the old
    claims to GenesysOidcController."""
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    authorize, checked = _closure_authorize(script, plan, reg)
    namespace = "App\\Http\\Controllers"
    out = Wiring(route=reg.route)
    noted = Script.parse(SourceFile(s.path, _with_note(ctx, script), script.src.bom))
    moved = routes.closure_route(s.path, noted.doc, noted.byte_at(s.line + 1, s.column))
    out.files[s.path] = _rewrite_routes(noted, moved.statement, authorize, f"{namespace}\\{CONTROLLER}",
                                        config.issuer_path, keep=True, checked=checked)
    out.why(s.path, f"line {s.line}: Zendesk JWT route kept until cut-over (TODO(migrate:ZG220)); the OpenID "
                    f"provider's Route::prefix('{config.issuer_path.strip('/')}') group beside it, /authorize with "
                    f"the old claims and middleware [{plan.view.profile}.yaml]")
    _add_provider(ctx, out, "app/Http/Controllers", namespace, script.src.newline)
    out.mounted = _mounted(s.path, out.files[s.path], config.issuer_path)
    return out


def _authorize_closure(request_type: str, request: str, closure: list[str]) -> str:
    lines = [f"function ({request_type} {request}) {{",
             f"    return app({CONTROLLER}::class)->authorize({request}, {closure[0]}"]
    lines += ["    " + x if x else x for x in closure[1:-1]]
    lines += [f"    {closure[-1]});", "}"]
    return "\n".join(("    " + x) if x and i else x for i, x in enumerate(lines))


def _add_provider(ctx: WireContext, out: Wiring, directory: str, namespace: str, nl: str,
                  sign_in: list[str] | None = None, uses: list[str] | None = None, source: str = "") -> None:
    config = ctx.config
    controller_path = posixpath.join(directory, f"{CONTROLLER}.php")
    out.new_files[controller_path] = with_newlines(render(
        "php/laravel/GenesysOidcController.php.j2", issuer_path=config.issuer_path, namespace=namespace,
        sign_in=sign_in or [], uses=uses or [], source=source), nl)
    out.why(controller_path, "new: the provider's Laravel controller" + (f", {SIGN_IN}() with the claims of {source}"
                                                                       if sign_in else "") + " [templates/php/laravel]")
    core = posixpath.join(directory, PROVIDER)
    out.new_files[core] = with_newlines(render("php/oidc-provider.php.j2", issuer_path=config.issuer_path), nl)
    out.why(core, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, nonce) "
                  "[templates/php]")
    add_composer(ctx, out, directory)


def _closure_route(script: Script, plan: BackendPlan) -> routes.Registration | None:
    """The `Route::get('/path', function (...) { ... })...;` registration whose closure holds the signing."""
    s = plan.signer
    found = routes.closure_route(s.path, script.doc, script.byte_at(s.line, s.column))
    if found is not None and found.closure is not None and found.closure.type == "arrow_function":
        raise WiringError(f"{s.path}:{s.line}: the route's arrow function signs the Zendesk JWT in one expression; "
                          "make it a function () { ... } or a controller action, or add the provider's routes "
                          "by hand (templates/php/laravel/routes.php.j2)")
    return found


def _wire_closure_route(ctx: WireContext, script: Script, reg: routes.Registration) -> Wiring:
    """A closure route in routes/*.php: the provider's group replaces it there, /authorize being a
    closure that hands the old claims to GenesysOidcController (in app/Http/Controllers)."""
    plan, config = ctx.plan, ctx.config
    stmt, s = reg.statement, plan.signer
    authorize, checked = _closure_authorize(script, plan, reg)
    namespace = "App\\Http\\Controllers"
    out = Wiring(route=reg.route)
    out.files[s.path] = _drop_unused_imports(
        _rewrite_routes(script, stmt, authorize, f"{namespace}\\{CONTROLLER}", config.issuer_path, checked=checked))
    out.mounted = _mounted(s.path, out.files[s.path], config.issuer_path)
    out.mounted = _mounted(s.path, out.files[s.path], config.issuer_path)
    out.why(s.path, f"line {s.line}: Zendesk JWT route -> Route::prefix('{config.issuer_path.strip('/')}') group of "
                    f"the OpenID provider, /authorize with the old claims and middleware [{plan.view.profile}.yaml]")
    _add_provider(ctx, out, "app/Http/Controllers", namespace, script.src.newline)
    return out


def _action(script: Script, plan: BackendPlan) -> tuple[ts.Node, str, str]:
    s = plan.signer
    at = script.byte_at(s.line, s.column)
    method = klass = None
    for node in walk(script.doc.root):
        if node.start_byte <= at < node.end_byte:
            if node.type == "method_declaration" and method is None:
                method = node
            if node.type == "class_declaration":
                klass = node
    if method is None or klass is None:
        raise WiringError(f"{s.path}:{s.line}: the signing code is not in a controller method; route "
                          "GenesysOidcController's actions by hand (templates/php/laravel)")
    namespace = ""
    for node in script.doc.root.named_children:
        if node.type == "namespace_definition":
            name = node.child_by_field_name("name")
            namespace = script.text(name) if name is not None else ""
    return method, script.text(klass.child_by_field_name("name")), namespace


def _route_files(ctx: WireContext) -> list[str]:
    here = routes.routes_dir(ctx.plan.signer.path)
    folder = ctx.root / here
    return sorted(posixpath.join(here, p.name) for p in folder.glob("*.php")) if folder.is_dir() else []


def _middleware(script: Script, stmt: ts.Node) -> list[str]:
    """The route's own ->middleware(...) arguments, outermost group first."""
    found: list[str] = []
    chain = [stmt] + [a for a in ancestors(stmt) if a.type == "expression_statement"]
    for node in reversed(chain):
        text = script.text(node)
        if node is not stmt:
            text = text[:text.find("->group(")] if "->group(" in text else ""
        for m in re.finditer(r"(?:::|->)middleware\(\s*(.*?)\s*\)(?=\s*(?:->|;|$))", text, re.S):
            arg = m.group(1)
            found += [a.strip() for a in arg.strip("[]").split(",") if a.strip()] if arg.startswith("[") else [arg]
    return found


def _rewrite_routes(script: Script, stmt: ts.Node, authorize: str, fq_controller: str, issuer_path: str,
                    keep: bool = False, checked: bool = True) -> str:
    src = script.src
    nl = src.newline
    middleware = _middleware(script, stmt)
    todo = ""
    if not middleware and not checked:  # a route nobody guarded: Laravel's own login check refuses no user
        middleware = ["'auth'"]
        todo = ("TODO(migrate:ZG223): the Zendesk token route had no login check; 'auth' refuses visitors who "
                "are not signed in: use the site's own guard if it is another")
    old_route = re.search(r"Route::\w+\(\s*(['\"][^'\"]*['\"])", script.text(stmt))
    snippet = render("php/laravel/routes.php.j2", issuer_path=issuer_path,
                     old_route=old_route.group(1) if old_route else "",
                     authorize=authorize, todo=todo,
                     middleware=(middleware[0] if len(middleware) == 1 else "[" + ", ".join(middleware) + "]")
                     if middleware else "")
    top = stmt
    for a in ancestors(stmt):
        if a.type == "expression_statement":
            top = a
    edits = []
    start, end = script.line_range(stmt)
    text = src.text
    while start > 0:  # the route's own `// Zendesk ...` comment lines go with it
        prev = text.rfind("\n", 0, start - 1) + 1
        line = text[prev:start].strip()
        if not (line.startswith("//") and "zendesk" in line.lower()):
            break
        start = prev
    if keep:  # the old route stays: the provider's group goes after its statement
        _, top_end = script.line_range(top)
        edits.append(Edit(top_end, top_end, nl + with_newlines(snippet, nl)))
    elif top is stmt:
        edits.append(Edit(start, end, with_newlines(snippet, nl)))
    else:  # inside a group: the group's middleware must not cover /token, so the provider goes after it
        edits.append(Edit(start, end, ""))
        _, top_end = script.line_range(top)
        edits.append(Edit(top_end, top_end, nl + with_newlines(snippet, nl)))
    uses = [n for n in script.doc.root.named_children if n.type == "namespace_use_declaration"]
    if not re.search(rf"^use\s+{re.escape(fq_controller)}\s*;", src.text, re.M):
        names = [script.text(u) for u in uses]
        later = [u for u, name in zip(uses, names) if name > f"use {fq_controller};"]
        if uses and names == sorted(names) and later:  # keep a sorted list sorted
            at = script.line_range(later[0])[0]
            edits.append(Edit(at, at, f"use {fq_controller};{nl}"))
        else:
            at = script.offset(uses[-1].end_byte) if uses else script.offset(script.doc.root.named_children[0].end_byte)
            edits.append(Edit(at, at, f"{nl}use {fq_controller};"))
    text = apply_edits(src.text, edits)
    return re.sub(r"(\r?\n)(?:[ \t]*\r?\n){2,}", r"\1\1", text)


def _claims_closure(script: Script, plan: BackendPlan, fn: ts.Node, request_type: str) \
        -> tuple[str, list[str], bool]:
    """The request variable and `function (Request $request): ?array { ... }` (lines, 4-space steps)
    built from the old function's statements before the signing and the old claim expressions; a
    claim reading a variable nothing binds here makes it answer "no user" (ZG222)."""
    s = plan.signer
    at = script.byte_at(s.line, s.column)
    body = fn.child_by_field_name("body")
    params = fn.child_by_field_name("parameters")
    request = next((script.text(p.child_by_field_name("name")) for p in (params.named_children if params else [])
                    if p.child_by_field_name("name") is not None and
                    re.search(r"\bRequest\b", script.text(p))), "$request")
    before: list[tuple[set[str] | None, str]] = []
    for stmt in body.named_children if body is not None else []:
        if stmt.end_byte > at or stmt.start_byte > at:
            break
        if stmt.type != "comment":
            before.append((assigned(script, stmt), script.text(stmt)))
    used = "\n".join(m.expression.text for m in plan.claims)
    locals_ = needed_locals([(n, t) for n, t in before if n is not None], used)
    checks = [notes.refusing_returns(t) for n, t in before if n is None and "encode(" not in t]
    bound = {request.lstrip("$")}
    for stmt in locals_:
        bound |= notes.variables(stmt.split("=", 1)[0])
    free = {m.target: notes.unbound(m.expression.text + "\n" + "\n".join(locals_), bound) for m in plan.claims}
    lines = [f"function ({request_type} {request}): ?array {{"]
    if any(free.values()):
        lines += [f"    // {notes.unbound_todo(m.expression.text, free[m.target], 'here')}"
                  for m in plan.claims if free[m.target]]
        lines += ["    // " + x.lstrip() for stmt in locals_ for x in reindent(stmt, "")]
        lines += ["    // return ["] + [f"    //     {c}" for c in claim_lines(plan)] + ["    // ];"]
        lines += ["    return null;", "}"]
        return request, lines, bool(checks)
    for stmt in checks + locals_:
        lines += reindent(stmt, "    ")
        user = re.match(r"\$(\w+)\s*=\s*[^;]*\buser\(\s*\)\s*;\s*$", stmt)
        if user:  # nobody signed in: login_required, not an error on null
            lines += [f"    if (${user.group(1)} === null) {{", "        return null;", "    }"]
    lines.append("    return [")
    lines += [f"        {c}" for c in claim_lines(plan)]
    lines += ["    ];", "}"]
    return request, lines, bool(checks)


def _request_type(text: str) -> str:
    imported = re.search(r"^use\s+Illuminate\\Http\\Request\s*;", text, re.M)
    return "Request" if imported else "\\Illuminate\\Http\\Request"


def _rewrite_controller(script: Script, plan: BackendPlan, method: ts.Node, issuer_path: str) -> str:
    src = script.src
    nl = src.newline
    request_type = _request_type(src.text)
    request, closure, _ = _claims_closure(script, plan, method, request_type)
    indent = script.src.text[script.line_range(method)[0]:script.offset(method.start_byte)] or "    "
    step = lambda line: re.sub(r"^((?:    )*)", lambda m: indent * (len(m.group(1)) // 4), line)  # noqa: E731
    lines = ["/**",
             f" * Genesys Cloud Messenger: {issuer_path}/authorize of the OpenID provider (it replaces the",
             " * Zendesk token action), behind this route's own middleware, with the claims the Zendesk",
             " * token carried.",
             " */",
             f"public function {ACTION}({request_type} {request}, {CONTROLLER} $oidc)",
             "{",
             f"{indent}return $oidc->authorize({request}, {closure[0]}"]
    lines += [indent + step(x) if x else x for x in closure[1:-1]]
    lines += [f"{indent}{closure[-1]});", "}"]
    text_new = nl.join((indent + x) if x and i else x for i, x in enumerate(lines))
    start = script.offset(method.start_byte)
    # the method's doc comment goes with it
    prev = method.prev_named_sibling
    if prev is not None and prev.type == "comment" and script.text(prev).startswith("/**"):
        start = script.offset(prev.start_byte)
    text = apply_edits(src.text, [Edit(start, script.offset(method.end_byte), text_new)])
    return _drop_unused_imports(text)


def _drop_unused_imports(text: str) -> str:
    text = drop_unused_jwt_import(text)
    m = re.search(r"^use\s+Illuminate\\Http\\JsonResponse\s*;[ \t]*\r?\n", text, re.M)
    if m and not re.search(r"\bJsonResponse\b", text[:m.start()] + text[m.end():]):
        text = text[:m.start()] + text[m.end():]
    return text
