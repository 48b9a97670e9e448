"""FastAPI: the Zendesk token route becomes `genesys_claims(user)`, and the provider's router is
included right there, on the app or router the old route was declared on; the route's own
`Depends(current_user)` parameter names both the guard and the claims function's parameter."""

from __future__ import annotations

import json
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from migrate.generate.backends import WireContext, Wiring
from migrate.lang.python.frameworks.codemods import (
    CLAIMS_FUNCTION,
    PROVIDER_MODULE,
    REFUSE,
    TODO,
    View,
    ViewCodemod,
    add_dependency,
    blank_lines,
    callee_name,
    in_package,
    line_of,
    prefix_note,
    wire_module,
)

_APPS = ("fastapi.FastAPI", "fastapi.applications.FastAPI")
_ROUTERS = ("fastapi.APIRouter", "fastapi.routing.APIRouter")
_USER_FUNCTION = "genesys_user"
_REQUESTS = {"fastapi.Request", "fastapi.requests.Request", "starlette.requests.Request"}
_DEPENDS = m.Call(func=m.Name("Depends") | m.Attribute(attr=m.Name("Depends")))
_SECURITY = m.Call(func=m.Name("Security") | m.Attribute(attr=m.Name("Security")))


@dataclass(frozen=True)
class Dependency:
    """A route parameter FastAPI fills from a dependency."""

    param: cst.Param
    callable: str | None  # `current_user` in Depends(current_user); None when it must be wrapped


