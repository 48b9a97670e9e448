"""Python signing code no framework wiring takes (a helper outside any view, an unknown
framework): the provider module next to it (a WSGI application, templates/python/standalone.py.j2),
the claims as `genesys_claims(...)` right after the code that signs, taking what that code took,
and the mount note (ZG221) above it.  Nothing is removed: the old code stays as it was."""

from __future__ import annotations

import posixpath
import textwrap

import libcst as cst
from libcst.codemod import CodemodContext

from migrate.generate.backends import MOUNT_RULE, WireContext, Wiring, WiringError, is_note, mount_note
from migrate.lang.python.frameworks.codemods import (
    CLAIMS_FUNCTION,
    PROVIDER_MODULE,
    View,
    ViewCodemod,
    add_dependency,
    blank_lines,
    in_package,
    line_of,
    provider_module,
    run_codemod,
)

_NOT_PARAMS = ("self", "cls")


class StandaloneCodemod(ViewCodemod):
    """The claims function after the module-level statement that signs; the mount note above it."""

    DESCRIPTION = "Add the claims function of the Genesys OpenID provider beside the Zendesk signing code."
    FRAMEWORK = "standalone"
    ROUTE_METHODS = frozenset()

    def __init__(self, context: CodemodContext, *, mount: str = "", **kwargs: object) -> None:
        super().__init__(context, mode="beside", **kwargs)  # type: ignore[arg-type]
        self.mount = mount  # the mount note, without "# "
        self.top: cst.CSTNode | None = None  # the module-level statement holding the signing call
        self.fn: cst.FunctionDef | None = None

    def visit_Module(self, node: cst.Module) -> bool:
        call = self._signing_call(node)
        top: cst.CSTNode = call
        while not isinstance(self.parent(top), cst.Module):
            top = self.parent(top)  # type: ignore[assignment]
        self.top = top
        fn = self.parent(call)
        while fn is not None and not isinstance(fn, (cst.FunctionDef, cst.Module)):
            fn = self.parent(fn)
        if isinstance(fn, cst.FunctionDef):
            self.fn = fn
            self.view = self.analyse(fn, call)
            for name in sorted(self.view.param_reads & set(_NOT_PARAMS)):
                self.unbind(name, "the object the old code signed in, which the provider does not have")
        else:
            self.view = View(fn, call, False, "", [])  # type: ignore[arg-type]
            self.unbind("the module", "signed when the module is imported, for no one's request")
        self.import_provider()
        return True

    def import_provider(self) -> None:
        pass  # the mounting, by hand, imports it where the site's WSGI application is

    def claims_params(self, view: View) -> str:
        if self.fn is None:
            return "*args, **kwargs"
        p = self.fn.params
        every = [*p.posonly_params, *p.params, *p.kwonly_params]
        names = [x.name.value for x in every if x.name.value not in _NOT_PARAMS]
        names += [("*" if s is p.star_arg else "**") + s.name.value
                  for s in (p.star_arg, p.star_kwarg) if isinstance(s, cst.Param)]
        return ", ".join(names)

    def heading(self, view: View) -> list[str]:
        where = f"{self.fn.name.value}()" if self.fn is not None else "the code above"
        return [f"Genesys Cloud Messenger signs visitors in through the OpenID provider in {PROVIDER_MODULE}.py, "
                f"not mounted yet (see the TODO above {where}); the ID token's claims come from the expressions "
                f"the Zendesk token of {where} used. Call it with what {where} was called with, for the "
                "signed-in user."]

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        return updated  # nothing of the old code changes

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        assert self.view is not None
        body = list(updated.body)
        index = next(i for i, stmt in enumerate(original.body) if stmt is self.top)
        width = 90
        note = [cst.EmptyLine(comment=cst.Comment(f"# {line}"))
                for line in textwrap.wrap(self.mount, width, subsequent_indent="  ")]
        stmt = body[index]
        body[index] = stmt.with_changes(leading_lines=[*stmt.leading_lines, *note])
        view = self.view if self.fn is not None else View(self.view.fn, self.view.call, False, "", [])
        claims = self.claims_function(view)
        claims = claims.with_changes(leading_lines=[*blank_lines(2), *(
            cst.EmptyLine(comment=cst.Comment(f"# {line}")) for text in self.heading(view)
            for line in textwrap.wrap(text, width))])
        body.insert(index + 1, claims)
        return updated.with_changes(body=body)


def wire(ctx: WireContext, why: str) -> Wiring:
    s = ctx.plan.signer
    config = ctx.config
    src = ctx.source(s.path)
    folder = posixpath.dirname(s.path)
    provider = posixpath.join(folder, f"{PROVIDER_MODULE}.py")
    note = mount_note(provider.rsplit("/", 1)[-1], config, why)
    codemod = StandaloneCodemod(CodemodContext(filename=s.path), line=s.line, column=s.column,
                                claims=ctx.plan.claims, todos=ctx.plan.todos, issuer_path=config.issuer_path,
                                library=s.library, path=s.path, mount=note,
                                package=in_package(ctx.root, s.path, src.text))
    out = Wiring(route=s.route)
    lines = src.text.splitlines()
    above = (s.span[0] if s.span else s.line) - 1
    while above > 0 and lines[above - 1].lstrip().startswith(("#", "@")):
        if is_note(lines[above - 1], MOUNT_RULE):  # an earlier run wrote it: nothing more to do
            out.todo = f"{s.path}:{above}: {why}"
            return out
        above -= 1
    try:
        out.files[s.path] = run_codemod(codemod, src)
    except WiringError:
        raise
    except (cst.ParserSyntaxError, ValueError, StopIteration) as exc:  # a shape the codemod does not know
        raise WiringError(f"{s.path}:{s.line}: {why}; the provider module could not be placed ({exc})") from None
    line = line_of(out.files[s.path], r"^\s*# TODO\(migrate:ZG221\)") or s.line
    out.todo = f"{s.path}:{line}: {why}"
    out.why(s.path, f"line {line}: {note}")
    out.why(s.path, f"{CLAIMS_FUNCTION}() added after the Zendesk signing code, with its claims "
                    f"[{ctx.plan.view.profile}.yaml]")
    for text in codemod.rebind_text:
        out.why(s.path, f"  {text}")
    out.new_files[provider] = provider_module("standalone", config.issuer_path, src.newline)
    out.why(provider, "new: the OpenID provider as a WSGI application (discovery, JWKS, authorize, token, "
                      "userinfo; RS256, PKCE, nonce), not mounted [templates/python/standalone.py.j2]")
    add_dependency(ctx, out, "")
    return out
