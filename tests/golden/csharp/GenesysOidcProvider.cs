// GenesysOidcProvider.cs: this site's own OpenID Connect provider for Genesys Cloud authenticated
// Messenger.
//
// Genesys takes no site-signed JWT. The page's AuthProvider plugin fetches an authorization code
// for the signed-in user from /authorize; Genesys redeems it server-side at /token with the client
// secret, checks the ID token against /jwks.json and renews the visitor's session with the refresh
// token (scope offline_access) until GENESYS_OIDC_REFRESH_TTL has passed since the sign-in.
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
// A claim "auth_time" (DateTime, DateTimeOffset or Unix seconds) from the claims function is the
// visitor's real sign-in time: max_age and prompt=login are checked against it.
//
// Settings, from the environment, read once at start-up (a missing one stops start-up):
//
//     GENESYS_OIDC_ISSUER            issuer URL, e.g. https://shop.example.com/oidc
//                                    (http only for localhost, 127.0.0.1 and ::1)
//     GENESYS_OIDC_CLIENT_ID         the client id entered in the Genesys integration
//     GENESYS_OIDC_CLIENT_SECRET     the client secret entered in the Genesys integration
//     GENESYS_OIDC_PRIVATE_KEY_FILE  PEM RSA private key, 2048 bits or more
//     GENESYS_OIDC_REDIRECT_URIS     comma-separated redirect URIs, compared exactly (http only
//                                    for loopback hosts)
//
// Optional:
//
//     GENESYS_OIDC_STORE_URL         redis://[user:password@]host[:port][/db] (rediss:// for TLS):
//                                    codes, tokens and replay records in Redis, taken atomically
//     GENESYS_OIDC_REFRESH_TTL       seconds a sign-in can be renewed with refresh tokens (900 to
//                                    7776000, default 86400): the integration's Max Refresh Token
//                                    Lifetime
//     GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE  the next signing key: its public half is published in the
//                                    JWKS ahead of the switch to it
//
// Store: Redis when GENESYS_OIDC_STORE_URL is set; otherwise the application's IDistributedCache
// when it registers a shared one (AddStackExchangeRedisCache, AddDistributedSqlServerCache...),
// which has no atomic take: a code is read then removed, so two servers redeeming the same code
// in the same instant could both succeed (GENESYS_OIDC_STORE_URL closes that); otherwise this
// process's memory, bounded, with a warning at start-up. Several server processes need one of
// the first two, or the application's own store, which comes first when registered
// (services.AddSingleton<GenesysOidc.GenesysOidc.IGenesysOidcStore>(...)).
//
// Packages: System.IdentityModel.Tokens.Jwt (brings Microsoft.IdentityModel.Tokens), StackExchange.Redis.

#nullable enable

using System;
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
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;

namespace GenesysOidc
{
    /// <summary>
    /// The OpenID provider Genesys Cloud Messenger authenticates users against: discovery, JWKS,
    /// authorize (code flow with PKCE S256), token (authorization code and refresh token) and
    /// userinfo endpoints.
    /// </summary>
    public static class GenesysOidc
    {
        /// <summary>An authorization code is single-use and valid this long at most.</summary>
        public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);

        /// <summary>Lifetime of ID tokens (at most 10 minutes).</summary>
        public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

        /// <summary>
        /// Lifetime of access tokens: Genesys keeps its session for min(15 min, this) before it
        /// renews it with the refresh token (community-reported figure).
        /// </summary>
        public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(15);

        /// <summary>GENESYS_OIDC_REFRESH_TTL by default, and the range Genesys accepts for it.</summary>
        public static readonly TimeSpan DefaultRefreshLifetime = TimeSpan.FromSeconds(86400);
        public static readonly TimeSpan MinimumRefreshLifetime = TimeSpan.FromSeconds(900);
        public static readonly TimeSpan MaximumRefreshLifetime = TimeSpan.FromDays(90);

        /// <summary>prompt=login: a sign-in at most this old counts as the one asked for.</summary>
        public static readonly TimeSpan LoginPromptAge = TimeSpan.FromMinutes(1);

        /// <summary>state and nonce come back in the redirect and the ID token: kept small.</summary>
        public const int MaxParameterLength = 512;

        /// <summary>A token request is a few hundred bytes: a larger body is refused unread.</summary>
        public const int MaxTokenBodyBytes = 16 * 1024;

        /// <summary>Entries the in-process store holds at most.</summary>
        public const int MaxStoredEntries = 100000;

        /// <summary>RS256 keys below this size are refused at start-up.</summary>
        public const int MinimumKeySize = 2048;

