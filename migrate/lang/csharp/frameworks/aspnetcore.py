"""ASP.NET Core: the OpenID provider mapped at the issuer path beside the Zendesk token endpoint,
with the endpoint's own authorization (`[Authorize]`, a policy, a login check inside the action),
its claims computed by the old code's own expressions.

Two shapes of endpoint:

- a controller action (`[HttpGet("jwt")] public IActionResult Jwt() {...}` in a class deriving
  from Controller / ControllerBase): Program.cs maps the provider before `app.Run()`, with `User.`
  read as `ctx.User.` and so on;
- a minimal API route (`app.MapGet("/zendesk/jwt", (...) => {...}).RequireAuthorization(...)`):
  the provider is mapped right above the statement, on the same receiver.

By mode (see migrate.generate.backends): by default the old endpoint stays as it was, with the
keep note (TODO ZG220) right above it; `--cutover` on an endpoint kept so removes it (and the
using directives and the JWT.Net package only it used); `--cutover` on an endpoint never wired
replaces it by the provider in one step.

Program.cs (the file with `WebApplication.CreateBuilder`) registers the provider's services
before `builder.Build()`; the project file gains System.IdentityModel.Tokens.Jwt; the provider
itself is GenesysOidcProvider.cs next to Program.cs. Edits are text edits at tree-sitter node
positions, so everything else in the files stays as written.
"""

from __future__ import annotations

import posixpath
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field

import tree_sitter as ts

from migrate.extract.treesitter import walk
from migrate.generate.backends import WireContext, Wiring, WiringError, keep_note
from migrate.generate.changes import Edit, apply_edits, with_newlines
from migrate.generate.config import Config
from migrate.generate.plan import BackendPlan
from migrate.generate.positions import comment_start
from migrate.generate.render import render
from migrate.lang.csharp import routes
from migrate.lang.csharp.frameworks import systemweb
from migrate.lang.csharp.frameworks.aspnetcore_claims import (
    CONTROLLER_MEMBERS,
    CONTROLLER_REWRITES,
    PARAMETER_TYPES,
    Check,
    Scope,
    claims_function,
)
from migrate.lang.csharp.frameworks.aspnetcore_files import (
    PACKAGE,
    PACKAGE_VERSION,
    REDIS_PACKAGE,
    REDIS_PACKAGE_VERSION,
    CsFile,
    attribute_args,
    attributes,
    calls,
    csharp_string,
    declared_name,
    drop_unused_usings,
    indented,
    project_file,
    project_with_package,
    project_without_package,
    statement_of,
    using_edits,
)

PROVIDER_FILE = "GenesysOidcProvider.cs"
NAMESPACE = "GenesysOidc"
# Interfaces that model binding fills from the request (everything else an interface names is a service).
_BOUND_INTERFACES = re.compile(r"IForm\w*|I(ReadOnly)?(Enumerable|List|Collection|Dictionary|Set)\b|IAsyncEnumerable\b")
_GENERATED = re.compile(r"^\s*namespace\s+GenesysOidc\b[\s\S]*\bMapGenesysOidc\s*\(\s*this\s+IEndpointRouteBuilder",
                        re.M)
_SKIP_DIRS = {"bin", "obj", "node_modules", ".git", ".vs", "packages"}


# --- the old endpoint -------------------------------------------------------------------------------

@dataclass
class Guard:
    policy: str | None  # C# expression for authorizationPolicy: "\"\"", "\"Customers\"", a constant, or None
    todos: list[str] = field(default_factory=list)
    described: str = ""  # what the old endpoint had, for the summary
    unguarded: str | None = None  # why the old endpoint had no guard (then the claims function refuses)
    checks: tuple[Check, ...] = ()  # login checks inside the old handler

    @property
    def argument(self) -> str:
        return self.policy if self.policy is not None else "null"


