"""libcst pieces shared by the Flask, Django and FastAPI wirings.

The view that signed the Zendesk JWT gets a claims function (`genesys_claims`) computed by the
view's own expressions, mapped by the claim rules; each framework's codemod then adds what mounts
the provider (a blueprint, a router, URL patterns) behind the view's own login guard.  By mode:

- ``beside`` (the default): the view stays as it was, with the keep note (ZG220) above it, and the
  claims function and the mounting follow it;
- ``replace`` (a cut-over of a view never wired): the view is replaced by them in one step;
- ``remove`` (the cut-over of a kept view): the view and its note go, with what only it used.

A name the claims read that the provider's request has no equivalent for (a URL parameter, a
query argument, a value computed after the token) makes the claims function return None with a
``TODO(migrate:ZG222)``.  What a codemod cannot decide otherwise is either a `WiringError` with a
one-line reason or a `# TODO(migrate:ZGxxx): ...` comment in the code.
"""

from __future__ import annotations

import json
import posixpath
import re
import stat
import textwrap
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst
import libcst.matchers as m
from libcst.codemod import Codemod, CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
)

from migrate.generate.backends import REBIND_RULE, WireContext, Wiring, WiringError, keep_note, nearest
from migrate.generate.changes import SourceFile, with_newlines
from migrate.generate.plan import ClaimMapping, Todo
from migrate.generate.render import render
from migrate.lang.python import libraries, routes

CLAIMS_FUNCTION = "genesys_claims"
PROVIDER_MODULE = "genesys_oidc"
PYJWT = "PyJWT[crypto]>=2.8"
TODO = "TODO(migrate:ZG223)"  # the old route had no login check
NOT_CARRIED = "TODO(migrate:ZG224)"  # part of the old route's authorization is not carried
REACH = "TODO(migrate:ZG225)"  # where the provider answers must be checked by hand
REFUSE = f"{PROVIDER_MODULE}.refuse"  # the guard of a route that had none: nobody is signed in
REBIND = f"TODO(migrate:{REBIND_RULE})"
MODES = ("beside", "replace", "remove")
_SKIP_DIRS = {"node_modules", "site-packages", "__pycache__", "venv", "env"}


