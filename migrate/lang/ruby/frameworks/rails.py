"""Rails: GenesysOidcController, routed under the issuer path in config/routes.rb, behind the old
controller's own login checks (its `before_action` callbacks and the checks inside the action), with
the claims computed by the old action's own expressions; the Gemfile gains ruby-jwt.

By default the old action and its route stay as they were, the keep note above the action; at
cut-over they go (see migrate.generate.backends for the modes)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import tree_sitter as ts

from migrate.extract.treesitter import Doc, walk
from migrate.generate.backends import WireContext, Wiring, WiringError, keep_note, nearest
from migrate.generate.changes import SourceFile, with_newlines
from migrate.generate.plan import BackendPlan, ClaimMapping
from migrate.generate.render import render
from migrate.lang.ruby import routes
from migrate.lang.ruby.frameworks import notes

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



def _one_statement_a_line(text: str) -> str:
    """routes.rb with statements that share a line (`draw do; get ...; end`) put on lines of their
    own, so the edits below, which work line by line, never cut through the draw block."""
    data = text.encode("utf-8", "surrogateescape")
    semis: list[int] = []
    stack = [Doc.parse("ruby", data).root]
    while stack:
        node = stack.pop()
        if node.type == ";":
            semis.append(node.start_byte)
        stack.extend(node.children)
    if not semis:
        return text
    out: list[bytes] = []
    start = 0
    for line in data.splitlines(keepends=True):
        end = start + len(line)
        cuts = sorted(b - start for b in semis if start <= b < end)
        start = end
        if not cuts:
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip(b" \t"))]
        pieces = [line[a + 1 if i else 0:b] for i, (a, b) in enumerate(zip([0, *cuts], [*cuts, len(line)]))]
        inner = indent
        for i, piece in enumerate(p.strip() for p in pieces):
            if not piece:
                continue
            if i and re.match(rb"(end|\})\b", piece):
                inner = indent
            out.append((indent if i == 0 else inner) + piece + b"\n")
            if i == 0 and re.search(rb"(\bdo(\s*\|[^|]*\|)?|\{)$", piece):
                inner = indent + b"  "
    return b"".join(out).decode("utf-8", "surrogateescape")


def _routes_source(src: SourceFile) -> tuple[list[str], bytes]:
    text = _one_statement_a_line(src.text)
    return _lines(text), text.encode("utf-8", "surrogateescape")


def _draw_end(lines: list[str], path: str) -> int:
    ends = [i for i, line in enumerate(lines) if line.strip() == "end"]
    if not ends:
        raise WiringError(f"{path}: the routes' draw block has no `end` line of its own (a {{ }} block?); "
                          "add the OpenID provider's routes by hand")
    return max(ends)


def _routes(src: SourceFile, route: str, snippet: Callable[[str], str]) -> tuple[str, str, routes.Registration | None]:
    """routes.rb with the old route's lines replaced by the scope (or the scope added at the end),
    the old path as written, and the registration replaced (the one routes.rb draws to `route`)."""
    lines, data = _routes_source(src)
    reg = routes.find(routes.registrations(Doc.parse("ruby", data)), route)
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
    end = _draw_end(lines, src.path)
    todo = ("  # TODO(migrate:ZG226): no single route to " + route + " was found here; remove the Zendesk "
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



# --- the old controller -----------------------------------------------------------------------------

@dataclass
class _Old:
    """What the old controller tells about the Zendesk token action."""

    doc: Doc
    cls: ts.Node
    method: ts.Node  # the method holding the signing call
    action: ts.Node  # the routed action (the method itself, or the one action calling it)
    helper_gone: bool  # the signing helper goes with the action at cut-over
    class_name: str
    name: str  # the action's name
    guards: list[str]
    blocks: list[str]
    own: set[str]  # the other methods of the old controller
    local: list[str]  # assignments the claims need
    checks: list[str]  # login checks inside the action before the signing
    passed: dict[str, str] = field(default_factory=dict)  # helper parameter -> what the action passed
    unknown: set[str] = field(default_factory=set)  # names nothing binds in the new controller


def _body(node: ts.Node) -> ts.Node | None:
    return next((c for c in node.named_children if c.type == "body_statement"), None)


def _assigned(doc: Doc, node: ts.Node) -> set[str]:
    """Locals a method assigns anywhere, its parameters and its blocks' parameters."""
    names = set()
    for n in walk(node):
        if n.type in ("assignment", "operator_assignment"):
            left = n.child_by_field_name("left")
            for x in ([left] if left is not None and left.type == "identifier" else
                      [c for c in (left.named_children if left is not None else []) if c.type == "identifier"]):
                names.add(doc.text(x))
        elif n.type in ("method_parameters", "block_parameters", "lambda_parameters"):
            for p in walk(n):
                if p.type == "identifier":
                    names.add(doc.text(p))
    return names


