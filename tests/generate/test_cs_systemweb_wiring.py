"""ASP.NET on .NET Framework (System.Web): MVC 5 controller actions and .ashx generic handlers as
routes, through the stage API (migrate.generate.run.generate) on small sites written here.

Per shape: the route scan reports is the route generate keeps beside the provider (and names in
the keep note); the guard in front of the old endpoint ([Authorize], a global filter, Web.config,
a login check inside it) comes first in GenesysOidcClaims.For; `--cutover` removes what only the
route used and nothing else. The sites are built and served under Mono in
tests/generated/test_cs_mvc_run.py and test_cs_ashx_run.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from wiring_support import after, assert_parses

from migrate.generate import config as cfg
from migrate.generate.run import generate
from migrate.scan import scan

DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ISSUER = "https://shop.example.com/oidc"

WEB_CONFIG = """\
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.web>
    <compilation targetFramework="4.8" />
    <authentication mode="Forms" />
  </system.web>
</configuration>
"""
ROUTE_CONFIG = """\
using System.Web.Mvc;
using System.Web.Routing;

namespace Shop
{
    public class RouteConfig
    {
        public static void RegisterRoutes(RouteCollection routes)
        {
            routes.IgnoreRoute("{resource}.axd/{*pathInfo}");
            %s
            routes.MapRoute("Default", "{controller}/{action}/{id}",
                new { controller = "Home", action = "Index", id = UrlParameter.Optional });
        }
    }
}
"""
SIGN = """\
            var payload = new Dictionary<string, object>
            {
                { "external_id", %s },
                { "name", %s },
                { "scope", "user" }
            };
            IJwtEncoder encoder = new JwtEncoder(new HMACSHA256Algorithm(), new JsonNetSerializer(), new JwtBase64UrlEncoder());
            var token = encoder.Encode(payload, Environment.GetEnvironmentVariable("ZENDESK_MESSAGING_SECRET"));
