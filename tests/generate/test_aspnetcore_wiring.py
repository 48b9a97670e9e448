"""ASP.NET Core wiring: the OpenID provider mapped beside the Zendesk token endpoint (controller
action or minimal API route), with the endpoint's authorization and the old claim expressions; the
old endpoint keeps a TODO(migrate:ZG220) until `--cutover` removes it (or, on an endpoint never
wired, replaces it in one step). The project file gains the JWT package."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, GOLDEN
from wiring_support import DEPLOYMENT, ISSUER, after, assert_parses, generate_site

from migrate.generate import config as cfg
from migrate.generate.plan import ClaimMapping
from migrate.generate.run import generate
from migrate.lang.csharp.frameworks.aspnetcore_claims import transformed
from migrate.lang.csharp.frameworks.aspnetcore_files import drop_unused_usings, project_with_package
from migrate.model import Expr

PROGRAM = """\
using Microsoft.AspNetCore.Authentication.Cookies;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddControllers();
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapControllers();

app.Run();
"""
CSPROJ = """\
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="JWT" Version="10.1.1" />
  </ItemGroup>
</Project>
"""


_generate, _after = generate_site, after


def _cut(site: Path):
    """`migrate generate --cutover`."""
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER),
                    cutover=True)


def _applied(site: Path) -> Path:
    """The site after `migrate generate --apply` (the default: the provider beside the old route)."""
    _generate(site).changes.apply()
    return site


KEEP = "// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt is kept"


def _parses(text: str) -> None:
    assert_parses("csharp", text)


def _copy(tmp_path, monkeypatch, name: str) -> Path:
    site = tmp_path / name
    shutil.copytree(FIXTURES / "sites" / name, site)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


@pytest.fixture
def controller_site(tmp_path, monkeypatch):
    return _copy(tmp_path, monkeypatch, "aspnetcore")


@pytest.fixture
def minimal_site(tmp_path, monkeypatch):
    return _copy(tmp_path, monkeypatch, "aspnetcore-minimal")


def _controller(tmp_path, monkeypatch, action: str, *, class_attributes: str = "[Authorize]",
                members: str = "", program: str = PROGRAM) -> Path:
    """A small site: Program.cs, a csproj and a ZendeskController with the given action."""
    site = tmp_path / "site"
    (site / "Controllers").mkdir(parents=True)
    (site / "Program.cs").write_text(program)
    (site / "Site.csproj").write_text(CSPROJ)
    (site / "Controllers" / "ZendeskController.cs").write_text(f"""\
using System.Security.Claims;
using JWT.Algorithms;
using JWT.Builder;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Site.Controllers;

