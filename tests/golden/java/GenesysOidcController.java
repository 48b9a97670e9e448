import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cache.support.NoOpCacheManager;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.SetParams;

/**
 * The site's OpenID provider for Genesys Cloud authenticated Messenger, mounted at the issuer path.
 *
 * <p>Genesys Cloud redeems the authorization codes it issues server-side (OpenID Connect code flow
 * with PKCE S256 and a nonce) and renews its session with the refresh token (scope offline_access).
 * The signed-in user's claims come from the {@link Claims} bean; a login guard on that bean's method
 * (for example {@code @PreAuthorize}) applies to /authorize.
 *
 * <p>Settings (read at start-up; a missing one stops start-up naming it): GENESYS_OIDC_ISSUER,
 * GENESYS_OIDC_CLIENT_ID, GENESYS_OIDC_CLIENT_SECRET, GENESYS_OIDC_PRIVATE_KEY_FILE (PEM, PKCS#8),
 * GENESYS_OIDC_REDIRECT_URIS. Optional: GENESYS_OIDC_STORE_URL (redis://... shared by every instance
 * of the site), GENESYS_OIDC_REFRESH_TTL (seconds a sign-in can be renewed, default 86400),
 * GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE (the next signing key, published in the JWKS ahead of a rotation).
 * Without GENESYS_OIDC_STORE_URL the site's own {@link CacheManager} keeps codes and tokens in its
 * cache "genesys-oidc" when it is a shared one (Redis, Hazelcast...; give that cache a time to live of
 * GENESYS_OIDC_REFRESH_TTL or more), otherwise this process's memory does, and start-up says so.
 */
@RestController
@RequestMapping("/oidc")
public class GenesysOidcController {

    /** The signed-in user's ID-token claims ({@code sub}, {@code name}, {@code email}...); null when nobody is signed in. */
    public interface Claims {
        Map<String, Object> claims(HttpServletRequest request, Principal principal);
    }

    // ---- the provider itself, the same for every Java framework: the framework class above and below
    // ---- only hands it the request's parts and writes its Answer.

    /** How long an authorization code can be redeemed (at most 60 s). */
    public static final Duration CODE_LIFETIME = Duration.ofSeconds(60);
    /** The lifetime of ID tokens (at most 10 minutes). */
    public static final Duration TOKEN_LIFETIME = Duration.ofMinutes(5);
    /** The lifetime of access tokens: Genesys keeps its session for min(15 minutes, this), then refreshes. */
    public static final Duration ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(15);
    /** How long a sign-in can be renewed unless GENESYS_OIDC_REFRESH_TTL says otherwise. */
    public static final Duration DEFAULT_REFRESH_LIFETIME = Duration.ofHours(24);
    /** The range of GENESYS_OIDC_REFRESH_TTL, in seconds: what Genesys accepts. */
    public static final long MIN_REFRESH_TTL = 900;
    public static final long MAX_REFRESH_TTL = 7_776_000;
    /** How recent a sign-in must be for prompt=login. */
    public static final Duration FRESH_SIGN_IN = Duration.ofSeconds(60);
    /** The smallest RSA key accepted, in bits. */
    public static final int MINIMUM_KEY_SIZE = 2048;
    /** The longest state, nonce or scope /authorize takes. */
    public static final int MAX_PARAMETER_LENGTH = 512;
    /** The largest /token body read, before the client is authenticated. */
    public static final int MAX_TOKEN_BODY = 16 * 1024;
    /** The most entries the in-process store keeps; past it the entry nearest its expiry goes. */
    public static final int MAX_MEMORY_ENTRIES = 10_000;

    public static final String ISSUER_VARIABLE = "GENESYS_OIDC_ISSUER";
    public static final String CLIENT_ID_VARIABLE = "GENESYS_OIDC_CLIENT_ID";
    public static final String CLIENT_SECRET_VARIABLE = "GENESYS_OIDC_CLIENT_SECRET";
    public static final String PRIVATE_KEY_FILE_VARIABLE = "GENESYS_OIDC_PRIVATE_KEY_FILE";
    public static final String REDIRECT_URIS_VARIABLE = "GENESYS_OIDC_REDIRECT_URIS";
    public static final String STORE_URL_VARIABLE = "GENESYS_OIDC_STORE_URL";
    public static final String REFRESH_TTL_VARIABLE = "GENESYS_OIDC_REFRESH_TTL";
    public static final String NEXT_PRIVATE_KEY_FILE_VARIABLE = "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE";

    /** Where codes, tokens and replay records live: shared by every process of the site, or this one's memory. */
    public interface Store {
        void set(String key, String value, Duration ttl);

