using System.Security.Claims;
using GenesysOidc;
using Microsoft.AspNetCore.Authentication.Cookies;
using Shop.Data;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddControllersWithViews();
builder.Services.AddSingleton<OrderStore>();
builder.Services
    .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(options =>
    {
        options.LoginPath = "/account/login";
        options.Cookie.SameSite = SameSiteMode.Lax;
    });
builder.Services.AddAuthorization();
builder.Services.AddGenesysOidc();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error");
    app.UseHsts();
}

app.UseHttpsRedirection();
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();

app.MapControllers();
app.MapGet("/health", () => Results.Ok("ok"));

// Genesys Cloud Messenger signs users in through this OpenID provider (beside the Zendesk token action
// ZendeskController.Jwt, GET /zendesk/jwt until cut-over); Genesys redeems the codes it issues.
app.MapGenesysOidc("/oidc", ctx =>
{
    var customerId = ctx.User.FindFirstValue(ClaimTypes.NameIdentifier);
    return new Dictionary<string, object>
    {
        ["sub"] = customerId,  // external_id -> sub (zendesk-messaging.yaml:10)
        ["name"] = ctx.User.Identity?.Name,  // name -> name (zendesk-messaging.yaml:11)
        ["email"] = ctx.User.FindFirstValue(ClaimTypes.Email),  // email -> email (zendesk-messaging.yaml:12)
        ["email_verified"] = ctx.User.HasClaim("email_verified", "true"),  // email_verified -> email_verified (zendesk-messaging.yaml:13)
    };
}, authorizationPolicy: "");

app.Run();
