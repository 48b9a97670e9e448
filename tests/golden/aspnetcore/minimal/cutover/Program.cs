using System.Security.Claims;
using System.Text;
using GenesysOidc;
using Microsoft.AspNetCore.Authentication.Cookies;

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

// Genesys Cloud Messenger signs users in through this OpenID provider (it replaces the Zendesk token
// route GET /zendesk/jwt); Genesys redeems the codes it issues.
app.MapGenesysOidc("/oidc", http => new Dictionary<string, object>
{
    ["sub"] = http.User.FindFirstValue("customer_id")!,  // external_id -> sub (zendesk-messaging.yaml:10)
    ["name"] = http.User.Identity!.Name!,  // name -> name (zendesk-messaging.yaml:11)
    ["email"] = http.User.FindFirstValue(ClaimTypes.Email)!,  // email -> email (zendesk-messaging.yaml:12)
    ["email_verified"] = true,  // email_verified -> email_verified (zendesk-messaging.yaml:13)
}, authorizationPolicy: "Customers");

app.MapGet("/orders", (ClaimsPrincipal user) => Results.Ok(Array.Empty<string>()))
    .RequireAuthorization("Customers");

app.Run();
