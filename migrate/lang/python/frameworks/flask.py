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
    REFUSE,
    TODO,
    View,
    ViewCodemod,
    add_dependency,
    in_package,
    line_of,
    prefix_note,
    wire_module,
)

_APPS = ("flask.Flask", "flask.app.Flask")
_BLUEPRINTS = ("flask.Blueprint", "flask.blueprints.Blueprint")
_CURRENT_USER = ("flask_login.current_user", "flask_login.utils.current_user")
# What the old route read from its own request that /authorize does not carry.
_REQUEST_INPUT = "args|form|json|values|get_json|data|files|view_args|get_data"


class FlaskCodemod(ViewCodemod):
    """`@app.route(...)` view -> `def genesys_claims()` + `app.register_blueprint(...)`."""

    DESCRIPTION = "Replace a Flask Zendesk JWT view by the Genesys OpenID provider's blueprint."
    FRAMEWORK = "flask"
    ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete"})

    def after_location(self, view: View) -> None:
        if view.route is None:
            raise self.fail(f"{view.fn.name.value}() signs the Zendesk JWT but is not a route (@app.route)", view.fn)

    def after_analysis(self, view: View) -> None:
        self.after_location(view)
        for name in sorted(view.param_reads):
            self.unbind(name, "the old route's URL parameter, which the provider's /authorize does not have")
        request = self._flask_name("request")
        if request and view.reads(rf"(?<![\w.]){request}\.({_REQUEST_INPUT})\b"):
            self.unbind(request, "the old route's request input (query or body), which /authorize does not carry")
        self.import_provider()

    def _flask_name(self, name: str) -> str | None:
        """The local name of `flask.<name>` in this module."""
        for n in self.module.body:  # type: ignore[union-attr]
            if isinstance(n, cst.SimpleStatementLine) and isinstance(n.body[0], cst.ImportFrom):
                imp = n.body[0]
                if isinstance(imp.names, cst.ImportStar) or imp.module is None or \
                        self.module.code_for_node(imp.module) != "flask":  # type: ignore[union-attr]
                    continue
                for alias in imp.names:
                    if alias.evaluated_name == name:
                        return alias.evaluated_alias or name
        return None

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
        if guard is None and not self.check_lines and not view.exits and not self.unbound:
            comments.append(f"{TODO}: the old route had no login guard: nobody is signed in until the site's "
                            f"login decorator replaces guard={REFUSE}")
            guard = REFUSE
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
    view = codemod.view
    assert view is not None
    out.route = view.http_route
    if codemod.mode == "remove":
        return out
    line = line_of(out.files[s.path], r"^\s*[\w.]+\.register_blueprint\(\s*" + PROVIDER_MODULE + r"\.create_blueprint\(")
    out.mounted = f"{s.path}:{line}" if line else None
    guard = codemod.guard
    out.why(s.path, f"  guard: {guard} (the old route's decorators)" if guard else
            "  guard: none on the old route; genesys_claims() returns None for an anonymous visitor"
            if codemod.check_lines or view.exits else f"  guard: none on the old route ({TODO} left)")
    add_dependency(ctx, out, "flask")
    return out