        /** The value, or null. */
        String get(String key);

        /** Reads and deletes in one step: of two processes taking one key, one gets it (null for the other). */
        String take(String key);

        void delete(String key);
    }

    /** Redis (GENESYS_OIDC_STORE_URL=redis://...), through Jedis; take is GETDEL (Redis 6.2 or later). */
    static final class RedisStore implements Store {
        private final JedisPooled redis;

        RedisStore(String url) {
            this.redis = new JedisPooled(URI.create(url));
            redis.ping(); // an unreachable store stops start-up, not the first sign-in
        }

        @Override
        public void set(String key, String value, Duration ttl) {
            redis.set(key, value, SetParams.setParams().px(Math.max(1, ttl.toMillis())));
        }

        @Override
        public String get(String key) {
            return redis.get(key);
        }

        @Override
        public String take(String key) {
            return redis.getDel(key);
        }

        @Override
        public void delete(String key) {
            redis.del(key);
        }
    }

    /** This process's memory: each entry expires on its own; a full store drops the entry nearest its expiry. */
    static final class MemoryStore implements Store {
        private record Entry(String value, Instant expiresAt) {
        }

        private final Map<String, Entry> entries = new HashMap<>();
        private final Supplier<Instant> now;

        MemoryStore(Supplier<Instant> now) {
            this.now = now;
        }

        @Override
        public synchronized void set(String key, String value, Duration ttl) {
            Instant at = now.get();
            if (!entries.containsKey(key) && entries.size() >= MAX_MEMORY_ENTRIES) {
                entries.values().removeIf(e -> !at.isBefore(e.expiresAt()));
                if (entries.size() >= MAX_MEMORY_ENTRIES) {
                    entries.entrySet().stream().min(Comparator.comparing(e -> e.getValue().expiresAt()))
                            .map(Map.Entry::getKey).ifPresent(entries::remove);
                }
            }
            entries.put(key, new Entry(value, at.plus(ttl)));
        }

        private Entry live(String key) {
            Entry entry = entries.get(key);
            if (entry != null && !now.get().isBefore(entry.expiresAt())) {
                entries.remove(key);
                return null;
            }
            return entry;
        }

        @Override
        public synchronized String get(String key) {
            Entry entry = live(key);
            return entry == null ? null : entry.value();
        }

        @Override
        public synchronized String take(String key) {
            Entry entry = live(key);
            entries.remove(key);
            return entry == null ? null : entry.value();
        }

        @Override
        public synchronized void delete(String key) {
            entries.remove(key);
        }

        synchronized int size() {
            return entries.size();
        }
    }

    /** One answer of the provider: its status, its headers and a JSON body (none for a redirect). */
    public record Answer(int status, Map<String, String> headers, Map<String, Object> body) {
        String json() {
            return body == null ? "" : JSONObjectUtils.toJSONString(body);
        }
    }

    /** The provider: settings, keys and store, and what each endpoint answers. */
    static final class Core {
        private static final SecureRandom RANDOM = new SecureRandom();
        // RFC 7636: an S256 challenge is a base64url SHA-256 (43 characters); a verifier 43 to 128 unreserved ones.
        private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");
        private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");
        // What belongs in the /token body only must not come in its URL, where logs and proxies keep it.
        private static final List<String> BODY_ONLY = List.of("client_secret", "code", "code_verifier", "refresh_token");

        final String issuer;
        final String clientId;
        final String clientSecret;
        final List<String> redirectUris;
        final RSAKey signingKey;
        final List<Map<String, Object>> publicKeys;
        final Duration refreshLifetime;
        final Store store;
        final Supplier<Instant> now;