        private const string IssuerVariable = "GENESYS_OIDC_ISSUER";
        private const string ClientIdVariable = "GENESYS_OIDC_CLIENT_ID";
        private const string ClientSecretVariable = "GENESYS_OIDC_CLIENT_SECRET";
        private const string PrivateKeyFileVariable = "GENESYS_OIDC_PRIVATE_KEY_FILE";
        private const string RedirectUrisVariable = "GENESYS_OIDC_REDIRECT_URIS";
        private const string StoreUrlVariable = "GENESYS_OIDC_STORE_URL";
        private const string RefreshTtlVariable = "GENESYS_OIDC_REFRESH_TTL";
        private const string NextKeyFileVariable = "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE";

        // Parameters that never travel in a /token URL, where logs and proxies keep them.
        private static readonly string[] BodyOnly = { "client_secret", "code", "code_verifier", "refresh_token" };

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
        /// the signing key and the token store as singletons. Throws
        /// <see cref="InvalidOperationException"/> naming every missing or invalid setting, so
        /// that a misconfigured application does not start.
        /// </summary>
        public static IServiceCollection AddGenesysOidc(this IServiceCollection services)
        {
            ArgumentNullException.ThrowIfNull(services);
            var (settings, key) = LoadSettings(Environment.GetEnvironmentVariable);
            services.AddSingleton(settings);
            services.AddSingleton(key);
            // Resolved when the endpoints are mapped, so that the choice is logged at start-up.
            services.AddSingleton(provider => new CodeStore(SelectStore(provider, settings), settings.RefreshLifetime));
            return services;
        }

