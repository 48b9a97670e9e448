"""Spring Boot: the controller method that signed the Zendesk JWT becomes the controller's
`GenesysOidcController.Claims` implementation, built from the old method's own expressions and
keeping its security annotations; GenesysOidcController (nimbus-jose-jwt) is written next to it
and the build file gains com.nimbusds:nimbus-jose-jwt.  A site with its own SecurityFilterChain also
gets GenesysOidcSecurity (the provider's server-to-server endpoints permitted, no CSRF token on
/token).  An endpoint nothing guarded (no security annotation, no rule of the site's chain, no check
in the method) gets claims that say nobody is signed in until a login check guards them (ZG223)."""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from migrate.extract.treesitter import walk
from migrate.generate.backends import KEEP_RULE, REBIND_RULE, WireContext, Wiring, WiringError, keep_note, nearest
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.plan import BackendPlan, ClaimMapping
from migrate.generate.positions import Parsed, comment_start
from migrate.generate.render import render
from migrate.lang.java import routes

PROVIDER = "GenesysOidcController"
SECURITY = "GenesysOidcSecurity"
# Security annotations that make a method (or every method of a class) need a signed-in user.
_LOGIN_ANNOTATIONS = frozenset({"PreAuthorize", "Secured", "RolesAllowed", "PostAuthorize"})
NIMBUS = ("com.nimbusds", "nimbus-jose-jwt", "10.10")
# The Redis client of GENESYS_OIDC_STORE_URL (the version Spring Boot 3.5 manages).
JEDIS = ("redis.clients", "jedis", "6.0.0")
DEPENDENCIES = (NIMBUS, JEDIS)
_MAPPINGS = {*routes.MAPPINGS, "ResponseBody"}  # not guards: the endpoint's own routing


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    build, build_text = build_file(ctx, s.path)
    security = "spring-boot-starter-security" in build_text or "spring-security" in build_text \
        or "org.springframework.security" in src.text
    jakarta = not ("javax.servlet" in src.text or re.search(r"spring-boot[\w-]*</artifactId>\s*<version>2\.", build_text)
                   or re.search(r"org\.springframework\.boot['\"]?\)?\s*version\s*['\"]2\.", build_text))
    if ctx.cutover and ctx.kept:
        return cut(ctx, src, build, build_text)
    base = ctx.root / posixpath.dirname(build or s.path)
    code = [ctx.source(p.relative_to(ctx.root).as_posix()).text for p in sorted(base.rglob("*.java"))
            if p.name not in (f"{PROVIDER}.java", f"{SECURITY}.java")]
    # The site's own SecurityFilterChain decides what needs a login; a chain for the provider's
    # server-to-server endpoints goes beside it (Spring Security 6). Without one of the site's, a new
    # chain would switch Spring Boot's default one off: the claims say what to permit instead.
    own_chain = security and jakarta and any(re.search(r"\bSecurityFilterChain\s+\w+\s*\(", t) for t in code)
    text, package, wired, line = _rewrite(src, plan, config, security and not own_chain, jakarta,
                                          replace=ctx.cutover, rules=_url_rules(code))
    out = Wiring(route=wired, mounted=f"{s.path}:{line}")
    out.files[s.path] = text
    if ctx.cutover:
        out.why(s.path, f"line {s.line}: Zendesk JWT endpoint -> {PROVIDER}.Claims for the OpenID provider at "
                        f"{config.issuer_path} [{plan.view.profile}.yaml]")
    else:
        out.why(s.path, f"{PROVIDER}.Claims for the OpenID provider at {config.issuer_path}, beside the Zendesk "
                        f"token endpoint {wired}, which stays until cut-over (TODO(migrate:{KEEP_RULE})) "
                        f"[{plan.view.profile}.yaml]")
    provider = render(f"java/spring/{PROVIDER}.java.j2", issuer_path=config.issuer_path)
    if not jakarta:
        provider = provider.replace("import jakarta.servlet.", "import javax.servlet.")
    if package:
        provider = f"package {package};\n\n{provider}"
    provider_path = posixpath.join(posixpath.dirname(s.path), f"{PROVIDER}.java")
    out.new_files[provider_path] = with_newlines(provider, src.newline)
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, "
                           "PKCE, nonce) [templates/java/spring]")
    if own_chain:
        chain = render(f"java/spring/{SECURITY}.java.j2", issuer_path=config.issuer_path)
        if package:
            chain = f"package {package};\n\n{chain}"
        chain_path = posixpath.join(posixpath.dirname(s.path), f"{SECURITY}.java")
        out.new_files[chain_path] = with_newlines(chain, src.newline)
        out.why(chain_path, f"new: Spring Security lets Genesys reach {config.issuer_path}/token, /jwks.json, "
                            "/userinfo and the discovery document without a login session (no CSRF token on the "
                            f"token endpoint); {config.issuer_path}/authorize stays under the site's own rules "
                            "[templates/java/spring]")
    if build:
        updated = (pom if build.endswith(".xml") else gradle)(build_text)
        if updated is not None:
            out.files[build] = updated
            out.why(build, f"dependencies {':'.join(NIMBUS)} and {':'.join(JEDIS)} for the OpenID provider")
    return out


