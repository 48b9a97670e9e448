"""Go (net/http, chi, gin, gorilla/mux, echo): the OpenID provider (package genesysoidc) is mounted at
the issuer path beside the Zendesk token handler's registration, on the router its group hangs off,
with the route's own login middleware (and its groups') as the guard of /authorize and the claims
computed by the old handler's own expressions.  The gorillamux and echo framework modules are this
wiring: which router a route is on is read from the file that registers it."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

import tree_sitter as ts

from migrate.extract.treesitter import string_value, walk
from migrate.generate.backends import (
    KEEP_RULE,
    REBIND_RULE,
    WireContext,
    Wiring,
    WiringError,
    is_note,
    keep_note,
    nearest,
)
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.plan import BackendPlan, ClaimMapping
from migrate.generate.positions import Parsed, comment_start
from migrate.generate.render import render
from migrate.lang.go import routes

PACKAGE = "genesysoidc"
MODULES = (("github.com/go-jose/go-jose/v4", "v4.1.9"), ("github.com/golang-jwt/jwt/v5", "v5.3.1"),
           ("github.com/redis/go-redis/v9", "v9.17.3"))
# What go-redis brings, as `go mod tidy` records it (go.mod's indirect requirements).
INDIRECT = (("github.com/cespare/xxhash/v2", "v2.3.0"),
            ("github.com/dgryski/go-rendezvous", "v0.0.0-20200823014737-9f7001d12a5f"))
# go-jose v4.1.9 needs Go 1.24: an older `go` line would make `go build` ask for `go mod tidy`.
GO_VERSION = "1.24.0"
# The checksums of those modules' build list, as `go mod tidy` writes them to go.sum (so the site builds
# with -mod=readonly, and `go mod verify` checks what the module proxy served).
GO_SUM = """\
github.com/bsm/ginkgo/v2 v2.12.0 h1:Ny8MWAHyOepLGlLKYmXG4IEkioBysk6GpaRTLC8zwWs=
github.com/bsm/ginkgo/v2 v2.12.0/go.mod h1:SwYbGRRDovPVboqFv0tPTcG1sN61LM1Z4ARdbAV9g4c=
github.com/bsm/gomega v1.27.10 h1:yeMWxP2pV2fG3FgAODIY8EiRE3dy0aeFYt4l7wh6yKA=
github.com/bsm/gomega v1.27.10/go.mod h1:JyEr/xRbxbtgWNi8tIEVPUYZ5Dzef52k01W3YH0H+O0=
github.com/cespare/xxhash/v2 v2.3.0 h1:UL815xU9SqsFlibzuggzjXhog7bL6oX9BbNZnL2UFvs=
github.com/cespare/xxhash/v2 v2.3.0/go.mod h1:VGX0DQ3Q6kWi7AoAeZDth3/j3BFtOZR5XLFGgcrjCOs=
github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f h1:lO4WD4F/rVNCu3HqELle0jiPLLBs70cWOduZpkS1E78=
github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f/go.mod h1:cuUVRXasLTGF7a8hSLbxyZXjz+1KgoB3wDUb6vlszIc=
github.com/go-jose/go-jose/v4 v4.1.9 h1:pKfeQkig1NmgK4hJrZYXLEYURXfoJB61Larw0uIW4gY=
github.com/go-jose/go-jose/v4 v4.1.9/go.mod h1:x4oUasVrzR7071A4TnHLGSPpNOm2a21K9Kf04k1rs08=
github.com/golang-jwt/jwt/v5 v5.3.1 h1:kYf81DTWFe7t+1VvL7eS+jKFVWaUnK9cB1qbwn63YCY=
github.com/golang-jwt/jwt/v5 v5.3.1/go.mod h1:fxCRLWMO43lRc8nhHWY6LGqRcf+1gQWArsqaEUEa5bE=
github.com/redis/go-redis/v9 v9.17.3 h1:fN29NdNrE17KttK5Ndf20buqfDZwGNgoUr9qjl1DQx4=
github.com/redis/go-redis/v9 v9.17.3/go.mod h1:u410H11HMLoB+TP67dz8rL9s6QW2j76l0//kSOd3370=
"""


def wire(ctx: WireContext) -> Wiring:
    """Default: the provider mounted beside the Zendesk route, which stays with keep_note above it.
    Cut-over of a kept route: the route goes. Cut-over of a route never wired: replaced in one step."""
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    gomod = nearest(ctx.root, posixpath.dirname(s.path), "go.mod")
    if gomod is None:
        raise WiringError(f"{s.path}:{s.line}: no go.mod above the handler; mount genesysoidc.Handler at "
                          f"{config.issuer_path} by hand")
    mod_text = ctx.source(gomod).text
    module = re.search(r"^module\s+(\S+)", mod_text, re.M)
    if module is None:
        raise WiringError(f"{gomod}: no module line")
    pkg_dir = posixpath.join(posixpath.dirname(s.path), PACKAGE)
    rel = posixpath.relpath(pkg_dir, posixpath.dirname(gomod) or ".")
    import_path = f"{module.group(1)}/{rel}"
    here = posixpath.dirname(s.path)
    siblings = sorted(p.relative_to(ctx.root).as_posix() for p in (ctx.root / here).glob("*.go")
                      if not p.name.endswith("_test.go") and p.relative_to(ctx.root).as_posix() != s.path)
    site = _locate(src, [ctx.source(p) for p in siblings], plan, config.issuer_path)
    out = Wiring(route=site.found.route)
    if ctx.cutover and ctx.kept:
        for path, text in _cut(site, plan, import_path).items():
            out.files[path] = text
            out.why(path, f"the Zendesk token route {site.found.route} removed (cut-over: the OpenID provider at "
                          f"{config.issuer_path} signs visitors in)")
        updated = drop_unused_requires(ctx, gomod, mod_text, out.files)
        if updated is not None:
            out.files[gomod] = updated
            out.why(gomod, "the Zendesk route's JWT module removed: nothing imports it any more")
        return out
    texts, mounted = _mount(site, plan, config, import_path, replace=ctx.cutover)
    out.mounted = mounted
    for path, text in texts.items():
        out.files[path] = text
        if ctx.cutover:
            out.why(path, f"line {s.line}: Zendesk JWT handler -> OpenID provider at {config.issuer_path} "
                          f"[{plan.view.profile}.yaml]" if path == s.path else
                    f"the Zendesk JWT handler's registration -> OpenID provider at {config.issuer_path}")
        else:
            out.why(path, f"OpenID provider mounted at {config.issuer_path} beside the Zendesk token route "
                          f"{site.found.route}, which stays until cut-over (TODO(migrate:{KEEP_RULE})) "
                          f"[{plan.view.profile}.yaml]")
    provider_path = posixpath.join(pkg_dir, f"{PACKAGE}.go")
    out.new_files[provider_path] = with_newlines(render("go/genesysoidc.go.j2", issuer_path=config.issuer_path),
                                                 src.newline)
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, "
                           "PKCE, nonce) [templates/go]")
    add_modules(ctx, gomod, out)
    return out


def add_modules(ctx: WireContext, gomod: str, out: Wiring) -> None:
    """go.mod requiring the provider's modules and go.sum holding their checksums (created if missing)."""
    updated = go_mod(ctx.source(gomod).text)
    if updated is not None:
        out.files[gomod] = updated
        out.why(gomod, "modules " + ", ".join(f"{m} {v}" for m, v in MODULES) + " for the OpenID provider")
    gosum = posixpath.join(posixpath.dirname(gomod), "go.sum")
    exists = (ctx.root / gosum).is_file()
    summed = go_sum(ctx.source(gosum).text if exists else None)
    if summed is not None:
        (out.files if exists else out.new_files)[gosum] = summed
        out.why(gosum, "the checksums of the OpenID provider's modules")