def _authorize_guard(f: CsFile, attrs: list[ts.Node], anonymous: bool, what: str) -> Guard:
    """[Authorize] / [Authorize("policy")] / [Authorize(Policy = "x")] -> authorizationPolicy."""
    if anonymous or not attrs:
        why = "[AllowAnonymous]" if anonymous else "no [Authorize]"
        return Guard(None, [], "no authorization", _unguarded(f"{what} had {why}"))
    policies: list[str] = []
    todos: list[str] = []
    for attr in attrs:
        for label, value in attribute_args(f, attr):
            if label in (None, "Policy"):
                policies.append(f.text(value))
            elif label in ("Roles", "AuthenticationSchemes"):
                todos.append(f"ZG224: the old {what} had [Authorize({label} = {f.text(value)})]: the provider's "
                             f"authorize endpoint gets the default policy; register a policy for it "
                             f"(AddAuthorization(o => o.AddPolicy(...))) and pass its name")
    distinct = list(dict.fromkeys(policies))
    if len(distinct) > 1:
        todos.append(f"ZG224: the old {what} needed policies {', '.join(distinct)}; only {distinct[0]} is applied: "
                     "combine them into one policy")
    policy = distinct[0] if distinct else '""'
    return Guard(policy, todos, f"[Authorize{'(' + policy + ')' if distinct else ''}]")


def _unguarded(what: str) -> str:
    return (f"the old Zendesk token {what} and no login check: only authenticated users are signed in "
            "here; pass the site's login policy as authorizationPolicy, or write its login check here")


# `return Unauthorized();` and the like: what a login check inside a handler answers.
_REFUSALS = re.compile(
    r"^(?:(?:Typed)?Results\s*\.\s*)?(?:Unauthorized|Challenge|Forbid|Redirect\w*|LocalRedirect\w*|"
    r"StatusCode\s*\(\s*(?:StatusCodes\s*\.\s*Status)?40[13]\b)|^new\s+(?:Unauthorized|Challenge|Forbid)\w*\s*\(")


def _login_checks(f: CsFile, body: ts.Node | None, before: int) -> tuple[Check, ...]:
    """`if (!User.Identity.IsAuthenticated) return Unauthorized();` before the signing call."""
    out: list[Check] = []
    for stmt in body.named_children if body is not None and body.type == "block" else ():
        if stmt.start_byte >= before:
            break
        if stmt.type != "if_statement" or stmt.child_by_field_name("alternative") is not None:
            continue
        then = stmt.child_by_field_name("consequence")
        if then is not None and then.type == "block" and len(then.named_children) == 1:
            then = then.named_children[0]
        if then is None or then.type != "return_statement" or not then.named_children or stmt.end_byte > before:
            continue
        answer = f.text(then.named_children[0])
        if _REFUSALS.match(answer):
            cond = stmt.child_by_field_name("condition")
            out.append(Check(f.text(cond), f"the old handler answered {' '.join(answer.split())}"))
    return tuple(out)


@dataclass
class Action:
    """A controller action holding the signing call."""

    f: CsFile
    method: ts.Node
    cls: ts.Node

    @property
    def name(self) -> str:
        return self.f.text(self.method.child_by_field_name("name"))

    @property
    def class_name(self) -> str:
        return self.f.text(self.cls.child_by_field_name("name"))

    def route(self) -> str:
        return routes.action_route(self.f, self.method, self.cls)

    def guard(self) -> Guard:
        method = list(attributes(self.f, self.method))
        cls = list(attributes(self.f, self.cls))
        anonymous = any(n == "AllowAnonymous" for n, _ in cls + method)  # wins over any [Authorize]
        attrs = [a for n, a in cls + method if n == "Authorize"]
        return _authorize_guard(self.f, attrs, anonymous, "action")