# The Zendesk endpoints' JWT libraries: Java package -> the build's artifact ids (nimbus signs for the provider).
_LIBRARIES = {"io.jsonwebtoken": ("jjwt", "jjwt-api", "jjwt-impl", "jjwt-jackson", "jjwt-gson", "jjwt-orgjson"),
              "com.auth0.jwt": ("java-jwt",)}


def build_file(ctx: WireContext, path: str) -> tuple[str | None, str]:
    """The Maven or Gradle build nearest to `path`, and its text ("" when there is none)."""
    build = next((b for b in (nearest(ctx.root, posixpath.dirname(path), n)
                              for n in ("pom.xml", "build.gradle.kts", "build.gradle")) if b), None)
    return build, ctx.source(build).text if build else ""


def cut(ctx: WireContext, src: SourceFile, build: str | None, build_text: str) -> Wiring:
    """Cut-over of a kept endpoint: it goes, and the JWT library when no Java file imports it any more."""
    plan = ctx.plan
    text, wired = _cut(src, plan)
    out = Wiring(route=wired, files={plan.signer.path: text})
    out.why(plan.signer.path, f"the Zendesk token endpoint {wired} removed (cut-over: the OpenID provider at "
                              f"{ctx.config.issuer_path} signs visitors in)")
    if build:
        updated = drop_unused_libraries(ctx, build, build_text, out.files)
        if updated is not None:
            out.files[build] = updated
            out.why(build, "the Zendesk endpoint's JWT library removed: no Java file imports it any more")
    return out


def drop_unused_libraries(ctx: WireContext, build: str, text: str, changed: dict[str, str]) -> str | None:
    """The build file without the JWT libraries no Java file of the project imports any more."""
    base = ctx.root / posixpath.dirname(build)
    code = "\n".join(changed.get(rel, None) or ctx.source(rel).text for rel in
                     sorted(p.relative_to(ctx.root).as_posix() for p in base.rglob("*.java")))
    out = text
    for package, artifacts in _LIBRARIES.items():
        if re.search(rf"\bimport\s+(static\s+)?{re.escape(package)}\.", code):
            continue
        for artifact in artifacts:
            out = re.sub(rf"[ \t]*<dependency>\s*<groupId>[\w.]+</groupId>\s*<artifactId>{re.escape(artifact)}"
                         rf"</artifactId>.*?</dependency>[ \t]*\r?\n", "", out, flags=re.S)
            out = re.sub(rf"^[ \t]*\w+\s*\(?\s*['\"][\w.]+:{re.escape(artifact)}(:[^'\"]*)?['\"]\s*\)?[ \t]*\r?\n", "",
                         out, flags=re.M)
    return out if out != text else None


def pom(text: str) -> str | None:
    """pom.xml with nimbus-jose-jwt and Jedis in the project's dependencies (None when they are there)."""
    out = text
    for dependency in DEPENDENCIES:
        out = _pom_with(out, dependency)
    return out if out != text else None


