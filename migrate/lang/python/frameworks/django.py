"""Django: the Zendesk token view becomes `genesys_claims(request)` in its views module, and the
URL pattern that pointed at it becomes `path("oidc/", include(genesys_oidc.urls(...)))` behind the
view's own decorators (`@login_required`), with the provider module in the view's app package."""

from __future__ import annotations

import json
import posixpath
import re
import textwrap
from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import ParentNodeProvider, PositionProvider

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.lang.python import routes
from migrate.lang.python.frameworks.codemods import (
    CLAIMS_FUNCTION,
    PROVIDER_MODULE,
    TODO,
    ImportsCodemod,
    View,
    ViewCodemod,
    add_dependency,
    callee_name,
    dotted_package,
    python_files,
    run_codemod,
    wire_module,
)

# Decorators about HTTP methods, CSRF or caching, not about who is signed in: not a guard
# (require_POST on /authorize would refuse the GET it is).
_NOT_GUARDS = ("django.views.decorators.", "rest_framework.decorators.")
_URL_FUNCTIONS = frozenset({"path", "re_path", "url"})
LOCAL = "<views>"  # a guard defined in the views module itself

ImportSpec = tuple[str, str | None, str | None]  # (module, with leading dots when relative; obj; asname)


class DjangoViewCodemod(ViewCodemod):
    """views.py: the Zendesk token view -> `def genesys_claims(request)`."""

    DESCRIPTION = "Replace a Django Zendesk JWT view by the claims function of the Genesys OpenID provider."
    FRAMEWORK = "django"
    ROUTE_METHODS = frozenset()

    def __init__(self, context: CodemodContext, *, urls: str = "urls.py", **kwargs: object) -> None:
        super().__init__(context, **kwargs)  # type: ignore[arg-type]
        self.urls = urls
        self.view_name = ""
        self.guard_imports: list[ImportSpec] = []
        self.skipped: list[str] = []  # DRF decorators that are no guard for a plain Django view

    def after_analysis(self, view: View) -> None:
        if view.nested:
            raise self.fail(f"{view.fn.name.value}() is defined inside another function: mount "
                            f"{PROVIDER_MODULE}.urls(...) by hand", view.fn)
        if not view.params:
            raise self.fail(f"{view.fn.name.value}() takes no request: it is not a Django view; mount "
                            f"{PROVIDER_MODULE}.urls(...) where its caller is routed, by hand", view.fn)
        extra = sorted(view.param_reads - {view.params[0]})
        if extra:
            raise self.fail(f"the claims read the URL parameter(s) {', '.join(extra)}, which the provider's "
                            f"/authorize does not have; write {CLAIMS_FUNCTION} by hand", view.fn)
        self.view_name = view.fn.name.value
        guards = []
        for d in view.guards:
            names = self.qualified(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
            if any(q.startswith(_NOT_GUARDS) for q in names):
                if any(q.startswith("rest_framework.") for q in names):
                    self.skipped.append(" ".join(self.module.code_for_node(d.decorator).split()))
                continue
            guards.append(d)
        view.guards = guards
        self.guard_imports = [self._binding(name) for d in guards for name in sorted(self.reads(d.decorator))]

    def _binding(self, name: str) -> ImportSpec:
        """How this module gets `name`, for urls.py to get it the same way."""
        for stmt in self.module.body:
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and stmt.name.value == name:
                return (LOCAL, name, None)
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(m.matches(t.target, m.Name(name)) for t in small.targets):
                    return (LOCAL, name, None)
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        local = alias.evaluated_alias or alias.evaluated_name.split(".")[0]
                        if local == name:
                            return (alias.evaluated_name, None, alias.evaluated_alias)
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    module = "." * len(small.relative) + (self.module.code_for_node(small.module) if small.module else "")
                    for alias in small.names:
                        if (alias.evaluated_alias or alias.evaluated_name) == name:
                            return (module, alias.evaluated_name, alias.evaluated_alias)
        raise self.fail(f"the view's decorator `{name}` is not imported or defined at the top of the module; "
                        f"mount {PROVIDER_MODULE}.urls(...) with the right guard by hand")

    def claims_params(self, view: View) -> str:
        return view.params[0]

    def checks(self, view: View) -> list[str]:
        request = view.params[0]
        if self.guard is None and not view.exits and view.reads(rf"(?<![\w.]){request}\.user\b"):
            return [f"if not {request}.user.is_authenticated:\n{self.unit}return None"]
        return []

    def heading(self, view: View) -> list[str]:
        return [f"Genesys Cloud Messenger signs visitors in through the OpenID provider that {self.urls} mounts "
                f"with this function (it replaces the Zendesk token view {view.fn.name.value}); the ID token's "
                "claims come from the expressions the Zendesk token used."]


class DjangoUrlsCodemod(ImportsCodemod):
    """urls.py: the pattern routed to the old view -> `path("oidc/", include(genesys_oidc.urls(...)))`."""

    DESCRIPTION = "Mount the Genesys OpenID provider where the Zendesk JWT view was routed."
    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider)

    def __init__(self, context: CodemodContext, *, view: str, route: str = "oidc/", guard: str | None = None,
                 guard_imports: Sequence[ImportSpec] = (), provider_package: str | None = None,
                 comments: Sequence[str] = (), path: str = "urls.py", checked: bool = False) -> None:
        super().__init__(context)
        self.view, self.route, self.guard = view, route, guard
        self.guard_imports = list(guard_imports)
        self.provider_package = provider_package
        self.comments = list(comments)
        self.path = path
        self.checked = checked  # genesys_claims itself returns None for an anonymous visitor
        self.entry: cst.Call | None = None
        self.extra: set[cst.Call] = set()
        self.new: cst.Call | None = None
        self.line = 0
        self.statement: cst.CSTNode | None = None
        self.commented = False

    def _target(self, value: cst.BaseExpression) -> tuple[cst.BaseExpression, list[str]] | None:
        """The reference to the view in a pattern's view argument, and the functions wrapped around it
        (`login_required(views.zendesk_jwt)`), outermost first."""
        wrappers = []
        while isinstance(value, cst.Call) and value.args and value.args[0].keyword is None:
            wrappers.append(" ".join(self.module.code_for_node(value.func).split()))
            value = value.args[0].value
        if m.matches(value, m.Name(self.view) | m.Attribute(attr=m.Name(self.view))):
            return value, wrappers
        return None

    def visit_Module(self, node: cst.Module) -> bool:
        found = []
        stack: list[cst.CSTNode] = [node]
        while stack:
            n = stack.pop()
            stack.extend(reversed(n.children))
            if isinstance(n, cst.Call) and callee_name(n) in _URL_FUNCTIONS and len(n.args) >= 2:
                target = self._target(n.args[1].value)
                if target is not None:
                    found.append((n, *target))
        if not found:
            raise WiringError(f"{self.path}: no URL pattern routes to {self.view}; include "
                              f"{PROVIDER_MODULE}.urls(...) at the issuer's path by hand")
        self.entry, ref, wrappers = found[0]
        self.extra = {f[0] for f in found[1:]}
        self.line = self.get_metadata(PositionProvider, self.entry).start.line
        self.new = self._pattern(ref, wrappers)
        stmt = self.entry
        while not isinstance(self.get_metadata(ParentNodeProvider, stmt), cst.Module):
            stmt = self.get_metadata(ParentNodeProvider, stmt)
        self.statement = stmt
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, self.entry)
        for c in self.extra:
            RemoveImportsVisitor.remove_unused_import_by_node(self.context, c)
        return True

    def _view_import(self) -> str | None:
        """The module urls.py imports the old view from (`from .views import zendesk_jwt`)."""
        for stmt in self.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar) and \
                            any((a.evaluated_alias or a.evaluated_name) == self.view for a in small.names):
                        return "." * len(small.relative) + (self.module.code_for_node(small.module)
                                                            if small.module else "")
        return None

    def _pattern(self, ref: cst.BaseExpression, wrappers: list[str]) -> cst.Call:
        views_module = self.module.code_for_node(ref.value) if isinstance(ref, cst.Attribute) else None
        origin = None if views_module else self._view_import()
        claims = f"{views_module}.{CLAIMS_FUNCTION}" if views_module else CLAIMS_FUNCTION
        if origin is not None:
            AddImportsVisitor.add_needed_import(self.context, origin, CLAIMS_FUNCTION)
        guard = self.guard
        for module, obj, asname in self.guard_imports:
            if module != LOCAL:
                AddImportsVisitor.add_needed_import(self.context, module, obj, asname)
            elif views_module and guard:
                guard = re.sub(rf"(?<![\w.]){re.escape(obj or '')}\b", f"{views_module}.{obj}", guard)
            elif origin is not None:
                AddImportsVisitor.add_needed_import(self.context, origin, obj)
        parts = [*wrappers, *([guard] if guard else [])]
        if len(parts) > 1:
            inner = "view"
            for g in reversed(parts):
                inner = f"({g})({inner})" if g.startswith("lambda") else f"{g}({inner})"
            guard = f"lambda view: {inner}"
        elif parts:
            guard = parts[0]
        if self.provider_package:
            AddImportsVisitor.add_needed_import(self.context, self.provider_package, PROVIDER_MODULE)
        else:
            AddImportsVisitor.add_needed_import(self.context, ".", PROVIDER_MODULE)
        AddImportsVisitor.add_needed_import(self.context, "django.urls", "include")
        AddImportsVisitor.add_needed_import(self.context, "django.urls", "path")
        if guard is None and not self.checked:
            self.comments.append(f"{TODO}: the old view had no login guard: pass the site's login decorator "
                                 "as guard=")
        args = f"claims={claims}" + (f", guard={guard}" if guard else "")
        self.guard = guard
        return cst.parse_expression(f"path({json.dumps(self.route)}, include({PROVIDER_MODULE}.urls({args})))")

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original is self.entry and self.new is not None:
            return self.new.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return updated

    def leave_Element(self, original: cst.Element, updated: cst.Element
                      ) -> cst.Element | cst.RemovalSentinel:
        return cst.RemoveFromParent() if original.value in self.extra else updated

    def _lines(self) -> list[str]:
        notes = [f"Genesys Cloud OpenID provider (it replaces the Zendesk token view {self.view})", *self.comments]
        return [line for note in notes for line in textwrap.wrap(note, 88, subsequent_indent="  ")]

    def _comment_before(self, original: cst.List | cst.Tuple, updated: cst.List | cst.Tuple
                        ) -> cst.List | cst.Tuple:
        index = next((i for i, e in enumerate(original.elements) if e.value is self.entry), None)
        if index is None or isinstance(updated, cst.Tuple) and not updated.lpar:
            return updated
        if index == 0:
            ws = updated.lbracket.whitespace_after if isinstance(updated, cst.List) else updated.lpar[0].whitespace_after
        else:
            comma = updated.elements[index - 1].comma
            ws = comma.whitespace_after if isinstance(comma, cst.Comma) else None
        if not isinstance(ws, cst.ParenthesizedWhitespace):
            return updated
        lines = [cst.EmptyLine(indent=ws.indent, whitespace=ws.last_line, comment=cst.Comment(f"# {c}"))
                 for c in self._lines()]
        new_ws = ws.with_changes(empty_lines=[*ws.empty_lines, *lines])
        self.commented = True
        if index == 0:
            if isinstance(updated, cst.List):
                return updated.with_changes(lbracket=updated.lbracket.with_changes(whitespace_after=new_ws))
            return updated.with_changes(lpar=[updated.lpar[0].with_changes(whitespace_after=new_ws), *updated.lpar[1:]])
        elements = list(updated.elements)
        elements[index - 1] = elements[index - 1].with_changes(
            comma=elements[index - 1].comma.with_changes(whitespace_after=new_ws))  # type: ignore[union-attr]
        return updated.with_changes(elements=elements)

    def leave_List(self, original: cst.List, updated: cst.List) -> cst.List:
        return self._comment_before(original, updated)  # type: ignore[return-value]

    def leave_Tuple(self, original: cst.Tuple, updated: cst.Tuple) -> cst.Tuple:
        return self._comment_before(original, updated)  # type: ignore[return-value]

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        if original is self.statement and not self.commented:  # a one-line list: say it above
            lines = [cst.EmptyLine(comment=cst.Comment(f"# {c}")) for c in self._lines()]
            return updated.with_changes(leading_lines=[*updated.leading_lines, *lines])
        return updated


