// Package genesysoidc is the site's OpenID provider for Genesys Cloud authenticated Messenger.
//
// Genesys Cloud redeems the authorization codes it issues server-side (OpenID Connect code flow
// with PKCE S256 and a nonce) and renews its session with the refresh token (scope offline_access).
// Mount it at the issuer path behind the site's own login guard:
//
//	http.Handle("/oidc/", genesysoidc.Handler(claims, requireLogin))  // net/http
//	r.Mount("/oidc", genesysoidc.Handler(claims, requireLogin))       // chi
//	r.Any("/oidc/*path", gin.WrapH(genesysoidc.Handler(claims, nil)))  // gin
//	r.PathPrefix("/oidc/").Handler(genesysoidc.Handler(claims, requireLogin))  // gorilla/mux
//	e.Any("/oidc/*", echo.WrapHandler(genesysoidc.Handler(claims, nil)))  // echo
//
// Settings (read at start-up; a missing one stops start-up naming it): GENESYS_OIDC_ISSUER,
// GENESYS_OIDC_CLIENT_ID, GENESYS_OIDC_CLIENT_SECRET, GENESYS_OIDC_PRIVATE_KEY_FILE,
// GENESYS_OIDC_REDIRECT_URIS. Optional: GENESYS_OIDC_STORE_URL (redis://... shared by every process
// of the site; without it codes and tokens live in this process only), GENESYS_OIDC_REFRESH_TTL
// (seconds a sign-in can be renewed, default 86400), GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE (the next
// signing key, published in the JWKS ahead of a rotation).
package genesysoidc

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
)

// CodeLifetime is how long an authorization code can be redeemed (at most 60 s).
const CodeLifetime = 60 * time.Second

// TokenLifetime is the lifetime of ID tokens (at most 10 minutes).
const TokenLifetime = 5 * time.Minute

// AccessTokenLifetime is the lifetime of access tokens: Genesys keeps its session for
// min(15 minutes, this), then renews it with the refresh token.
const AccessTokenLifetime = 15 * time.Minute

// DefaultRefreshLifetime is how long a sign-in can be renewed unless GENESYS_OIDC_REFRESH_TTL says
// otherwise; match it with the integration's Max Refresh Token Lifetime.
const DefaultRefreshLifetime = 24 * time.Hour

// MinRefreshTTL and MaxRefreshTTL bound GENESYS_OIDC_REFRESH_TTL, in seconds: the range Genesys accepts.
const (
	MinRefreshTTL = 900
	MaxRefreshTTL = 7776000
)

// FreshSignIn is how recent a sign-in must be for prompt=login.
const FreshSignIn = 60 * time.Second

// MinimumKeySize is the smallest RSA key accepted, in bits.
const MinimumKeySize = 2048

// MaxParameterLength bounds state, nonce and the other values /authorize copies into a code.
const MaxParameterLength = 512

// MaxTokenBody bounds the /token body, read before the client is authenticated.
const MaxTokenBody = 16 << 10

// MaxMemoryEntries bounds the in-process store; past it the entry nearest its expiry goes first.
const MaxMemoryEntries = 10000

// The runtime settings, read from the environment.
const (
	IssuerVariable         = "GENESYS_OIDC_ISSUER"
	ClientIDVariable       = "GENESYS_OIDC_CLIENT_ID"
	ClientSecretVariable   = "GENESYS_OIDC_CLIENT_SECRET"
	PrivateKeyFileVariable = "GENESYS_OIDC_PRIVATE_KEY_FILE"
	RedirectURIsVariable   = "GENESYS_OIDC_REDIRECT_URIS"
)

// The optional runtime settings.
const (
	StoreURLVariable           = "GENESYS_OIDC_STORE_URL"
	RefreshTTLVariable         = "GENESYS_OIDC_REFRESH_TTL"
	NextPrivateKeyFileVariable = "GENESYS_OIDC_NEXT_PRIVATE_KEY_FILE"
)