def _pom_with(text: str, dependency: tuple[str, str, str]) -> str:
    group, artifact, version = dependency
    if f"<artifactId>{artifact}</artifactId>" in text:
        return text
    nl = "\r\n" if "\r\n" in text else "\n"
    managed = re.search(r"<dependencyManagement>.*?</dependencyManagement>", text, re.S)
    ends = [m for m in re.finditer(r"^([ \t]*)</dependencies>", text, re.M)
            if not (managed and managed.start() <= m.start() < managed.end())]
    if ends:
        end = ends[-1]
        outer = end.group(1)
        dep = re.search(r"^([ \t]*)<dependency>", text[:end.start()], re.M)
        inner = dep.group(1) if dep else outer + "    "
        step = inner[len(outer):] or "    "
        block = (f"{inner}<dependency>{nl}{inner}{step}<groupId>{group}</groupId>{nl}"
                 f"{inner}{step}<artifactId>{artifact}</artifactId>{nl}{inner}{step}<version>{version}</version>{nl}"
                 f"{inner}</dependency>{nl}")
        return text[:end.start()] + block + text[end.start():]
    project_end = text.rfind("</project>")
    if project_end < 0:
        return text
    block = (f"    <dependencies>{nl}        <dependency>{nl}            <groupId>{group}</groupId>{nl}"
             f"            <artifactId>{artifact}</artifactId>{nl}            <version>{version}</version>{nl}"
             f"        </dependency>{nl}    </dependencies>{nl}")
    return text[:project_end] + block + text[project_end:]


def gradle(text: str) -> str | None:
    """build.gradle(.kts) with nimbus-jose-jwt and Jedis in `dependencies { }` (None when they are there)."""
    out = text
    for dependency in DEPENDENCIES:
        out = _gradle_with(out, dependency)
    return out if out != text else None


def _gradle_with(text: str, dependency: tuple[str, str, str]) -> str:
    if dependency[1] in text:
        return text
    nl = "\r\n" if "\r\n" in text else "\n"
    kts = re.search(r'implementation\s*\(\s*"', text) is not None
    line = (f'implementation("{":".join(dependency)}")' if kts else f"implementation '{':'.join(dependency)}'")
    m = re.search(r"^dependencies\s*\{[ \t]*\r?\n", text, re.M)
    if m is None:
        return text.rstrip() + nl + nl + "dependencies {" + nl + "    " + line + nl + "}" + nl
    first = re.match(r"[ \t]+", text[m.end():])
    return text[:m.end()] + (first.group(0) if first else "    ") + line + nl + text[m.end():]


_RULE = re.compile(r"\.\s*(requestMatchers|antMatchers|mvcMatchers|regexMatchers|anyRequest)\s*\(((?:[^()]|\([^()]*\))*)\)"
                   r"\s*\.\s*(\w+)\s*\(")
_NO_LOGIN = frozenset({"permitAll", "anonymous"})


def _url_rules(code: list[str]) -> list[tuple[list[str] | None, bool]]:
    """The access rules of the site's SecurityFilterChains, in order: (Ant patterns, or None for
    anyRequest(); whether they need a signed-in user)."""
    out = []
    for text in code:
        for m in _RULE.finditer(text):
            patterns = None if m.group(1) == "anyRequest" else re.findall(r'"([^"\n]*)"', m.group(2))
            out.append((patterns, m.group(3) not in _NO_LOGIN))
    return out


def _ant(pattern: str, path: str) -> bool:
    """Whether a Spring path pattern (/support/**, /api/*/jwt, /x) matches a path."""
    rx = ""
    for part in re.split(r"(\*\*|\*|\{[^}]*\})", pattern):
        rx += ".*" if part == "**" else "[^/]*" if part == "*" or part.startswith("{") else re.escape(part)
    return re.fullmatch(rx.replace("/.*", "(/.*)?"), path) is not None


def _url_guarded(rules: list[tuple[list[str] | None, bool]], path: str) -> bool:
    """Whether the first rule matching the path needs a signed-in user."""
    for patterns, login in rules:
        if patterns is None or any(_ant(p, path) for p in patterns):
            return login
    return False


def _java_value(m: ClaimMapping) -> str:
    e, final = m.expression, m.expression.final
    text = " ".join(e.text.split())
    if m.transform == "string" and text.startswith("String.valueOf(") and text.endswith(")"):
        return text
    if m.transform == "string" and final.kind not in ("string", "template"):
        return f"String.valueOf({text})"
    if m.transform == "boolean" and final.kind != "bool":
        if final.kind == "string" and final.value in ("true", "false"):
            return str(final.value)
        return f"Boolean.valueOf(String.valueOf({text}))"
    return text