def _calls_to(doc: Doc, node: ts.Node, name: str) -> list[ts.Node]:
    return [n for n in walk(node) if n.type == "call" and n.child_by_field_name("receiver") is None
            and doc.text(n.child_by_field_name("method")) == name]


def _passed(doc: Doc, action: ts.Node, method: ts.Node) -> dict[str, str]:
    """What the action passed for each of the helper's parameters, when it calls it once."""
    name = doc.text(method.child_by_field_name("name"))
    calls = _calls_to(doc, action, name)
    params = method.child_by_field_name("parameters")
    if len(calls) != 1 or params is None:
        return {}
    args = calls[0].child_by_field_name("arguments")
    given = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
    positional = [a for a in given if a.type != "pair"]
    keywords = {doc.text(a.child_by_field_name("key")).rstrip(":").lstrip(":"): a.child_by_field_name("value")
                for a in given if a.type == "pair"}
    out, index = {}, 0
    for p in params.named_children:
        if p.type == "identifier":
            if index < len(positional):
                out[doc.text(p)] = " ".join(doc.text(positional[index]).split())
            index += 1
        elif p.type == "optional_parameter":
            pname = doc.text(p.child_by_field_name("name"))
            if index < len(positional):
                out[pname] = " ".join(doc.text(positional[index]).split())
            else:
                out[pname] = doc.text(p.child_by_field_name("value"))
            index += 1
        elif p.type == "keyword_parameter":
            pname = doc.text(p.child_by_field_name("name"))
            value = keywords.get(pname) or p.child_by_field_name("value")
            if value is not None:
                out[pname] = " ".join(doc.text(value).split())
    return out


_REFUSES = re.compile(r"(?<![\w.])(head|redirect_to|render|raise|return|authenticate_or_request_with_http_\w+)\b")


def _checks(doc: Doc, body: ts.Node | None, stop: Callable[[ts.Node], bool]) -> list[str]:
    """The statements before the signing one that refuse a request (`return head :unauthorized
    unless current_user`, `redirect_to login_path and return if ...`)."""
    out = []
    for stmt in body.named_children if body is not None else []:
        if stop(stmt):
            break
        text = doc.text(stmt)
        if stmt.type in ("assignment", "comment") or "JWT." in text or not _REFUSES.search(text):
            continue
        out.append(text)
    return out


def _read(src: SourceFile, plan: BackendPlan) -> _Old:
    s = plan.signer
    doc = Doc.parse("ruby", src.data)
    method = _enclosing(doc, s.line, ("method",))
    cls = _enclosing(doc, s.line, ("class",))
    if method is None or cls is None:
        raise WiringError(f"{s.path}:{s.line}: the signing code is not in a controller action; route "
                          "GenesysOidcController (templates/ruby/rails) by hand")
    class_name = doc.text(cls.child_by_field_name("name"))
    action, helper_gone = routes.action(doc, cls, method)
    name = doc.text(action.child_by_field_name("name"))
    guards, blocks = _guards(doc, cls, name)
    own = {doc.text(n.child_by_field_name("name")) for n in walk(cls) if n.type in ("method", "singleton_method")}
    own -= {name, doc.text(method.child_by_field_name("name"))}
    local = _locals(doc, method, s.line, "\n".join(m.expression.text for m in plan.claims))
    helper = doc.text(method.child_by_field_name("name"))

    def signs(stmt: ts.Node) -> bool:
        return stmt.start_point[0] + 1 <= s.line <= stmt.end_point[0] + 1

    def calls_helper(stmt: ts.Node) -> bool:
        return bool(_calls_to(doc, stmt, helper)) or signs(stmt)

    checks = _checks(doc, _body(action), calls_helper) if action is not method else []
    checks += _checks(doc, _body(method), signs)
    passed = _passed(doc, action, method) if action is not method else {}
    carried = {re.split(r"\s*[|&+\-*/]?=", d, maxsplit=1)[0].strip() for d in local}
    unknown = (_assigned(doc, method) | (_assigned(doc, action) if action is not method else set())) - carried
    unknown -= set(passed)
    unknown |= {m.group(0) for m in re.finditer(r"(?<![\w@])@\w+", doc.text(method))}
    return _Old(doc, cls, method, action, helper_gone, class_name, name, guards, blocks, own, local, checks,
                passed, unknown)


