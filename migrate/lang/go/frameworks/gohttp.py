"""Go (net/http, chi, gin): the Zendesk token handler's registration becomes the OpenID provider
(package genesysoidc) mounted at the issuer path, with the route's own login middleware as the
guard of /authorize and the claims computed by the old handler's own expressions."""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from migrate.extract.treesitter import string_value, walk
from migrate.generate.backends import WireContext, Wiring, WiringError, nearest
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.plan import BackendPlan, ClaimMapping
from migrate.generate.positions import Parsed, comment_start
from migrate.generate.render import render
from migrate.lang.go import routes

PACKAGE = "genesysoidc"
MODULES = (("github.com/go-jose/go-jose/v4", "v4.1.9"), ("github.com/golang-jwt/jwt/v5", "v5.3.1"))


def wire(ctx: WireContext) -> Wiring:
    """The server file rewritten, the provider package, and the JOSE modules in go.mod."""
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
    texts, route = _rewrite(src, [ctx.source(p) for p in siblings], plan, config.issuer_path, import_path)
    out = Wiring(route=route)
    for path, text in texts.items():
        out.files[path] = text
        out.why(path, f"line {s.line}: Zendesk JWT handler -> OpenID provider at {config.issuer_path} "
                      f"[{plan.view.profile}.yaml]" if path == s.path else
                f"the Zendesk JWT handler's registration -> OpenID provider at {config.issuer_path}")
    provider_path = posixpath.join(pkg_dir, f"{PACKAGE}.go")
    out.new_files[provider_path] = with_newlines(render("go/genesysoidc.go.j2", issuer_path=config.issuer_path),
                                                 src.newline)
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, "
                           "PKCE, nonce) [templates/go]")
    updated = go_mod(mod_text)
    if updated is not None:
        out.files[gomod] = updated
        out.why(gomod, "modules " + ", ".join(f"{m} {v}" for m, v in MODULES)
                + " for the OpenID provider (run `go mod tidy` to update go.sum)")
    return out


def go_mod(text: str) -> str | None:
    """go.mod requiring golang-jwt v5 and go-jose v4 (None when it already does)."""
    missing = [(m, v) for m, v in MODULES if not re.search(rf"^\s*(require\s+)?{re.escape(m)}\s", text, re.M)]
    if not missing:
        return None
    nl = "\r\n" if "\r\n" in text else "\n"
    block = re.search(r"^require \($(.*?)^\)", text, re.M | re.S)
    lines = [f"\t{m} {v}" for m, v in missing]
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
        return text[:start] + "require (" + nl + nl.join(sorted(body, key=str.strip)) + nl + ")" + nl + text[start:]
    return text.rstrip() + nl + nl + "require (" + nl + nl.join(lines) + nl + ")" + nl


def _guards(go: Parsed, found: routes.Registration, handler: ts.Node | None, name: str | None
            ) -> tuple[list[str], list[str]]:
    """(net/http middleware wrapping the handler, gin handlers before it)."""
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
    gin = [go.text(a) for a in args[:-1]] if found.name in routes.GIN else []
    node = args[-1]
    while node.type == "call_expression":
        callee = node.child_by_field_name("function")
        inner = [a for a in node.child_by_field_name("arguments").named_children
                 if routes.refers(go.doc, a, handler, name)]
        if not inner:
            break
        if go.text(callee) not in ("http.HandlerFunc", "gin.WrapH", "gin.WrapF"):
            wrappers.append(go.text(callee))
        node = inner[0]
    return wrappers, gin


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
        if "http.Request" in go.text(p.child_by_field_name("type")) or "gin.Context" in go.text(p.child_by_field_name("type")):
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


def _locals(go: Parsed, handler: ts.Node, before: int, used: str) -> list[ts.Node]:
    body = handler.child_by_field_name("body")
    if body is not None and any(c.type == "statement_list" for c in body.named_children):
        body = next(c for c in body.named_children if c.type == "statement_list")
    stmts = [st for st in body.named_children if st.end_byte <= before and st.type in
             ("short_var_declaration", "var_declaration", "assignment_statement")] if body is not None else []
    needed, text = [], used
    for st in reversed(stmts):
        left = st.child_by_field_name("left")
        names = re.findall(r"\w+", go.text(left) if left is not None else go.text(st).split("=")[0])
        if any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", text) for n in names if n not in ("var", "_")) and \
                "jwt." not in go.text(st):
            needed.append(st)
            text += "\n" + go.text(st)
    return list(reversed(needed))


def _nil_checked(go: Parsed, handler: ts.Node, name: str) -> bool:
    return bool(re.search(rf"\bif\s+{re.escape(name)}\s*==\s*nil\b", go.text(handler)))


