"""C#: JWT.Net and System.IdentityModel.Tokens.Jwt; ASP.NET Core (controllers and minimal APIs) and
ASP.NET on .NET Framework (System.Web: WebForms, MVC 5, .ashx generic handlers, whose code may sit
in the .ashx itself below its directive)."""

import re

from migrate.lang import Framework, Language

LANGUAGE = Language(
    name="csharp",
    extensions={".cs": "csharp", ".ashx": "csharp"},
    needles=(b"wt", b"WT"),
    # RouteConfig: MVC 5's MapRoute registrations give a conventionally routed action its URL.
    extra_needles=(b"MapRoute",),
    gate=(),
    libraries=("jwt.net", "system.identitymodel"),
    # System.Web first: a file that says so is a .NET Framework one; anything else is taken for
    # ASP.NET Core, whose wiring hands a site with only a Web.config on to System.Web's.
    frameworks=(Framework("systemweb", re.compile(
                    r"^\s*using\s+System\.Web(\.(UI|Mvc|SessionState|Security))?\s*;|\bSystem\.Web\.(UI\.Page|Mvc\.Controller)\b"
                    r"|\bHttpContext\.Current\b|:\s*(System\.Web\.UI\.)?(Page|MasterPage|UserControl)\b", re.M)),
                Framework("aspnetcore", re.compile(r""))),
    now="DateTimeOffset.UtcNow.ToUnixTimeSeconds()",
    now_plus_5_min="DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 300",
    to_string="{}.ToString()",
)
