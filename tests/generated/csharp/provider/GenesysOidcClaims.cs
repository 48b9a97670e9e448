// Who is signed in, for the provider under test: the "session" cookie names the visitor. "alice"
// and "bob" are signed in without a known sign-in time; "alice-fresh" signed in just now and
// "alice-stale" an hour ago, which the site tells through the auth_time claim.
using System;
using System.Collections.Generic;
using System.Web;

namespace GenesysOidc
{
    public static class GenesysOidcClaims
    {
        public static IDictionary<string, object> For(HttpContext context)
        {
            var cookie = context.Request.Cookies["session"];
            var session = cookie == null ? null : cookie.Value;
            var now = GenesysOidcHandler.Clock();
            switch (session)
            {
                case "alice":
                    return Alice();
                case "alice-fresh":
                    var fresh = Alice();
                    fresh["auth_time"] = now.AddSeconds(-5);
                    return fresh;
                case "alice-stale":
                    var stale = Alice();
                    stale["auth_time"] = now.AddHours(-1).ToUnixTimeSeconds();
                    return stale;
                case "bob":
                    return new Dictionary<string, object>
                    {
                        { "sub", "b-7" }, { "name", "Bob Example" }, { "email", "bob@example.com" }, { "email_verified", true },
                    };
                default:
                    return null;
            }
        }

        private static Dictionary<string, object> Alice()
        {
            return new Dictionary<string, object>
            {
                { "sub", 42 }, { "name", "Alice Example" }, { "email", "alice@example.com" }, { "email_verified", true },
                { "roles", new[] { "customer", "vip" } },
            };
        }
    }
}