// Settings are the provider's runtime settings.
type Settings struct {
	Issuer          string
	ClientID        string
	ClientSecret    string
	PrivateKey      *rsa.PrivateKey
	NextKey         *rsa.PrivateKey // published in the JWKS, not used for signing yet
	RedirectURIs    []string
	RefreshLifetime time.Duration
	Store           Store // nil: this process's memory
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoadSettings reads the settings from the environment; the error names every missing or invalid one.
// With GENESYS_OIDC_STORE_URL it connects to that Redis and fails when it does not answer.
func LoadSettings() (*Settings, error) {
	var missing []string
	get := func(name string) string {
		value := strings.TrimSpace(os.Getenv(name))
		if value == "" {
			missing = append(missing, name)
		}
		return value
	}
	issuer := get(IssuerVariable)
	clientID := get(ClientIDVariable)
	clientSecret := get(ClientSecretVariable)
	keyFile := get(PrivateKeyFileVariable)
	redirects := get(RedirectURIsVariable)
	if len(missing) > 0 {
		return nil, fmt.Errorf("genesys oidc provider cannot start: missing %s", strings.Join(missing, ", "))
	}
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("genesys oidc provider cannot start: %s is not an absolute URL", IssuerVariable)
	}
	if u.Scheme == "http" && !(u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1") {
		return nil, fmt.Errorf("genesys oidc provider cannot start: %s must use https (http only for localhost)", IssuerVariable)
	}
	key, err := readPrivateKey(keyFile)
	if err != nil {
		return nil, fmt.Errorf("genesys oidc provider cannot start: %s: %w", PrivateKeyFileVariable, err)
	}
	settings := &Settings{Issuer: strings.TrimRight(issuer, "/"), ClientID: clientID, ClientSecret: clientSecret,
		PrivateKey: key, RefreshLifetime: DefaultRefreshLifetime}
	for _, uri := range strings.Split(redirects, ",") {
		if uri = strings.TrimSpace(uri); uri == "" {
			continue
		}
		r, err := url.Parse(uri)
		if err != nil || r.Host == "" || r.Fragment != "" || (r.Scheme != "https" && r.Scheme != "http") {
			return nil, fmt.Errorf("genesys oidc provider cannot start: %s: %q is not an absolute URL without a fragment",
				RedirectURIsVariable, uri)
		}
		if r.Scheme == "http" && !loopback(r.Hostname()) {
			return nil, fmt.Errorf("genesys oidc provider cannot start: %s: %q must use https (http only for loopback hosts)",
				RedirectURIsVariable, uri)
		}
		settings.RedirectURIs = append(settings.RedirectURIs, uri)
	}
	if ttl := strings.TrimSpace(os.Getenv(RefreshTTLVariable)); ttl != "" {
		seconds, err := strconv.Atoi(ttl)
		if err != nil || seconds < MinRefreshTTL || seconds > MaxRefreshTTL {
			return nil, fmt.Errorf("genesys oidc provider cannot start: %s must be a number of seconds from %d to %d",
				RefreshTTLVariable, MinRefreshTTL, MaxRefreshTTL)
		}
		settings.RefreshLifetime = time.Duration(seconds) * time.Second
	}
	if next := strings.TrimSpace(os.Getenv(NextPrivateKeyFileVariable)); next != "" {
		if settings.NextKey, err = readPrivateKey(next); err != nil {
			return nil, fmt.Errorf("genesys oidc provider cannot start: %s: %w", NextPrivateKeyFileVariable, err)
		}
	}
	if storeURL := strings.TrimSpace(os.Getenv(StoreURLVariable)); storeURL != "" {
		if settings.Store, err = OpenRedis(storeURL); err != nil {
			return nil, fmt.Errorf("genesys oidc provider cannot start: %s: %w", StoreURLVariable, err)
		}
	}
	return settings, nil
}

func readPrivateKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var parsed any
	if block.Type == "RSA PRIVATE KEY" {
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	} else {
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, err
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA private key")
	}
	if key.N.BitLen() < MinimumKeySize {
		return nil, fmt.Errorf("RSA key of %d bits; %d or more needed", key.N.BitLen(), MinimumKeySize)
	}
	return key, nil
}

// --- the store -------------------------------------------------------------------------------------

// Store keeps codes, tokens and replay records where every process of the site sees them. Take is an
// atomic read-and-delete: of two processes taking the same key, one gets it.
type Store interface {
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Get(ctx context.Context, key string) ([]byte, error)  // nil, nil when absent
	Take(ctx context.Context, key string) ([]byte, error) // nil, nil when absent
	Delete(ctx context.Context, key string) error
}

type redisStore struct{ client *redis.Client }

// OpenRedis is the store on the Redis at url (redis:// or rediss://), checked with a PING.
func OpenRedis(url string) (Store, error) {
	options, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	client := redis.NewClient(options)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, err
	}
	return redisStore{client}, nil
}

func (s redisStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return s.client.Set(ctx, key, value, ttl).Err()
}

func (s redisStore) Get(ctx context.Context, key string) ([]byte, error) {
	value, err := s.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return value, err
}

func (s redisStore) Take(ctx context.Context, key string) ([]byte, error) {
	var get *redis.StringCmd
	_, err := s.client.TxPipelined(ctx, func(pipe redis.Pipeliner) error { // MULTI GET DEL EXEC: atomic
		get = pipe.Get(ctx, key)
		pipe.Del(ctx, key)
		return nil
	})
	if errors.Is(err, redis.Nil) || (err == nil && errors.Is(get.Err(), redis.Nil)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return get.Bytes()
}

func (s redisStore) Delete(ctx context.Context, key string) error {
	return s.client.Del(ctx, key).Err()
}

type memoryEntry struct {
	value     []byte
	expiresAt time.Time
}

// memoryStore is the in-process store: each entry expires on its own, and a full store drops the
// entry nearest its expiry rather than everyone's.
type memoryStore struct {
	mu      sync.Mutex
	now     func() time.Time
	entries map[string]memoryEntry
}

func newMemoryStore(now func() time.Time) *memoryStore {
	return &memoryStore{now: now, entries: map[string]memoryEntry{}}
}

func (s *memoryStore) live(key string, now time.Time) (memoryEntry, bool) {
	entry, found := s.entries[key]
	if found && !now.Before(entry.expiresAt) {
		delete(s.entries, key)
		return entry, false
	}
	return entry, found
}

func (s *memoryStore) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, found := s.entries[key]; !found && len(s.entries) >= MaxMemoryEntries {
		for k, e := range s.entries {
			if !now.Before(e.expiresAt) {
				delete(s.entries, k)
			}
		}
		if len(s.entries) >= MaxMemoryEntries {
			first, soonest := "", time.Time{}
			for k, e := range s.entries {
				if first == "" || e.expiresAt.Before(soonest) {
					first, soonest = k, e.expiresAt
				}
			}
			delete(s.entries, first)
		}
	}
	s.entries[key] = memoryEntry{value: value, expiresAt: now.Add(ttl)}
	return nil
}

func (s *memoryStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if entry, found := s.live(key, s.now()); found {
		return entry.value, nil
	}
	return nil, nil
}

func (s *memoryStore) Take(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entry, found := s.live(key, s.now())
	delete(s.entries, key)
	if found {
		return entry.value, nil
	}
	return nil, nil
}

func (s *memoryStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, key)
	return nil
}

// --- records -----------------------------------------------------------------------------------------

// grant is what an authorization code stands for.
type grant struct {
	ClientID    string         `json:"client_id"`
	RedirectURI string         `json:"redirect_uri"`
	Challenge   string         `json:"challenge"`
	Nonce       string         `json:"nonce,omitempty"`
	Offline     bool           `json:"offline"`
	Scope       string         `json:"scope"`
	Claims      map[string]any `json:"claims"`
	AuthTime    int64          `json:"auth_time"`
	ExpiresAt   time.Time      `json:"expires_at"`
}

