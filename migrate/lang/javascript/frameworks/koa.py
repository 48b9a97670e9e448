"""Koa with @koa/router (or koa-router): the provider is Koa middleware, `app.use(createKoaMiddleware(
{ guard, claims }))`, mounted on the Koa app of the file beside the router's Zendesk token route,
behind the route's own middleware and the login checks its handler made. The claims function gets
Koa's ctx, as the handler did."""

from __future__ import annotations

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.generate.page import Page
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import beside, shared

ADAPTER = "createKoaMiddleware"
REFUSING = "(ctx) => {\n    ctx.status = 401;\n    ctx.body = { error: 'login_required' };\n  }"


def wire(ctx: WireContext) -> Wiring:
    plan = ctx.plan
    s = plan.signer
    page = Page.parse(ctx.source(s.path))
    at = page.byte_at(s.line, s.column)
    reg = routes.express(page.scripts[0], at)
    if reg is None:
        raise WiringError("the signing code is not inside a Koa router route (router.get('/path', ...))")
    stmt = beside.top_level(page, reg.call, "Koa route")
    app = _koa_app(page)
    if app is None:
        raise WiringError("the Koa app (new Koa()) is not created in the file of the route: mount the provider on it")
    name, declared = app
    anchor = beside.later(stmt, declared)
    listen = _listen(page, name)
    if listen is not None and listen.start_byte < anchor.end_byte:
        anchor = listen
    old = beside.Route(stmt, reg.handler, reg.route, anchor)
    code = shared.claims_code(page, plan, reg.handler, at, default_param="ctx")
    guards = [page.text(a) for a in reg.guards]
    carried = beside.guard_from_checks(page, reg.handler, code, ("ctx", "next"), "return {1}();")
    if carried:
        guards.append(carried)
    guard = None if not guards else guards[0] if len(guards) == 1 else "[" + ", ".join(guards) + "]"
    text = (beside.intro(ctx.config, ctx.cutover, reg.route)
            + f"{name}.use({ADAPTER}({beside.options(guard, REFUSING, shared.arrow(code))}));")
    mount = beside.Mount(ADAPTER, text, f"{name}.use({ADAPTER}(", before=listen is anchor)
    return beside.wire(ctx, page, old, mount, "Koa middleware")


def _koa_app(page: Page):
    """(name, file-level statement) of `const app = new Koa()`."""
    for node in page.scripts[0].root.named_children:
        if node.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for d in node.named_children:
            value = d.child_by_field_name("value")
            name = d.child_by_field_name("name")
            if value is not None and value.type == "new_expression" and name is not None and \
                    page.text(value.child_by_field_name("constructor")) in ("Koa", "koa"):
                return page.text(name), node
    return None


def _listen(page: Page, app: str):
    """The file-level statement starting the app (app.listen(...), http.createServer(app.callback())."""
    for node in page.scripts[0].root.named_children:
        text = page.text(node)
        if f"{app}.listen(" in text or f"{app}.callback(" in text:
            return node
    return None
