"""Java, framework not recognised (or the endpoint not found): GenesysOidcServlet (a Jakarta servlet,
which every Java web stack can map) next to the signer, GenesysClaims computed by the signing code's
own expressions, nimbus-jose-jwt in the build file, and a TODO(migrate:ZG221) above the signing code
saying how to map it.  Nothing is removed."""

from __future__ import annotations

import posixpath
import re

from migrate.generate.backends import MOUNT_RULE, REBIND_RULE, WireContext, Wiring, is_note, mount_note, nearest
from migrate.generate.changes import Edit, apply_edits, with_newlines
from migrate.generate.positions import Parsed
from migrate.generate.render import render
from migrate.lang.java import routes
from migrate.lang.java.frameworks.spring import (
    JEDIS,
    NIMBUS,
    _declared,
    _guard_ifs,
    _java_value,
    _locals,
    _names_in,
    gradle,
    pom,
)

PROVIDER, CLAIMS = "GenesysOidcServlet", "GenesysClaims"


def wire(ctx: WireContext, why: str) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    j = Parsed(src.text, "java")
    here = posixpath.dirname(s.path)
    line = (s.span or (s.line, 0))[0]
    out = Wiring(route=s.route, todo=f"{s.path}:{line}: {why}")
    lines = src.text.split("\n")
    if line > 1 and is_note(lines[line - 2], MOUNT_RULE):  # an earlier run wrote the provider already
        return out
    build = next((b for b in (nearest(ctx.root, here, n) for n in ("pom.xml", "build.gradle.kts", "build.gradle"))
                  if b), None)
    build_text = ctx.source(build).text if build else ""
    javax = "javax.servlet" in src.text or "javax.servlet" in build_text
    pkg = re.search(r"^package\s+([\w.]+)\s*;", src.text, re.M)
    head = f"package {pkg.group(1)};\n\n" if pkg else ""

    provider = render(f"java/servlet/{PROVIDER}.java.j2", issuer_path=config.issuer_path)
    if javax:
        provider = provider.replace("import jakarta.servlet.", "import javax.servlet.")
    provider_path = posixpath.join(here, f"{PROVIDER}.java")
    out.new_files[provider_path] = with_newlines(head + provider, src.newline)
    out.why(provider_path, "new: the OpenID provider as a servlet (discovery, JWKS, authorize, token, userinfo; "
                           "RS256, PKCE, nonce) [templates/java/servlet]")
    claims_path = posixpath.join(here, f"{CLAIMS}.java")
    body, unbound = _claims_body(j, plan, src.text)
    imports = [m.group(0).strip() for m in re.finditer(r"^import\s+[\w.*]+\s*;", src.text, re.M)]
    code = "\n".join(body)
    used = [i for i in imports if i.endswith(".*;") or re.search(rf"\b{re.escape(i.rsplit('.', 1)[-1][:-1])}\b", code)]
    servlet = "javax" if javax else "jakarta"
    wanted = sorted(set(used) | {f"import {servlet}.servlet.http.HttpServletRequest;", "import java.util.Map;"} |
                    ({"import java.util.LinkedHashMap;"} if "LinkedHashMap" in code else set()))
    text = (head + "\n".join(wanted) + "\n\n"
            f"/**\n * The signed-in visitor's ID-token claims for the Genesys Cloud sign-in provider ({PROVIDER}),\n"
            f" * computed as the Zendesk token code in {posixpath.basename(s.path)} computes them; null when nobody\n"
            f" * is signed in. Map the provider with the site's login filter in front of it:\n"
            f" * {{@code new {PROVIDER}(new {CLAIMS}())}} at {config.issuer_path}/*.\n */\n"
            + f"public class {CLAIMS} implements {PROVIDER}.Claims {{\n\n"
            f"    @Override\n    public Map<String, Object> claims(HttpServletRequest request) {{\n"
            + "".join(f"        {b}\n".replace("\n", "\n        ").rstrip(" ") for b in body)
            + "    }\n}\n")
    out.new_files[claims_path] = with_newlines(text, src.newline)
    out.why(claims_path, f"new: {CLAIMS}, the claims the Zendesk token code signed, for the OpenID provider"
                         + (f" (TODO(migrate:{REBIND_RULE}): some could not be carried)" if unbound else ""))
    module = f"{provider_path} (new {PROVIDER}(new {CLAIMS}()) at {config.issuer_path}/*)"
    start = j.byte_at(line, 1)
    first = lines[line - 1]
    note = f"{first[:len(first) - len(first.lstrip())]}// {mount_note(module, config, why)}\n"
    out.files[s.path] = with_newlines(apply_edits(src.text, [Edit(j.char(start), j.char(start), note)]), src.newline)
    out.why(s.path, f"line {line}: TODO(migrate:{MOUNT_RULE}): where to map the OpenID provider ({why})")
    if build:
        updated = (pom if build.endswith(".xml") else gradle)(build_text)
        if updated is not None:
            out.files[build] = updated
            out.why(build, f"dependencies {':'.join(NIMBUS)} and {':'.join(JEDIS)} for the OpenID provider")
    return out


