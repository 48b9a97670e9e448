"""A JavaScript/TypeScript signer whose server generate cannot wire (a plain Node http handler, a
framework it does not know, signing in a helper outside any route): the provider module is written
next to the signer (templates/node/oidc-provider-web.cjs.j2, with adapters for Node http, Koa,
Fastify, hapi, NestJS, Next.js API routes and Lambda), the claims function goes right above the
signing code (so the names its expressions read stay in scope; a method of the class beside a
signing method), and a ZG221 note says where to mount it. No code is removed."""

from __future__ import annotations

import posixpath
import re

from migrate.generate.backends import (
    MOUNT_RULE,
    REBIND_RULE,
    WireContext,
    Wiring,
    is_note,
    mount_note,
)
from migrate.generate.changes import Edit, apply_edits, with_newlines
from migrate.generate.page import Page
from migrate.generate.render import render
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import shared

MODULE = "genesys-oidc-provider.cjs"
CLAIMS = "genesysOidcClaims"
# A first parameter with one of these names is the request the server handed the old code.
_REQUEST = re.compile(r"^(req|request|ctx|context|event|c)$")


def wire(ctx: WireContext, why: str) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    page = Page.parse(src)
    at = page.byte_at(s.line, s.column)
    typescript = s.path.endswith((".ts", ".mts", ".cts", ".tsx"))
    module = posixpath.join(posixpath.dirname(s.path), MODULE)
    lines = src.text.split("\n")
    first = s.span[0] if s.span else s.line
    fn = _function(page, at)
    method = fn is not None and fn.type == "method_definition" and fn.start_point[0] + 1 == first
    if method and routes.method_decorators(fn):  # a class method: its note and claims go above its decorators
        first = routes.method_decorators(fn)[0].start_point[0] + 1
    out = Wiring(route=routes.of(s.path, page.scripts[0], at) or s.route)
    out.todo = f"{s.path}:{first}: {why}"
    if first > 1 and is_note(lines[first - 2], MOUNT_RULE):  # an earlier run wrote it
        out.todo = f"{s.path}:{first - 1}: {why}"
        return out
    claims = _claims(page, plan, fn, at, typescript)
    if method:  # a method of the class beside the signing one (a function declaration cannot be there)
        claims[0] = re.sub(r"^(async )?function ", r"\1", claims[0])
    indent = re.match(r"[ \t]*", lines[first - 1]).group()  # type: ignore[union-attr]
    above = first  # the claims go above the comment block describing the piece
    while above > 1 and lines[above - 2].strip().startswith(("//", "/*", "*")):
        above -= 1
    block = [f"// The signed-in visitor's claims for the OpenID provider ({MODULE}), from the Zendesk",
             "// token code below: what its `claims` option is given.", *claims, ""]
    nl = src.newline
    text = "".join(f"{indent}{line}{nl}" if line else nl for line in block)
    note = f"{indent}// {mount_note('./' + MODULE, config, why)}{nl}"
    start = sum(len(line) + 1 for line in lines[:above - 1])
    piece = sum(len(line) + 1 for line in lines[:first - 1])
    edits = [Edit(start, start, text + note)] if start == piece else [Edit(start, start, text), Edit(piece, piece, note)]
    out.files[s.path] = apply_edits(src.text, edits)
    note_line = first + len(block)
    out.todo = f"{s.path}:{note_line}: {why}"
    out.why(s.path, f"line {note_line}: the OpenID provider is not mounted ({why}): mount {MODULE} at "
                    f"{config.issuer_path} there (TODO(migrate:{MOUNT_RULE})); the claims function {CLAIMS} above "
                    f"it carries the old claims [{plan.view.profile}.yaml]")
    out.new_files[module] = with_newlines(render("node/oidc-provider-web.cjs.j2", issuer_path=config.issuer_path), nl)
    out.why(module, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, nonce) "
                    "with adapters for Node http, Koa, Fastify, hapi, NestJS, Next.js API routes and Lambda "
                    "[templates/node]")
    shared.add_jose(ctx, out, posixpath.dirname(s.path))
    return out


def _function(page: Page, at: int):
    n = page.scripts[0].root.descendant_for_byte_range(at, at)
    while n is not None and n.type not in routes.FUNCTIONS and n.type != "method_definition":
        n = n.parent
    return n


def _claims(page: Page, plan, fn, at: int, typescript: bool) -> list[str]:
    """`function genesysOidcClaims(req) {...}`: the old expressions, their function's request
    parameter kept, a user parameter looked up by hand (ZG222, no user until then)."""
    ps = shared.params(page, fn) if fn is not None else []
    name = shared.param_name(page, ps[0]) if ps else None
    if fn is not None and (not ps or (name and _REQUEST.match(name)) or name is None):
        code = shared.claims_code(page, plan, fn, at, default_param="req: any" if typescript else "req")
        param = _undecorated(page, ps[0]) if ps else code.param
        body = code.body
        if code.is_async:
            return [f"async function {CLAIMS}({param}) {{", *[f"  {b}" for b in body], "}"]
        return [f"function {CLAIMS}({param}) {{", *[f"  {b}" for b in body], "}"]
    # The old code got its user as a parameter (`zendeskToken(user)`) or from module scope.
    param = "req: any" if typescript else "req"
    lines = []
    if fn is not None and name:
        code = shared.claims_code(page, plan, fn, at)
        lines = [f"// TODO(migrate:{REBIND_RULE}): `{name}` of the old code is not in the request: look the "
                 "signed-in user up from req here. Until then nobody is signed in.",
                 f"const {name}{': any' if typescript else ''} = null;",
                 f"if (!{name}) return null;", *code.body]
    else:
        entries = [f"  {shared.key(m.target)}: {shared.js(m)},  // {m.source} -> {m.target} ({m.origin})"
                   for m in plan.claims]
        lines = ["return {", *entries, "};"]
    is_async = any(re.search(r"\bawait\b", b) for b in lines)
    return [f"{'async ' if is_async else ''}function {CLAIMS}({param}) {{", *[f"  {b}" for b in lines], "}"]


def _undecorated(page: Page, p) -> str:
    """A parameter as written without its decorators (`@Req() req: Request` -> `req: Request`)."""
    rest = [c for c in p.children if c.type != "decorator"]
    if not rest or len(rest) == len(p.children):
        return page.text(p)
    return page.src.text[page.offset(rest[0].start_byte):page.offset(p.end_byte)]