def go_sum(text: str | None) -> str | None:
    """go.sum with the provider modules' checksums added (None when it has them all)."""
    lines = (text or "").splitlines()
    missing = [line for line in GO_SUM.splitlines() if line not in lines]
    if not missing:
        return None
    nl = "\r\n" if text and "\r\n" in text else "\n"
    merged = sorted({line for line in lines if line.strip()} | set(missing), key=lambda ln: ln.split(" ")[:2])
    return nl.join(merged) + nl


def drop_unused_requires(ctx: WireContext, gomod: str, mod_text: str, changed: dict[str, str]) -> str | None:
    """go.mod without the JWT modules (other than the provider's) that no Go file of the module imports."""
    base = posixpath.dirname(gomod)
    texts = []
    for path in sorted((ctx.root / base).rglob("*.go")):
        rel = path.relative_to(ctx.root).as_posix()
        texts.append(changed.get(rel) if rel in changed else ctx.source(rel).text)
    code = "\n".join(texts)
    ours = {m for m, _ in MODULES}
    out = mod_text
    for m in re.finditer(r"^[ \t]*(?:require[ \t]+)?(\S*jwt\S*)[ \t]+v\S+.*(?:\r?\n|$)", mod_text, re.M):
        path = m.group(1)
        if path in ours or f'"{path}"' in code or f'"{path}/' in code:
            continue
        out = out.replace(m.group(0), "", 1)
    out = re.sub(r"require \(\s*\)\s*\n", "", out)
    return out if out != mod_text else None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def go_mod(text: str) -> str | None:
    """go.mod requiring golang-jwt v5, go-jose v4 and go-redis v9 (and what they bring), on a Go that they
    build with (None when it already does)."""
    original = text
    go_line = re.search(r"^go[ \t]+(\S+)", text, re.M)
    if go_line and _version(go_line.group(1)) < _version(GO_VERSION):
        text = text[:go_line.start(1)] + GO_VERSION + text[go_line.end(1):]

    def required(m: str) -> bool:
        return bool(re.search(rf"^\s*(require\s+)?{re.escape(m)}\s", text, re.M))
    missing = [(m, v) for m, v in MODULES if not required(m)]
    indirect = [(m, v) for m, v in INDIRECT if not required(m)]
    if not missing and not indirect:
        return text if text != original else None
    nl = "\r\n" if "\r\n" in text else "\n"
    block = re.search(r"^require \($(.*?)^\)", text, re.M | re.S)
    lines = [f"\t{m} {v}" for m, v in missing] + [f"\t{m} {v} // indirect" for m, v in indirect]
    if block:
        body = [ln for ln in block.group(1).split(nl) if ln.strip()] + lines
        direct = sorted((ln for ln in body if "// indirect" not in ln), key=str.strip)
        indirect = [ln for ln in body if "// indirect" in ln]
        new = "require (" + nl + nl.join(direct + indirect) + nl + ")"
        return text[:block.start()] + new + text[block.end():]
    single = list(re.finditer(r"^require\s+(\S+\s+\S+.*)$", text, re.M))
    if single:  # one-line requires become one block
        body = [f"\t{m.group(1).strip()}" for m in single] + lines
        for m in reversed(single):
            end = m.end() + len(nl) if text[m.end():m.end() + len(nl)] == nl else m.end()
            text = text[:m.start()] + text[end:]
        start = single[0].start()
        body = sorted((ln for ln in body if "// indirect" not in ln), key=str.strip) + \
            [ln for ln in body if "// indirect" in ln]
        return text[:start] + "require (" + nl + nl.join(body) + nl + ")" + nl + text[start:]
    return text.rstrip() + nl + nl + "require (" + nl + nl.join(lines) + nl + ")" + nl


