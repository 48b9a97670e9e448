"""Plain PHP: the script that signed the Zendesk JWT becomes the front controller of the OpenID
provider (genesys_oidc_handle), with the script's own login check as the guard and the claims
computed by the old code's own expressions. Laravel reuses the helpers here."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass

import tree_sitter as ts

from migrate.extract.treesitter import Doc
from migrate.generate.backends import WireContext, Wiring, WiringError, keep_note, nearest
from migrate.generate.changes import Edit, SourceFile, apply_edits, with_newlines
from migrate.generate.plan import BackendPlan, ClaimMapping
from migrate.generate.positions import byte_offset, char_offset
from migrate.generate.render import render
from migrate.lang.php import routes
from migrate.lang.php.frameworks import notes

PROVIDER = "genesys-oidc-provider.php"
EXTENSION = "ext-openssl"  # RS256 through openssl_sign: the provider needs no Composer package
_STOPS = re.compile(r"\b(exit|die|throw|return)\b|header\s*\(\s*['\"]Location", re.I)
_VAR = re.compile(r"\$([A-Za-z_]\w*)")


# --- shared with the Laravel wiring -----------------------------------------------------------------


@dataclass
class Script:
    """A PHP file parsed with tree-sitter, with byte <-> character offsets."""

    src: SourceFile
    doc: Doc

    @classmethod
    def parse(cls, src: SourceFile) -> Script:
        return cls(src, Doc.parse("php", src.data))

    def text(self, node: ts.Node) -> str:
        return self.doc.text(node)

    def offset(self, byte: int) -> int:
        return char_offset(self.src.data, byte)

    def byte_at(self, line: int, column: int) -> int:
        """Byte offset of a 1-based line and character column."""
        return byte_offset(self.src.text, line, column)

    def line_range(self, node: ts.Node) -> tuple[int, int]:
        """Character range of the node's whole lines (with the newline after them)."""
        text = self.src.text
        start = self.offset(node.start_byte)
        end = self.offset(node.end_byte)
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip():
            line_start = start
        line_end = text.find("\n", end)
        if line_end < 0:
            line_end = len(text)
        elif not text[end:line_end].strip():
            line_end += 1
        else:
            line_end = end
        return line_start, line_end


def php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def php_expression(m: ClaimMapping) -> str:
    e, final = m.expression, m.expression.final
    text = " ".join(e.text.split()) if "\n" not in e.text else e.text
    if m.transform == "string" and not (final.kind in ("string", "template") or e.has("stringified")):
        return f"(string) ({text})"
    if m.transform == "boolean" and final.kind != "bool":
        if final.kind == "string" and final.value in ("true", "false"):
            return str(final.value)
        return f"(bool) ({text})"
    if m.transform == "number" and final.kind not in ("int", "float"):
        return f"0 + ({text})"
    return text