{class_attributes}
[Route("zendesk")]
public class ZendeskController : ControllerBase
{{
{members}
{action}
}}
""")
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def _signing_action(claims: str, *, attributes: str = '[HttpGet("jwt")]', params: str = "",
                    prelude: str = "", returns: str = "IActionResult") -> str:
    body = "".join(f"\n            .AddClaim({c})" for c in claims.split(";"))
    return f"""\
    {attributes}
    public {returns} Jwt({params})
    {{{prelude}
        var token = JwtBuilder.Create()
            .WithAlgorithm(new HMACSHA256Algorithm())
            .WithSecret("***"){body}
            .AddClaim("scope", "user")
            .Encode();
        return Content(token);
    }}"""


def _golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / "aspnetcore" / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"no golden file {path}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def _mapping(program: str) -> str:
    """The MapGenesysOidc(...) statement of a rewritten Program.cs."""
    start = program.index(".MapGenesysOidc(")
    return program[start:program.index(");", program.index("authorizationPolicy:", start)) + 2]


# --- the controller site ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["beside", "cutover"])
def test_controller_site_matches_golden_files(controller_site, update_golden, mode):
    after = _after(_generate(controller_site) if mode == "beside" else _cut(controller_site))
    _golden(f"controller/{mode}/Program.cs", after["Program.cs"], update_golden)
    _golden(f"controller/{mode}/ZendeskController.cs", after["Controllers/ZendeskController.cs"], update_golden)


@pytest.mark.parametrize("name", ["aspnetcore", "aspnetcore-minimal"])
@pytest.mark.parametrize("cutover", [False, True])
def test_every_changed_or_new_csharp_file_parses(tmp_path, monkeypatch, name, cutover):
    site = _copy(tmp_path, monkeypatch, name)
    result = _cut(site) if cutover else _generate(site)
    cs = [c for c in result.changes.changes if c.path.endswith(".cs")]
    assert {c.path for c in cs if c.new} == {"GenesysOidcProvider.cs"}
    for c in cs:
        _parses(c.after)
    assert not result.notes


def test_controller_claims_are_the_old_expressions_on_the_request_context(controller_site):
    result = _generate(controller_site)
    program = _after(result)["Program.cs"]
    mapping = _mapping(program)
    assert mapping.startswith('.MapGenesysOidc("/oidc", ctx =>')
    # the action's local moves along, read through ctx
    assert "var customerId = ctx.User.FindFirstValue(ClaimTypes.NameIdentifier);" in mapping
    assert '["sub"] = customerId,  // external_id -> sub (zendesk-messaging.yaml:' in mapping
    assert '["name"] = ctx.User.Identity?.Name,' in mapping
    assert '["email"] = ctx.User.FindFirstValue(ClaimTypes.Email),' in mapping
    assert '["email_verified"] = ctx.User.HasClaim("email_verified", "true"),' in mapping
    assert not re.search(r"(?<![\w.])User\.", mapping), "every User. is ctx.User."
    assert '"scope"' not in mapping and '"exp"' not in mapping
    # the action's [Authorize] is the authorize endpoint's guard
    assert mapping.endswith('authorizationPolicy: "");')
    # registered before Build(), mapped before Run(), with the usings the code needs
    assert program.index("builder.Services.AddGenesysOidc();") < program.index("builder.Build()")
    assert program.index("app.MapGenesysOidc(") < program.index("app.Run();")
    assert "using GenesysOidc;" in program and "using System.Security.Claims;" in program
    (outcome,) = result.outcomes
    line = program[:program.index("app.MapGenesysOidc(")].count("\n") + 1
    assert outcome.status == "wired" and f"provider mounted at Program.cs:{line} (aspnetcore)" in outcome.text
    assert outcome.route == "GET /zendesk/jwt"


def test_controller_action_stays_beside_the_provider_with_the_keep_note(controller_site):
    before = (controller_site / "Controllers" / "ZendeskController.cs").read_text()
    controller = _after(_generate(controller_site))["Controllers/ZendeskController.cs"]
    # one line more: the note, right above the action's attributes, at their indentation
    assert controller == before.replace("    [Authorize]\n    [HttpGet", f"    {KEEP}"
                                        " while the site moves to Messenger sign-in at /oidc (`migrate generate "
                                        "--cutover` removes it)\n    [Authorize]\n    [HttpGet")


def test_controller_action_goes_at_cutover_and_the_empty_controller_is_flagged(controller_site):
    controller = _after(_cut(controller_site))["Controllers/ZendeskController.cs"]
    assert "public IActionResult Jwt()" not in controller and "[HttpGet(\"jwt\")]" not in controller
    assert "JwtBuilder" not in controller
    assert "using JWT.Builder;" not in controller and "using JWT.Algorithms;" not in controller
    assert "// TODO(migrate:ZG226): ZendeskController has nothing left but its constructor" in controller
    assert "public ZendeskController(IConfiguration configuration)" in controller


@pytest.mark.parametrize("name", ["aspnetcore", "aspnetcore-minimal"])
def test_cutover_after_apply_removes_only_the_kept_route(tmp_path, monkeypatch, name):
    site = _applied(_copy(tmp_path, monkeypatch, name))
    signer = "Controllers/ZendeskController.cs" if name == "aspnetcore" else "Program.cs"
    applied = {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*") if p.is_file()}
    assert KEEP in applied[signer]
    again = _generate(site)
    assert again.changes.empty, "the kept route is not wired twice"
    (outcome,) = again.outcomes
    assert outcome.status == "kept"

    result = _cut(site)
    after = _after(result)
    (outcome,) = result.outcomes
    assert outcome.status == "cut" and outcome.route == "GET /zendesk/jwt"
    text = after[signer]
    for c in after.values():
        if c.endswith(".cs"):
            _parses(c)
    assert "TODO(migrate:ZG220)" not in text and 'MapGet("/zendesk/jwt"' not in text and "Jwt()" not in text
    assert "Zendesk messaging" not in text, "the route's own comment goes with it"
    # the provider and everything else stays as the first run left it
    if name == "aspnetcore-minimal":
        assert text.count("MapGenesysOidc") == 1 and 'app.MapGet("/orders"' in text
        assert "using System.IdentityModel.Tokens.Jwt;" not in text and "using System.Text;" in text
        assert set(after) == {"Program.cs"}
    else:
        assert set(after) == {"Controllers/ZendeskController.cs", "Shop.csproj"}
        # JWT.Net was used by the Zendesk action only
        assert after["Shop.csproj"] == applied["Shop.csproj"].replace(
            '    <PackageReference Include="JWT" Version="10.1.1" />\n', "")
    result.changes.apply()
    assert _cut(site).changes.empty, "a second cut-over finds nothing left to remove"


def test_cutover_keeps_the_jwt_package_another_file_uses(tmp_path, monkeypatch):
    site = _applied(_copy(tmp_path, monkeypatch, "aspnetcore"))
    (site / "Data" / "Vouchers.cs").write_text("using JWT.Builder;\n\nnamespace Shop.Data;\n\n"
                                                "public class Vouchers { public object B() => JwtBuilder.Create(); }\n")
    assert "Shop.csproj" not in _after(_cut(site))


def test_project_file_gains_the_package_in_its_own_style(controller_site):
    result = _generate(controller_site)
    before = (controller_site / "Shop.csproj").read_text()
    after = _after(result)["Shop.csproj"]
    line = ('    <PackageReference Include="System.IdentityModel.Tokens.Jwt" Version="8.3.0" />\n'
            '    <PackageReference Include="StackExchange.Redis" Version="2.8.16" />\n')
    assert after == before.replace('Version="8.0.1" />\n', 'Version="8.0.1" />\n' + line)
    reasons = next(c.reasons for c in result.changes.changes if c.path == "Shop.csproj")
    assert any("System.IdentityModel.Tokens.Jwt 8.3.0" in r and "StackExchange.Redis 2.8.16" in r
               and "GENESYS_OIDC_STORE_URL" in r for r in reasons)


def test_provider_is_rendered_next_to_program_cs(controller_site):
    provider = _after(_generate(controller_site))["GenesysOidcProvider.cs"]
    assert "namespace GenesysOidc" in provider
    assert "public static IEndpointRouteBuilder MapGenesysOidc(this IEndpointRouteBuilder app" in provider
    assert 'app.MapGenesysOidc("/oidc",' in provider  # the issuer path in its usage comment


@pytest.mark.parametrize("name", ["aspnetcore", "aspnetcore-minimal"])
def test_diff_applies_with_git_and_a_second_run_changes_nothing(tmp_path, monkeypatch, name):
    site = _copy(tmp_path, monkeypatch, name)
    result = _generate(site)
    diff = result.changes.diff()
    assert "+++ b/GenesysOidcProvider.cs" in diff
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=copy, input=diff.encode(), capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    subprocess.run(["git", "apply", "-"], cwd=copy, input=diff.encode(), check=True)
    result.changes.apply()
    for path in (c.path for c in result.changes.changes):
        assert (copy / path).read_bytes() == (site / path).read_bytes(), path
    again = _generate(site)
    assert again.changes.empty and again.changes.diff() == ""
    assert not again.notes, "the generated provider is not taken for a Zendesk signer"


# --- the minimal API site ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["beside", "cutover"])
def test_minimal_api_site_matches_golden_file(minimal_site, update_golden, mode):
    result = _generate(minimal_site) if mode == "beside" else _cut(minimal_site)
    _golden(f"minimal/{mode}/Program.cs", _after(result)["Program.cs"], update_golden)


def test_minimal_api_provider_is_mapped_right_above_the_kept_route(minimal_site):
    before = (minimal_site / "Program.cs").read_text()
    result = _generate(minimal_site)
    program = _after(result)["Program.cs"]
    mapping = _mapping(program)
    assert mapping.startswith('.MapGenesysOidc("/oidc", http => new Dictionary<string, object>')
    assert mapping.endswith('authorizationPolicy: "Customers");')
    # the old route is there as it was, its comment, then the note right above its statement
    route = before[before.index("// Zendesk messaging"):before.index("app.MapGet(\"/orders\"")]
    comment, statement = route.split("\n", 1)
    assert f"{comment}\n{KEEP}" in program and statement in program
    assert program.index("app.UseAuthorization();") < program.index("app.MapGenesysOidc(") < \
        program.index("// Zendesk messaging")
    assert "using System.IdentityModel.Tokens.Jwt;" in program, "the kept route still uses it"
    (outcome,) = result.outcomes
    line = program[:program.index("app.MapGenesysOidc(")].count("\n") + 1
    assert outcome.status == "wired" and f"mounted at Program.cs:{line}" in outcome.text


def test_minimal_api_route_is_replaced_in_place_at_cutover(minimal_site):
    result = _cut(minimal_site)
    program = _after(result)["Program.cs"]
    assert 'app.MapGet("/zendesk/jwt"' not in program and "JwtSecurityTokenHandler" not in program
    assert "TODO(migrate:ZG220)" not in program
    mapping = _mapping(program)
    # the handler's own HttpContext parameter name, so the expressions stay as written
    assert mapping.startswith('.MapGenesysOidc("/oidc", http => new Dictionary<string, object>')
    assert '["sub"] = http.User.FindFirstValue("customer_id")!,' in mapping
    assert '["email_verified"] = true,' in mapping  # "true" with the boolean transform
    assert mapping.endswith('authorizationPolicy: "Customers");')
    # where the route was, between UseAuthorization() and the next route
    assert program.index("app.UseAuthorization();") < program.index("app.MapGenesysOidc(") < \
        program.index('app.MapGet("/orders"')
    assert "// Zendesk messaging: the JWT" not in program
    assert "using System.IdentityModel.Tokens.Jwt;" not in program
    assert "using Microsoft.IdentityModel.Tokens;" not in program
    assert "using System.Security.Claims;" in program  # still used
    # System.IdentityModel.Tokens.Jwt is there already: only the Redis client is added
    before = (minimal_site / "Shop.Minimal.csproj").read_text()
    added = _after(result)["Shop.Minimal.csproj"].replace(before[:before.rindex("/>") + 3], "", 1)
    assert added.startswith('    <PackageReference Include="StackExchange.Redis" Version="2.8.16" />\n')
    assert _after(result)["Shop.Minimal.csproj"].count("System.IdentityModel.Tokens.Jwt") == 1


ENDPOINTS = """\
using System.Security.Claims;
using JWT.Algorithms;
using JWT.Builder;

