"""ASP.NET Core: the old Zendesk claim expressions, moved from a controller action or a minimal API
handler into the provider's claims function (`ctx => new Dictionary<string, object> { ... }`).

What the old code reached through the controller (`User`, `HttpContext`, `Request`) or through
the handler's parameters (`HttpContext http`, `ClaimsPrincipal user`, services) is reached
through the request context; a local of the handler moves along when it can (no `await`, only
movable names).  An expression that reads anything else would not compile (or would run an
`await` in a synchronous function): the claims function then answers "no user" (null, so the
provider says login_required) under a TODO(migrate:ZG222) naming the expression, with the
claims as the old code wrote them kept in comments, so that no claim is dropped silently.

The old handler's own login checks (`if (!User.Identity.IsAuthenticated) return Unauthorized();`)
come first in the claims function as `if (...) return null;`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import tree_sitter as ts

from migrate.extract.treesitter import Doc, parser, walk
from migrate.generate.plan import BackendPlan, ClaimMapping

# ControllerBase members and what they are on the request context.
CONTROLLER_REWRITES = {
    "User": "{ctx}.User",
    "HttpContext": "{ctx}",
    "Request": "{ctx}.Request",
    "Response": "{ctx}.Response",
    "RouteData": "{ctx}.GetRouteData()",
}
# ControllerBase / Controller members with no request-context equivalent.
CONTROLLER_MEMBERS = frozenset({
    "Url", "ModelState", "ControllerContext", "TempData", "ViewData", "ViewBag", "ObjectValidator",
    "MetadataProvider", "ModelBinderFactory", "ProblemDetailsFactory",
})
# Handler parameters bound from the request itself, by type.
PARAMETER_TYPES = {
    "HttpContext": "{ctx}",
    "HttpRequest": "{ctx}.Request",
    "HttpResponse": "{ctx}.Response",
    "ClaimsPrincipal": "{ctx}.User",
    "CancellationToken": "{ctx}.RequestAborted",
}
# Positions where an identifier names something other than a value in scope.
_NOT_VALUES = frozenset({
    "generic_name", "qualified_name", "type_argument_list", "nullable_type", "array_type", "pointer_type",
    "tuple_element", "type_parameter", "attribute", "name_colon", "name_equals", "typeof_expression",
    "member_binding_expression", "declaration_pattern",
    "recursive_pattern", "tuple_pattern", "implicit_parameter", "local_function_statement",
})
# Results that are strings already: no `.ToString()` for a string claim.
_STRINGY = re.compile(
    r"FindFirstValue\s*\(|\bFindFirst\s*\([^()]*\)\s*[?!]?\s*\.\s*Value\b|\.Identity\s*[?!]?\s*\.\s*Name\b|"
    r"\.(ToString|ToLower\w*|ToUpper\w*|Trim\w*|Substring|Replace|Normalize)\s*\(|\bstring\s*\.\s*\w+\s*\(|"
    r"\bConvert\s*\.\s*ToString\s*\(|\bGetUser(Id|Name)\s*\(")
# Results that are booleans already: no `Convert.ToBoolean(...)` for a boolean claim.
_BOOLEAN = re.compile(
    r"^!|==|!=|<=|>=|&&|\|\||\bis\b|\b(HasClaim|IsInRole|Any|All|Contains|StartsWith|EndsWith|Equals|"
    r"TryParse)\s*\(|\.Is\w+\s*!?$|\bbool\s*\.\s*Parse\s*\(|\bConvert\s*\.\s*ToBoolean\s*\(")
_PRIMARY = frozenset({
    "identifier", "member_access_expression", "invocation_expression", "element_access_expression",
    "parenthesized_expression", "postfix_unary_expression", "conditional_access_expression", "this",
    "string_literal", "verbatim_string_literal", "raw_string_literal", "interpolated_string_expression",
    "integer_literal", "real_literal", "boolean_literal", "character_literal", "generic_name",
    "object_creation_expression", "implicit_object_creation_expression", "typeof_expression",
})
_PREFIX = "var __migrate = "


@dataclass
class Scope:
    """What the names of the old handler become inside `{ctx} => ...`."""

    ctx: str  # the claims function's parameter
    where: str  # "the controller" | "the route handler"
    rewrites: dict[str, str] = field(default_factory=dict)  # name -> replacement ({ctx} placeholder)
    locals: dict[str, tuple[str, bool]] = field(default_factory=dict)  # name -> (initializer, simple declaration)
    stuck: set[str] = field(default_factory=set)  # members and parameters that cannot move


@dataclass(frozen=True)
class Moved:
    text: str  # the expression, rewritten for the claims function
    stuck: tuple[str, ...]  # names it still needs from the old handler
    locals: tuple[str, ...]  # locals of the old handler it uses (moved or not)
    awaits: bool = False


@dataclass
class Claims:
    """The claims function, in C#: `ctx => new Dictionary<string, object> { ... }`."""

    text: str
    usings: tuple[str, ...]  # namespaces the moved expressions need (System.Security.Claims...)
    stuck: dict[str, tuple[str, ...]]  # claim -> names left behind (each has a TODO)


