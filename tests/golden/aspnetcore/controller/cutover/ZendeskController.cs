using System;
using System.Security.Claims;
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

    // TODO(migrate:ZG226): ZendeskController has nothing left but its constructor: its Zendesk token
    // action Jwt is now the OpenID provider mapped in Program.cs. The class can go.
}