namespace Site.Endpoints;

public static class ZendeskEndpoints
{
    public static IEndpointRouteBuilder MapZendesk(this IEndpointRouteBuilder endpoints)
    {
        // Zendesk messaging JWT
        endpoints.MapGet("/zendesk/jwt", (ClaimsPrincipal user) => JwtBuilder.Create()
                .WithAlgorithm(new HMACSHA256Algorithm())
                .WithSecret("***")
                .AddClaim("external_id", user.FindFirstValue(ClaimTypes.NameIdentifier))
                .AddClaim("scope", "user")
                .Encode())
            .RequireAuthorization();
        return endpoints;
    }
}
"""


@pytest.mark.parametrize("cutover", [False, True])
def test_minimal_api_route_in_its_own_file(tmp_path, monkeypatch, cutover):
    site = _controller(tmp_path, monkeypatch, "")
    (site / "Endpoints").mkdir()
    (site / "Endpoints" / "ZendeskEndpoints.cs").write_text(ENDPOINTS)
    result = _cut(site) if cutover else _generate(site)
    after = _after(result)
    endpoints = after["Endpoints/ZendeskEndpoints.cs"]
    _parses(endpoints)
    assert ("        endpoints.MapGenesysOidc(\"/oidc\", ctx => new Dictionary<string, object>\n        {\n"
            "            [\"sub\"] = ctx.User.FindFirstValue(ClaimTypes.NameIdentifier),") in endpoints
    assert "using GenesysOidc;" in endpoints
    if cutover:
        assert endpoints.endswith('        }, authorizationPolicy: "");\n        return endpoints;\n    }\n}\n')
        assert "using JWT.Builder;" not in endpoints
    else:
        assert endpoints.endswith(ENDPOINTS[ENDPOINTS.index("        // Zendesk messaging JWT"):].replace(
            "        endpoints.MapGet", f"        {KEEP}"[:-len("GET /zendesk/jwt is kept")] + "GET /zendesk/jwt is kept"
            " while the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)\n"
            "        endpoints.MapGet"))
        assert "using JWT.Builder;" in endpoints
        line = endpoints[:endpoints.index("endpoints.MapGenesysOidc(")].count("\n") + 1
        assert f"mounted at Endpoints/ZendeskEndpoints.cs:{line}" in result.outcomes[0].text
    program = after["Program.cs"]
    assert "builder.Services.AddGenesysOidc();" in program and "using GenesysOidc;" in program
    assert "MapGenesysOidc" not in program


def test_route_group_gives_its_policy_and_the_provider_goes_on_the_app(tmp_path, monkeypatch):
    site = _controller(tmp_path, monkeypatch, "", program=PROGRAM.replace("app.MapControllers();\n", """\
