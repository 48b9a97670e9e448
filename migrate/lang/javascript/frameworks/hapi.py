"""hapi: the provider's routes go on the server of the Zendesk token route, beside it and in the same
block (hapi routes are often added inside an `init` function): `await server.register(
createHapiPlugin({ auth, pre, guard, claims }))` in an async function (or a .mjs), else
`server.route(createHapiRoutes({...}))`. /authorize takes the old route's `options.auth` and `pre`
as written (the server's default strategy when it named none), and its handler's login checks as a
guard `(request, h)`; the claims function gets hapi's request, as the handler did. A route in an
array of routes is one element of it: a cut-over takes that element out and leaves the others."""

from __future__ import annotations

import re

import tree_sitter as ts

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.generate.page import Page
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import beside, shared

PLUGIN, ROUTES = "createHapiPlugin", "createHapiRoutes"
REFUSING = "(_request, h) => h.response({ error: 'login_required' }).code(401)"


def wire(ctx: WireContext) -> Wiring:
    plan = ctx.plan
    s = plan.signer
    page = Page.parse(ctx.source(s.path))
    doc = page.scripts[0]
    at = page.byte_at(s.line, s.column)
    found = routes.options_route(doc, at)
    if found is None:
        raise WiringError("the signing code is not inside a hapi route (server.route({ method, path, handler }))")
    stmt = page.statement(found.call)
    _not_in_a_plugin(page, stmt)
    removed = _element(page, found) if _in_array(found) else stmt
    auth = found.property(doc, "auth")
    pre = found.property(doc, "pre")
    code = shared.claims_code(page, plan, found.handler, at, default_param="request")
    carried = beside.guard_from_checks(page, found.handler, code, ("request", "h"), "return {1}.continue;")
    unguarded = (auth is None and not re.search(r"\.auth\.default\(", page.src.text)) or \
        (auth is not None and page.text(auth) == "false")
    fields = []
    if auth is not None and page.text(auth) != "false":
        fields.append(f"auth: {_one_line(page.text(auth))}")
    if pre is not None:
        fields.append(f"pre: {_one_line(page.text(pre))}")
    guard = carried
    if guard is None and unguarded and pre is None:
        fields.append(beside.NO_GUARD)
        guard = REFUSING
    if guard is not None:
        fields.append(f"guard: {guard}")
    fields.append(f"claims: {shared.arrow(code)}")
    body = "".join(f"  {f}\n" if f.startswith("//") else f"  {f},\n" for f in fields)
    server = page.text(found.object)
    if _can_await(page, stmt):
        call = f"await {server}.register({PLUGIN}({{\n{body}}}));"
        adapter, marker = PLUGIN, f"{server}.register({PLUGIN}("
    else:
        call = f"{server}.route({ROUTES}({{\n{body}}}));"
        adapter, marker = ROUTES, f"{server}.route({ROUTES}("
    text = beside.intro(ctx.config, ctx.cutover, found.route) + call
    old = beside.Route(removed, found.handler, found.route, stmt)
    return beside.wire(ctx, page, old, beside.Mount(adapter, text, marker), "hapi routes")


def _in_array(found: routes.RouteObject) -> bool:
    arg = routes._unwrap(routes._args(found.call)[0])
    return arg.type == "array" and len([c for c in arg.named_children if c.type != "comment"]) > 1


def _element(page: Page, found: routes.RouteObject) -> ts.Node:
    """The route's object in an array of routes: what a cut-over takes out. It must have its lines to
    itself (and its comma), so that taking them out leaves the other routes as they were."""
    obj = found.options
    text = page.src.text
    start, end = page.offset(obj.start_byte), page.offset(obj.end_byte)
    before = text[text.rfind("\n", 0, start) + 1:start]
    line_end = text.find("\n", end)
    after = text[end:len(text) if line_end < 0 else line_end]
    if before.strip() or after.strip() not in ("", ","):
        raise WiringError("the hapi route shares its lines with other routes of the array: put it on lines of its "
                          "own, or mount the provider by hand")
    return obj


def _not_in_a_plugin(page: Page, stmt: ts.Node) -> None:
    """A route added by a plugin's register(server) is under the prefix the plugin is registered with;
    the provider belongs where the server is created."""
    n = stmt.parent
    while n is not None:
        if n.type in routes.FUNCTIONS or n.type == "method_definition":
            name = n.child_by_field_name("name")
            holder = n.parent
            key = holder.child_by_field_name("key") if holder is not None and holder.type == "pair" else None
            names = [page.text(x) for x in (name, key) if x is not None]
            if holder is not None and holder.type == "variable_declarator":
                names.append(page.text(holder.child_by_field_name("name")))
            if "register" in names:
                raise WiringError("the hapi route is added by a plugin's register(): mount the provider where the "
                                  "server is created")
        n = n.parent


def _can_await(page: Page, stmt: ts.Node) -> bool:
    """Whether the statement's block may `await`: inside an async function, or at the top of a .mjs."""
    n = stmt.parent
    while n is not None:
        if n.type in routes.FUNCTIONS or n.type == "method_definition":
            return any(c.type == "async" for c in n.children)
        n = n.parent
    return page.src.path.endswith(".mjs")


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text and len(" ".join(text.split())) <= 80 else text