def _annotations(j: Parsed, node: ts.Node) -> list[ts.Node]:
    mods = next((c for c in node.children if c.type == "modifiers"), None)
    return [a for a in (mods.named_children if mods else []) if a.type in ("annotation", "marker_annotation")]


def _locals(j: Parsed, method: ts.Node, before: int, used: str) -> list[ts.Node]:
    body = method.child_by_field_name("body")
    stmts = [st for st in (body.named_children if body else [])
             if st.end_byte <= before and st.type == "local_variable_declaration"]
    needed, text = [], used
    for st in reversed(stmts):
        names = [j.text(d.child_by_field_name("name")) for d in st.named_children if d.type == "variable_declarator"]
        if any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", text) for n in names):
            needed.append(st)
            text += "\n" + j.text(st)
    return list(reversed(needed))


_REFUSES = re.compile(r"UNAUTHORIZED|FORBIDDEN|\b40[13]\b|ResponseStatusException|AccessDenied|"
                      r"AuthenticationException|sendError|sendRedirect|redirect:|NotAuthorizedException|"
                      r"ForbiddenException")  # the last two: JAX-RS
_STRING_OR_COMMENT = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.S)
_NAME = re.compile(r"(?<![\w.@])([a-z_]\w*)(?!\s*\()")


def _names_in(text: str) -> set[str]:
    return set(_NAME.findall(_STRING_OR_COMMENT.sub(" ", text)))


def _declared(j: Parsed, node: ts.Node) -> set[str]:
    out = set()
    for n in walk(node):
        if n.type in ("variable_declarator", "formal_parameter", "catch_formal_parameter", "enhanced_for_statement"):
            name = n.child_by_field_name("name")
            if name is not None:
                out.add(j.text(name))
        elif n.type == "inferred_parameters" or (n.type == "identifier" and n.parent is not None
                                                 and n.parent.type == "lambda_expression"):
            out |= {j.text(c) for c in walk(n) if c.type == "identifier"}
    return out


def _guard_ifs(j: Parsed, method: ts.Node, before: int) -> list[ts.Node]:
    """The method's own login checks before the signing call: `if (principal == null) return ...401...`."""
    body = method.child_by_field_name("body")
    out = []
    for st in body.named_children if body is not None else []:
        if st.end_byte > before or st.type != "if_statement" or st.child_by_field_name("alternative") is not None:
            continue
        then = j.text(st.child_by_field_name("consequence"))
        if re.search(r"\b(return|throw)\b", then) and _REFUSES.search(then):
            out.append(st)
    return out


def _member_range(j: Parsed, method: ts.Node) -> tuple[int, int]:
    """Bytes of a method with the `// Zendesk ...` comment lines above it, whole lines."""
    start = j.line_start(comment_start(j.data, method.start_byte))
    end = j.data.find(b"\n", method.end_byte)
    end = len(j.data) if end < 0 else end + 1
    if j.data[end:end + 1] == b"\n" or j.data[end:end + 2] == b"\r\n":  # the blank line after it
        end = j.data.find(b"\n", end) + 1
    elif j.data[start - 2:start] == b"\n\n":  # last member: the blank line before it
        start -= 1
    return start, end