def _guards(go: Parsed, found: routes.Registration, handler: ts.Node | None, name: str | None, kind: str
            ) -> tuple[list[str], list[str]]:
    """(net/http middleware wrapping the handler, the framework's middleware of the route: gin handlers
    before it, echo middleware after it)."""
    reg = found.call
    fn = reg.child_by_field_name("function")
    wrappers: list[str] = []
    receiver = fn.child_by_field_name("operand")
    # chi: r.With(mw1, mw2).Get(...)
    while receiver is not None and receiver.type == "call_expression":
        rf = receiver.child_by_field_name("function")
        if rf is None or rf.type != "selector_expression":
            break
        if go.text(rf.child_by_field_name("field")) == "With":
            wrappers += [go.text(a) for a in receiver.child_by_field_name("arguments").named_children]
        receiver = rf.child_by_field_name("operand")
    args = found.args
    if kind == "echo":
        own, node = [go.text(a) for a in args[1:]], args[0]
    else:
        own, node = [go.text(a) for a in args[:-1]] if kind == "gin" else [], args[-1]
    while node.type == "call_expression":
        callee = node.child_by_field_name("function")
        inner = [a for a in node.child_by_field_name("arguments").named_children
                 if routes.refers(go.doc, a, handler, name)]
        if not inner:
            break
        if go.text(callee) not in ("http.HandlerFunc", "gin.WrapH", "gin.WrapF", "echo.WrapHandler"):
            wrappers.append(go.text(callee))
        node = inner[0]
    return wrappers, own


def _function(node: ts.Node) -> ts.Node | None:
    fn = node.parent
    while fn is not None and fn.type not in routes.FUNCTIONS:
        fn = fn.parent
    return fn


def _uses(go: Parsed, fn: ts.Node, name: str, after: int, before: int) -> list[str]:
    """The middleware of `name.Use(mw...)` calls between two points of a function."""
    out = []
    for n in walk(fn):
        if n.start_byte >= before:
            break
        if n.start_byte < after or n.type != "call_expression":
            continue
        f, args = n.child_by_field_name("function"), n.child_by_field_name("arguments")
        if f is not None and f.type == "selector_expression" and go.text(f.child_by_field_name("field")) == "Use" \
                and go.text(f.child_by_field_name("operand")) == name and args is not None:
            out += [go.text(a) for a in args.named_children if a.type != "comment"]
    return out


@dataclass
class Groups:
    root: str  # the top router: r of `s := r.PathPrefix("/api").Subrouter()`
    guards: list[str]  # the groups' middleware, outermost first
    made: list[tuple[str, ts.Node]]  # (variable, the statement making the group), innermost first


def _groups(go: Parsed, call: ts.Node, receiver: ts.Node) -> Groups:
    """The router a route group hangs off (``api := r.Group("/api", mw)``, ``s := r.PathPrefix("/x").Subrouter()``,
    ``g := e.Group("/x", mw)``), so that the provider is not mounted under the group's prefix, and the
    middleware the group gives its routes (its arguments, its ``.Use(...)`` calls before the route)."""
    fn = _function(call)
    guards: list[str] = []
    made: list[tuple[str, ts.Node]] = []
    point = call
    while fn is not None and receiver.type == "identifier" and len(made) < 4:
        name = go.text(receiver)
        found = None
        for n in walk(fn):
            if n.start_byte >= point.start_byte:
                break
            if n.type in ("short_var_declaration", "assignment_statement"):
                left = n.child_by_field_name("left")
                if left is not None and go.text(left) == name:
                    found = n
        if found is None:
            break
        right = found.child_by_field_name("right")
        value = right.named_children[0] if right is not None and right.named_children else right
        group = None
        while value is not None and value.type == "call_expression":
            f = value.child_by_field_name("function")
            if f is None or f.type != "selector_expression":
                break
            args = value.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if go.text(f.child_by_field_name("field")) in routes.GROUPS and first is not None and \
                    first.type in ("interpreted_string_literal", "raw_string_literal"):
                group = value
                break
            value = f.child_by_field_name("operand")
        if group is None:
            break
        f = group.child_by_field_name("function")
        args = [a for a in group.child_by_field_name("arguments").named_children if a.type != "comment"]
        level = [go.text(a) for a in args[1:]] if go.text(f.child_by_field_name("field")) == "Group" else []
        guards = level + _uses(go, fn, name, found.end_byte, point.start_byte) + guards
        made.append((name, found))
        receiver, point = f.child_by_field_name("operand"), found
        while receiver.type == "call_expression":  # r.With(mw).Group(...)
            receiver = receiver.child_by_field_name("function").child_by_field_name("operand")
    return Groups(go.text(receiver), guards, made)