# --- the claims, as the codemods take them ----------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """One mapped claim: where its expression is in the module, and how to turn it into the
    ID-token claim."""

    target: str
    source: str
    origin: str
    line: int  # 1-based, of the expression in the old code
    column: int  # 1-based
    text: str  # the expression as the extractor read it (local names followed)
    kind: str = "other"  # what the expression finally is (after following local names)
    value: object = None
    transform: str | None = None
    stringified: bool = False

    @classmethod
    def of(cls, mapping: ClaimMapping) -> Claim:
        e = mapping.expression
        final = e.final
        return cls(mapping.target, mapping.source, mapping.origin, e.line, e.column, e.text, final.kind,
                   final.value, mapping.transform, e.has("stringified"))


def transformed(claim: Claim, code: str) -> str:
    """The expression with the rule's transform: str(x) unless already a string, a bool literal
    or bool(x), int(x) unless already a number."""
    if claim.transform == "string" and not (claim.kind in ("string", "template") or claim.stringified):
        return f"str({code})"
    if claim.transform == "boolean" and claim.kind != "bool":
        if claim.kind == "string" and claim.value in ("true", "false"):
            return "True" if claim.value == "true" else "False"
        return f"bool({code})"
    if claim.transform == "number" and claim.kind not in ("int", "float"):
        return f"int({code})"
    return code


def one_line(text: str) -> str:
    """`text` fit for a `#` comment: a line break or other control character (from a mapping's
    names or the site's code) is written escaped, so it cannot end the comment and start code."""
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


def todo_lines(todos: Sequence[Todo | str]) -> list[str]:
    return [t if isinstance(t, str) else f"TODO(migrate:{t.rule}): {t.text}" for t in todos]


# --- tree helpers -----------------------------------------------------------------------------

def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under `node` (itself included), in source order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def callee_name(node: cst.CSTNode) -> str | None:
    """`route` for `app.route(...)`, `login_required` for `login_required`."""
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


# `return ...`, `raise ...` or `abort(...)`: the small statement a view gives up with.
_EXIT = m.Return() | m.Raise() | m.Expr(value=m.Call(func=m.Name("abort") | m.Attribute(attr=m.Name("abort"))))


class _ExitsToNone(cst.CSTTransformer):
    """In a statement kept for the claims function: `return <response>`, `raise ...` and
    `abort(...)` become `return None` (nobody the provider can issue a code for)."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        return updated.with_changes(value=cst.Name("None"), whitespace_after_return=cst.SimpleWhitespace(" "))

    def leave_Raise(self, original: cst.Raise, updated: cst.Raise) -> cst.BaseSmallStatement:
        return cst.Return(value=cst.Name("None"), semicolon=updated.semicolon)

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.BaseSmallStatement:
        if m.matches(updated, _EXIT):
            return cst.Return(value=cst.Name("None"), semicolon=updated.semicolon)
        return updated


def _exit_if(stmt: cst.BaseStatement) -> bool:
    """`if not current_user.is_authenticated: return ..., 401` (every branch leaves the view)."""
    if not isinstance(stmt, cst.If):
        return False
    body = stmt.body.body
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else None
    if last is None or not m.matches(last, _EXIT):
        return False
    return stmt.orelse is None or (isinstance(stmt.orelse, cst.If) and _exit_if(stmt.orelse))


# --- the view --------------------------------------------------------------------------------

@dataclass
class View:
    """The Zendesk token view, read for what the claims function and the mounting need."""

    fn: cst.FunctionDef
    call: cst.Call  # the signing call
    nested: bool  # defined inside another function (an app factory)
    indent: str  # the indentation of its `def` line
    params: list[str]
    route: cst.Decorator | None = None  # @app.route("/x") / @router.get("/x")
    route_object: str | None = None  # the code of `app` / `bp` / `router`
    route_path: str | None = None
    http_route: str | None = None  # "GET /zendesk/jwt" (migrate.lang.python.routes)
    guards: list[cst.Decorator] = field(default_factory=list)  # the other decorators
    kept: list[cst.BaseStatement] = field(default_factory=list)  # statements the claims need
    values: dict[str, str] = field(default_factory=dict)  # target -> expression code
    param_reads: set[str] = field(default_factory=set)  # parameters the claims read
    exits: bool = False  # a kept `if ...: return None` already refuses anonymous users
    payload: tuple[str, cst.BaseExpression] | None = None  # `payload = helper(user)`, read by key
    code: str = ""  # the claims function's expressions and kept statements, as text

    def reads(self, pattern: str) -> bool:
        return re.search(pattern, self.code) is not None


# Relative imports (`from .auth import current_user`) are resolved against this made-up package
# when the import remover reads them; the imports added keep their relative form.
_PACKAGE = "_site.p1.p2.p3.p4.p5.p6.p7"


class ImportsCodemod(VisitorBasedCodemodCommand):
    """A codemod whose import additions and removals run as CodemodCommand runs them, with two
    differences: relative imports are understood without knowing the package, and the import
    remover keeps the blank line between import groups when it removes the first of a group."""

    def transform_module(self, tree: cst.Module) -> cst.Module:
        given = self.context
        if given.full_package_name is None:
            self.context = replace(given, full_module_name=f"{_PACKAGE}.module", full_package_name=_PACKAGE)
        try:
            tree = Codemod.transform_module(self, tree)
            if AddImportsVisitor.CONTEXT_KEY in self.context.scratch:
                adding = replace(self.context, full_module_name=given.full_module_name,
                                 full_package_name=given.full_package_name)
                tree = AddImportsVisitor(adding).transform_module(tree)
            if RemoveImportsVisitor.CONTEXT_KEY in self.context.scratch:
                tree = _RemoveImports(self.context).transform_module(tree)
        finally:
            self.context = replace(self.context, full_module_name=given.full_module_name,
                                   full_package_name=given.full_package_name)
        return tree


class ViewCodemod(ImportsCodemod):
    """Replace the view holding the signing call at (line, column) by `genesys_claims` and, in
    subclasses, whatever mounts the provider there."""

    DESCRIPTION = "Replace the Zendesk JWT view by the Genesys OpenID provider's claims function."
    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider, ExpressionContextProvider,
                             QualifiedNameProvider)
    FRAMEWORK = "python"
    ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route"})
    # Decorators that are no login check and must not wrap /authorize (a cached code would be
    # handed to the next visitor).
    NOT_GUARDS = frozenset({"cached", "memoize", "cache_page", "cache_control"})

    def __init__(self, context: CodemodContext, *, line: int, column: int, claims: Sequence[Claim] = (),
                 todos: Sequence[Todo | str] = (), issuer_path: str = "/oidc", library: str = "pyjwt",
                 package: bool = False, path: str = "<module>", mode: str = "replace",
                 note: str | None = None) -> None:
        super().__init__(context)
        assert mode in MODES, mode
        self.mode = mode
        self.note = note  # the keep note (without "# "), for mode "beside"
        self.line, self.column = line, column
        self.claims = [c if isinstance(c, Claim) else Claim.of(c) for c in claims]
        self.todos = todo_lines(todos)
        self.issuer_path = issuer_path
        self.library = library
        self.package = package
        self.path = path
        self.view: View | None = None
        self.guard: str | None = None  # the guard= expression, once the view is read
        self.check_lines: list[str] = []  # what the claims function checks first
        self.mount_prefix = issuer_path  # the path given to the app / blueprint / router
        self.dead: dict[cst.CSTNode, list[str]] = {}  # module statements only the view used
        self.unbound: dict[str, str] = {}  # names the claims read that cannot be rebound -> why
        self.rebind_text: list[str] = []  # their ZG222 TODOs, once written
        # Whether another module of the site reads a name (a constant is kept for it); set by wire_module.
        self.read_elsewhere: Callable[[str], bool] = lambda name: False
        self._removed: set[int] = set()  # ids of the dead statements in the updated module

    # -- errors and positions ----------------------------------------------------------------

    def fail(self, reason: str, node: cst.CSTNode | None = None) -> WiringError:
        line = self.pos(node)[0] if node is not None else self.line
        return WiringError(f"{self.path}:{line}: {reason}")

    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        p = self.get_metadata(PositionProvider, node).start
        return p.line, p.column + 1

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.get_metadata(ParentNodeProvider, node, None)

    def qualified(self, node: cst.CSTNode) -> set[str]:
        return {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}

    # -- the visit -------------------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> bool:
        call = self._signing_call(node)
        fn = self._view_function(call)
        if self.mode == "remove":
            self.view = self.located(fn, call)
            self.after_location(self.view)
        else:
            self.view = self.analyse(fn, call)
            self.after_analysis(self.view)
            self.guard = self.guard_for(self.view)
            self.check_lines = self.checks(self.view)
        if self.mode != "beside":
            piece = self.piece(fn)
            RemoveImportsVisitor.remove_unused_import_by_node(self.context, piece)
            self._dead_constants(node, piece)
        return True

    def piece(self, fn: cst.FunctionDef) -> cst.FunctionDef | cst.ClassDef:
        """What a cut-over removes: the view function (a class-based view: its class)."""
        return fn

    def located(self, fn: cst.FunctionDef, call: cst.Call) -> View:
        """The view read only for where it is and its route (the cut-over of a kept view)."""
        line, _ = self.pos(fn.decorators[0] if fn.decorators else fn)
        text_line = self.module.code.splitlines()[line - 1] if self.module else ""  # type: ignore[union-attr]
        p = fn.params
        params = [x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)]
        view = View(fn, call, not isinstance(self.parent(fn), cst.Module),
                    text_line[:len(text_line) - len(text_line.lstrip())], params)
        self._decorators(view)
        return view

    def after_analysis(self, view: View) -> None:
        """Framework checks and imports, once the view is read."""

    def after_location(self, view: View) -> None:
        """Framework checks, once the view to remove is found."""

    def _heading_after_cutover(self, fn: cst.FunctionDef) -> cst.FunctionDef:
        """The claims function's heading no longer speaks of a route kept above it."""
        lines = list(fn.leading_lines)
        block = [i for i, line in enumerate(lines) if line.comment is not None]
        text = " ".join(lines[i].comment.value.lstrip("# ") for i in block)  # type: ignore[union-attr]
        if "which stays until cut-over" not in text:
            return fn
        new = text.replace(" above, which stays until cut-over.", ", which the cut-over removed.")
        width = max(60, 92 - len(self.view.indent if self.view else ""))
        comments = [cst.EmptyLine(comment=cst.Comment(f"# {line}")) for line in textwrap.wrap(new, width)]
        return fn.with_changes(leading_lines=[line for line in lines if line.comment is None] + comments)

    @property
    def note_text(self) -> str:
        return self.note or keep_note(self.view.http_route if self.view else None, self)  # type: ignore[arg-type]

    def unbind(self, name: str, why: str) -> None:
        """A name the claims read that the provider's request has no equivalent for."""
        self.unbound.setdefault(name, why)

    def leave_FunctionDef(self, original: cst.FunctionDef,
                          updated: cst.FunctionDef) -> cst.BaseStatement | cst.FlattenSentinel | cst.RemovalSentinel:
        if self.mode == "remove" and original.name.value == CLAIMS_FUNCTION:
            return self._heading_after_cutover(updated)
        if self.view is None or original is not self.view.fn:
            return updated
        if self.mode == "remove":
            return cst.RemoveFromParent()
        if self.mode == "beside":
            kept = updated.with_changes(leading_lines=[*updated.leading_lines, cst.EmptyLine(
                comment=cst.Comment(f"# {self.note_text}"))])
            return cst.FlattenSentinel([kept, *self.replacement(self.view)])
        return cst.FlattenSentinel(self.replacement(self.view))

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        if original in self.dead:
            self._removed.add(id(updated))  # taken out in leave_Module, its blank lines handed on
        return updated

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if not self._removed:
            return updated
        names = {n.lower() for ns in self.dead.values() for n in ns} | {"zendesk"}
        body: list[cst.BaseStatement] = []
        blank, comments = False, []  # what a removed statement leaves to the one after it
        for stmt in updated.body:
            if id(stmt) in self._removed:
                lines = list(stmt.leading_lines)
                blank = blank or bool(lines and lines[0].comment is None)
                comments += [line for line in lines if line.comment is not None
                             and not any(n in line.comment.value.lower() for n in names)]
                continue
            if blank or comments:
                lines = list(stmt.leading_lines)
                run = 0
                while run < len(lines) and lines[run].comment is None:
                    run += 1
                head = lines[:run] or ([cst.EmptyLine()] if blank and body else [])
                stmt = stmt.with_changes(leading_lines=[*head, *comments, *lines[run:]])
                blank, comments = False, []
            body.append(stmt)
        return updated.with_changes(body=body)

    # -- finding the view ----------------------------------------------------------------------

    def _signing_call(self, module: cst.Module) -> cst.Call:
        found = None
        for n in walk(module):
            if isinstance(n, cst.Call) and self.pos(n) == (self.line, self.column):
                found = n  # the innermost call starting there: jwt.encode(...) in jwt.encode(...).decode()
        if found is None:
            raise self.fail(f"no signing call at line {self.line}, column {self.column} (the file changed?)")
        return found

    def _view_function(self, call: cst.Call) -> cst.FunctionDef:
        n = self.parent(call)
        while n is not None and not isinstance(n, (cst.FunctionDef, cst.Lambda, cst.Module)):
            n = self.parent(n)
        if not isinstance(n, cst.FunctionDef):
            raise self.fail("the Zendesk JWT is not signed inside a view function; mount "
                            f"{PROVIDER_MODULE} at {self.issuer_path} by hand (templates/README.md)")
        block = self.parent(n)
        owner = self.parent(block) if block is not None else None
        if isinstance(owner, cst.ClassDef):
            self.class_view(owner, n)
        return n

    def class_view(self, cls: cst.ClassDef, fn: cst.FunctionDef) -> None:
        """A method signs: the frameworks that have class-based views take it (Django)."""
        raise self.fail(f"{cls.name.value}.{fn.name.value} is a class-based view: mount {PROVIDER_MODULE} at "
                        f"{self.issuer_path} by hand (the module's docstring shows how)", fn)

    # -- reading the view ------------------------------------------------------------------------

    def reads(self, node: cst.CSTNode) -> set[str]:
        """Names an expression or statement reads (not attribute names, keywords or imports)."""
        out = set()
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, (cst.Import, cst.ImportFrom)):
                continue
            if isinstance(n, cst.Name) and \
                    self.get_metadata(ExpressionContextProvider, n, None) is ExpressionContext.LOAD:
                out.add(n.value)
            stack.extend(n.children)
        return out

    def bound(self, stmt: cst.CSTNode) -> set[str]:
        """Names a statement binds (not inside functions or classes it defines)."""
        out: set[str] = set()
        stack = [stmt]
        while stack:
            n = stack.pop()
            if isinstance(n, (cst.FunctionDef, cst.ClassDef)) and n is not stmt:
                out.add(n.name.value)
                continue
            if isinstance(n, (cst.Lambda, cst.BaseComp)):
                continue
            if isinstance(n, cst.ImportAlias):
                out.add(n.asname.name.value if n.asname and isinstance(n.asname.name, cst.Name)
                        else (_dotted(n.name) or "").split(".")[0])
                continue
            if isinstance(n, cst.Name) and self.get_metadata(ExpressionContextProvider, n, None) is ExpressionContext.STORE:
                out.add(n.value)
            stack.extend(n.children)
        return out

    def _claim_node(self, fn: cst.FunctionDef, claim: Claim) -> cst.BaseExpression | None:
        best = None
        for n in walk(fn.body):
            if isinstance(n, cst.BaseExpression) and self.pos(n) == (claim.line, claim.column):
                best = best or n  # pre-order: the outermost expression starting there
        return best

    def _payload_arg(self, call: cst.Call) -> cst.BaseExpression | None:
        index = libraries.payload_position(self.library, self.qualified(call.func))
        positional = [a for a in call.args if a.keyword is None and not a.star]
        for a in call.args:
            if a.keyword is not None and a.keyword.value in libraries.PAYLOAD_KEYWORDS:
                return a.value
        return positional[index].value if index is not None and len(positional) > index else None

    def analyse(self, fn: cst.FunctionDef, call: cst.Call) -> View:
        line, col = self.pos(fn.decorators[0] if fn.decorators else fn)
        text_line = self.module.code.splitlines()[line - 1] if self.module else ""  # type: ignore[union-attr]
        indent = text_line[:len(text_line) - len(text_line.lstrip())]
        block = self.parent(fn)
        nested = not isinstance(block, cst.Module)
        p = fn.params
        params = [x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)]
        params += [s.name.value for s in (p.star_arg, p.star_kwarg) if isinstance(s, cst.Param)]
        view = View(fn, call, nested, indent, params)
        self._decorators(view)

        body = list(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else []
        top = call
        while self.parent(top) is not None and self.parent(top) is not fn.body:
            top = self.parent(top)  # type: ignore[assignment]
        at = body.index(top) if top in body else 0  # type: ignore[arg-type]
        before, rest = body[:at], body[at:]

        nodes = {c.target: self._claim_node(fn, c) for c in self.claims}
        payload_name = None
        seeds: set[str] = set()
        if all(nodes.values()):
            for c in self.claims:
                code = self.module.code_for_node(nodes[c.target])  # type: ignore[union-attr,arg-type]
                view.values[c.target] = transformed(c, code if "\n" in code else " ".join(code.split()))
                seeds |= self.reads(nodes[c.target])  # type: ignore[arg-type]
        else:
            # The payload is built outside the view (a helper): read its keys from the same call.
            arg = self._payload_arg(call)
            if arg is None:
                raise self.fail("the signed payload cannot be read from the signing call; write "
                                f"{CLAIMS_FUNCTION} by hand", call)
            seeds |= self.reads(arg)
            payload_name = self.module.code_for_node(arg) if isinstance(arg, cst.Name) else None  # type: ignore[union-attr]
            name = payload_name or self._fresh("payload")
            for c in self.claims:
                view.values[c.target] = transformed(c, f"{name}[{json.dumps(c.source)}]")
            if payload_name is None:
                view.payload = (name, arg)
            else:
                seeds.add(payload_name)

        local = set(params)
        for stmt in body:
            local |= self.bound(stmt)
        exits = [s for s in before if _exit_if(s) and not self.bound(s)]
        need = {n for n in seeds if n in local}
        for s in exits:
            need |= self.reads(s) & local
        kept: list[cst.BaseStatement] = []
        for stmt in reversed(before):
            binds = self.bound(stmt)
            mutates = payload_name is not None and payload_name in self.reads(stmt)
            if stmt in exits or binds & need or mutates:
                kept.insert(0, stmt)
                need |= self.reads(stmt) & local
        provided = set().union(*(self.bound(s) for s in kept)) if kept else set()
        later = set().union(*(self.bound(s) for s in rest)) if rest else set()
        for name in sorted(need - provided):
            if name in params:
                view.param_reads.add(name)
            elif name in self.bound(top):
                self.unbind(name, "which the old view computed inside the block that signs the token")
            elif name in later:
                self.unbind(name, "which the old view computed after it signed the token")
        for s in kept + [nodes[t] for t in nodes if nodes[t] is not None]:  # type: ignore[operator]
            awaited = [n for n in walk(s) if isinstance(n, cst.Await)]
            if awaited:
                code = " ".join(self.module.code_for_node(awaited[0]).split())
                for name in sorted(self.bound(s)) or ["await"]:
                    self.unbind(name, f"which the old view awaited (`{code}`), and the provider calls "
                                      f"{CLAIMS_FUNCTION} synchronously")
        view.exits = any(s in exits for s in kept)
        view.kept = [s.visit(_ExitsToNone()) for s in kept]  # type: ignore[misc]
        if view.payload is not None:
            name, arg = view.payload
            view.kept.append(cst.SimpleStatementLine([cst.Assign(
                [cst.AssignTarget(cst.Name(name))], arg)]))
        view.code = "\n".join([*view.values.values(), *(self.module.code_for_node(s) for s in view.kept)])  # type: ignore[union-attr]
        return view

    def _fresh(self, base: str) -> str:
        used = {n.value for n in walk(self.module) if isinstance(n, cst.Name)}  # type: ignore[arg-type]
        for name in (base, f"zendesk_{base}", f"{base}_"):
            if name not in used:
                return name
        return f"{base}_{len(used)}"

    def _decorators(self, view: View) -> None:
        framework = self.FRAMEWORK if self.FRAMEWORK in routes.DECORATORS else None
        found = routes.decorated(view.fn, self.module, framework, self.ROUTE_METHODS)  # type: ignore[arg-type]
        after = False
        if found is not None:
            view.route, view.route_object = found.decorator, found.object
            view.route_path, view.http_route = found.path, found.route
        for d in view.fn.decorators:
            dec = d.decorator
            if found is not None and d is found.decorator:
                after = True
            elif isinstance(dec, (cst.Call, cst.Attribute)) and callee_name(dec) in self.ROUTE_METHODS and after:
                continue  # a second route for the same view
            elif callee_name(dec) in self.NOT_GUARDS:
                continue
            else:
                view.guards.append(d)

    def _dead_constants(self, module: cst.Module, fn: cst.FunctionDef | cst.ClassDef) -> None:
        """Module-level assignments read only by the removed view (ZENDESK_SECRET = os.environ[...]):
        they go with it, and the imports only they used.  A name the claims function or the guard
        written in the view's place reads, or another module of the site, stays."""
        inside = {id(n) for n in walk(fn)}
        parts = (fn.params, fn.body) if isinstance(fn, cst.FunctionDef) else (*fn.bases, fn.body)
        read_in_view = {n.value for part in parts for n in walk(part) if isinstance(n, cst.Name)}
        elsewhere: dict[str, int] = {}
        for n in walk(module):
            if isinstance(n, cst.Name) and id(n) not in inside:
                elsewhere[n.value] = elsewhere.get(n.value, 0) + 1
        written = (self.view.code if self.view else "") + " " + (self.guard or "")
        for name in {n for n in read_in_view if re.search(rf"(?<![\w.]){re.escape(n)}\b", written)}:
            elsewhere[name] = elsewhere.get(name, 0) + 1  # the replacement reads it
        for stmt in module.body:
            if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
                continue
            small = stmt.body[0]
            if not isinstance(small, (cst.Assign, cst.AnnAssign)):
                continue
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            names = [t.value for t in targets if isinstance(t, cst.Name)]
            if names and all(n in read_in_view and elsewhere.get(n, 0) == 1 for n in names) and \
                    not any(self.read_elsewhere(n) for n in names):
                self.dead[stmt] = names
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, stmt)

    # -- writing the replacement -------------------------------------------------------------

    @property
    def unit(self) -> str:
        return self.module.default_indent if self.module else "    "  # type: ignore[return-value]

    def claims_params(self, view: View) -> str:
        return ""

    def guard_for(self, view: View) -> str | None:
        return self.guard_code(view)

    def checks(self, view: View) -> list[str]:
        """Statements put first in the claims function (e.g. refusing an anonymous user)."""
        return []

    def mounting(self, view: View) -> list[cst.BaseStatement]:
        """What mounts the provider, right after the claims function."""
        return []

    def heading(self, view: View) -> list[str]:
        where = f"route {json.dumps(view.route_path)}" if view.route_path else f"view {view.fn.name.value}"
        if self.mode == "beside":
            return ["Genesys Cloud Messenger signs visitors in through the OpenID provider mounted below; the "
                    f"ID token's claims come from the expressions of the Zendesk token {where} above, which "
                    "stays until cut-over."]
        return ["Genesys Cloud Messenger signs visitors in through the OpenID provider mounted below "
                f"(it replaces the Zendesk token {where}); the ID token's claims come from the expressions the "
                "Zendesk token used."]

    def parse(self, code: str) -> cst.Module:
        return cst.parse_module(code, config=cst.PartialParserConfig(default_indent=self.unit, default_newline="\n"))

    def rebind_lines(self, view: View) -> list[str]:
        """The ZG222 TODOs: each claim expression reading a name that cannot be rebound."""
        out = []
        for name, why in self.unbound.items():
            pattern = rf"(?<![\w.]){re.escape(name)}\b"
            found = [(t, v) for t, v in view.values.items() if re.search(pattern, v)]
            if not found and view.payload is not None and re.search(pattern, self.module.code_for_node(view.payload[1])):
                found = [(t, view.values[t]) for t in view.values]
            if not found and any(re.search(pattern, self.module.code_for_node(k)) for k in view.kept):
                found = [("", f"the code before the token reads `{name}`")]
            for target, value in found or [("", name)]:
                what = f"`{value}` (claim {target})" if target else value
                out.append(f"{REBIND}: {what} reads `{name}`, {why}; nobody is signed in until it is written from "
                           "the signed-in user")
        return list(dict.fromkeys(out))

    def claims_function(self, view: View) -> cst.FunctionDef:
        i = self.unit  # lines inside brackets are indented relative to the block
        self.rebind_text = self.rebind_lines(view) if self.unbound else []
        if self.unbound:  # "no user" rather than code that raises on every request
            lines = [f"{i}# {line}\n" for text in self.rebind_text
                     for line in textwrap.wrap(text, max(60, 92 - len(view.indent) - len(i)), subsequent_indent="  ")]
            fn = self.parse(f"def {CLAIMS_FUNCTION}({self.claims_params(view)}):\n" + "".join(lines)
                            + f"{i}return None\n").body[0]
            assert isinstance(fn, cst.FunctionDef)
            return fn
        entries = [f"{i}{i}{json.dumps(t)}: {view.values[c.target]},  "
                   f"# {one_line(c.source)} -> {one_line(t)} ({one_line(c.origin)})"
                   for c in self.claims for t in [c.target]]
        entries += [f"{i}{i}# {one_line(t)}" for t in self.todos]
        code = (f"def {CLAIMS_FUNCTION}({self.claims_params(view)}):\n"
                + "".join(f"{i}{line}\n" if line else "\n" for check in self.check_lines for line in check.split("\n"))
                + f"{i}return {{\n" + "".join(e + "\n" for e in entries) + f"{i}}}\n")
        fn = self.parse(code).body[0]
        assert isinstance(fn, cst.FunctionDef) and isinstance(fn.body, cst.IndentedBlock)
        body = list(fn.body.body)
        kept = list(view.kept)
        if kept and not self.check_lines:
            kept[0] = kept[0].with_changes(leading_lines=_strip_blank(kept[0].leading_lines))
        body = body[:-1] + kept + body[-1:]
        return fn.with_changes(body=fn.body.with_changes(body=body))

    def replacement(self, view: View) -> list[cst.BaseStatement]:
        fn = self.claims_function(view)
        if self.mode == "beside":
            leading = blank_lines(1 if view.nested else 2)
        else:
            leading = _without_zendesk_comments(list(view.fn.leading_lines))
        width = max(60, 92 - len(view.indent))
        leading += [cst.EmptyLine(comment=cst.Comment(f"# {line}"))
                    for text in self.heading(view) for line in textwrap.wrap(text, width)]
        fn = fn.with_changes(leading_lines=leading)
        return [fn, *self.mounting(view)]

    def call_args(self, function: str, args: Sequence[str]) -> str:
        """`genesys_oidc.create_blueprint(claims=..., guard=...)`, one argument a line when long."""
        one = f"{PROVIDER_MODULE}.{function}({', '.join(args)})"
        if len(one) <= 80:
            return one
        i = self.unit
        return f"{PROVIDER_MODULE}.{function}(\n" + "".join(f"{i}{i}{a},\n" for a in args) + f"{i})"

    def statement(self, code: str, view: View, comments: Sequence[str] = ()) -> cst.BaseStatement:
        """A statement written after the claims function, at the same level."""
        stmt = self.parse(code).body[0]
        width = max(60, 92 - len(view.indent))
        lines = [cst.EmptyLine(comment=cst.Comment(f"# {line}"))
                 for c in comments for line in textwrap.wrap(c, width, subsequent_indent="  ")]
        return stmt.with_changes(leading_lines=[*blank_lines(1 if view.nested else 2), *lines])

    def import_provider(self) -> None:
        if self.package:
            AddImportsVisitor.add_needed_import(self.context, ".", PROVIDER_MODULE)
        else:
            AddImportsVisitor.add_needed_import(self.context, PROVIDER_MODULE)

    def guard_code(self, view: View, decorators: Sequence[cst.Decorator] | None = None) -> str | None:
        """The decorators as one guard: `login_required`, or a lambda applying them in order."""
        decs = [self.module.code_for_node(d.decorator) for d in (view.guards if decorators is None else decorators)]  # type: ignore[union-attr]
        decs = [" ".join(d.split()) for d in decs]
        if not decs:
            return None
        if len(decs) == 1:
            return decs[0]
        inner = "view"
        for d in reversed(decs):
            inner = f"{d}({inner})" if not d.startswith("lambda") else f"({d})({inner})"
        return f"lambda view: {inner}"

    def is_object(self, view: View, names: Sequence[str]) -> str | None:
        """What the route object was made by, when this module (or the enclosing factory) made it:
        one of `names` (qualified), or None."""
        obj = view.route_object
        for n in walk(self.module):  # type: ignore[arg-type]
            if isinstance(n, cst.Assign) and isinstance(n.value, cst.Call) and \
                    any(isinstance(t.target, cst.Name) and t.target.value == obj for t in n.targets):
                for q in self.qualified(n.value.func):
                    if q in names:
                        return q
        return None

    def constructor_prefix(self, view: View, keyword: str) -> str | None:
        return routes.object_prefix(self.module, view.route_object or "", (keyword,))  # type: ignore[arg-type]


