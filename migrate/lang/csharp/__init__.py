"""C#: JWT.Net and System.IdentityModel.Tokens.Jwt; ASP.NET Core (controllers and minimal APIs)."""

import re

from migrate.lang import Framework, Language

LANGUAGE = Language(
    name="csharp",
    extensions={".cs": "csharp"},
    needles=(b"wt", b"WT"),
    gate=(),
    libraries=("jwt.net", "system.identitymodel"),
    frameworks=(Framework("aspnetcore", re.compile(r"")),),
    now="DateTimeOffset.UtcNow.ToUnixTimeSeconds()",
    now_plus_5_min="DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 300",
    to_string="{}.ToString()",
)