def _without_action(src: SourceFile, old: _Old) -> str:
    """The old controller without the action (and the helper only it called), the comments and the
    keep note above them, and `require 'jwt'` when nothing else signs; a controller left with no
    action is flagged."""
    text = src.text
    nodes = {old.action, old.method} if old.helper_gone else {old.action}
    for node in sorted(nodes, key=lambda n: -n.start_byte):
        text = _remove_lines(text, _comment_above(_lines(text), node.start_point[0]), node.end_point[0])
    rest = Doc.parse("ruby", text.encode("utf-8", "surrogateescape"))
    if not any(n.type == "method" for n in walk(rest.root)):
        lines = _lines(text)
        row = _comment_above(lines, next(n for n in walk(rest.root) if n.type == "class").start_point[0])
        indent = re.match(r"[ \t]*", lines[row]).group(0)
        lines.insert(row, f"{indent}# TODO(migrate:ZG226): {old.class_name} has no action left "
                          "(GenesysOidcController replaces it); remove it\n")
        text = "".join(lines)
    if "JWT." not in text:
        text = re.sub(r"^[ \t]*require[ \t(]+['\"]jwt['\"]\)?[ \t]*\r?\n", "", text, flags=re.M)
    return with_newlines(text, src.newline)


def _with_note(src: SourceFile, plan: BackendPlan, route: str | None, ctx: WireContext) -> str:
    """The old controller as it was, with the keep note right above the signer's piece."""
    s = plan.signer
    row = (s.span[0] if s.span else s.line) - 1
    return notes.insert_note(src.text, row, keep_note(route, ctx.config))


def _copied(old: _Old, needed_text: str) -> tuple[list[str], set[str]]:
    """The old controller's own methods the guards, checks and claims call (transitively), as written,
    and the instance variables they set."""
    by_name = {old.doc.text(n.child_by_field_name("name")): n for n in old.cls.named_children[-1].named_children
               if n.type == "method"} if old.cls.named_children else {}
    wanted: list[str] = []
    text = needed_text
    changed = True
    while changed:
        changed = False
        for name in sorted(old.own):
            if name not in wanted and name in by_name and (notes.mentions(name, text) or f":{name}" in text):
                wanted.append(name)
                text += "\n" + old.doc.text(by_name[name])
                changed = True
    lines = []
    ivars = set()
    source = old.doc.data.decode("utf-8", "surrogateescape").splitlines()
    for name in sorted(wanted, key=lambda n: by_name[n].start_byte):
        node = by_name[name]
        body = source[node.start_point[0]:node.end_point[0] + 1]
        indent = min(len(x) - len(x.lstrip()) for x in body if x.strip())
        lines.append("\n".join(("  " + x[indent:]) if x.strip() else "" for x in body))
        ivars |= set(re.findall(r"(@\w+)\s*(?:\|\||&&)?=(?!=)", old.doc.text(node)))
    return lines, ivars


# --- the new controller ----------------------------------------------------------------------------

