// GenesysOidcProvider.cs: this site's own OpenID Connect provider for Genesys Cloud
// authenticated Messenger.
//
// Genesys takes no site-signed JWT. The page's AuthProvider plugin fetches an authorization code
// for the signed-in user from /authorize; Genesys redeems it server-side at /token with the client
// secret and checks the ID token against /jwks.json.
//
// Wiring (Program.cs):
//
//     builder.Services.AddGenesysOidc();   // reads and checks GENESYS_OIDC_* at start-up
//     ...
//     app.UseAuthentication();
//     app.UseAuthorization();
//     app.MapGenesysOidc("/oidc",
//         claims: context => new Dictionary<string, object> { ["sub"] = ..., ["name"] = ... },
//         authorizationPolicy: "");         // "" = the default policy, as a bare [Authorize]
//
// Settings, from the environment, read once at start-up (a missing one stops start-up):
//
//     GENESYS_OIDC_ISSUER            issuer URL, e.g. https://shop.example.com/oidc
//                                    (http only for localhost and 127.0.0.1)
//     GENESYS_OIDC_CLIENT_ID         the client id entered in the Genesys integration
//     GENESYS_OIDC_CLIENT_SECRET     the client secret entered in the Genesys integration
//     GENESYS_OIDC_PRIVATE_KEY_FILE  PEM RSA private key, 2048 bits or more
//     GENESYS_OIDC_REDIRECT_URIS     comma-separated redirect URIs, compared exactly
//
// Package: System.IdentityModel.Tokens.Jwt (brings Microsoft.IdentityModel.Tokens).

