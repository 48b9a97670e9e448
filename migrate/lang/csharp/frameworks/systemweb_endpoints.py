"""System.Web endpoints holding the Zendesk token code: an MVC 5 controller action or an .ashx
generic handler (IHttpHandler.ProcessRequest), read with the routes module scan reads them with.

What the wiring takes from them: the route (``Wiring.route``), the guard the provider's claims
function carries (``[Authorize]`` on the action or its controller, a global AuthorizeAttribute
filter, Web.config's ``<deny users="?" />`` for the handler, and login checks inside the action or
handler, such as ``if (!User.Identity.IsAuthenticated) return new HttpUnauthorizedResult();``),
the MVC route table the provider must be let through (``routes.IgnoreRoute``), and on cut-over
what goes: the action and its own MapRoute, or the .ashx with its code-behind; the JWT package
once no code uses it.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter as ts

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.generate.positions import comment_start
from migrate.lang.csharp import routes
from migrate.lang.csharp.frameworks.aspnetcore_claims import Check
from migrate.lang.csharp.frameworks.aspnetcore_files import CsFile, drop_unused_usings

_SKIP_DIRS = {"bin", "obj", "node_modules", ".git", ".vs", "packages"}
_SITE_FILES = (".cs", ".aspx", ".master", ".ascx", ".cshtml", ".vbhtml", ".ashx", ".asax")
_CONFIG_NAMES = ("Web.config", "web.config", "Web.Config")
# What a login check inside the old endpoint answers a visitor it refuses.
_REFUSAL = re.compile(
    r"\bHttpUnauthorizedResult\b|\bHttpStatusCodeResult\s*\(\s*(40[13]\b|(System\.Net\.)?HttpStatusCode\s*\.\s*"
    r"(Unauthorized|Forbidden))|\bRedirect\w*\s*\(|\bStatusCode\s*=\s*40[13]\b|\bHttpException\s*\(\s*40[13]\b|"
    r"\bRedirectToLoginPage\s*\(|\bChallenge\s*\(|\bHttpNotFound\s*\(")
_AUTHENTICATED = "context.User == null || !context.User.Identity.IsAuthenticated"
_GLOBAL_AUTHORIZE = re.compile(r"\.\s*Add\s*\(\s*new\s+(System\.Web\.Mvc\.)?AuthorizeAttribute\s*\(\s*\)\s*\)")
_JWT_NET = re.compile(r"(?m)^\s*using\s+(\w+\s*=\s*)?JWT\b|(?<![\w.\"])JWT\s*\.\s*[A-Z]|Namespace\s*=\s*\"JWT\b")
_IDENTITY_MODEL = re.compile(r"System\.IdentityModel\.Tokens\.Jwt\b|\bJwtSecurityToken(Handler)?\b")
_PACKAGES = (("JWT", _JWT_NET), ("System.IdentityModel.Tokens.Jwt", _IDENTITY_MODEL))


@dataclass
class Endpoint:
    kind: str  # "action" | "handler"
    method: ts.Node
    cls: ts.Node
    route: str | None
    checks: list[Check] = field(default_factory=list)  # the guard, carried into the claims function
    guarded: bool = False  # something in front of it said who is signed in
    todos: list[str] = field(default_factory=list)

    def name(self, f: CsFile) -> str:
        return f.text(self.method.child_by_field_name("name"))

    def class_name(self, f: CsFile) -> str:
        return f.text(self.cls.child_by_field_name("name"))


def site_files(root: Path, suffixes: tuple[str, ...] = _SITE_FILES) -> list[str]:
    out = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and p.suffix.lower() in suffixes and not any(x in _SKIP_DIRS for x in rel.parts[:-1]):
            out.append(rel.as_posix())
    return out


def mvc_registrations(ctx: WireContext) -> list[tuple[str, routes.MvcRoute]]:
    """(file, registration) of every MapRoute in the site, in file and line order (as scan joins them)."""
    out = []
    for rel in site_files(ctx.root, (".cs",)):
        text = ctx.source(rel).text
        if routes.MAPROUTE not in text:
            continue
        f = CsFile(ctx.source(rel))
        out += [(rel, r) for r in routes.map_routes(f)]
    return out


def find(ctx: WireContext, f: CsFile) -> Endpoint | None:
    s = ctx.plan.signer
    at = f.byte_at(s.line, s.column)
    found = routes.mvc_action(f, at)
    if found is not None:
        method, cls = found
        route = routes.mvc_attribute_route(f, method, cls)
        if route is None:
            route = routes.conventional_route([r for _, r in mvc_registrations(ctx)], routes.mvc_key(f, method, cls))
        ep = Endpoint("action", method, cls, route)
        _action_guard(ctx, f, ep)
    else:
        found = routes.handler(f, at)
        if found is None:
            return None
        ep = Endpoint("handler", found[0], found[1], routes.handler_route(s.path))
        _handler_guard(ctx, ep)
    body = ep.method.child_by_field_name("body")
    checks = login_checks(f, body, at)
    ep.checks += checks
    ep.guarded = ep.guarded or bool(checks)
    return ep


# --- the guard --------------------------------------------------------------------------------------

def _action_guard(ctx: WireContext, f: CsFile, ep: Endpoint) -> None:
    attrs = list(routes.attributes(f, ep.cls)) + list(routes.attributes(f, ep.method))
    if any(n == "AllowAnonymous" for n, _ in attrs):
        return
    authorize = [a for n, a in attrs if n == "Authorize"]
    if not authorize and not any(_GLOBAL_AUTHORIZE.search(ctx.source(rel).text)
                                 for rel in site_files(ctx.root, (".cs",)) if "Authorize" in ctx.source(rel).text):
        return
    ep.guarded = True
    ep.checks.append(Check(_AUTHENTICATED, "[Authorize] on the old action" if authorize else
                           "the site's global AuthorizeAttribute filter"))
    for attr in authorize:
        for label, value in routes.attribute_args(f, attr):
            literal = f.text(value)
            names = [n.strip() for n in literal.strip('@"').split(",") if n.strip()] \
                if value.type in ("string_literal", "verbatim_string_literal") else []
            if label == "Roles" and names:
                either = " || ".join(f"context.User.IsInRole({_cs(n)})" for n in names)
                ep.checks.append(Check(f"!({either})", f"[Authorize(Roles = {literal})] on the old action"))
            elif label == "Users" and names:
                either = " || ".join(f"context.User.Identity.Name == {_cs(n)}" for n in names)
                ep.checks.append(Check(f"!({either})", f"[Authorize(Users = {literal})] on the old action"))
            elif label in ("Roles", "Users"):
                ep.todos.append(f"[Authorize({label} = {literal})] on the old action is not carried: check it in "
                                "GenesysOidcClaims.For")


def _cs(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _handler_guard(ctx: WireContext, ep: Endpoint) -> None:
    """Web.config denying anonymous visitors the handler (its <location>) or the whole site."""
    if ep.route is None:
        return
    path = ep.route.split(" ", 1)[1].strip("/")
    for rel in site_files(ctx.root, (".config",)):
        if posixpath.basename(rel) not in _CONFIG_NAMES:
            continue
        try:
            root = ET.fromstring(ctx.source(rel).text.lstrip("\ufeff"))
        except ET.ParseError:
            continue
        here = posixpath.dirname(rel)
        scopes = [(here, root.find("./system.web/authorization"))]
        scopes += [(posixpath.join(here, loc.get("path", "")).strip("/"), loc.find("./system.web/authorization"))
                   for loc in root.findall("./location")]
        for scope, auth in scopes:
            if auth is None or not (scope == "" or path == scope or path.startswith(scope.rstrip("/") + "/")):
                continue
            for rule in auth:
                users = {u.strip() for u in rule.get("users", "").split(",")}
                if rule.tag == "allow" and users & {"*", "?"}:
                    break  # an earlier allow for everyone wins
                if rule.tag == "deny" and users & {"?", "*"}:
                    ep.guarded = True
                    ep.checks.append(Check(_AUTHENTICATED, f"{rel} denies anonymous visitors the old handler"))
                    return


def login_checks(f: CsFile, body: ts.Node | None, before: int) -> list[Check]:
    """`if (!User.Identity.IsAuthenticated) return new HttpUnauthorizedResult();` and
    `if (customer == null) { context.Response.StatusCode = 401; return; }` before the signing call."""
    out: list[Check] = []
    for stmt in body.named_children if body is not None and body.type == "block" else ():
        if stmt.start_byte >= before:
            break
        if stmt.type != "if_statement" or stmt.child_by_field_name("alternative") is not None:
            continue
        then = stmt.child_by_field_name("consequence")
        parts = then.named_children if then is not None and then.type == "block" else [then] if then else []
        if not parts or parts[-1].type not in ("return_statement", "throw_statement"):
            continue
        answer = " ".join(f.text(p) for p in parts)
        if _REFUSAL.search(answer) or parts[-1].type == "throw_statement" and "HttpException" in answer:
            cond = stmt.child_by_field_name("condition")
            said = next((f.text(p) for p in parts if _REFUSAL.search(f.text(p))), f.text(parts[-1]))
            out.append(Check(f.text(cond), f"the old endpoint answered {' '.join(said.split())}"))
    return out


# --- MVC's route table --------------------------------------------------------------------------------

def ignore_route(ctx: WireContext, issuer_path: str, current) -> tuple[str, str] | None:
    """(file, new text) letting the provider's requests through MVC's route table:
    `routes.IgnoreRoute("oidc/{*pathInfo}");` before the first route that could take them."""
    regs = mvc_registrations(ctx)
    if not regs:
        return None
    rel, first = regs[0]
    text = current(rel)
    path = issuer_path.strip("/")
    if f'IgnoreRoute("{path}/' in text:
        return None
    f = CsFile(ctx.source(rel))
    call = first.call
    fn = call.child_by_field_name("function") if call is not None else None
    receiver = f.text(fn.child_by_field_name("expression")) if fn is not None else "routes"
    stmt = call
    while stmt is not None and stmt.type != "expression_statement":
        stmt = stmt.parent
    if stmt is None:
        return None
    # An earlier Map call on the same route table in the same block comes first (MapMvcAttributeRoutes).
    for sibling in stmt.parent.named_children if stmt.parent is not None else ():
        if sibling.start_byte >= stmt.start_byte:
            break
        if sibling.type == "expression_statement" and re.match(rf"{re.escape(receiver)}\s*\.\s*Map\w*\s*\(",
                                                                 f.text(sibling)):
            stmt = sibling
            break
    start = f.offset(stmt.start_byte)
    ls = f.line_start(start)
    indent = f.src.text[ls:start]
    if indent.strip():
        return None
    line = (f"{indent}// Genesys Cloud Messenger sign-in: the OpenID provider Web.config maps at /{path} "
            f"answers there, not MVC.\n{indent}{receiver}.IgnoreRoute(\"{path}/{{*pathInfo}}\");\n")
    if ls > 0 and not f.src.text[f.src.text.rfind("\n", 0, ls - 1) + 1:ls].strip():
        line += "\n"  # set apart as the routes around it are
    if current(rel) != f.src.text:  # already edited in this run: apply on the edited text
        base = current(rel)
        at = base.find(f.src.text[ls:f.line_end(start)])
        return (rel, base[:at] + line + base[at:]) if at >= 0 else None
    return rel, f.src.text[:ls] + line + f.src.text[ls:]


# --- cut-over -------------------------------------------------------------------------------------

def _removed_lines(f: CsFile, text: str, node: ts.Node) -> tuple[int, int]:
    """[start, end) of a declaration or statement with the comments and one blank line above it."""
    start = f.line_start(comment_start(text, f.offset(node.start_byte)))
    # The keep note and comments above (they are plain comments: the note does not say zendesk).
    while start > 0:
        prev = text.rfind("\n", 0, start - 1) + 1
        if not text[prev:start].strip().startswith("//"):
            break
        start = prev
    end = f.line_end(f.offset(node.end_byte))
    if start > 0:
        prev = text.rfind("\n", 0, start - 1) + 1
        if not text[prev:start].strip():
            start = prev
    return start, end


_GENERATED = ("GenesysOidcHandler.cs", "GenesysOidcClaims.cs")


def _users(ctx: WireContext, skip: set[str], pattern: re.Pattern) -> list[str]:
    return [rel for rel in site_files(ctx.root) if rel not in skip and posixpath.basename(rel) not in _GENERATED
            and pattern.search(ctx.source(rel).text)]


def cutover(ctx: WireContext, f: CsFile, ep: Endpoint, out: Wiring, current) -> None:
    """Remove the kept endpoint (into ``out``): the action and its own MapRoute, or the handler's
    files; then the JWT package if no code uses it. ``current(rel)``: a file as this run has it."""
    s = ctx.plan.signer
    name, owner = ep.name(f), ep.class_name(f)
    if ep.kind == "action":
        controller, action = routes._names(f, ep.method, ep.cls)
        linked = re.compile(rf"[\"']{re.escape(action)}[\"']\s*,\s*[\"']{re.escape(controller)}[\"']")
        users = _users(ctx, {s.path}, linked)
        if users:
            raise WiringError(f"{s.path}:{s.line}: the action {controller}.{action} is still linked from "
                              f"{', '.join(users)}: remove those links, then the action and its TODO(migrate:ZG220)")
        text = current(s.path)
        start, end = _removed_lines(f, text, ep.method)
        after = text[:start] + text[end:]
        body = ep.cls.child_by_field_name("body")
        others = [m for m in (body.named_children if body is not None else ())
                  if m.start_byte != ep.method.start_byte and m.type != "comment"]
        types = [n for n in ep.cls.parent.named_children if n.type.endswith("_declaration")
                 and n.type not in ("using_directive",)] if ep.cls.parent is not None else []
        if not others and len(types) == 1 and text == f.src.text:
            out.deleted.add(s.path)
            out.why(s.path, f"deleted: {owner} only served the Zendesk token route {ep.route}")
            _drop_items(ctx, out, current, [s.path])
        else:
            out.files[s.path] = drop_unused_usings(text, after)
            out.why(s.path, f"line {ep.method.start_point[0] + 1}: Zendesk token action {name} removed: the OpenID "
                            "provider beside it signs visitors in")
        _drop_map_route(ctx, out, current, controller, action)
    else:
        pattern = re.compile(rf"(?<![\w.]){re.escape(owner)}\b")
        files = [s.path] if s.path.lower().endswith(".ashx") else [s.path, s.path[:-3]]
        users = _users(ctx, set(files), pattern)
        if users:
            raise WiringError(f"{s.path}:{s.line}: {owner} is still named in {', '.join(users)}: remove those uses, "
                              "then the handler and its TODO(migrate:ZG220)")
        for rel in files:
            if (ctx.root / rel).is_file():
                out.deleted.add(rel)
                out.why(rel, f"deleted: the generic handler {owner} only served the Zendesk token route {ep.route}")
        _drop_items(ctx, out, current, files)
    drop_packages(ctx, out, current)
    if out.deleted:
        _drop_gone_namespaces(ctx, out, current)


def _drop_map_route(ctx: WireContext, out: Wiring, current, controller: str, action: str) -> None:
    """The MapRoute naming exactly this action (no {controller} or {action} in its URL)."""
    for rel, r in mvc_registrations(ctx):
        params = routes._PARAM.findall(r.url)
        if "controller" in params or "action" in params or r.call is None:
            continue
        if (r.defaults.get("controller") or "").lower() != controller.lower() or \
                (r.defaults.get("action") or "").lower() != action.lower():
            continue
        f = CsFile(ctx.source(rel))
        stmt = r.call
        while stmt is not None and stmt.type != "expression_statement":
            stmt = stmt.parent
        text = current(rel)
        if stmt is None or text != f.src.text and f.text(stmt) not in text:
            continue
        if text != f.src.text:
            at = text.find(f.text(stmt))
            stmt_text = f.text(stmt)
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at + len(stmt_text)) + 1
            prev = text.rfind("\n", 0, start - 1) + 1
            if start > 0 and not text[prev:start].strip():
                start = prev
        else:
            start, end = _removed_lines(f, text, stmt)
        out.files[rel] = text[:start] + text[end:]
        out.why(rel, f"line {r.line}: the MapRoute of the Zendesk token action removed")
        return


def _drop_items(ctx: WireContext, out: Wiring, current, deleted: list[str]) -> None:
    """Compile / Content items of deleted files, in the old-style project file listing them."""
    from migrate.lang.csharp.frameworks.systemweb import _old_project

    project = _old_project(ctx.root, posixpath.dirname(ctx.plan.signer.path))
    if project is None:
        return
    text = current(project)
    base = posixpath.dirname(project)
    new = text
    for rel in deleted:
        item = (posixpath.relpath(rel, base) if base else rel).replace("/", "\\")
        new = re.sub(rf"^[ \t]*<(Compile|Content)\s+Include=\"{re.escape(item)}\"\s*(/>|>.*?</\1>)[ \t]*\r?\n", "", new,
                     flags=re.MULTILINE | re.DOTALL | re.IGNORECASE)
    if new != text:
        out.files[project] = new
        out.why(project, "the deleted Zendesk token files are no longer compiled")


def drop_packages(ctx: WireContext, out: Wiring, current) -> None:
    """packages.config entries and project references of JWT libraries no code uses any more."""
    from migrate.lang.csharp.frameworks.systemweb import _old_project

    here = posixpath.dirname(ctx.plan.signer.path)
    code = [rel for rel in site_files(ctx.root, (".cs", ".ashx", ".aspx", ".master", ".ascx", ".cshtml", ".asax"))
            if rel not in out.deleted and posixpath.basename(rel) != "GenesysOidcHandler.cs"]
    texts = [out.files.get(rel, current(rel)) for rel in code]
    unused = [pkg for pkg, uses in _PACKAGES if not any(uses.search(t) for t in texts)]
    if not unused:
        return
    parts = here.split("/") if here else []
    config = None
    while True:
        candidate = posixpath.join(*parts, "packages.config") if parts else "packages.config"
        if (ctx.root / candidate).is_file():
            config = candidate
            break
        if not parts:
            break
        parts.pop()
    project = _old_project(ctx.root, here)
    for pkg in unused:
        if config is not None:
            text = out.files.get(config, current(config))
            new = re.sub(rf"^[ \t]*<package\s+id=\"{re.escape(pkg)}\"[^>]*/>[ \t]*\r?\n", "", text, flags=re.MULTILINE | re.IGNORECASE)
            if new != text:
                out.files[config] = new
                out.why(config, f"package {pkg} removed: no code signs with it any more")
        if project is not None:
            text = out.files.get(project, current(project))
            new = re.sub(rf"^[ \t]*<Reference\s+Include=\"{re.escape(pkg)}(,[^\"]*)?\"\s*(/>|>.*?</Reference>)[ \t]*\r?\n",
                         "", text, flags=re.MULTILINE | re.DOTALL | re.IGNORECASE)
            new = re.sub(rf"^[ \t]*<PackageReference\s+Include=\"{re.escape(pkg)}\"[^>]*?(/>|>.*?</PackageReference>)"
                         r"[ \t]*\r?\n", "", new, flags=re.MULTILINE | re.DOTALL | re.IGNORECASE)
            if new != text:
                out.files[project] = new
                out.why(project, f"reference to {pkg} removed: no code signs with it any more")


def _drop_gone_namespaces(ctx: WireContext, out: Wiring, current) -> None:
    """GenesysOidcClaims.cs without the using directives of namespaces only deleted files declared
    (the handler's own, Shop.Handlers): they would not compile any more."""
    code = [rel for rel in site_files(ctx.root, (".cs", ".ashx")) if rel not in out.deleted]
    declared = set()
    for rel in code:
        declared |= set(re.findall(r"(?m)^\s*namespace\s+([\w.]+)", out.files.get(rel, current(rel))))
    for rel in code:
        if posixpath.basename(rel) != "GenesysOidcClaims.cs":
            continue
        text = out.files.get(rel, current(rel))

        def keep(m: re.Match) -> str:
            ns = m.group(1)
            known = ns.split(".")[0] in ("System", "Microsoft") or any(d == ns or d.startswith(ns + ".")
                                                                        for d in declared)
            return m.group(0) if known else ""

        new = re.sub(r"(?m)^[ \t]*using\s+([\w.]+)\s*;[ \t]*\r?\n", keep, text)
        if new != text:
            out.files[rel] = new
            out.why(rel, "using directives of namespaces only the deleted Zendesk files declared removed")
