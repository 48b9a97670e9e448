"""What every JavaScript/TypeScript wiring shares: the claims function and the login checks carried
from the old handler (with the names they read rebound, or a ZG222 "no user"), the keep note, the
provider import, package.json, and taking out a kept route at cut-over."""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter as ts

from migrate.extract.treesitter import Doc, walk
from migrate.generate.backends import REBIND_RULE, WireContext, is_note, keep_note
from migrate.generate.changes import Edit, with_newlines
from migrate.generate.config import Config
from migrate.generate.page import Page
from migrate.generate.plan import BackendPlan, ClaimMapping
from migrate.lang.javascript.routes import FUNCTIONS

JOSE_VERSION = "^5.9.6"
# Folders that hold no source of the site's own.
_SKIP_DIRS = {"node_modules", ".git", ".next", "dist", "build", "coverage"}


def js(m: ClaimMapping) -> str:
    """The claim's expression with the mapping rule's transform."""
    e, final = m.expression, m.expression.final
    text = " ".join(e.text.split()) if "\n" not in e.text else e.text
    if m.transform == "string" and not (final.kind in ("string", "template") or e.has("stringified")):
        return f"String({text})"
    if m.transform == "boolean" and final.kind != "bool":
        if final.kind == "string" and final.value in ("true", "false"):
            return str(final.value)
        return f"Boolean({text})"
    if m.transform == "number" and final.kind not in ("int", "float"):
        return f"Number({text})"
    return text


def key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_$][\w$]*", name) else json.dumps(name)


def grammar_of(path: str) -> str:
    return "tsx" if path.endswith(".tsx") else "typescript" if path.endswith((".ts", ".mts", ".cts")) else "javascript"


# --- names ----------------------------------------------------------------------------------------

def read_names(text: str, grammar: str = "typescript") -> set[str]:
    """The variables an expression or statement reads (not property names, not its own declarations'
    names)."""
    doc = Doc.parse(grammar, f"({text}\n);".encode() if not _is_statement(text) else text.encode())
    out = set()
    for n in walk(doc.root):
        if n.type in ("identifier", "shorthand_property_identifier"):
            parent = n.parent
            if parent is not None and parent.type == "variable_declarator" and parent.child_by_field_name("name") == n:
                continue
            out.add(doc.text(n))
    return out


def _is_statement(text: str) -> bool:
    return bool(re.match(r"\s*(const|let|var|if|return|try|for|while)\b", text))


def _pattern_names(page: Page, node: ts.Node | None) -> list[str]:
    if node is None:
        return []
    if node.type == "identifier":
        return [page.text(node)]
    names = []
    for n in walk(node):
        if n.type in ("identifier", "shorthand_property_identifier_pattern"):
            parent = n.parent
            # `{ a: b }` binds b, not a; a default value's names are read, not bound
            if parent is not None and parent.type == "pair_pattern" and parent.child_by_field_name("key") == n:
                continue
            if parent is not None and parent.type in ("assignment_pattern", "object_assignment_pattern") and \
                    parent.child_by_field_name("right") == n:
                continue
            names.append(page.text(n))
    return names


def params(page: Page, fn: ts.Node) -> list[ts.Node]:
    """The handler's parameters as written (`req`, `req: Request`, `{ user }`)."""
    ps = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if ps is None:
        return []
    if ps.type != "formal_parameters":
        return [ps]
    return [p for p in ps.named_children if p.type != "comment"]


def param_name(page: Page, p: ts.Node) -> str | None:
    """The plain name of a parameter (`req` of `req: Request`), None for a pattern."""
    inner = p.child_by_field_name("pattern") if p.type in ("required_parameter", "optional_parameter") else p
    return page.text(inner) if inner is not None and inner.type == "identifier" else None


def param_names(page: Page, p: ts.Node) -> list[str]:
    inner = p.child_by_field_name("pattern") if p.type in ("required_parameter", "optional_parameter") else p
    return _pattern_names(page, inner)