#nullable enable

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IdentityModel.Tokens.Jwt;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace GenesysOidc
{
    /// <summary>
    /// The OpenID provider Genesys Cloud Messenger authenticates users against: discovery, JWKS,
    /// authorize (code flow with PKCE S256), token and userinfo endpoints.
    /// </summary>
    public static class GenesysOidc
    {
        /// <summary>An authorization code is single-use and valid this long at most.</summary>
        public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);

        /// <summary>Lifetime of ID tokens and access tokens (at most 10 minutes).</summary>
        public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

        /// <summary>RS256 keys below this size are refused at start-up.</summary>
        public const int MinimumKeySize = 2048;

        private const string IssuerVariable = "GENESYS_OIDC_ISSUER";
        private const string ClientIdVariable = "GENESYS_OIDC_CLIENT_ID";
        private const string ClientSecretVariable = "GENESYS_OIDC_CLIENT_SECRET";
        private const string PrivateKeyFileVariable = "GENESYS_OIDC_PRIVATE_KEY_FILE";
        private const string RedirectUrisVariable = "GENESYS_OIDC_REDIRECT_URIS";

        // Claims the provider sets itself: a mapped claim of the same name is dropped.
        private static readonly HashSet<string> ProtocolClaims = new(StringComparer.Ordinal)
        {
            "iss", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "azp", "at_hash", "c_hash", "jti",
        };

        // Own serializer options: the wire names are fixed by OAuth, whatever naming policy the
        // application configures for its own JSON.
        private static readonly JsonSerializerOptions JsonFormat = new(JsonSerializerDefaults.General);

        private static readonly JwtSecurityTokenHandler TokenHandler = new();

        /// <summary>
        /// Reads and checks the GENESYS_OIDC_* environment settings and registers the settings,
        /// the signing key and the in-memory code store as singletons. Throws
        /// <see cref="InvalidOperationException"/> naming every missing or invalid setting, so
        /// that a misconfigured application does not start.
        /// </summary>
        public static IServiceCollection AddGenesysOidc(this IServiceCollection services)
        {
            ArgumentNullException.ThrowIfNull(services);
            var (settings, key) = LoadSettings(Environment.GetEnvironmentVariable);
            services.AddSingleton(settings);
            services.AddSingleton(key);
            // In memory: right for one server process. With several (a web farm, several
            // containers), register a CodeStore backed by a shared store here instead.
            services.AddSingleton(new CodeStore());
            return services;
        }

        /// <summary>
        /// Maps the provider's endpoints under <paramref name="issuerPath"/>: the path of
        /// GENESYS_OIDC_ISSUER as this application sees it.
        /// </summary>
        /// <param name="app">The application's endpoint route builder.</param>
        /// <param name="issuerPath">Where the endpoints live, e.g. "/oidc".</param>
        /// <param name="claims">
        /// The signed-in user's ID token claims (<c>sub</c> required; <c>name</c>, <c>email</c>...),
        /// or null when nobody is signed in, which answers <c>login_required</c>.
        /// </param>
        /// <param name="authorizationPolicy">
        /// The site's login guard for the authorize endpoint: a policy name
        /// (<c>RequireAuthorization(policy)</c>), "" for the default policy as a bare
        /// <c>[Authorize]</c> (<c>RequireAuthorization()</c>), or null for none (then the
        /// <paramref name="claims"/> function alone decides who is signed in).
        /// </param>
        /// <param name="now">For tests: the clock used for code expiry and token times.</param>
        public static IEndpointRouteBuilder MapGenesysOidc(this IEndpointRouteBuilder app, string issuerPath,
            Func<HttpContext, IDictionary<string, object>?> claims, string? authorizationPolicy = null,
            Func<DateTimeOffset>? now = null)
        {
            ArgumentNullException.ThrowIfNull(app);
            ArgumentNullException.ThrowIfNull(issuerPath);
            ArgumentNullException.ThrowIfNull(claims);
            var settings = app.ServiceProvider.GetService<Settings>() ?? throw new InvalidOperationException(
                "Call builder.Services.AddGenesysOidc() before app.MapGenesysOidc(...).");
            var key = app.ServiceProvider.GetRequiredService<SigningKey>();
            var store = app.ServiceProvider.GetRequiredService<CodeStore>();
            var clock = now ?? (() => DateTimeOffset.UtcNow);

            var trimmed = issuerPath.Trim('/');
            var prefix = trimmed.Length == 0 ? "" : "/" + trimmed;
            var discovery = Discovery(settings);
            var jwks = new Dictionary<string, object> { ["keys"] = new[] { key.PublicJwk } };

            app.MapGet(prefix + "/.well-known/openid-configuration", () => Results.Json(discovery, JsonFormat));
            app.MapGet(prefix + "/jwks.json", () => Results.Json(jwks, JsonFormat));
            var authorize = app.MapGet(prefix + "/authorize",
                (HttpContext context) => Authorize(context, settings, store, claims, clock));
            // A Func rather than a RequestDelegate, so that the returned IResult is executed.
            Func<HttpContext, Task<IResult>> token = context => TokenAsync(context, settings, key, store, clock);
            app.MapPost(prefix + "/token", token);
            app.MapGet(prefix + "/userinfo", (HttpContext context) => UserInfo(context, store, clock));

            // The same login guard as the endpoint it replaces.
            if (authorizationPolicy is not null)
            {
                if (authorizationPolicy.Length == 0)
                {
                    authorize.RequireAuthorization();
                }
                else
                {
                    authorize.RequireAuthorization(authorizationPolicy);
                }
            }
            return app;
        }

        private static Dictionary<string, object> Discovery(Settings settings) => new()
        {
            ["issuer"] = settings.Issuer,
            ["authorization_endpoint"] = settings.Issuer + "/authorize",
            ["token_endpoint"] = settings.Issuer + "/token",
            ["jwks_uri"] = settings.Issuer + "/jwks.json",
            ["userinfo_endpoint"] = settings.Issuer + "/userinfo",
            ["response_types_supported"] = new[] { "code" },
            ["grant_types_supported"] = new[] { "authorization_code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post" },
            ["scopes_supported"] = new[] { "openid", "profile", "email" },
            ["claims_supported"] = new[]
            {
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce",
                "name", "given_name", "family_name", "email", "email_verified",
            },
        };

        private static IResult Authorize(HttpContext context, Settings settings, CodeStore store,
            Func<HttpContext, IDictionary<string, object>?> claims, Func<DateTimeOffset> clock)
        {
            context.Response.Headers["Cache-Control"] = "no-store";
            var query = context.Request.Query;

            // Until the client and its redirect URI are known, errors are shown, never redirected
            // (RFC 6749 section 4.1.2.1): a redirect there would hand codes to any site.
            var clientId = One(query["client_id"]);
            if (clientId is null || !string.Equals(clientId, settings.ClientId, StringComparison.Ordinal))
            {
                return Error("invalid_request", "unknown client_id");
            }
            var redirectUri = One(query["redirect_uri"]);
            if (redirectUri is null || !settings.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
            {
                return Error("invalid_request", "redirect_uri is not registered for this client");
            }

            var state = One(query["state"]);
            if (One(query["response_type"]) != "code")
            {
                return Refuse(context, redirectUri, state, "unsupported_response_type",
                    "response_type must be code");
            }
            var scopes = (One(query["scope"]) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!scopes.Contains("openid"))
            {
                return Refuse(context, redirectUri, state, "invalid_scope", "scope must include openid");
            }
            var challenge = One(query["code_challenge"]);
            if (One(query["code_challenge_method"]) != "S256" || challenge is null || !IsPkceValue(challenge))
            {
                return Refuse(context, redirectUri, state, "invalid_request",
                    "PKCE is required: code_challenge with code_challenge_method=S256");
            }

            // No signed-in user, no code.
            var user = claims(context);
            var subject = user is not null && user.TryGetValue("sub", out var sub)
                ? Convert.ToString(sub, CultureInfo.InvariantCulture)
                : null;
            if (user is null || string.IsNullOrEmpty(subject))
            {
                return Refuse(context, redirectUri, state, "login_required", "no signed-in user",
                    StatusCodes.Status401Unauthorized);
            }

            // The code carries everything the token endpoint must check and put in the ID token.
            // auth_time is when this signed-in session was confirmed.
            var issuedAt = clock();
            var code = store.IssueCode(new CodeGrant(clientId, redirectUri, challenge, One(query["nonce"]),
                UserClaims(user, subject), issuedAt, issuedAt + CodeLifetime), issuedAt);

            // The AuthProvider plugin fetches the code same-origin and hands it to Messenger.
            if (WantsJson(context.Request))
            {
                var body = new Dictionary<string, object> { ["code"] = code };
                if (state is not null)
                {
                    body["state"] = state;
                }
                return Results.Json(body, JsonFormat);
            }
            return Results.Redirect(WithQuery(redirectUri, ("code", code), ("state", state)));
        }

        private static async Task<IResult> TokenAsync(HttpContext context, Settings settings, SigningKey key,
            CodeStore store, Func<DateTimeOffset> clock)
        {
            // Token responses carry credentials (RFC 6749 section 5.1).
            context.Response.Headers["Cache-Control"] = "no-store";
            context.Response.Headers["Pragma"] = "no-cache";
            if (!context.Request.HasFormContentType)
            {
                return Error("invalid_request", "the body must be application/x-www-form-urlencoded");
            }
            var form = await context.Request.ReadFormAsync(context.RequestAborted);

            // Client authentication: client_secret_basic or client_secret_post, not both.
            var authorization = context.Request.Headers["Authorization"].ToString();
            var usesBasic = authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);
            if (usesBasic && form.ContainsKey("client_secret"))
            {
                return Error("invalid_request", "use one client authentication method");
            }
            var (clientId, clientSecret) = usesBasic
                ? ReadBasic(authorization)
                : (One(form["client_id"]), One(form["client_secret"]));
            // With basic, a client_id in the body (RFC 6749 section 4.1.3) must name the same client.
            var bodyClientId = One(form["client_id"]);
            var sameClient = bodyClientId is null || bodyClientId == clientId;
            // & rather than &&: both comparisons always run, so timing tells nothing.
            if (clientId is null || clientSecret is null || !sameClient
                || !(SecretEquals(clientId, settings.ClientId) & SecretEquals(clientSecret, settings.ClientSecret)))
            {
                return InvalidClient(context, usesBasic);
            }

            if (One(form["grant_type"]) != "authorization_code")
            {
                return Error("unsupported_grant_type", "grant_type must be authorization_code");
            }
            var code = One(form["code"]);
            if (code is null)
            {
                return Error("invalid_request", "code is required");
            }

            // Taking the code removes it: a replay, or a second guess at the verifier, finds nothing.
            var grant = store.TakeCode(code);
            var now = clock();
            if (grant is null || now >= grant.ExpiresAt)
            {
                return Error("invalid_grant", "the code is unknown, expired or already used");
            }
            if (!string.Equals(grant.ClientId, clientId, StringComparison.Ordinal))
            {
                return Error("invalid_grant", "the code was issued to another client");
            }
            if (!string.Equals(One(form["redirect_uri"]), grant.RedirectUri, StringComparison.Ordinal))
            {
                return Error("invalid_grant", "redirect_uri differs from the one sent to the authorize endpoint");
            }
            var verifier = One(form["code_verifier"]);
            if (verifier is null || !PkceMatches(verifier, grant.CodeChallenge))
            {
                return Error("invalid_grant", "code_verifier does not match the code_challenge");
            }

            var issuedAt = now.ToUnixTimeSeconds();
            var idClaims = new Dictionary<string, object>(grant.Claims, StringComparer.Ordinal)
            {
                ["iss"] = settings.Issuer,
                ["aud"] = grant.ClientId,
                ["iat"] = issuedAt,
                ["exp"] = issuedAt + (long)TokenLifetime.TotalSeconds,
                ["auth_time"] = grant.AuthTime.ToUnixTimeSeconds(),
            };
            if (grant.Nonce is not null)
            {
                idClaims["nonce"] = grant.Nonce;
            }
            var idToken = SignIdToken(key, idClaims);

            // userinfo answers with the ID token's claims, less the nonce of this one request.
            var userInfo = idClaims.Where(claim => claim.Key != "nonce")
                .ToDictionary(claim => claim.Key, claim => claim.Value, StringComparer.Ordinal);
            var accessToken = store.IssueAccessToken(new AccessGrant(userInfo, now + TokenLifetime), now);

            return Results.Json(new Dictionary<string, object>
            {
                ["access_token"] = accessToken,
                ["token_type"] = "Bearer",
                ["expires_in"] = (long)TokenLifetime.TotalSeconds,
                ["id_token"] = idToken,
            }, JsonFormat);
        }

        private static IResult UserInfo(HttpContext context, CodeStore store, Func<DateTimeOffset> clock)
        {
            context.Response.Headers["Cache-Control"] = "no-store";
            var authorization = context.Request.Headers["Authorization"].ToString();
            var grant = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? store.FindAccessToken(authorization.Substring("Bearer ".Length).Trim(), clock())
                : null;
            if (grant is null)
            {
                context.Response.Headers["WWW-Authenticate"] = "Bearer error=\"invalid_token\"";
                return Error("invalid_token", "an access token from this provider is required",
                    StatusCodes.Status401Unauthorized);
            }
            return Results.Json(grant.Claims, JsonFormat);
        }

        // RS256, header kid = the JWK thumbprint published in jwks.json, typ JWT.
        private static string SignIdToken(SigningKey key, IReadOnlyDictionary<string, object> claims)
        {
            var payload = new JwtPayload();
            foreach (var (name, value) in claims)
            {
                payload[name] = value;
            }
            return TokenHandler.WriteToken(new JwtSecurityToken(new JwtHeader(key.Credentials), payload));
        }

        // The mapped user claims, with sub as a string and the protocol claims left to the provider.
        private static Dictionary<string, object> UserClaims(IDictionary<string, object> user, string subject)
        {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var (name, value) in user)
            {
                if (value is not null && !ProtocolClaims.Contains(name))
                {
                    result[name] = value;
                }
            }
            result["sub"] = subject;
            return result;
        }

        // Constant time: hashing first makes both sides the same length, so timing reveals
        // neither the content nor the length of the expected value.
        private static bool SecretEquals(string presented, string expected) =>
            CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
                SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

        // PKCE S256 (RFC 7636 section 4.6): BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge.
        private static bool PkceMatches(string verifier, string challenge) =>
            IsPkceValue(verifier)
            && SecretEquals(Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), challenge);

        // RFC 7636 section 4.1: 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~".
        private static bool IsPkceValue(string value) =>
            value.Length >= 43 && value.Length <= 128
            && value.All(c => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9')
                or '-' or '.' or '_' or '~');

        // client_secret_basic: base64 of "id:secret", each form-urlencoded first (RFC 6749 section 2.3.1).
        private static (string? Id, string? Secret) ReadBasic(string authorization)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(
                    Convert.FromBase64String(authorization.Substring("Basic ".Length).Trim()));
                var colon = decoded.IndexOf(':');
                if (colon < 0)
                {
                    return (null, null);
                }
                return (WebUtility.UrlDecode(decoded.Substring(0, colon)),
                    WebUtility.UrlDecode(decoded.Substring(colon + 1)));
            }
            catch (FormatException)
            {
                return (null, null);
            }
        }

        private static IResult InvalidClient(HttpContext context, bool usesBasic)
        {
            if (usesBasic)
            {
                context.Response.Headers["WWW-Authenticate"] = "Basic realm=\"GenesysOidc\"";
            }
            return Error("invalid_client", "client authentication failed", StatusCodes.Status401Unauthorized);
        }

        // Errors once the redirect URI is known good go back to it (RFC 6749 section 4.1.2.1), or as
        // JSON to the AuthProvider plugin's fetch.
        private static IResult Refuse(HttpContext context, string redirectUri, string? state, string error,
            string description, int jsonStatus = StatusCodes.Status400BadRequest) =>
            WantsJson(context.Request)
                ? Error(error, description, jsonStatus)
                : Results.Redirect(WithQuery(redirectUri,
                    ("error", error), ("error_description", description), ("state", state)));

        private static IResult Error(string error, string description,
            int status = StatusCodes.Status400BadRequest) =>
            Results.Json(new Dictionary<string, object> { ["error"] = error, ["error_description"] = description },
                JsonFormat, statusCode: status);

        private static bool WantsJson(HttpRequest request) =>
            request.Headers["Accept"].ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);

        // A parameter sent once and not empty; repeated parameters are refused (RFC 6749 section 3.1).
        private static string? One(StringValues values) =>
            values.Count == 1 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

        private static string WithQuery(string uri, params (string Name, string? Value)[] parameters)
        {
            foreach (var (name, value) in parameters)
            {
                if (value is not null)
                {
                    uri = QueryHelpers.AddQueryString(uri, name, value);
                }
            }
            return uri;
        }

        // Reads every setting and fails once, naming every missing or invalid one, so that a
        // deployment is fixed in one go rather than one restart per variable.
        internal static (Settings Settings, SigningKey Key) LoadSettings(Func<string, string?> read)
        {
            string[] names =
            {
                IssuerVariable, ClientIdVariable, ClientSecretVariable, PrivateKeyFileVariable, RedirectUrisVariable,
            };
            var values = names.ToDictionary(name => name, name => read(name)?.Trim() ?? "");
            var problems = new List<string>();
            var missing = names.Where(name => values[name].Length == 0).ToList();
            if (missing.Count > 0)
            {
                problems.Add("missing " + string.Join(", ", missing));
            }

            var issuer = values[IssuerVariable].TrimEnd('/');
            if (issuer.Length > 0 && IssuerProblem(issuer) is string issuerProblem)
            {
                problems.Add($"{IssuerVariable}: {issuerProblem}");
            }
            var redirectUris = values[RedirectUrisVariable]
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var uri in redirectUris)
            {
                if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Fragment.Length > 0)
                {
                    problems.Add($"{RedirectUrisVariable}: {uri} is not an absolute URL without fragment");
                }
            }
            var keyFile = values[PrivateKeyFileVariable];
            var key = keyFile.Length > 0 ? LoadKey(keyFile, problems) : null;

            if (problems.Count > 0 || key is null)
            {
                key?.Dispose();
                throw new InvalidOperationException(
                    "Genesys OIDC provider cannot start: " + string.Join("; ", problems) + ".");
            }
            var settings = new Settings(issuer, values[ClientIdVariable], values[ClientSecretVariable], redirectUris);
            return (settings, key);
        }

        private static string? IssuerProblem(string issuer)
        {
            if (!Uri.TryCreate(issuer, UriKind.Absolute, out var uri)
                || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                return "must be an absolute URL without query or fragment";
            }
            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                return null;
            }
            // Plain http exposes codes and tokens in transit: only for a developer's own machine.
            if (uri.Scheme == Uri.UriSchemeHttp && (uri.Host == "localhost" || uri.Host == "127.0.0.1"))
            {
                return null;
            }
            return "must use https (http only for localhost and 127.0.0.1)";
        }

        private static SigningKey? LoadKey(string path, List<string> problems)
        {
            string pem;
            try
            {
                pem = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                problems.Add($"{PrivateKeyFileVariable}: cannot read {path}: {e.Message}");
                return null;
            }

            var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(pem);
                _ = rsa.ExportParameters(true); // throws for a public key: signing needs the private half
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                rsa.Dispose();
                problems.Add(
                    $"{PrivateKeyFileVariable}: {path} is not an unencrypted PEM RSA private key ({e.Message})");
                return null;
            }
            if (rsa.KeySize < MinimumKeySize)
            {
                problems.Add($"{PrivateKeyFileVariable}: the key has {rsa.KeySize} bits, "
                    + $"RS256 needs {MinimumKeySize} or more");
                rsa.Dispose();
                return null;
            }
            return new SigningKey(rsa);
        }

        /// <summary>The provider settings, read from the environment by AddGenesysOidc.</summary>
        public sealed class Settings
        {
            internal Settings(string issuer, string clientId, string clientSecret,
                IReadOnlyList<string> redirectUris)
            {
                Issuer = issuer;
                ClientId = clientId;
                ClientSecret = clientSecret;
                RedirectUris = redirectUris;
            }

            public string Issuer { get; }
            public string ClientId { get; }
            internal string ClientSecret { get; }
            public IReadOnlyList<string> RedirectUris { get; }
        }

        /// <summary>The RS256 signing key and its public JWK; kid is the RFC 7638 thumbprint.</summary>
        public sealed class SigningKey : IDisposable
        {
            private readonly RSA _rsa;

            internal SigningKey(RSA rsa)
            {
                _rsa = rsa;
                // From the public parameters only: given the private key, the converter would copy
                // its private parameters into the JWK too.
                var publicKey = new RsaSecurityKey(rsa.ExportParameters(false));
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(publicKey);
                var keyId = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
                KeyId = keyId;
                Credentials = new SigningCredentials(
                    new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);
                PublicJwk = new Dictionary<string, object>
                {
                    ["kty"] = "RSA",
                    ["n"] = jwk.N,
                    ["e"] = jwk.E,
                    ["alg"] = "RS256",
                    ["use"] = "sig",
                    ["kid"] = KeyId,
                };
            }

            public string KeyId { get; }
            public SigningCredentials Credentials { get; }
            public IReadOnlyDictionary<string, object> PublicJwk { get; }

            public void Dispose() => _rsa.Dispose();
        }

        /// <summary>What an authorization code stands for, checked and used at the token endpoint.</summary>
        public sealed record CodeGrant(string ClientId, string RedirectUri, string CodeChallenge, string? Nonce,
            IReadOnlyDictionary<string, object> Claims, DateTimeOffset AuthTime, DateTimeOffset ExpiresAt);

        /// <summary>What an access token stands for: the claims userinfo returns.</summary>
        public sealed record AccessGrant(IReadOnlyDictionary<string, object> Claims, DateTimeOffset ExpiresAt);

        /// <summary>
        /// Authorization codes and access tokens, in this process's memory. Several server
        /// processes need one shared store instead: back these four methods with it (e.g. Redis,
        /// SET with an expiry and GETDEL to take a code atomically) and keep the registration in
        /// AddGenesysOidc.
        /// </summary>
        public sealed class CodeStore
        {
            private readonly ConcurrentDictionary<string, CodeGrant> _codes = new(StringComparer.Ordinal);
            private readonly ConcurrentDictionary<string, AccessGrant> _accessTokens = new(StringComparer.Ordinal);

            public string IssueCode(CodeGrant grant, DateTimeOffset now)
            {
                RemoveExpired(now);
                var code = NewOpaqueValue();
                _codes[code] = grant;
                return code;
            }

            /// <summary>Removes and returns the grant: a code is redeemed once, even when that fails.</summary>
            public CodeGrant? TakeCode(string code) => _codes.TryRemove(code, out var grant) ? grant : null;

            public string IssueAccessToken(AccessGrant grant, DateTimeOffset now)
            {
                RemoveExpired(now);
                var token = NewOpaqueValue();
                _accessTokens[token] = grant;
                return token;
            }

            public AccessGrant? FindAccessToken(string token, DateTimeOffset now) =>
                _accessTokens.TryGetValue(token, out var grant) && now < grant.ExpiresAt ? grant : null;

            private void RemoveExpired(DateTimeOffset now)
            {
                foreach (var entry in _codes)
                {
                    if (now >= entry.Value.ExpiresAt)
                    {
                        _codes.TryRemove(entry.Key, out _);
                    }
                }
                foreach (var entry in _accessTokens)
                {
                    if (now >= entry.Value.ExpiresAt)
                    {
                        _accessTokens.TryRemove(entry.Key, out _);
                    }
                }
            }

            // 256 bits from the operating system's CSPRNG.
            private static string NewOpaqueValue() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        }
    }
}