        // The application's own IGenesysOidcStore, else GENESYS_OIDC_STORE_URL, else the
        // application's shared IDistributedCache, else memory.
        private static IGenesysOidcStore SelectStore(IServiceProvider provider, Settings settings)
        {
            var own = provider.GetService<IGenesysOidcStore>();
            if (own is not null)
            {
                return own;
            }
            var log = provider.GetService<ILoggerFactory>()?.CreateLogger("GenesysOidc");
            if (settings.StoreUrl is not null)
            {
                log?.LogInformation("Genesys OIDC provider: codes and tokens in Redis ({StoreUrlVariable})",
                    StoreUrlVariable);
                return new RedisStore(settings.StoreUrl);
            }
            var cache = provider.GetService<IDistributedCache>();
            if (cache is not null && cache is not MemoryDistributedCache)
            {
                log?.LogInformation("Genesys OIDC provider: codes and tokens in the application's {Cache}; "
                    + "its take is not atomic between servers: set {StoreUrlVariable} for one that is",
                    cache.GetType().Name, StoreUrlVariable);
                return new DistributedCacheStore(cache);
            }
            var warning = "Genesys OIDC provider: codes and refresh tokens are kept in this process's memory: "
                + "another server process (several instances, a restart) cannot redeem them. Set "
                + StoreUrlVariable + "=redis://... or register a shared IDistributedCache to share them.";
            if (log is not null)
            {
                log.LogWarning("{Warning}", warning);
            }
            else
            {
                Console.Error.WriteLine(warning);
            }
            return new MemoryStore(MaxStoredEntries);
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
            var jwks = new Dictionary<string, object> { ["keys"] = key.PublicJwks };

            app.MapGet(prefix + "/.well-known/openid-configuration", () => Results.Json(discovery, JsonFormat));
            app.MapGet(prefix + "/jwks.json", () => Results.Json(jwks, JsonFormat));
            // Funcs rather than RequestDelegates, so that the returned IResult is executed.
            Func<HttpContext, Task<IResult>> authorizeHandler = context => AuthorizeAsync(context, settings, store, claims, clock);
            var authorize = app.MapGet(prefix + "/authorize", authorizeHandler);
            Func<HttpContext, Task<IResult>> token = context => TokenAsync(context, settings, key, store, clock);
            app.MapPost(prefix + "/token", token);
            Func<HttpContext, Task<IResult>> userInfo = context => UserInfoAsync(context, store, clock);
            app.MapGet(prefix + "/userinfo", userInfo);

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
            ["grant_types_supported"] = new[] { "authorization_code", "refresh_token" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post" },
            ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
            ["prompt_values_supported"] = new[] { "none", "login" },
            ["claims_supported"] = new[]
            {
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce",
                "name", "given_name", "family_name", "email", "email_verified",
            },
        };

        private static async Task<IResult> AuthorizeAsync(HttpContext context, Settings settings, CodeStore store,
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
            // Codes go to this site's own pages (JSON, same origin) or to a relying party the
            // visitor is sent to (redirect): a page of another site, even a sibling subdomain, never
            // gets one in the visitor's name.
            if (!FromThisSite(context.Request))
            {
                return Error("access_denied", "the code is handed to this site's own pages only",
                    StatusCodes.Status403Forbidden);
            }

            var state = One(query["state"]);
            var nonce = One(query["nonce"]);
            if (state?.Length > MaxParameterLength || nonce?.Length > MaxParameterLength)
            {
                return Refuse(context, redirectUri, null, "invalid_request",
                    $"state and nonce are limited to {MaxParameterLength} characters");
            }
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
            if (One(query["code_challenge_method"]) != "S256" || challenge is null || !IsS256Challenge(challenge))
            {
                return Refuse(context, redirectUri, state, "invalid_request",
                    "PKCE is required: code_challenge with code_challenge_method=S256");
            }
            var prompts = (One(query["prompt"]) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (prompts.Contains("none") && prompts.Length > 1)
            {
                return Refuse(context, redirectUri, state, "invalid_request", "prompt=none goes alone");
            }
            long maxAge = -1;
            var maxAgeText = One(query["max_age"]);
            if (maxAgeText is not null
                && !long.TryParse(maxAgeText, NumberStyles.None, CultureInfo.InvariantCulture, out maxAge))
            {
                return Refuse(context, redirectUri, state, "invalid_request", "max_age must be a number of seconds");
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
            // auth_time: the sign-in time when the site tells it, else now (the session confirmed).
            // This provider shows no login page: a sign-in older than asked for, or of unknown age,
            // is login_required, and the site's login sends the visitor back.
            var issuedAt = clock();
            var signedIn = SignInTime(user, issuedAt);
            var authTime = signedIn ?? issuedAt;
            if ((maxAge >= 0 && (signedIn is null || (issuedAt - authTime).TotalSeconds > maxAge))
                || (prompts.Contains("login") && (signedIn is null || issuedAt - authTime > LoginPromptAge)))
            {
                return Refuse(context, redirectUri, state, "login_required", "a more recent sign-in is required",
                    StatusCodes.Status401Unauthorized);
            }

            // The code carries everything the token endpoint must check and put in the ID token;
            // its family names every token issued from it, so that a replay can revoke them.
            var code = await store.IssueCodeAsync(new CodeGrant(clientId, redirectUri, challenge, nonce,
                string.Join(' ', scopes.Distinct()), UserClaims(user, subject), authTime.ToUnixTimeSeconds(),
                (issuedAt + CodeLifetime).ToUnixTimeSeconds(), NewOpaqueValue()));

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

        // Sec-Fetch-Site (sent by browsers): the JSON mode answers this site's own fetch only; the
        // redirect mode refuses navigations started by another site.
        private static bool FromThisSite(HttpRequest request)
        {
            var site = request.Headers["Sec-Fetch-Site"].ToString();
            if (site.Length == 0)
            {
                return true;
            }
            return WantsJson(request)
                ? site is "same-origin" or "none"
                : site is not ("cross-site" or "same-site");
        }

        // The site's auth_time claim (DateTime, DateTimeOffset, Unix seconds), never in the future;
        // null when the site does not tell it.
        private static DateTimeOffset? SignInTime(IDictionary<string, object> user, DateTimeOffset now)
        {
            if (!user.TryGetValue("auth_time", out var value) || value is null)
            {
                return null;
            }
            DateTimeOffset at;
            if (value is DateTimeOffset offset)
            {
                at = offset;
            }
            else if (value is DateTime time)
            {
                at = new DateTimeOffset(time.ToUniversalTime());
            }
            else if (long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.None,
                CultureInfo.InvariantCulture, out var seconds) && seconds <= 253402300799L)
            {
                at = DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
            else
            {
                return null;
            }
            return at > now ? now : at;
        }

        private static async Task<IResult> TokenAsync(HttpContext context, Settings settings, SigningKey key,
            CodeStore store, Func<DateTimeOffset> clock)
        {
            // Token responses carry credentials (RFC 6749 section 5.1).
            context.Response.Headers["Cache-Control"] = "no-store";
            context.Response.Headers["Pragma"] = "no-cache";
            var request = context.Request;
            if (BodyOnly.Any(name => request.Query.ContainsKey(name)))
            {
                return Error("invalid_request", "credentials, codes and tokens go in the body, not the URL");
            }
            // Refused before anything is read or any client is authenticated.
            if (request.ContentLength > MaxTokenBodyBytes)
            {
                return Error("invalid_request", $"the body is limited to {MaxTokenBodyBytes} bytes",
                    StatusCodes.Status413PayloadTooLarge);
            }
            if (!request.HasFormContentType)
            {
                return Error("invalid_request", "the body must be application/x-www-form-urlencoded");
            }
            var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (limit is { IsReadOnly: false })
            {
                limit.MaxRequestBodySize = MaxTokenBodyBytes;  // a body sent without its length
            }
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(new FormOptions
                {
                    BufferBody = false, ValueCountLimit = 32, KeyLengthLimit = 64, ValueLengthLimit = MaxTokenBodyBytes,
                }, context.RequestAborted);
            }
            catch (Exception e) when (e is BadHttpRequestException or InvalidDataException)
            {
                return Error("invalid_request", $"the body is limited to {MaxTokenBodyBytes} bytes",
                    StatusCodes.Status413PayloadTooLarge);
            }

            // Client authentication: client_secret_basic or client_secret_post, not both.
            var authorization = request.Headers["Authorization"].ToString();
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

            var grantType = One(form["grant_type"]);
            if (grantType == "refresh_token")
            {
                return await RefreshAsync(form, clientId, settings, key, store, clock);
            }
            if (grantType != "authorization_code")
            {
                return Error("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
            }
            var code = One(form["code"]);
            if (code is null)
            {
                return Error("invalid_request", "code is required");
            }

            // Taking the code removes it, in every process at once: a replay, or a second guess at
            // the verifier, finds nothing; and the tokens issued from a code presented twice go too.
            var grant = await store.TakeCodeAsync(code);
            var now = clock();
            if (grant is null || now >= DateTimeOffset.FromUnixTimeSeconds(grant.ExpiresAt))
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
            // A sign-in can be renewed until GENESYS_OIDC_REFRESH_TTL after the code's redemption.
            return await IssueAsync(settings, key, store, new Session(grant.ClientId, grant.Scope, grant.Claims,
                grant.AuthTime, grant.Family, (now + settings.RefreshLifetime).ToUnixTimeSeconds()), grant.Nonce, now);
        }

        private static async Task<IResult> RefreshAsync(IFormCollection form, string clientId, Settings settings,
            SigningKey key, CodeStore store, Func<DateTimeOffset> clock)
        {
            var token = One(form["refresh_token"]);
            if (token is null)
            {
                return Error("invalid_request", "refresh_token is required");
            }
            // Rotation: each refresh token is good once; a reused one revokes its whole family
            // (every token since the sign-in), since one of its two holders is not the client.
            var session = await store.TakeRefreshTokenAsync(token);
            var now = clock();
            if (session is null || await store.IsRevokedAsync(session.Family))
            {
                return Error("invalid_grant", "the refresh token is unknown, expired, revoked or already used");
            }
            if (now >= DateTimeOffset.FromUnixTimeSeconds(session.Until))
            {
                return Error("invalid_grant", "the refresh token expired: sign in again");
            }
            if (!string.Equals(session.ClientId, clientId, StringComparison.Ordinal))
            {
                return Error("invalid_grant", "the refresh token was issued to another client");
            }
            // A narrower scope may be asked for, never a wider one (RFC 6749 section 6).
            var asked = One(form["scope"]);
            if (asked is not null)
            {
                var scopes = asked.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var granted = session.Scope.Split(' ');
                if (scopes.Any(scope => !granted.Contains(scope)) || !scopes.Contains("openid"))
                {
                    return Error("invalid_scope", "the scope exceeds the one granted");
                }
                session = session with { Scope = string.Join(' ', scopes.Distinct()) };
            }
            return await IssueAsync(settings, key, store, session, null, now);
        }

        // The token response: an ID token, an access token for userinfo and, with offline_access,
        // a refresh token of the same family, valid until the sign-in's renewal deadline.
        private static async Task<IResult> IssueAsync(Settings settings, SigningKey key, CodeStore store,
            Session session, string? nonce, DateTimeOffset now)
        {
            var issuedAt = now.ToUnixTimeSeconds();
            var idClaims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["iss"] = settings.Issuer,
                ["aud"] = session.ClientId,
                ["iat"] = issuedAt,
                ["exp"] = issuedAt + (long)TokenLifetime.TotalSeconds,
                ["auth_time"] = session.AuthTime,
            };
            // Protocol claims stay the provider's (UserClaims leaves them out already).
            foreach (var (name, value) in session.Claims)
            {
                idClaims.TryAdd(name, Plain(value));
            }
            if (nonce is not null)
            {
                idClaims["nonce"] = nonce;
            }
            var idToken = SignIdToken(key, idClaims);

            // userinfo answers with the user's claims for as long as the access token lives.
            var accessToken = await store.IssueAccessTokenAsync(
                new AccessGrant(session.Claims, session.Family, (now + AccessTokenLifetime).ToUnixTimeSeconds()),
                AccessTokenLifetime);
            var response = new Dictionary<string, object>
            {
                ["access_token"] = accessToken,
                ["token_type"] = "Bearer",
                ["expires_in"] = (long)AccessTokenLifetime.TotalSeconds,
                ["id_token"] = idToken,
                ["scope"] = session.Scope,
            };
            var until = DateTimeOffset.FromUnixTimeSeconds(session.Until);
            if (session.Scope.Split(' ').Contains("offline_access") && until > now)
            {
                response["refresh_token"] = await store.IssueRefreshTokenAsync(session, until - now);
            }
            return Results.Json(response, JsonFormat);
        }

        private static async Task<IResult> UserInfoAsync(HttpContext context, CodeStore store, Func<DateTimeOffset> clock)
        {
            context.Response.Headers["Cache-Control"] = "no-store";
            var authorization = context.Request.Headers["Authorization"].ToString();
            var grant = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? await store.FindAccessTokenAsync(authorization.Substring("Bearer ".Length).Trim(), clock())
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

        // The mapped user claims as JSON values, with sub as a string and the protocol claims left
        // to the provider.
        private static Dictionary<string, JsonElement> UserClaims(IDictionary<string, object> user, string subject)
        {
            var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var (name, value) in user)
            {
                if (value is not null && !ProtocolClaims.Contains(name))
                {
                    result[name] = JsonSerializer.SerializeToElement(value, value.GetType(), JsonFormat);
                }
            }
            result["sub"] = JsonSerializer.SerializeToElement(subject, JsonFormat);
            return result;
        }

        // A stored claim as the plain value the token writer serializes.
        private static object Plain(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.TryGetInt64(out var integer) ? (object)integer : value.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Array => value.EnumerateArray().Select(Plain).ToList(),
            JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)),
            _ => "",
        };

        // 256 bits from the operating system's CSPRNG.
        private static string NewOpaqueValue() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

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
        // An S256 challenge is BASE64URL of 32 bytes: exactly 43 characters of A-Z, a-z, 0-9, "-", "_".
        private static bool IsS256Challenge(string value) =>
            value.Length == 43 && IsPkceValue(value) && value.IndexOfAny(new[] { '.', '~' }) < 0;

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
                else if (parsed.Scheme != Uri.UriSchemeHttps && !(parsed.Scheme == Uri.UriSchemeHttp && IsLoopback(parsed)))
                {
                    // Codes travel in the redirect: in clear text only on the developer's machine.
                    problems.Add($"{RedirectUrisVariable}: {uri} must use https (http only for loopback hosts)");
                }
            }

