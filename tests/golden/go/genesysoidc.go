// Package genesysoidc is the site's OpenID provider for Genesys Cloud authenticated Messenger.
//
// Genesys Cloud redeems the authorization codes it issues server-side (OpenID Connect code flow
// with PKCE S256 and a nonce). Mount it at the issuer path behind the site's own login guard:
//
//	http.Handle("/oidc/", genesysoidc.Handler(claims, requireLogin))  // net/http
//	r.Mount("/oidc", genesysoidc.Handler(claims, requireLogin))       // chi
//	r.Any("/oidc/*path", gin.WrapH(genesysoidc.Handler(claims, nil)))  // gin
//	r.PathPrefix("/oidc/").Handler(genesysoidc.Handler(claims, requireLogin))  // gorilla/mux
//	e.Any("/oidc/*", echo.WrapHandler(genesysoidc.Handler(claims, nil)))  // echo
//
// Settings (read at start-up; a missing one stops start-up naming it): GENESYS_OIDC_ISSUER,
// GENESYS_OIDC_CLIENT_ID, GENESYS_OIDC_CLIENT_SECRET, GENESYS_OIDC_PRIVATE_KEY_FILE,
// GENESYS_OIDC_REDIRECT_URIS.
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
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// CodeLifetime is how long an authorization code can be redeemed (at most 60 s).
const CodeLifetime = 60 * time.Second

// TokenLifetime is the lifetime of ID and access tokens (at most 10 minutes).
const TokenLifetime = 5 * time.Minute

// MinimumKeySize is the smallest RSA key accepted, in bits.
const MinimumKeySize = 2048

// The runtime settings, read from the environment.
const (
	IssuerVariable         = "GENESYS_OIDC_ISSUER"
	ClientIDVariable       = "GENESYS_OIDC_CLIENT_ID"
	ClientSecretVariable   = "GENESYS_OIDC_CLIENT_SECRET"
	PrivateKeyFileVariable = "GENESYS_OIDC_PRIVATE_KEY_FILE"
	RedirectURIsVariable   = "GENESYS_OIDC_REDIRECT_URIS"
)

// Settings are the provider's runtime settings.
type Settings struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	PrivateKey   *rsa.PrivateKey
	RedirectURIs []string
}

// LoadSettings reads the settings from the environment; the error names every missing or invalid one.
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
	var uris []string
	for _, uri := range strings.Split(redirects, ",") {
		if uri = strings.TrimSpace(uri); uri != "" {
			uris = append(uris, uri)
		}
	}
	return &Settings{Issuer: strings.TrimRight(issuer, "/"), ClientID: clientID, ClientSecret: clientSecret,
		PrivateKey: key, RedirectURIs: uris}, nil
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

type grant struct {
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	claims      map[string]any
	authTime    time.Time
	expiresAt   time.Time
}

type accessToken struct {
	claims    map[string]any
	expiresAt time.Time
}

// Provider serves the five endpoints of the provider contract.
type Provider struct {
	settings *Settings
	claims   func(*http.Request) map[string]any
	guard    func(http.Handler) http.Handler
	now      func() time.Time
	keyID    string
	jwk      jose.JSONWebKey
	prefix   string
	mu       sync.Mutex
	codes    map[string]grant
	tokens   map[string]accessToken
}

// Handler is the provider with the settings from the environment; it stops start-up when one is missing.
// claims returns the signed-in user's claims (nil when nobody is signed in); guard is the site's login
// middleware for /authorize (nil for none).
func Handler(claims func(*http.Request) map[string]any, guard func(http.Handler) http.Handler) http.Handler {
	settings, err := LoadSettings()
	if err != nil {
		panic(err)
	}
	return New(settings, claims, guard, time.Now)
}

