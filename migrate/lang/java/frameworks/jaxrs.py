"""Jakarta REST (JAX-RS: Jersey, RESTEasy...): GenesysOidcResource, a resource at the issuer path, is
written next to the Zendesk endpoint's resource and registered the way the site registers its
resources (package scanning, ``register(Resource.class)``, an ``@ApplicationPath`` application that
discovers them); the resource implements ``GenesysOidcResource.Claims`` with the endpoint's own
expressions, rebound from its ``@Context SecurityContext`` / ``HttpHeaders`` / header and cookie
parameters, and its ``@RolesAllowed`` and login checks as checks that say nobody.  The provider is
a resource rather than the servlet of templates/java/servlet because the site's own request
filters (which usually set the SecurityContext) and its runtime (a servlet container or not: the
JDK server, Grizzly, Netty) then apply to it as to the site's resources.  The build file gains
nimbus-jose-jwt."""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from migrate.extract.treesitter import string_value, walk
from migrate.generate.backends import KEEP_RULE, WireContext, Wiring, WiringError
from migrate.generate.changes import SourceFile, apply_edits, with_newlines
from migrate.generate.plan import BackendPlan
from migrate.generate.positions import Parsed
from migrate.generate.render import render
from migrate.lang.java import routes
from migrate.lang.java.frameworks.spring import (
    JEDIS,
    NIMBUS,
    _annotations,
    _fix_imports,
    build_file,
    carried,
    claims_edits,
    claims_indent,
    cut,
    gradle,
    pom,
)

PROVIDER = "GenesysOidcResource"
# Annotations of a resource method that are routing, not a guard; any other one (a name-bound
# filter such as @Secured) does not run for the provider's /authorize.
_ROUTING = {*routes.JAXRS, "Path", "Produces", "Consumes", "Override", "Deprecated", "SuppressWarnings",
            "PermitAll", "RolesAllowed", "DenyAll"}


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    here = posixpath.dirname(s.path)
    build, build_text = build_file(ctx, s.path)
    if ctx.cutover and ctx.kept:
        return cut(ctx, src, build, build_text)
    j = Parsed(src.text, "java")
    endpoint = routes.endpoint(j.doc, j.byte_at(s.line, s.column))
    if endpoint is None:
        raise WiringError(f"{s.path}:{s.line}: the signing code is not in a resource method (@Path class, @GET...); "
                          f"register {PROVIDER} by hand")
    pkg = re.search(r"^package\s+([\w.]+)\s*;", src.text, re.M)
    package = pkg.group(1) if pkg else ""
    cls_name = j.text(endpoint.cls.child_by_field_name("name"))
    base = ctx.root / posixpath.dirname(build or s.path)
    others = {p.relative_to(ctx.root).as_posix(): None for p in sorted(base.rglob("*.java"))
              if p.name != f"{PROVIDER}.java"}
    where, edit = _registration(ctx, list(others), package, cls_name, config.issuer_path)
    text, line = _rewrite(src, j, endpoint, plan, config, replace=ctx.cutover)
    out = Wiring(route=endpoint.route)
    out.files[s.path] = text
    if edit is not None:
        path, new = edit
        if path == s.path:  # registered in the resource's own file (a main beside it)
            raise WiringError(f"{s.path}:{s.line}: the resource registers itself; register {PROVIDER} by hand")
        out.files[path] = new
        out.why(path, f"{PROVIDER} registered beside {cls_name} (the OpenID provider at {config.issuer_path})")
    out.mounted = where
    if ctx.cutover:
        out.why(s.path, f"line {s.line}: Zendesk JWT endpoint -> {PROVIDER}.Claims for the OpenID provider at "
                        f"{config.issuer_path} [{plan.view.profile}.yaml]")
    else:
        out.why(s.path, f"{PROVIDER}.Claims for the OpenID provider at {config.issuer_path}, beside the Zendesk "
                        f"token endpoint {endpoint.route}, which stays until cut-over (TODO(migrate:{KEEP_RULE})) "
                        f"[{plan.view.profile}.yaml]")
    provider = render(f"java/jaxrs/{PROVIDER}.java.j2", issuer_path=config.issuer_path, claims_class=cls_name)
    if "javax.ws.rs" in src.text:
        provider = provider.replace("import jakarta.ws.rs.", "import javax.ws.rs.")
    if package:
        provider = f"package {package};\n\n{provider}"
    provider_path = posixpath.join(here, f"{PROVIDER}.java")
    out.new_files[provider_path] = with_newlines(provider, src.newline)
    out.why(provider_path, "new: the OpenID provider as a Jakarta REST resource (discovery, JWKS, authorize, token, "
                           "userinfo; RS256, PKCE, nonce) [templates/java/jaxrs]")
    if build:
        updated = (pom if build.endswith(".xml") else gradle)(build_text)
        if updated is not None:
            out.files[build] = updated
            out.why(build, f"dependencies {':'.join(NIMBUS)} and {':'.join(JEDIS)} for the OpenID provider")
    return out


