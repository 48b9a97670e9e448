using System;
using System.Collections.Generic;
using System.Web.Mvc;
using JWT;
using JWT.Algorithms;
using JWT.Serializers;
using Shop.Models;

namespace Shop.Controllers
{
    public class ZendeskController : Controller
    {
        // The messaging widget asks for its JWT here (zE('messenger', 'loginUser', ...) in _Layout).
        [Authorize]
        [HttpGet]
        public ActionResult Jwt()
        {
            var customer = Customers.Find(User.Identity.Name);
            var headers = new Dictionary<string, object>
            {
                { "typ", "JWT" },
                { "kid", "app_62b5e0ffca5a3800f0225c53" }
            };
            var payload = new Dictionary<string, object>
            {
                { "external_id", customer.Id.ToString() },
                { "email", customer.Email },
                { "name", customer.Name },
                { "exp", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() },
                { "scope", "user" }
            };
            IJwtEncoder encoder = new JwtEncoder(new HMACSHA256Algorithm(), new JsonNetSerializer(), new JwtBase64UrlEncoder());
            var secret = Environment.GetEnvironmentVariable("ZENDESK_MESSAGING_SECRET");
            return Content(encoder.Encode(headers, payload, secret));
        }
    }
}
