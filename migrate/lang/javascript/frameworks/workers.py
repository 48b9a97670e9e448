"""Cloudflare Workers: the provider answers first in the Worker's fetch(), `const oidcAnswer = await
genesysOidc(request, env, ctx); if (oidcAnswer) return oidcAnswer;`, with `genesysOidc =
createWorkerHandler({ claims })` beside the module's default export; the Zendesk token branch
(`if (url.pathname === '/zendesk/jwt') {...}`) stays with its note. The claims function gets the
request, env and ctx, with the branch's own checks as "nobody signed in". Settings come from env
(the key as the GENESYS_OIDC_PRIVATE_KEY secret); the nodejs_compat flag is needed for node:crypto."""

from __future__ import annotations

import dataclasses

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.generate.changes import Edit, with_newlines
from migrate.generate.page import Page
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import beside, shared

ADAPTER = "createWorkerHandler"
NAME = "genesysOidc"
NO_CHECK = ("// TODO(migrate:ZG223): the old route checked no login itself: until the site's own check takes the "
            "place of this one, nobody is signed in")


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    page = Page.parse(ctx.source(s.path))
    at = page.byte_at(s.line, s.column)
    found = routes.worker(page.scripts[0], at)
    if found is None:
        raise WiringError("the signing code is not inside the fetch() of a Worker's default export")
    if found.branch is None and ctx.cutover:
        raise WiringError("the Worker's whole fetch() signs the Zendesk token: take it out by hand")
    fetch = found.fetch
    ps = shared.params(page, fetch)
    names = [shared.param_name(page, p) for p in ps]
    request, env, wctx = [names[i] if i < len(names) and names[i] else d for i, d in
                          enumerate(("request", "env", "ctx"))]
    code = shared.claims_code(page, plan, fetch, at, default_param=request, null_checks=True,
                              rebind={env: env, wctx: wctx}, through=found.branch)
    if not code.carried.checks and not code.unbound:  # a route without a login check: refuse until one is written
        code.body[:0] = [NO_CHECK, "return null;"]
    params = ", ".join(page.text(p) for p in ps[:3]) or request
    claims = shared.arrow(dataclasses.replace(code, param=params))
    text = (f"// Genesys Cloud Messenger signs visitors in through this OpenID provider at {config.issuer_path}, "
            "answering first\n// in fetch() below; Genesys redeems the codes it issues.\n"
            f"const {NAME} = {ADAPTER}({{\n  claims: {claims},\n}});")
    mount = beside.Mount(ADAPTER, text, f"const {NAME} = {ADAPTER}(", before=True)
    body = fetch.child_by_field_name("body")
    first = next((c for c in body.named_children if c.type != "comment"), None) if body is not None else None
    if first is None:
        raise WiringError("the Worker's fetch() has no statements")
    indent = page.indent(first)
    nl = page.src.newline
    start = page.offset(first.start_byte)
    given = ", ".join([request, env, wctx][:max(1, len(ps))])  # the names fetch() has: no free variable
    extra = [Edit(start, start, with_newlines(f"const oidcAnswer = await {NAME}({given});\n{indent}"
                                              f"if (oidcAnswer) return oidcAnswer;\n{indent}", nl))]
    if not any(c.type == "async" for c in fetch.children):
        at_fn = page.offset(fetch.start_byte)
        extra.append(Edit(at_fn, at_fn, "async "))
    statement = found.branch if found.branch is not None else found.export
    old = beside.Route(statement, fetch, found.route, found.export)
    return beside.wire(ctx, page, old, mount, "Worker fetch", extra=extra)