def _registration(ctx: WireContext, paths: list[str], package: str, cls_name: str, issuer_path: str
                  ) -> tuple[str, tuple[str, str] | None]:
    """Where the provider is registered ("path:line") and the edit that registers it (file, new text),
    None when the site's registration picks it up already (package scanning, a discovering application)."""
    for path in paths:
        text = ctx.source(path).text
        for m in re.finditer(r"\bpackages\s*\(([^)]*)\)", text):
            scanned = re.findall(r'"([\w.]+)"', m.group(1))
            if any(package == p or package.startswith(p + ".") for p in scanned):
                return f"{path}:{text.count(chr(10), 0, m.start()) + 1}", None
    for path in paths:
        text = ctx.source(path).text
        m = re.search(rf"\bregister\s*\(\s*(?:[\w.]+\.)?{re.escape(cls_name)}\.class\s*\)", text)
        if m is None:
            continue
        line = text.count("\n", 0, m.start()) + 1
        new = text[:m.end()] + f".register({PROVIDER}.class)" if text[m.start() - 1] == "." else None
        if new is None:  # register(...) called on an implicit this (a ResourceConfig subclass)
            new = text[:m.end()] + f";\n{_indent(text, m.start())}register({PROVIDER}.class)"
        new += text[m.end():]
        other = re.search(r"^package\s+([\w.]+)\s*;", text, re.M)
        if package and (other is None or other.group(1) != package):
            new = _fix_imports(text, new, [f"{package}.{PROVIDER}"])
        return f"{path}:{line}", (path, new)
    for path in paths:
        text = ctx.source(path).text
        m = re.search(r"@ApplicationPath\s*\(\s*\"([^\"]*)\"\s*\)", text)
        if m is None:
            continue
        if m.group(1).strip("/"):
            raise WiringError(f"{path}: the JAX-RS application answers under /{m.group(1).strip('/')}: the provider "
                              f"would answer at /{m.group(1).strip('/')}{issuer_path}; register {PROVIDER} "
                              "where the issuer path is served, by hand")
        if re.search(r"\bget(Classes|Singletons)\s*\(", text):
            break  # an application that lists its resources: see below
        return f"{path}:{text.count(chr(10), 0, m.start()) + 1}", None
    raise WiringError(f"the JAX-RS application's registration of {cls_name} was not found (packages(...), "
                      f"register({cls_name}.class), an @ApplicationPath application that discovers its resources); "
                      f"register {PROVIDER} with it by hand")