def claim_lines(plan: BackendPlan) -> list[str]:
    """`'target' => expression,  // source -> target (origin)` per claim, then the TODOs."""
    lines = [f"{php_string(m.target)} => {php_expression(m)},  // {m.source} -> {m.target} ({m.origin})"
             for m in plan.claims]
    return lines + [f"// TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]


def needed_locals(assignments: list[tuple[set[str], str]], used: str) -> list[str]:
    """The assignments (in order) whose variables `used` needs, transitively."""
    needed, text = [], used
    for names, stmt in reversed(assignments):
        if any(re.search(rf"\${re.escape(n)}(?!\w)", text) for n in names) and "encode(" not in stmt:
            needed.append(stmt)
            text += "\n" + stmt
    return list(reversed(needed))


def assigned(script: Script, stmt: ts.Node) -> set[str] | None:
    """The variables an `$x = ...;` statement assigns, or None for any other statement."""
    if stmt.type != "expression_statement" or not stmt.named_children:
        return None
    expr = stmt.named_children[0]
    if expr.type not in ("assignment_expression", "augmented_assignment_expression"):
        return None
    left = expr.child_by_field_name("left")
    return set(_VAR.findall(script.text(left))) if left is not None else None


def reindent(text: str, indent: str) -> list[str]:
    """A statement's lines moved to `indent` (its continuation lines keep their relative indent)."""
    lines = text.split("\n")
    rest = [x for x in lines[1:] if x.strip()]
    common = min((len(x) - len(x.lstrip()) for x in rest), default=0)
    base = 0
    if rest and lines[-1].strip() in ("}", "];", ")", ");", "});"):
        base = len(lines[-1]) - len(lines[-1].lstrip())
    shift = min(common, base) if rest else 0
    return [indent + lines[0]] + [indent + x[shift:] if x.strip() else "" for x in lines[1:]]


def composer_with_extension(text: str) -> str | None:
    """composer.json requiring ext-openssl (None when it already does, or when the file is not JSON
    migrate can edit: it is then left as it is), in the file's own style."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    require = data.get("require", {}) if isinstance(data, dict) else None
    if not isinstance(require, dict) or EXTENSION in require:
        return None
    platform = {k: v for k, v in require.items() if k == "php" or k.startswith("ext-")}
    platform[EXTENSION] = "*"
    ordered = {k: platform[k] for k in sorted(platform, key=lambda k: (k != "php", k))}
    ordered.update({k: v for k, v in require.items() if k not in ordered})
    data["require"] = ordered
    indent = re.search(r"\n([ \t]+)\"", text)
    out = json.dumps(data, indent=indent.group(1) if indent else 4, ensure_ascii=False) + "\n"
    return with_newlines(out.replace("/", "\\/") if "\\/" in text else out, "\r\n" if "\r\n" in text else "\n")


def add_composer(ctx: WireContext, out: Wiring, rel_dir: str) -> None:
    composer = nearest(ctx.root, rel_dir, "composer.json")
    if composer:
        updated = composer_with_extension(ctx.source(composer).text)
        if updated is not None:
            out.files[composer] = updated
            out.why(composer, f"requires {EXTENSION}: the OpenID provider signs RS256 with openssl_sign")


def drop_unused_jwt_import(text: str) -> str:
    """`use Firebase\\JWT\\JWT;` (and Key) removed when nothing in the file uses them any more."""
    for m in list(re.finditer(r"^[ \t]*use\s+Firebase\\JWT\\(\w+)(?:\s+as\s+(\w+))?\s*;[ \t]*\r?\n", text, re.M)):
        name = m.group(2) or m.group(1)
        rest = text.replace(m.group(0), "", 1)
        if not re.search(rf"(?<![\w\\$]){re.escape(name)}\s*::|new\s+{re.escape(name)}\b", rest):
            text = rest
    return text


def is_zendesk_comment(script: Script, node: ts.Node) -> bool:
    return node.type == "comment" and "zendesk" in script.text(node).lower()


# --- plain PHP ----------------------------------------------------------------------------------------


FRONT = "genesys-oidc.php"  # the provider's front controller beside a kept Zendesk token script


def wire(ctx: WireContext) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    script = Script.parse(src)
    out = Wiring(route=routes.script_route(s.path))
    if ctx.cutover and ctx.kept:
        kept_for = _still_used(ctx, script)
        if kept_for is None:
            out.deleted.add(s.path)
            out.why(s.path, f"deleted at cut-over: the script only served the Zendesk token route {out.route}")
        else:
            out.files[s.path] = _rewrite(script, plan, config.issuer_path, cut=True)
            out.why(s.path, f"line {s.line}: Zendesk JWT script's code removed at cut-over; the script answers 404 "
                            f"(it is kept: {kept_for})")
        return out
    text = _rewrite(script, plan, config.issuer_path)
    folder = posixpath.dirname(s.path)
    if ctx.cutover:
        front = s.path
        out.files[s.path] = text
        out.why(s.path, f"line {s.line}: Zendesk JWT script -> front controller of the OpenID provider at "
                        f"{config.issuer_path} [{plan.view.profile}.yaml]")
    else:
        front = posixpath.join(folder, FRONT)
        out.new_files[front] = text
        out.why(front, f"new: the OpenID provider's front controller for {config.issuer_path}, with the claims and "
                       f"login check of {s.path} [{plan.view.profile}.yaml]")
        noted, _ = notes.insert_note(src.text, (s.span[0] if s.span else s.line) - 1, keep_note(out.route, config))
        out.files[s.path] = noted
        out.why(s.path, f"line {s.line}: Zendesk JWT script kept until cut-over (TODO(migrate:ZG220))")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x.startswith("$handled = genesys_oidc_handle("))
    out.mounted = f"{front}:{line}"
    provider_path = posixpath.join(folder, PROVIDER)
    out.new_files[provider_path] = with_newlines(render("php/oidc-provider.php.j2", issuer_path=config.issuer_path),
                                                 src.newline)
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, "
                           "PKCE, nonce) [templates/php]")
    add_composer(ctx, out, folder)
    return out


def _still_used(ctx: WireContext, script: Script) -> str | None:
    """Why the Zendesk token script cannot simply be deleted at cut-over (it defines functions or
    classes, or another PHP file of the site requires it), or None when it only served the route."""
    defined = [n for n in script.doc.root.named_children if n.type in ("function_definition", "class_declaration",
                                                                        "interface_declaration", "trait_declaration",
                                                                        "enum_declaration", "const_declaration")]
    if defined:
        return "it also defines code of its own"
    path = script.src.path
    name = re.escape(posixpath.basename(path))
    include = re.compile(rf"\b(?:require|include)(?:_once)?\b[^;]*['\"/]{name}['\"]")
    for other in sorted(ctx.root.rglob("*.php")):
        rel = other.relative_to(ctx.root).as_posix()
        if rel == path or rel.startswith(("vendor/", ".git/")) or "/vendor/" in rel:
            continue
        try:
            text = other.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if include.search(text):
            return f"{rel} includes it"
    return None


def _rewrite(script: Script, plan: BackendPlan, issuer_path: str, cut: bool = False) -> str:
    """The script with its top-level code from the first statement that is not a require, import
    or comment replaced by the provider's front controller (the old guard and claims carried), or,
    with `cut`, by a 404."""
    s = plan.signer
    at = script.byte_at(s.line, s.column)
    top = script.doc.root.named_children
    node = routes.top_level(script.doc, at)
    index = next((i for i, n in enumerate(top) if n == node), None)
    if node is None or index is None:
        raise WiringError("the signing code is not a script's top-level code")
    prelude_types = {"php_tag", "namespace_use_declaration", "declare_statement", "comment", "text",
                     "text_interpolation"}
    assignments: list[tuple[set[str], str]] = []
    guard: list[str] = []
    removed: list[ts.Node] = []
    for node in top[:index]:
        if node.type in prelude_types:
            if is_zendesk_comment(script, node):
                removed.append(node)
            continue
        body = script.text(node)
        if re.match(r"(require|include)(_once)?\b", body):
            continue
        removed.append(node)
        names = assigned(script, node)
        if names is not None:
            assignments.append((names, body))
        elif not re.match(r"header\s*\(", body):  # response headers of the old endpoint go with it
            guard.append(body)
    removed += top[index:]
    claims_locals = needed_locals(assignments, "\n".join(m.expression.text for m in plan.claims))
    guard_locals = needed_locals(assignments, "\n".join(guard))
    nl = script.src.newline

    lines = ["// Genesys Cloud Messenger signs visitors in through the OpenID provider served by this script",
             "// (it takes over from the Zendesk token endpoint); Genesys redeems the codes it issues. Route",
             f"// every path under {issuer_path}/ here, e.g. Apache: RewriteRule ^{issuer_path.strip('/')}/ "
             f"/{FRONT if not cut and posixpath.basename(s.path) != FRONT else posixpath.basename(s.path)} [L]",
             "$handled = genesys_oidc_handle(",
             "    (string) parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH),",
             "    // the signed-in visitor's claims, from the old Zendesk token's expressions",
             "    function (): ?array {"]
    bound = {v for stmt in claims_locals for v in notes.variables(stmt.split("=", 1)[0])}
    free = {m.target: notes.unbound(m.expression.text, bound) for m in plan.claims}
    if any(free.values()):
        lines += [f"        // {notes.unbound_todo(m.expression.text, free[m.target], 'here')}"
                  for m in plan.claims if free[m.target]]
        lines += ["        // return ["] + [" " * 8 + "//     " + c for c in claim_lines(plan)]
        lines += ["        // ];", "        return null;", "    },"]
    else:
        for stmt in claims_locals:
            lines += reindent(stmt, " " * 8)
        lines.append("        return [")
        lines += [" " * 12 + c for c in claim_lines(plan)]
        lines += ["        ];", "    },"]
    if guard:
        lines += ["    // the old endpoint's login check, run before /authorize only", "    function (): bool {"]
        for stmt in guard_locals + guard:
            lines += reindent(stmt, " " * 8)
        if not any(_STOPS.search(g) for g in guard):
            lines.append("        // TODO(migrate:ZG223): the old endpoint refused nobody; add the site's login check")
        lines += ["        return true;", "    }"]
    else:
        lines += ["    // TODO(migrate:ZG223): the old endpoint had no login check; until the site's own replaces this",
                  "    // guard, nobody is signed in here",
                  "    function (): bool {", "        http_response_code(401);", "        return false;", "    }"]
    lines += [");", "if (!$handled) {", "    http_response_code(404);", "}"]
    if cut:
        lines = [f"// The Zendesk token endpoint was removed at cut-over (Messenger signs in at {issuer_path}): "
                 "delete this script.", "http_response_code(404);"]
    block = nl.join(lines) + nl

    text = script.src.text
    edits = []
    for node in removed:
        start, end = script.line_range(node)
        edits.append(Edit(start, end, block if node is removed[-1] else ""))
    # The provider is loaded after the script's own requires (or right after <?php).
    anchor = None
    for node in top[:index]:
        if re.match(r"(require|include)(_once)?\b", script.text(node)):
            anchor = node
    if anchor is None:
        anchor = top[0]
    end = script.offset(anchor.end_byte)
    if not cut:
        edits.append(Edit(end, end, f"{nl}require_once __DIR__ . '/{PROVIDER}';"))
    out = apply_edits(text, edits)
    out = drop_unused_jwt_import(out)
    return re.sub(r"(\r?\n)(?:[ \t]*\r?\n){2,}", r"\1\1", out)