app.MapControllers();
var account = app.MapGroup("/account").RequireAuthorization("Customers");
account.MapGet("/zendesk-jwt", [Authorize] (HttpContext context) => JwtBuilder.Create()
    .WithAlgorithm(new HMACSHA256Algorithm())
    .WithSecret("***")
    .AddClaim("external_id", context.User.FindFirstValue(ClaimTypes.NameIdentifier))
    .AddClaim("scope", "user")
    .Encode());
account.MapGet("/orders", () => "[]");
"""))
    program = _after(_generate(site))["Program.cs"]
    _parses(program)
    assert "app.MapGenesysOidc(\"/oidc\", context => new Dictionary<string, object>" in program
    assert _mapping(program).endswith('authorizationPolicy: "Customers");')
    assert "// TODO(migrate:ZG225): the old route was mapped on account; the provider is mapped on app" in program
    assert 'account.MapGet("/orders", () => "[]");' in program


# --- authorization -------------------------------------------------------------------------------

@pytest.mark.parametrize("class_attributes,action_attributes,expected", [
    ("[Authorize]", '[HttpGet("jwt")]', '""'),
    ("[ApiController]", '[HttpGet("jwt")]\n    [Authorize(Policy = "Customers")]', '"Customers"'),
    ('[Authorize("Customers")]', '[HttpGet("jwt")]', '"Customers"'),
    ("[ApiController]", '[HttpGet("jwt"), Authorize(Policy = Policies.Customers)]', "Policies.Customers"),
])
def test_authorize_attribute_becomes_the_policy(tmp_path, monkeypatch, class_attributes, action_attributes,
                                                expected):
    site = _controller(tmp_path, monkeypatch,
                       _signing_action('"external_id", User.FindFirstValue(ClaimTypes.NameIdentifier)',
                                       attributes=action_attributes), class_attributes=class_attributes)
    program = _after(_generate(site))["Program.cs"]
    assert _mapping(program).endswith(f"authorizationPolicy: {expected});")
    assert "the old Zendesk token action had" not in program
    _parses(program)


@pytest.mark.parametrize("class_attributes,action_attributes", [
    ("[ApiController]", '[HttpGet("jwt")]'),
    ("[Authorize]", '[HttpGet("jwt")]\n    [AllowAnonymous]'),
])
def test_no_authorization_is_null_with_a_todo(tmp_path, monkeypatch, class_attributes, action_attributes):
    site = _controller(tmp_path, monkeypatch,
                       _signing_action('"external_id", User.FindFirstValue(ClaimTypes.NameIdentifier)',
                                       attributes=action_attributes), class_attributes=class_attributes)
    program = _after(_generate(site))["Program.cs"]
    mapping = _mapping(program)
    assert mapping.endswith("authorizationPolicy: null);")
    # a guard that refuses whoever is not signed in, under a visible TODO
    assert "    // TODO(migrate:ZG223): the old Zendesk token action had" in mapping
    assert "    if (ctx.User.Identity?.IsAuthenticated != true) return null;\n" in mapping
    assert mapping.index("IsAuthenticated != true") < mapping.index('["sub"]')
    _parses(program)


@pytest.mark.parametrize("check,answer", [
    ("!User.Identity!.IsAuthenticated", "Unauthorized()"),
    ('User.FindFirst("customer_id") is null', "Challenge()"),
    ("!User.Identity!.IsAuthenticated", 'RedirectToAction("Login", "Account")'),
])
def test_login_check_inside_the_action_is_carried(tmp_path, monkeypatch, check, answer):
    action = _signing_action('"external_id", User.FindFirstValue(ClaimTypes.NameIdentifier)',
                             prelude=f"\n        if ({check})\n        {{\n            return {answer};\n        }}")
    site = _controller(tmp_path, monkeypatch, action, class_attributes="[ApiController]")
    program = _after(_generate(site))["Program.cs"]
    _parses(program)
    mapping = _mapping(program)
    moved = check.replace("User.", "ctx.User.")
    assert f"    if ({moved}) return null;  // the old handler answered {answer}\n" in mapping
    assert mapping.endswith("authorizationPolicy: null);")
    assert "TODO" not in mapping, "the old action's own check is the guard"


def test_login_check_inside_a_minimal_api_handler_is_carried(tmp_path, monkeypatch):
    site = _controller(tmp_path, monkeypatch, "", program=PROGRAM.replace("app.MapControllers();\n", """\