// family is one sign-in: the tokens issued from one code and their rotations. Deleting it revokes
// them all.
type family struct {
	ClientID  string         `json:"client_id"`
	Claims    map[string]any `json:"claims"`
	AuthTime  int64          `json:"auth_time"`
	Offline   bool           `json:"offline"`
	Scope     string         `json:"scope"`
	ExpiresAt time.Time      `json:"expires_at"`
}

type accessToken struct {
	Family    string         `json:"family"`
	Claims    map[string]any `json:"claims"`
	ExpiresAt time.Time      `json:"expires_at"`
}

type refreshToken struct {
	Family string `json:"family"`
}

// Store keys hold a digest of the code or token, never the value itself.
func storeKey(kind, value string) string {
	digest := sha256.Sum256([]byte(value))
	return "genesys-oidc:" + kind + ":" + base64.RawURLEncoding.EncodeToString(digest[:])
}

func familyKey(id string) string { return "genesys-oidc:family:" + id }

// Provider serves the five endpoints of the provider contract.
type Provider struct {
	settings *Settings
	claims   func(*http.Request) map[string]any
	guard    func(http.Handler) http.Handler
	now      func() time.Time
	keyID    string
	jwks     jose.JSONWebKeySet
	prefix   string
	store    Store
}

// Handler is the provider with the settings from the environment; it stops start-up when one is missing.
// claims returns the signed-in user's claims (nil when nobody is signed in; an "auth_time" among them
// is the time the user signed in); guard is the site's login middleware for /authorize (nil for none).
func Handler(claims func(*http.Request) map[string]any, guard func(http.Handler) http.Handler) http.Handler {
	settings, err := LoadSettings()
	if err != nil {
		panic(err)
	}
	return New(settings, claims, guard, time.Now)
}

func publicJWK(key *rsa.PrivateKey) jose.JSONWebKey {
	jwk := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: "RS256", Use: "sig"}
	thumbprint, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		panic(err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumbprint)
	return jwk
}

// New is the provider with explicit settings and clock.
func New(settings *Settings, claims func(*http.Request) map[string]any, guard func(http.Handler) http.Handler,
	now func() time.Time) *Provider {
	jwk := publicJWK(settings.PrivateKey)
	keys := []jose.JSONWebKey{jwk}
	if settings.NextKey != nil {
		keys = append(keys, publicJWK(settings.NextKey))
	}
	prefix := ""
	if u, err := url.Parse(settings.Issuer); err == nil {
		prefix = strings.TrimRight(u.Path, "/")
	}
	store := settings.Store
	if store == nil {
		log.Printf("genesysoidc: WARNING: codes and tokens are kept in this process's memory; a site that runs "+
			"more than one process must set %s=redis://... so that every process redeems them", StoreURLVariable)
		store = newMemoryStore(now)
	}
	if settings.RefreshLifetime <= 0 {
		settings.RefreshLifetime = DefaultRefreshLifetime
	}
	return &Provider{settings: settings, claims: claims, guard: guard, now: now, keyID: jwk.KeyID,
		jwks: jose.JSONWebKeySet{Keys: keys}, prefix: prefix, store: store}
}

// browserCrossSite: a browser says the request comes from another site (same-site is a sibling
// subdomain, which must not get a code either).
func browserCrossSite(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "cross-site" || site == "same-site"
}