def _rewrite(src: SourceFile, plan: BackendPlan, config, security: bool, jakarta: bool, replace: bool,
             rules: list[tuple[list[str] | None, bool]] = ()) -> tuple[str, str, str, int]:
    """The controller with the Claims method beside the endpoint (or in its place): its text, package,
    route and the Claims method's line."""
    issuer_path = config.issuer_path
    j = Parsed(src.text, "java")
    s = plan.signer
    at = j.byte_at(s.line, s.column)
    method = routes.enclosing(j.doc, at, "method_declaration")
    cls = routes.enclosing(j.doc, at, "class_declaration")
    if method is None or cls is None:
        raise WiringError(f"{s.path}:{s.line}: the signing code is not in a controller method; implement "
                          f"{PROVIDER}.Claims by hand")
    anns = _annotations(j, method)
    mapping = routes.mapping(j.doc, method)
    if mapping is None:
        raise WiringError(f"{s.path}:{s.line}: the method {j.text(method.child_by_field_name('name'))} is not a "
                          f"request mapping (@GetMapping...); implement {PROVIDER}.Claims by hand")
    if not routes.is_controller(j.doc, cls):
        raise WiringError(f"{s.path}:{s.line}: {j.text(cls.child_by_field_name('name'))} is not a @Controller; "
                          f"implement {PROVIDER}.Claims by hand")
    wired = routes.mapping_route(j.doc, method, cls, mapping)
    old_path = wired.split(" ", 1)[1]
    guards = [j.text(a) for a in anns if j.text(a.child_by_field_name("name")) not in _MAPPINGS]
    annotated = {j.text(a.child_by_field_name("name")).rsplit(".", 1)[-1] for a in anns + _annotations(j, cls)}
    indent, step = claims_indent(j, method, cls, plan, replace)

    # The old parameters, bound from what Claims receives.
    request, principal, binds, unbindable = "request", "principal", [], set()
    params = method.child_by_field_name("parameters")
    for p in params.named_children if params else []:
        if p.type != "formal_parameter":
            continue
        ptype = j.text(p.child_by_field_name("type"))
        pname = j.text(p.child_by_field_name("name"))
        pann = {j.text(a.child_by_field_name("name")) for a in _annotations(j, p)}
        if "AuthenticationPrincipal" in pann:
            binds.append(f"{ptype} {pname} = ({ptype}) ((Authentication) {principal}).getPrincipal();")
        elif ptype == "Principal":
            principal = pname
        elif ptype in ("Authentication", "OAuth2AuthenticationToken", "JwtAuthenticationToken",
                       "UsernamePasswordAuthenticationToken"):
            binds.append(f"{ptype} {pname} = ({ptype}) {principal};")
        elif ptype == "HttpServletRequest":
            request = pname
        elif ptype == "HttpSession":
            binds.append(f"{ptype} {pname} = {request}.getSession(false);")
        else:
            unbindable.add(pname)
    if principal != "principal":
        binds = [b.replace("principal", principal) if "(Authentication) principal" in b or b.endswith(" principal;")
                 else b for b in binds]
    checks, code, claims, unbound = carried(j, method, at, plan, step, binds, (request, principal))
    checked = bool(annotated & _LOGIN_ANNOTATIONS) or bool(checks) or _url_guarded(list(rules), old_path)
    if unbound:
        body = [*unbound, "return null; // nobody is signed in until the claims are written"]
    elif not checked:
        # Nothing said the endpoint needs a login: the claims say nobody until something does.
        body = [f"// TODO(migrate:ZG223): the Zendesk endpoint {wired} had no login check (no @PreAuthorize, "
                "no rule for it in the SecurityFilterChain,",
                "// no check in the method): these claims say nobody is signed in until one guards them "
                '(@PreAuthorize("isAuthenticated()")', "// or a rule); then set loginChecked to true.",
                "boolean loginChecked = false;", f"if (!loginChecked) {{\n{step}return null;\n}}",
                *binds, *code, *claims]
    else:
        body = [*binds, *code, *claims]
    if security:
        body[0:0] = [f"// TODO(migrate:ZG225): Spring Security: Genesys calls {issuer_path}/token, /jwks.json, "
                     f"/userinfo and /.well-known/** server-side:",
                     f'// permit them without a login and exempt the token endpoint from CSRF '
                     f'(csrf.ignoringRequestMatchers("{issuer_path}/token")).']
    how = "replace" if replace else "take over from"
    lines = [f"// Genesys Cloud Messenger signs visitors in through the OpenID provider at {issuer_path}",
             f"// ({PROVIDER}); these claims {how} the Zendesk token endpoint {old_path}.",
             "@Override", *guards,
             f"public Map<String, Object> claims(HttpServletRequest {request}, Principal {principal}) {{",
             *(step + b.replace("\n", "\n" + step) for b in body), "}"]
    edits = claims_edits(j, method, cls, plan, config, wired, indent, "\n".join(lines), replace)
    text = apply_edits(src.text, edits)
    servlet = "jakarta" if jakarta else "javax"
    wanted = ["java.util.LinkedHashMap", "java.util.Map", "java.security.Principal",
              f"{servlet}.servlet.http.HttpServletRequest"]
    if any("(Authentication)" in b for b in binds):
        wanted.append("org.springframework.security.core.Authentication")
    pkg = next((n for n in j.doc.root.named_children if n.type == "package_declaration"), None)
    package = re.sub(r"^package\s+|;$", "", j.text(pkg).strip()) if pkg is not None else ""
    text = _fix_imports(src.text if replace else text, text.replace("\r\n", "\n"), wanted)
    line = next(n for n, ln in enumerate(text.split("\n"), 1) if "public Map<String, Object> claims(" in ln)
    return with_newlines(text, src.newline), package, wired, line


