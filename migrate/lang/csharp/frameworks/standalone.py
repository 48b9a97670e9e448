"""C#, framework not recognised (or the endpoint not found): the OpenID provider written next to the
signer, GenesysOidcClaims.cs beside it computing the claims with the old code's own expressions,
and a TODO(migrate:ZG221) above the signing code saying how to mount it.  Nothing is removed.

A site on ASP.NET (System.Web: a Web.config with <system.web>) gets the IHttpHandler provider of
templates/csharp/systemweb; any other gets the ASP.NET Core one (templates/csharp)."""

from __future__ import annotations

import posixpath

from migrate.extract.treesitter import ancestors
from migrate.generate.backends import MOUNT_RULE, WireContext, Wiring, is_note, mount_note
from migrate.generate.changes import Edit, apply_edits, with_newlines
from migrate.generate.render import render
from migrate.lang.csharp.frameworks import systemweb
from migrate.lang.csharp.frameworks.aspnetcore import (
    NAMESPACE,
    PROVIDER_FILE,
    _free_name,
    _locals,
    _members,
)
from migrate.lang.csharp.frameworks.aspnetcore_claims import Scope, claims_function
from migrate.lang.csharp.frameworks.aspnetcore_files import CsFile

CLAIMS_FILE = "GenesysOidcClaims.cs"
_METHODS = ("method_declaration", "constructor_declaration", "local_function_statement", "property_declaration",
            "accessor_declaration", "lambda_expression")


def _usings(f: CsFile) -> list[str]:
    return [f.text(u) for u in f.root.named_children if u.type == "using_directive"]


def wire(ctx: WireContext, why: str) -> Wiring:
    plan, config = ctx.plan, ctx.config
    s = plan.signer
    if systemweb.is_site(ctx.root, posixpath.dirname(s.path)):
        return systemweb.standalone(ctx, why)
    src = ctx.source(s.path)
    f = CsFile(src)
    line = (s.span or (s.line, 0))[0]
    out = Wiring(route=s.route)
    out.todo = f"{s.path}:{line}: {why}"
    lines = src.text.split("\n")
    if line > 1 and is_note(lines[line - 2], MOUNT_RULE):  # an earlier run wrote the provider already
        return out
    here = posixpath.dirname(s.path)
    at = f.byte_at(s.line, s.column)
    site = f.root.descendant_for_byte_range(at, at + 1)
    method = next((a for a in ancestors(site) if a.type in _METHODS), None) if site is not None else None
    cls = next((a for a in ancestors(site) if a.type in ("class_declaration", "record_declaration",
                                                       "struct_declaration")), None) if site is not None else None
    params = method.child_by_field_name("parameters") if method is not None else None
    stuck = {f.text(p.child_by_field_name("name")) for p in (params.named_children if params is not None else ())
             if p.type == "parameter"}
    body = method.child_by_field_name("body") if method is not None else None
    name = _free_name(*(m.expression.text for m in plan.claims))
    scope = Scope(name, f"{s.function or 'the signing code'}", {}, _locals(f, body, at),
                  stuck | (_members(f, cls) if cls is not None else set()))
    fn = claims_function(plan, scope, refuse=(
        "the Zendesk token was signed outside any endpoint: nothing here checks who is signed in; mount the "
        "provider behind the site's login check, or write that check here"))
    usings = [u for u in _usings(f) if "JWT" not in u and "IdentityModel" not in u]
    usings += [u for u in ("using System;", "using System.Collections.Generic;",
                           "using Microsoft.AspNetCore.Http;", *(f"using {n};" for n in fn.usings))
               if u not in usings]
    claims_path = posixpath.join(here, CLAIMS_FILE) if here else CLAIMS_FILE
    provider_path = posixpath.join(here, PROVIDER_FILE) if here else PROVIDER_FILE
    lambda_ = fn.text.replace("\n", "\n        ")
    text = ("#nullable enable\n\n" + "\n".join(usings) + f"\n\nnamespace {NAMESPACE}\n{{\n"
            f"    /// <summary>\n"
            f"    /// The signed-in visitor's ID-token claims for the OpenID provider ({PROVIDER_FILE}), computed\n"
            f"    /// as the Zendesk token code in {posixpath.basename(s.path)} computed them; null when nobody is\n"
            f"    /// signed in. Mount it with the site's login policy:\n"
            f"    /// <c>app.MapGenesysOidc(\"{config.issuer_path}\", GenesysOidcClaims.For, authorizationPolicy: \"\")</c>\n"
            f"    /// </summary>\n"
            f"    public static class GenesysOidcClaims\n    {{\n"
            f"        public static readonly Func<HttpContext, IDictionary<string, object>?> For = {lambda_};\n"
            f"    }}\n}}\n")
    out.new_files[claims_path] = with_newlines(text, src.newline)
    out.why(claims_path, "new: GenesysOidcClaims, the claims the Zendesk token code signed, for the OpenID provider"
                         + (" (TODO(migrate:ZG222): some could not be carried)" if fn.stuck else ""))
    out.new_files[provider_path] = with_newlines(render("csharp/GenesysOidcProvider.cs.j2",
                                                        issuer_path=config.issuer_path), src.newline)
    out.why(provider_path, "new: the OpenID provider (discovery, JWKS, authorize, token, userinfo; RS256, PKCE, "
                           "nonce) [templates/csharp]")
    module = (f"{provider_path} (builder.Services.AddGenesysOidc(); app.MapGenesysOidc(\"{config.issuer_path}\", "
              "GenesysOidcClaims.For, authorizationPolicy: \"\"))")
    start = f.line_start(len("\n".join(lines[:line - 1])) + (1 if line > 1 else 0))
    indent = lines[line - 1][:len(lines[line - 1]) - len(lines[line - 1].lstrip())]
    note = f"{indent}// {mount_note(module, config, why)}\n"
    out.files[s.path] = with_newlines(apply_edits(src.text, [Edit(start, start, note)]), src.newline)
    out.why(s.path, f"line {line}: TODO(migrate:{MOUNT_RULE}): where to mount the OpenID provider ({why})")
    return out
