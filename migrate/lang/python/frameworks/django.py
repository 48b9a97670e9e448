"""Django: the Zendesk token view becomes `genesys_claims(request)` in its views module, and the
URL pattern that pointed at it becomes `path("oidc/", include(genesys_oidc.urls(...)))` behind the
view's own decorators (`@login_required`), with the provider module in the view's app package."""

from __future__ import annotations

import json
import posixpath
import re
import textwrap
from collections.abc import Sequence
from dataclasses import replace

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import ParentNodeProvider, PositionProvider

from migrate.generate.backends import WireContext, Wiring, WiringError
from migrate.lang.python import routes
from migrate.lang.python.frameworks.codemods import (
    CLAIMS_FUNCTION,
    NOT_CARRIED,
    PROVIDER_MODULE,
    REACH,
    REFUSE,
    TODO,
    ImportsCodemod,
    View,
    ViewCodemod,
    add_dependency,
    callee_name,
    dotted_package,
    line_of,
    python_files,
    run_codemod,
    wire_module,
)

# Decorators about HTTP methods, CSRF or caching, not about who is signed in: not a guard
# (require_POST on /authorize would refuse the GET it is).
_NOT_GUARDS = ("django.views.decorators.", "rest_framework.decorators.")
_URL_FUNCTIONS = frozenset({"path", "re_path", "url"})
_METHOD_ONLY = frozenset({"require_GET", "require_POST", "require_safe", "require_http_methods", "csrf_exempt",
                          "never_cache", "cache_page", "vary_on_cookie", "vary_on_headers"})