def _sub_router(go: Parsed, reg: ts.Node) -> str | None:
    """`r.Route` / `r.Group` (chi, gin) when the registration sits in one."""
    node = reg.parent
    while node is not None:
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is not None and fn.type == "selector_expression" and \
                    go.text(fn.child_by_field_name("field")) in ("Route", "Group"):
                return go.text(fn)
        node = node.parent
    return None


def _is_gin(go: Parsed, handler: ts.Node) -> bool:
    params = handler.child_by_field_name("parameters")
    return params is not None and "*gin.Context" in go.text(params)


def _request_param(go: Parsed, handler: ts.Node) -> str | None:
    params = handler.child_by_field_name("parameters")
    for p in params.named_children if params is not None else []:
        if any(t in go.text(p.child_by_field_name("type")) for t in ("http.Request", "gin.Context", "echo.Context")):
            names = [c for c in p.named_children if c.type == "identifier"]
            return go.text(names[0]) if names else None
    return None


def _go_value(m: ClaimMapping) -> str:
    e, final = m.expression, m.expression.final
    text = " ".join(e.text.split())
    if m.transform == "string" and final.kind not in ("string", "template"):
        return f"fmt.Sprint({text})"
    if m.transform == "boolean" and final.kind == "string" and final.value in ("true", "false"):
        return str(final.value)
    return text


_STRING_OR_COMMENT = re.compile(r"//[^\n]*|\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`|'(?:[^'\\\n]|\\.)*'")
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")
# What a refusal inside a handler writes before it returns: the login check the route carried.
_REFUSES = re.compile(r"http\.Error|WriteHeader|Redirect|Abort|Status(?:Unauthorized|Forbidden|Found|SeeOther|"
                      r"TemporaryRedirect|BadRequest|InternalServerError)|\b40[13]\b|NewHTTPError|ErrUnauthorized|"
                      r"NoContent|return\s+err\b")


def names_in(text: str) -> set[str]:
    """The bare names a piece of Go code reads (not fields, not inside strings or comments)."""
    return set(_NAME.findall(_STRING_OR_COMMENT.sub(" ", text)))


def _body(go: Parsed, fn: ts.Node) -> list[ts.Node]:
    body = fn.child_by_field_name("body")
    if body is not None and any(c.type == "statement_list" for c in body.named_children):
        body = next(c for c in body.named_children if c.type == "statement_list")
    return list(body.named_children) if body is not None else []


def _declared(go: Parsed, node: ts.Node) -> set[str]:
    """Names a statement (or a whole function) declares: parameters, receivers, := and var."""
    out = set()
    for n in walk(node):
        if n.type in ("parameter_declaration", "variadic_parameter_declaration", "var_spec", "const_spec"):
            out |= {go.text(c) for c in n.children_by_field_name("name")}
        elif n.type in ("short_var_declaration", "range_clause") or \
                (n.type == "assignment_statement" and n is node):
            left = n.child_by_field_name("left")
            if left is not None:
                out |= {go.text(c) for c in walk(left) if c.type == "identifier"}
    return out - {"_"}


def _guard_ifs(go: Parsed, fn: ts.Node, before: int) -> list[ts.Node]:
    """The handler's own login checks before the signing call: `if user == nil { http.Error(...); return }`."""
    out = []
    for st in _body(go, fn):
        if st.end_byte > before or st.type != "if_statement" or st.child_by_field_name("alternative") is not None:
            continue
        then = st.child_by_field_name("consequence")
        text = go.text(then) if then is not None else ""
        if re.search(r"\breturn\b", text) and _REFUSES.search(text):
            out.append(st)
    return out


def _locals(go: Parsed, handler: ts.Node, before: int, used: str) -> list[ts.Node]:
    stmts = [st for st in _body(go, handler) if st.end_byte <= before and st.type in
             ("short_var_declaration", "var_declaration", "assignment_statement")]
    needed, text = [], used
    for st in reversed(stmts):
        left = st.child_by_field_name("left")
        names = re.findall(r"\w+", go.text(left) if left is not None else go.text(st).split("=")[0])
        if any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", text) for n in names if n not in ("var", "_")) and \
                "jwt." not in go.text(st):
            needed.append(st)
            text += "\n" + go.text(st)
    return list(reversed(needed))


def _outer(fn: ts.Node) -> ts.Node:
    """The function declaration a handler sits in (itself when it is one)."""
    node = fn
    while node.parent is not None and node.type not in ("function_declaration", "method_declaration"):
        node = node.parent
    return node if node.type in ("function_declaration", "method_declaration") else fn


def visible_at(go: Parsed, at: ts.Node) -> set[str]:
    """Names declared before `at` in the function around it, in blocks that hold it, and its parameters."""
    fn = at.parent
    while fn is not None and fn.type not in ("function_declaration", "method_declaration", "func_literal"):
        fn = fn.parent
    if fn is None:
        return set()
    out = set()
    for name in ("receiver", "parameters"):
        part = fn.child_by_field_name(name)
        if part is not None:
            out |= _declared(go, part)
    for n in walk(fn):
        if n.start_byte >= at.start_byte:
            break
        if n.type in ("short_var_declaration", "var_declaration", "const_declaration") and \
                n.parent is not None and n.parent.start_byte <= at.start_byte < n.parent.end_byte:
            out |= _declared(go, n)
    return out | visible_at(go, fn) if fn.type == "func_literal" else out


@dataclass
class Claims:
    text: str  # func(r *http.Request) map[string]any { ... }
    guarded: bool  # the handler's own login check went in with it
    unbound: list[str]  # TODO(migrate:ZG222) lines: expressions reading names the provider cannot give