            var refreshLifetime = DefaultRefreshLifetime;
            var ttl = read(RefreshTtlVariable)?.Trim() ?? "";
            if (ttl.Length > 0)
            {
                if (!long.TryParse(ttl, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    || seconds < MinimumRefreshLifetime.TotalSeconds || seconds > MaximumRefreshLifetime.TotalSeconds)
                {
                    problems.Add($"{RefreshTtlVariable}: must be a number of seconds from "
                        + $"{MinimumRefreshLifetime.TotalSeconds} to {MaximumRefreshLifetime.TotalSeconds} "
                        + "(Genesys accepts 15 minutes to 90 days)");
                }
                else
                {
                    refreshLifetime = TimeSpan.FromSeconds(seconds);
                }
            }
            Uri? storeUrl = null;
            var store = read(StoreUrlVariable)?.Trim() ?? "";
            if (store.Length > 0)
            {
                // Only the scheme is named: the URL may hold a password.
                if (!Uri.TryCreate(store, UriKind.Absolute, out storeUrl)
                    || storeUrl.Scheme is not ("redis" or "rediss") || storeUrl.Host.Length == 0)
                {
                    problems.Add($"{StoreUrlVariable}: must be a redis:// or rediss:// URL");
                    storeUrl = null;
                }
            }

            var keyFile = values[PrivateKeyFileVariable];
            var rsa = keyFile.Length > 0 ? LoadKey(PrivateKeyFileVariable, keyFile, problems) : null;
            // The next key is published before it signs, so that relying parties know it when it
            // does: renaming it to GENESYS_OIDC_PRIVATE_KEY_FILE later rotates without a gap.
            var nextFile = read(NextKeyFileVariable)?.Trim() ?? "";
            var next = nextFile.Length > 0 ? LoadKey(NextKeyFileVariable, nextFile, problems) : null;

            if (problems.Count > 0 || rsa is null)
            {
                rsa?.Dispose();
                next?.Dispose();
                throw new InvalidOperationException(
                    "Genesys OIDC provider cannot start: " + string.Join("; ", problems) + ".");
            }
            var key = new SigningKey(rsa, next);
            if (key.PublicJwks.Select(jwk => jwk["kid"]).Distinct().Count() != key.PublicJwks.Count)
            {
                key.Dispose();
                throw new InvalidOperationException(
                    $"Genesys OIDC provider cannot start: {NextKeyFileVariable} holds the current key, not a new one.");
            }
            var settings = new Settings(issuer, values[ClientIdVariable], values[ClientSecretVariable], redirectUris,
                refreshLifetime, storeUrl);
            return (settings, key);
        }