# What the old view read from its own request that /authorize does not carry.
_REQUEST_INPUT = "GET|POST|body|FILES|data|query_params|resolver_match"
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
        self.cls: cst.ClassDef | None = None  # a class-based view: the class whose method signs
        self.guard_imports: list[ImportSpec] = []
        self.skipped: list[str] = []  # DRF decorators that are no guard for a plain Django view
        self.mixin_todo = []

    def class_view(self, cls: cst.ClassDef, fn: cst.FunctionDef) -> None:
        if not isinstance(self.parent(cls), cst.Module):
            raise self.fail(f"{cls.name.value} is defined inside another block: mount {PROVIDER_MODULE}.urls(...) "
                            "by hand", cls)
        self.cls = cls

    def piece(self, fn: cst.FunctionDef) -> cst.FunctionDef | cst.ClassDef:
        return self.cls or fn

    def request_param(self, view: View) -> str:
        """The view's request parameter (a class-based view's method: the one after self)."""
        params = view.params[1:] if self.cls is not None else view.params
        return params[0] if params else "request"

    def after_location(self, view: View) -> None:
        if view.nested and self.cls is None:
            raise self.fail(f"{view.fn.name.value}() is defined inside another function: mount "
                            f"{PROVIDER_MODULE}.urls(...) by hand", view.fn)
        if not view.params:
            raise self.fail(f"{view.fn.name.value}() takes no request: it is not a Django view; mount "
                            f"{PROVIDER_MODULE}.urls(...) where its caller is routed, by hand", view.fn)
        self.view_name = self.cls.name.value if self.cls is not None else view.fn.name.value
        if self.cls is not None and self.mode != "beside":
            others = [f.name.value for f in self.cls.body.body
                      if isinstance(f, cst.FunctionDef) and f is not view.fn]  # type: ignore[union-attr]
            if others:
                raise self.fail(f"{self.view_name} also has {', '.join(others)}: remove its Zendesk token method "
                                f"{view.fn.name.value} by hand", self.cls)

    def after_analysis(self, view: View) -> None:
        self.after_location(view)
        request = self.request_param(view)
        if self.cls is not None:
            self._self_request(view, request)
        for name in sorted(view.param_reads - {request}):
            self.unbind(name, "the old view's URL parameter, which the provider's /authorize does not have")
        if view.reads(rf"(?<![\w.]){request}\.({_REQUEST_INPUT})\b"):
            self.unbind(request, "the old view's request input (query or body), which /authorize does not carry")
        guards = []
        for d in [*(self.cls.decorators if self.cls is not None else ()), *view.guards]:
            dec = d.decorator
            if self.cls is not None or (isinstance(dec, cst.Call) and callee_name(dec) == "method_decorator"):
                inner = _method_decorated(dec)
                if inner is None:
                    continue
                d = d.with_changes(decorator=inner)
                dec = inner
            names = self.qualified(dec.func if isinstance(dec, cst.Call) else dec)
            if any(q.startswith(_NOT_GUARDS) for q in names) or callee_name(dec) in _METHOD_ONLY:
                if any(q.startswith("rest_framework.") for q in names):
                    self.skipped.append(" ".join(self.module.code_for_node(d.decorator).split()))
                continue
            guards.append(d)
        view.guards = guards
        self.guard_imports = [self._binding(name) for d in guards for name in sorted(self.reads(d.decorator))]
        if self.cls is not None:
            self._mixins()

    def _self_request(self, view: View, request: str) -> None:
        """In a class-based view, `self.request` is the request the provider hands the claims; any
        other attribute of the view has no equivalent there."""
        pattern = r"(?<![\w.])self\.request\b"
        view.values = {t: re.sub(pattern, request, v) for t, v in view.values.items()}
        view.kept = [k.visit(_SelfRequest(request)) for k in view.kept]  # type: ignore[misc]
        view.code = "\n".join([*view.values.values(), *(self.module.code_for_node(k) for k in view.kept)])
        view.param_reads.discard("self")
        if re.search(r"(?<![\w.])self\b", view.code):
            self.unbind("self", "the class-based view's own attributes, which the provider's request has none of")
        if view.params[1:2] != [request]:  # a method without a request parameter: the provider passes one
            view.params = [view.params[0], request, *view.params[1:]]

    def _mixins(self) -> None:
        """LoginRequiredMixin is login_required; a mixin that checks more is a TODO."""
        assert self.cls is not None
        for base in self.cls.bases:
            name = callee_name(base.value) or ""
            if name == "LoginRequiredMixin":
                self.guard_imports.append(("django.contrib.auth.decorators", "login_required", None))
                self.mixin_guard = "login_required"
            elif name in ("PermissionRequiredMixin", "UserPassesTestMixin", "AccessMixin"):
                self.mixin_todo.append(f"{NOT_CARRIED}: {self.view_name}'s {name} is not carried to the provider's "
                                       "guard: add the same check to guard= by hand")

    mixin_guard: str | None = None
    mixin_todo: list[str]

    def guard_for(self, view: View) -> str | None:
        decorators = self.guard_code(view)
        if self.mixin_guard is None:
            return decorators
        if decorators is None:
            return self.mixin_guard
        inner = decorators[len("lambda view: "):] if decorators.startswith("lambda view: ") else f"{decorators}(view)"
        return f"lambda view: {self.mixin_guard}({inner})"

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
        return self.request_param(view)

    def checks(self, view: View) -> list[str]:
        request = self.request_param(view)
        if self.guard is None and not view.exits and view.reads(rf"(?<![\w.]){request}\.user\b"):
            return [f"if not {request}.user.is_authenticated:\n{self.unit}return None"]
        return []

    def heading(self, view: View) -> list[str]:
        if self.mode == "beside":
            return [f"Genesys Cloud Messenger signs visitors in through the OpenID provider that {self.urls} "
                    f"mounts with this function; the ID token's claims come from the expressions of the Zendesk "
                    f"token view {self.view_name} above, which stays until cut-over."]
        return [f"Genesys Cloud Messenger signs visitors in through the OpenID provider that {self.urls} mounts "
                f"with this function (it replaces the Zendesk token view {self.view_name}); the ID token's "
                "claims come from the expressions the Zendesk token used."]

    # -- a class-based view: its class is the piece that stays, goes, or is replaced ----------------

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef):  # type: ignore[override]
        if self.cls is None or self.view is None or original is not self.view.fn:
            return super().leave_FunctionDef(original, updated)
        if self.mode == "beside":  # the note above the method that signs (scan judges the method)
            return updated.with_changes(leading_lines=[*updated.leading_lines, cst.EmptyLine(
                comment=cst.Comment(f"# {self.note_text}"))])
        return updated

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef
                       ) -> cst.BaseStatement | cst.FlattenSentinel | cst.RemovalSentinel:
        if original is not self.cls or self.view is None:
            return updated
        if self.mode == "remove":
            return cst.RemoveFromParent()
        view = replace(self.view, fn=updated, nested=False, indent="")  # type: ignore[arg-type]
        if self.mode == "beside":
            return cst.FlattenSentinel([updated, *self.replacement(view)])
        return cst.FlattenSentinel(self.replacement(view))


