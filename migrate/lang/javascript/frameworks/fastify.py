"""Fastify: the provider is a Fastify plugin, `fastify.register(createFastifyPlugin({ guard, claims }),
{ prefix: '<issuer path>' })`, registered on the instance of the Zendesk token route beside it.
Its guard is the route's own hooks (preHandler, onRequest, preValidation) and the login checks its
handler made; the claims function gets Fastify's request, as the handler did. Both route shapes
are read: `fastify.get('/path', opts, handler)` and `fastify.route({ method, url, handler })`."""

from __future__ import annotations

import json

import tree_sitter as ts

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.generate.page import Page
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import beside, shared

ADAPTER = "createFastifyPlugin"
HOOKS = ("onRequest", "preValidation", "preHandler")
REFUSING = "async (_request, reply) => reply.code(401).send({ error: 'login_required' })"


def wire(ctx: WireContext) -> Wiring:
    plan = ctx.plan
    s = plan.signer
    page = Page.parse(ctx.source(s.path))
    doc = page.scripts[0]
    at = page.byte_at(s.line, s.column)
    reg = routes.express(doc, at)
    if reg is not None:
        call, instance, handler, route = reg.call, reg.object, reg.handler, reg.route
        hooks = [h for opts in reg.guards for h in _hooks(page, opts)]
    else:
        found = routes.options_route(doc, at)
        if found is None:
            raise WiringError("the signing code is not inside a Fastify route (fastify.get('/path', ...), "
                              "fastify.route({...}))")
        call, instance, handler, route = found.call, found.object, found.handler, found.route
        hooks = _hooks(page, found.options)
    stmt = beside.top_level(page, call, "Fastify route")
    code = shared.claims_code(page, plan, handler, at, default_param="request")
    carried = beside.guard_from_checks(page, handler, code, ("request", "reply"), None)
    guards = hooks + ([carried] if carried else [])
    guard = None if not guards else guards[0] if len(guards) == 1 else "[" + ", ".join(guards) + "]"
    name = page.text(instance)
    text = (beside.intro(ctx.config, ctx.cutover, route)
            + f"{name}.register({ADAPTER}({beside.options(guard, REFUSING, shared.arrow(code))}), "
              f"{{ prefix: {json.dumps(ctx.config.issuer_path)} }});")
    mount = beside.Mount(ADAPTER, text, f"{name}.register({ADAPTER}(")
    return beside.wire(ctx, page, beside.Route(stmt, handler, route, stmt), mount, "Fastify plugin")


def _hooks(page: Page, opts: ts.Node) -> list[str]:
    """The route's hooks that run before its handler, as written (arrays flattened)."""
    node = routes._unwrap(opts)
    if node.type != "object":
        return []
    out = []
    for hook in HOOKS:
        value = routes._property(page.scripts[0], node, (hook,), nested=False)
        if value is None:
            continue
        value = routes._unwrap(value)
        items = value.named_children if value.type == "array" else [value]
        out += [page.text(v) for v in items if v.type != "comment"]
    return out