        /** The settings from the environment; shared is the framework's own shared cache (null: none). */
        Core(Supplier<Instant> now, Store shared) {
            this.now = now;
            List<String> missing = new ArrayList<>();
            String issuer = setting(ISSUER_VARIABLE, missing);
            String clientId = setting(CLIENT_ID_VARIABLE, missing);
            String clientSecret = setting(CLIENT_SECRET_VARIABLE, missing);
            String keyFile = setting(PRIVATE_KEY_FILE_VARIABLE, missing);
            String redirects = setting(REDIRECT_URIS_VARIABLE, missing);
            if (!missing.isEmpty()) {
                throw refused("missing " + String.join(", ", missing));
            }
            URI uri = parsedUri(issuer);
            if (uri == null || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                throw refused(ISSUER_VARIABLE + " is not an absolute URL");
            }
            if ("http".equals(uri.getScheme()) && !("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()))) {
                throw refused(ISSUER_VARIABLE + " must use https (http only for localhost)");
            }
            this.issuer = issuer.replaceAll("/+$", "");
            this.clientId = clientId;
            this.clientSecret = clientSecret;
            List<String> uris = new ArrayList<>();
            for (String each : redirects.split(",")) {
                String redirect = each.trim();
                if (redirect.isEmpty()) {
                    continue;
                }
                URI parsed = parsedUri(redirect);
                if (parsed == null || parsed.getHost() == null || parsed.getFragment() != null
                        || !("https".equals(parsed.getScheme()) || "http".equals(parsed.getScheme()))) {
                    throw refused(REDIRECT_URIS_VARIABLE + ": " + redirect + " is not an absolute URL without a fragment");
                }
                if ("http".equals(parsed.getScheme()) && !loopback(parsed.getHost())) {
                    throw refused(REDIRECT_URIS_VARIABLE + ": " + redirect + " must use https (http only for loopback hosts)");
                }
                uris.add(redirect);
            }
            this.redirectUris = List.copyOf(uris);
            this.signingKey = signingKey(PRIVATE_KEY_FILE_VARIABLE, keyFile);
            List<Map<String, Object>> keys = new ArrayList<>();
            keys.add(signingKey.toPublicJWK().toJSONObject());
            String nextFile = System.getenv(NEXT_PRIVATE_KEY_FILE_VARIABLE);
            if (nextFile != null && !nextFile.isBlank()) {
                keys.add(signingKey(NEXT_PRIVATE_KEY_FILE_VARIABLE, nextFile.trim()).toPublicJWK().toJSONObject());
            }
            this.publicKeys = List.copyOf(keys);
            String ttl = System.getenv(REFRESH_TTL_VARIABLE);
            Duration refresh = DEFAULT_REFRESH_LIFETIME;
            if (ttl != null && !ttl.isBlank()) {
                long seconds;
                try {
                    seconds = Long.parseLong(ttl.trim());
                } catch (NumberFormatException e) {
                    seconds = 0;
                }
                if (seconds < MIN_REFRESH_TTL || seconds > MAX_REFRESH_TTL) {
                    throw refused(REFRESH_TTL_VARIABLE + " must be a number of seconds from " + MIN_REFRESH_TTL
                            + " to " + MAX_REFRESH_TTL);
                }
                refresh = Duration.ofSeconds(seconds);
            }
            this.refreshLifetime = refresh;
            String storeUrl = System.getenv(STORE_URL_VARIABLE);
            if (storeUrl != null && !storeUrl.isBlank()) {
                try {
                    this.store = new RedisStore(storeUrl.trim());
                } catch (RuntimeException e) {
                    throw refused(STORE_URL_VARIABLE + ": " + e.getMessage());
                }
            } else if (shared != null) {
                this.store = shared;
            } else {
                System.err.println("genesys oidc: WARNING: codes and tokens are kept in this process's memory; a site"
                        + " that runs more than one process must set " + STORE_URL_VARIABLE
                        + "=redis://... so that every process redeems them");
                this.store = new MemoryStore(now);
            }
        }

        static IllegalStateException refused(String why) {
            return new IllegalStateException("Genesys OIDC provider cannot start: " + why);
        }

        private static boolean loopback(String host) {
            String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return "localhost".equals(bare) || bare.startsWith("127.") || "::1".equals(bare);
        }

        private static String setting(String name, List<String> missing) {
            String value = System.getenv(name);
            if (value == null || value.isBlank()) {
                missing.add(name);
                return "";
            }
            return value.trim();
        }

        /** The URI, or null when it is not one. */
        private static URI parsedUri(String value) {
            try {
                return new URI(value);
            } catch (URISyntaxException e) {
                return null;
            }
        }

        private static RSAKey signingKey(String variable, String file) {
            RSAPrivateCrtKey privateKey = readPrivateKey(variable, java.nio.file.Path.of(file));
            if (privateKey.getModulus().bitLength() < MINIMUM_KEY_SIZE) {
                throw refused(variable + " holds a " + privateKey.getModulus().bitLength() + "-bit key; "
                        + MINIMUM_KEY_SIZE + " or more needed");
            }
            try {
                RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
                return new RSAKey.Builder(publicKey)
                        .privateKey(privateKey)
                        .keyUse(KeyUse.SIGNATURE)
                        .algorithm(JWSAlgorithm.RS256)
                        .keyIDFromThumbprint()
                        .build();
            } catch (GeneralSecurityException | JOSEException e) {
                throw refused(variable + ": " + e.getMessage());
            }
        }

        /** The PEM PKCS#8 RSA key in the file; whatever is wrong with it stops start-up naming the setting. */
        private static RSAPrivateCrtKey readPrivateKey(String variable, java.nio.file.Path path) {
            String pem;
            try {
                pem = Files.readString(path, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalStateException("Genesys OIDC provider cannot start: " + variable
                        + " cannot be read: " + e, e);
            }
            if (pem.contains("BEGIN RSA PRIVATE KEY")) {
                throw refused(variable + " is PKCS#1; convert it with `openssl pkcs8 -topk8 -nocrypt`");
            }
            if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
                throw refused(variable + " holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)");
            }
            String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
            PrivateKey key;
            try {
                key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalStateException("Genesys OIDC provider cannot start: " + variable
                        + " does not hold an RSA private key: " + e.getMessage(), e);
            }
            if (!(key instanceof RSAPrivateCrtKey rsaKey)) {
                throw refused(variable + " does not hold an RSA private key with its CRT parameters");
            }
            return rsaKey;
        }

        // ---- answers

        private static final Map<String, String> NO_STORE = Map.of("Cache-Control", "no-store", "Pragma", "no-cache");

        static Answer json(int status, Map<String, Object> body) {
            return new Answer(status, NO_STORE, body);
        }

        static Answer error(int status, String code, String description) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", code);
            body.put("error_description", description);
            return json(status, body);
        }