def claims_indent(j: Parsed, method: ts.Node, cls: ts.Node, plan: BackendPlan, replace: bool,
                  provider: str = PROVIDER) -> tuple[str, str]:
    """The indent of the endpoint's method, where the Claims method goes, and one step of it; beside
    the endpoint, a class with a claims method already is left to wire by hand."""
    s = plan.signer
    if not replace and any(j.text(c) == "claims" for c in walk(cls) if c.type == "identifier"
                           and c.parent is not None and c.parent.type == "method_declaration"):
        raise WiringError(f"{s.path}:{s.line}: {j.text(cls.child_by_field_name('name'))} has a claims method "
                          f"already; implement {provider}.Claims by hand")
    start = j.line_start(method.start_byte)
    indent = j.text_[j.char(start):j.char(method.start_byte)]
    indent = indent if not indent.strip() else "    "
    return indent, "    " if indent.startswith(" ") or not indent else "\t"


def carried(j: Parsed, method: ts.Node, at: int, plan: BackendPlan, step: str, binds: list[str],
            receives: tuple[str, str]) -> tuple[list[ts.Node], list[str], list[str], list[str]]:
    """What the endpoint's own code gives the Claims method: its login checks (the ifs that end the
    request before `at`), the checks and the locals they or the claims read, in order, as Java
    lines; the lines that build and return the claims; and a REBIND_RULE TODO for each that reads a
    name of the old method the provider's request does not carry (`receives`: the Claims method's
    parameters, `binds`: what is bound from them)."""
    checks = _guard_ifs(j, method, at)
    used = "\n".join([*(m.expression.text for m in plan.claims),
                      *(j.text(c.child_by_field_name("condition")) for c in checks)])
    local_nodes = _locals(j, method, at, used)
    pieces = sorted(local_nodes + checks, key=lambda n: n.start_byte)
    own = _declared(j, method)
    bound = set(receives) | {b.split(" = ")[0].split()[-1] for b in binds} | \
        {n for st in local_nodes for n in _declared(j, st)}
    unbound = []
    for m in plan.claims:
        free = sorted(_names_in(m.expression.text) & own - bound)
        if free:
            unbound.append(f"// TODO(migrate:{REBIND_RULE}): `{' '.join(m.expression.text.split())}` ({m.source}) "
                           f"reads `{'`, `'.join(free)}`, unknown to the provider's request: write the claim from "
                           f"{receives[0]} or {receives[1]}")
    for st in pieces:
        read = j.text(st if st.type != "if_statement" else st.child_by_field_name("condition"))
        free = sorted(_names_in(read) & own - bound - _declared(j, st))
        if free:
            unbound.append(f"// TODO(migrate:{REBIND_RULE}): `{' '.join(read.split())[:80]}` reads "
                           f"`{'`, `'.join(free)}`, unknown to the provider's request")
    code = []
    for st in pieces:
        if st.type == "if_statement":
            code.append(f"if {j.text(st.child_by_field_name('condition'))} {{\n{step}return null;\n}}")
        else:
            code.append(" ".join(j.text(st).split()))
    puts = [(f'claims.put("{m.target}", {_java_value(m)});', f"// {m.source} -> {m.target} ({m.origin})")
            for m in plan.claims]
    width = max((len(a) for a, _ in puts), default=0)
    claims = ["Map<String, Object> claims = new LinkedHashMap<>();", *(f"{a.ljust(width)} {b}" for a, b in puts),
              *(f"// TODO(migrate:{t.rule}): {t.text}" for t in plan.todos), "return claims;"]
    return checks, code, claims, unbound