"""


def controller(attributes: str = "        [Authorize]\n", body: str = "", claims=("User.Identity.Name",) * 2,
               cls_attributes: str = "", extra: str = "") -> str:
    return ("using System;\nusing System.Collections.Generic;\nusing System.Web.Mvc;\nusing JWT;\n"
            "using JWT.Algorithms;\nusing JWT.Serializers;\n\nnamespace Shop.Controllers\n{\n"
            f"{cls_attributes}    public class ZendeskController : Controller\n    {{\n{attributes}"
            "        public ActionResult Jwt()\n        {\n" + body + SIGN % claims +
            "            return Content(token);\n        }\n" + extra + "    }\n}\n")


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def site(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "site"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def run(root: Path, cutover: bool = False):
    return generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER),
                    cutover=cutover)


def scanned_route(root: Path) -> str | None:
    (view,) = [v for v in scan(str(root), jobs=1).inventory.signers if v.purpose == "zendesk"]
    return view.signer.route


def agreed(root: Path):
    """The run, after checking it kept the route scan reports and named it in the keep note."""
    result = run(root)
    (outcome,) = result.outcomes
    assert outcome.status == "wired", outcome.text
    assert outcome.route == scanned_route(root)
    texts = after(result)
    for path, text in texts.items():
        if path.endswith(".cs"):
            assert_parses("csharp", text)
    assert f"the Zendesk token route {outcome.route} is kept" in texts[outcome.path]
    return result, texts


def mvc_site(tmp_path: Path, zendesk: str, route_line: str = "", **more: str) -> Path:
    return site(tmp_path, {"Web.config": WEB_CONFIG, "App_Start/RouteConfig.cs": ROUTE_CONFIG % route_line,
                           "Controllers/ZendeskController.cs": zendesk, **more})


def claims_of(texts: dict[str, str]) -> str:
    return next(t for p, t in texts.items() if p.endswith("GenesysOidcClaims.cs"))


# --- routes ----------------------------------------------------------------------------------------

def test_conventional_route_from_the_default_map_route(tmp_path):
    result, texts = agreed(mvc_site(tmp_path, controller()))
    assert result.outcomes[0].route == "* /Zendesk/Jwt"
    assert 'routes.IgnoreRoute("oidc/{*pathInfo}");' in texts["App_Start/RouteConfig.cs"]


def test_a_map_route_of_its_own_comes_first(tmp_path):
    own = 'routes.MapRoute("Jwt", "api/zendesk/token", new { controller = "Zendesk", action = "Jwt" });'
    result, _ = agreed(mvc_site(tmp_path, controller("        [Authorize]\n        [HttpPost]\n"), own))
    assert result.outcomes[0].route == "POST /api/zendesk/token"


def test_no_route_table_seen_is_mvcs_default(tmp_path):
    root = site(tmp_path, {"Web.config": WEB_CONFIG, "Controllers/ZendeskController.cs": controller()})
    result, texts = agreed(root)
    assert result.outcomes[0].route == "* /Zendesk/Jwt"
    assert not any("IgnoreRoute" in t for t in texts.values())


def test_an_areas_map_route_is_not_the_sites(tmp_path):
    area = ("using System.Web.Mvc;\n\nnamespace Shop.Areas.Admin\n{\n    public class AdminAreaRegistration : "
            "AreaRegistration\n    {\n        public override string AreaName { get { return \"Admin\"; } }\n\n"
            "        public override void RegisterArea(AreaRegistrationContext context)\n        {\n"
            "            context.MapRoute(\"Admin_jwt\", \"admin/jwt\", new { controller = \"Zendesk\", action = \"Jwt\" });\n"
            "        }\n    }\n}\n")
    result, _ = agreed(mvc_site(tmp_path, controller(), **{"Areas/Admin/AdminAreaRegistration.cs": area}))
    assert result.outcomes[0].route == "* /Zendesk/Jwt"


@pytest.mark.parametrize(("cls_attributes", "attributes", "expected"), [
    ('    [RoutePrefix("api/zendesk")]\n', '        [Authorize]\n        [HttpPost]\n        [Route("jwt")]\n',
     "POST /api/zendesk/jwt"),
    ('    [RoutePrefix("api/zendesk")]\n', '        [Authorize]\n        [Route("~/widget/jwt/{id?}")]\n',
     "* /widget/jwt"),
    ('    [Route("zendesk/{action}")]\n', '        [Authorize]\n        [HttpGet]\n        [ActionName("token")]\n',
     "GET /zendesk/token"),
])
def test_attribute_routes(tmp_path, cls_attributes, attributes, expected):
    result, texts = agreed(mvc_site(tmp_path, controller(attributes, cls_attributes=cls_attributes)))
    assert result.outcomes[0].route == expected
    # The note goes above the action's attributes.
    first = attributes.splitlines()[0]
    assert f"is kept while the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)\n" \
           f"{first}\n" in texts["Controllers/ZendeskController.cs"]


# --- guards ----------------------------------------------------------------------------------------

def test_authorize_with_roles_is_carried(tmp_path):
    _, texts = agreed(mvc_site(tmp_path, controller('        [Authorize(Roles = "Customers, Staff")]\n')))
    claims = claims_of(texts)
    assert "if (context.User == null || !context.User.Identity.IsAuthenticated) return null;  " \
           "// [Authorize] on the old action" in claims
    assert 'if (!(context.User.IsInRole("Customers") || context.User.IsInRole("Staff"))) return null;' in claims
    assert '["sub"] = context.User.Identity.Name,' in claims and "TODO" not in claims


def test_allow_anonymous_wins_and_an_unguarded_action_refuses_with_a_todo(tmp_path):
    zendesk = controller("        [AllowAnonymous]\n", cls_attributes="    [Authorize]\n")
    _, texts = agreed(mvc_site(tmp_path, zendesk))
    claims = claims_of(texts)
    assert "TODO(migrate:ZG223): nothing in the old code said who is signed in" in claims
    assert "if (context.User.Identity?.IsAuthenticated != true) return null;" in claims
    assert "[Authorize] on the old action" not in claims


def test_a_global_authorize_filter_guards_the_action(tmp_path):
    filters = ("using System.Web.Mvc;\n\nnamespace Shop\n{\n    public class FilterConfig\n    {\n"
               "        public static void RegisterGlobalFilters(GlobalFilterCollection filters)\n        {\n"
               "            filters.Add(new HandleErrorAttribute());\n            filters.Add(new AuthorizeAttribute());\n"
               "        }\n    }\n}\n")
    _, texts = agreed(mvc_site(tmp_path, controller(""), **{"App_Start/FilterConfig.cs": filters}))
    claims = claims_of(texts)
    assert "return null;  // the site's global AuthorizeAttribute filter" in claims and "TODO" not in claims


def test_a_login_check_inside_the_action_is_carried(tmp_path):
    body = ("            if (!Request.IsAuthenticated)\n            {\n"
            "                return RedirectToAction(\"Login\", \"Account\");\n            }\n"
            "            var customer = Session[\"customer\"] as Customer;\n"
            "            if (customer == null) return new HttpStatusCodeResult(401);\n")
    zendesk = controller("", body, ("customer.Id.ToString()", "customer.Name"),
                         extra="    }\n\n    public class Customer\n    {\n        public int Id { get; set; }\n"
                               "        public string Name { get; set; }\n")
    _, texts = agreed(mvc_site(tmp_path, zendesk))
    claims = claims_of(texts)
    body = claims[claims.index("For(HttpContext context)"):]
    assert body.index("if (!context.Request.IsAuthenticated) return null;  // the old endpoint answered return "
                      'RedirectToAction("Login", "Account");') < \
        body.index('var customer = context.Session["customer"] as Customer;') < body.index("if (customer == null)")
    assert "TODO" not in claims


def test_a_claim_reading_a_controller_member_answers_no_user(tmp_path):
    _, texts = agreed(mvc_site(tmp_path, controller(claims=("User.Identity.Name", "ViewBag.Name"))))
    claims = claims_of(texts)
    assert "TODO(migrate:ZG222): name: `ViewBag.Name` reads ViewBag" in claims
    assert claims.count("return null;") == 1 and "//     [\"name\"] = ViewBag.Name" in claims


# --- generic handlers ------------------------------------------------------------------------------

def handler_code(check: str = "") -> str:
    sign = "".join(line[4:] + "\n" for line in (SIGN % (("ctx.User.Identity.Name",) * 2)).splitlines())
    return ("using System;\nusing System.Collections.Generic;\nusing System.Web;\nusing JWT;\nusing JWT.Algorithms;\n"
            "using JWT.Serializers;\n\npublic class ZendeskJwt : IHttpHandler\n{\n"
            "    public bool IsReusable { get { return true; } }\n\n"
            "    public void ProcessRequest(HttpContext ctx)\n    {\n" + check + sign +
            "        ctx.Response.Write(token);\n    }\n}\n")


def test_a_web_config_deny_guards_the_handler(tmp_path):
    config = WEB_CONFIG.replace("</configuration>", '  <location path="ZendeskJwt.ashx">\n    <system.web>\n'
                                "      <authorization>\n        <deny users=\"?\" />\n      </authorization>\n"
                                "    </system.web>\n  </location>\n</configuration>")
    root = site(tmp_path, {"Web.config": config,
                           "ZendeskJwt.ashx": '<%@ WebHandler Language="C#" CodeBehind="ZendeskJwt.ashx.cs" '
                                              'Class="ZendeskJwt" %>\n',
                           "ZendeskJwt.ashx.cs": handler_code()})
    result, texts = agreed(root)
    assert result.outcomes[0].route == "* /ZendeskJwt.ashx"
    claims = claims_of(texts)
    assert "return null;  // Web.config denies anonymous visitors the old handler" in claims
    assert '["sub"] = context.User.Identity.Name,' in claims and "TODO" not in claims


def test_an_inline_handler_gets_the_provider_in_app_code_and_cutover_deletes_it(tmp_path):
    check = "        if (!ctx.Request.IsAuthenticated) { ctx.Response.StatusCode = 401; return; }\n"
    inline = '<%@ WebHandler Language="C#" Class="ZendeskJwt" %>\n\n' + handler_code(check)
    root = site(tmp_path, {"Web.config": WEB_CONFIG, "zendesk/ZendeskJwt.ashx": inline,
                           "App_Code/Customers.cs": "namespace Shop { public static class Customers { } }\n"})
    result, texts = agreed(root)
    assert result.outcomes[0].route == "* /zendesk/ZendeskJwt.ashx"
    assert {"App_Code/GenesysOidcClaims.cs", "App_Code/GenesysOidcHandler.cs"} <= set(texts)
    assert "if (!context.Request.IsAuthenticated) return null;  // the old endpoint answered ctx.Response.StatusCode " \
           "= 401;" in claims_of(texts)
    result.changes.apply()
    cut = run(root, cutover=True)
    assert [o.status for o in cut.outcomes] == ["cut"]
    assert {c.path: c.after for c in cut.changes.changes} == {"zendesk/ZendeskJwt.ashx": None}


# --- cut-over ----------------------------------------------------------------------------------------

def test_cutover_takes_only_the_action_from_a_controller_with_others(tmp_path):
    other = "\n        public ActionResult Help()\n        {\n            return Content(\"help\");\n        }\n"
    root = mvc_site(tmp_path, controller(extra=other),
                    'routes.MapRoute("Jwt", "zendesk/jwt", new { controller = "Zendesk", action = "Jwt" });',
                    **{"packages.config": '<?xml version="1.0" encoding="utf-8"?>\n<packages>\n'
                                          '  <package id="JWT" version="10.1.1" targetFramework="net48" />\n'
                                          '</packages>\n',
                       "Services/Other.cs": "using JWT.Builder;\n\nnamespace Shop { class Other { } }\n"})
    run(root).changes.apply()
    cut = run(root, cutover=True)
    (outcome,) = cut.outcomes
    assert outcome.status == "cut" and outcome.route == "* /zendesk/jwt"
    texts = after(cut)
    zendesk = texts["Controllers/ZendeskController.cs"]
    assert_parses("csharp", zendesk)
    assert "Jwt()" not in zendesk and "TODO(migrate:ZG220)" not in zendesk and "public ActionResult Help()" in zendesk
    assert "using JWT" not in zendesk and "using System.Web.Mvc;" in zendesk
    assert '"zendesk/jwt"' not in texts["App_Start/RouteConfig.cs"] and "Default" in texts["App_Start/RouteConfig.cs"]
    assert "packages.config" not in texts, "another file still signs with JWT.Net"
    assert set(texts) == {"Controllers/ZendeskController.cs", "App_Start/RouteConfig.cs"}


def test_cutover_leaves_an_action_a_view_still_links(tmp_path):
    view = '<a href="@Url.Action("Jwt", "Zendesk")">token</a>\n'
    root = mvc_site(tmp_path, controller(), **{"Views/Home/Index.cshtml": view})
    run(root).changes.apply()
    cut = run(root, cutover=True)
    assert cut.changes.empty
    (outcome,) = cut.outcomes
    assert outcome.status == "manual" and "still linked from Views/Home/Index.cshtml" in outcome.text


def test_cutover_of_a_route_never_wired_replaces_it_in_one_step(tmp_path):
    root = mvc_site(tmp_path, controller())
    cut = run(root, cutover=True)
    (outcome,) = cut.outcomes
    assert outcome.status == "cut" and outcome.route == "* /Zendesk/Jwt"
    texts = after(cut)
    assert texts["Controllers/ZendeskController.cs"] is None
    assert "GenesysOidc.GenesysOidcHandler" in texts["Web.config"]
    assert "Controllers/GenesysOidcClaims.cs" in texts and 'IgnoreRoute("oidc/' in texts["App_Start/RouteConfig.cs"]
    assert not any("TODO(migrate:ZG220)" in (t or "") for t in texts.values())


def test_a_second_generate_after_apply_changes_nothing(tmp_path):
    root = mvc_site(tmp_path, controller())
    run(root).changes.apply()
    again = run(root)
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]


def test_texts_stay_as_written_around_the_note(tmp_path):
    zendesk = controller()
    _, texts = agreed(mvc_site(tmp_path, zendesk))
    lines = texts["Controllers/ZendeskController.cs"].splitlines(keepends=True)
    note = next(i for i, line in enumerate(lines) if "TODO(migrate:ZG220)" in line)
    assert "".join(lines[:note] + lines[note + 1:]) == zendesk
    assert lines[note].startswith("        // TODO") and lines[note + 1] == "        [Authorize]\n"


def test_cutover_of_a_service_method_nothing_calls_drops_the_package(tmp_path):
    """WebForms: the kept signing method of a service class goes, and JWT.Net with it (packages.config
    and the project's reference) once no code uses it."""
    service = ("using System;\nusing System.Collections.Generic;\nusing System.Web;\nusing JWT;\nusing JWT.Algorithms;\n"
               "using JWT.Serializers;\n\nnamespace Shop\n{\n    public class TokenService\n    {\n"
               "        public string Create()\n        {\n"
               + SIGN % (("HttpContext.Current.User.Identity.Name",) * 2)
               + "            return token;\n        }\n\n        public string Other() { return \"x\"; }\n    }\n}\n")
    project = ('<?xml version="1.0" encoding="utf-8"?>\n<Project ToolsVersion="15.0" '
               'xmlns="http://schemas.microsoft.com/developer/msbuild/2003">\n  <ItemGroup>\n'
               '    <Reference Include="System.Web" />\n'
               '    <Reference Include="JWT, Version=10.0.0.0, Culture=neutral, PublicKeyToken=6f98bca0f40f2ecf">\n'
               '      <HintPath>packages\\JWT.10.1.1\\lib\\net462\\JWT.dll</HintPath>\n    </Reference>\n'
               '  </ItemGroup>\n  <ItemGroup>\n    <Compile Include="TokenService.cs" />\n  </ItemGroup>\n</Project>\n')
    packages = ('<?xml version="1.0" encoding="utf-8"?>\n<packages>\n'
                '  <package id="JWT" version="10.1.1" targetFramework="net48" />\n'
                '  <package id="Newtonsoft.Json" version="13.0.3" targetFramework="net48" />\n</packages>\n')
    root = site(tmp_path, {"Web.config": WEB_CONFIG, "TokenService.cs": service, "Shop.csproj": project,
                           "packages.config": packages})
    run(root).changes.apply()
    cut = run(root, cutover=True)
    assert [o.status for o in cut.outcomes] == ["cut"]
    texts = after(cut)
    assert "Create()" not in texts["TokenService.cs"] and "Other()" in texts["TokenService.cs"]
    assert "using JWT" not in texts["TokenService.cs"]
    assert texts["packages.config"] == packages.replace(
        '  <package id="JWT" version="10.1.1" targetFramework="net48" />\n', "")
    assert "JWT" not in texts["Shop.csproj"] and '<Compile Include="GenesysOidcHandler.cs" />' in texts["Shop.csproj"]