func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, p.prefix) // mounted with or without the prefix stripped
	switch {
	case path == "/.well-known/openid-configuration" && r.Method == http.MethodGet:
		p.discovery(w, r)
	case path == "/jwks.json" && r.Method == http.MethodGet:
		p.jwksDocument(w, r)
	case path == "/authorize" && r.Method == http.MethodGet:
		w.Header().Set("Cache-Control", "no-store")
		if browserCrossSite(r) {
			writeError(w, http.StatusForbidden, "access_denied", "cross-site authorization requests are refused")
			return
		}
		var authorize http.Handler = http.HandlerFunc(p.authorize)
		if p.guard != nil {
			authorize = p.guard(authorize)
		}
		authorize.ServeHTTP(w, r)
	case path == "/token" && r.Method == http.MethodPost:
		p.token(w, r)
	case path == "/userinfo" && r.Method == http.MethodGet:
		p.userinfo(w, r)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	issuer := p.settings.Issuer
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                issuer + "/authorize",
		"token_endpoint":                        issuer + "/token",
		"jwks_uri":                              issuer + "/jwks.json",
		"userinfo_endpoint":                     issuer + "/userinfo",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"prompt_values_supported":               []string{"none", "login", "consent"},
		"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name", "email",
			"email_verified"},
	})
}

func (p *Provider) jwksDocument(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, p.jwks)
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (p *Provider) registered(uri string) bool {
	for _, known := range p.settings.RedirectURIs {
		if known == uri {
			return true
		}
	}
	return false
}

func redirectTo(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	separator := "?"
	if strings.Contains(redirectURI, "?") {
		separator = "&"
	}
	http.Redirect(w, r, redirectURI+separator+params.Encode(), http.StatusFound)
}

// RFC 7636: an S256 challenge is the base64url SHA-256 of the verifier (43 characters); a verifier is
// 43 to 128 unreserved characters.
var (
	challengeFormat = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	verifierFormat  = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)
)

// authTimeOf is the sign-in time the site gave among the claims (seconds since the epoch), or 0.
func authTimeOf(value any) int64 {
	switch t := value.(type) {
	case time.Time:
		return t.Unix()
	case int:
		return int64(t)
	case int64:
		return t
	case float64:
		if t > 0 && t < math.MaxInt64 {
			return int64(t)
		}
	case json.Number:
		n, _ := t.Int64()
		return n
	}
	return 0
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI, state := q.Get("client_id"), q.Get("redirect_uri"), q.Get("state")
	if clientID != p.settings.ClientID {
		writeError(w, http.StatusBadRequest, "invalid_request", "unknown client_id")
		return
	}
	if redirectURI == "" || !p.registered(redirectURI) {
		writeError(w, http.StatusBadRequest, "invalid_request", "redirect_uri is not registered for this client")
		return
	}
	if len(state) > MaxParameterLength {
		state = "" // not echoed back
	}
	refuse := func(code, description string) {
		if wantsJSON(r) {
			status := http.StatusBadRequest
			if code == "login_required" {
				status = http.StatusUnauthorized
			}
			writeError(w, status, code, description)
			return
		}
		params := url.Values{"error": {code}, "error_description": {description}}
		if state != "" {
			params.Set("state", state)
		}
		redirectTo(w, r, redirectURI, params)
	}
	if len(q.Get("state")) > MaxParameterLength || len(q.Get("nonce")) > MaxParameterLength {
		refuse("invalid_request", fmt.Sprintf("state and nonce are limited to %d characters", MaxParameterLength))
		return
	}
	if q.Get("response_type") != "code" {
		refuse("unsupported_response_type", "response_type must be code")
		return
	}
	scopes := " " + q.Get("scope") + " "
	if !strings.Contains(scopes, " openid ") || len(scopes) > MaxParameterLength {
		refuse("invalid_scope", "scope must contain openid")
		return
	}
	challenge := q.Get("code_challenge")
	if q.Get("code_challenge_method") != "S256" || !challengeFormat.MatchString(challenge) {
		refuse("invalid_request", "PKCE with code_challenge_method=S256 and a 43-character code_challenge is required")
		return
	}
	prompts := " " + q.Get("prompt") + " "
	if strings.Contains(prompts, " none ") && strings.TrimSpace(prompts) != "none" {
		refuse("invalid_request", "prompt=none cannot be combined with another prompt")
		return
	}
	maxAge := int64(-1)
	if value := q.Get("max_age"); value != "" {
		parsed, err := strconv.ParseInt(value, 10, 64)
		if err != nil || parsed < 0 {
			refuse("invalid_request", "max_age must be a number of seconds")
			return
		}
		maxAge = parsed
	}
	claims := p.userClaims(r)
	subject, _ := claims["sub"].(string)
	if claims == nil || subject == "" {
		refuse("login_required", "no signed-in user")
		return
	}
	now := p.now()
	user := map[string]any{}
	for name, value := range claims {
		if name != "auth_time" {
			user[name] = value
		}
	}
	authTime := authTimeOf(claims["auth_time"])
	if maxAge >= 0 && (authTime == 0 || now.Unix()-authTime > maxAge) {
		refuse("login_required", "the sign-in is older than max_age")
		return
	}
	if strings.Contains(prompts, " login ") && (authTime == 0 || now.Unix()-authTime > int64(FreshSignIn/time.Second)) {
		// The provider shows no sign-in page of its own: the site's sign-in must have just happened.
		refuse("login_required", "prompt=login: sign in on the site again")
		return
	}
	if authTime == 0 {
		authTime = now.Unix() // the site does not say when: the user is signed in now
	}
	code := randomToken()
	record, err := json.Marshal(grant{ClientID: clientID, RedirectURI: redirectURI, Challenge: challenge,
		Nonce: q.Get("nonce"), Offline: strings.Contains(scopes, " offline_access "), Scope: strings.TrimSpace(scopes), Claims: user,
		AuthTime: authTime, ExpiresAt: now.Add(CodeLifetime)})
	if err == nil {
		err = p.store.Set(r.Context(), storeKey("code", code), record, CodeLifetime)
	}
	if err != nil {
		log.Printf("genesysoidc: could not store the code: %v", err)
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again")
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"code": code, "state": state})
		return
	}
	params := url.Values{"code": {code}}
	if state != "" {
		params.Set("state", state)
	}
	redirectTo(w, r, redirectURI, params)
}