app.MapControllers();
app.MapGet("/zendesk/jwt", (HttpContext http) =>
{
    if (http.User.Identity?.IsAuthenticated != true) return Results.Unauthorized();
    return JwtBuilder.Create()
        .WithAlgorithm(new HMACSHA256Algorithm())
        .WithSecret("***")
        .AddClaim("external_id", http.User.FindFirstValue(ClaimTypes.NameIdentifier))
        .Encode();
});
"""))
    program = _after(_generate(site))["Program.cs"]
    _parses(program)
    mapping = _mapping(program)
    assert mapping.startswith('.MapGenesysOidc("/oidc", http =>\n{\n    if (http.User.Identity?.IsAuthenticated '
                              "!= true) return null;  // the old handler answered Results.Unauthorized()\n")
    assert "TODO" not in mapping
    assert 'app.MapGet("/zendesk/jwt", (HttpContext http) =>\n{\n    if (http.User.Identity' in program


def test_roles_are_a_todo_on_top_of_the_default_policy(tmp_path, monkeypatch):
    site = _controller(tmp_path, monkeypatch,
                       _signing_action('"external_id", User.FindFirstValue(ClaimTypes.NameIdentifier)'),
                       class_attributes='[Authorize(Roles = "Customer")]')
    program = _after(_generate(site))["Program.cs"]
    assert _mapping(program).endswith('authorizationPolicy: "");')
    assert '// TODO(migrate:ZG224): the old action had [Authorize(Roles = "Customer")]' in program


# --- claims that cannot move ---------------------------------------------------------------------

def test_names_of_the_controller_stay_under_a_todo(tmp_path, monkeypatch):
    members = """\
    private readonly UserManager<Customer> _users;
    private readonly PlanStore _plans;

    public ZendeskController(UserManager<Customer> users, PlanStore plans)
    {
        _users = users;
        _plans = plans;
    }

    [HttpGet("status")]
    public IActionResult Status() => Ok("up");
