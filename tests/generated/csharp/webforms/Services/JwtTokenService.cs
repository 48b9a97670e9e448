using System;
using System.Collections.Generic;
using JWT;
using JWT.Algorithms;
using JWT.Serializers;

namespace Shop
{
    // Signs the Zendesk messaging widget's JWT for the customer of the current session.
    public class JwtTokenService
    {
        public string Secret { get; }

        public JwtTokenService(string secret)
        {
            Secret = secret;
        }

        public string Create()
        {
            var customer = SessionContext.Current.Customer;
            var headers = new Dictionary<string, object>
            {
                { "typ", "JWT" },
                { "kid", "app_62b5e0ffca5a3800f0225c53" }
            };
            var payload = new Dictionary<string, object>
            {
                { "external_id", customer.Id.ToString() },
                { "email", customer.Email },
                { "exp", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() },
                { "name", customer.Name },
                { "scope", "user" }
            };
            IJwtAlgorithm algorithm = new HMACSHA256Algorithm();
            IJsonSerializer serializer = new JsonNetSerializer();
            IBase64UrlEncoder urlEncoder = new JwtBase64UrlEncoder();
            IJwtEncoder encoder = new JwtEncoder(algorithm, serializer, urlEncoder);
            return encoder.Encode(headers, payload, Secret);
        }
    }
}
