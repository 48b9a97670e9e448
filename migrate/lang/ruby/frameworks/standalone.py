"""Ruby signing code no framework wiring reaches (a service object, a helper, an unknown framework):
the provider core (templates/ruby/genesys_oidc.rb.j2) and a sign-in module carrying the old
token's claims are written next to the signer, and a TODO(migrate:ZG221) above the signing code
says where to mount it. Nothing is removed."""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from migrate.extract.treesitter import Doc, walk
from migrate.generate.backends import MOUNT_RULE, WireContext, Wiring, is_note, mount_note, nearest
from migrate.generate.changes import with_newlines
from migrate.generate.render import render
from migrate.lang.ruby.frameworks import notes
from migrate.lang.ruby.frameworks.rails import JWT_GEM, _key, _ruby, gemfile

CORE = "genesys_oidc.rb"
MODULE = "genesys_oidc_sign_in.rb"
USER = "user"  # what the sign-in module's claims function is handed
# Names the signed-in user goes by in Ruby web code.
_SIGNED_IN = ("current_user", "current_customer", "current_account")


def _piece(doc: Doc, line: int) -> ts.Node:
    """The innermost method, block or lambda holding the signing line (the program at the top)."""
    best = doc.root
    for node in walk(doc.root):
        if node.type in ("method", "singleton_method", "do_block", "block", "lambda") and \
                node.start_point[0] + 1 <= line <= node.end_point[0] + 1:
            best = node
    return best


def _params(doc: Doc, node: ts.Node) -> list[str]:
    params = node.child_by_field_name("parameters")
    if params is None:
        params = next((c for c in node.named_children if c.type in ("block_parameters", "lambda_parameters")), None)
    names = []
    for p in params.named_children if params is not None else []:
        name = p if p.type == "identifier" else p.child_by_field_name("name")
        if name is not None:
            names.append(doc.text(name))
    return names


def _locals(doc: Doc, node: ts.Node, before: int, used: str) -> tuple[list[str], set[str]]:
    """The assignments before the signing line the claims need (in order), and every local the
    piece assigns."""
    body = next((c for c in node.named_children if c.type in ("body_statement", "block_body")), node)
    decls, assigned = [], set()
    for n in walk(node):
        if n.type in ("assignment", "operator_assignment"):
            left = n.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                assigned.add(doc.text(left))
    for stmt in body.named_children:
        if stmt.start_point[0] + 1 >= before or stmt.type != "assignment":
            continue
        left = stmt.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            decls.append((doc.text(left), " ".join(doc.text(stmt).split())))
    needed, text = [], used
    for name, decl in reversed(decls):
        if notes.mentions(name, text) and "JWT." not in decl:
            needed.append(decl)
            text += "\n" + decl
    return list(reversed(needed)), assigned


def _bare_names(text: str) -> set[str]:
    """Lower-case names read without a receiver (locals or methods of the old code)."""
    scrubbed = re.sub(r"'(?:\\.|[^'\\])*'", "''", text)
    scrubbed = re.sub(r'"(?:\\.|[^"\\#]|#(?!\{))*"', '""', scrubbed)
    return {m.group(1) for m in re.finditer(r"(?<![\w@.:$])([a-z_]\w*[?!]?)(?!\w|:[^:])", scrubbed)}


def wire(ctx: WireContext, why: str) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    folder = posixpath.dirname(s.path)
    module_path = posixpath.join(folder, MODULE)
    core_path = posixpath.join(folder, CORE)
    row = (s.span[0] if s.span else s.line) - 1
    lines = notes.lines_of(src.text)
    out = Wiring()
    above = row
    while above > 0 and lines[above - 1].strip().startswith("#"):
        above -= 1
        if is_note(lines[above], MOUNT_RULE):  # an earlier run wrote the module and the note
            out.todo = f"{s.path}:{above + 1}: {why}"
            return out

    doc = Doc.parse("ruby", src.data)
    piece = _piece(doc, s.line)
    params = _params(doc, piece)
    claims_text = "\n".join(m.expression.text for m in plan.claims)
    local, assigned = _locals(doc, piece, s.line, claims_text)
    used = claims_text + "\n" + "\n".join(local)
    # The signed-in user: the parameter the claims read (the first), else current_user and the like.
    user = next((p for p in params if notes.mentions(p, used)), None)
    names = {user: USER} if user else {}
    names.update({n: USER for n in _SIGNED_IN if user is None and notes.mentions(n, used)})
    carried = {d.split("=", 1)[0].strip() for d in local}
    unknown = (set(params) | assigned | _bare_names(used)) - set(names) - carried - notes._KEYWORDS
    unknown |= set(re.findall(r"(?<![\w@])@\w+", used))

    unbound, entries = [], []
    for m in plan.claims:
        expression = notes.rebind(m.expression.text + "\n" + "\n".join(local), names)
        free = notes.free_names(expression, unknown)
        if free:
            unbound.append(notes.unbound_todo(m.expression.text, free, "in the sign-in module"))
        entries.append(f"{_key(m.target)} {notes.rebind(_ruby(m), names)}, # {m.source} -> {m.target} ({m.origin})")
    entries += [f"# TODO(migrate:{t.rule}): {t.text}" for t in plan.todos]
    module = render("ruby/genesys_oidc_sign_in.rb.j2", issuer_path=config.issuer_path, source=f"{s.path}:{s.line}",
                    user=USER, old_user=user or next(iter(names), None), locals=[notes.rebind(d, names) for d in local],
                    entries=entries, unbound=unbound, core=CORE)
    out.new_files[module_path] = with_newlines(module, src.newline)
    out.why(module_path, f"new: Messenger sign-in for the Zendesk token signed at {s.path}:{s.line}, with its "
                         f"claims; mount it at {config.issuer_path} (TODO(migrate:{MOUNT_RULE})) [templates/ruby]")
    if not (ctx.root / core_path).exists():
        out.new_files[core_path] = with_newlines(render("ruby/genesys_oidc.rb.j2", issuer_path=config.issuer_path),
                                                 src.newline)
        out.why(core_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, "
                           "nonce; ruby-jwt + openssl) [templates/ruby]")
    out.files[s.path] = with_newlines(notes.insert_note(src.text, row, mount_note(module_path, config, why)),
                                      src.newline)
    out.why(s.path, f"line {row + 1}: where to mount the provider ({why}); the Zendesk token code stays")
    out.todo = f"{s.path}:{row + 1}: {why}"
    gem = nearest(ctx.root, folder, "Gemfile")
    if gem:
        updated = gemfile(ctx.source(gem).text)
        if updated is not None:
            out.files[gem] = updated
            out.why(gem, f"{JWT_GEM} for the OpenID provider")
    return out