        static Answer error(int status, String code, String description, String challenge) {
            Map<String, String> headers = new LinkedHashMap<>(NO_STORE);
            headers.put("WWW-Authenticate", challenge);
            return new Answer(status, headers, error(status, code, description).body());
        }

        static Answer redirect(String redirectUri, Map<String, String> params) {
            StringJoiner query = new StringJoiner("&");
            params.forEach((name, value) -> query.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
            Map<String, String> headers = new LinkedHashMap<>(NO_STORE);
            headers.put("Location", redirectUri + (redirectUri.contains("?") ? "&" : "?") + query);
            return new Answer(302, headers, null);
        }

        private static Answer unavailable(RuntimeException e) {
            System.err.println("genesys oidc: the store failed: " + e);
            return error(503, "temporarily_unavailable", "try again");
        }

        static String randomToken() {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        /** Compares in constant time. */
        static boolean secretEquals(String a, String b) {
            return a != null && b != null
                    && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
        }

        static String s256(String value) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
                return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Store keys hold a digest of the code or token, never the value itself. */
        static String key(String kind, String value) {
            return "genesys-oidc:" + kind + ":" + s256(value == null ? "" : value);
        }

        static String familyKey(String id) {
            return "genesys-oidc:family:" + id;
        }

        Map<String, Object> discovery() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("issuer", issuer);
            body.put("authorization_endpoint", issuer + "/authorize");
            body.put("token_endpoint", issuer + "/token");
            body.put("jwks_uri", issuer + "/jwks.json");
            body.put("userinfo_endpoint", issuer + "/userinfo");
            body.put("response_types_supported", List.of("code"));
            body.put("grant_types_supported", List.of("authorization_code", "refresh_token"));
            body.put("subject_types_supported", List.of("public"));
            body.put("id_token_signing_alg_values_supported", List.of("RS256"));
            body.put("code_challenge_methods_supported", List.of("S256"));
            body.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
            body.put("scopes_supported", List.of("openid", "profile", "email", "offline_access"));
            body.put("prompt_values_supported", List.of("none", "login", "consent"));
            body.put("claims_supported",
                    List.of("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name", "email", "email_verified"));
            return body;
        }

        Map<String, Object> jwks() {
            return Map.of("keys", publicKeys);
        }

        /** A browser says the request comes from another site (same-site: a sibling subdomain). */
        static boolean crossSite(String fetchSite) {
            return "cross-site".equals(fetchSite) || "same-site".equals(fetchSite);
        }

        /** The sign-in time the site gave among the claims, in seconds, or 0. */
        static long authTimeOf(Object value) {
            if (value instanceof Instant instant) {
                return instant.getEpochSecond();
            }
            if (value instanceof Date date) {
                return date.toInstant().getEpochSecond();
            }
            if (value instanceof Number number) {
                return number.longValue();
            }
            return 0;
        }

        /**
         * /authorize. query: its parameters; accept and fetchSite: the Accept and Sec-Fetch-Site headers;
         * user: the signed-in user's claims (null for nobody), asked only once the request is valid.
         */
        Answer authorize(Map<String, String> query, String accept, String fetchSite, Supplier<Map<String, Object>> user) {
            boolean wantsJson = accept != null && accept.contains("application/json");
            if (crossSite(fetchSite)) {
                return error(403, "access_denied", "cross-site authorization requests are refused");
            }
            String redirectUri = query.get("redirect_uri");
            String state = query.getOrDefault("state", "");
            if (!clientId.equals(query.get("client_id"))) {
                return error(400, "invalid_request", "unknown client_id");
            }
            if (redirectUri == null || !redirectUris.contains(redirectUri)) {
                return error(400, "invalid_request", "redirect_uri is not registered for this client");
            }
            String nonce = query.getOrDefault("nonce", "");
            String scope = " " + query.getOrDefault("scope", "") + " ";
            String prompt = " " + query.getOrDefault("prompt", "") + " ";
            String challenge = query.getOrDefault("code_challenge", "");
            String refusal = null;
            long maxAge = -1;
            if (state.length() > MAX_PARAMETER_LENGTH || nonce.length() > MAX_PARAMETER_LENGTH) {
                refusal = "invalid_request";
                state = state.length() > MAX_PARAMETER_LENGTH ? "" : state;
            } else if (!"code".equals(query.get("response_type"))) {
                refusal = "unsupported_response_type";
            } else if (!scope.contains(" openid ") || scope.length() > MAX_PARAMETER_LENGTH) {
                refusal = "invalid_scope";
            } else if (!"S256".equals(query.get("code_challenge_method")) || !CHALLENGE.matcher(challenge).matches()) {
                refusal = "invalid_request";
            } else if (prompt.contains(" none ") && !"none".equals(prompt.trim())) {
                refusal = "invalid_request";
            } else if (query.get("max_age") != null) {
                try {
                    maxAge = Long.parseLong(query.get("max_age"));
                } catch (NumberFormatException e) {
                    maxAge = -2;
                }
                if (maxAge < 0) {
                    refusal = "invalid_request";
                }
            }
            Map<String, Object> claims = null;
            Instant at = now.get();
            long authTime = 0;
            if (refusal == null) {
                claims = user.get();
                if (claims == null || !(claims.get("sub") instanceof String subject) || subject.isEmpty()) {
                    refusal = "login_required";
                } else {
                    authTime = authTimeOf(claims.get("auth_time"));
                    if (maxAge >= 0 && (authTime == 0 || at.getEpochSecond() - authTime > maxAge)) {
                        refusal = "login_required";
                    }
                    // no sign-in page of its own: for prompt=login the site's sign-in must have just happened
                    if (prompt.contains(" login ")
                            && (authTime == 0 || at.getEpochSecond() - authTime > FRESH_SIGN_IN.toSeconds())) {
                        refusal = "login_required";
                    }
                }
            }
            if (refusal != null) {
                if (wantsJson) {
                    return error("login_required".equals(refusal) ? 401 : 400, refusal, "the authorization request was refused");
                }
                Map<String, String> params = new LinkedHashMap<>();
                params.put("error", refusal);
                if (!state.isEmpty()) {
                    params.put("state", state);
                }
                return redirect(redirectUri, params);
            }
            Map<String, Object> userClaims = new LinkedHashMap<>(claims);
            userClaims.remove("auth_time");
            Map<String, Object> grant = new LinkedHashMap<>();
            grant.put("client_id", clientId);
            grant.put("redirect_uri", redirectUri);
            grant.put("challenge", challenge);
            grant.put("nonce", nonce);
            grant.put("offline", scope.contains(" offline_access "));
            grant.put("scope", scope.trim());
            grant.put("claims", userClaims);
            grant.put("auth_time", authTime == 0 ? at.getEpochSecond() : authTime);
            grant.put("expires_at", at.plus(CODE_LIFETIME).toEpochMilli());
            String code = randomToken();
            try {
                store.set(key("code", code), JSONObjectUtils.toJSONString(grant), CODE_LIFETIME);
            } catch (RuntimeException e) {
                return unavailable(e);
            }
            if (wantsJson) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("code", code);
                body.put("state", state);
                return json(200, body);
            }
            Map<String, String> params = new LinkedHashMap<>();
            params.put("code", code);
            if (!state.isEmpty()) {
                params.put("state", state);
            }
            return redirect(redirectUri, params);
        }