def _parse(text: str) -> tuple[Doc, ts.Node] | None:
    data = (_PREFIX + text + ";").encode("utf-8", "surrogateescape")
    doc = Doc(data, parser("csharp").parse(data))  # not Doc.parse: its one-document cache stays the caller's
    if doc.root.has_error:
        return None
    decl = next((n for n in walk(doc.root) if n.type == "variable_declarator"), None)
    value = decl.named_children[-1] if decl is not None and decl.named_children else None
    return (doc, value) if value is not None else None


def _field(node: ts.Node) -> str | None:
    parent = node.parent
    if parent is None:
        return None
    for i, child in enumerate(parent.children):
        if child.start_byte == node.start_byte and child.end_byte == node.end_byte and child.type == node.type:
            return parent.field_name_for_child(i)
    return None


def references(doc: Doc, root: ts.Node) -> Iterator[tuple[ts.Node, str, int, int]]:
    """(node, name, start byte, end byte) of every name the expression reads from its scope;
    `this.X` counts as X, covering `this.`."""
    bound = set()
    for n in walk(root):
        if n.type == "lambda_expression":
            params = n.child_by_field_name("parameters")
            if params is not None:
                bound |= {doc.text(i) for i in walk(params) if i.type == "identifier"
                          and (i.parent.type != "parameter" or _field(i) == "name")}
    for n in walk(root):
        if n.type != "identifier":
            continue
        parent, role = n.parent, _field(n)
        if parent is None or parent.type in _NOT_VALUES or role in ("name", "type", "returns", "alias"):
            if not (parent is not None and parent.type == "member_access_expression" and role == "name"
                    and _is_this(parent.child_by_field_name("expression"))):
                continue
            yield n, doc.text(n), parent.start_byte, n.end_byte  # this.Name
            continue
        if parent.type == "anonymous_object_creation_expression" and \
                n.next_sibling is not None and n.next_sibling.type == "=":
            continue
        if parent.type == "assignment_expression" and role == "left" and parent.parent is not None and \
                parent.parent.type == "initializer_expression":
            continue
        name = doc.text(n)
        if name in bound:
            continue
        yield n, name, n.start_byte, n.end_byte


def _is_this(node: ts.Node | None) -> bool:
    return node is not None and node.type in ("this", "this_expression")


def move(text: str, scope: Scope) -> Moved:
    """The expression with the old handler's names replaced by what they are on the context."""
    parsed = _parse(text)
    if parsed is None:  # not an expression tree-sitter reads: leave it, flag every known name in it
        names = [w for w in re.findall(r"(?<![\w.])[A-Za-z_]\w*", text)]
        stuck = tuple(dict.fromkeys(n for n in names if n in scope.stuck or n in scope.locals))
        return Moved(text, stuck, (), "await" in names)
    doc, root = parsed
    edits: list[tuple[int, int, str]] = []
    stuck: list[str] = []
    used: list[str] = []
    for _node, name, start, end in references(doc, root):
        if name in scope.locals:
            used.append(name)
        elif name in scope.rewrites:
            edits.append((start, end, scope.rewrites[name].format(ctx=scope.ctx)))
        elif name in scope.stuck:
            stuck.append(name)
    out = doc.data
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new.encode() + out[end:]
    awaits = any(n.type == "await_expression" for n in walk(root))
    moved = out[len(_PREFIX.encode()):-1].decode("utf-8", "surrogateescape")
    return Moved(moved, tuple(dict.fromkeys(stuck)), tuple(dict.fromkeys(used)), awaits)