def claims_edits(j: Parsed, method: ts.Node, cls: ts.Node, plan: BackendPlan, config, wired: str, indent: str,
                 new: str, replace: bool, provider: str = PROVIDER) -> list[Edit]:
    """The Claims method `new` in place of the endpoint (replace), or after it with the keep note above
    it; and the class implementing `provider`.Claims."""
    new = new.replace("\n", "\n" + indent)
    if replace:
        edits = [Edit(j.char(comment_start(j.data, method.start_byte)), j.char(method.end_byte), new)]
    else:
        s = plan.signer
        span = s.span or (method.start_point[0] + 1, 0)
        note_at = j.byte_at(span[0], 1)
        first = j.text_.split("\n")[span[0] - 1]
        edits = [Edit(j.char(method.end_byte), j.char(method.end_byte), "\n\n" + indent + new),
                 Edit(j.char(note_at), j.char(note_at),
                      first[:len(first) - len(first.lstrip())] + "// " + keep_note(wired, config) + "\n")]
    interfaces = next((c for c in cls.children if c.type == "super_interfaces"), None)
    if interfaces is not None:
        edits.append(Edit(j.char(interfaces.end_byte), j.char(interfaces.end_byte), f", {provider}.Claims"))
    else:
        anchor = cls.child_by_field_name("superclass") or cls.child_by_field_name("type_parameters") \
            or cls.child_by_field_name("name")
        edits.append(Edit(j.char(anchor.end_byte), j.char(anchor.end_byte), f" implements {provider}.Claims"))
    return edits


def _cut(src: SourceFile, plan: BackendPlan) -> tuple[str, str]:
    """Cut-over of a kept endpoint: the method, its keep note and the imports only it used go."""
    j = Parsed(src.text, "java")
    s = plan.signer
    at = j.byte_at(s.line, s.column)
    endpoint = routes.endpoint(j.doc, at)
    if endpoint is None:
        raise WiringError(f"{s.path}:{s.line}: the Zendesk endpoint is not a controller method any more; "
                          "remove it by hand")
    start, end = _member_range(j, endpoint.method)
    text = apply_edits(src.text, [Edit(j.char(start), j.char(end), "")])
    return with_newlines(_fix_imports(src.text, text.replace("\r\n", "\n"), []), src.newline), endpoint.route


def _fix_imports(before: str, text: str, wanted: list[str]) -> str:
    """Imports the edit made unused dropped (the old JWT library's among them); the wanted ones added."""
    rx = re.compile(r"^import\s+(static\s+)?([\w.]+)(\.\*)?\s*;[ \t]*\n", re.M)

    def used(code: str, imp: str) -> bool:
        body = re.sub(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"', "", rx.sub("", code), flags=re.S)
        return re.search(rf"(?<![\w.]){re.escape(imp.rsplit('.', 1)[-1])}(?!\w)", body) is not None

    imports = [(m.group(2), bool(m.group(1)), bool(m.group(3))) for m in rx.finditer(text)]
    drop = {name for name, static, star in imports if not star and used(before, name) and not used(text, name)}
    have = {name for name, _, _ in imports}
    add = [w for w in wanted if w not in have and used(text, w)
           and not any(star and w.rsplit(".", 1)[0] == name for name, _, star in imports)]
    out = rx.sub(lambda m: "" if m.group(2) in drop and not m.group(3) else m.group(0), text)
    if not add:
        return out
    block = list(rx.finditer(out))
    if block:
        plain = [m for m in block if not m.group(1)]
        lines = sorted({m.group(0) for m in plain} | {f"import {w};\n" for w in add},
                       key=lambda s: s.replace("import ", "").rstrip(";\n"))
        start, end = plain[0].start(), plain[-1].end()
        segment = out[start:end]
        if all(m.group(0) in segment for m in plain) and not re.search(r"^(?!import\s)\S", segment, re.M):
            return out[:start] + "".join(lines) + out[end:]
        return out[:start] + "".join(f"import {w};\n" for w in add) + out[start:]
    pkg = re.search(r"^package\s+[\w.]+\s*;[ \t]*\n", out, re.M)
    at = pkg.end() if pkg else 0
    return out[:at] + "\n" + "".join(f"import {w};\n" for w in add) + out[at:]
