using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using GenesysOidc;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.IdentityModel.Tokens;

var builder = WebApplication.CreateBuilder(args);

builder.Services
    .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(options => options.LoginPath = "/login");
builder.Services.AddAuthorization(options =>
    options.AddPolicy("Customers", policy => policy.RequireClaim("customer_id")));
builder.Services.AddGenesysOidc();

var app = builder.Build();

app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();

// Genesys Cloud Messenger signs users in through this OpenID provider (beside the Zendesk token route
// GET /zendesk/jwt until cut-over); Genesys redeems the codes it issues.
app.MapGenesysOidc("/oidc", http => new Dictionary<string, object>
{
    ["sub"] = http.User.FindFirstValue("customer_id")!,  // external_id -> sub (zendesk-messaging.yaml:10)
    ["name"] = http.User.Identity!.Name!,  // name -> name (zendesk-messaging.yaml:11)
    ["email"] = http.User.FindFirstValue(ClaimTypes.Email)!,  // email -> email (zendesk-messaging.yaml:12)
    ["email_verified"] = true,  // email_verified -> email_verified (zendesk-messaging.yaml:13)
}, authorizationPolicy: "Customers");

// Zendesk messaging: the JWT the widget's loginUser callback asks for.
// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt is kept while the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)
app.MapGet("/zendesk/jwt", (HttpContext http, IConfiguration config) =>
{
    var secret = Encoding.UTF8.GetBytes(config["Zendesk:MessagingSecret"]!);
    var credentials = new SigningCredentials(
        new SymmetricSecurityKey(secret) { KeyId = config["Zendesk:MessagingKeyId"] },
        SecurityAlgorithms.HmacSha256);
    var descriptor = new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object>
        {
            ["external_id"] = http.User.FindFirstValue("customer_id")!,
            ["name"] = http.User.Identity!.Name!,
            ["email"] = http.User.FindFirstValue(ClaimTypes.Email)!,
            ["email_verified"] = "true",
            ["scope"] = "user",
        },
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = credentials,
    };
    return Results.Text(new JwtSecurityTokenHandler().CreateEncodedJwt(descriptor));
}).RequireAuthorization("Customers");

app.MapGet("/orders", (ClaimsPrincipal user) => Results.Ok(Array.Empty<string>()))
    .RequireAuthorization("Customers");

app.Run();
