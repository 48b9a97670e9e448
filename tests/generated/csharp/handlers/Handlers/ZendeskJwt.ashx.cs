using System;
using System.Collections.Generic;
using System.Web;
using System.Web.SessionState;
using JWT;
using JWT.Algorithms;
using JWT.Serializers;

namespace Shop.Handlers
{
    /// <summary>The messaging widget's JWT for the customer signed in to this session.</summary>
    public class ZendeskJwt : IHttpHandler, IRequiresSessionState
    {
        public bool IsReusable
        {
            get { return true; }
        }

        public void ProcessRequest(HttpContext context)
        {
            var customer = context.Session["customer"] as Customer;
            if (customer == null)
            {
                context.Response.StatusCode = 401;
                return;
            }
            var payload = new Dictionary<string, object>
            {
                { "external_id", customer.Id.ToString() },
                { "email", customer.Email },
                { "name", customer.Name },
                { "exp", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() },
                { "scope", "user" }
            };
            var headers = new Dictionary<string, object> { { "kid", "app_62b5e0ffca5a3800f0225c53" } };
            IJwtEncoder encoder = new JwtEncoder(new HMACSHA256Algorithm(), new JsonNetSerializer(), new JwtBase64UrlEncoder());
            context.Response.ContentType = "text/plain";
            context.Response.Write(encoder.Encode(headers, payload, Environment.GetEnvironmentVariable("ZENDESK_MESSAGING_SECRET")));
        }
    }
}
