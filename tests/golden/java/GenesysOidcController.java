import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The site's OpenID provider for Genesys Cloud authenticated Messenger, mounted at the issuer path.
 *
 * <p>Genesys Cloud redeems the authorization codes it issues server-side (OpenID Connect code flow
 * with PKCE S256 and a nonce). The signed-in user's claims come from the {@link Claims} bean; a
 * login guard on that bean's method (for example {@code @PreAuthorize}) applies to /authorize.
 *
 * <p>Settings (read at start-up; a missing one stops start-up naming it): GENESYS_OIDC_ISSUER,
 * GENESYS_OIDC_CLIENT_ID, GENESYS_OIDC_CLIENT_SECRET, GENESYS_OIDC_PRIVATE_KEY_FILE (PEM, PKCS#8),
 * GENESYS_OIDC_REDIRECT_URIS.
 */
@RestController
@RequestMapping("/oidc")
public class GenesysOidcController {

    /** The signed-in user's ID-token claims ({@code sub}, {@code name}, {@code email}...); null when nobody is signed in. */
    public interface Claims {
        Map<String, Object> claims(HttpServletRequest request, Principal principal);
    }

    /** How long an authorization code can be redeemed (at most 60 s). */
    public static final Duration CODE_LIFETIME = Duration.ofSeconds(60);
    /** The lifetime of ID and access tokens (at most 10 minutes). */
    public static final Duration TOKEN_LIFETIME = Duration.ofMinutes(5);
    /** The smallest RSA key accepted, in bits. */
    public static final int MINIMUM_KEY_SIZE = 2048;

    public static final String ISSUER_VARIABLE = "GENESYS_OIDC_ISSUER";
    public static final String CLIENT_ID_VARIABLE = "GENESYS_OIDC_CLIENT_ID";
    public static final String CLIENT_SECRET_VARIABLE = "GENESYS_OIDC_CLIENT_SECRET";
    public static final String PRIVATE_KEY_FILE_VARIABLE = "GENESYS_OIDC_PRIVATE_KEY_FILE";
    public static final String REDIRECT_URIS_VARIABLE = "GENESYS_OIDC_REDIRECT_URIS";

    private record Grant(String clientId, String redirectUri, String challenge, String nonce,
                         Map<String, Object> claims, Instant authTime, Instant expiresAt) {
    }

    private record AccessToken(Map<String, Object> claims, Instant expiresAt) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Claims claims;
    private final Clock clock;
    private final String issuer;
    private final String clientId;
    private final String clientSecret;
    private final List<String> redirectUris;
    private final RSAKey signingKey;
    private final RSAKey publicJwk;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, AccessToken> accessTokens = new ConcurrentHashMap<>();

    public GenesysOidcController(Claims claims, ObjectProvider<Clock> clock) throws Exception {
        this.claims = claims;
        this.clock = clock.getIfAvailable(Clock::systemUTC);
        List<String> missing = new ArrayList<>();
        String issuer = setting(ISSUER_VARIABLE, missing);
        String clientId = setting(CLIENT_ID_VARIABLE, missing);
        String clientSecret = setting(CLIENT_SECRET_VARIABLE, missing);
        String keyFile = setting(PRIVATE_KEY_FILE_VARIABLE, missing);
        String redirects = setting(REDIRECT_URIS_VARIABLE, missing);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Genesys OIDC provider cannot start: missing " + String.join(", ", missing));
        }
        URI uri = parsedUri(issuer);
        if (uri == null || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
            throw new IllegalStateException("Genesys OIDC provider cannot start: " + ISSUER_VARIABLE + " is not an absolute URL");
        }
        if ("http".equals(uri.getScheme()) && !("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()))) {
            throw new IllegalStateException(
                    "Genesys OIDC provider cannot start: " + ISSUER_VARIABLE + " must use https (http only for localhost)");
        }
        this.issuer = issuer.replaceAll("/+$", "");
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.redirectUris = Arrays.stream(redirects.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        RSAPrivateCrtKey privateKey = readPrivateKey(Path.of(keyFile));
        if (privateKey.getModulus().bitLength() < MINIMUM_KEY_SIZE) {
            throw new IllegalStateException("Genesys OIDC provider cannot start: " + PRIVATE_KEY_FILE_VARIABLE
                    + " holds a " + privateKey.getModulus().bitLength() + "-bit key; " + MINIMUM_KEY_SIZE + " or more needed");
        }
        RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
        this.signingKey = new RSAKey.Builder(publicKey)
                .privateKey(privateKey)
                .keyUse(KeyUse.SIGNATURE)
                .algorithm(JWSAlgorithm.RS256)
                .keyIDFromThumbprint()
                .build();
        this.publicJwk = signingKey.toPublicJWK();
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

    /** The PEM PKCS#8 RSA key in the file; whatever is wrong with it stops start-up naming the setting. */
    private static RSAPrivateCrtKey readPrivateKey(Path path) {
        String pem;
        try {
            pem = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("Genesys OIDC provider cannot start: " + PRIVATE_KEY_FILE_VARIABLE
                    + " cannot be read: " + e, e);
        }
        if (pem.contains("BEGIN RSA PRIVATE KEY")) {
            throw new IllegalStateException("Genesys OIDC provider cannot start: " + PRIVATE_KEY_FILE_VARIABLE
                    + " is PKCS#1; convert it with `openssl pkcs8 -topk8 -nocrypt`");
        }
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalStateException("Genesys OIDC provider cannot start: " + PRIVATE_KEY_FILE_VARIABLE
                    + " holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        PrivateKey key;
        try {
            key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("Genesys OIDC provider cannot start: " + PRIVATE_KEY_FILE_VARIABLE
                    + " does not hold an RSA private key: " + e.getMessage(), e);
        }
        if (!(key instanceof RSAPrivateCrtKey rsaKey)) {
            throw new IllegalStateException("Genesys OIDC provider cannot start: " + PRIVATE_KEY_FILE_VARIABLE
                    + " does not hold an RSA private key with its CRT parameters");
        }
        return rsaKey;
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String code, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("error_description", description);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Compares in constant time. */
    private static boolean secretEquals(String a, String b) {
        return a != null && b != null
                && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static String s256(String verifier) throws NoSuchAlgorithmException {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    private static ResponseEntity<Map<String, Object>> redirect(String redirectUri, Map<String, String> params) {
        StringJoiner query = new StringJoiner("&");
        params.forEach((name, value) -> query.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        String location = redirectUri + (redirectUri.contains("?") ? "&" : "?") + query;
        return ResponseEntity.status(HttpStatus.FOUND).header(HttpHeaders.LOCATION, location).build();
    }

    private static boolean wantsJson(HttpServletRequest request) {
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        return accept != null && accept.contains(MediaType.APPLICATION_JSON_VALUE);
    }

    @GetMapping("/.well-known/openid-configuration")
    public Map<String, Object> discovery() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("issuer", issuer);
        body.put("authorization_endpoint", issuer + "/authorize");
        body.put("token_endpoint", issuer + "/token");
        body.put("jwks_uri", issuer + "/jwks.json");
        body.put("userinfo_endpoint", issuer + "/userinfo");
        body.put("response_types_supported", List.of("code"));
        body.put("grant_types_supported", List.of("authorization_code"));
        body.put("subject_types_supported", List.of("public"));
        body.put("id_token_signing_alg_values_supported", List.of("RS256"));
        body.put("code_challenge_methods_supported", List.of("S256"));
        body.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        body.put("scopes_supported", List.of("openid", "profile", "email"));
        body.put("claims_supported",
                List.of("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name", "email", "email_verified"));
        return body;
    }

    @GetMapping("/jwks.json")
    public Map<String, Object> jwks() {
        return Map.of("keys", List.of(publicJwk.toJSONObject()));
    }

    @GetMapping("/authorize")
    public ResponseEntity<Map<String, Object>> authorize(@RequestParam Map<String, String> query,
                                                         HttpServletRequest request) {
        String redirectUri = query.get("redirect_uri");
        String state = query.getOrDefault("state", "");
        if (!clientId.equals(query.get("client_id"))) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "unknown client_id");
        }
        if (redirectUri == null || !redirectUris.contains(redirectUri)) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "redirect_uri is not registered for this client");
        }
        String refusal = null;
        if (!"code".equals(query.get("response_type"))) {
            refusal = "unsupported_response_type";
        } else if (!(" " + query.getOrDefault("scope", "") + " ").contains(" openid ")) {
            refusal = "invalid_scope";
        } else if (!"S256".equals(query.get("code_challenge_method"))
                || query.getOrDefault("code_challenge", "").length() < 43) {
            refusal = "invalid_request";
        }
        Map<String, Object> user = null;
        if (refusal == null) {
            Principal principal = request.getUserPrincipal();
            user = principal == null ? null : claims.claims(request, principal);
            if (user == null || !(user.get("sub") instanceof String subject) || subject.isEmpty()) {
                refusal = "login_required";
            }
        }
        if (refusal != null) {
            if (wantsJson(request)) {
                HttpStatus status = "login_required".equals(refusal) ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST;
                return error(status, refusal, "the authorization request was refused");
            }
            Map<String, String> params = new LinkedHashMap<>();
            params.put("error", refusal);
            if (!state.isEmpty()) {
                params.put("state", state);
            }
            return redirect(redirectUri, params);
        }
        Instant now = clock.instant();
        codes.values().removeIf(g -> !now.isBefore(g.expiresAt()));
        String code = randomToken();
        codes.put(code, new Grant(clientId, redirectUri, query.get("code_challenge"), query.get("nonce"),
                Collections.unmodifiableMap(new LinkedHashMap<>(user)), now, now.plus(CODE_LIFETIME)));
        if (wantsJson(request)) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("code", code);
            body.put("state", state);
            return ResponseEntity.ok(body);
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("code", code);
        if (!state.isEmpty()) {
            params.put("state", state);
        }
        return redirect(redirectUri, params);
    }

    @PostMapping(path = "/token", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    public ResponseEntity<Map<String, Object>> token(@RequestParam MultiValueMap<String, String> form,
                                                     @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false)
                                                     String authorization) throws Exception {
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
            presentedId = colon < 0 ? "" : URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
            presentedSecret = colon < 0 ? "" : URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
        } else {
            presentedId = form.getFirst("client_id");
            presentedSecret = form.getFirst("client_secret");
        }
        if (!secretEquals(presentedId, clientId) || !secretEquals(presentedSecret, clientSecret)) {
            ResponseEntity<Map<String, Object>> refused = error(HttpStatus.UNAUTHORIZED, "invalid_client",
                    "client authentication failed");
            if (usesBasic) {
                return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                        .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"genesys-oidc\"")
                        .cacheControl(CacheControl.noStore())
                        .body(refused.getBody());
            }
            return refused;
        }
        if (!"authorization_code".equals(form.getFirst("grant_type"))) {
            return error(HttpStatus.BAD_REQUEST, "unsupported_grant_type", "grant_type must be authorization_code");
        }
        Instant now = clock.instant();
        String code = form.getFirst("code");
        Grant grant = code == null ? null : codes.remove(code); // single use: a replayed code stays dead
        if (grant == null || !now.isBefore(grant.expiresAt())) {
            return error(HttpStatus.BAD_REQUEST, "invalid_grant", "unknown, expired or used code");
        }
        if (!grant.clientId().equals(presentedId) || !grant.redirectUri().equals(form.getFirst("redirect_uri"))) {
            return error(HttpStatus.BAD_REQUEST, "invalid_grant", "client or redirect_uri mismatch");
        }
        String verifier = form.getFirst("code_verifier");
        if (verifier == null || !secretEquals(s256(verifier), grant.challenge())) {
            return error(HttpStatus.BAD_REQUEST, "invalid_grant", "code_verifier does not match");
        }
        String accessToken = randomToken();
        accessTokens.values().removeIf(t -> !now.isBefore(t.expiresAt()));
        accessTokens.put(accessToken, new AccessToken(grant.claims(), now.plus(TOKEN_LIFETIME)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", accessToken);
        body.put("token_type", "Bearer");
        body.put("expires_in", TOKEN_LIFETIME.toSeconds());
        body.put("id_token", idToken(grant, now));
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).header("Pragma", "no-cache").body(body);
    }

    private String idToken(Grant grant, Instant now) throws JOSEException {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
        grant.claims().forEach(claims::claim);
        claims.issuer(issuer)
                .audience(grant.clientId())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(TOKEN_LIFETIME)))
                .claim("auth_time", grant.authTime().getEpochSecond());
        if (grant.nonce() != null && !grant.nonce().isEmpty()) {
            claims.claim("nonce", grant.nonce());
        }
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(signingKey.getKeyID())
                .type(JOSEObjectType.JWT)
                .build();
        SignedJWT jwt = new SignedJWT(header, claims.build());
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }

    @GetMapping("/userinfo")
    public ResponseEntity<Map<String, Object>> userinfo(
            @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        AccessToken token = authorization != null && authorization.startsWith("Bearer ")
                ? accessTokens.get(authorization.substring("Bearer ".length()).trim()) : null;
        if (token == null || !clock.instant().isBefore(token.expiresAt())) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
                    .body(Map.of("error", "invalid_token"));
        }
        return ResponseEntity.ok(token.claims());
    }
}