def _claims_func(go: Parsed, plan: BackendPlan, handler: ts.Node, at: int, indent: str, gin: bool) -> str:
    param = _request_param(go, handler) or ("c" if gin else "r")
    width = max((len(f'"{m.target}":') for m in plan.claims), default=0)
    entries = [(f'"{m.target}":'.ljust(width) + f" {_go_value(m)},", f"// {m.source} -> {m.target} ({m.origin})")
               for m in plan.claims]
    cwidth = max((len(a) for a, _ in entries), default=0)
    lines = [f"{a.ljust(cwidth)} {b}" for a, b in entries]
    lines += [f"// TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    out = [f"func({'r' if gin else param} *http.Request) map[string]any {{"]
    if gin:
        out.append(f"\t{param}, _ := r.Context().Value(gin.ContextKey).(*gin.Context)")
    for st in _locals(go, handler, at, "\n".join(m.expression.text for m in plan.claims)):
        out.append("\t" + go.text(st).replace("\n", "\n\t"))
        left = st.child_by_field_name("left")
        for n in re.findall(r"\w+", go.text(left) if left is not None else ""):
            if _nil_checked(go, handler, n):
                out.append(f"\tif {n} == nil {{\n\t\treturn nil\n\t}}")
    out.append("\treturn map[string]any{")
    out += [f"\t\t{ln}" for ln in lines]
    out += ["\t}", "}"]
    return ("\n" + indent).join(out)


def _rewrite(src: SourceFile, siblings: list[SourceFile], plan: BackendPlan, issuer_path: str,
             import_path: str) -> tuple[dict[str, str], str]:
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
    gin = _is_gin(go, handler)
    same = reg_go is go
    wrappers, gin_guards = _guards(reg_go, found, handler if same else None, name)
    stmt = reg
    while stmt.parent is not None and stmt.parent.type not in ("block", "source_file", "statement_list"):
        stmt = stmt.parent
    line_start = reg_go.line_start(stmt.start_byte)
    indent = reg_go.text_[reg_go.char(line_start):reg_go.char(stmt.start_byte)]
    if not indent.strip() == "":
        indent = ""
    receiver = reg.child_by_field_name("function").child_by_field_name("operand")
    while receiver.type == "call_expression":  # chi r.With(...).Get -> r
        receiver = receiver.child_by_field_name("function").child_by_field_name("operand")
    router = reg_go.text(receiver)
    old_path = string_value(reg_go.doc, found.path)
    claims = _claims_func(go, plan, handler, at, indent, gin)
    comment = (f"// Genesys Cloud Messenger signs visitors in through this OpenID provider (it replaces the\n"
               f"{indent}// Zendesk token route {old_path}); Genesys redeems the codes it issues.\n{indent}")
    if gin:
        guards = " ".join(f"{g}," for g in gin_guards)
        if not gin_guards:
            guards = ""
        new = (f"{comment}oidc := genesysoidc.Handler({claims}, nil)\n"
               f"{indent}{router}.GET({issuer_path + '/.well-known/openid-configuration'!r}, gin.WrapH(oidc))\n"
               f"{indent}{router}.GET({issuer_path + '/jwks.json'!r}, gin.WrapH(oidc))\n"
               f"{indent}{router}.GET({issuer_path + '/authorize'!r}, {guards + ' ' if guards else ''}func(c *gin.Context) {{\n"
               f"{indent}\toidc.ServeHTTP(c.Writer, c.Request.WithContext(context.WithValue(c.Request.Context(), "
               f"gin.ContextKey, c)))\n{indent}}})\n"
               f"{indent}{router}.POST({issuer_path + '/token'!r}, gin.WrapH(oidc))\n"
               f"{indent}{router}.GET({issuer_path + '/userinfo'!r}, gin.WrapH(oidc))")
        new = new.replace("'", '"')
        if not gin_guards:
            new = new.replace(f"{comment}", f"{comment}// TODO(migrate:ZG107): the old route had no login guard; "
                                           f"add the site's login middleware to {issuer_path}/authorize\n{indent}", 1)
    else:
        if not wrappers:
            guard = "nil"
            todo = (f"// TODO(migrate:ZG107): the old route had no login guard; pass the site's login "
                    f"middleware instead of nil\n{indent}")
        elif len(wrappers) == 1:
            guard, todo = wrappers[0], ""
        else:
            chain = "next"
            for w in reversed(wrappers):
                chain = f"{w}({chain})"
            guard, todo = f"func(next http.Handler) http.Handler {{ return {chain} }}", ""
        chi = reg_go.text(reg.child_by_field_name("function").child_by_field_name("field")) in ("Get", "Post", "Put", "Patch", "Delete", "Method", "MethodFunc") \
            or "github.com/go-chi/chi" in reg_src.text
        mount = f'{router}.Mount("{issuer_path}", ' if chi else f'{router}.Handle("{issuer_path}/", '
        new = f"{comment}{todo}{mount}genesysoidc.Handler({claims}, {guard}))"
    start, end = comment_start(reg_go.data, stmt.start_byte), stmt.end_byte
    edits: dict[str, list[Edit]] = {src.path: [], reg_src.path: []}
    edits[reg_src.path].append(Edit(reg_go.char(start), reg_go.char(end), new))
    if handler.type != "func_literal" and not _used_elsewhere(go, handler, name, reg if same else None) and \
            (same or not _used_elsewhere(reg_go, None, name, reg)):
        d0 = _doc_start(go, handler.start_byte)
        d1 = handler.end_byte
        tail = go.data[d1:]
        skip = len(tail) - len(tail.lstrip(b"\r\n")) if tail.lstrip(b"\r\n") else 0
        newlines = tail[:skip].count(b"\n")
        edits[src.path].append(Edit(go.char(d0), go.char(d1 + (skip if newlines >= 2 else 0)), ""))
    wanted = {PACKAGE: import_path, "fmt": "fmt"}
    if gin:
        wanted["context"] = "context"
    out = {}
    for f in (src, reg_src):
        if f.path in out or not edits[f.path]:
            continue
        text = apply_edits(f.text, edits[f.path])
        out[f.path] = with_newlines(_fix_imports(text.replace("\r\n", "\n"), wanted), f.newline)
    return out, found.route


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


def _fix_imports(text: str, wanted: dict[str, str]) -> str:
    """Drop imports the file no longer uses; add the wanted ones it uses (stdlib first, then others)."""
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

    kept = [(p, a) for p, a in specs if used(_import_name(p, a))]
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