        /** The body, or null when it is larger than MAX_TOKEN_BODY (read no further). */
        static byte[] readBody(InputStream in) throws IOException {
            byte[] body = in.readNBytes(MAX_TOKEN_BODY + 1);
            return body.length > MAX_TOKEN_BODY ? null : body;
        }

        /** application/x-www-form-urlencoded (or a query string) as name -> values. */
        static Map<String, List<String>> form(String encoded) {
            Map<String, List<String>> out = new LinkedHashMap<>();
            if (encoded == null || encoded.isEmpty()) {
                return out;
            }
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                try {
                    String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    out.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
                } catch (IllegalArgumentException e) {
                    // a malformed pair is no parameter
                }
            }
            return out;
        }

        private static String first(Map<String, List<String>> form, String name) {
            List<String> values = form.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /**
         * /token. queryString: the URL's query; body: the form body read with readBody (null: too large);
         * authorization: the Authorization header.
         */
        Answer token(String queryString, byte[] body, String authorization) {
            Map<String, List<String>> query = form(queryString);
            for (String name : BODY_ONLY) {
                if (query.containsKey(name)) {
                    return error(400, "invalid_request", name + " belongs in the form body, not the URL");
                }
            }
            if (body == null) {
                return error(413, "invalid_request", "the request body is too large");
            }
            Map<String, List<String>> form = form(new String(body, StandardCharsets.UTF_8));
            String presentedId;
            String presentedSecret;
            boolean usesBasic = authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);
            if (usesBasic) {
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    decoded = "";
                }
                int colon = decoded.indexOf(':');
                try {
                    presentedId = colon < 0 ? "" : URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
                    presentedSecret = colon < 0 ? "" : URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    presentedId = "";
                    presentedSecret = "";
                }
            } else {
                presentedId = first(form, "client_id");
                presentedSecret = first(form, "client_secret");
            }
            if (!secretEquals(presentedId, clientId) || !secretEquals(presentedSecret, clientSecret)) {
                return usesBasic
                        ? error(401, "invalid_client", "client authentication failed", "Basic realm=\"genesys-oidc\"")
                        : error(401, "invalid_client", "client authentication failed");
            }
            try {
                String grantType = first(form, "grant_type");
                if ("authorization_code".equals(grantType)) {
                    return redeemCode(form);
                }
                if ("refresh_token".equals(grantType)) {
                    return refresh(form);
                }
                return error(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
            } catch (RuntimeException e) {
                return unavailable(e);
            }
        }