@dataclass
class Route:
    """A minimal API route (`app.MapGet("/zendesk/jwt", (...) => {...})...;`) holding the signing call."""

    f: CsFile
    map_call: ts.Node
    handler: ts.Node  # the lambda
    statement: ts.Node
    receiver: str

    def route(self) -> str | None:
        return routes.map_route(self.f, self.map_call)

    def path(self) -> str:
        args = self.map_call.child_by_field_name("arguments")
        first = next((a for a in args.named_children if a.type == "argument"), None) if args else None
        return self.f.text(first.named_children[-1]) if first is not None and first.named_children else ""

    def chained(self) -> Iterator[tuple[str, ts.Node]]:
        """(method name, invocation) of the calls chained after MapGet: RequireAuthorization, WithName..."""
        node = self.map_call
        while node.parent is not None and node.parent.type == "member_access_expression" and \
                node.parent.parent is not None and node.parent.parent.type == "invocation_expression":
            yield self.f.text(node.parent.child_by_field_name("name")), node.parent.parent
            node = node.parent.parent

    def group(self) -> list[tuple[str, ts.Node]]:
        """The calls that built the receiver when it is a route group of this file
        (`var secure = app.MapGroup("/account").RequireAuthorization();`)."""
        value = next((d.named_children[-1] for d in walk(self.f.root) if d.type == "variable_declarator"
                      and len(d.named_children) > 1 and self.f.text(d.child_by_field_name("name")) == self.receiver
                      and d.start_byte < self.map_call.start_byte), None)
        out = []
        while value is not None and value.type == "invocation_expression":
            fn = value.child_by_field_name("function")
            if fn is None or fn.type != "member_access_expression":
                break
            out.append((self.f.text(fn.child_by_field_name("name")), value))
            value = fn.child_by_field_name("expression")
        return out if any(name == "MapGroup" for name, _ in out) else []

    def guard(self) -> Guard:
        attrs = [a for n, a in attributes(self.f, self.handler) if n == "Authorize"]
        anonymous = any(n == "AllowAnonymous" for n, _ in attributes(self.f, self.handler))
        todos: list[str] = []
        policies: list[str] = []
        required = False
        for name, call in [*self.group(), *self.chained()]:
            if name == "AllowAnonymous":
                anonymous = True
            elif name == "RequireAuthorization":
                required = True
                args = call.child_by_field_name("arguments")
                for a in (x for x in args.named_children if x.type == "argument") if args else ():
                    value = a.named_children[-1] if a.named_children else None
                    if value is None:
                        continue
                    if value.type in ("string_literal", "verbatim_string_literal", "identifier",
                                      "member_access_expression", "interpolated_string_expression"):
                        policies.append(self.f.text(value))
                    else:
                        todos.append(f"ZG224: the old route had RequireAuthorization({self.f.text(value)}): "
                                     "register it as a named policy and pass its name as authorizationPolicy")
        if attrs and not anonymous:
            g = _authorize_guard(self.f, attrs, False, "route")
            policies = ([g.policy] if g.policy and g.policy != '""' else []) + policies
            todos += g.todos
            required = True
        if anonymous or not required:
            why = ".AllowAnonymous()" if anonymous else "no RequireAuthorization"
            return Guard(None, todos, "no authorization", _unguarded(f"route had {why}"))
        distinct = list(dict.fromkeys(policies))
        if len(distinct) > 1:
            todos.append(f"ZG224: the old route needed policies {', '.join(distinct)}; only {distinct[0]} is "
                         "applied: combine them into one policy")
        policy = distinct[0] if distinct else '""'
        return Guard(policy, todos, f"RequireAuthorization({policy if distinct else ''})")


def _find_endpoint(f: CsFile, plan: BackendPlan, issuer_path: str) -> Action | Route:
    s = plan.signer
    found = routes.endpoint(f, f.byte_at(s.line, s.column))
    if found is not None and found.kind == "action" and found.cls is not None:
        return Action(f, found.handler, found.cls)
    stmt = statement_of(found.call) if found is not None and found.call is not None else None
    if found is not None and found.call is not None and stmt is not None:
        receiver = f.text(found.call.child_by_field_name("function").child_by_field_name("expression"))
        return Route(f, found.call, found.handler, stmt, receiver)
    where = f"{s.path}:{s.line}"
    raise WiringError(f"{where}: the Zendesk signing code is not inside a controller action or a minimal API "
                      f"route lambda (it is in {s.function or 'a helper'}); map the OpenID provider by hand: "
                      f"builder.Services.AddGenesysOidc() and app.MapGenesysOidc(\"{issuer_path}\", ctx => claims, "
                      "authorizationPolicy: \"\") in Program.cs, with GenesysOidcProvider.cs from templates/csharp")


# --- names of the old handler: what moves into the claims function ----------------------------------

def _parameters(f: CsFile, params: ts.Node | None) -> tuple[dict[str, str], set[str], str | None]:
    """(rewrites, stuck, name of the HttpContext parameter) for a handler's parameters."""
    rewrites: dict[str, str] = {}
    stuck: set[str] = set()
    context = None
    for p in (params.named_children if params is not None else ()):
        if p.type != "parameter":
            continue
        name = f.text(p.child_by_field_name("name"))
        type_ = re.sub(r"^(\w+\.)+", "", re.sub(r"\s+", "", f.text(p.child_by_field_name("type"))).removesuffix("?"))
        services = any(n == "FromServices" for n, _ in attributes(f, p)) or \
            (re.fullmatch(r"I[A-Z]\w*(<.*>)?", type_) and not _BOUND_INTERFACES.match(type_))
        if type_ in PARAMETER_TYPES:
            rewrites[name] = PARAMETER_TYPES[type_]
            if type_ == "HttpContext" and context is None:
                context = name
        elif services and type_:
            rewrites[name] = f"{{ctx}}.RequestServices.GetRequiredService<{f.text(p.child_by_field_name('type'))}>()"
        else:
            stuck.add(name)
    return rewrites, stuck, context