def claims_func(go: Parsed, plan: BackendPlan, handler: ts.Node | None, at: int, indent: str, context: str | None,
                visible: set[str], param: str | None = None) -> Claims:
    """The claims function handed to genesysoidc.Handler: the old expressions, the locals they need and the
    handler's login checks, rebound to the request the provider hands it (`context` names the framework's
    context kept in that request: gin). An expression that reads a name the provider cannot give makes it
    return nil (nobody signed in) with a TODO(migrate:ZG222) naming it."""
    param = param or (_request_param(go, handler) if handler is not None else None) or ("c" if context else "r")
    request = "r" if context else param
    width = max((len(f'"{m.target}":') for m in plan.claims), default=0)
    entries = [(f'"{m.target}":'.ljust(width) + f" {_go_value(m)},", f"// {m.source} -> {m.target} ({m.origin})")
               for m in plan.claims]
    cwidth = max((len(a) for a, _ in entries), default=0)
    lines = [f"{a.ljust(cwidth)} {b}" for a, b in entries]
    lines += [f"// TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    guards = _guard_ifs(go, handler, at) if handler is not None else []
    used = "\n".join([*(m.expression.text for m in plan.claims),
                      *(go.text(g.child_by_field_name("condition")) for g in guards),
                      *(go.text(g.child_by_field_name("initializer")) for g in guards
                        if g.child_by_field_name("initializer") is not None)])
    local = _locals(go, handler, at, used) if handler is not None else []
    pieces = sorted(local + guards, key=lambda n: n.start_byte)
    bound = {param, request} | {n for st in local for n in _declared(go, st)}
    for g in guards:
        init = g.child_by_field_name("initializer")
        if init is not None:
            bound |= _declared(go, init)
    own = _declared(go, _outer(handler)) | _declared(go, handler) if handler is not None else set()
    unbound = []
    for m in plan.claims:
        free = sorted(names_in(m.expression.text) & own - bound - visible)
        if free:
            unbound.append(f"// TODO(migrate:{REBIND_RULE}): `{' '.join(m.expression.text.split())}` ({m.source}) reads "
                           f"`{'`, `'.join(free)}`, unknown to the provider's request: write the claim from {request}")
    for st in pieces:
        read = go.text(st) if st.type != "if_statement" else \
            " ".join(go.text(c) for c in (st.child_by_field_name("initializer"), st.child_by_field_name("condition"))
                     if c is not None)
        free = sorted(names_in(read) & own - bound - visible - _declared(go, st))
        if free:
            unbound.append(f"// TODO(migrate:{REBIND_RULE}): `{' '.join(read.split())[:80]}` reads "
                           f"`{'`, `'.join(free)}`, unknown to the provider's request")
    out = [f"func({request} *http.Request) map[string]any {{"]
    if unbound:
        out += ["\t" + u for u in unbound] + ["\treturn nil // nobody is signed in until the claims are written", "}"]
        return Claims("\n".join(out).replace("\n", "\n" + indent), bool(guards), unbound)
    if context == "gin":
        out.append(f"\t{param}, _ := r.Context().Value(gin.ContextKey).(*gin.Context)")
    elif context == "echo":
        out.append(f"\t{param}, _ := r.Context().Value({PACKAGE}.ContextKey{{}}).(echo.Context)")
    for i, st in enumerate(pieces):
        if st.type == "if_statement":
            init, cond = st.child_by_field_name("initializer"), st.child_by_field_name("condition")
            head = f"{go.text(init)}; " if init is not None else ""
            out.append(f"\tif {head}{go.text(cond)} {{\n\t\treturn nil\n\t}}")
            continue
        text = go.text(st)
        later = "\n".join([*(go.text(p) for p in pieces[i + 1:]), *lines])
        left = st.child_by_field_name("left")
        if st.type == "short_var_declaration" and left is not None:  # a name nothing reads would not compile
            names = [go.text(c) for c in left.named_children]
            kept = [n if n == "_" or re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", later) else "_" for n in names]
            if kept != names:
                op = ":=" if any(n != "_" for n in kept) else "="
                text = ", ".join(kept) + f" {op} " + go.text(st.child_by_field_name("right"))
        out.append("\t" + text.replace("\n", "\n\t"))
    out.append("\treturn map[string]any{")
    out += [f"\t\t{ln}" for ln in lines]
    out += ["\t}", "}"]
    return Claims("\n".join(out).replace("\n", "\n" + indent), bool(guards), [])


@dataclass
class Site:
    """Where the Zendesk handler is and where it is registered."""

    go: Parsed
    src: SourceFile
    handler: ts.Node
    name: str | None
    found: routes.Registration
    reg_go: Parsed
    reg_src: SourceFile
    stmt: ts.Node  # the registration statement
    indent: str
    router: str  # the top router the provider is mounted on
    at: int
    kind: str  # nethttp | chi | gin | gorilla | echo
    groups: Groups


def _locate(src: SourceFile, siblings: list[SourceFile], plan: BackendPlan, issuer_path: str) -> Site:
    go = Parsed(src.text, "go")
    s = plan.signer
    at = go.byte_at(s.line, s.column)
    handler = routes.enclosing(go.doc, at)
    if handler is None:
        raise WiringError(f"{s.path}:{s.line}: the signing code is not inside a handler function; mount "
                          f"genesysoidc.Handler at {issuer_path} by hand")
    name = go.text(handler.child_by_field_name("name")) if handler.type != "func_literal" else None
    found, reg_go, reg_src = routes.registration(go.doc, handler, name), go, src
    if found is None and name is not None:  # registered in another file of the package
        for other in siblings:
            other_go = Parsed(other.text, "go")
            found = routes.registration(other_go.doc, None, name)
            if found is not None:
                reg_go, reg_src = other_go, other
                break
    if found is None:
        raise WiringError(f"{s.path}:{s.line}: the handler {name or '(func literal)'} is not registered in this "
                          f"file or its package (mux.Handle / r.Get / r.GET); mount genesysoidc.Handler at {issuer_path} by hand")
    reg = found.call
    scope = _sub_router(reg_go, reg)
    if scope is not None:
        raise WiringError(f"{reg_src.path}:{reg.start_point[0] + 1}: the Zendesk route is registered inside "
                          f"{scope}(...), whose path prefix and middleware would apply to every provider endpoint; "
                          f"mount genesysoidc.Handler at {issuer_path} on the top-level router by hand, with the "
                          "login middleware as its guard")
    stmt = reg
    while stmt.parent is not None and stmt.parent.type not in ("block", "source_file", "statement_list"):
        stmt = stmt.parent
    line_start = reg_go.line_start(stmt.start_byte)
    indent = reg_go.text_[reg_go.char(line_start):reg_go.char(stmt.start_byte)]
    if not indent.strip() == "":
        indent = ""
    receiver = reg.child_by_field_name("function").child_by_field_name("operand")
    while receiver.type == "call_expression":  # chi r.With(...).Get, gorilla r.Methods("GET").Path("/x") -> r
        receiver = receiver.child_by_field_name("function").child_by_field_name("operand")
    groups = _groups(reg_go, reg, receiver)
    text = reg_src.text
    if "github.com/labstack/echo/v5" in text:
        raise WiringError(f"{reg_src.path}:{reg.start_point[0] + 1}: echo v5 routes are not wired yet; mount "
                          f"genesysoidc.Handler at {issuer_path} by hand (echo.WrapHandler), with the route's "
                          "middleware on /authorize")
    if _is_gin(go, handler) or ("github.com/gin-gonic/gin" in text and found.name in routes.GIN):
        kind = "gin"
    elif found.handler_first(reg_go.doc):
        kind = "echo"
    elif groups.root == "http":  # the default ServeMux, whatever else the file imports
        kind = "nethttp"
    elif "github.com/gorilla/mux" in text:
        kind = "gorilla"
    elif found.name in ("Get", "Post", "Put", "Patch", "Delete", "Method", "MethodFunc") or \
            "github.com/go-chi/chi" in text:
        kind = "chi"
    else:
        kind = "nethttp"
    return Site(go, src, handler, name, found, reg_go, reg_src, stmt, indent, groups.root, at, kind, groups)


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.split("\n"), 1):
        if needle in line and not line.lstrip().startswith("//"):
            return number
    return None


def _note_edit(go: Parsed, line: int, note: str) -> Edit:
    """keep_note (or mount_note) on its own line right above 1-based `line`, at its indentation."""
    start = go.byte_at(line, 1)
    end = go.data.find(b"\n", start)
    text = go.data[start:end if end >= 0 else len(go.data)].decode("utf-8", "surrogateescape")
    indent = text[:len(text) - len(text.lstrip())]
    return Edit(go.char(start), go.char(start), f"{indent}// {note}\n")


def _mount(site: Site, plan: BackendPlan, config, import_path: str, replace: bool) -> tuple[dict[str, str], str]:
    """The provider mounted beside the registration (or in its place), and the files it changes."""
    go, reg_go, indent, router, issuer_path = site.go, site.reg_go, site.indent, site.router, config.issuer_path
    same = reg_go is go
    kind = site.kind
    wrappers, own = _guards(reg_go, site.found, site.handler if same else None, site.name, kind)
    if kind in ("gin", "echo"):
        own = site.groups.guards + own
    else:
        wrappers = site.groups.guards + wrappers
    visible = visible_at(reg_go, site.stmt)
    params = site.handler.child_by_field_name("parameters")
    context = "gin" if kind == "gin" else \
        "echo" if kind == "echo" and params is not None and "echo.Context" in go.text(params) else None
    claims = claims_func(go, plan, site.handler, site.at, indent, context, visible)
    old_path = site.found.route.split(" ", 1)[1]  # with its group's prefix
    comment = (f"// Genesys Cloud Messenger signs visitors in through this OpenID provider ({'it replaces' if replace else 'it takes over from'} the\n"
               f"{indent}// Zendesk token route {old_path}); Genesys redeems the codes it issues.\n{indent}")
    no_login = (f"// TODO(migrate:ZG223): the Zendesk route had no login check: nobody is signed in until the "
                f"site's login middleware takes the place of genesysoidc.NoLogin\n{indent}")
    unguarded = not claims.guarded and not claims.unbound
    if kind == "echo":
        # echo.MiddlewareFunc after the handler; net/http middleware wrapping the handler, wrapped for echo
        mws = own + [f"echo.WrapMiddleware({w})" for w in wrappers]
        todo = no_login if unguarded and not mws else ""
        guard = "genesysoidc.NoLogin" if todo else "nil"
        after = "".join(f", {g}" for g in mws)
        new = (f"{comment}{todo}oidc := genesysoidc.Handler({claims.text}, {guard})\n"
               f'{indent}{router}.GET("{issuer_path}/.well-known/openid-configuration", echo.WrapHandler(oidc))\n'
               f'{indent}{router}.GET("{issuer_path}/jwks.json", echo.WrapHandler(oidc))\n'
               f'{indent}{router}.GET("{issuer_path}/authorize", func(c echo.Context) error {{\n'
               f"{indent}\toidc.ServeHTTP(c.Response(), c.Request().WithContext(context.WithValue(c.Request().Context(), "
               f"{PACKAGE}.ContextKey{{}}, c)))\n{indent}\treturn nil\n{indent}}}{after})\n"
               f'{indent}{router}.POST("{issuer_path}/token", echo.WrapHandler(oidc))\n'
               f'{indent}{router}.GET("{issuer_path}/userinfo", echo.WrapHandler(oidc))')
        needle = "oidc := genesysoidc.Handler("
    elif kind == "gin":
        guards = "".join(f"{g}, " for g in own)
        todo = no_login if unguarded and not own else ""
        guard = "genesysoidc.NoLogin" if todo else "nil"
        new = (f"{comment}{todo}oidc := genesysoidc.Handler({claims.text}, {guard})\n"
               f'{indent}{router}.GET("{issuer_path}/.well-known/openid-configuration", gin.WrapH(oidc))\n'
               f'{indent}{router}.GET("{issuer_path}/jwks.json", gin.WrapH(oidc))\n'
               f'{indent}{router}.GET("{issuer_path}/authorize", {guards}func(c *gin.Context) {{\n'
               f"{indent}\toidc.ServeHTTP(c.Writer, c.Request.WithContext(context.WithValue(c.Request.Context(), "
               f"gin.ContextKey, c)))\n{indent}}})\n"
               f'{indent}{router}.POST("{issuer_path}/token", gin.WrapH(oidc))\n'
               f'{indent}{router}.GET("{issuer_path}/userinfo", gin.WrapH(oidc))')
        needle = "oidc := genesysoidc.Handler("
    else:
        todo = ""
        if not wrappers:
            guard = "nil" if not unguarded else "genesysoidc.NoLogin"
            todo = no_login if unguarded else ""
        elif len(wrappers) == 1:
            guard = wrappers[0]
        else:
            chain = "next"
            for w in reversed(wrappers):
                chain = f"{w}({chain})"
            guard = f"func(next http.Handler) http.Handler {{ return {chain} }}"
        if kind == "gorilla":  # Handle("/oidc/") would match that path only: a prefix route
            mount = f'{router}.PathPrefix("{issuer_path}/").Handler('
        elif kind == "chi":
            mount = f'{router}.Mount("{issuer_path}", '
        else:
            mount = f'{router}.Handle("{issuer_path}/", '
        new = f"{comment}{todo}{mount}genesysoidc.Handler({claims.text}, {guard}))"
        needle = f"{mount}genesysoidc.Handler("
    edits: dict[str, list[Edit]] = {site.src.path: [], site.reg_src.path: []}
    stmt = site.stmt
    if replace:
        start, end = comment_start(reg_go.data, stmt.start_byte), stmt.end_byte
        edits[site.reg_src.path].append(Edit(reg_go.char(start), reg_go.char(end), new))
        edits[site.reg_src.path] += _unused_groups(site, [(start, end)])
        if _removable(site):
            edits[site.src.path].append(_handler_removal(go, site.handler))
    else:
        edits[site.reg_src.path].append(Edit(reg_go.char(stmt.end_byte), reg_go.char(stmt.end_byte),
                                             f"\n{indent}{new}"))
        span = plan.signer.span or (site.handler.start_point[0] + 1, 0)
        edits[site.src.path].append(_note_edit(go, span[0], keep_note(site.found.route, config)))
    wanted = {PACKAGE: import_path, "fmt": "fmt", "http": "net/http"}
    if kind in ("gin", "echo"):
        wanted["context"] = "context"
    out = {}
    for f in (site.src, site.reg_src):
        if f.path in out or not edits[f.path]:
            continue
        text = apply_edits(f.text, edits[f.path])
        out[f.path] = with_newlines(_fix_imports(text.replace("\r\n", "\n"), wanted, drop=replace), f.newline)
    mounted_line = _line_of(out[site.reg_src.path].replace("\r\n", "\n"), needle)
    return out, f"{site.reg_src.path}:{mounted_line}"


def _unused_groups(site: Site, removed: list[tuple[int, int]]) -> list[Edit]:
    """The statements making the route's groups that nothing reads once the route is gone (a Go variable
    nothing reads does not compile), innermost first: ``s := r.PathPrefix("/zendesk").Subrouter()``."""
    go = site.reg_go
    fn = _function(site.found.call)
    out = []
    for name, made in site.groups.made:
        left = made.child_by_field_name("left")
        read = [n for n in walk(fn) if n.type == "identifier" and go.text(n) == name
                and not (left.start_byte <= n.start_byte < left.end_byte)
                and not any(a <= n.start_byte < b for a, b in removed)]
        if read or made.type != "short_var_declaration":
            break
        start = comment_start(go.data, made.start_byte)
        out.append(_line_removal(go, start, made.end_byte))
        removed = removed + [(start, made.end_byte)]
    return out


def _removable(site: Site) -> bool:
    """A named handler that nothing but the Zendesk registration names."""
    same = site.reg_go is site.go
    reg = site.found.call
    return site.handler.type != "func_literal" and \
        not _used_elsewhere(site.go, site.handler, site.name, reg if same else None) and \
        (same or not _used_elsewhere(site.reg_go, None, site.name, reg))


def _handler_removal(go: Parsed, handler: ts.Node) -> Edit:
    d0 = _doc_start(go, handler.start_byte)
    d1 = handler.end_byte
    tail = go.data[d1:]
    skip = len(tail) - len(tail.lstrip(b"\r\n")) if tail.lstrip(b"\r\n") else 0
    newlines = tail[:skip].count(b"\n")
    return Edit(go.char(d0), go.char(d1 + (skip if newlines >= 2 else 0)), "")


def _line_removal(go: Parsed, start_byte: int, end_byte: int) -> Edit:
    """Whole lines from the one holding start_byte to the one holding end_byte, newline included."""
    start = go.line_start(start_byte)
    end = go.data.find(b"\n", end_byte)
    return Edit(go.char(start), go.char(end + 1 if end >= 0 else len(go.data)), "")


def _cut(site: Site, plan: BackendPlan, import_path: str) -> dict[str, str]:
    """Cut-over of a kept route: its registration, its keep note and the handler only it used go."""
    go, reg_go = site.go, site.reg_go
    edits: dict[str, list[Edit]] = {site.src.path: [], site.reg_src.path: []}
    stmt = site.stmt
    removed = [(comment_start(reg_go.data, stmt.start_byte), stmt.end_byte, site.reg_src.path)]
    edits[site.reg_src.path].append(_line_removal(reg_go, removed[0][0], stmt.end_byte))
    edits[site.reg_src.path] += _unused_groups(site, [(removed[0][0], stmt.end_byte)])
    if _removable(site):
        edits[site.src.path].append(_handler_removal(go, site.handler))
        removed.append((_doc_start(go, site.handler.start_byte), site.handler.end_byte, site.src.path))
    span = plan.signer.span
    if span is not None and span[0] > 1:
        lines = go.text_.split("\n")
        number = span[0] - 1  # the note's 1-based line, right above the piece
        if is_note(lines[number - 1]):
            byte = go.byte_at(number, 1)
            if not any(path == site.src.path and a <= byte < b for a, b, path in removed):
                edits[site.src.path].append(_line_removal(go, byte, byte))
    out = {}
    for f in (site.src, site.reg_src):
        if f.path in out or not edits[f.path]:
            continue
        text = apply_edits(f.text, edits[f.path])
        # the provider's import keeps its own group
        out[f.path] = with_newlines(_fix_imports(text.replace("\r\n", "\n"), {PACKAGE: import_path}), f.newline)
    return out


def _used_elsewhere(go: Parsed, handler: ts.Node | None, name: str | None, reg: ts.Node | None) -> bool:
    """Whether a file names the handler outside its own declaration and the registration."""
    for n in walk(go.doc.root):
        if n.type in ("identifier", "field_identifier") and go.text(n) == name and not (
                (handler is not None and handler.start_byte <= n.start_byte < handler.end_byte)
                or (reg is not None and reg.start_byte <= n.start_byte < reg.end_byte)):
            return True
    return False


def _doc_start(go: Parsed, byte: int) -> int:
    start = go.line_start(byte)
    while start > 0:
        prev = go.line_start(start - 1)
        if not go.data[prev:start].strip().startswith(b"//"):
            break
        start = prev
    return start


def _import_name(path: str, alias: str | None) -> str:
    if alias:
        return alias
    parts = path.split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    return last.replace("go-", "").replace("-", "_") if last.startswith("go-") else last


def _fix_imports(text: str, wanted: dict[str, str], drop: bool = True) -> str:
    """Drop imports the file no longer uses (when `drop`); add the wanted ones it uses (stdlib first,
    then others)."""
    go = Parsed(text, "go")
    decl = next((n for n in go.doc.root.named_children if n.type == "import_declaration"), None)
    if decl is None:
        return text
    specs = []
    for n in walk(decl):
        if n.type == "import_spec":
            path = string_value(go.doc, n.child_by_field_name("path"))
            alias = n.child_by_field_name("name")
            specs.append((path, go.text(alias) if alias is not None else None))
    rest = text[:go.char(decl.start_byte)] + text[go.char(decl.end_byte):]
    code = re.sub(r"//[^\n]*|\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`", "", rest)

    def used(name: str) -> bool:
        return name in ("_", ".") or re.search(rf"(?<![\w.]){re.escape(name)}\.", code) is not None

    kept = [(p, a) for p, a in specs if not drop or used(_import_name(p, a))]
    have = {p for p, _ in kept}
    for name, path in wanted.items():
        if path not in have and used(name):
            kept.append((path, None))
    std = sorted((p, a) for p, a in kept if "." not in p.split("/")[0])
    other = sorted((p, a) for p, a in kept if "." in p.split("/")[0])
    own = import_path_prefix(wanted)
    third = [x for x in other if not (own and x[0].startswith(own))]
    local = [x for x in other if own and x[0].startswith(own)]

    def spec(p: str, a: str | None) -> str:
        return f'\t{a + " " if a else ""}"{p}"'

    groups = [g for g in (std, third, local) if g]
    body = "\n\n".join("\n".join(spec(p, a) for p, a in g) for g in groups)
    new = f'import (\n{body}\n)' if len(kept) != 1 else f"import {spec(*kept[0]).strip()}"
    return text[:go.char(decl.start_byte)] + new + text[go.char(decl.end_byte):]


def import_path_prefix(wanted: dict[str, str]) -> str | None:
    path = wanted.get(PACKAGE)
    return path.split("/")[0] + "/" if path else None