class FastAPICodemod(ViewCodemod):
    """`@app.get(...)` route -> `def genesys_claims(user)` + `app.include_router(...)`."""

    DESCRIPTION = "Replace a FastAPI Zendesk JWT route by the Genesys OpenID provider's router."
    FRAMEWORK = "fastapi"
    ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "api_route"})

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user: Dependency | None = None
        self.user_name = "user"
        self.route_guard: str | None = None  # from the route's dependencies=[Depends(x)]
        self.hands_request = False  # the claims read the Request (request.state.user...)

    # -- the dependency that gives the user ------------------------------------------------------

    def _from_call(self, call: cst.BaseExpression) -> tuple[bool, str | None] | None:
        """(is a dependency, the callable or None when it has to be wrapped)."""
        if m.matches(call, _SECURITY):
            return True, None  # Security(x, scopes=[...]): the scopes only survive in a wrapper
        if not m.matches(call, _DEPENDS):
            return None
        args = [a for a in call.args if a.keyword is None or a.keyword.value == "dependency"]  # type: ignore[attr-defined]
        if not args:
            return True, None  # Depends(): the annotation is the dependency
        return True, " ".join(self.module.code_for_node(args[0].value).split())

    def _from_annotation(self, node: cst.BaseExpression, depth: int = 2) -> tuple[bool, str | None] | None:
        if isinstance(node, cst.Subscript) and callee_name(node.value) == "Annotated":
            for el in node.slice[1:]:
                if isinstance(el.slice, cst.Index):
                    found = self._from_call(el.slice.value)
                    if found:
                        return found
            return None
        if isinstance(node, cst.Name) and depth > 0:  # CurrentUser = Annotated[User, Depends(current_user)]
            for stmt in self.module.body:
                if m.matches(stmt, m.SimpleStatementLine(body=[m.Assign(targets=[m.AssignTarget(m.Name(node.value))])])):
                    return self._from_annotation(stmt.body[0].value, depth - 1)  # type: ignore[attr-defined]
                if m.matches(stmt, m.SimpleStatementLine(body=[m.TypeAlias(name=m.Name(node.value))])):
                    return self._from_annotation(stmt.body[0].value, depth - 1)  # type: ignore[attr-defined]
        return None

    def dependency(self, param: cst.Param) -> Dependency | None:
        found = self._from_call(param.default) if param.default is not None else None
        if found is None and param.annotation is not None:
            found = self._from_annotation(param.annotation.annotation)
        return Dependency(param, found[1]) if found else None

    def after_location(self, view: View) -> None:
        if view.route is None:
            raise self.fail(f"{view.fn.name.value}() signs the Zendesk JWT but is not a route (@app.get)", view.fn)

    def after_analysis(self, view: View) -> None:
        self.after_location(view)
        p = view.fn.params
        params = {x.name.value: x for x in (*p.posonly_params, *p.params, *p.kwonly_params)}
        deps = {name: d for name, x in params.items() if (d := self.dependency(x))}
        others = sorted(view.param_reads - set(deps))
        for name in others:
            ann = params[name].annotation if name in params else None
            kind = self.qualified(ann.annotation) if ann is not None else set()
            if kind & _REQUESTS and len(view.param_reads) == 1:
                # request.state.user set by a middleware: the wrapper hands the request on
                deps[name] = Dependency(params[name], None)
                self.hands_request = True
            elif ann is not None and isinstance(ann.annotation, cst.Name) and params[name].default is None \
                    and ann.annotation.value[:1].isupper() and len(view.param_reads) == 1 \
                    and not any(q.startswith(("fastapi.", "starlette.")) for q in kind):
                deps[name] = Dependency(params[name], None)  # an imported Annotated alias: wrap it
            else:
                self.unbind(name, "the old route's own parameter, not the signed-in user (the provider hands "
                                  f"{CLAIMS_FUNCTION} only what its guard dependency returns)")
        read = [n for n in deps if n in view.param_reads]
        for name in read[1:]:
            self.unbind(name, f"a second dependency of the old route (the provider hands {CLAIMS_FUNCTION} one "
                              "value, what its guard dependency returns)")
        chosen = read[0] if read else next(iter(deps), None)
        if chosen is not None:
            self.user, self.user_name = deps[chosen], chosen
        else:
            for a in view.route.decorator.args:  # type: ignore[union-attr]
                if a.keyword is not None and a.keyword.value == "dependencies" and isinstance(a.value, cst.List) \
                        and a.value.elements:
                    found = self._from_call(a.value.elements[0].value)
                    if found and found[1]:
                        self.route_guard = found[1]
        self.import_provider()

    def guard_for(self, view: View) -> str | None:
        if self.user is not None:
            return self.user.callable or _USER_FUNCTION
        return self.route_guard

    def claims_params(self, view: View) -> str:
        return self.user_name

    # -- writing -----------------------------------------------------------------------------------

    def mounting(self, view: View) -> list[cst.BaseStatement]:
        obj, i = view.route_object, self.unit
        prefix, comments, out = self.issuer_path, [], []
        made = self.is_object(view, _APPS + _ROUTERS)
        if made in _ROUTERS or (made is None and obj not in ("app", "application", "api")):
            comments.append(prefix_note(self, view, "router", "prefix", "included"))
            prefix = self.mount_prefix
        if self.user is not None and self.user.callable is None:
            param = self.user.param.with_changes(comma=cst.MaybeSentinel.DEFAULT, star="")
            code = (f"def {_USER_FUNCTION}({self.module.code_for_node(param).strip()}):\n"
                    f"{i}return {self.user_name}\n")
            fn = self.parse(code).body[0]
            what = "The request" if self.hands_request else "The signed-in user"
            out.append(fn.with_changes(leading_lines=[*blank_lines(1 if view.nested else 2), cst.EmptyLine(
                comment=cst.Comment(f"# {what}, as the old route's `{self.user_name}` parameter received it."))]))
        if self.hands_request:
            comments.append(f"{TODO}: the old route read the user from the request, with no login dependency: "
                            f"make {CLAIMS_FUNCTION} return None for an anonymous visitor, or pass a dependency "
                            "that raises 401 as guard=")
        elif self.guard is None and not self.unbound:
            comments.append(f"{TODO}: the old route had no login dependency: nobody is signed in until the "
                            "site's dependency that returns the signed-in user (or raises 401) replaces "
                            f"guard={REFUSE}")
            self.guard = REFUSE
        args = [f"claims={CLAIMS_FUNCTION}", *([f"guard={self.guard}"] if self.guard else [])]
        code = (f"{obj}.include_router(\n"
                f"{i}{self.call_args('create_router', args)},\n"
                f"{i}prefix={json.dumps(prefix)},\n"
                ")\n")
        out.append(self.statement(code, view, comments))
        return out


def wire(ctx: WireContext) -> Wiring:
    s = ctx.plan.signer
    package = in_package(ctx.root, s.path, ctx.source(s.path).text)
    out, codemod = wire_module(ctx, "fastapi", FastAPICodemod, package=package)
    assert codemod.view is not None
    out.route = codemod.view.http_route
    if codemod.mode == "remove":
        return out
    line = line_of(out.files[s.path], r"^\s*[\w.]+\.include_router\(\s*" + PROVIDER_MODULE + r"\.create_router\(")
    out.mounted = f"{s.path}:{line}" if line else None
    guard = codemod.guard
    out.why(s.path, f"  guard: {guard} (the old route's dependency), claims({codemod.user_name})"
            if guard and guard != REFUSE else f"  guard: none on the old route ({TODO} left)")
    add_dependency(ctx, out, "fastapi")
    return out
