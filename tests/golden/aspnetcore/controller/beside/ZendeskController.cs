using System;
using System.Security.Claims;
using JWT.Algorithms;
using JWT.Builder;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;

namespace Shop.Controllers;

/// <summary>Signs the chat widget in as the customer who is logged in to the shop.</summary>
[ApiController]
[Route("zendesk")]
public class ZendeskController : ControllerBase
{
    private readonly IConfiguration _configuration;

    public ZendeskController(IConfiguration configuration)
    {
        _configuration = configuration;
    }

    // Zendesk messaging: the widget's loginUser callback fetches the customer's JWT here.
    // TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt is kept while the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)
    [Authorize]
    [HttpGet("jwt")]
    [Produces("text/plain")]
    public IActionResult Jwt()
    {
        var customerId = User.FindFirstValue(ClaimTypes.NameIdentifier);
        var token = JwtBuilder.Create()
            .WithAlgorithm(new HMACSHA256Algorithm())
            .WithSecret(_configuration["Zendesk:MessagingSecret"])
            .AddHeader(HeaderName.KeyId, _configuration["Zendesk:MessagingKeyId"])
            .AddClaim("external_id", customerId)
            .AddClaim("name", User.Identity?.Name)
            .AddClaim("email", User.FindFirstValue(ClaimTypes.Email))
            .AddClaim("email_verified", User.HasClaim("email_verified", "true"))
            .AddClaim("scope", "user")
            .ExpirationTime(DateTime.UtcNow.AddMinutes(5))
            .Encode();
        return Content(token, "text/plain");
    }
}
