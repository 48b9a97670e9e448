"""Symfony: GenesysOidcController (an AbstractController) next to the Zendesk token controller,
its routes under the issuer path written the way the old route was (``#[Route]`` attributes or
``@Route`` annotations, picked up by the same attribute/annotation routing), authorize() behind the
old route's login checks (``#[IsGranted]`` / ``@IsGranted`` / ``@Security`` of the method and its
class, and the checks inside the action such as ``$this->denyAccessUnlessGranted(...)``) with the
claims computed by the old action's own expressions (``$this->getUser()`` and the services it was
handed); the protocol is genesys-oidc-provider.php, as for plain PHP and Laravel.

By default the old action stays as it was, the keep note above it; at cut-over it goes with the
imports only it used (see migrate.generate.backends for the modes)."""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from migrate.generate.backends import WireContext, Wiring, WiringError, keep_note
from migrate.generate.changes import with_newlines
from migrate.generate.render import render
from migrate.lang.php import routes
from migrate.lang.php.frameworks import notes
from migrate.lang.php.frameworks.php import (
    PROVIDER,
    Script,
    add_composer,
    assigned,
    claim_lines,
    needed_locals,
    reindent,
)

CONTROLLER = "GenesysOidcController"
_GUARDS = ("IsGranted", "Security")
_CHECKS = re.compile(r"denyAccessUnlessGranted|\bthrow\b|\breturn\b|\bexit\b|\bdie\b|redirectToRoute")
# What GenesysOidcController has from AbstractController: `$this->x(...)` calls the new controller answers.
_ABSTRACT_CONTROLLER = frozenset({
    "getUser", "isGranted", "denyAccessUnlessGranted", "getParameter", "json", "file", "redirect",
    "redirectToRoute", "generateUrl", "render", "renderView", "createNotFoundException",
    "createAccessDeniedException", "createForm", "createFormBuilder", "addFlash", "isCsrfTokenValid",
    "container", "forward", "stream",
})


def _attributes(script: Script, node: ts.Node) -> list[tuple[str, str]]:
    """(name, text) of each attribute of a declaration: ("IsGranted", "#[IsGranted('ROLE_USER')]")."""
    out = []
    for lst in (c for c in node.named_children if c.type == "attribute_list"):
        for attr in (a for g in lst.named_children for a in g.named_children if a.type == "attribute"):
            name = script.text(attr.named_children[0]).rsplit("\\", 1)[-1] if attr.named_children else ""
            out.append((name, f"#[{script.text(attr)}]"))
    return out


def _docblock(script: Script, node: ts.Node) -> str:
    prev = node.prev_named_sibling
    text = script.text(prev) if prev is not None and prev.type == "comment" else ""
    return text if text.startswith("/**") else ""


def _annotations(text: str) -> list[str]:
    """The guard annotations of a doc comment: ``@IsGranted("ROLE_USER")``, ``@Security("...")``."""
    return [m.group(0) for m in re.finditer(r"@(?:IsGranted|Security)\((?:[^()]|\([^()]*\))*\)", text)]


def _imports(script: Script) -> dict[str, str]:
    """Short name -> its `use` line, of the file's imports."""
    out = {}
    for n in script.doc.root.named_children:
        if n.type != "namespace_use_declaration":
            continue
        text = script.text(n)
        m = re.fullmatch(r"use\s+([\w\\]+)(?:\s+as\s+(\w+))?\s*;", text.strip())
        if m:
            out[m.group(2) or m.group(1).rsplit("\\", 1)[-1]] = text.strip()
    return out


def _namespace(script: Script) -> str:
    n = next((c for c in script.doc.root.named_children if c.type == "namespace_definition"), None)
    name = next((c for c in n.named_children if c.type == "namespace_name"), None) if n is not None else None
    return script.text(name) if name is not None else ""


def _params(script: Script, method: ts.Node) -> tuple[list[str], str, set[str]]:
    """The old action's parameters the new authorize() takes too (the Request, the services and the
    user Symfony resolves by type), the request variable, and the names of those it cannot have
    (route placeholders and other scalars)."""
    params = method.child_by_field_name("parameters")
    carried, request, dropped = [], None, set()
    for p in params.named_children if params is not None else []:
        name = p.child_by_field_name("name")
        if name is None:
            continue
        var = script.text(name).lstrip("$")
        type_ = p.child_by_field_name("type")
        type_text = script.text(type_) if type_ is not None else ""
        if re.search(r"(?:^|\\)Request$", type_text.lstrip("?")):
            request = var
            carried.append(script.text(p))
        elif type_text and type_text.lstrip("?")[:1].isupper() and "|" not in type_text:
            carried.append(script.text(p))  # a service, or the #[CurrentUser] user: resolved by type
        else:
            dropped.add(var)
    if request is None:
        request = "request"
        carried.insert(0, "Request $request")
    return carried, request, dropped