"""
    action = _signing_action('"external_id", user!.Id;"name", User.Identity!.Name;"plan", _plans.For(user!.Id)',
                             returns="async Task<IActionResult>",
                             prelude="\n        var user = await _users.GetUserAsync(User);")
    site = _controller(tmp_path, monkeypatch, action, members=members)
    result = _cut(site)
    after = _after(result)
    program = after["Program.cs"]
    mapping = _mapping(program)
    # reading user or _plans in the claims function would not compile: no user until written by hand
    assert mapping.startswith('.MapGenesysOidc("/oidc", ctx =>\n{\n'
                              "    // TODO(migrate:ZG222): sub: `user!.Id` reads user, unknown here (it was in the "
                              "controller); write it from ctx\n")
    assert ("    // TODO(migrate:ZG222): plan: `_plans.For(user!.Id)` reads _plans, user, unknown here (it was in "
            "the controller); write it from ctx\n") in mapping
    assert mapping.endswith("    // };\n    return null;\n}, authorizationPolicy: \"\");")
    # the claims as the old code wrote them, kept in comments: none is dropped
    assert '    //     ["sub"] = user!.Id.ToString(),' in mapping
    assert '    //     ["name"] = ctx.User.Identity!.Name,' in mapping
    assert '    //     ["plan"] = _plans.For(user!.Id),' in mapping
    code = "\n".join(line for line in mapping.split("\n") if not line.lstrip().startswith("//"))
    assert "user" not in code.replace("ctx.User", "") and "_plans" not in code
    assert "var user" not in mapping, "an awaited local does not move"
    _parses(program)
    controller = after["Controllers/ZendeskController.cs"]
    _parses(controller)
    assert "Jwt(" not in controller and "public IActionResult Status()" in controller
    assert "can go" not in controller, "the controller still has an action"
    assert "    }\n\n    [HttpGet(\"status\")]\n    public IActionResult Status() => Ok(\"up\");\n}\n" in controller
    summary = "\n".join(result.changes.summary)
    assert "TODO(migrate:ZG222): claim sub reads user from the controller" in summary


def test_multi_line_and_awaited_claims_in_a_minimal_api_handler(tmp_path, monkeypatch):
    site = _controller(tmp_path, monkeypatch, "", program=PROGRAM.replace("app.MapControllers();\n", """\
app.MapControllers();
app.MapGet("/zendesk/jwt", async (HttpContext http, CustomerStore customers) =>
{
    var customer = await customers.FindAsync(http.User);
    var descriptor = new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object>
        {
            ["external_id"] = http.User.FindFirstValue(
                ClaimTypes.NameIdentifier)!,
            ["name"] = (await customers.FindAsync(http.User)).Name,
            ["email"] = customer.Email,
            ["scope"] = "user",
        },
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Key.Bytes), "HS256"),
    };
    return new JwtSecurityTokenHandler().CreateEncodedJwt(descriptor);
}).RequireAuthorization();
"""))
    result = _generate(site)
    program = _after(result)["Program.cs"]
    _parses(program)
    assert _mapping(program) == """\
.MapGenesysOidc("/oidc", http =>
{
    // TODO(migrate:ZG222): name: `(await customers.FindAsync(http.User)).Name` reads customers, unknown here \
(it was in the route handler) and awaits (the claims function is synchronous); write it from http
    // TODO(migrate:ZG222): email: `customer.Email` reads customer, unknown here (it was in the route handler); \
write it from http
    // Until then nobody is signed in (login_required). The claims, as the old code wrote them:
    // return new Dictionary<string, object>
    // {
    //     ["sub"] = http.User.FindFirstValue(
    //         ClaimTypes.NameIdentifier)!,  // external_id -> sub (zendesk-messaging.yaml:10)
    //     ["name"] = (await customers.FindAsync(http.User)).Name,  // name -> name (zendesk-messaging.yaml:11)
    //     ["email"] = customer.Email,  // email -> email (zendesk-messaging.yaml:12)
    // };
    return null;
}, authorizationPolicy: "");"""


def test_primary_constructor_parameters_stay_and_the_class_can_go(tmp_path, monkeypatch):
    site = _controller(tmp_path, monkeypatch, _signing_action('"external_id", customers.IdOf(User)'))
    controller = site / "Controllers" / "ZendeskController.cs"
    controller.write_text(controller.read_text().replace(
        "public class ZendeskController : ControllerBase",
        "public class ZendeskController(CustomerDirectory customers) : ControllerBase"))
    after = _after(_cut(site))
    assert ("// TODO(migrate:ZG222): sub: `customers.IdOf(User)` reads customers, unknown here (it was in the "
            "controller); write it from ctx") in after["Program.cs"]
    assert '//     ["sub"] = customers.IdOf(ctx.User).ToString(),' in after["Program.cs"]
    assert after["Controllers/ZendeskController.cs"].endswith("""\
public class ZendeskController(CustomerDirectory customers) : ControllerBase
{

