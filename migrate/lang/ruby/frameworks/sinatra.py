"""Sinatra (classic and modular apps): GenesysOidc::Middleware in front of the app answers the
provider's discovery, JWKS, token and userinfo endpoints before the app's own filters, and an
``get '<issuer>/authorize'`` route of the app runs the Zendesk route's login checks (the checks in
its block, the ``before`` filters that guarded its path and not the new one) and hands its claims
to the provider.  The core (genesys_oidc.rb) goes next to the app file; the Gemfile gains ruby-jwt.

By default the old route stays as it was, the keep note above it; at cut-over it goes (see
migrate.generate.backends for the modes)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

import tree_sitter as ts

from migrate.extract.treesitter import Doc, string_value, walk
from migrate.generate.backends import WireContext, Wiring, WiringError, keep_note, nearest
from migrate.generate.changes import with_newlines
from migrate.generate.positions import byte_offset
from migrate.generate.render import render
from migrate.lang.ruby import routes
from migrate.lang.ruby.frameworks import notes
from migrate.lang.ruby.frameworks.rails import JWT_GEM, _key, _ruby, gemfile

CORE = "genesys_oidc.rb"
_REFUSES = re.compile(r"(?<![\w.:@])(halt|redirect|raise|return|error|pass|throw)\b")
_SIGNED_IN = ("current_user", "current_customer", "current_account")
_REQUIRE = re.compile(r"""^[ \t]*require(?:_relative)?[ \t(]+['"]""")


@dataclass(frozen=True)
class _Filter:
    head: str  # before '/zendesk/*'
    lines: list[str]  # its block's statements, dedented
    global_: bool  # no pattern: runs before every route of the app
    refuses: bool


def _statements(block: ts.Node | None) -> list[ts.Node]:
    body = next((c for c in block.named_children if c.type in ("body_statement", "block_body")), None) \
        if block is not None else None
    return [c for c in body.named_children if c.type != "comment"] if body is not None else []


def _block(call: ts.Node) -> ts.Node | None:
    return next((c for c in call.named_children if c.type in ("do_block", "block")), None)


def _dedent(doc: Doc, node: ts.Node) -> list[str]:
    """A statement's lines, its continuation lines kept relative to its first line."""
    lines = doc.text(node).split("\n")
    shift = node.start_point[1]
    return [lines[0]] + [x[shift:] if x[:shift].strip() == "" else x.lstrip() for x in lines[1:]]


def _pattern(pattern: str) -> re.Pattern[str]:
    """A Sinatra (Mustermann) route pattern as a regular expression: ``*`` any, ``:name`` one segment."""
    out = ""
    for part in re.split(r"(\*|:[A-Za-z_]\w*)", pattern):
        out += ".*" if part == "*" else "[^/?#]+" if part.startswith(":") and len(part) > 1 else re.escape(part)
    return re.compile(out)


def _filters(doc: Doc, container: ts.Node, old_path: str, new_path: str) -> list[_Filter]:
    """The ``before`` filters of the app that ran before the old route and do not before the new one
    (carried into it); a filter with no pattern runs before both and is only reported."""
    out = []
    for stmt in container.named_children:
        if stmt.type != "call" or stmt.child_by_field_name("receiver") is not None or \
                doc.text(stmt.child_by_field_name("method")) != "before":
            continue
        args = stmt.child_by_field_name("arguments")
        patterns = [string_value(doc, a) for a in (args.named_children if args is not None else [])
                    if a.type == "string"]
        block = _block(stmt)
        body = [line for s in _statements(block) for line in _dedent(doc, s)]
        refuses = bool(_REFUSES.search("\n".join(body)))
        head = doc.text(stmt).split("\n", 1)[0].removesuffix(" do").strip()
        if not patterns:
            out.append(_Filter(head, body, True, refuses))
            continue
        matches = [_pattern(p).fullmatch for p in patterns if p is not None]
        if any(m(old_path) for m in matches) and not any(m(new_path) for m in matches):
            out.append(_Filter(head, body, False, refuses))
    return out


def _assigned(doc: Doc, node: ts.Node) -> set[str]:
    names = set()
    for n in walk(node):
        if n.type in ("assignment", "operator_assignment"):
            left = n.child_by_field_name("left")
            for x in ([left] if left is not None and left.type == "identifier" else
                      [c for c in (left.named_children if left is not None else []) if c.type == "identifier"]):
                names.add(doc.text(x))
        elif n.type in ("block_parameters", "lambda_parameters"):
            names |= {doc.text(p) for p in walk(n) if p.type == "identifier"}
    return names


def _left(stmt: ts.Node) -> str | None:
    if stmt.type not in ("assignment", "operator_assignment"):
        return None
    left = stmt.child_by_field_name("left")
    return left.text.decode("utf-8", "surrogateescape") if left is not None and \
        left.type in ("identifier", "instance_variable") else None


@dataclass
class _Route:
    doc: Doc
    call: ts.Node  # get '/zendesk/jwt' do ... end
    container: ts.Node  # the program or the class body holding it
    route: str
    prelude: list[ts.Node]  # the block's statements before the signing one
    unknown: set[str]  # locals and block parameters of the old block


def _read(ctx: WireContext) -> _Route:
    s = ctx.plan.signer
    src = ctx.source(s.path)
    doc = Doc.parse("ruby", src.data)
    at = byte_offset(src.text, s.line, s.column)
    node = doc.root.descendant_for_byte_range(at, at)
    call = routes.sinatra_call(doc, node) if node is not None else None
    if call is None or call.parent is None:
        raise WiringError(f"{s.path}:{s.line}: the signing code is not in a Sinatra route block")
    route = routes.sinatra(doc, node)
    statements = _statements(_block(call))
    signing = next((st for st in statements if st.start_byte <= at < st.end_byte), None)
    prelude = statements[:statements.index(signing)] if signing is not None else []
    return _Route(doc, call, call.parent, route or "", prelude, _assigned(doc, _block(call)))


def _provider(ctx: WireContext, old: _Route) -> tuple[str, list[str]]:
    """The provider's lines (middleware and authorize route), unindented, and what guards authorize."""
    plan, config = ctx.plan, ctx.config
    doc = old.doc
    old_path = old.route.split(" ", 1)[1]
    new_path = f"{config.issuer_path}/authorize"
    filters = _filters(doc, old.container, old_path, new_path)
    carried = [f for f in filters if not f.global_]
    guards = [f.head for f in filters if f.refuses]
    claims_text = "\n".join(m.expression.text for m in plan.claims)

    checks = [st for st in old.prelude if _left(st) is None and _REFUSES.search(doc.text(st))
              and "JWT." not in doc.text(st)]
    # The assignments the claims and the checks read (transitively), in the block's order.
    needed: list[ts.Node] = []
    text = claims_text + "\n" + "\n".join(doc.text(c) for c in checks)
    for st in reversed(old.prelude):
        name = _left(st)
        if name is not None and "JWT." not in doc.text(st) and \
                (notes.mentions(name, text) if not name.startswith("@") else re.search(rf"{name}(?!\w)", text)):
            needed.append(st)
            text += "\n" + doc.text(st)
    prelude = [st for st in old.prelude if st in needed or st in checks]
    carried_names = {_left(st) for st in needed}
    set_by_filters = {m for f in filters if f.global_ or f in carried for line in f.lines
                      for m in re.findall(r"(@\w+)\s*(?:\|\||&&)?=(?!=)", line)}
    used = claims_text + "\n" + "\n".join(doc.text(st) for st in needed)
    unknown = (old.unknown - carried_names) | {v for v in re.findall(r"(?<![\w@])@\w+", used)
                                              if v not in set_by_filters and v not in carried_names}
    unbound = []
    for m in plan.claims:
        free = notes.free_names(m.expression.text + "\n" + "\n".join(doc.text(st) for st in needed), unknown)
        if free:
            unbound.append(notes.unbound_todo(m.expression.text, free, "in the sign-in route"))
    refuse = not guards and not checks and not carried
    todos = [("ZG226", f"{old.route} also ran `{f.head}`; carry it over by hand") for f in filters
             if not f.global_ and not f.lines]
    if refuse:
        todos.append(("ZG223", (f"the Zendesk token route {old.route} had no login check; add the site's own here "
                                "(e.g. `halt 401 unless current_user`) and hand the claims to authorize: until then "
                                "nobody is signed in")))
    entries = [f"{_key(m.target)} {_ruby(m)}, # {m.source} -> {m.target} ({m.origin})" for m in plan.claims]
    entries += [f"# TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    guarded = "\n".join(line for f in carried for line in f.lines) + "\n" + \
        "\n".join(doc.text(c) for c in checks if not re.search(r"(?<![\w.])halt\s+GenesysOidc", doc.text(c)))
    signed_in = [n for n in _SIGNED_IN if notes.mentions(n, used) and not notes.mentions(n, guarded)]
    lines = render("ruby/sinatra/provider.rb.j2", core=CORE, issuer_path=config.issuer_path, replaces=old.route,
                   carried=carried, todos=todos, checks=[x for c in checks for x in _dedent(doc, c)],
                   locals=[x for st in prelude if st in needed for x in _dedent(doc, st)],
                   prelude=[x for st in prelude for x in _dedent(doc, st)], unbound=unbound, entries=entries,
                   refuse=refuse, signed_in=signed_in).rstrip("\n").split("\n")
    return lines, [*(f"`{g}`" for g in guards), *(["its own check"] if checks else [])]


def _indented(lines: list[str], indent: str, newline: str) -> list[str]:
    return [(indent + line if line else "") + newline for line in lines]


def _with_require(text: str, newline: str, core: str) -> str:
    """``require_relative 'genesys_oidc'`` after the file's last top-level require (or its header)."""
    name = core.removesuffix(".rb")
    if re.search(rf"""^\s*require_relative[ \t(]+['"](\./)?{re.escape(name)}['"]""", text, re.M):
        return text
    lines = notes.lines_of(text)
    at = None
    for i, line in enumerate(lines):
        if _REQUIRE.match(line) and not line.startswith((" ", "\t")):
            at = i + 1
        elif line.strip() and not line.lstrip().startswith("#") and at is not None:
            break
    if at is None:
        at = 0
        while at < len(lines) and lines[at].lstrip().startswith("#"):
            at += 1
        lines.insert(at, newline)
    lines.insert(at, f"require_relative '{name}'{newline}")
    return "".join(lines)


def _without_jwt_require(text: str) -> str:
    if "JWT." in text or "JWT::" in text:
        return text
    return re.sub(r"^[ \t]*require[ \t(]+['\"]jwt['\"]\)?[ \t]*\r?\n", "", text, flags=re.M)


def _route_lines(lines: list[str], call: ts.Node) -> tuple[int, int]:
    """The 0-based first and last line of the route, with the keep note and the Zendesk comment
    block right above it."""
    first, last = call.start_point[0], call.end_point[0]
    top = first
    while top > 0 and lines[top - 1].strip().startswith("#"):
        top -= 1
    block = "".join(lines[top:first]).lower()
    if top < first and ("zendesk" in block or "todo(migrate:zg220)" in block):
        first = top
    return first, last


def _remove(lines: list[str], first: int, last: int) -> list[str]:
    before, after = lines[:first], lines[last + 1:]
    if before and not before[-1].strip() and (not after or not after[0].strip() or after[0].strip() == "end"):
        before.pop()
    return before + after


def _mounted(path: str, text: str) -> str | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith("use GenesysOidc::Middleware"):
            return f"{path}:{number}"
    return None


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    old = _read(ctx)
    newline = src.newline
    lines = notes.lines_of(src.text)
    indent = re.match(r"[ \t]*", lines[old.call.start_point[0]]).group(0)
    out = Wiring(route=old.route)
    first, last = _route_lines(lines, old.call)

    if ctx.cutover and ctx.kept:  # the provider is mounted: the old route goes
        text = _without_jwt_require("".join(_remove(lines, first, last)))
        out.files[s.path] = with_newlines(text, newline)
        out.why(s.path, f"line {s.line}: Zendesk token route {old.route} removed at cut-over")
        return out

    provider, guards = _provider(ctx, old)
    block = _indented(provider, indent, newline)
    if ctx.cutover:
        lines[first:last + 1] = block
        text = _without_jwt_require("".join(lines))
        out.why(s.path, f"line {s.line}: Zendesk token route {old.route} replaced by the OpenID provider at "
                        f"{config.issuer_path} [{plan.view.profile}.yaml]")
    else:
        after = [newline] if last + 1 < len(lines) and lines[last + 1].strip() not in ("", "end") else []
        lines[last + 1:last + 1] = [newline, *block, *after]
        row = (s.span[0] if s.span else old.call.start_point[0] + 1) - 1
        text = notes.insert_note("".join(lines), row, keep_note(old.route, config))
        out.why(s.path, f"line {s.line}: Zendesk token route {old.route} kept until cut-over (TODO(migrate:ZG220)); "
                        f"the OpenID provider is mounted beside it at {config.issuer_path} "
                        f"[{plan.view.profile}.yaml]")
    text = _with_require(text, newline, CORE)
    out.files[s.path] = with_newlines(text, newline)
    out.mounted = _mounted(s.path, out.files[s.path])
    out.why(s.path, f"{config.issuer_path}/authorize behind {', '.join(guards) or 'a guard that refuses (ZG223)'}, "
                    "with the route's claims")
    folder = posixpath.dirname(s.path)
    core_path = posixpath.join(folder, CORE)
    if not (ctx.root / core_path).exists():
        out.new_files[core_path] = with_newlines(render("ruby/genesys_oidc.rb.j2", issuer_path=config.issuer_path),
                                                 newline)
        out.why(core_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, "
                           "nonce; ruby-jwt + openssl) and GenesysOidc::Middleware [templates/ruby]")
    gem = nearest(ctx.root, folder, "Gemfile")
    if gem:
        updated = gemfile(ctx.source(gem).text)
        if updated is not None:
            out.files[gem] = updated
            out.why(gem, f"{JWT_GEM} for the OpenID provider")
    return out