def _free(text: str, bound: set[str]) -> list[str]:
    """What `text` reads that the new controller does not have: unbound variables, and `$this->x`
    properties or methods of the old controller."""
    names = [f"${v}" for v in notes.unbound(text, bound | {"this"})]
    for m in re.finditer(r"(?<![\w\\])(?:self|static|parent)::\$?\w+", text):  # the old class's own
        if m.group(0) not in names and not m.group(0).endswith("::class"):
            names.append(m.group(0))
    for m in re.finditer(r"\$this->(\w+)(\s*\()?", text):
        if not (m.group(2) and m.group(1) in _ABSTRACT_CONTROLLER) and f"$this->{m.group(1)}" not in names:
            names.append(f"$this->{m.group(1)}")
    return names


def _unbound_todo(expression: str, names: list[str]) -> str:
    return (f"TODO(migrate:ZG222): `{' '.join(expression.split())}` reads {', '.join(f'`{n}`' for n in names)}, "
            "unknown in GenesysOidcController: nobody is signed in until the claim is written from the signed-in user")


def _body(script: Script, ctx: WireContext, method: ts.Node, request: str, bound: set[str],
          guarded: bool) -> tuple[list[str], bool, bool]:
    """authorize()'s statements (4-space steps), whether it refuses everyone (no login check), and
    whether a claim could not be rebound."""
    plan = ctx.plan
    s = plan.signer
    at = script.byte_at(s.line, s.column)
    body = method.child_by_field_name("body")
    before: list[tuple[set[str] | None, str]] = []
    for stmt in body.named_children if body is not None else []:
        if stmt.start_byte > at or stmt.end_byte > at:
            break
        if stmt.type != "comment":
            before.append((assigned(script, stmt), script.text(stmt)))
    used = "\n".join(m.expression.text for m in plan.claims)
    locals_ = needed_locals([(n, t) for n, t in before if n is not None], used)
    checks = [t for n, t in before if n is None and "encode(" not in t and _CHECKS.search(t)]
    for stmt in locals_:
        bound = bound | notes.variables(stmt.split("=", 1)[0])
    answer = f"return $this->answer(${request}, '/authorize'"
    lines: list[str] = []
    for stmt in checks:
        lines += reindent(stmt, "")
    free = {m.target: _free(m.expression.text + "\n" + "\n".join(locals_), bound) for m in plan.claims}
    refuse = not guarded and not checks
    if refuse:
        lines += [f"// TODO(migrate:ZG223): the Zendesk token route {s.route or ''} had no login check in its "
                  "controller; add the site's own".replace("  ", " "),
                  "// (#[IsGranted('ROLE_USER')], or the access_control rule of its path in security.yaml) and "
                  "hand the claims over:",
                  "// until then nobody is signed in here"]
    if refuse or any(free.values()):
        lines += [f"// {_unbound_todo(m.expression.text, free[m.target])}" for m in plan.claims if free[m.target]]
        lines += ["// " + x.lstrip() for stmt in locals_ for x in reindent(stmt, "")]
        lines += [f"// {answer}, ["] + [f"//     {c}" for c in claim_lines(plan)] + ["// ]);"]
        lines.append(f"{answer}, null);")
        return lines, refuse, bool(any(free.values()))
    if re.search(r"\$this->getUser\(\)\s*(->|\[)", "\n".join([used, *locals_])):  # nobody signed in: login_required
        lines += ["if ($this->getUser() === null) {", f"    {answer}, null);", "}"]
    for stmt in locals_:
        lines += reindent(stmt, "")
        user = re.match(r"\$(\w+)\s*=\s*\$this->getUser\(\)\s*;\s*$", stmt)
        if user:
            lines += [f"if (${user.group(1)} === null) {{", f"    {answer}, null);", "}"]
    lines.append(f"{answer}, [")
    lines += [f"    {c}" for c in claim_lines(plan)]
    lines.append("]);")
    return lines, False, False