// ContextKey is the request-context key under which a framework's own context (echo.Context) reaches
// the claims function: the route serving /authorize puts it there.
type ContextKey struct{}

type noLoginKey struct{}

// NoLogin is the guard of a site whose Zendesk route had no login check: every authorization request
// is answered login_required until the site's own login middleware takes its place.
func NoLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), noLoginKey{}, true)))
	})
}

// userClaims asks the site for the signed-in user's claims; a claims function that panics (a nil user
// when nobody is signed in) counts as no user, and the panic is logged.
func (p *Provider) userClaims(r *http.Request) (claims map[string]any) {
	if p.claims == nil || r.Context().Value(noLoginKey{}) != nil {
		return nil
	}
	defer func() {
		if failure := recover(); failure != nil {
			log.Printf("genesysoidc: the claims function failed: %v", failure)
			claims = nil
		}
	}()
	return p.claims(r)
}

// formDecoded undoes the form-encoding that client_secret_basic puts on the client id and secret before
// base64 (RFC 6749 2.3.1); a malformed one is empty, which no client matches.
func formDecoded(value string) string {
	decoded, err := url.QueryUnescape(value)
	if err != nil {
		return ""
	}
	return decoded
}

// secretEquals compares in constant time.
func secretEquals(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// inQuery: what belongs in the /token body only (RFC 6749 2.3.1, 3.2) must not come in its URL, where
// logs and proxies keep it.
var inQuery = []string{"client_secret", "code", "code_verifier", "refresh_token"}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	query := r.URL.Query()
	for _, name := range inQuery {
		if query.Has(name) {
			writeError(w, http.StatusBadRequest, "invalid_request", name+" belongs in the form body, not the URL")
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxTokenBody) // before anything reads it
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "invalid_request", "the request body is too large")
			return
		}
		writeError(w, http.StatusBadRequest, "invalid_request", "form body expected")
		return
	}
	clientID, clientSecret, usesBasic := r.BasicAuth()
	if usesBasic {
		clientID, clientSecret = formDecoded(clientID), formDecoded(clientSecret)
	} else {
		clientID, clientSecret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if clientID == "" || !secretEquals(clientID, p.settings.ClientID) || !secretEquals(clientSecret, p.settings.ClientSecret) {
		if usesBasic {
			w.Header().Set("WWW-Authenticate", `Basic realm="genesys-oidc"`)
		}
		writeError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		p.redeemCode(w, r, clientID)
	case "refresh_token":
		p.refresh(w, r, clientID)
	default:
		writeError(w, http.StatusBadRequest, "unsupported_grant_type",
			"grant_type must be authorization_code or refresh_token")
	}
}

