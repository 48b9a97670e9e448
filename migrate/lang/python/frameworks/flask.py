"""Flask: the Zendesk token view becomes `genesys_claims()`, and the provider's blueprint is
registered right there, on the object the old route was registered on, behind the view's own
decorators (`@login_required`)."""

from __future__ import annotations

import json

import libcst as cst

from migrate.generate.backends import WireContext, Wiring
from migrate.lang.python.frameworks.codemods import (
    CLAIMS_FUNCTION,
    PROVIDER_MODULE,
    TODO,
    View,
    ViewCodemod,
    add_dependency,
    in_package,
    prefix_note,
    wire_module,
)

_APPS = ("flask.Flask", "flask.app.Flask")
_BLUEPRINTS = ("flask.Blueprint", "flask.blueprints.Blueprint")
_CURRENT_USER = ("flask_login.current_user", "flask_login.utils.current_user")


class FlaskCodemod(ViewCodemod):
    """`@app.route(...)` view -> `def genesys_claims()` + `app.register_blueprint(...)`."""

    DESCRIPTION = "Replace a Flask Zendesk JWT view by the Genesys OpenID provider's blueprint."
    FRAMEWORK = "flask"
    ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete"})

    def after_analysis(self, view: View) -> None:
        if view.route is None:
            raise self.fail(f"{view.fn.name.value}() signs the Zendesk JWT but is not a route (@app.route): register "
                            f"{PROVIDER_MODULE}.create_blueprint(...) where its caller's route is, by hand", view.fn)
        if view.param_reads:
            names = ", ".join(sorted(view.param_reads))
            raise self.fail(f"the claims read the route's URL parameter(s) {names}, which the provider's /authorize "
                            f"does not have; write {CLAIMS_FUNCTION} by hand", view.fn)
        self.import_provider()

    def _current_user(self) -> str | None:
        """The name flask_login's current_user has in this module."""
        for n in self.module.body:  # type: ignore[union-attr]
            if isinstance(n, cst.SimpleStatementLine) and isinstance(n.body[0], cst.ImportFrom):
                imp = n.body[0]
                if isinstance(imp.names, cst.ImportStar):
                    continue
                for alias in imp.names:
                    local = alias.evaluated_alias or alias.evaluated_name
                    if any(q in _CURRENT_USER for q in self.qualified(alias.name)) or (
                            alias.evaluated_name == "current_user" and imp.module is not None
                            and self.module.code_for_node(imp.module).startswith("flask_login")):  # type: ignore[union-attr]
                        return local
        return None

    def checks(self, view: View) -> list[str]:
        if view.guards or view.exits:
            return []
        name = self._current_user()
        if name and view.reads(rf"(?<![\w.]){name}\b"):
            return [f"if not {name}.is_authenticated:\n{self.unit}return None"]
        return []

    def mounting(self, view: View) -> list[cst.BaseStatement]:
        obj, i = view.route_object, self.unit
        prefix, comments = self.issuer_path, []
        made = self.is_object(view, _APPS + _BLUEPRINTS)
        if made in _BLUEPRINTS or (made is None and obj not in ("app", "application")):
            comments.append(prefix_note(self, view, "blueprint", "url_prefix", "registered"))
            prefix = self.mount_prefix
        guard = self.guard
        if guard is None and not self.check_lines and not view.exits:
            comments.append(f"{TODO}: the old route had no login guard: pass the site's login decorator as guard=")
        args = [f"claims={CLAIMS_FUNCTION}", *([f"guard={guard}"] if guard else [])]
        code = (f"{obj}.register_blueprint(\n"
                f"{i}{self.call_args('create_blueprint', args)},\n"
                f"{i}url_prefix={json.dumps(prefix)},\n"
                ")\n")
        return [self.statement(code, view, comments)]


def wire(ctx: WireContext) -> Wiring:
    s = ctx.plan.signer
    package = in_package(ctx.root, s.path, ctx.source(s.path).text)
    out, codemod = wire_module(ctx, "flask", FlaskCodemod, package=package)
    out.route = codemod.view.http_route if codemod.view is not None else None
    view = codemod.view
    assert view is not None
    guard = codemod.guard
    out.why(s.path, f"  guard: {guard} (the old route's decorators)" if guard else
            "  guard: none on the old route; genesys_claims() returns None for an anonymous visitor"
            if codemod.check_lines or view.exits else f"  guard: none on the old route ({TODO} left)")
    add_dependency(ctx, out, "flask")
    return out