def _without(script: Script, method: ts.Node) -> str:
    """The controller without the action: its doc comment, attributes, Zendesk comments and keep note
    go with it, and the imports nothing else names any more."""
    text = script.src.text
    start, end = script.line_range(method)
    start = notes.removal_start(text, start)
    removed = text[start:end]
    text = text[:start] + text[end:]
    for name, line in _imports(script).items():
        if re.search(rf"\b{re.escape(name)}\b", removed):
            rest = re.sub(rf"^[ \t]*{re.escape(line)}[ \t]*\r?\n", "", text, count=1, flags=re.M)
            if not re.search(rf"\b{re.escape(name)}\b", rest[rest.find("\n", rest.find("namespace ")) + 1:]
                             if "namespace " in rest else rest):
                text = rest
    text = re.sub(r"(\r?\n)(?:[ \t]*\r?\n){2,}", r"\1\1", text)
    return re.sub(r"(\r?\n)[ \t]*\r?\n([ \t]*\})", r"\1\2", text)


def _mounted(path: str, text: str, issuer_path: str) -> str | None:
    for number, line in enumerate(text.splitlines(), 1):
        if f"{issuer_path}/authorize" in line and ("Route(" in line):
            return f"{path}:{number}"
    return None


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    script = Script.parse(src)
    at = script.byte_at(s.line, s.column)
    reg = routes.symfony_route(script.doc, at)
    found = routes.symfony_method(script.doc, at)
    if reg is None or found is None:
        raise WiringError("the signing code is not in a controller action with a Symfony #[Route] or @Route")
    cls, method = found
    name = script.text(method.child_by_field_name("name"))
    klass = script.text(cls.child_by_field_name("name"))
    out = Wiring(route=reg.route)
    directory = posixpath.dirname(s.path)
    controller_path = posixpath.join(directory, f"{CONTROLLER}.php")

    if ctx.cutover:  # the old action goes (a route never wired gets the provider in the same step)
        out.files[s.path] = _without(script, method)
        out.why(s.path, f"line {s.line}: Zendesk JWT action {klass}::{name}() and its route {reg.route} removed "
                        "at cut-over")
        if ctx.kept:
            return out
    else:
        text, _ = notes.insert_note(src.text, (s.span[0] if s.span else s.line) - 1, keep_note(reg.route, config))
        out.files[s.path] = text
        out.why(s.path, f"line {s.line}: Zendesk JWT action {klass}::{name}() kept until cut-over "
                        f"(TODO(migrate:ZG220)); {CONTROLLER}::authorize() serves Messenger sign-in with its "
                        f"claims [{plan.view.profile}.yaml]")

    imports = _imports(script)
    route_class = next((line.removeprefix("use ").rstrip(";").split(" as ")[0] for short, line in imports.items()
                        if short == "Route" and "Symfony\\Component\\Routing" in line),
                       "Symfony\\Component\\Routing\\Annotation\\Route")
    attrs = [a for a in _attributes(script, method) if a[0] == "Route"]
    annotations = not attrs and "@Route(" in _docblock(script, method)
    if annotations:
        guards = _annotations(_docblock(script, cls)) + _annotations(_docblock(script, method))
    else:
        guards = [t for n, t in _attributes(script, cls) + _attributes(script, method) if n in _GUARDS]
    params, request, _ = _params(script, method)
    bound = {request} | {v for p in params for v in notes.variables(p)}
    body, refuse, unbound = _body(script, ctx, method, request, bound, bool(guards))
    code = "\n".join(guards + params + body)
    uses = [line for short, line in imports.items()
            if short not in ("Route", "Request", "Response", "AbstractController")
            and re.search(rf"(?<![\w$\\]){re.escape(short)}\b", code)]
    controller = render("php/symfony/GenesysOidcController.php.j2", issuer_path=config.issuer_path,
                        namespace=_namespace(script), route_class=route_class, uses=uses, annotations=annotations,
                        replaces=reg.route, source=f"{klass}::{name}()", guards=guards, params=", ".join(params),
                        body=body)
    out.new_files[controller_path] = with_newlines(controller, src.newline)
    behind = ", ".join(guards) or ("the action's own check" if not refuse else "a guard that refuses (ZG223)")
    out.why(controller_path, f"new: the provider's Symfony controller under {config.issuer_path}, authorize() behind "
                             f"{behind}{', claims say nobody (ZG222)' if unbound else ''} [templates/php/symfony]")
    core = posixpath.join(directory, PROVIDER)
    if not (ctx.root / core).exists():
        out.new_files[core] = with_newlines(render("php/oidc-provider.php.j2", issuer_path=config.issuer_path),
                                            src.newline)
        out.why(core, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, nonce) "
                      "[templates/php]")
    add_composer(ctx, out, directory)
    out.mounted = _mounted(controller_path, out.new_files[controller_path], config.issuer_path)
    return out