def _indent(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    line = text[start:at]
    return line[:len(line) - len(line.lstrip())]


def _strings(j: Parsed, annotation: ts.Node) -> list[str]:
    return [string_value(j.doc, n) or "" for n in walk(annotation) if n.type == "string_literal"]


def _rewrite(src: SourceFile, j: Parsed, endpoint: routes.Endpoint, plan: BackendPlan, config, replace: bool
             ) -> tuple[str, int]:
    """The resource with the Claims method beside the endpoint (or in its place): its text and the
    Claims method's line."""
    s = plan.signer
    method, cls = endpoint.method, endpoint.cls
    at = j.byte_at(s.line, s.column)
    wired = endpoint.route
    indent, step = claims_indent(j, method, cls, plan, replace, PROVIDER)

    security, headers, binds, unbindable = "security", "headers", [], set()
    params = method.child_by_field_name("parameters")
    for p in params.named_children if params else []:
        if p.type != "formal_parameter":
            continue
        ptype = j.text(p.child_by_field_name("type"))
        pname = j.text(p.child_by_field_name("name"))
        pann = {j.text(a.child_by_field_name("name")).rsplit(".", 1)[-1]: a for a in _annotations(j, p)}
        key = (_strings(j, next(iter(pann.values()))) or [""])[0] if pann else ""
        if ptype == "SecurityContext":
            security = pname
        elif ptype == "HttpHeaders":
            headers = pname
        elif "HeaderParam" in pann and ptype == "String":
            binds.append(f'String {pname} = {{h}}.getHeaderString("{key}");')
        elif "CookieParam" in pann and ptype == "String":
            binds.append(f'String {pname} = {{h}}.getCookies().containsKey("{key}") ? '
                         f'{{h}}.getCookies().get("{key}").getValue() : null;')
        else:
            unbindable.add(pname)
    binds = [b.replace("{h}", headers) for b in binds]

    # Guards: @RolesAllowed (the method's, else the class's), checks in the method, other annotations.
    def roles(node: ts.Node) -> list[str] | None:
        found = next((a for a in _annotations(j, node) if j.text(a.child_by_field_name("name")).endswith("RolesAllowed")),
                     None)
        return _strings(j, found) if found is not None else None

    permit = any(j.text(a.child_by_field_name("name")).endswith("PermitAll") for a in _annotations(j, method))
    allowed = roles(method) if roles(method) is not None or permit else roles(cls)
    foreign = [j.text(a) for a in _annotations(j, method)
               if j.text(a.child_by_field_name("name")).rsplit(".", 1)[-1] not in _ROUTING]
    checks, carried_code, claims, unbound = carried(j, method, at, plan, step, binds, (security, headers))
    code = []
    if allowed:
        test = " || ".join(f'{security}.isUserInRole("{r}")' for r in allowed)
        code.append(f"if (!({test})) {{ // the endpoint's @RolesAllowed\n{step}return null;\n}}")
    claims = [*binds, *code, *carried_code, *claims]
    if unbound:
        body = [*unbound, "return null; // nobody is signed in until the claims are written"]
    elif not (allowed or checks):
        why = (f"its {', '.join(foreign)} does not run for {config.issuer_path}/authorize" if foreign else
               "no @RolesAllowed, no check in the method")
        body = [f"// TODO(migrate:ZG223): the Zendesk endpoint {wired} had no login check the provider keeps ({why}):",
                "// these claims say nobody is signed in until one guards them (@RolesAllowed on the endpoint, a "
                "check here); then set loginChecked to true.",
                "boolean loginChecked = false;", f"if (!loginChecked) {{\n{step}return null;\n}}", *claims]
    else:
        body = claims
    how = "replace" if replace else "take over from"
    lines = [f"// Genesys Cloud Messenger signs visitors in through the OpenID provider at {config.issuer_path}",
             f"// ({PROVIDER}); these claims {how} the Zendesk token endpoint {wired.split(' ', 1)[1]}.",
             "@Override",
             f"public Map<String, Object> claims(SecurityContext {security}, HttpHeaders {headers}) {{",
             *(step + b.replace("\n", "\n" + step) for b in body), "}"]
    edits = claims_edits(j, method, cls, plan, config, wired, indent, "\n".join(lines), replace, PROVIDER)
    text = apply_edits(src.text, edits)
    rs = "javax" if "javax.ws.rs" in src.text else "jakarta"
    wanted = ["java.util.LinkedHashMap", "java.util.Map", f"{rs}.ws.rs.core.SecurityContext",
              f"{rs}.ws.rs.core.HttpHeaders"]
    text = _fix_imports(src.text if replace else text, text.replace("\r\n", "\n"), wanted)
    line = next(n for n, ln in enumerate(text.split("\n"), 1) if "public Map<String, Object> claims(" in ln)
    return with_newlines(text, src.newline), line