class _SelfRequest(cst.CSTTransformer):
    """`self.request` -> the request parameter, in a statement kept for the claims function."""

    def __init__(self, request: str) -> None:
        super().__init__()
        self.request = request

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if m.matches(updated, m.Attribute(value=m.Name("self"), attr=m.Name("request"))):
            return cst.Name(self.request, lpar=updated.lpar, rpar=updated.rpar)
        return updated


def _method_decorated(dec: cst.BaseExpression) -> cst.BaseExpression | None:
    """`login_required` from `method_decorator(login_required, name="dispatch")`."""
    if isinstance(dec, cst.Call) and callee_name(dec) == "method_decorator" and dec.args and \
            dec.args[0].keyword is None:
        inner = dec.args[0].value
        if isinstance(inner, (cst.List, cst.Tuple)) and len(inner.elements) == 1:
            inner = inner.elements[0].value
        return inner
    return None


class DjangoUrlsCodemod(ImportsCodemod):
    """urls.py: `path("oidc/", include(genesys_oidc.urls(...)))` after the pattern routed to the old
    view (mode beside), in its place (replace), or the old pattern removed (remove)."""

    DESCRIPTION = "Mount the Genesys OpenID provider where the Zendesk JWT view was routed."
    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider)

    def __init__(self, context: CodemodContext, *, view: str, route: str = "oidc/", guard: str | None = None,
                 guard_imports: Sequence[ImportSpec] = (), provider_package: str | None = None,
                 comments: Sequence[str] = (), path: str = "urls.py", checked: bool = False,
                 mode: str = "replace", claims_view: str | None = None) -> None:
        super().__init__(context)
        self.view, self.route, self.guard = view, route, guard
        self.claims_view = claims_view  # the name the claims function is reached by, when not the view's
        self.guard_imports = list(guard_imports)
        self.provider_package = provider_package
        self.comments = list(comments)
        self.path = path
        self.checked = checked  # genesys_claims itself returns None for an anonymous visitor
        self.mode = mode
        self.entry: cst.Call | None = None
        self.extra: set[cst.Call] = set()
        self.new: cst.Call | None = None
        self.line = 0
        self.statement: cst.CSTNode | None = None
        self.commented = False

    def _target(self, value: cst.BaseExpression) -> tuple[cst.BaseExpression, list[str]] | None:
        """The reference to the view in a pattern's view argument, and the functions wrapped around it
        (`login_required(views.zendesk_jwt)`), outermost first; `views.ZendeskJwt.as_view()` for a class."""
        wrappers = []
        while isinstance(value, cst.Call) and value.args and value.args[0].keyword is None:
            wrappers.append(" ".join(self.module.code_for_node(value.func).split()))
            value = value.args[0].value
        if isinstance(value, cst.Call) and m.matches(value.func, m.Attribute(attr=m.Name("as_view"))):
            value = value.func.value  # type: ignore[attr-defined]
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
        self.extra = {f[0] for f in found[1:]} if self.mode != "beside" else set()
        self.line = self.get_metadata(PositionProvider, self.entry).start.line
        if self.mode != "remove":
            self.new = self._pattern(ref, wrappers)
        stmt = self.entry
        while not isinstance(self.get_metadata(ParentNodeProvider, stmt), cst.Module):
            stmt = self.get_metadata(ParentNodeProvider, stmt)
        self.statement = stmt
        if self.mode != "beside":
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
            self.comments.append(f"{TODO}: the old view had no login guard: nobody is signed in until the "
                                 f"site's login decorator replaces guard={REFUSE}")
            guard = REFUSE
        args = f"claims={claims}" + (f", guard={guard}" if guard else "")
        self.guard = guard
        return cst.parse_expression(f"path({json.dumps(self.route)}, include({PROVIDER_MODULE}.urls({args})))")

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original is self.entry and self.new is not None and self.mode == "replace":
            return self.new.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return updated

    def leave_Element(self, original: cst.Element, updated: cst.Element
                      ) -> cst.Element | cst.RemovalSentinel:
        if original.value in self.extra or (self.mode == "remove" and original.value is self.entry):
            return cst.RemoveFromParent()
        return updated

    def _lines(self) -> list[str]:
        what = "beside the Zendesk token view" if self.mode == "beside" else "it replaces the Zendesk token view"
        notes = [f"Genesys Cloud OpenID provider ({what} {self.view})", *self.comments]
        return [line for note in notes for line in textwrap.wrap(note, 88, subsequent_indent="  ")]

    def _insert(self, original: cst.List | cst.Tuple, updated: cst.List | cst.Tuple) -> cst.List | cst.Tuple:
        """The new pattern right after the old one, separated the way the list separates its items."""
        index = next((i for i, e in enumerate(original.elements) if e.value is self.entry), None)
        if index is None or self.new is None:
            return updated
        elements = list(updated.elements)
        entry = elements[index]
        if isinstance(entry.comma, cst.Comma):
            before = elements[index - 1].comma if index > 0 else None
            if isinstance(before, cst.Comma):
                sep = before
            elif isinstance(updated, cst.List) and isinstance(updated.lbracket.whitespace_after, cst.ParenthesizedWhitespace):
                sep = cst.Comma(whitespace_after=updated.lbracket.whitespace_after)
            else:
                sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            elements[index] = entry.with_changes(comma=sep)
            elements.insert(index + 1, cst.Element(self.new, comma=entry.comma))
        else:  # the last item, with no trailing comma
            before = elements[index - 1].comma if index > 0 else None
            sep = before if isinstance(before, cst.Comma) else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            elements[index] = entry.with_changes(comma=sep)
            elements.insert(index + 1, cst.Element(self.new))
        return updated.with_changes(elements=elements)

    def _comment_before(self, original: cst.List | cst.Tuple, updated: cst.List | cst.Tuple
                        ) -> cst.List | cst.Tuple:
        index = next((i for i, e in enumerate(updated.elements) if e.value is self.new), None)
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

    def _sequence(self, original: cst.List | cst.Tuple, updated: cst.List | cst.Tuple) -> cst.List | cst.Tuple:
        if self.mode == "remove":
            return updated
        if self.mode == "beside":
            updated = self._insert(original, updated)
        elif self.new is not None:  # replace: the new call took the old one's place
            index = next((i for i, e in enumerate(original.elements) if e.value is self.entry), None)
            if index is None:
                return updated
            self.new = updated.elements[index].value  # type: ignore[assignment]
        return self._comment_before(original, updated)

    def leave_List(self, original: cst.List, updated: cst.List) -> cst.List:
        return self._sequence(original, updated)  # type: ignore[return-value]

    def leave_Tuple(self, original: cst.Tuple, updated: cst.Tuple) -> cst.Tuple:
        return self._sequence(original, updated)  # type: ignore[return-value]

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        if original is self.statement and not self.commented and self.mode != "remove":  # a one-line list
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
            return full, [f"{REACH}: {other} includes this module under {prefix!r}: the provider answers at "
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
    view, method = _view_name(ctx)
    urls, old_path = _urls_for(ctx, view)
    old_route = routes.route(method, old_path)
    if urls == s.path:
        raise WiringError(f"{s.path}:{s.line}: the view and its URL patterns are in the same module; include "
                          f"{PROVIDER_MODULE}.urls(...) at {ctx.config.issuer_path} by hand")
    out, codemod = wire_module(ctx, "django", DjangoViewCodemod, provider_dir=app_dir, route=old_route,
                               urls=posixpath.basename(urls) if posixpath.dirname(urls) == views_dir else urls)
    assert codemod.view is not None
    out.route = old_route
    route, comments = _route(ctx, urls)
    if codemod.skipped:
        comments.append(f"{NOT_CARRIED}: {', '.join(codemod.skipped)} (Django REST framework) do not apply to the "
                        "provider: its guard sees the session user only")
    comments += codemod.mixin_todo
    same = posixpath.dirname(urls) == views_dir
    imports = codemod.guard_imports if same else [_absolute(i, dotted_package(ctx.root, views_dir))
                                                 for i in codemod.guard_imports]
    provider_package = None if posixpath.dirname(urls) == app_dir else dotted_package(ctx.root, app_dir)
    urls_codemod = DjangoUrlsCodemod(CodemodContext(filename=urls), view=codemod.view_name, route=route,
                                     guard=codemod.guard, guard_imports=imports, provider_package=provider_package,
                                     comments=comments, path=urls, mode=codemod.mode,
                                     checked=bool(codemod.check_lines or codemod.view.exits or codemod.unbound))
    out.files[urls] = run_codemod(urls_codemod, ctx.source(urls))
    if codemod.mode == "remove":
        out.why(urls, f"line {urls_codemod.line}: the pattern for {codemod.view_name}, kept until cut-over, is removed")
        return out
    verb = "kept, and after it" if codemod.mode == "beside" else "->"
    out.why(urls, f"line {urls_codemod.line}: the pattern for {codemod.view_name} {verb} "
                  f"include({PROVIDER_MODULE}.urls(...)) at /{route}, guard {urls_codemod.guard or 'none'}")
    line = line_of(out.files[urls], r"\binclude\(\s*" + PROVIDER_MODULE + r"\.urls\(")
    out.mounted = f"{urls}:{line}" if line else None
    guard = urls_codemod.guard
    out.why(s.path, f"  guard: {guard} (the old view's decorators and wrappers), in {urls}" if guard and guard != REFUSE
            else f"  guard: none on the old view; {CLAIMS_FUNCTION}() returns None for an anonymous visitor"
            if codemod.check_lines or codemod.view.exits else f"  guard: none on the old view ({TODO} left)")
    add_dependency(ctx, out, "django")
    return out


def _view_name(ctx: WireContext) -> tuple[str, str]:
    """The name urls.py routes the signing view by (its function, or the class of a class-based
    view) and the method it answers, as scan reads them (migrate.lang.python.routes)."""
    s = ctx.plan.signer
    try:
        module = cst.MetadataWrapper(cst.parse_module(ctx.source(s.path).text))
    except (cst.ParserSyntaxError, UnicodeError):  # UnicodeError: bytes that are not UTF-8
        module = None
    if module is not None:
        positions = module.resolve(PositionProvider)
        parents = module.resolve(ParentNodeProvider)
        for node, pos in positions.items():
            if isinstance(node, cst.Call) and (pos.start.line, pos.start.column + 1) == (s.line, s.column):
                n = parents.get(node)
                while n is not None and not isinstance(n, cst.FunctionDef):
                    n = parents.get(n)
                if n is None:
                    break
                owner = parents.get(parents.get(n))
                if isinstance(owner, cst.ClassDef):
                    return owner.name.value, routes.class_view_method(n)
                return n.name.value, routes.django_method(n)
    raise WiringError(f"{s.path}:{s.line}: the Zendesk JWT is not signed inside a view; include "
                      f"{PROVIDER_MODULE}.urls(...) at {ctx.config.issuer_path} by hand")