        private static bool IsLoopback(Uri uri) => uri.Host is "localhost" or "127.0.0.1" or "[::1]";

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
            if (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri))
            {
                return null;
            }
            return "must use https (http only for localhost, 127.0.0.1 and ::1)";
        }

        private static RSA? LoadKey(string variable, string path, List<string> problems)
        {
            string pem;
            try
            {
                pem = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                problems.Add($"{variable}: cannot read {path}: {e.Message}");
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
                problems.Add($"{variable}: {path} is not an unencrypted PEM RSA private key ({e.Message})");
                return null;
            }
            if (rsa.KeySize < MinimumKeySize)
            {
                problems.Add($"{variable}: the key has {rsa.KeySize} bits, RS256 needs {MinimumKeySize} or more");
                rsa.Dispose();
                return null;
            }
            return rsa;
        }

        /// <summary>The provider settings, read from the environment by AddGenesysOidc.</summary>
        public sealed class Settings
        {
            internal Settings(string issuer, string clientId, string clientSecret,
                IReadOnlyList<string> redirectUris, TimeSpan refreshLifetime, Uri? storeUrl)
            {
                Issuer = issuer;
                ClientId = clientId;
                ClientSecret = clientSecret;
                RedirectUris = redirectUris;
                RefreshLifetime = refreshLifetime;
                StoreUrl = storeUrl;
            }

            public string Issuer { get; }
            public string ClientId { get; }
            internal string ClientSecret { get; }
            public IReadOnlyList<string> RedirectUris { get; }
            public TimeSpan RefreshLifetime { get; }
            internal Uri? StoreUrl { get; }
        }

        /// <summary>
        /// The RS256 signing key and the public JWKs (the key's, then the next key's when one is
        /// set); kid is the RFC 7638 thumbprint.
        /// </summary>
        public sealed class SigningKey : IDisposable
        {
            private readonly RSA _rsa;
            private readonly RSA? _next;

            internal SigningKey(RSA rsa, RSA? next)
            {
                _rsa = rsa;
                _next = next;
                var published = PublicJwkOf(rsa);
                var keyId = published.KeyId;
                KeyId = keyId;
                Credentials = new SigningCredentials(
                    new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);
                PublicJwk = published.Jwk;
                var jwks = new List<IReadOnlyDictionary<string, object>> { published.Jwk };
                if (next is not null)
                {
                    jwks.Add(PublicJwkOf(next).Jwk);
                }
                PublicJwks = jwks;
            }

            public string KeyId { get; }
            public SigningCredentials Credentials { get; }
            public IReadOnlyDictionary<string, object> PublicJwk { get; }
            public IReadOnlyList<IReadOnlyDictionary<string, object>> PublicJwks { get; }

            // From the public parameters only: given the private key, the converter would copy its
            // private parameters into the JWK too.
            private static (string KeyId, IReadOnlyDictionary<string, object> Jwk) PublicJwkOf(RSA rsa)
            {
                var publicKey = new RsaSecurityKey(rsa.ExportParameters(false));
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(publicKey);
                var keyId = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
                return (keyId, new Dictionary<string, object>
                {
                    ["kty"] = "RSA",
                    ["n"] = jwk.N,
                    ["e"] = jwk.E,
                    ["alg"] = "RS256",
                    ["use"] = "sig",
                    ["kid"] = keyId,
                });
            }

            public void Dispose()
            {
                _rsa.Dispose();
                _next?.Dispose();
            }
        }

        /// <summary>What an authorization code stands for, checked and used at the token endpoint.</summary>
        public sealed record CodeGrant(string ClientId, string RedirectUri, string CodeChallenge, string? Nonce,
            string Scope, Dictionary<string, JsonElement> Claims, long AuthTime, long ExpiresAt, string Family);

        /// <summary>A sign-in as refresh tokens carry it: renewable until <see cref="Until"/> (Unix seconds).</summary>
        public sealed record Session(string ClientId, string Scope, Dictionary<string, JsonElement> Claims,
            long AuthTime, string Family, long Until);

        /// <summary>What an access token stands for: the claims userinfo returns.</summary>
        public sealed record AccessGrant(Dictionary<string, JsonElement> Claims, string Family, long ExpiresAt);

        /// <summary>
        /// Where codes, tokens and replay records live: values are short JSON strings, keys are
        /// hashes (a copy of the store redeems nothing). Every server process must see the same
        /// store, and <see cref="TakeAsync"/> should be atomic: of two concurrent takes, one gets the value.
        /// </summary>
        public interface IGenesysOidcStore
        {
            /// <summary>Stores the value for <paramref name="lifetime"/>, replacing any other.</summary>
            Task SetAsync(string key, string value, TimeSpan lifetime);

            /// <summary>The value, or null when there is none (or it expired).</summary>
            Task<string?> GetAsync(string key);

            /// <summary>Removes and returns the value, or null when there is none.</summary>
            Task<string?> TakeAsync(string key);
        }

        /// <summary>
        /// Codes, access tokens, refresh tokens and the records that catch their reuse, on an
        /// <see cref="IGenesysOidcStore"/>. A family is every token issued from one code: a code or
        /// refresh token presented a second time revokes it.
        /// </summary>
        public sealed class CodeStore
        {
            private readonly IGenesysOidcStore _store;
            private readonly TimeSpan _remember;

            public CodeStore(IGenesysOidcStore store, TimeSpan refreshLifetime)
            {
                _store = store;
                // Tokens of a family live this long at most: so do the records of its codes and tokens.
                _remember = refreshLifetime + AccessTokenLifetime;
            }

            public async Task<string> IssueCodeAsync(CodeGrant grant)
            {
                var code = NewOpaqueValue();
                await _store.SetAsync("code:" + Digest(code), JsonSerializer.Serialize(grant, JsonFormat), CodeLifetime);
                return code;
            }

            /// <summary>
            /// Removes and returns the grant: a code is redeemed once, even when that fails. A code
            /// presented again revokes the tokens issued from it.
            /// </summary>
            public async Task<CodeGrant?> TakeCodeAsync(string code)
            {
                var digest = Digest(code);
                var grant = Read<CodeGrant>(await _store.TakeAsync("code:" + digest));
                if (grant is null)
                {
                    var family = await _store.GetAsync("code-used:" + digest);
                    if (family is not null)
                    {
                        await RevokeAsync(family);
                    }
                    return null;
                }
                await _store.SetAsync("code-used:" + digest, grant.Family, _remember);
                return grant;
            }

            public async Task<string> IssueAccessTokenAsync(AccessGrant grant, TimeSpan lifetime)
            {
                var token = NewOpaqueValue();
                await _store.SetAsync("access:" + Digest(token), JsonSerializer.Serialize(grant, JsonFormat), lifetime);
                return token;
            }

            public async Task<AccessGrant?> FindAccessTokenAsync(string token, DateTimeOffset now)
            {
                var grant = token.Length == 0 ? null : Read<AccessGrant>(await _store.GetAsync("access:" + Digest(token)));
                return grant is not null && now < DateTimeOffset.FromUnixTimeSeconds(grant.ExpiresAt)
                    && !await IsRevokedAsync(grant.Family) ? grant : null;
            }

            public async Task<string> IssueRefreshTokenAsync(Session session, TimeSpan lifetime)
            {
                var token = NewOpaqueValue();
                await _store.SetAsync("refresh:" + Digest(token), JsonSerializer.Serialize(session, JsonFormat), lifetime);
                return token;
            }

            /// <summary>
            /// Removes and returns the session: a refresh token is used once (rotation). A used one
            /// presented again revokes its family.
            /// </summary>
            public async Task<Session?> TakeRefreshTokenAsync(string token)
            {
                var digest = Digest(token);
                var session = Read<Session>(await _store.TakeAsync("refresh:" + digest));
                if (session is null)
                {
                    var family = await _store.GetAsync("refresh-used:" + digest);
                    if (family is not null)
                    {
                        await RevokeAsync(family);
                    }
                    return null;
                }
                await _store.SetAsync("refresh-used:" + digest, session.Family, _remember);
                return session;
            }

            public async Task<bool> IsRevokedAsync(string family) => await _store.GetAsync("revoked:" + family) is not null;

            private Task RevokeAsync(string family) => _store.SetAsync("revoked:" + family, "1", _remember);

            // Store keys hold a digest of the value, never the code or token itself.
            private static string Digest(string value) =>
                Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

            private static T? Read<T>(string? json) where T : class
            {
                if (json is null)
                {
                    return null;
                }
                try
                {
                    return JsonSerializer.Deserialize<T>(json, JsonFormat);
                }
                catch (JsonException)
                {
                    return null;  // a record this version cannot read counts as none
                }
            }
        }

        // This process's memory: bounded, each entry with its own expiry; when full, the expired
        // entries go first, then those closest to expiring, never everyone's at once.
        internal sealed class MemoryStore : IGenesysOidcStore
        {
            private readonly Dictionary<string, (string Value, DateTime Expires)> _entries = new(StringComparer.Ordinal);
            private readonly int _capacity;

            public MemoryStore(int capacity) => _capacity = capacity;

            public Task SetAsync(string key, string value, TimeSpan lifetime)
            {
                var now = DateTime.UtcNow;
                lock (_entries)
                {
                    if (!_entries.ContainsKey(key) && _entries.Count >= _capacity)
                    {
                        foreach (var gone in _entries.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToList())
                        {
                            _entries.Remove(gone);
                        }
                        if (_entries.Count >= _capacity)
                        {
                            _entries.Remove(_entries.MinBy(e => e.Value.Expires).Key);
                        }
                    }
                    _entries[key] = (value, now + lifetime);
                }
                return Task.CompletedTask;
            }

            public Task<string?> GetAsync(string key)
            {
                lock (_entries)
                {
                    return Task.FromResult<string?>(_entries.TryGetValue(key, out var entry)
                        && entry.Expires > DateTime.UtcNow ? entry.Value : null);
                }
            }

            public Task<string?> TakeAsync(string key)
            {
                lock (_entries)
                {
                    return Task.FromResult<string?>(_entries.Remove(key, out var entry)
                        && entry.Expires > DateTime.UtcNow ? entry.Value : null);
                }
            }
        }

        // Redis with StackExchange.Redis: SET with an expiry, GET, and GETDEL (Redis 6.2 or later)
        // for the atomic take.
        internal sealed class RedisStore : IGenesysOidcStore
        {
            private const string Prefix = "genesys-oidc:";
            private readonly Lazy<ConnectionMultiplexer> _redis;

            public RedisStore(Uri url)
            {
                var options = new ConfigurationOptions { Ssl = url.Scheme == "rediss", AbortOnConnectFail = false };
                options.EndPoints.Add(url.Host.Trim('[', ']'), url.IsDefaultPort || url.Port <= 0 ? 6379 : url.Port);
                if (url.UserInfo.Length > 0)
                {
                    var colon = url.UserInfo.IndexOf(':');
                    var user = colon < 0 ? "" : Uri.UnescapeDataString(url.UserInfo[..colon]);
                    options.Password = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[(colon + 1)..]);
                    if (user.Length > 0)
                    {
                        options.User = user;
                    }
                }
                if (int.TryParse(url.AbsolutePath.Trim('/'), NumberStyles.None, CultureInfo.InvariantCulture, out var db))
                {
                    options.DefaultDatabase = db;
                }
                _redis = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(options));
            }

            private IDatabase Database => _redis.Value.GetDatabase();

            public Task SetAsync(string key, string value, TimeSpan lifetime) =>
                Database.StringSetAsync(Prefix + key, value, lifetime);

            public async Task<string?> GetAsync(string key) => (string?)await Database.StringGetAsync(Prefix + key);

            public async Task<string?> TakeAsync(string key) =>
                (string?)await Database.StringGetDeleteAsync(Prefix + key);
        }

        // The application's IDistributedCache (Redis, SQL Server...): shared, but with no atomic
        // take; a code is read, then removed.
        internal sealed class DistributedCacheStore : IGenesysOidcStore
        {
            private const string Prefix = "genesys-oidc:";
            private readonly IDistributedCache _cache;

            public DistributedCacheStore(IDistributedCache cache) => _cache = cache;

            public Task SetAsync(string key, string value, TimeSpan lifetime) =>
                _cache.SetStringAsync(Prefix + key, value,
                    new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime });

            public Task<string?> GetAsync(string key) => _cache.GetStringAsync(Prefix + key);

            public async Task<string?> TakeAsync(string key)
            {
                var value = await _cache.GetStringAsync(Prefix + key);
                if (value is not null)
                {
                    await _cache.RemoveAsync(Prefix + key);
                }
                return value;
            }
        }
    }
}
