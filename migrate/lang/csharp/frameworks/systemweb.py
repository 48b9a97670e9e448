"""ASP.NET on .NET Framework (System.Web: WebForms, MVC 5): the OpenID provider as an IHttpHandler
(templates/csharp/systemweb, no package) registered in Web.config at the issuer path, beside the
Zendesk token code, which keeps the keep note (TODO ZG220) until cut-over.

A System.Web site is one with a Web.config holding <system.web> at or above the signer's folder.
The Zendesk token is often signed in a service class (`new JwtTokenService(secret).Create()`) that a
master page renders (`<%= SessionContext.Current.Jwt %>`), not in a route: the handler computes the
same claims with GenesysOidcClaims.For(HttpContext), the old method's own expressions, where the
page's members (`User`, `Session`, `Request`) and `HttpContext.Current` are the handler's request;
a local the claims read members of (`var customer = SessionContext.Current.Customer`) is the
signed-in visitor, null meaning nobody. Anything else the claims read (the method's parameters,
the class's fields) answers no user under TODO(migrate:ZG222).

Written: GenesysOidcHandler.cs and GenesysOidcClaims.cs next to the signer (and as Compile items of
an old-style project file), Web.config's <system.web><httpHandlers> (the classic pipeline, xsp) and
<system.webServer><handlers> (IIS integrated) entries, and a <location> letting anonymous callers
reach the provider: Genesys calls /token and /jwks.json without the visitor's cookies, and
/authorize answers login_required by itself.

`--cutover` removes a kept method only when nothing else in the site names it; a service method
that pages still call is left to be removed by hand.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import tree_sitter as ts

from migrate.extract.treesitter import ancestors
from migrate.generate.backends import (
    MOUNT_RULE,
    WireContext,
    Wiring,
    WiringError,
    is_note,
    keep_note,
    mount_note,
)
from migrate.generate.changes import Edit, apply_edits, with_newlines
from migrate.generate.positions import comment_start
from migrate.generate.render import render
from migrate.lang.csharp.frameworks import systemweb_endpoints as endpoints
from migrate.lang.csharp.frameworks.aspnetcore_claims import Scope, claims_function
from migrate.lang.csharp.frameworks.aspnetcore_files import CsFile, drop_unused_usings
from migrate.lang.csharp.frameworks.systemweb_endpoints import Endpoint

PROVIDER_FILE = "GenesysOidcHandler.cs"
CLAIMS_FILE = "GenesysOidcClaims.cs"
HANDLER_TYPE = "GenesysOidc.GenesysOidcHandler"
TEMPLATE = "csharp/systemweb/GenesysOidcHandler.cs.j2"
_SKIP_DIRS = {"bin", "obj", "node_modules", ".git", ".vs", "packages"}
_METHODS = ("method_declaration", "constructor_declaration", "local_function_statement", "property_declaration",
            "accessor_declaration", "lambda_expression", "operator_declaration")
_TYPES = ("class_declaration", "record_declaration", "struct_declaration")
# Pages, master pages, user controls, MVC 5 controllers and handlers: their members and what they
# are on the handler's request.
_PAGE_BASES = re.compile(r"\b(Page|MasterPage|UserControl|Controller|ControllerBase|IHttpHandler|HttpApplication)\b")
_PAGE_REWRITES = {
    "User": "{ctx}.User", "Session": "{ctx}.Session", "Request": "{ctx}.Request", "Response": "{ctx}.Response",
    "Server": "{ctx}.Server", "Context": "{ctx}", "HttpContext": "{ctx}", "Cache": "{ctx}.Cache",
    "Application": "{ctx}.Application",
}
_CONFIG_NAMES = ("Web.config", "web.config", "Web.Config")
# Controller members with no HttpContext equivalent.
_MVC_MEMBERS = frozenset({"Url", "ModelState", "ControllerContext", "TempData", "ViewData", "ViewBag", "RouteData",
                          "Profile", "ValueProvider"})


def web_config(root: Path, rel_dir: str) -> str | None:
    """The closest Web.config with <system.web> at or above rel_dir (inside the root)."""
    parts = rel_dir.split("/") if rel_dir else []
    while True:
        for name in _CONFIG_NAMES:
            candidate = posixpath.join(*parts, name) if parts else name
            path = root / candidate
            if path.is_file():
                try:
                    if "<system.web" in path.read_text(encoding="utf-8-sig", errors="replace"):
                        return candidate
                except OSError:
                    pass
        if not parts:
            return None
        parts.pop()


def is_site(root: Path, rel_dir: str) -> bool:
    return web_config(root, rel_dir) is not None


# --- the claims -------------------------------------------------------------------------------------

def _enclosing(f: CsFile, at: int) -> tuple[ts.Node | None, ts.Node | None]:
    site = f.root.descendant_for_byte_range(at, at + 1)
    chain = list(ancestors(site)) if site is not None else []
    method = next((a for a in chain if a.type in _METHODS), None)
    cls = next((a for a in chain if a.type in _TYPES), None)
    return method, cls


def _members(f: CsFile, cls: ts.Node | None) -> set[str]:
    from migrate.lang.csharp.frameworks.aspnetcore import _members as members
    return members(f, cls) if cls is not None else set()


def _claims_file(ctx: WireContext, f: CsFile, ep: Endpoint | None = None) -> tuple[str, bool]:
    """GenesysOidcClaims.cs, and whether a claim could not be carried (ZG222). ``ep``: the action or
    handler holding the signing code, whose guard comes first in the claims."""
    from migrate.lang.csharp.frameworks.aspnetcore import _locals

    plan, config = ctx.plan, ctx.config
    s = plan.signer
    at = f.byte_at(s.line, s.column)
    method, cls = _enclosing(f, at)
    params = method.child_by_field_name("parameters") if method is not None else None
    parameters = [p for p in (params.named_children if params is not None else ()) if p.type == "parameter"]
    # ProcessRequest(HttpContext context): the request is the provider's.
    requests = {f.text(p.child_by_field_name("name")) for p in parameters
                if re.sub(r"\s+", "", f.text(p.child_by_field_name("type"))) in ("HttpContext", "System.Web.HttpContext")}
    stuck = {f.text(p.child_by_field_name("name")) for p in parameters} - requests
    bases = next((c for c in cls.named_children if c.type == "base_list"), None) if cls is not None else None
    page = bases is not None and _PAGE_BASES.search(f.text(bases)) is not None
    members = _members(f, cls)
    rewrites = {k: v for k, v in _PAGE_REWRITES.items() if page and k not in members}
    rewrites.update({name: "{ctx}" for name in requests})
    if ep is not None and ep.kind == "action":
        members |= _MVC_MEMBERS - set(rewrites)
    body = method.child_by_field_name("body") if method is not None else None
    scope = Scope("context", f"{s.function or 'the signing code'}", rewrites, _locals(f, body, at),
                  (stuck | members) - set(rewrites))
    refuse = None if ep is not None and ep.guarded else (
        "nothing in the old code said who is signed in: only authenticated users (HttpContext.User) are signed "
        "in here; write the site's own login check here if it keeps the visitor elsewhere (the session)")
    fn = claims_function(plan, scope, checks=tuple(ep.checks) if ep is not None else (), refuse=refuse,
                         null_checks=True)
    code = fn.text.split("=>", 1)[1]
    code = re.sub(r"\bHttpContext\s*\.\s*Current\b", "context", code)
    if code.startswith("\n{"):
        inner = code.strip()[1:-1].strip("\n").split("\n")
        body_lines = [line.removeprefix("    ") for line in inner]
    else:
        expr = code.strip().split("\n")
        body_lines = [f"return {expr[0]}", *expr[1:]]
        body_lines[-1] += ";"
    namespaces = []
    for n in _walk_namespaces(f.root):
        parts = f.text(n.child_by_field_name("name")).split(".")
        # Code in Shop.Handlers sees the types of Shop: so must the claims.
        namespaces += [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    namespaces = list(dict.fromkeys(namespaces))
    usings = [f.text(u) for u in f.root.named_children if u.type == "using_directive"
              if not re.search(r"\bJWT\b|IdentityModel", f.text(u))]
    usings += [u for u in ("using System;", "using System.Collections.Generic;", "using System.Web;",
                           *(f"using {n};" for n in fn.usings), *(f"using {n};" for n in namespaces if n))
               if u not in usings]
    where = f"{posixpath.basename(s.path)} ({s.function or 'the signing code'})"
    if ep is not None and ep.todos:
        body_lines = [f"// TODO(migrate:ZG224): {t}" for t in ep.todos] + body_lines
    text = ("\n".join(usings) + "\n\nnamespace GenesysOidc\n{\n"
            "    /// <summary>\n"
            "    /// The signed-in visitor's ID-token claims for the OpenID provider (GenesysOidcHandler), computed\n"
            f"    /// as the Zendesk token code in {where} computed them; null when nobody\n"
            f"    /// is signed in (the provider then answers login_required). Served at {config.issuer_path}.\n"
            "    /// </summary>\n"
            "    public static class GenesysOidcClaims\n    {\n"
            "        public static IDictionary<string, object> For(HttpContext context)\n        {\n"
            + "\n".join("            " + line if line else "" for line in body_lines)
            + "\n        }\n    }\n}\n")
    return text, bool(fn.stuck)


def _walk_namespaces(root: ts.Node):
    for n in root.named_children:
        if n.type in ("namespace_declaration", "file_scoped_namespace_declaration"):
            yield n
            body = n.child_by_field_name("body")
            if body is not None:
                yield from _walk_namespaces(body)


def _provider_files(ctx: WireContext, f: CsFile, out: Wiring, ep: Endpoint | None = None) -> tuple[str, str]:
    s = ctx.plan.signer
    here = posixpath.dirname(s.path)
    project = _old_project(ctx.root, here)
    web = web_config(ctx.root, here)
    if project is None and s.path.lower().endswith(".ashx") and web is not None:
        # A web site with its code in the .ashx: what is not in a page compiles from App_Code.
        here = posixpath.join(posixpath.dirname(web), "App_Code")
    claims_path = posixpath.join(here, CLAIMS_FILE) if here else CLAIMS_FILE
    provider_path = posixpath.join(here, PROVIDER_FILE) if here else PROVIDER_FILE
    text, stuck = _claims_file(ctx, f, ep)
    out.new_files[claims_path] = with_newlines(text, f.nl)
    out.why(claims_path, "new: GenesysOidcClaims, the claims the Zendesk token code signed, for the OpenID provider"
                         + (" (TODO(migrate:ZG222): some could not be carried)" if stuck else ""))
    out.new_files[provider_path] = with_newlines(render(TEMPLATE, issuer_path=ctx.config.issuer_path), f.nl)
    out.why(provider_path, "new: the OpenID provider as an IHttpHandler (discovery, JWKS, authorize, token, "
                           "userinfo; RS256, PKCE, nonce; no package) [templates/csharp/systemweb]")
    if project is not None:
        updated = project_with_compile(ctx.source(project).text, posixpath.dirname(project),
                                       [provider_path, claims_path])
        if updated is not None:
            out.files[project] = updated
            out.why(project, f"{PROVIDER_FILE} and {CLAIMS_FILE} compiled with the site")
    return provider_path, claims_path


# --- project file and Web.config ----------------------------------------------------------------

def _old_project(root: Path, rel_dir: str) -> str | None:
    """The closest non-SDK project file (it lists its Compile items) at or above rel_dir."""
    parts = rel_dir.split("/") if rel_dir else []
    while True:
        d = root.joinpath(*parts)
        for p in sorted(d.glob("*.csproj")):
            text = p.read_text(encoding="utf-8-sig", errors="replace")
            if "<Compile Include=" in text and not re.search(r"<Project\b[^>]*\bSdk\s*=", text):
                return p.relative_to(root).as_posix()
        if not parts:
            return None
        parts.pop()


def project_with_compile(text: str, project_dir: str, paths: list[str]) -> str | None:
    """The project file with a Compile item per path (None: all there already)."""
    nl = "\r\n" if "\r\n" in text else "\n"
    body = text.replace("\r\n", "\n")
    items = list(re.finditer(r"^([ \t]*)<Compile\s+Include=\"([^\"]+)\"\s*(/>|>.*?</Compile>)[ \t]*\n", body,
                             re.MULTILINE | re.DOTALL))
    if not items:
        return None
    have = {m.group(2).replace("\\", "/").lower() for m in items}
    wanted = []
    for path in paths:
        rel = posixpath.relpath(path, project_dir) if project_dir else path
        if rel.lower() not in have:
            wanted.append(rel.replace("/", "\\"))
    if not wanted:
        return None
    last = items[-1]
    lines = "".join(f"{last.group(1)}<Compile Include=\"{w}\" />\n" for w in wanted)
    body = body[:last.end()] + lines + body[last.end():]
    return body.replace("\n", nl) if nl != "\n" else body


def _indent_unit(text: str) -> str:
    m = re.search(r"^([ \t]+)<", text, re.MULTILINE)
    return m.group(1) if m else "  "


def web_config_with_handler(text: str, issuer_path: str) -> str | None:
    """Web.config mapping `<issuer path>/*` to the provider for both pipelines and letting anonymous
    callers reach it (None: already there)."""
    if HANDLER_TYPE in text:
        return None
    nl = "\r\n" if "\r\n" in text else "\n"
    body = text.replace("\r\n", "\n")
    unit = _indent_unit(body)
    path = issuer_path.strip("/")
    # The discovery document is one folder deeper, and a wildcard does not cross a slash everywhere.
    classic = "\n".join(f'<add verb="*" path="{p}" type="{HANDLER_TYPE}" />'
                        for p in (f"{path}/*", f"{path}/.well-known/*"))
    integrated = "\n".join(f'<add name="GenesysOidc{n}" verb="*" path="{p}" type="{HANDLER_TYPE}" '
                           'preCondition="integratedMode" />'
                           for n, p in (("", f"{path}/*"), ("Discovery", f"{path}/.well-known/*")))

    def add_inside(body: str, section: str, child: str, lines: str, extra: str = "") -> str:
        """`lines` inside <section><child>, creating <child> (and <section>) when missing."""

        def line(ind: str) -> str:
            return lines.replace("\n", "\n" + ind)

        open_ = re.search(rf"^([ \t]*)<{re.escape(section)}(\s[^>]*)?>[ \t]*\n", body, re.MULTILINE)
        if open_ is None:
            empty = re.search(rf"^([ \t]*)<{re.escape(section)}\s*/>[ \t]*\n", body, re.MULTILINE)
            if empty is not None:
                ind = empty.group(1)
                block = (f"{ind}<{section}>\n{ind}{unit}<{child}>\n{ind}{unit * 2}{line(ind + unit * 2)}\n"
                         f"{ind}{unit}</{child}>\n"
                         f"{extra.replace('{i}', ind + unit)}{ind}</{section}>\n")
                return body[:empty.start()] + block + body[empty.end():]
            close = body.rfind("</configuration>")
            start = body.rfind("\n", 0, close) + 1
            block = (f"{unit}<{section}>\n{unit * 2}<{child}>\n{unit * 3}{line(unit * 3)}\n{unit * 2}</{child}>\n"
                     f"{extra.replace('{i}', unit * 2)}{unit}</{section}>\n")
            return body[:start] + block + body[start:]
        ind = open_.group(1)
        end = body.find(f"</{section}>", open_.end())
        inner = body[open_.end():end]
        child_open = re.search(rf"^([ \t]*)<{re.escape(child)}>[ \t]*\n", inner, re.MULTILINE)
        if child_open is not None:
            close = inner.find(f"</{child}>", child_open.end())
            at = open_.end() + inner.rfind("\n", 0, close) + 1
            return body[:at] + f"{child_open.group(1)}{unit}{line(child_open.group(1) + unit)}\n" + body[at:]
        at = body.rfind("\n", 0, end) + 1
        block = f"{ind}{unit}<{child}>\n{ind}{unit * 2}{line(ind + unit * 2)}\n{ind}{unit}</{child}>\n"
        if extra and "<validation " not in inner:
            block = extra.replace("{i}", ind + unit) + block
        return body[:at] + block + body[at:]

    body = add_inside(body, "system.web", "httpHandlers", classic)
    # Both registrations in one file: IIS's integrated pipeline must not refuse the classic one.
    body = add_inside(body, "system.webServer", "handlers", integrated,
                      '{i}<validation validateIntegratedModeConfiguration="false" />\n')
    location = (f'{unit}<!-- Genesys Cloud Messenger sign-in: Genesys calls the token and key endpoints without '
                f'the visitor\'s cookies; /authorize answers login_required by itself. -->\n'
                f'{unit}<location path="{path}">\n{unit * 2}<system.web>\n{unit * 3}<authorization>\n'
                f'{unit * 4}<allow users="*" />\n{unit * 3}</authorization>\n{unit * 2}</system.web>\n'
                f'{unit}</location>\n')
    close = body.rfind("</configuration>")
    start = body.rfind("\n", 0, close) + 1
    body = body[:start] + location + body[start:]
    return body.replace("\n", nl) if nl != "\n" else body


def _line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.find(needle)) + 1


# --- the wirings ------------------------------------------------------------------------------------

def _note_above(f: CsFile, line: int, note: str) -> Edit:
    lines = f.src.text.split("\n")
    start = sum(len(x) + 1 for x in lines[:line - 1])
    first = lines[line - 1] if line - 1 < len(lines) else ""
    indent = first[:len(first) - len(first.lstrip())]
    return Edit(start, start, f"{indent}// {note}\n")


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    here = posixpath.dirname(s.path)
    web = web_config(ctx.root, here)
    if web is None:
        raise WiringError(f"framework not recognised: no Web.config with <system.web> at or above {s.path}")
    f = CsFile(ctx.source(s.path))
    ep = endpoints.find(ctx, f)
    out = Wiring(route=ep.route if ep is not None else s.route)

    def current(rel: str) -> str:
        return out.files.get(rel, ctx.source(rel).text)

    if ctx.cutover and ctx.kept:
        if ep is None:
            return _cutover(ctx, f)
        endpoints.cutover(ctx, f, ep, out, current)
        return out
    if ctx.cutover and ep is None:
        raise WiringError(f"{s.path}:{s.line}: the Zendesk token code in {s.function or 'this file'} is not a "
                          "route the provider can take the place of; run `migrate generate` first (the provider "
                          "goes beside it), then `--cutover`")
    line = (s.span or (s.line, 0))[0]
    lines = f.src.text.split("\n")
    if line > 1 and is_note(lines[line - 2]):
        return out
    _provider_files(ctx, f, out, ep)
    what = {"action": f"action {ep.route}", "handler": f"handler {ep.route}"}[ep.kind] if ep is not None else \
        f"code {s.function or ''}".rstrip()
    if not ctx.cutover:
        out.files[s.path] = with_newlines(apply_edits(f.src.text, [_note_above(f, line, keep_note(out.route, config))]),
                                          f.nl)
        out.why(s.path, f"line {line}: the Zendesk token {what} stays until cut-over "
                        "(TODO(migrate:ZG220); `migrate generate --cutover` removes it)")
    updated = web_config_with_handler(ctx.source(web).text, config.issuer_path)
    if updated is not None:
        out.files[web] = updated
        out.why(web, f"the OpenID provider (GenesysOidc.GenesysOidcHandler) mapped at {config.issuer_path}/*, "
                     "anonymous callers let through to it")
    ignored = endpoints.ignore_route(ctx, config.issuer_path, current)
    if ignored is not None:
        out.files[ignored[0]] = ignored[1]
        out.why(ignored[0], f"MVC's route table leaves {config.issuer_path}/* to the OpenID provider (IgnoreRoute)")
    out.mounted = f"{web}:{_line_of(current(web), HANDLER_TYPE)}"
    if ctx.cutover:  # never wired: the provider takes the endpoint's place in one step
        endpoints.cutover(ctx, f, ep, out, current)  # type: ignore[arg-type]
    return out


def standalone(ctx: WireContext, why: str) -> Wiring:
    """The provider files next to the signer and the mount note above it; Web.config is left alone."""
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    f = CsFile(ctx.source(s.path))
    line = (s.span or (s.line, 0))[0]
    out = Wiring(route=s.route)
    out.todo = f"{s.path}:{line}: {why}"
    lines = f.src.text.split("\n")
    if line > 1 and is_note(lines[line - 2], MOUNT_RULE):
        return out
    provider_path, _ = _provider_files(ctx, f, out)
    path = config.issuer_path.strip("/")
    module = (f"{provider_path} (Web.config: <add verb=\"*\" path=\"{path}/*\" type=\"{HANDLER_TYPE}\" /> in "
              "<system.web><httpHandlers> and <system.webServer><handlers>)")
    out.files[s.path] = with_newlines(apply_edits(f.src.text, [_note_above(f, line, mount_note(module, config, why))]),
                                      f.nl)
    out.why(s.path, f"line {line}: TODO(migrate:{MOUNT_RULE}): where to mount the OpenID provider ({why})")
    return out


_SITE_FILES = (".cs", ".aspx", ".master", ".ascx", ".cshtml", ".ashx", ".asax")


def _cutover(ctx: WireContext, f: CsFile) -> Wiring:
    """The kept method goes when nothing else in the site names it."""
    s = ctx.plan.signer
    method, cls = _enclosing(f, f.byte_at(s.line, s.column))
    if method is None or method.type != "method_declaration":
        raise WiringError(f"{s.path}:{s.line}: the kept Zendesk token code is not a method of its own")
    name = f.text(method.child_by_field_name("name"))
    owner = f.text(cls.child_by_field_name("name")) if cls is not None else ""
    own = f.src.text[:f.offset(method.start_byte)] + f.src.text[f.offset(method.end_byte):]
    users = []
    for p in sorted(ctx.root.rglob("*")):
        rel = p.relative_to(ctx.root)
        if not p.is_file() or p.suffix.lower() not in _SITE_FILES or any(x in _SKIP_DIRS for x in rel.parts[:-1]):
            continue
        if p.name in (PROVIDER_FILE, CLAIMS_FILE):
            continue
        text = own if rel.as_posix() == s.path else ctx.source(rel.as_posix()).text
        # A call of the method in a file that names its class (or in the class itself).
        if re.search(rf"(?<![\w@]){re.escape(name)}\s*\(", text) and \
                (rel.as_posix() == s.path or not owner or re.search(rf"\b{re.escape(owner)}\b", text)):
            users.append(rel.as_posix())
    if users:
        raise WiringError(f"{s.path}:{s.line}: {s.function or name} is still called from {', '.join(users)}: remove "
                          "those uses (the page signs in through the AuthProvider now), then this method and its "
                          "TODO(migrate:ZG220)")
    start = f.line_start(comment_start(f.src.text, f.offset(method.start_byte)))
    end = f.line_end(f.offset(method.end_byte))
    text = f.src.text
    before = text[f.line_start(start - 1):start] if start > 0 else ""
    if start > 0 and not before.strip():
        start = f.line_start(start - 1)
    out = Wiring(route=s.route)
    out.files[s.path] = drop_unused_usings(text, text[:start] + text[end:])
    out.why(s.path, f"line {method.start_point[0] + 1}: Zendesk token method {name} removed: the OpenID provider "
                    "beside it signs visitors in")
    endpoints.drop_packages(ctx, out, lambda rel: out.files.get(rel, ctx.source(rel).text))
    return out