def declared_inside(page: Page, fn: ts.Node) -> set[str]:
    """Every name the handler binds: parameters, declarations, catch and loop variables, functions."""
    out = set()
    for p in params(page, fn):
        out.update(param_names(page, p))
    body = fn.child_by_field_name("body")
    if body is None:
        return out
    for n in walk(body):
        if n.type == "variable_declarator":
            out.update(_pattern_names(page, n.child_by_field_name("name")))
        elif n.type in ("function_declaration", "class_declaration"):
            name = n.child_by_field_name("name")
            if name is not None:
                out.add(page.text(name))
        elif n.type == "catch_clause":
            out.update(_pattern_names(page, n.child_by_field_name("parameter")))
        elif n.type in ("for_in_statement",):
            out.update(_pattern_names(page, n.child_by_field_name("left")))
        elif n.type in FUNCTIONS and n != fn:
            for p in params(page, n):
                out.update(param_names(page, p))
    return out


def _before(page: Page, fn: ts.Node, at: int, through: ts.Node | None = None) -> list[ts.Node]:
    """The statements that run before the signing call: those before it in each block from the
    handler's body down to the call's (a try block's included, and the branch `through` that is the
    route: a Worker's `if (url.pathname === '/zendesk/jwt') {...}`)."""
    body = fn.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return []
    out = []
    block: ts.Node | None = body
    entered = through is None  # outside the route's branch only declarations count (not its routing)
    while block is not None:
        inner = None
        for st in block.named_children:
            if st.end_byte <= at:
                if st.type != "comment" and (entered or st.type in ("lexical_declaration", "variable_declaration")):
                    out.append(st)
            elif st.start_byte <= at:
                inner = next((b for b in walk(st) if b.type == "statement_block" and b.start_byte <= at < b.end_byte
                              and b.parent is not None and b.parent.type not in FUNCTIONS), None)
                # only blocks that always run on the way (try, a bare block), not a branch's
                if inner is not None and inner.parent is not None and inner.parent.type not in (
                        "try_statement", "statement_block") and inner.parent != through:
                    inner = None
                if inner is not None and inner.parent == through:
                    entered = True
                break
        block = inner
    return out


def _decl_names(page: Page, st: ts.Node) -> list[str]:
    return [n for d in st.named_children if d.type == "variable_declarator"
            for n in _pattern_names(page, d.child_by_field_name("name"))]


def _uses(text: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<![\w$.]){re.escape(n)}(?![\w$])", text) for n in names)


def is_check(page: Page, st: ts.Node) -> bool:
    """`if (!req.user) return res.sendStatus(401);`: an early return without an else."""
    return st.type == "if_statement" and st.child_by_field_name("alternative") is None and \
        any(n.type == "return_statement" for n in walk(st)) and "sign(" not in page.text(st)


@dataclass
class Carried:
    """What the old handler did before signing that the provider needs."""

    locals: list[str] = field(default_factory=list)  # declarations the claims need, in order
    checks: list[ts.Node] = field(default_factory=list)  # early-return login checks
    check_locals: list[str] = field(default_factory=list)  # declarations the checks need
    other: list[str] = field(default_factory=list)  # first lines of what else ran (for a TODO)


def carried(page: Page, fn: ts.Node, at: int, needed_text: str, through: ts.Node | None = None) -> Carried:
    before = _before(page, fn, at, through)
    out = Carried()
    checks = [st for st in before if is_check(page, st)]
    out.checks = checks
    check_text = "\n".join(page.text(c.child_by_field_name("condition")) for c in checks)
    for target, text in ((out.locals, needed_text), (out.check_locals, check_text)):
        picked = []
        for st in reversed(before):
            if st.type not in ("lexical_declaration", "variable_declaration") or "sign(" in page.text(st):
                continue
            if _uses(text, _decl_names(page, st)):
                picked.append(page.text(st))
                text += "\n" + page.text(st)
        target.extend(reversed(picked))
    used = set(out.locals) | set(out.check_locals)
    for st in before:
        if st in checks or page.text(st) in used:
            continue
        if st.type in ("lexical_declaration", "variable_declaration"):
            continue
        out.other.append(page.text(st).strip().split("\n")[0])
    return out


