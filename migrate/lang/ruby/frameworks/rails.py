"""Rails: the Zendesk token action becomes GenesysOidcController, routed under the issuer path in
config/routes.rb where the old route was, behind the old controller's own `before_action` login
check, with the claims computed by the old action's own expressions; the Gemfile gains ruby-jwt."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

import tree_sitter as ts

from migrate.extract.treesitter import Doc, walk
from migrate.generate.backends import WireContext, Wiring, WiringError, nearest
from migrate.generate.changes import SourceFile, with_newlines
from migrate.generate.plan import BackendPlan, ClaimMapping
from migrate.generate.render import render
from migrate.lang.ruby import routes

CONTROLLER = "app/controllers/genesys_oidc_controller.rb"
CORE = "lib/genesys_oidc.rb"
JWT_GEM = "gem 'jwt', '~> 2.5'"
_SIMPLE = re.compile(r"[\w.@:?!]+(\([^()]*\))?")  # a call chain that takes `.to_s` without parentheses


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _ruby(m: ClaimMapping) -> str:
    e, final = m.expression, m.expression.final
    text = " ".join(e.text.split())
    wrapped = text if _SIMPLE.fullmatch(text) else f"({text})"
    if m.transform == "string" and not (final.kind in ("string", "template") or text.endswith(".to_s")):
        return f"{wrapped}.to_s"
    if m.transform == "boolean" and final.kind != "bool":
        if final.kind == "string" and final.value in ("true", "false"):
            return str(final.value)
        if text.endswith("?"):  # a predicate method already answers true or false
            return text
        return f"ActiveModel::Type::Boolean.new.cast({text})"
    if m.transform == "number" and final.kind not in ("int", "float"):
        return f"{wrapped}.to_i"
    return text


def _key(name: str) -> str:
    return f"{name}:" if re.fullmatch(r"[a-z_][A-Za-z0-9_]*", name) else f"'{name}' =>"


def _enclosing(doc: Doc, line: int, types: tuple[str, ...]) -> ts.Node | None:
    best = None
    for node in walk(doc.root):
        if node.type in types and node.start_point[0] + 1 <= line <= node.end_point[0] + 1:
            best = node  # walk goes outside in: the last match is the innermost
    return best


def _symbols(doc: Doc, node: ts.Node | None) -> list[str]:
    if node is None:
        return []
    if node.type in ("simple_symbol", "bare_symbol", "string", "identifier"):
        return [doc.text(node).lstrip(":").strip("'\"")]
    return [s for c in node.named_children for s in _symbols(doc, c)]


def _guards(doc: Doc, cls: ts.Node, action: str) -> tuple[list[str], list[str]]:
    """The class's `before_action :name` callbacks that ran before the old action, and the text of
    those given as a block or lambda (not carried over)."""
    body = cls.child_by_field_name("body")
    guards: list[str] = []
    blocks: list[str] = []
    for stmt in body.named_children if body is not None else []:
        if stmt.type != "call" or stmt.child_by_field_name("receiver") is not None:
            continue
        kind = doc.text(stmt.child_by_field_name("method"))
        if kind not in ("before_action", "skip_before_action", "prepend_before_action"):
            continue
        args = stmt.child_by_field_name("arguments")
        names, only, exclude = [], None, []
        for arg in args.named_children if args is not None else []:
            if arg.type == "simple_symbol":
                names.append(doc.text(arg))
            elif arg.type == "pair":
                key = doc.text(arg.child_by_field_name("key")).strip(":").rstrip(":")
                if key == "only":
                    only = _symbols(doc, arg.child_by_field_name("value"))
                elif key == "except":
                    exclude = _symbols(doc, arg.child_by_field_name("value"))
        if (only is not None and action not in only) or action in exclude:
            continue
        if not names and kind != "skip_before_action":
            blocks.append(" ".join(doc.text(stmt).split()))
        for name in names:
            if kind == "skip_before_action":
                guards = [g for g in guards if g != name]
            elif name not in guards:
                guards.append(name)
    return guards, blocks


def _locals(doc: Doc, method: ts.Node, before: int, used: str) -> list[str]:
    """Assignments of the action that the claim expressions need (in order, transitively)."""
    body = next((c for c in method.named_children if c.type == "body_statement"), None)
    decls = []
    for stmt in body.named_children if body is not None else []:
        if stmt.start_point[0] + 1 >= before or stmt.type != "assignment":
            continue
        left = stmt.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            decls.append((doc.text(left), " ".join(doc.text(stmt).split())))
    needed, text = [], used
    for name, decl in reversed(decls):
        if re.search(rf"(?<![\w@.:]){re.escape(name)}(?![\w?!:])", text) and "JWT." not in decl:
            needed.append(decl)
            text += "\n" + decl
    return list(reversed(needed))


def _route_name(class_name: str) -> str:
    parts = [re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", p).lower()
             for p in class_name.removesuffix("Controller").split("::")]
    return "/".join(parts)


def _remove_lines(text: str, first: int, last: int) -> str:
    """Text without lines first..last (0-based, inclusive) and without the blank line left doubled."""
    lines = _lines(text)
    before, after = lines[:first], lines[last + 1:]
    if before and not before[-1].strip() and (not after or not after[0].strip() or after[0].strip() == "end"):
        before.pop()
    return "".join(before + after)


def _comment_above(lines: list[str], row: int) -> int:
    """The first line of the comment block directly above `row`."""
    while row > 0 and lines[row - 1].strip().startswith("#"):
        row -= 1
    return row


def _controller(src: SourceFile, plan: BackendPlan) \
        -> tuple[str, str, str, list[str], list[str], list[str], tuple[set[str], dict[str, str]]]:
    """The old controller without the action; its class#action, the action, guards, block guards,
    locals and the names of the methods the old controller defines besides the action."""
    s = plan.signer
    doc = Doc.parse("ruby", src.data)
    method = _enclosing(doc, s.line, ("method",))
    cls = _enclosing(doc, s.line, ("class",))
    if method is None or cls is None:
        raise WiringError(f"{s.path}:{s.line}: the signing code is not in a controller action; route "
                          "GenesysOidcController (templates/ruby/rails) by hand")
    class_name = doc.text(cls.child_by_field_name("name"))
    action_node, helper_gone = routes.action(doc, cls, method)
    action = doc.text(action_node.child_by_field_name("name"))
    guards, blocks = _guards(doc, cls, action)
    own = {doc.text(n.child_by_field_name("name")) for n in walk(cls) if n.type in ("method", "singleton_method")}
    own -= {action, doc.text(method.child_by_field_name("name")) if helper_gone else action}
    local = _locals(doc, method, s.line, "\n".join(m.expression.text for m in plan.claims))
    params: dict[str, str] = {}
    if method is not action_node:  # the helper's parameters: what the action passed is not known here
        node = method.child_by_field_name("parameters")
        helper = doc.text(method.child_by_field_name("name"))
        params = {doc.text(p): helper for p in walk(node) if p.type == "identifier"} if node is not None else {}
    text = src.text
    for node in sorted({action_node, method} if helper_gone else {action_node}, key=lambda n: -n.start_byte):
        text = _remove_lines(text, _comment_above(_lines(text), node.start_point[0]), node.end_point[0])
    rest = Doc.parse("ruby", text.encode("utf-8", "surrogateescape"))
    if not any(n.type == "method" for n in walk(rest.root)):
        lines = _lines(text)
        row = _comment_above(lines, next(n for n in walk(rest.root) if n.type == "class").start_point[0])
        indent = re.match(r"[ \t]*", lines[row]).group(0)
        lines.insert(row, f"{indent}# TODO(migrate:ZG107): {class_name} has no action left (GenesysOidcController "
                          "replaces it); remove it\n")
        text = "".join(lines)
    if "JWT." not in text:
        text = re.sub(r"^[ \t]*require[ \t(]+['\"]jwt['\"]\)?[ \t]*\r?\n", "", text, flags=re.M)
    return with_newlines(text, src.newline), f"{class_name}#{action}", action, guards, blocks, local, \
        (own, params)


def _leftovers(m: ClaimMapping, local: list[str], needs: tuple[set[str], dict[str, str]],
               class_name: str) -> list[str]:
    """TODOs for what a claim expression needs from the old controller: its methods and instance
    variables, or the parameters of the helper that signed."""
    own, params = needs
    text = m.expression.text + "\n" + "\n".join(local)

    def used(name: str) -> bool:
        return bool(re.search(rf"(?<![\w@.:]){re.escape(name)}(?![\w?!])", text))

    names = sorted(n for n in own if used(n)) + sorted(set(re.findall(r"(?<![\w@])@\w+", text)))
    todos = [f"# TODO(migrate:ZG107): {m.target} uses {', '.join(names)} of {class_name}; move "
             f"{'them' if len(names) > 1 else 'it'} to ApplicationController or a concern"] if names else []
    passed = sorted(n for n in params if used(n))
    if passed:
        todos.append(f"# TODO(migrate:ZG107): {m.target} uses {', '.join(passed)}, passed to "
                     f"{params[passed[0]]} by the old action; compute {'them' if len(passed) > 1 else 'it'} here")
    return todos


def _routes(src: SourceFile, route: str, snippet: Callable[[str], str]) -> tuple[str, str, routes.Registration | None]:
    """routes.rb with the old route's lines replaced by the scope (or the scope added at the end),
    the old path as written, and the registration replaced (the one routes.rb draws to `route`)."""
    lines = _lines(src.text)
    reg = routes.find(routes.registrations(Doc.parse("ruby", src.data)), route)
    replaced = ""
    if reg is not None:
        i, last = reg.call.start_point[0], reg.call.end_point[0]
        path = re.search(r"""^\s*(?:get|post|match|put|patch|delete|root)\s*\(?\s*(['"][^'"]+['"])""", lines[i])
        replaced = path.group(1) if path else f"'{route}'"
        indent = re.match(r"[ \t]*", lines[i]).group(0)
        top = indent == "  "
        if top:
            first = i
            while first > 0 and lines[first - 1].strip().startswith("#") and "zendesk" in lines[first - 1].lower():
                first -= 1
            block = [indent + line if line else line
                     for line in snippet(replaced).split("\n")]
            lines[first:last + 1] = [line + "\n" for line in block]
            return with_newlines("".join(lines), src.newline), replaced, reg
        del lines[i:last + 1]  # inside a namespace or scope: the provider is routed at the top level instead
    end = max(i for i, line in enumerate(lines) if line.strip() == "end")
    todo = ("  # TODO(migrate:ZG107): no single route to " + route + " was found here; remove the Zendesk "
            "token route by hand\n") if not replaced else ""
    block = [("  " + line if line else line) + "\n"
             for line in snippet(replaced or f"'{route}'").split("\n")]
    lines[end:end] = ["\n"] + ([todo] if todo else []) + block
    return with_newlines("".join(lines), src.newline), replaced, reg


def _inherited_guards(ctx: WireContext, app_root: str) -> list[str]:
    """ApplicationController's own `before_action :name` callbacks: they would run before every
    endpoint (Genesys calls /token server to server, with no session), so they are skipped and
    re-added for :authorize only."""
    base = posixpath.join(app_root, "app/controllers/application_controller.rb")
    if not (ctx.root / base).is_file():
        return []
    doc = Doc.parse("ruby", ctx.source(base).data)
    cls = next((n for n in walk(doc.root) if n.type == "class"), None)
    return _guards(doc, cls, "authorize")[0] if cls is not None else []


def _forgery_protection(ctx: WireContext, app_root: str) -> bool:
    """False for API-only apps (ApplicationController < ActionController::API has no CSRF protection)."""
    base = posixpath.join(app_root, "app/controllers/application_controller.rb")
    if not (ctx.root / base).is_file():
        return True
    return not re.search(r"<\s*ActionController::API\b", ctx.source(base).text)


def gemfile(text: str) -> str | None:
    """The Gemfile with ruby-jwt added (None when it is there already)."""
    if re.search(r"""^\s*gem\s*\(?\s*['"]jwt['"]""", text, re.M):
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text if text.endswith(("\n", "\r\n")) or not text else text + newline
    return body + newline.join(["", "# OpenID provider for Genesys Cloud Messenger (lib/genesys_oidc.rb)",
                                JWT_GEM, ""])


def wire(ctx: WireContext) -> Wiring:
    """The old controller without its action, the new controller and provider core, the routes and
    the Gemfile."""
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    marker = s.path.rfind("app/controllers/")
    if marker < 0:
        raise WiringError(f"{s.path}:{s.line}: the Zendesk token action is not under app/controllers/; route "
                          "GenesysOidcController (templates/ruby/rails) by hand")
    app_root = s.path[:marker].rstrip("/")
    src = ctx.source(s.path)
    text, replaces, action, guards, blocks, local, needs = _controller(src, plan)
    own = needs[0]
    class_name = replaces.split("#")[0]
    route = f"{routes.controller_key(s.path) or _route_name(class_name)}#{action}"
    out = Wiring()
    out.files[s.path] = text
    out.why(s.path, f"line {s.line}: Zendesk JWT action {replaces} removed; {CONTROLLER} replaces it "
                    f"[{plan.view.profile}.yaml]")

    routes_path = routes.routes_file(s.path)

    def snippet(replaces: str) -> str:
        return render("ruby/rails/routes.rb.j2", issuer_path=config.issuer_path, replaces=replaces).rstrip("\n")

    if (ctx.root / routes_path).is_file():
        routes_src = ctx.source(routes_path)
        out.files[routes_path], _, reg = _routes(routes_src, route, snippet)
        out.route = reg.route if reg is not None else None
        out.why(routes_path, f"route {out.route + ' ' if out.route else ''}({route}) -> the OpenID provider's "
                             f"endpoints under {config.issuer_path}")
    guards = [*(g for g in _inherited_guards(ctx, app_root) if g not in guards), *guards]
    guard_todos = [f"{g} is a method of {class_name}; move it to ApplicationController or a concern, "
                   "or this controller cannot call it" for g in guards if g.lstrip(":") in own]
    guard_todos += [f"{replaces} also ran `{b[:80]}`; carry it over for :authorize by hand" for b in blocks]
    guard_todos += [] if guards else [
        f"{replaces} had no before_action login check; add the site's own (e.g. before_action "
        ":authenticate_user!, only: :authorize): without one, nobody is ever signed in here"]
    if not (ctx.root / routes_path).is_file():
        guard_todos.append(f"no {routes_path} was found: add the routes of templates/ruby/rails/routes.rb.j2")
    if re.search(r"(?<![\w@.:])current_user(?![\w?!])", "\n".join(local + [m.expression.text for m in plan.claims])):
        local = ["return nil unless current_user # nobody is signed in: login_required", *local]
    entries = [line for m in plan.claims for line in
               [*_leftovers(m, local, needs, class_name),
                f"{_key(m.target)} {_ruby(m)}, # {m.source} -> {m.target} ({m.origin})"]]
    entries += [f"# TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    controller = render("ruby/rails/genesys_oidc_controller.rb.j2", issuer_path=config.issuer_path,
                        replaces=replaces, guards=[f":{g.lstrip(':')}" for g in guards], guard_todos=guard_todos,
                        locals=local, entries=entries, forgery_protection=_forgery_protection(ctx, app_root))
    controller_path = posixpath.join(app_root, CONTROLLER)
    core_path = posixpath.join(app_root, CORE)
    out.new_files[controller_path] = with_newlines(controller, src.newline)
    out.why(controller_path, f"new: the OpenID provider's endpoints, behind {', '.join(guards) or 'no login check'} "
                             "for authorize, with the old action's claims [templates/ruby/rails]")
    out.new_files[core_path] = with_newlines(render("ruby/genesys_oidc.rb.j2", issuer_path=config.issuer_path),
                                             src.newline)
    out.why(core_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, "
                       "nonce; ruby-jwt + openssl) [templates/ruby]")
    gem = nearest(ctx.root, app_root, "Gemfile")
    if gem:
        updated = gemfile(ctx.source(gem).text)
        if updated is not None:
            out.files[gem] = updated
            out.why(gem, f"{JWT_GEM} for the OpenID provider")
    return out