def _wrap(text: str) -> str:
    parsed = _parse(text)
    return text if parsed is not None and parsed[1].type in _PRIMARY else f"({text})"


def transformed(m: ClaimMapping, text: str) -> str:
    """The transform the mapping rule asks for, in C#."""
    final = m.expression.final
    if m.transform == "string":
        if final.kind in ("string", "template") or m.expression.has("stringified") or _STRINGY.search(final.text):
            return text
        return f"{_wrap(text)}.ToString()"
    if m.transform == "boolean" and final.kind != "bool":
        if final.kind == "string" and final.value in ("true", "false"):
            return str(final.value)
        if _BOOLEAN.search(final.text):
            return text
        return f"Convert.ToBoolean({text})"
    if m.transform == "number" and final.kind not in ("int", "float"):
        return f"Convert.ToInt64({text})"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _reindent(text: str, indent: str = "") -> str:
    """A multi-line expression, its continuation lines one level under its first line (which is
    at `indent`, relative to the claims function)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) == 1:
        return _one_line(text)
    rest = [line for line in lines[1:] if line.strip()]
    common = min((len(line) - len(line.lstrip()) for line in rest), default=0)
    return "\n".join([lines[0].rstrip()] + [indent + "    " + line[common:].rstrip() if line.strip() else ""
                                           for line in lines[1:]])


def _todo(m: ClaimMapping, names: tuple[str, ...], awaits: bool, scope: Scope) -> str:
    why = []
    if names:
        why.append(f"reads {', '.join(names)}, unknown here (it was in {scope.where})")
    if awaits:
        why.append("awaits (the claims function is synchronous)")
    return (f"// TODO(migrate:ZG222): {m.target}: `{_one_line(m.expression.text)}` {' and '.join(why)}; "
            f"write it from {scope.ctx}")


@dataclass(frozen=True)
class Check:
    """A login check of the old handler, carried into the claims function: `if (cond) return null;`."""

    condition: str  # as the old code wrote it
    comment: str = "the old handler's login check"


def claims_function(plan: BackendPlan, scope: Scope, checks: tuple[Check, ...] = (),
                    refuse: str | None = None, null_checks: bool = False) -> Claims:
    """`ctx => new Dictionary<string, object> { ["sub"] = ..., ... }` (a block when locals move
    along, a login check comes first, or a claim cannot move and the function answers no user).

    `refuse`: the TODO text when the old endpoint had no login guard at all; the function then
    starts by refusing whoever is not authenticated. `null_checks`: a moved local the claims read
    members of (`customer.Email`) is the signed-in visitor, and no visitor when it is null."""
    moved = {m.target: move(m.expression.text, scope) for m in plan.claims}
    # Locals the expressions use, in declaration order, each moved when all it needs can move.
    movable: dict[str, Moved | None] = {}

    def resolve(name: str, seen: frozenset[str]) -> Moved | None:
        if name in movable:
            return movable[name]
        initializer, simple = scope.locals[name]
        mv = move(initializer, scope) if simple else None
        ok = mv is not None and not mv.stuck and not mv.awaits and name not in seen
        if ok:
            for dep in mv.locals:  # type: ignore[union-attr]
                if resolve(dep, seen | {name}) is None:
                    ok = False
        movable[name] = mv if ok else None
        return movable[name]

    def left_behind(mv: Moved) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*mv.stuck, *(n for n in mv.locals if resolve(n, frozenset()) is None)]))

    stuck: dict[str, tuple[str, ...]] = {}
    for target, mv in moved.items():
        left = left_behind(mv)
        if left or mv.awaits:
            stuck[target] = left
    guards: list[tuple[Check, Moved]] = [(c, move(c.condition, scope)) for c in checks]
    stuck_guards = [(c, mv, left_behind(mv)) for c, mv in guards if left_behind(mv) or mv.awaits]
    order = list(scope.locals)
    used = {n for mv in [*moved.values(), *(mv for _, mv in guards)] for n in mv.locals}
    declared = sorted((n for n, mv in movable.items() if mv is not None and n in _closure(used, movable)),
                      key=order.index)

    lines = []
    for m in plan.claims:
        mv = moved[m.target]
        value = _reindent(transformed(m, mv.text))
        lines.append(f"[{json.dumps(m.target)}] = {value},  // {m.source} -> {m.target} ({m.origin})")
    lines += [f"// TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    code = [mv.text for mv in moved.values()] + [movable[n].text for n in declared]  # type: ignore[union-attr]
    code += [mv.text for _, mv in guards]
    usings = ("System.Security.Claims",) if re.search(r"\bClaim\w*|\bFindFirst", " ".join(code)) else ()

    if stuck or stuck_guards:
        # Code reading a name the request context does not have would not compile: no user until
        # the claim is written by hand.
        todos = [_todo(m, stuck[m.target], moved[m.target].awaits, scope) for m in plan.claims if m.target in stuck]
        todos += [f"// TODO(migrate:ZG222): the login check `{_one_line(c.condition)}` reads "
                  f"{', '.join(left) or 'an await'}, unknown here (it was in {scope.where}); write it from {scope.ctx}"
                  for c, _, left in stuck_guards]
        kept = ["// Until then nobody is signed in (login_required). The claims, as the old code wrote them:",
                "// return new Dictionary<string, object>", "// {"]
        kept += ["//     " + line if line else "//" for line in "\n".join(lines).split("\n")]
        kept += ["// };", "return null;"]
        body = "\n".join("    " + line for line in [*todos, *kept])
        return Claims(f"{scope.ctx} =>\n{{\n{body}\n}}", (), stuck)

    prelude: list[str] = []
    visitors = [n for n in declared if null_checks and any(
        re.search(rf"(?<![\w.]){re.escape(n)}\s*[?!]?\s*\.", mv.text) for mv in moved.values())]
    if visitors:
        refuse = None  # the visitor's own record says who is signed in
    if refuse is not None:
        prelude += _wrapped_todo(refuse)
        prelude.append(f"if ({scope.ctx}.User.Identity?.IsAuthenticated != true) return null;")
    # A check reading locals of the old handler comes right after the last of them is declared.
    waiting = list(guards)
    ready: set[str] = set()

    def checks_ready() -> None:
        for c, mv in list(waiting):
            if set(mv.locals) <= ready:
                if not any(line.startswith(f"if ({_one_line(mv.text)}) return null;") for line in prelude):
                    prelude.append(f"if ({_one_line(mv.text)}) return null;  // {c.comment}")
                waiting.remove((c, mv))

    checks_ready()
    for n in declared:
        prelude.append(f"var {n} = {_reindent(movable[n].text, '')};")  # type: ignore[union-attr]
        ready.add(n)
        if n in visitors:
            prelude.append(f"if ({n} == null) return null;  // nobody signed in")
        checks_ready()
    if not prelude:
        body = "\n".join("    " + line if line else line for line in "\n".join(lines).split("\n"))
        return Claims(f"{scope.ctx} => new Dictionary<string, object>\n{{\n{body}\n}}", usings, stuck)
    body = "\n".join("        " + line if line else line for line in "\n".join(lines).split("\n"))
    decls = "\n".join("    " + line if line else line for line in "\n".join(prelude).split("\n"))
    text = f"{scope.ctx} =>\n{{\n{decls}\n    return new Dictionary<string, object>\n    {{\n{body}\n    }};\n}}"
    return Claims(text, usings, stuck)


def _closure(names: set[str], movable: dict[str, Moved | None]) -> set[str]:
    """The locals `names` need, with the locals those need in turn."""
    out: set[str] = set()
    todo = list(names)
    while todo:
        n = todo.pop()
        if n in out:
            continue
        out.add(n)
        mv = movable.get(n)
        todo += list(mv.locals) if mv is not None else []
    return out


def _wrapped_todo(text: str) -> list[str]:
    import textwrap
    wrapped = textwrap.wrap(f"TODO(migrate:ZG223): {text}", 96, break_on_hyphens=False)
    return [f"// {wrapped[0]}", *(f"//   {line}" for line in wrapped[1:])]