def _locals(f: CsFile, body: ts.Node | None, before: int) -> dict[str, tuple[str, bool]]:
    """Locals declared in the handler before the signing call: name -> (initializer, movable shape)."""
    out: dict[str, tuple[str, bool]] = {}
    if body is None:
        return out
    assigned = {f.text(n.child_by_field_name("left")) for n in walk(body) if n.type == "assignment_expression"}
    assigned |= {f.text(n.named_children[0]) for n in walk(body)
                 if n.type in ("prefix_unary_expression", "postfix_unary_expression") and n.named_children
                 and re.search(r"\+\+|--", f.text(n))}
    for n in walk(body):
        if n.start_byte >= before:
            break
        if n.type == "variable_declarator":
            name = f.text(n.child_by_field_name("name"))
            value = n.named_children[-1] if len(n.named_children) > 1 else None
            decl = n.parent
            stmt = decl.parent if decl is not None else None
            simple = (value is not None and stmt is not None and stmt.type == "local_declaration_statement"
                      and len([c for c in decl.named_children if c.type == "variable_declarator"]) == 1
                      and not re.match(r"\s*(using|const)\b", f.text(stmt)) and name not in assigned
                      and stmt.parent is not None and stmt.parent.start_byte == body.start_byte)
            out[name] = (f.text(value) if value is not None else "", simple)
        elif n.type in ("declaration_expression", "declaration_pattern", "foreach_statement", "catch_declaration"):
            for ident in (c for c in n.named_children if c.type == "identifier"):
                out.setdefault(f.text(ident), ("", False))
    return out


def _members(f: CsFile, cls: ts.Node) -> set[str]:
    body = cls.child_by_field_name("body")
    names: set[str] = set()
    for m in body.named_children if body is not None else ():
        if m.type in ("field_declaration", "event_field_declaration"):
            names |= {f.text(d.child_by_field_name("name")) for d in walk(m) if d.type == "variable_declarator"}
        elif m.type in ("property_declaration", "method_declaration", "event_declaration"):
            names.add(f.text(m.child_by_field_name("name")))
    primary = next((c for c in cls.named_children if c.type == "parameter_list"), None)  # class C(IDep dep)
    names |= {f.text(p.child_by_field_name("name")) for p in (primary.named_children if primary else ())
              if p.type == "parameter"}
    return names


def _free_name(*texts: str, prefer: str = "ctx") -> str:
    for name in (prefer, "ctx", "context", "httpContext", "oidcContext"):
        if not any(re.search(rf"(?<![\w@]){name}(?!\w)", t) for t in texts):
            return name
    return "oidcContext"


# --- Program.cs ---------------------------------------------------------------------------------------

@dataclass
class Program:
    f: CsFile
    path: str
    builder: str
    build_stmt: ts.Node
    app: str
    run_stmt: ts.Node | None


def _programs(root) -> list[str]:
    """The files with WebApplication.CreateBuilder: ASP.NET Core's start-up."""
    candidates = []
    for p in sorted(root.rglob("*.cs")):
        rel = p.relative_to(root)
        if any(part in _SKIP_DIRS for part in rel.parts[:-1]) or not p.is_file():
            continue
        try:
            head = p.read_bytes()
        except OSError:
            continue
        if b"WebApplication.CreateBuilder" in head or b"WebApplication.CreateSlimBuilder" in head:
            candidates.append(rel.as_posix())
    return candidates