func (p *Provider) storeFailed(w http.ResponseWriter, err error) {
	log.Printf("genesysoidc: the store failed: %v", err)
	writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again")
}

// revoke ends the family whose code or refresh token was used twice: the tokens issued from it stop
// working (RFC 6749 4.1.2, RFC 9700 4.14.2).
func (p *Provider) revoke(ctx context.Context, usedKey string) {
	id, err := p.store.Get(ctx, usedKey)
	if err == nil && id != nil {
		err = p.store.Delete(ctx, familyKey(string(id)))
	}
	if err != nil {
		log.Printf("genesysoidc: could not revoke a replayed grant's tokens: %v", err)
	}
}

func (p *Provider) redeemCode(w http.ResponseWriter, r *http.Request, clientID string) {
	now := p.now()
	code := r.PostForm.Get("code")
	ctx := r.Context()
	data, err := p.store.Take(ctx, storeKey("code", code)) // single use: a replayed code stays dead
	if err != nil {
		p.storeFailed(w, err)
		return
	}
	var g grant
	if data == nil || json.Unmarshal(data, &g) != nil {
		p.revoke(ctx, storeKey("code-used", code))
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or used code")
		return
	}
	id := randomToken()
	if err := p.store.Set(ctx, storeKey("code-used", code), []byte(id), p.settings.RefreshLifetime); err != nil {
		p.storeFailed(w, err)
		return
	}
	if !now.Before(g.ExpiresAt) {
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or used code")
		return
	}
	if g.ClientID != clientID || r.PostForm.Get("redirect_uri") != g.RedirectURI {
		writeError(w, http.StatusBadRequest, "invalid_grant", "client or redirect_uri mismatch")
		return
	}
	verifier := r.PostForm.Get("code_verifier")
	digest := sha256.Sum256([]byte(verifier))
	if !verifierFormat.MatchString(verifier) ||
		!secretEquals(base64.RawURLEncoding.EncodeToString(digest[:]), g.Challenge) {
		writeError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match")
		return
	}
	lifetime := AccessTokenLifetime
	if g.Offline {
		lifetime = p.settings.RefreshLifetime
	}
	f := family{ClientID: g.ClientID, Claims: g.Claims, AuthTime: g.AuthTime, Offline: g.Offline, Scope: g.Scope,
		ExpiresAt: now.Add(lifetime)}
	p.issue(w, r, id, f, g.Nonce, now)
}

func (p *Provider) refresh(w http.ResponseWriter, r *http.Request, clientID string) {
	now := p.now()
	presented := r.PostForm.Get("refresh_token")
	ctx := r.Context()
	if requested := strings.Fields(r.PostForm.Get("scope")); len(requested) > 0 && !p.withinScope(ctx, presented, requested) {
		// A refresh may narrow the sign-in's scope, never widen it (RFC 6749 section 6); the token stays usable.
		writeError(w, http.StatusBadRequest, "invalid_scope", "scope wider than the sign-in's")
		return
	}
	data, err := p.store.Take(ctx, storeKey("refresh", presented)) // rotation: each refresh token works once
	if err != nil {
		p.storeFailed(w, err)
		return
	}
	var rt refreshToken
	if data == nil || json.Unmarshal(data, &rt) != nil {
		p.revoke(ctx, storeKey("refresh-used", presented)) // reuse: the whole family goes
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or used refresh token")
		return
	}
	if err := p.store.Set(ctx, storeKey("refresh-used", presented), []byte(rt.Family), p.settings.RefreshLifetime); err != nil {
		p.storeFailed(w, err)
		return
	}
	var f family
	data, err = p.store.Get(ctx, familyKey(rt.Family))
	if err != nil {
		p.storeFailed(w, err)
		return
	}
	if data == nil || json.Unmarshal(data, &f) != nil || !now.Before(f.ExpiresAt) || f.ClientID != clientID {
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or used refresh token")
		return
	}
	p.issue(w, r, rt.Family, f, "", now)
}