def _new_controller(ctx: WireContext, old: _Old, app_root: str, replaces: str, newline: str) -> tuple[str, list[str]]:
    """GenesysOidcController's text and the guards it runs before authorize."""
    plan, config = ctx.plan, ctx.config
    class_name = old.class_name
    inherited = _inherited_guards(ctx, app_root)
    guards = [*(g for g in inherited if g not in old.guards), *old.guards]
    claims_text = "\n".join([m.expression.text for m in plan.claims] + old.local)
    claims_text = notes.rebind(claims_text, old.passed)
    copied, ivars = _copied(old, "\n".join([claims_text, *old.checks, *(f":{g.lstrip(':')}" for g in guards)]))
    base = posixpath.join(app_root, "app/controllers/application_controller.rb")
    if (ctx.root / base).is_file():
        ivars |= set(re.findall(r"(@\w+)\s*(?:\|\||&&)?=(?!=)", ctx.source(base).text))
    guard_todos = [("ZG226", f"{replaces} also ran `{b[:80]}`; carry it over for :authorize by hand") for b in old.blocks]
    checks = [line for c in old.checks for line in _reindent(notes.rebind(c, old.passed))]
    check_locals = [d for d in old.local if any(notes.mentions(d.split("=")[0].strip(), c) for c in old.checks)]
    refuse = not guards and not checks
    if refuse:
        guard_todos.append(("ZG223", (f"{replaces} had no login check; add the site's own (e.g. before_action "
                                      ":authenticate_user!, only: :authorize) and remove :genesys_oidc_login_required: "
                                      "until then nobody is signed in here")))
    routes_path = routes.routes_file(plan.signer.path)
    if not (ctx.root / routes_path).is_file():
        guard_todos.append(("ZG225", f"no {routes_path} was found: add the routes of templates/ruby/rails/routes.rb.j2"))

    local = [notes.rebind(d, old.passed) for d in old.local]
    unbound = []
    for m in plan.claims:
        used = notes.rebind(m.expression.text + "\n" + "\n".join(local), old.passed)
        free = notes.free_names(used, {n for n in old.unknown if not (n.startswith("@") and n in ivars)})
        if free:
            unbound.append(notes.unbound_todo(m.expression.text, free, "in GenesysOidcController"))
    entries = [f"{_key(m.target)} {notes.rebind(_ruby(m), old.passed)}, # {m.source} -> {m.target} ({m.origin})"
               for m in plan.claims]
    entries += [f"# TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    if re.search(r"(?<![\w@.:])current_user(?![\w?!])", "\n".join(local + [m.expression.text for m in plan.claims])):
        local = ["return nil unless current_user # nobody is signed in: login_required", *local]
    controller = render("ruby/rails/genesys_oidc_controller.rb.j2", issuer_path=config.issuer_path,
                        replaces=replaces, guards=[f":{g.lstrip(':')}" for g in guards], guard_todos=guard_todos,
                        locals=local, entries=entries, unbound=unbound,
                        checks=[*check_locals, *checks] if checks else [], refuse=refuse, copied=copied,
                        forgery_protection=_forgery_protection(ctx, app_root))
    return with_newlines(controller, newline), guards


def _reindent(text: str) -> list[str]:
    lines = text.split("\n")
    rest = [x for x in lines[1:] if x.strip()]
    common = min((len(x) - len(x.lstrip()) for x in rest), default=0)
    shift = min(common, len(rest[-1]) - len(rest[-1].lstrip())) if rest else 0
    return [lines[0]] + [x[shift:] if x.strip() else "" for x in lines[1:]]


# --- config/routes.rb -------------------------------------------------------------------------------

def _routes_beside(src: SourceFile, route: str, snippet: Callable[[str], str]) \
        -> tuple[str, routes.Registration | None]:
    """routes.rb with the provider's scope added right after the old route (at the top level) or at
    the end of the draw block; the old route stays as it was."""
    lines, data = _routes_source(src)
    reg = routes.find(routes.registrations(Doc.parse("ruby", data)), route)
    at = None
    written = f"'{route}'"
    if reg is not None:
        i, last = reg.call.start_point[0], reg.call.end_point[0]
        path = re.search(r"""^\s*(?:get|post|match|put|patch|delete|root)\s*\(?\s*(['"][^'"]+['"])""", lines[i])
        written = path.group(1) if path else written
        if re.match(r"[ \t]*", lines[i]).group(0) == "  ":
            at = last + 1
    if at is None:
        at = _draw_end(lines, src.path)
    block = [("  " + line if line else line) + "\n" for line in snippet(written).split("\n")]
    after = ["\n"] if at < len(lines) and lines[at].strip() not in ("", "end") else []
    lines[at:at] = ["\n", *block, *after]
    text = "".join(lines)
    text = re.sub(r"\n\n\n+", "\n\n", text)
    return with_newlines(text, src.newline), reg


def _routes_without(src: SourceFile, route: str) -> tuple[str, routes.Registration | None]:
    """routes.rb without the old route (and the Zendesk comment lines right above it)."""
    lines, data = _routes_source(src)
    reg = routes.find(routes.registrations(Doc.parse("ruby", data)), route)
    if reg is None:
        return src.text, None
    first, last = reg.call.start_point[0], reg.call.end_point[0]
    while first > 0 and lines[first - 1].strip().startswith("#") and "zendesk" in lines[first - 1].lower():
        first -= 1
    return _remove_lines("".join(lines), first, last), reg


def _mounted(path: str, text: str, issuer_path: str) -> str | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(f"scope '{issuer_path}'"):
            return f"{path}:{number}"
    return None


# --- the wiring --------------------------------------------------------------------------------------

def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    marker = s.path.rfind("app/controllers/")
    if marker < 0:
        raise WiringError(f"{s.path}:{s.line}: the Zendesk token action is not under app/controllers/")
    app_root = s.path[:marker].rstrip("/")
    src = ctx.source(s.path)
    old = _read(src, plan)
    replaces = f"{old.class_name}#{old.name}"
    key = f"{routes.controller_key(s.path) or _route_name(old.class_name)}#{old.name}"
    routes_path = routes.routes_file(s.path)
    has_routes = (ctx.root / routes_path).is_file()
    out = Wiring()

    if ctx.cutover and ctx.kept:  # the provider is there: the old action and route go
        out.files[s.path] = _without_action(src, old)
        out.why(s.path, f"line {s.line}: Zendesk JWT action {replaces} removed at cut-over")
        if has_routes:
            text, reg = _routes_without(ctx.source(routes_path), key)
            if reg is not None:
                out.files[routes_path] = text
                out.route = reg.route
                out.why(routes_path, f"Zendesk token route {reg.route} ({key}) removed at cut-over")
        return out

    if not has_routes and not ctx.cutover:
        raise WiringError(f"no {routes_path} routes {key}")

    def snippet(written: str) -> str:
        return render("ruby/rails/routes.rb.j2", issuer_path=config.issuer_path, replaces=written).rstrip("\n")

    if has_routes:
        routes_src = ctx.source(routes_path)
        if ctx.cutover:
            out.files[routes_path], _, reg = _routes(routes_src, key, snippet)
        else:
            out.files[routes_path], reg = _routes_beside(routes_src, key, snippet)
        out.route = reg.route if reg is not None else None
        out.mounted = _mounted(routes_path, out.files[routes_path], config.issuer_path)
        what = "replaced by" if ctx.cutover else "kept beside"
        out.why(routes_path, f"route {out.route + ' ' if out.route else ''}({key}) {what} the OpenID provider's "
                             f"endpoints under {config.issuer_path}")
    if ctx.cutover:
        out.files[s.path] = _without_action(src, old)
        out.why(s.path, f"line {s.line}: Zendesk JWT action {replaces} removed; {CONTROLLER} replaces it "
                        f"[{plan.view.profile}.yaml]")
    else:
        out.files[s.path] = with_newlines(_with_note(src, plan, out.route or s.route, ctx), src.newline)
        out.why(s.path, f"line {s.line}: Zendesk JWT action {replaces} kept until cut-over (TODO(migrate:ZG220)); "
                        f"{CONTROLLER} serves Messenger sign-in [{plan.view.profile}.yaml]")
    controller, guards = _new_controller(ctx, old, app_root, replaces, src.newline)
    controller_path = posixpath.join(app_root, CONTROLLER)
    core_path = posixpath.join(app_root, CORE)
    out.new_files[controller_path] = controller
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
