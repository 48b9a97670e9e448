"""PHP signing code no framework wiring reaches (a helper function, a service class, an unknown
framework): the provider (templates/php/oidc-provider.php.j2) and a sign-in file with the old
token's claims as a function are written next to the signer, and a TODO(migrate:ZG221) above the
signing code says where to mount it. Nothing is removed."""

from __future__ import annotations

import posixpath
import re

from migrate.extract.treesitter import walk
from migrate.generate.backends import MOUNT_RULE, WireContext, Wiring, mount_note
from migrate.generate.changes import with_newlines
from migrate.generate.render import render
from migrate.lang.php.frameworks import notes
from migrate.lang.php.frameworks.php import (
    PROVIDER,
    Script,
    add_composer,
    assigned,
    claim_lines,
    needed_locals,
    reindent,
)

MODULE = "genesys-oidc-sign-in.php"
USER = "$user"


def wire(ctx: WireContext, why: str) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    folder = posixpath.dirname(s.path)
    module_path = posixpath.join(folder, MODULE)
    row = (s.span[0] if s.span else s.line) - 1
    out = Wiring()
    found = notes.note_above(src.text.splitlines(keepends=True), row, MOUNT_RULE)
    if found is not None:  # an earlier run wrote the sign-in file and the note
        out.todo = f"{s.path}:{found + 1}: {why}"
        return out

    script = Script.parse(src)
    at = script.byte_at(s.line, s.column)
    fn = None
    for node in walk(script.doc.root):
        if node.type in ("function_definition", "method_declaration", "anonymous_function", "arrow_function") \
                and node.start_byte <= at < node.end_byte:
            fn = node
    body = fn.child_by_field_name("body") if fn is not None else script.doc.root
    params = []
    if fn is not None and fn.child_by_field_name("parameters") is not None:  # a request is not the user
        params = [script.text(p.child_by_field_name("name")).lstrip("$")
                  for p in fn.child_by_field_name("parameters").named_children if p.child_by_field_name("name")
                  and not re.search(r"\bRequest\b|\$req(uest)?\b", script.text(p))]
    before = []
    for stmt in body.named_children if body is not None else []:
        if stmt.start_byte > at or stmt.end_byte > at:
            break
        names = assigned(script, stmt)
        if names is not None:
            before.append((names, script.text(stmt)))
    claims_text = "\n".join(m.expression.text for m in plan.claims)
    local = needed_locals(before, claims_text)
    # `$user = $request->user();`, `$customer = Auth::user();`: that variable is the signed-in user
    read = next(((names, stmt) for names, stmt in before if stmt in local and len(names) == 1
                 and re.search(r"=\s*[^;]*\buser\(\s*\)\s*;\s*$", stmt)), None)
    if read is not None:
        local.remove(read[1])
        params = [next(iter(read[0]))]
    used = claims_text + "\n" + "\n".join(local)
    user = next((p for p in params if re.search(rf"\${re.escape(p)}(?!\w)", used)), None)
    rename = (lambda text: re.sub(rf"\${re.escape(user)}(?!\w)", USER, text)) if user else (lambda text: text)
    local = [rename(x) for x in local]
    bound = {USER.lstrip("$")} | {v for x in local for v in notes.variables(x.split("=", 1)[0])}
    free = {m.target: notes.unbound(rename(m.expression.text), bound) for m in plan.claims}
    lines = [rename(c) for c in claim_lines(plan)]
    body_lines: list[str]
    if any(free.values()):
        body_lines = [f"// {notes.unbound_todo(m.expression.text, free[m.target], 'in the sign-in file')}"
                      for m in plan.claims if free[m.target]]
        body_lines += ["// " + x.strip() for stmt in local for x in reindent(stmt, "")]
        body_lines += ["// return ["] + [f"//     {c}" for c in lines] + ["// ];", "return null;"]
    else:
        body_lines = [f"if ({USER} === null) {{", "    return null;", "}"]
        body_lines += [x for stmt in local for x in reindent(stmt, "")]
        body_lines += ["return ["] + [f"    {c}" for c in lines] + ["];"]
    uses = []
    for n in script.doc.root.named_children:
        text = script.text(n)
        name = re.split(r"[\\\s]", text.rstrip(";").strip())[-1]
        if n.type == "namespace_use_declaration" and re.search(rf"\b{re.escape(name)}\b", "\n".join(body_lines)):
            uses.append(text)
    module = render("php/genesys-oidc-sign-in.php.j2", issuer_path=config.issuer_path, source=f"{s.path}:{s.line}",
                    provider=PROVIDER, uses=uses, body=body_lines, old_user=f"${user}" if user else None)
    out.new_files[module_path] = with_newlines(module, src.newline)
    out.why(module_path, f"new: Messenger sign-in for the Zendesk token signed at {s.path}:{s.line}, with its "
                         f"claims; mount it at {config.issuer_path} (TODO(migrate:{MOUNT_RULE})) [templates/php]")
    provider_path = posixpath.join(folder, PROVIDER)
    if not (ctx.root / provider_path).exists():
        out.new_files[provider_path] = with_newlines(render("php/oidc-provider.php.j2",
                                                            issuer_path=config.issuer_path), src.newline)
        out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, "
                               "PKCE, nonce) [templates/php]")
    text, noted = notes.insert_note(src.text, row, mount_note(module_path, config, why))
    out.files[s.path] = text
    out.why(s.path, f"line {noted + 1}: where to mount the provider ({why}); the Zendesk token code stays")
    out.todo = f"{s.path}:{noted + 1}: {why}"
    add_composer(ctx, out, folder)
    return out