# --- the site --------------------------------------------------------------------------------

def _app_dir(root, views_path: str) -> str:
    folder = posixpath.dirname(views_path)
    if posixpath.basename(folder) == "views" and (root / folder / "__init__.py").is_file():
        return posixpath.dirname(folder)  # views/zendesk.py in a views package
    return folder


def _urls_for(ctx: WireContext, view: str) -> tuple[str, str]:
    """The urls.py routing to the view, and the view's path (under the prefixes it is included
    with), as scan's route for it reads them (migrate.lang.python.routes)."""
    urls = {path: routes.url_patterns(path, ctx.source(path).text) for path in python_files(ctx.root, "urls.py")}
    found = routes.resolve(ctx.plan.signer.path, view, urls)
    if found is None:
        raise WiringError(f"{ctx.plan.signer.path}:{ctx.plan.signer.line}: no urls.py routes to {view}(); include "
                          f"{PROVIDER_MODULE}.urls(claims=..., guard=...) at {ctx.config.issuer_path} by hand")
    return found[0], found[2]


def _route(ctx: WireContext, urls: str) -> tuple[str, list[str]]:
    """The path the provider gets in urls.py, and a TODO when the module is included under a
    prefix the issuer's path does not start with."""
    full = ctx.config.issuer_path.strip("/") + "/" if ctx.config.issuer_path.strip("/") else ""
    dotted = dotted_package(ctx.root, posixpath.dirname(urls))
    module = f"{dotted}.urls" if dotted else "urls"
    pattern = re.compile(r"(?:re_path|path|url)\(\s*r?(['\"])(.*?)\1\s*,\s*include\(\s*['\"]"
                         + re.escape(module) + r"['\"]")
    for other in python_files(ctx.root, "urls.py"):
        if other == urls:
            continue
        found = pattern.search(ctx.source(other).text)
        if found:
            prefix = found.group(2).lstrip("^").rstrip("$")
            if not prefix or full.startswith(prefix):
                return full[len(prefix):], []
            return full, [f"{TODO}: {other} includes this module under {prefix!r}: the provider answers at "
                          f"/{prefix}{full}, and the issuer's path is {ctx.config.issuer_path}"]
    return full, []