def _program(ctx: WireContext, near: str, files: dict[str, CsFile]) -> Program:
    candidates = _programs(ctx.root)
    if not candidates:
        raise WiringError(f"framework not recognised: no Program.cs with WebApplication.CreateBuilder and no "
                          f"Web.config with <system.web> for {near}")
    here = posixpath.dirname(near)

    def closeness(rel: str) -> tuple:
        d = posixpath.dirname(rel)
        inside = here == d or here.startswith(d + "/") or d == ""
        return (not inside, -len(d) if inside else len(d), posixpath.basename(rel) != "Program.cs", rel)

    path = min(candidates, key=closeness)
    f = files.get(path) or files.setdefault(path, CsFile(ctx.source(path)))
    create = next((n for n in walk(f.root) if n.type == "invocation_expression" and
                   re.sub(r"\s+", "", f.text(n.child_by_field_name("function"))) in
                   ("WebApplication.CreateBuilder", "WebApplication.CreateSlimBuilder")), None)
    builder = declared_name(f, create) if create is not None else None
    build = next(calls(f, builder, ["Build"]), None) if builder else None
    app = declared_name(f, build) if build is not None else None
    if not builder or build is None or not app or statement_of(build) is None:
        raise WiringError(f"{path}: expected `var builder = WebApplication.CreateBuilder(...)` and "
                          "`var app = builder.Build()`; register the OpenID provider by hand "
                          "(builder.Services.AddGenesysOidc(), app.MapGenesysOidc(...))")
    run = next(calls(f, app, ["Run", "RunAsync"]), None)
    return Program(f, path, builder, statement_of(build), app,  # type: ignore[arg-type]
                   statement_of(run) if run is not None else None)


# --- the rewrite --------------------------------------------------------------------------------------

def _mount(receiver: str, config: Config, claims: str, guard: Guard, old: str, keep: bool) -> str:
    where = (f"beside the Zendesk token {old} until cut-over" if keep else f"it replaces the Zendesk token {old}")
    lines = [f"// {line}" for line in textwrap.wrap(
        f"Genesys Cloud Messenger signs users in through this OpenID provider ({where}); Genesys redeems the "
        "codes it issues.", 100, break_on_hyphens=False)]
    for rule, text in (t.split(": ", 1) for t in guard.todos):
        wrapped = textwrap.wrap(f"TODO(migrate:{rule}): {text}", 100, break_on_hyphens=False)
        lines += [f"// {wrapped[0]}", *(f"//   {line}" for line in wrapped[1:])]
    call = (f"{receiver}.MapGenesysOidc({csharp_string(config.issuer_path)}, {claims}, "
            f"authorizationPolicy: {guard.argument});")
    return "\n".join(lines) + "\n" + call


def _removal(f: CsFile, action: Action, leftover_todo: str | None) -> Edit:
    """The action with its attributes and the comment lines right above it (one blank line less)."""
    first: ts.Node = action.method
    prev = first.prev_named_sibling
    while prev is not None and prev.type == "comment" and prev.end_point[0] == first.start_point[0] - 1 and \
            not f.src.text[f.line_start(f.offset(prev.start_byte)):f.offset(prev.start_byte)].strip():
        first, prev = prev, prev.prev_named_sibling
    start, end = f.whole_lines(first, action.method)
    if leftover_todo is not None:
        return f.edit(start, end, indented(leftover_todo, f.indent(action.method)) + "\n")
    text = f.src.text
    if start == f.line_start(start) and end == f.line_end(end - 1):
        before = text[f.line_start(start - 1):start] if start > 0 else ""
        after = text[end:f.line_end(end)] if end < len(text) else ""
        if start > 0 and not before.strip() and (not after.strip() or after.strip().startswith("}")):
            start = f.line_start(start - 1)
        elif before.strip().endswith("{") and after and not after.strip():
            end = f.line_end(end)
    return Edit(start, end, "")


def _left_over(action: Action) -> str | None:
    """What the controller still has once the action goes, when that is only its plumbing."""
    body = action.cls.child_by_field_name("body")
    rest = [m for m in body.named_children if m.type != "comment" and
            not (m.start_byte == action.method.start_byte and m.end_byte == action.method.end_byte)]
    if not all(m.type in ("constructor_declaration", "field_declaration") for m in rest):
        return None
    primary = any(c.type == "parameter_list" for c in action.cls.named_children)
    return "nothing left but its constructor" if primary or any(m.type == "constructor_declaration" for m in rest) \
        else "nothing left"


@dataclass
class _Change:
    """Edits per file, and why."""

    out: Wiring = field(default_factory=Wiring)
    edits: dict[str, list[Edit]] = field(default_factory=dict)

    def add(self, path: str, *edits: Edit) -> None:
        self.edits.setdefault(path, []).extend(edits)


