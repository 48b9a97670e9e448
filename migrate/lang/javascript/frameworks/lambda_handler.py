"""AWS Lambda: the provider is a second handler of the Zendesk token handler's module,
`genesysOidcHandler = createLambdaHandler({ claims })`, exported beside the kept one; the API
(API Gateway, a function URL) routes the issuer path to it, /authorize behind the authorizer the
Zendesk route had. The claims function gets the event, as the handler did, with the handler's own
checks as "nobody signed in". At cut-over the kept handler goes; the function's configuration
(serverless.yml, template.yaml) then names the new handler."""

from __future__ import annotations

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.generate.page import Page
from migrate.lang.javascript import routes
from migrate.lang.javascript.frameworks import beside, shared

ADAPTER = "createLambdaHandler"
HANDLER = "genesysOidcHandler"
NO_CHECK = ("// TODO(migrate:ZG223): the old handler checked no login itself (the API's authorizer did): until the "
            "site's own check takes the place of this one, nobody without an authorizer context is signed in")


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    page = Page.parse(ctx.source(s.path))
    at = page.byte_at(s.line, s.column)
    found = routes.lambda_handler(page.scripts[0], at)
    if found is None:
        raise WiringError("the signing code is not inside an exported Lambda handler (export const handler = ...)")
    if found.name == HANDLER:
        raise WiringError(f"the Zendesk handler is already called {HANDLER}")
    code = shared.claims_code(page, plan, found.handler, at, default_param="event", null_checks=True)
    ps = shared.params(page, found.handler)
    event = (shared.param_name(page, ps[0]) if ps else None) or "event"
    if not code.carried.checks and not code.unbound:
        code.body[:0] = [NO_CHECK, f"if (!{event}.requestContext || !{event}.requestContext.authorizer) return null;"]
    esm = found.export.type == "export_statement"
    exported = f"export const {HANDLER} =" if esm else \
        f"{'module.exports' if page.text(found.export).startswith('module.') else 'exports'}.{HANDLER} ="
    text = (f"// Genesys Cloud Messenger signs visitors in through this OpenID provider: route {config.issuer_path}/* of\n"
            f"// the API to this handler ({HANDLER}), {config.issuer_path}/authorize behind the authorizer the Zendesk "
            "token\n// route has; Genesys redeems the codes it issues.\n"
            f"{exported} {ADAPTER}({{\n  claims: {shared.arrow(code)},\n}});")
    mount = beside.Mount(ADAPTER, text, f"{exported} {ADAPTER}(")
    note = (f"the function's configuration (serverless.yml, template.yaml...) names {s.path.rsplit('.', 1)[0]}."
            f"{found.name}, which is gone: point the Zendesk token route's function at {HANDLER} or remove it")
    old = beside.Route(found.export, found.handler, None, found.export)
    return beside.wire(ctx, page, old, mount, "Lambda handler", cut_note=note)