        /** Ends the sign-in whose code or refresh token came twice: what it issued stops working. */
        private void revoke(String usedKey) {
            String family = store.get(usedKey);
            if (family != null) {
                store.delete(familyKey(family));
            }
        }

        private static Map<String, Object> parsed(String json) {
            if (json == null) {
                return null;
            }
            try {
                return JSONObjectUtils.parse(json);
            } catch (java.text.ParseException e) {
                return null;
            }
        }

        private static long number(Map<String, Object> record, String name) {
            return record.get(name) instanceof Number n ? n.longValue() : 0;
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> claimsOf(Map<String, Object> record) {
            return record.get("claims") instanceof Map<?, ?> claims ? (Map<String, Object>) claims : Map.of();
        }

        private Answer redeemCode(Map<String, List<String>> form) {
            Instant at = now.get();
            String code = first(form, "code");
            Map<String, Object> grant = parsed(store.take(key("code", code))); // single use: a replayed code stays dead
            if (grant == null) {
                revoke(key("code-used", code));
                return error(400, "invalid_grant", "unknown, expired or used code");
            }
            String family = randomToken();
            store.set(key("code-used", code), family, refreshLifetime);
            if (!at.isBefore(Instant.ofEpochMilli(number(grant, "expires_at")))) {
                return error(400, "invalid_grant", "unknown, expired or used code");
            }
            if (!clientId.equals(grant.get("client_id")) || !Objects.equals(grant.get("redirect_uri"), first(form, "redirect_uri"))) {
                return error(400, "invalid_grant", "client or redirect_uri mismatch");
            }
            String verifier = first(form, "code_verifier");
            if (verifier == null || !VERIFIER.matcher(verifier).matches()
                    || !secretEquals(s256(verifier), String.valueOf(grant.get("challenge")))) {
                return error(400, "invalid_grant", "code_verifier does not match");
            }
            boolean offline = Boolean.TRUE.equals(grant.get("offline"));
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("client_id", clientId);
            record.put("claims", claimsOf(grant));
            record.put("auth_time", number(grant, "auth_time"));
            record.put("offline", offline);
            record.put("scope", String.valueOf(grant.getOrDefault("scope", "")));
            record.put("expires_at", at.plus(offline ? refreshLifetime : ACCESS_TOKEN_LIFETIME).toEpochMilli());
            return issue(family, record, String.valueOf(grant.getOrDefault("nonce", "")), at);
        }

        private Answer refresh(Map<String, List<String>> form) {
            Instant at = now.get();
            String presented = first(form, "refresh_token");
            String requested = first(form, "scope");
            if (requested != null && !requested.isBlank() && !withinScope(presented, requested)) {
                // a refresh may narrow the sign-in's scope, never widen it (RFC 6749 section 6); the token stays usable
                return error(400, "invalid_scope", "scope wider than the sign-in's");
            }
            Map<String, Object> token = parsed(store.take(key("refresh", presented))); // rotation: each works once
            if (token == null) {
                revoke(key("refresh-used", presented)); // reuse: the whole sign-in goes
                return error(400, "invalid_grant", "unknown, expired or used refresh token");
            }
            String family = String.valueOf(token.get("family"));
            store.set(key("refresh-used", presented), family, refreshLifetime);
            Map<String, Object> record = parsed(store.get(familyKey(family)));
            if (record == null || !clientId.equals(record.get("client_id"))
                    || !at.isBefore(Instant.ofEpochMilli(number(record, "expires_at")))) {
                return error(400, "invalid_grant", "unknown, expired or used refresh token");
            }
            return issue(family, record, "", at);
        }

        /** The refresh token's sign-in was granted every requested scope (true when unknown: the grant then fails). */
        private boolean withinScope(String presented, String requested) {
            Map<String, Object> token = parsed(store.get(key("refresh", presented)));
            Map<String, Object> record = token == null ? null : parsed(store.get(familyKey(String.valueOf(token.get("family")))));
            if (record == null) {
                return true;
            }
            String granted = " " + record.getOrDefault("scope", "") + " ";
            for (String scope : requested.trim().split("\\s+")) {
                if (!granted.contains(" " + scope + " ")) {
                    return false;
                }
            }
            return true;
        }

        /** Stores the sign-in and its new tokens, and answers with them. */
        private Answer issue(String family, Map<String, Object> record, String nonce, Instant at) {
            Duration remaining = Duration.between(at, Instant.ofEpochMilli(number(record, "expires_at")));
            store.set(familyKey(family), JSONObjectUtils.toJSONString(record), remaining);
            String access = randomToken();
            Map<String, Object> accessRecord = new LinkedHashMap<>();
            accessRecord.put("family", family);
            accessRecord.put("claims", claimsOf(record));
            accessRecord.put("expires_at", at.plus(ACCESS_TOKEN_LIFETIME).toEpochMilli());
            store.set(key("access", access), JSONObjectUtils.toJSONString(accessRecord), ACCESS_TOKEN_LIFETIME);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("access_token", access);
            body.put("token_type", "Bearer");
            body.put("expires_in", ACCESS_TOKEN_LIFETIME.toSeconds());
            if (Boolean.TRUE.equals(record.get("offline"))) {
                String refresh = randomToken();
                store.set(key("refresh", refresh), JSONObjectUtils.toJSONString(Map.of("family", family)), remaining);
                body.put("refresh_token", refresh);
            }
            try {
                body.put("id_token", idToken(record, nonce, at));
            } catch (JOSEException e) {
                return error(500, "server_error", "could not sign the ID token");
            }
            return json(200, body);
        }

        String idToken(Map<String, Object> record, String nonce, Instant at) throws JOSEException {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
            claimsOf(record).forEach(claims::claim);
            claims.issuer(issuer)
                    .audience(String.valueOf(record.get("client_id")))
                    .issueTime(Date.from(at))
                    .expirationTime(Date.from(at.plus(TOKEN_LIFETIME)))
                    .claim("auth_time", number(record, "auth_time"));
            if (nonce != null && !nonce.isEmpty()) {
                claims.claim("nonce", nonce);
            }
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256)
                    .keyID(signingKey.getKeyID())
                    .type(JOSEObjectType.JWT)
                    .build();
            SignedJWT jwt = new SignedJWT(header, claims.build());
            jwt.sign(new RSASSASigner(signingKey));
            return jwt.serialize();
        }