class _RemoveImports(RemoveImportsVisitor):
    """RemoveImportsVisitor, handing a removed import's blank lines to the statement after it."""

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.removed: set[int] = set()

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        if not updated.body:
            self.removed.add(id(original))
        return updated

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body, j, carry = list(updated.body), 0, []
        for stmt in original.body:
            if id(stmt) in self.removed:
                lines = list(stmt.leading_lines)
                if lines and lines[0].comment is None and not carry:
                    carry = [cst.EmptyLine()]
                continue
            if j < len(body) and carry:
                lines = list(body[j].leading_lines)
                if not lines or lines[0].comment is not None:
                    body[j] = body[j].with_changes(leading_lines=[*carry, *lines])
            carry = []
            j += 1
        header = updated.header
        if original.body and id(original.body[0]) in self.removed and body and \
                not (header and header[-1].comment is not None):  # the module now starts with it
            body[0] = body[0].with_changes(leading_lines=_strip_blank(body[0].leading_lines))
        return updated.with_changes(body=body)


def blank_lines(n: int) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(indent=False)] * n


def _strip_blank(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    out = list(lines)
    while out and out[0].comment is None:
        out.pop(0)
    return out


def _without_zendesk_comments(lines: list[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """Drop the comment block right above the old view when it talks about Zendesk."""
    end = len(lines)
    start = end
    while start > 0 and lines[start - 1].comment is not None:
        start -= 1
    block = lines[start:end]
    if any("zendesk" in (line.comment.value.lower() if line.comment else "") for line in block):
        return lines[:start]
    return lines


# --- the site around the module ----------------------------------------------------------------

def in_package(root: Path, rel_path: str, text: str) -> bool:
    """Whether the module imports its siblings relatively (`from . import x`) or is run as a
    top-level module (`import x`)."""
    if re.search(r"^\s*from\s+\.", text, re.M):
        return True
    folder = root / posixpath.dirname(rel_path)
    if not (folder / "__init__.py").is_file() or folder == root:
        return False
    for name in re.findall(r"^\s*(?:from|import)\s+(\w+)", text, re.M):
        if (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file():
            return False  # `import models` next to it: run from inside the folder
    return True


def dotted_package(root: Path, rel_dir: str) -> str:
    """The import name of a folder: its parents that are packages, joined with dots."""
    parts = [p for p in rel_dir.split("/") if p]
    names: list[str] = []
    while parts and (root / posixpath.join(*parts) / "__init__.py").is_file():
        names.insert(0, parts.pop())
    return ".".join(names or [p for p in rel_dir.split("/") if p])


def python_files(root: Path, name: str) -> list[str]:
    """The site's regular files matching ``name``: not a link (it may dangle or lead out of the
    site), a fifo or a folder named like one."""
    out = []
    for p in sorted(root.rglob(name)):
        rel = p.relative_to(root)
        if any(part.startswith(".") or part in _SKIP_DIRS for part in rel.parts[:-1]):
            continue
        try:
            if not stat.S_ISREG(p.lstat().st_mode):
                continue
        except OSError:
            continue
        out.append(rel.as_posix())
    return out


def provider_module(framework: str, issuer_path: str, newline: str) -> str:
    return with_newlines(render(f"python/{framework}.py.j2", issuer_path=issuer_path), newline)


# --- the manifest ------------------------------------------------------------------------------

_REQ = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(text: str) -> str | None:
    """requirements.txt with PyJWT's crypto extra (None when it is there already)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    names = {}
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("#", "-")):
            continue
        mm = _REQ.match(line)
        if mm:
            names[_norm(mm.group("name"))] = (i, mm)
    if "pyjwt" in names:
        i, mm = names["pyjwt"]
        extras = mm.group("extras") or ""
        if "crypto" in extras or "cryptography" in names:
            return None
        new_extras = "[crypto]" if not extras else extras[:-1] + ",crypto]"
        lines[i] = lines[i][:mm.end("name")] + new_extras + lines[i][mm.end():]
        return "".join(lines)
    if text and not text.endswith(("\n", "\r")):
        text += newline
    return text + PYJWT + newline


def pyproject(text: str) -> tuple[str | None, str]:
    """pyproject.toml with PyJWT's crypto extra in [project] dependencies (or Poetry's table),
    and which table; (None, why) when it is there already or there is no such table."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None, "pyproject.toml is not valid TOML"
    newline = "\r\n" if "\r\n" in text else "\n"
    project = data.get("project")
    poetry = data.get("tool", {}).get("poetry")
    if isinstance(project, dict):
        deps = project.get("dependencies", [])
        found = [d for d in deps if isinstance(d, str) and (mm := _REQ.match(d)) and _norm(mm.group("name")) == "pyjwt"]
        if any("crypto" in (_REQ.match(d).group("extras") or "") for d in found) or any(  # type: ignore[union-attr]
                isinstance(d, str) and (mm := _REQ.match(d)) and _norm(mm.group("name")) == "cryptography" for d in deps):
            return None, "[project] dependencies"
        lines = text.splitlines(keepends=True)
        head = next(i for i, line in enumerate(lines) if re.match(r"^\s*\[project\]\s*(#.*)?$", line))
        end = next((i for i in range(head + 1, len(lines)) if re.match(r"^\s*\[", lines[i])), len(lines))
        start = next((i for i in range(head + 1, end) if re.match(r"^\s*dependencies\s*=", lines[i])), None)
        if start is None:
            lines.insert(head + 1, f'dependencies = [{json.dumps(PYJWT)}]{newline}')
            return "".join(lines), "[project] dependencies"
        if found:  # PyJWT without the extra: give it the extra, keeping its version
            for i in range(start, end):
                old = json.dumps(found[0])[1:-1]
                if old in lines[i]:
                    mm = _REQ.match(found[0])
                    extras = mm.group("extras") or ""  # type: ignore[union-attr]
                    new = found[0][:mm.end("name")] + ("[crypto]" if not extras else extras[:-1] + ",crypto]") + \
                        found[0][mm.end():]  # type: ignore[union-attr]
                    lines[i] = lines[i].replace(old, new, 1)
                    return "".join(lines), "[project] dependencies"
        close = next((i for i in range(start, end) if re.search(r"\]\s*(#.*)?$", lines[i].rstrip("\r\n"))), None)
        if close is None:
            return None, "[project] dependencies could not be read"
        if close == start:  # dependencies = ["a", "b"]
            line = lines[start]
            cut = line.rstrip("\r\n").rstrip()
            comment = ""
            if "#" in cut and cut.rfind("]") < cut.find("#"):
                cut, comment = cut[:cut.find("#")].rstrip(), "  " + cut[cut.find("#"):]
            inner = cut[cut.index("[") + 1:cut.rindex("]")].rstrip()
            sep = "" if not inner.strip() else (" " if inner.endswith(",") else ", ")
            lines[start] = f"{cut[:cut.index('[') + 1]}{inner}{sep}{json.dumps(PYJWT)}]{comment}{newline}"
            return "".join(lines), "[project] dependencies"
        items = [lines[i] for i in range(start + 1, close) if lines[i].strip() and not lines[i].strip().startswith("#")]
        indent = re.match(r"\s*", items[-1]).group(0) if items else "  "  # type: ignore[union-attr]
        last = max((i for i in range(start + 1, close) if lines[i].strip() and not lines[i].strip().startswith("#")),
                   default=None)
        if last is not None and not lines[last].split("#")[0].rstrip().endswith(","):
            body = lines[last].rstrip("\r\n")
            code, _, comment = body.partition("#")
            lines[last] = code.rstrip() + "," + (("  #" + comment) if comment else "") + newline
        lines.insert(close, f"{indent}{json.dumps(PYJWT)},{newline}")
        return "".join(lines), "[project] dependencies"
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict):
        deps = {_norm(k): v for k, v in poetry["dependencies"].items()}
        jwt = deps.get("pyjwt")
        if "cryptography" in deps or (isinstance(jwt, dict) and "crypto" in jwt.get("extras", [])):
            return None, "[tool.poetry.dependencies]"
        lines = text.splitlines(keepends=True)
        head = next(i for i, line in enumerate(lines) if re.match(r"^\s*\[tool\.poetry\.dependencies\]", line))
        end = next((i for i in range(head + 1, len(lines)) if re.match(r"^\s*\[", lines[i])), len(lines))
        entry = f'PyJWT = {{ version = ">=2.8", extras = ["crypto"] }}{newline}'
        if jwt is not None:
            for i in range(head + 1, end):
                if re.match(r"^\s*pyjwt\s*=", lines[i], re.I):
                    lines[i] = entry
                    return "".join(lines), "[tool.poetry.dependencies]"
        while end > head + 1 and not lines[end - 1].strip():
            end -= 1
        lines.insert(end, entry)
        return "".join(lines), "[tool.poetry.dependencies]"
    return None, "no [project] dependencies"


def add_dependency(ctx: WireContext, out: Wiring, framework: str) -> None:
    """PyJWT[crypto] in the manifest nearest the module: the requirements.txt or pyproject.toml
    that lists the framework (or, failing that, the nearest one)."""
    s = ctx.plan.signer
    folder = posixpath.dirname(s.path)
    found = [p for p in (nearest(ctx.root, folder, "requirements.txt"), nearest(ctx.root, folder, "pyproject.toml")) if p]
    found.sort(key=lambda p: (framework not in ctx.source(p).text.lower(), p.endswith(".toml")))
    for path in found:
        text = out.files.get(path) or ctx.source(path).text  # a cut-over may have changed it already
        if path.endswith("requirements.txt"):
            updated = requirements(text)
            if updated is None:
                out.why(s.path, f"{path} already has PyJWT with cryptography, which the OpenID provider uses")
                return
            out.files[path] = updated
            out.why(path, f"{_change(text, updated)} for the OpenID provider (requirements.txt)")
            return
        updated, table = pyproject(text)
        if updated is not None:
            out.files[path] = updated
            out.why(path, f"{_change(text, updated)} for the OpenID provider (pyproject.toml {table})")
            return
        if table in ("[project] dependencies", "[tool.poetry.dependencies]"):
            out.why(s.path, f"{path} {table} already has PyJWT with cryptography, which the OpenID provider uses")
            return
    out.why(s.path, f"TODO(migrate:ZG229): no requirements.txt or pyproject.toml dependencies found: install {PYJWT} "
                    "for the OpenID provider")


def wire_module(ctx: WireContext, framework: str, codemod_class: type[ViewCodemod], **options: object
                ) -> tuple[Wiring, ViewCodemod]:
    """The module holding the signing call rewritten by the framework's codemod, the provider
    module next to it (unless `provider_dir` says where), and PyJWT in the manifest."""
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    provider_dir = str(options.pop("provider_dir", posixpath.dirname(s.path)))
    route = options.pop("route", None) or s.route
    mode = mode_of(ctx)
    codemod = codemod_class(CodemodContext(filename=s.path), line=s.line, column=s.column, claims=plan.claims,
                            todos=plan.todos, issuer_path=config.issuer_path, library=s.library,
                            path=s.path, mode=mode, note=keep_note(route, config), **options)  # type: ignore[arg-type]
    if mode != "beside":
        codemod.read_elsewhere = _reader(ctx)
    out = Wiring()
    out.files[s.path] = run_codemod(codemod, src)
    view = codemod.view
    assert view is not None
    what = f"route {view.route_path}" if view.route_path else f"view {view.fn.name.value}"
    if mode == "remove":
        out.why(s.path, f"line {s.line}: the Zendesk JWT {what}, kept until cut-over, is removed (the OpenID "
                        f"provider at {config.issuer_path} took its place)")
    if codemod.dead:
        names = [n for ns in codemod.dead.values() for n in ns]
        out.why(s.path, f"  {', '.join(names)}: removed, only the Zendesk token "
                        f"{'view' if framework == 'django' else 'route'} read {'it' if len(names) == 1 else 'them'}")
    if mode != "beside":
        drop_library(ctx, out)
    if mode == "remove":
        return out, codemod
    if mode == "beside":
        out.why(s.path, f"line {s.line}: Zendesk JWT {what} kept until cut-over (TODO(migrate:ZG220)); "
                        f"{CLAIMS_FUNCTION}() added beside it for the OpenID provider at {config.issuer_path} "
                        f"[{plan.view.profile}.yaml]")
    else:
        out.why(s.path, f"line {s.line}: Zendesk JWT {what} -> {CLAIMS_FUNCTION}() for the OpenID provider at "
                        f"{config.issuer_path} [{plan.view.profile}.yaml]")
    for line in codemod.rebind_text:
        out.why(s.path, f"  {line}")
    provider = posixpath.join(provider_dir, f"{PROVIDER_MODULE}.py")
    out.new_files[provider] = provider_module(framework, config.issuer_path, src.newline)
    out.why(provider, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, "
                      f"nonce) [templates/python/{framework}.py.j2]")
    return out, codemod


def _reader(ctx: WireContext) -> Callable[[str], bool]:
    """Whether a module of the site other than the signer's names `name` (it may import it)."""
    s = ctx.plan.signer
    others: list[str] | None = None

    def read(name: str) -> bool:
        nonlocal others
        if others is None:
            others = [ctx.source(p).text for p in python_files(ctx.root, "*.py") if p != s.path]
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
        return any(pattern.search(text) for text in others)

    return read


# The signing libraries a cut-over takes out of the manifest when no module imports them any more:
# library -> (its import name, its distribution names).  PyJWT stays: the provider signs with it.
_SIGNING_PACKAGES = {"python-jose": ("jose", ("python-jose", "python-jose-cryptodome")),
                     "authlib": ("authlib", ("authlib",))}


def drop_library(ctx: WireContext, out: Wiring) -> None:
    """The cut-over's signing library out of requirements.txt / pyproject.toml, when neither the
    rewritten module nor any other module of the site imports it."""
    s = ctx.plan.signer
    if s.library not in _SIGNING_PACKAGES:
        return
    module, packages = _SIGNING_PACKAGES[s.library]
    imports = re.compile(rf"^\s*(?:from\s+{module}(?:\.[\w.]+)?\s+import\b|import\s+{module}\b)", re.MULTILINE)
    if imports.search(out.files.get(s.path, "")):
        return
    for path in python_files(ctx.root, "*.py"):
        if path != s.path and imports.search(out.files.get(path) or ctx.source(path).text):
            return
    folder = posixpath.dirname(s.path)
    for path in (nearest(ctx.root, folder, "requirements.txt"), nearest(ctx.root, folder, "pyproject.toml")):
        if path is None:
            continue
        text = out.files.get(path) or ctx.source(path).text
        updated = (without_requirement if path.endswith(".txt") else without_dependency)(text, packages)
        if updated is not None:
            out.files[path] = updated
            out.why(path, f"{s.library} removed: only the Zendesk token route used it")


def without_requirement(text: str, packages: Sequence[str]) -> str | None:
    """requirements.txt without the lines of `packages` (None when it has none)."""
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if line.lstrip().startswith(("#", "-")) or not (mm := _REQ.match(line))
            or _norm(mm.group("name")) not in packages]
    return "".join(kept) if len(kept) != len(lines) else None


def without_dependency(text: str, packages: Sequence[str]) -> str | None:
    """pyproject.toml without `packages` in [project] dependencies or [tool.poetry.dependencies]
    (None when they are not there, or the file is not TOML)."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    names = "|".join(re.escape(p).replace(r"\-", "[-_.]") for p in packages)
    item = rf"""(['"])(?:{names})(?![\w.-])[^'"]*\1"""  # "python-jose[cryptography]>=3.3"

    def in_array(array: str) -> str:
        array = re.sub(rf"(?im)^[ \t]*{item}[ \t]*,?[ \t]*(#[^\n]*)?\r?\n", "", array)  # a line of its own
        array = re.sub(rf"(?i),[ \t]*{item}(?=[ \t]*\])", "", array)  # the last of a one-line array
        array = re.sub(rf"(?i){item}[ \t]*,[ \t]*", "", array)
        return re.sub(rf"(?i)\[[ \t]*{item}[ \t]*\]", "[]", array)

    out = text
    project = re.search(r"(?m)^[ \t]*\[project\][^\n]*\n(?:(?![ \t]*\[)[^\n]*\n?)*", out)
    if project:
        deps = re.search(r"(?m)^[ \t]*dependencies[ \t]*=[ \t]*\[(?:[^\]\"']|\"[^\"]*\"|'[^']*')*\]",
                         project.group(0))
        if deps:
            at = project.start() + deps.start()
            out = out[:at] + in_array(deps.group(0)) + out[at + len(deps.group(0)):]
    poetry = re.search(r"(?m)^[ \t]*\[tool\.poetry\.dependencies\][^\n]*\n(?:(?![ \t]*\[)[^\n]*\n?)*", out)
    if poetry:
        table = re.sub(rf"(?im)^[ \t]*[\"']?(?:{names})[\"']?[ \t]*=[^\n]*\r?\n", "", poetry.group(0))
        out = out[:poetry.start()] + table + out[poetry.end():]
    if out == text:
        return None
    try:
        tomllib.loads(out)
    except tomllib.TOMLDecodeError:
        return None
    return out


def mode_of(ctx: WireContext) -> str:
    """beside (the default), replace (a cut-over of a route never wired), remove (of a kept one)."""
    return ("remove" if ctx.kept else "replace") if ctx.cutover else "beside"


def line_of(text: str, pattern: str) -> int | None:
    """The 1-based line where `pattern` (a regex, multi-line) first matches."""
    found = re.search(pattern, text, re.M)
    if not found:
        return None
    start = found.start()
    while start < found.end() and text[start] in " \t\r\n":  # `^\s*` may begin on a blank line
        start += 1
    return text.count("\n", 0, start) + 1


def _change(before: str, after: str) -> str:
    """`dependency PyJWT[crypto]>=2.8`, or `PyJWT gains the crypto extra` when it was there."""
    if re.search(r"(?im)^[^#\n]*\bpyjwt\b", before):
        return "PyJWT gains the crypto extra (cryptography, for RS256)"
    return f"dependency {PYJWT}"


def run_codemod(codemod: VisitorBasedCodemodCommand, src: SourceFile) -> str:
    """The module's new text; a syntax error is a WiringError, not a crash."""
    try:
        module = cst.parse_module(src.text)
    except cst.ParserSyntaxError as exc:
        raise WiringError(f"{src.path}:{exc.raw_line}: cannot be parsed ({exc.message}); wire the provider by hand") from None
    except UnicodeError:  # bytes that are not UTF-8 (a Latin-1 comment): rewriting could corrupt them
        raise WiringError(f"{src.path}: not UTF-8 text, so it is not rewritten; wire the provider by hand") from None
    return codemod.transform_module(module).code




def prefix_note(codemod: ViewCodemod, view: View, kind: str, keyword: str, verb: str) -> str:
    """The TODO for a provider mounted on a blueprint or router rather than on the app: the
    object's own prefix comes before the provider's path.  Sets `codemod.mount_prefix`."""
    obj, issuer = view.route_object, codemod.issuer_path
    own = (codemod.constructor_prefix(view, keyword) or "").rstrip("/")
    codemod.mount_prefix = issuer
    if own and issuer.startswith(own + "/"):
        codemod.mount_prefix = issuer[len(own):]
        return (f"{REACH}: {obj}'s {keyword} {json.dumps(own)} is the start of the issuer's path {issuer}: check that "
                f"{obj} is {verb} without another prefix")
    if own:
        return (f"{REACH}: {obj}'s {keyword} {json.dumps(own)} puts the provider at {own}{issuer}, not at the "
                f"issuer's path {issuer}: mount it on the app instead, or make the issuer end in {own}{issuer}")
    return (f"{REACH}: if {obj} is a {kind} {verb} with a {keyword}, the provider's path starts with it, and "
            f"must be the issuer's path {issuer}")