def _keep(ch: _Change, f: CsFile, path: str, first: ts.Node, route: str | None, config: Config) -> None:
    """The keep note on the line right above the endpoint's first line (its attributes)."""
    at = f.line_start(f.offset(first.start_byte))
    ch.add(path, f.edit(at, at, f"{f.indent(first)}// {keep_note(route, config)}\n"))
    ch.out.why(path, f"line {first.start_point[0] + 1}: the Zendesk token route {route or ''} stays until cut-over "
                     "(TODO(migrate:ZG220); `migrate generate --cutover` removes it)")


def _claims(plan: BackendPlan, scope: Scope, guard: Guard):
    return claims_function(plan, scope, guard.checks,
                           guard.unguarded if guard.policy is None and not guard.checks else None)


def _stuck_reasons(ch: _Change, path: str, fn, where: str) -> None:
    for target, names in fn.stuck.items():
        ch.out.why(path, f"TODO(migrate:ZG222): claim {target} reads {', '.join(names) or 'an await'} from {where}: "
                         "the claims function answers no user until it is written by hand")


def _wire_action(ch: _Change, plan: BackendPlan, config: Config, f: CsFile, action: Action, program: Program,
                 guard: Guard, keep: bool) -> tuple[str, ...]:
    """Program.cs maps the provider before app.Run() with the action's claims; the action stays
    with the keep note, or goes (cut-over). Returns the namespaces Program.cs needs."""
    s = plan.signer
    if program.run_stmt is None:
        raise WiringError(f"{program.path}: no {program.app}.Run() to map the OpenID provider before; map it by "
                          f"hand: {program.app}.MapGenesysOidc(...) (see {PROVIDER_FILE})")
    rewrites, stuck, _ = _parameters(f, action.method.child_by_field_name("parameters"))
    name = _free_name(program.f.src.text, *(m.expression.text for m in plan.claims),
                      *(c.condition for c in guard.checks))
    scope = Scope(name, "the controller", {**CONTROLLER_REWRITES, **rewrites},
                  _locals(f, action.method.child_by_field_name("body"), f.byte_at(s.line, s.column)),
                  stuck | _members(f, action.cls) | CONTROLLER_MEMBERS)
    fn = _claims(plan, scope, guard)
    if keep:
        _keep(ch, f, s.path, action.method, action.route(), config)
    else:
        _cut_action(ch, f, s.path, action, f"is now the OpenID provider mapped in "
                                           f"{posixpath.basename(program.path)}")

    pf, run = program.f, program.run_stmt
    start = pf.line_start(pf.offset(run.start_byte))
    previous = pf.src.text[pf.line_start(start - 1):start] if start > 0 else ""
    mount = _mount(program.app, config, fn.text, guard,
                   f"action {action.class_name}.{action.name}, {action.route()}", keep)
    ch.add(program.path, pf.edit(start, start, ("\n" if previous.strip() else "") +
                                 indented(mount, pf.indent(run)) + "\n\n"))
    ch.out.why(program.path, f"OpenID provider mapped at {config.issuer_path} ({guard.described}) with the claims "
                             f"of {action.class_name}.{action.name} [{plan.view.profile}.yaml]")
    _stuck_reasons(ch, program.path, fn, "the controller")
    return fn.usings


def _cut_action(ch: _Change, f: CsFile, path: str, action: Action, now: str) -> None:
    leftover = _left_over(action)
    if leftover is not None:
        leftover = (f"// TODO(migrate:ZG226): {action.class_name} has {leftover}: its Zendesk token\n"
                    f"// action {action.name} {now}. The class can go.")
    ch.add(path, _removal(f, action, leftover))
    ch.out.why(path, f"line {action.method.start_point[0] + 1}: Zendesk token action {action.class_name}."
                     f"{action.name} ({action.route()}) removed: the OpenID provider takes its place")


