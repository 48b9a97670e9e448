"""Go, framework not recognised (or the route not found): the provider package (genesysoidc) next to
the signer, a GenesysClaims function beside the signing code computed by its own expressions, and a
TODO(migrate:ZG221) above the signing code saying how to mount it.  Nothing is removed."""

from __future__ import annotations

import posixpath
import re

from migrate.generate.backends import MOUNT_RULE, WireContext, Wiring, is_note, mount_note, nearest
from migrate.generate.changes import Edit, apply_edits, with_newlines
from migrate.generate.positions import Parsed
from migrate.generate.render import render
from migrate.lang.go import routes
from migrate.lang.go.frameworks.gohttp import PACKAGE, _fix_imports, add_modules, claims_func

CLAIMS = "GenesysClaims"


def wire(ctx: WireContext, why: str) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    src = ctx.source(s.path)
    go = Parsed(src.text, "go")
    here = posixpath.dirname(s.path)
    line = (s.span or (s.line, 0))[0]
    out = Wiring(route=s.route)
    out.todo = f"{s.path}:{line}: {why}"
    lines = src.text.split("\n")
    if line > 1 and is_note(lines[line - 2], MOUNT_RULE):  # an earlier run wrote the provider already
        return out
    pkg_dir = posixpath.join(here, PACKAGE)
    provider_path = posixpath.join(pkg_dir, f"{PACKAGE}.go")
    claims_path = posixpath.join(here, "genesys_claims.go")
    at = go.byte_at(s.line, s.column)
    handler = routes.enclosing(go.doc, at)
    claims = claims_func(go, plan, handler, at, "", None, set())
    package = re.search(r"^package\s+(\w+)", src.text, re.M)
    imports = next((n for n in go.doc.root.named_children if n.type == "import_declaration"), None)
    head = go.text(imports) if imports is not None else 'import "net/http"'
    body = claims.text.replace("func(", f"func {CLAIMS}(", 1)
    text = (f"package {package.group(1) if package else 'main'}\n\n{head}\n\n"
            f"// {CLAIMS} is the signed-in visitor's ID-token claims for the Genesys Cloud sign-in provider\n"
            f"// (package {PACKAGE}), computed as the Zendesk token code in {posixpath.basename(s.path)} computes them;\n"
            f"// nil when nobody is signed in. Mount it with the site's login middleware as the guard:\n"
            f'//\n//\tmux.Handle("{config.issuer_path}/", {PACKAGE}.Handler({CLAIMS}, requireLogin))\n'
            f"{body}\n")
    text = _fix_imports(text, {"http": "net/http", "fmt": "fmt"})
    if imports is None:
        text = text.replace('import "net/http"\n\n', "") if "http." not in text.split("\n", 3)[-1] else text
    out.new_files[claims_path] = with_newlines(text, src.newline)
    out.why(claims_path, f"new: {CLAIMS}, the claims the Zendesk token code signed, for the OpenID provider"
                         + (" (TODO(migrate:ZG222): some could not be carried)" if claims.unbound else ""))
    out.new_files[provider_path] = with_newlines(render("go/genesysoidc.go.j2", issuer_path=config.issuer_path),
                                                 src.newline)
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, "
                           "PKCE, nonce) [templates/go]")
    module = f"{provider_path} ({PACKAGE}.Handler({CLAIMS}, <the login middleware>))"
    start = go.byte_at(line, 1)
    end = go.data.find(b"\n", start)
    first = go.data[start:end if end >= 0 else len(go.data)].decode("utf-8", "surrogateescape")
    indent = first[:len(first) - len(first.lstrip())]
    note = f"{indent}// {mount_note(module, config, why)}\n"
    out.files[s.path] = with_newlines(apply_edits(src.text, [Edit(go.char(start), go.char(start), note)]),
                                      src.newline)
    out.why(s.path, f"line {line}: TODO(migrate:{MOUNT_RULE}): where to mount the OpenID provider ({why})")
    gomod = nearest(ctx.root, here, "go.mod")
    if gomod is not None:
        add_modules(ctx, gomod, out)
    return out