def _claims_body(j: Parsed, plan, text: str) -> tuple[list[str], list[str]]:
    """The statements of GenesysClaims.claims(request): the old expressions rebound to the request, or
    `return null` with a TODO(migrate:ZG222) for each expression reading what the request cannot give."""
    s = plan.signer
    at = j.byte_at(s.line, s.column)
    method = routes.enclosing(j.doc, at, "method_declaration")
    cls = routes.enclosing(j.doc, at, "class_declaration")
    binds, bound = [], {"request"}
    params = method.child_by_field_name("parameters") if method is not None else None
    for p in params.named_children if params is not None else []:
        if p.type != "formal_parameter":
            continue
        ptype, pname = j.text(p.child_by_field_name("type")), j.text(p.child_by_field_name("name"))
        if ptype == "HttpServletRequest":
            binds.append(f"HttpServletRequest {pname} = request;" if pname != "request" else "")
        elif ptype == "Principal":
            binds += [f"java.security.Principal {pname} = request.getUserPrincipal();",
                      f"if ({pname} == null) {{\n    return null;\n}}"]
        elif ptype == "HttpSession":
            binds.append(f"{ptype} {pname} = request.getSession(false);")
        else:
            continue
        bound.add(pname)
    binds = [b for b in binds if b]
    checks = _guard_ifs(j, method, at) if method is not None else []
    used = "\n".join([*(m.expression.text for m in plan.claims),
                      *(j.text(c.child_by_field_name("condition")) for c in checks)])
    local = _locals(j, method, at, used) if method is not None else []
    bound |= {n for st in local for n in _declared(j, st)}
    own = (_declared(j, method) if method is not None else set())
    if cls is not None:  # the old class's fields are not GenesysClaims'
        own |= {j.text(d.child_by_field_name("name")) for f in cls.child_by_field_name("body").named_children
                if f.type == "field_declaration" for d in f.named_children if d.type == "variable_declarator"}
    unbound = []
    for m in plan.claims:
        free = sorted(_names_in(m.expression.text) & own - bound)
        if free:
            unbound.append(f"// TODO(migrate:{REBIND_RULE}): `{' '.join(m.expression.text.split())}` ({m.source}) reads "
                           f"`{'`, `'.join(free)}`, unknown to the provider's request: write the claim from request")
    pieces = sorted(local + checks, key=lambda n: n.start_byte)
    for st in pieces:
        read = j.text(st if st.type != "if_statement" else st.child_by_field_name("condition"))
        free = sorted(_names_in(read) & own - bound - _declared(j, st))
        if free:
            unbound.append(f"// TODO(migrate:{REBIND_RULE}): `{' '.join(read.split())[:80]}` reads "
                           f"`{'`, `'.join(free)}`, unknown to the provider's request")
    if unbound:
        return [*unbound, "return null; // nobody is signed in until the claims are written"], unbound
    code = [f"if {j.text(st.child_by_field_name('condition'))} {{\n    return null;\n}}" if st.type == "if_statement"
            else " ".join(j.text(st).split()) for st in pieces]
    puts = [f'claims.put("{m.target}", {_java_value(m)}); // {m.source} -> {m.target} ({m.origin})' for m in plan.claims]
    return [*binds, *code, "Map<String, Object> claims = new LinkedHashMap<>();", *puts,
            *(f"// TODO(migrate:{t.rule}): {t.text}" for t in plan.todos), "return claims;"], []