        /** /userinfo: the claims for a live access token of a sign-in that was not revoked. */
        Answer userinfo(String authorization) {
            String challenge = "Bearer error=\"invalid_token\"";
            if (authorization == null || !authorization.startsWith("Bearer ")) {
                return error(401, "invalid_token", "bearer token required", challenge);
            }
            try {
                Map<String, Object> token = parsed(store.get(key("access", authorization.substring(7).trim())));
                if (token == null || !now.get().isBefore(Instant.ofEpochMilli(number(token, "expires_at")))
                        || store.get(familyKey(String.valueOf(token.get("family")))) == null) {
                    return error(401, "invalid_token", "unknown, expired or revoked access token", challenge);
                }
                return json(200, claimsOf(token));
            } catch (RuntimeException e) {
                return unavailable(e);
            }
        }
    }

    /** The name of the site's cache that keeps codes and tokens. */
    public static final String CACHE_NAME = "genesys-oidc";

    /**
     * The site's own shared cache. Entries carry their expiry (the cache's own time to live bounds
     * them); take is putIfAbsent of a marker, atomic in every shared Spring cache.
     */
    static final class CacheStore implements Store {
        private final Cache cache;
        private final Supplier<Instant> now;

        CacheStore(Cache cache, Supplier<Instant> now) {
            this.cache = cache;
            this.now = now;
        }

        @Override
        public void set(String key, String value, Duration ttl) {
            cache.put(key, now.get().plus(ttl).toEpochMilli() + ":" + value);
        }

        @Override
        public String get(String key) {
            Cache.ValueWrapper found = cache.get(key);
            String entry = found == null ? null : String.valueOf(found.get());
            int colon = entry == null ? -1 : entry.indexOf(':');
            if (colon < 0) {
                return null;
            }
            try {
                if (!now.get().isBefore(Instant.ofEpochMilli(Long.parseLong(entry.substring(0, colon))))) {
                    cache.evict(key);
                    return null;
                }
            } catch (NumberFormatException e) {
                return null;
            }
            return entry.substring(colon + 1);
        }

        @Override
        public String take(String key) {
            String value = get(key);
            if (value == null || cache.putIfAbsent(key + ":taken", "1") != null) {
                return null;
            }
            cache.evict(key);
            return value;
        }

        @Override
        public void delete(String key) {
            cache.evict(key);
        }
    }

    /** The site's CacheManager's cache when it is shared between processes; null otherwise. */
    static Store sharedCache(CacheManager manager, Supplier<Instant> now) {
        if (manager == null || manager instanceof ConcurrentMapCacheManager || manager instanceof NoOpCacheManager
                || manager.getClass().getName().endsWith(".CaffeineCacheManager")) {
            return null; // in this process only, or nothing at all
        }
        Cache cache = manager.getCache(CACHE_NAME);
        if (cache == null) {
            return null;
        }
        System.err.println("genesys oidc: codes and tokens are kept in the site's cache " + CACHE_NAME + " ("
                + manager.getClass().getSimpleName() + "); its time to live must be " + REFRESH_TTL_VARIABLE
                + " or more");
        return new CacheStore(cache, now);
    }

    private final Claims claims;
    private final Core core;

    public GenesysOidcController(Claims claims, ObjectProvider<Clock> clock, ObjectProvider<CacheManager> caches) {
        this.claims = claims;
        Clock time = clock.getIfAvailable(Clock::systemUTC);
        Supplier<Instant> now = time::instant;
        this.core = new Core(now, sharedCache(caches.getIfAvailable(), now));
    }

    private static ResponseEntity<String> respond(Answer answer) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(answer.status());
        answer.headers().forEach((name, value) -> response.header(name, value));
        if (answer.body() == null) {
            return response.build();
        }
        return response.contentType(MediaType.APPLICATION_JSON).body(answer.json());
    }

    @GetMapping("/.well-known/openid-configuration")
    public ResponseEntity<String> discovery() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(JSONObjectUtils.toJSONString(core.discovery()));
    }

    @GetMapping("/jwks.json")
    public ResponseEntity<String> jwks() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(JSONObjectUtils.toJSONString(core.jwks()));
    }

    @GetMapping("/authorize")
    public ResponseEntity<String> authorize(@RequestParam Map<String, String> query, HttpServletRequest request) {
        return respond(core.authorize(query, request.getHeader(HttpHeaders.ACCEPT), request.getHeader("Sec-Fetch-Site"),
                () -> {
                    Principal principal = request.getUserPrincipal();
                    return principal == null ? null : claims.claims(request, principal);
                }));
    }

    /** The form is read here, at most MAX_TOKEN_BODY bytes of it, before the client is authenticated. */
    @PostMapping(path = "/token", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    public ResponseEntity<String> token(HttpServletRequest request) throws IOException {
        byte[] body = request.getContentLengthLong() > MAX_TOKEN_BODY ? null : Core.readBody(request.getInputStream());
        if (body != null && body.length == 0 && !request.getParameterMap().isEmpty()) {
            // a filter of the site read the form already (the container bounds it): take its parameters
            StringJoiner form = new StringJoiner("&");
            request.getParameterMap().forEach((name, values) -> {
                for (String value : values) {
                    form.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                            + URLEncoder.encode(value, StandardCharsets.UTF_8));
                }
            });
            body = form.toString().getBytes(StandardCharsets.UTF_8);
        }
        return respond(core.token(request.getQueryString(), body, request.getHeader(HttpHeaders.AUTHORIZATION)));
    }

    @GetMapping("/userinfo")
    public ResponseEntity<String> userinfo(
            @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        return respond(core.userinfo(authorization));
    }
}