def rebound(text: str, names: dict[str, str], grammar: str = "typescript") -> str:
    """`text` with each variable in `names` replaced (res -> req.res); properties are left alone."""
    if not names:
        return text
    data = text.encode()
    doc = Doc.parse(grammar, data)
    edits = []
    for n in walk(doc.root):
        if n.type == "identifier" and doc.text(n) in names:
            edits.append((n.start_byte, n.end_byte, names[doc.text(n)]))
        elif n.type == "shorthand_property_identifier" and doc.text(n) in names:
            edits.append((n.start_byte, n.end_byte, f"{doc.text(n)}: {names[doc.text(n)]}"))
    for s, e, new in sorted(edits, reverse=True):
        data = data[:s] + new.encode() + data[e:]
    return data.decode()


@dataclass
class ClaimsCode:
    param: str  # the claims function's parameter as written (`req: AuthedRequest`)
    body: list[str]  # its statements, one a line (unindented)
    is_async: bool
    unbound: list[str]  # names of the old handler the provider cannot hand over (ZG222)
    carried: Carried


def claims_code(page: Page, plan: BackendPlan, fn: ts.Node, at: int, *, request: int = 0,
                rebind: dict[str, str] | None = None, default_param: str = "req",
                null_checks: bool = False, through: ts.Node | None = None) -> ClaimsCode:
    """The claims function of the old handler `fn`: its `request`-th parameter is what the provider
    hands over; `rebind` maps other names to expressions of it (Express: res -> req.res). With
    `null_checks`, the handler's early-return checks become `return null` (nobody signed in).
    `through`: the `if` branch that is the route inside the handler (its statements run first)."""
    grammar = grammar_of(page.src.path)
    ps = params(page, fn)
    param = page.text(ps[request]) if len(ps) > request else default_param
    bound_by_param = set(param_names(page, ps[request])) if len(ps) > request else set()
    rebind = dict(rebind or {})
    exprs = "\n".join(m.expression.text for m in plan.claims)
    c = carried(page, fn, at, exprs, through)
    lines = list(c.locals)
    if null_checks:
        lines = []
        for st in _before(page, fn, at, through):
            if page.text(st) in c.locals or page.text(st) in c.check_locals:
                lines.append(page.text(st))
            elif st in c.checks:
                cond = " ".join(page.text(st.child_by_field_name("condition")).split())
                lines.append(f"if {cond} return null;  // the old route's check: not signed in")
    lines = [" ".join(line.split()) for line in lines]
    carried_names = {n for st in _before(page, fn, at, through) if page.text(st) in set(c.locals) | set(c.check_locals)
                     and st.type in ("lexical_declaration", "variable_declaration") for n in _decl_names(page, st)}
    inside = declared_inside(page, fn)
    read = set()
    for text in [*[m.expression.text for m in plan.claims], *lines]:
        read |= read_names(text, grammar)
    unbound = sorted(n for n in read & inside if n not in bound_by_param and n not in carried_names
                     and n not in rebind)
    rebind = {k: v for k, v in rebind.items() if k in inside and k not in bound_by_param}
    entries = [f"{key(m.target)}: {rebound(js(m), rebind, grammar)},  // {m.source} -> {m.target} ({m.origin})"
               for m in plan.claims]
    entries += [f"// TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    if unbound:
        names = ", ".join(f"`{n}`" for n in unbound)
        body = [f"// TODO(migrate:{REBIND_RULE}): the claims below read {names} of the old route, which the "
                "provider's request does not carry;",
                "// write them from the request, then return them. Until then nobody is signed in.",
                *[f"//   {e}" for e in entries], "return null;"]
        return ClaimsCode(param, body, False, unbound, c)
    body = [rebound(line, rebind, grammar) for line in lines] + ["return {", *[f"  {e}" for e in entries], "};"]
    return ClaimsCode(param, body, any(re.search(r"\bawait\b", line) for line in lines), [], c)


def arrow(code: ClaimsCode, indent: str = "  ") -> str:
    """The claims function as an arrow function, laid out for an options object at `indent`."""
    prefix = "async " if code.is_async else ""
    if len(code.body) > 1 and code.body[0] == "return {" and code.body[-1] == "};":
        inner = "\n".join(f"{indent}  {e.removeprefix('  ')}" for e in code.body[1:-1])
        return f"{prefix}({code.param}) => ({{\n{inner}\n{indent}}})"
    inner = "\n".join(f"{indent}  {line}" for line in code.body)
    return f"{prefix}({code.param}) => {{\n{inner}\n{indent}}}"


# --- the keep note, imports, package.json ------------------------------------------------------------

def keep_note_edit(text: str, line: int, route: str | None, config: Config, newline: str) -> Edit:
    """The ZG220 note on its own line above line `line` (1-based), at that line's indentation."""
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    indent = re.match(r"[ \t]*", text[start:]).group()  # type: ignore[union-attr]
    return Edit(start, start, f"{indent}// {keep_note(route, config)}{newline}")


def piece_start(plan: BackendPlan, fallback: int) -> int:
    s = plan.signer
    return s.span[0] if s.span else fallback


def import_edit(page: Page, esm: bool, names: str, module: str) -> Edit:
    root = page.scripts[0].root
    last = None
    for node in root.named_children:
        text = page.text(node)
        if (esm and node.type == "import_statement") or (not esm and "require(" in text and
                                                          node.type in ("lexical_declaration", "variable_declaration")):
            last = node
    line = f"import {names} from '{module}';" if esm else f"const {names} = require('{module}');"
    nl = page.src.newline
    if last is None:
        # after a 'use strict' directive or a leading comment block
        at = 0
        for node in root.named_children:
            if node.type == "comment" or (node.type == "expression_statement" and
                                          page.text(node).strip("'\";") == "use strict"):
                at = page.offset(node.end_byte)
                continue
            break
        return Edit(at, at, (nl if at else "") + line + ("" if at else nl))
    end = page.offset(last.end_byte)
    return Edit(end, end, nl + line)


def is_esm(text: str, path: str) -> bool:
    if path.endswith((".mjs", ".mts")):
        return True
    if path.endswith((".cjs", ".cts")):
        return False
    return bool(re.search(r"^\s*(import\s.+\sfrom\s+['\"]|export\s)", text, re.MULTILINE)) and "require(" not in text


def package_json(ctx: WireContext, rel_dir: str) -> str | None:
    from migrate.generate.backends import nearest
    return nearest(ctx.root, rel_dir, "package.json")


def _manifest(text: str) -> dict | None:
    """package.json as an object, or None when it is not one migrate can edit (broken JSON, too
    deeply nested, or dependencies that are not objects): it is then left as it is."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    if any(not isinstance(data.get(k, {}), dict) for k in ("dependencies", "devDependencies")):
        return None
    return data


def with_jose(root_text: str) -> str | None:
    """package.json with jose added to dependencies (None when it is already there, or when the
    file cannot be read as JSON)."""
    data = _manifest(root_text)
    if data is None:
        return None
    deps = data.setdefault("dependencies", {})
    if "jose" in deps:
        return None
    deps["jose"] = JOSE_VERSION
    data["dependencies"] = dict(sorted(deps.items()))
    return _dump(data, root_text)


def without_dependency(root_text: str, name: str) -> str | None:
    data = _manifest(root_text)
    if data is None:
        return None
    changed = False
    for section in ("dependencies", "devDependencies"):
        deps = data.get(section) or {}
        for dep in (name, f"@types/{name}"):
            if dep in deps:
                del deps[dep]
                changed = True
    return _dump(data, root_text) if changed else None


def _dump(data: dict, like: str) -> str:
    indent = re.search(r"\n([ \t]+)\"", like)
    newline = "\r\n" if "\r\n" in like else "\n"
    out = json.dumps(data, indent=indent.group(1) if indent else 2, ensure_ascii=False) + "\n"
    return with_newlines(out, newline)


def add_jose(ctx: WireContext, out, rel_dir: str) -> None:
    pkg = package_json(ctx, rel_dir)
    if pkg:  # on top of what the wiring already changed in it (a dependency the cut-over removed)
        updated = with_jose(out.files.get(pkg) or ctx.source(pkg).text)
        if updated is not None:
            out.files[pkg] = updated
            out.why(pkg, f"dependency jose {JOSE_VERSION} for the OpenID provider")


def used_elsewhere(root: Path, pkg_dir: str, spec: str, but: str) -> bool:
    """Whether a source file under pkg_dir other than `but` imports or requires `spec`."""
    quoted = re.compile(rf"""['"]{re.escape(spec)}(?:/[^'"]*)?['"]""")
    base = root / pkg_dir if pkg_dir else root
    for dirpath, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in files:
            if not name.endswith((".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if rel == but:
                continue
            try:
                if quoted.search(path.read_text(encoding="utf-8", errors="replace")):
                    return True
            except OSError:
                continue
    return False


# --- cut-over of a kept route ---------------------------------------------------------------------

def _line_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Whole lines from the one holding `start` to the one holding `end` (with its newline)."""
    s = text.rfind("\n", 0, start) + 1
    e = text.find("\n", end)
    return s, len(text) if e < 0 else e + 1


def removal(text: str, start: int, end: int) -> Edit:
    """Removes lines start..end and the keep note and `// Zendesk ...` comments right above them."""
    s, e = _line_span(text, start, end)
    while s > 0:
        prev = text.rfind("\n", 0, s - 1) + 1
        line = text[prev:s]
        if is_note(line) or (line.strip().startswith("//") and "zendesk" in line.lower()):
            s = prev
            continue
        break
    # one blank line goes too, so the code around closes up
    if text[e:e + 1] == "\n" and (s == 0 or text[s - 2:s] == "\n\n"):
        e += 1
    elif text[e:e + 2] == "\r\n" and (s == 0 or text[s - 4:s] == "\r\n\r\n"):
        e += 2
    return Edit(s, e, "")


def module_imports(doc: Doc) -> list[tuple[ts.Node, str, set[str]]]:
    """(statement, module, names it binds) of the file's imports and top-level requires."""
    out = []
    for node in doc.root.named_children:
        if node.type == "import_statement":
            source = node.child_by_field_name("source")
            if source is None:
                continue
            clause = doc.text(node)[:source.start_byte - node.start_byte]
            names = set(re.findall(r"[A-Za-z_$][\w$]*", clause)) - {"import", "type", "from", "as"}
            out.append((node, doc.text(source)[1:-1], names))
        elif node.type in ("lexical_declaration", "variable_declaration"):
            text = doc.text(node)
            m = re.match(r"(?:const|let|var)\s+(.+?)\s*=\s*require\(\s*['\"]([^'\"]+)['\"]\s*\)(?:\.\w+)?;?\s*$",
                         text, re.DOTALL)
            if m:
                names = set(re.findall(r"[A-Za-z_$][\w$]*", m.group(1)))
                out.append((node, m.group(2), names))
    return out


def unused_imports(text: str, grammar: str, removed: str) -> tuple[str, list[str]]:
    """`text` without the imports that only the removed code used; the modules they named."""
    doc = Doc.parse(grammar, text.encode())
    imports = module_imports(doc)
    code = "\n".join(doc.text(n) for n in doc.root.named_children
                     if n not in {i[0] for i in imports} and n.type != "comment")
    words = set(re.findall(r"[A-Za-z_$][\w$]*", code))
    removed_words = set(re.findall(r"[A-Za-z_$][\w$]*", removed))
    edits, modules = [], []
    for node, module, names in imports:
        if names and not names & words and names & removed_words:
            s, e = _line_span(text, _char(text, node.start_byte), _char(text, node.end_byte) - 1)
            edits.append(Edit(s, e, ""))
            modules.append(module)
    from migrate.generate.changes import apply_edits
    return apply_edits(text, edits), modules


def _char(text: str, byte: int) -> int:
    return len(text.encode()[:byte].decode("utf-8", "surrogateescape"))


def drop_dependencies(ctx: WireContext, out, path: str, modules: list[str]) -> None:
    """package.json without the packages the removed route alone imported."""
    pkg = package_json(ctx, posixpath.dirname(path))
    if not pkg:
        return
    text = out.files.get(pkg) or ctx.source(pkg).text
    pkg_dir = posixpath.dirname(pkg)
    for module in modules:
        if module.startswith((".", "/", "node:")):
            continue
        name = "/".join(module.split("/")[:2]) if module.startswith("@") else module.split("/")[0]
        if used_elsewhere(ctx.root, pkg_dir, name, path):
            continue
        updated = without_dependency(text, name)
        if updated is not None:
            text = updated
            out.files[pkg] = text
            out.why(pkg, f"dependency {name} removed: only the Zendesk token route used it")