def _wire_route(ch: _Change, plan: BackendPlan, config: Config, f: CsFile, route: Route, program: Program,
                guard: Guard, keep: bool) -> None:
    """MapGenesysOidc(...) right above the MapGet(...) statement, which keeps the note; or in its
    place (cut-over)."""
    s = plan.signer
    stmt = route.statement
    if stmt.type == "local_declaration_statement" and not keep:
        var = declared_name(f, route.map_call) or ""
        if var and re.search(rf"(?<![\w.]){re.escape(var)}(?!\w)", f.src.text[f.offset(stmt.end_byte):]):
            raise WiringError(f"{s.path}:{s.line}: the Zendesk route's endpoint builder is kept in `{var}` and used "
                              f"later; replace the route by {program.app}.MapGenesysOidc(...) by hand")
    rewrites, stuck, context = _parameters(f, route.handler.child_by_field_name("parameters"))
    body = route.handler.child_by_field_name("body")
    name = context or _free_name(f.src.text, program.f.src.text)
    scope = Scope(name, "the route handler", {k: v for k, v in rewrites.items() if k != context},
                  _locals(f, body if body is not None and body.type == "block" else None,
                          f.byte_at(s.line, s.column)), stuck)
    fn = _claims(plan, scope, guard)
    receiver = route.receiver
    if s.path == program.path and receiver != program.app:
        guard.todos.append(f"ZG225: the old route was mapped on {receiver}; the provider is mapped on {program.app} "
                           f"so that its token and JWKS endpoints stay out of {receiver}'s conventions")
        receiver = program.app
    mount = _mount(receiver, config, fn.text, guard, f"route {route.route() or route.path()}", keep)
    start, indent = comment_start(f.src.text, f.offset(stmt.start_byte)), f.indent(stmt)
    if keep:  # the mount, then the route's own comments, the keep note and the route as they were
        at = f.offset(stmt.start_byte)
        ch.add(s.path, f.edit(start, at, indented(mount, indent)[len(indent):] + "\n\n" + indent
                              + f.src.text[start:at] + f"// {keep_note(route.route(), config)}\n" + indent))
        ch.out.why(s.path, f"line {s.line}: the Zendesk token route {route.route() or route.path()} stays "
                           "until cut-over "
                           "(TODO(migrate:ZG220); `migrate generate --cutover` removes it)")
    else:
        ch.add(s.path, f.edit(start, f.offset(stmt.end_byte), indented(mount, indent)[len(indent):]))
    if s.path != program.path:
        ch.add(s.path, *using_edits(f, [NAMESPACE, *fn.usings]))
    ch.out.why(s.path, f"line {s.line}: the OpenID provider at {config.issuer_path} ({guard.described}) "
                       f"{'beside' if keep else 'in place of'} the Zendesk token route {route.route() or route.path()} "
                       f"[{plan.view.profile}.yaml]")
    _stuck_reasons(ch, s.path, fn, "the route handler")


def _cut_route(ch: _Change, f: CsFile, path: str, route: Route) -> None:
    """The kept MapGet(...) statement goes, with its keep note and the Zendesk comments above it."""
    stmt = route.statement
    start = comment_start(f.src.text, f.offset(stmt.start_byte))
    start, end = f.line_start(start), f.line_end(f.offset(stmt.end_byte))
    text = f.src.text
    before = text[f.line_start(start - 1):start] if start > 0 else ""
    after = text[end:f.line_end(end)] if end < len(text) else ""
    if start > 0 and not before.strip() and (not after.strip() or after.strip().startswith("}")):
        start = f.line_start(start - 1)  # one blank line less
    ch.add(path, Edit(start, end, ""))
    ch.out.why(path, f"line {stmt.start_point[0] + 1}: Zendesk token route {route.path()} removed: the OpenID "
                     "provider mapped beside it takes its place")


def _mounted(text: str, path: str) -> str | None:
    at = text.find(".MapGenesysOidc(")
    return f"{path}:{text.count(chr(10), 0, at) + 1}" if at >= 0 else None