def _absolute(spec: ImportSpec, package: str) -> ImportSpec:
    module, obj, asname = spec
    if module == LOCAL or not module.startswith("."):
        return spec
    dots = len(module) - len(module.lstrip("."))
    parts = package.split(".") if package else []
    base = parts[:len(parts) - (dots - 1)] if dots > 1 else parts
    rest = module[dots:]
    return (".".join([*base, *([rest] if rest else [])]), obj, asname)


def wire(ctx: WireContext) -> Wiring:
    s = ctx.plan.signer
    app_dir = _app_dir(ctx.root, s.path)
    views_dir = posixpath.dirname(s.path)
    if not s.function or not s.function.isidentifier():
        raise WiringError(f"{s.path}:{s.line}: the Zendesk JWT is not signed inside a view function; include "
                          f"{PROVIDER_MODULE}.urls(...) at {ctx.config.issuer_path} by hand")
    urls, old_path = _urls_for(ctx, s.function)
    if urls == s.path:
        raise WiringError(f"{s.path}:{s.line}: the view and its URL patterns are in the same module; include "
                          f"{PROVIDER_MODULE}.urls(...) at {ctx.config.issuer_path} by hand")
    out, codemod = wire_module(ctx, "django", DjangoViewCodemod, provider_dir=app_dir,
                               urls=posixpath.basename(urls) if posixpath.dirname(urls) == views_dir else urls)
    route, comments = _route(ctx, urls)
    if codemod.skipped:
        comments.append(f"{TODO}: {', '.join(codemod.skipped)} (Django REST framework) do not apply to the "
                        "provider: its guard sees the session user only")
    same = posixpath.dirname(urls) == views_dir
    imports = codemod.guard_imports if same else [_absolute(i, dotted_package(ctx.root, views_dir))
                                                 for i in codemod.guard_imports]
    provider_package = None if posixpath.dirname(urls) == app_dir else dotted_package(ctx.root, app_dir)
    urls_codemod = DjangoUrlsCodemod(CodemodContext(filename=urls), view=codemod.view_name, route=route,
                                     guard=codemod.guard, guard_imports=imports, provider_package=provider_package,
                                     comments=comments, path=urls,
                                     checked=bool(codemod.check_lines or codemod.view.exits))
    out.files[urls] = run_codemod(urls_codemod, ctx.source(urls))
    out.why(urls, f"line {urls_codemod.line}: the pattern for {codemod.view_name} -> "
                  f"include({PROVIDER_MODULE}.urls(...)) at /{route}, guard {urls_codemod.guard or 'none'}")
    guard = urls_codemod.guard
    out.why(s.path, f"  guard: {guard} (the old view's decorators and wrappers), in {urls}" if guard else
            f"  guard: none on the old view; {CLAIMS_FUNCTION}() returns None for an anonymous visitor"
            if codemod.check_lines or codemod.view.exits else f"  guard: none on the old view ({TODO} left)")
    out.route = routes.route(routes.django_method(codemod.view.fn), old_path)
    add_dependency(ctx, out, "django")
    return out