    // TODO(migrate:ZG226): ZendeskController has nothing left but its constructor: its Zendesk token
    // action Jwt is now the OpenID provider mapped in Program.cs. The class can go.
}
""")


def test_request_bound_parameters_and_services_move(tmp_path, monkeypatch):
    action = _signing_action('"external_id", directory.IdFor(principal);"name", request.Headers["X-Name"].ToString()',
                             params="[FromServices] ICustomerDirectory directory, ClaimsPrincipal principal, "
                                    "HttpRequest request")
    site = _controller(tmp_path, monkeypatch, action)
    mapping = _mapping(_after(_generate(site))["Program.cs"])
    assert ('["sub"] = ctx.RequestServices.GetRequiredService<ICustomerDirectory>().IdFor(ctx.User).ToString(),'
            in mapping)
    assert '["name"] = ctx.Request.Headers["X-Name"].ToString(),' in mapping
    assert "TODO" not in mapping


def test_a_private_helper_of_the_controller_is_not_taken_for_the_action(tmp_path, monkeypatch):
    action = _signing_action('"external_id", User.FindFirstValue(ClaimTypes.NameIdentifier)', attributes="",
                             returns="string").replace("public string Jwt()", "private string Sign()")
    action = action.replace("return Content(token);", "return token;")
    site = _controller(tmp_path, monkeypatch, '    [HttpGet("jwt")]\n    public IActionResult Jwt() => '
                                              'Content(Sign());\n\n' + action)
    result = _generate(site)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone"
    assert "is not inside a controller action or a minimal API route lambda (it is in Sign)" in outcome.text
    after = _after(result)
    controller = after["Controllers/ZendeskController.cs"]
    assert "    // TODO(migrate:ZG221): mount the sign-in provider from Controllers/GenesysOidcProvider.cs" in controller
    assert controller.index("TODO(migrate:ZG221)") < controller.index("private string Sign()")
    assert "Program.cs" not in after, "nothing is mounted"


def test_signing_outside_an_endpoint_gets_the_standalone_provider(tmp_path, monkeypatch):
    site = _controller(tmp_path, monkeypatch, "")
    (site / "Services").mkdir()
    service = """\
using JWT.Algorithms;
using JWT.Builder;