// New is the provider with explicit settings and clock.
func New(settings *Settings, claims func(*http.Request) map[string]any, guard func(http.Handler) http.Handler,
	now func() time.Time) *Provider {
	jwk := jose.JSONWebKey{Key: &settings.PrivateKey.PublicKey, Algorithm: "RS256", Use: "sig"}
	thumbprint, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		panic(err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumbprint)
	prefix := ""
	if u, err := url.Parse(settings.Issuer); err == nil {
		prefix = strings.TrimRight(u.Path, "/")
	}
	return &Provider{settings: settings, claims: claims, guard: guard, now: now, keyID: jwk.KeyID, jwk: jwk,
		prefix: prefix, codes: map[string]grant{}, tokens: map[string]accessToken{}}
}

func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, p.prefix) // mounted with or without the prefix stripped
	switch {
	case path == "/.well-known/openid-configuration" && r.Method == http.MethodGet:
		p.discovery(w, r)
	case path == "/jwks.json" && r.Method == http.MethodGet:
		p.jwks(w, r)
	case path == "/authorize" && r.Method == http.MethodGet:
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
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name", "email",
			"email_verified"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{p.jwk}})
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
	if q.Get("response_type") != "code" {
		refuse("unsupported_response_type", "response_type must be code")
		return
	}
	if !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		refuse("invalid_scope", "scope must contain openid")
		return
	}
	challenge := q.Get("code_challenge")
	if q.Get("code_challenge_method") != "S256" || len(challenge) < 43 {
		refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
		return
	}
	claims := p.userClaims(r)
	subject, _ := claims["sub"].(string)
	if claims == nil || subject == "" {
		refuse("login_required", "no signed-in user")
		return
	}
	now := p.now()
	code := randomToken()
	p.mu.Lock()
	for c, g := range p.codes {
		if !now.Before(g.expiresAt) {
			delete(p.codes, c)
		}
	}
	p.codes[code] = grant{clientID: clientID, redirectURI: redirectURI, challenge: challenge, nonce: q.Get("nonce"),
		claims: claims, authTime: now, expiresAt: now.Add(CodeLifetime)}
	p.mu.Unlock()
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

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if err := r.ParseForm(); err != nil {
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
	if r.PostForm.Get("grant_type") != "authorization_code" {
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code")
		return
	}
	now := p.now()
	code := r.PostForm.Get("code")
	p.mu.Lock()
	g, found := p.codes[code]
	delete(p.codes, code) // single use: a replayed code stays dead
	p.mu.Unlock()
	if !found || !now.Before(g.expiresAt) {
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or used code")
		return
	}
	if g.clientID != clientID || r.PostForm.Get("redirect_uri") != g.redirectURI {
		writeError(w, http.StatusBadRequest, "invalid_grant", "client or redirect_uri mismatch")
		return
	}
	digest := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !secretEquals(base64.RawURLEncoding.EncodeToString(digest[:]), g.challenge) {
		writeError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match")
		return
	}
	idToken, err := p.sign(g, now)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "could not sign the ID token")
		return
	}
	access := randomToken()
	p.mu.Lock()
	for t, a := range p.tokens {
		if !now.Before(a.expiresAt) {
			delete(p.tokens, t)
		}
	}
	p.tokens[access] = accessToken{claims: g.claims, expiresAt: now.Add(TokenLifetime)}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": int64(TokenLifetime / time.Second), "id_token": idToken})
}

func (p *Provider) sign(g grant, now time.Time) (string, error) {
	claims := jwt.MapClaims{}
	for name, value := range g.claims {
		claims[name] = value
	}
	claims["iss"] = p.settings.Issuer
	claims["aud"] = g.clientID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(TokenLifetime).Unix()
	claims["auth_time"] = g.authTime.Unix()
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	token.Header["kid"] = p.keyID
	token.Header["typ"] = "JWT"
	return token.SignedString(p.settings.PrivateKey)
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	authorization := r.Header.Get("Authorization")
	if !strings.HasPrefix(authorization, "Bearer ") {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid_token", "bearer token required")
		return
	}
	p.mu.Lock()
	access, found := p.tokens[strings.TrimSpace(strings.TrimPrefix(authorization, "Bearer "))]
	p.mu.Unlock()
	if !found || !p.now().Before(access.expiresAt) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid_token", "unknown or expired access token")
		return
	}
	writeJSON(w, http.StatusOK, access.claims)
}