// withinScope: the refresh token's sign-in was granted every requested scope (true when the token is
// unknown: the grant itself then fails).
func (p *Provider) withinScope(ctx context.Context, presented string, requested []string) bool {
	var rt refreshToken
	var f family
	data, err := p.store.Get(ctx, storeKey("refresh", presented))
	if err != nil || data == nil || json.Unmarshal(data, &rt) != nil {
		return true
	}
	if data, err = p.store.Get(ctx, familyKey(rt.Family)); err != nil || data == nil || json.Unmarshal(data, &f) != nil {
		return true
	}
	granted := " " + f.Scope + " "
	for _, scope := range requested {
		if !strings.Contains(granted, " "+scope+" ") {
			return false
		}
	}
	return true
}

// issue stores the family and its new tokens and answers with them.
func (p *Provider) issue(w http.ResponseWriter, r *http.Request, id string, f family, nonce string, now time.Time) {
	ctx := r.Context()
	remaining := f.ExpiresAt.Sub(now)
	record, err := json.Marshal(f)
	if err == nil {
		err = p.store.Set(ctx, familyKey(id), record, remaining)
	}
	access := randomToken()
	if err == nil {
		record, err = json.Marshal(accessToken{Family: id, Claims: f.Claims, ExpiresAt: now.Add(AccessTokenLifetime)})
	}
	if err == nil {
		err = p.store.Set(ctx, storeKey("access", access), record, AccessTokenLifetime)
	}
	body := map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": int64(AccessTokenLifetime / time.Second)}
	if err == nil && f.Offline {
		refresh := randomToken()
		record, err = json.Marshal(refreshToken{Family: id})
		if err == nil {
			err = p.store.Set(ctx, storeKey("refresh", refresh), record, remaining)
		}
		body["refresh_token"] = refresh
	}
	if err != nil {
		p.storeFailed(w, err)
		return
	}
	idToken, err := p.sign(f, nonce, now)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "could not sign the ID token")
		return
	}
	body["id_token"] = idToken
	writeJSON(w, http.StatusOK, body)
}

func (p *Provider) sign(f family, nonce string, now time.Time) (string, error) {
	claims := jwt.MapClaims{}
	for name, value := range f.Claims {
		claims[name] = value
	}
	claims["iss"] = p.settings.Issuer
	claims["aud"] = f.ClientID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(TokenLifetime).Unix()
	claims["auth_time"] = f.AuthTime
	if nonce != "" {
		claims["nonce"] = nonce
	}
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	token.Header["kid"] = p.keyID
	token.Header["typ"] = "JWT"
	return token.SignedString(p.settings.PrivateKey)
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	authorization := r.Header.Get("Authorization")
	refuse := func(description string) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid_token", description)
	}
	if !strings.HasPrefix(authorization, "Bearer ") {
		refuse("bearer token required")
		return
	}
	ctx := r.Context()
	data, err := p.store.Get(ctx, storeKey("access", strings.TrimSpace(strings.TrimPrefix(authorization, "Bearer "))))
	if err != nil {
		p.storeFailed(w, err)
		return
	}
	var access accessToken
	if data == nil || json.Unmarshal(data, &access) != nil || !p.now().Before(access.ExpiresAt) {
		refuse("unknown or expired access token")
		return
	}
	if alive, err := p.store.Get(ctx, familyKey(access.Family)); err != nil || alive == nil {
		refuse("the sign-in was revoked")
		return
	}
	writeJSON(w, http.StatusOK, access.Claims)
}