public class ZendeskTokens
{
    public string For(string customerId) => JwtBuilder.Create()
        .WithAlgorithm(new HMACSHA256Algorithm())
        .WithSecret("***")
        .AddClaim("external_id", customerId)
        .AddClaim("name", Directory.NameOf(customerId))
        .AddClaim("scope", "user")
        .Encode();
}
"""
    (site / "Services" / "ZendeskTokens.cs").write_text(service)
    result = _generate(site)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone"
    assert "Services/ZendeskTokens.cs:6: the Zendesk signing code is not inside a controller action" in outcome.text
    after = _after(result)
    for path in ("Services/GenesysOidcProvider.cs", "Services/GenesysOidcClaims.cs", "Services/ZendeskTokens.cs"):
        _parses(after[path])
    # the note right above the method, nothing removed
    lines = after["Services/ZendeskTokens.cs"].split("\n")
    (note,) = [line for line in lines if "TODO(migrate:ZG221)" in line]
    assert "\n".join(line for line in lines if line != note) == service
    assert lines.index(note) + 1 == lines.index("    public string For(string customerId) => JwtBuilder.Create()")
    assert note.startswith("    // TODO(migrate:ZG221): mount the sign-in provider from Services/GenesysOidcProvider.cs "
                           '(builder.Services.AddGenesysOidc(); app.MapGenesysOidc("/oidc", GenesysOidcClaims.For')
    assert "not inside a controller action" in note
    claims = after["Services/GenesysOidcClaims.cs"]
    # the method's parameter is unknown to the provider: no user, never code that does not compile
    assert "// TODO(migrate:ZG222): sub: `customerId` reads customerId, unknown here" in claims
    assert "        return null;\n" in claims
    assert "Program.cs" not in after


def test_crlf_and_bom_program_keeps_them(controller_site):
    program = controller_site / "Program.cs"
    program.write_bytes(b"\xef\xbb\xbf" + program.read_bytes().replace(b"\n", b"\r\n"))
    result = _generate(controller_site)
    result.changes.apply()
    data = program.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"MapGenesysOidc" in data
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    provider = (controller_site / "GenesysOidcProvider.cs").read_bytes()
    assert b"\n" not in provider.replace(b"\r\n", b""), "the provider follows Program.cs's line endings"


# --- transforms, project file, usings ------------------------------------------------------------

def _claim(target: str, transform: str | None, text: str, kind: str = "other", value=None,
           resolved: Expr | None = None) -> ClaimMapping:
    return ClaimMapping(target, target, Expr(text, 1, 1, kind, value, resolved), transform, "rules.yaml:1")


@pytest.mark.parametrize("mapping,expected", [
    (_claim("sub", "string", "customer.Id"), "customer.Id.ToString()"),
    (_claim("sub", "string", "a + b", "binary"), "(a + b).ToString()"),
    (_claim("sub", "string", "User.FindFirstValue(ClaimTypes.NameIdentifier)!", "call"),
     "User.FindFirstValue(ClaimTypes.NameIdentifier)!"),
    (_claim("sub", "string", '$"c-{id}"', "template"), '$"c-{id}"'),
    (_claim("sub", "string", '"fixed"', "string", "fixed"), '"fixed"'),
    (_claim("sub", "string", "id", "name", resolved=Expr("user.Id.ToString()", 1, 1, "call")), "id"),
    (_claim("email_verified", "boolean", '"true"', "string", "true"), "true"),
    (_claim("email_verified", "boolean", "true", "bool", True), "true"),
    (_claim("email_verified", "boolean", "customer.EmailConfirmed", "member"),
     "Convert.ToBoolean(customer.EmailConfirmed)"),
    (_claim("email_verified", "boolean", "User.HasClaim(\"v\", \"1\")", "call"), "User.HasClaim(\"v\", \"1\")"),
    (_claim("age", "number", "form.Age", "member"), "Convert.ToInt64(form.Age)"),
    (_claim("age", "number", "42", "int", 42), "42"),
    (_claim("name", None, "user.Name", "member"), "user.Name"),
])
def test_transforms_in_csharp(mapping, expected):
    assert transformed(mapping, mapping.expression.text) == expected


def test_project_file_keeps_tabs_and_crlf_and_moves_identitymodel_up():
    text = ("<Project Sdk=\"Microsoft.NET.Sdk.Web\">\r\n\t<ItemGroup>\r\n"
            "\t\t<PackageReference Include=\"Microsoft.IdentityModel.Tokens\" Version=\"7.1.2\" />\r\n"
            "\t\t<PackageReference Include=\"Dapper\">\r\n\t\t\t<Version>2.1.35</Version>\r\n"
            "\t\t</PackageReference>\r\n\t</ItemGroup>\r\n</Project>\r\n")
    out = project_with_package(text)
    assert out == text.replace("7.1.2", "8.3.0").replace(
        "\t\t</PackageReference>\r\n",
        "\t\t</PackageReference>\r\n\t\t<PackageReference Include=\"System.IdentityModel.Tokens.Jwt\" "
        "Version=\"8.3.0\" />\r\n\t\t<PackageReference Include=\"StackExchange.Redis\" Version=\"2.8.16\" />\r\n")
    assert project_with_package(out) is None, "already there: nothing to do"


def test_project_file_without_packages_gets_an_item_group():
    text = ("<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n\n  <PropertyGroup>\n    <Nullable>enable</Nullable>\n"
            "  </PropertyGroup>\n\n</Project>\n")
    assert project_with_package(text) == text.replace(
        "</PropertyGroup>\n\n", "</PropertyGroup>\n\n  <ItemGroup>\n    <PackageReference "
        "Include=\"System.IdentityModel.Tokens.Jwt\" Version=\"8.3.0\" />\n    <PackageReference "
        "Include=\"StackExchange.Redis\" Version=\"2.8.16\" />\n  </ItemGroup>\n\n")


def test_project_file_with_the_redis_client_already_keeps_its_version():
    text = ("<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <ItemGroup>\n"
            "    <PackageReference Include=\"StackExchange.Redis\" Version=\"2.9.11\" />\n"
            "  </ItemGroup>\n</Project>\n")
    out = project_with_package(text)
    assert out == text.replace("2.9.11\" />\n", "2.9.11\" />\n    <PackageReference "
                               "Include=\"System.IdentityModel.Tokens.Jwt\" Version=\"8.3.0\" />\n")
    assert project_with_package(out) is None


def test_signing_usings_stay_while_something_uses_them():
    before = "using JWT.Serializers;\n\nclass A { object S() => new JwtBuilder(); }\n"
    assert drop_unused_usings(before, before.replace("new JwtBuilder()", "null")) == \
        "\nclass A { object S() => null; }\n"
    unused_before = "using JWT.Serializers;\n\nclass A { }\n"
    assert drop_unused_usings(unused_before, unused_before + "// edited\n") == unused_before + "// edited\n", \
        "what the old code did not use either is left alone"
    text = ("using System.IdentityModel.Tokens.Jwt;\nusing JWT.Builder;\nusing Microsoft.IdentityModel.Tokens;\n"
            "\nclass A { string? B() => new JwtPayload().Sub; }\n"
            "// JwtBuilder was here\n")
    out = drop_unused_usings(text.replace("class A", "class A { object Old() => new SecurityTokenDescriptor(); }\n"
                                                       "class A0"), text)
    assert "using System.IdentityModel.Tokens.Jwt;" in out  # JwtPayload
    assert "using JWT.Builder;" in out  # conservative: Jwt... could be JWT.Net's
    assert "using Microsoft.IdentityModel.Tokens;" not in out