def wire(ctx: WireContext) -> Wiring:
    """The provider mapped beside the old endpoint (or in its place, or the old endpoint removed:
    see the module's docstring), Program.cs registering it, GenesysOidcProvider.cs, and the
    package in the project file."""
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    f = CsFile(ctx.source(s.path))
    if _GENERATED.search(f.src.text):
        return Wiring()  # the provider this module wrote: its ID tokens are the new sign-in, not the old one
    if systemweb.is_site(ctx.root, posixpath.dirname(s.path)) and not _programs(ctx.root):
        return systemweb.wire(ctx)  # a .NET Framework site whose signing file says nothing of System.Web
    endpoint = _find_endpoint(f, plan, config.issuer_path)
    if ctx.cutover and ctx.kept:
        return _cutover(ctx, f, endpoint)
    keep = not ctx.cutover
    program = _program(ctx, s.path, {s.path: f})
    pf = program.f
    guard = endpoint.guard()
    body = endpoint.method.child_by_field_name("body") if isinstance(endpoint, Action) \
        else endpoint.handler.child_by_field_name("body")
    guard.checks = _login_checks(f, body, f.byte_at(s.line, s.column))
    if guard.checks and guard.policy is None:
        guard.described = "the old handler's login check"
    ch = _Change()
    usings: tuple[str, ...] = ()  # a route's claims stay in their file, with its usings
    ch.out.route = endpoint.route()
    if isinstance(endpoint, Action):
        usings = _wire_action(ch, plan, config, f, endpoint, program, guard, keep)
    else:
        _wire_route(ch, plan, config, f, endpoint, program, guard, keep)

    # Program.cs: the provider's services before Build(), and the usings the mapped code needs.
    if "AddGenesysOidc" not in pf.src.text:
        b = program.build_stmt
        start = pf.line_start(pf.offset(b.start_byte))
        previous = pf.line_start(start - 1) if start > 0 else 0
        if start > 0 and not pf.src.text[previous:start].strip():
            start = previous  # with the service registrations, before the blank line
        ch.add(program.path, pf.edit(start, start, f"{pf.indent(b)}{program.builder}.Services.AddGenesysOidc();\n"))
        ch.out.why(program.path, f"{program.builder}.Services.AddGenesysOidc(): the provider's GENESYS_OIDC_* "
                                 "settings, checked at start-up")
    ch.add(program.path, *using_edits(pf, [NAMESPACE, *usings]))
    for path, edits in ch.edits.items():
        src = ctx.source(path)
        ch.out.files[path] = drop_unused_usings(src.text, apply_edits(src.text, edits))
    mapped_in = program.path if isinstance(endpoint, Action) or s.path == program.path else s.path
    ch.out.mounted = _mounted(ch.out.files.get(mapped_in, ""), mapped_in)

    # The provider next to Program.cs, and its package in the project file.
    out = ch.out
    here = posixpath.dirname(program.path)
    provider_path = posixpath.join(here, PROVIDER_FILE) if here else PROVIDER_FILE
    out.new_files[provider_path] = with_newlines(render("csharp/GenesysOidcProvider.cs.j2",
                                                        issuer_path=config.issuer_path), pf.nl)
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, "
                           "nonce) [templates/csharp]")
    project = project_file(ctx.root, here)
    if project is not None:
        updated = project_with_package(ctx.source(project).text)
        if updated is not None:
            out.files[project] = updated
            out.why(project, f"packages {PACKAGE} {PACKAGE_VERSION} and {REDIS_PACKAGE} {REDIS_PACKAGE_VERSION} "
                             "(GENESYS_OIDC_STORE_URL) for the OpenID provider")
    return out


def _cutover(ctx: WireContext, f: CsFile, endpoint: Action | Route) -> Wiring:
    """The kept endpoint goes, with its note, the using directives only it used and the JWT.Net
    package when nothing else in the project uses it; nothing else changes."""
    s = ctx.plan.signer
    ch = _Change()
    ch.out.route = endpoint.route()
    if isinstance(endpoint, Action):
        _cut_action(ch, f, s.path, endpoint, "was replaced by the OpenID provider")
    else:
        _cut_route(ch, f, s.path, endpoint)
    src = ctx.source(s.path)
    ch.out.files[s.path] = drop_unused_usings(src.text, apply_edits(src.text, ch.edits[s.path]))
    project = project_file(ctx.root, posixpath.dirname(s.path))
    if project is not None and not _jwt_net_used(ctx, project, {s.path: ch.out.files[s.path]}):
        updated = project_without_package(ctx.source(project).text, "JWT")
        if updated is not None:
            ch.out.files[project] = updated
            ch.out.why(project, "package JWT removed: only the Zendesk token endpoint used it")
    return ch.out


_JWT_NET = re.compile(r"^\s*(global\s+)?using\s+(static\s+)?JWT(\.\w+)*\s*;|\bJWT\.\w", re.M)


def _jwt_net_used(ctx: WireContext, project: str, changed: dict[str, str]) -> bool:
    """Whether a C# file of the project (as this change leaves it) still uses JWT.Net."""
    here = posixpath.dirname(project)
    for p in sorted((ctx.root / here).rglob("*.cs") if here else ctx.root.rglob("*.cs")):
        rel = p.relative_to(ctx.root).as_posix()
        if any(part in _SKIP_DIRS for part in p.relative_to(ctx.root).parts[:-1]):
            continue
        text = changed[rel] if rel in changed else ctx.source(rel).text
        if _JWT_NET.search(re.sub(r"//[^\n]*", "", text)):
            return True
    return False
