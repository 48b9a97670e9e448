// Command hostapp is a small site that mounts the rendered Go provider (package genesysoidc, which
// the test renders into ./genesysoidc) the way the generated wiring mounts it:
//
//	hostapp -router nethttp|chi|gin [-entry new|handler]
//
//	nethttp: mux.Handle("/oidc/", genesysoidc.Handler(claims, requireLogin))
//	chi:     r.Mount("/oidc", genesysoidc.Handler(claims, requireLogin))
//	gin:     one route per endpoint with gin.WrapH, the login middleware on /authorize only, the
//	         gin.Context handed to the claims function in the request's context
//
// GENESYS_OIDC_ISSUER may contain "{port}": the site listens on 127.0.0.1, port 0, first, then fills
// in the port and creates the provider. It prints "listening <port>" when ready, and exits by itself
// after HOST_APP_MAX_SECONDS.
//
// -entry new (the default) builds the provider with LoadSettings and New and a clock the test can
// shift (POST /test/clock?offset=<seconds>); a settings error is printed on one line and the site
// exits 1, as a server's start-up does. -entry handler calls genesysoidc.Handler itself: the real
// clock, and a panic on a settings error.
//
// The signed-in user comes from a "session" cookie or an X-Test-Session header. Like the claims
// function the wiring writes, this one reads the user's fields without checking for nobody: with no
// user it panics, which the provider must take as "nobody is signed in".
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"

	"hostapp/genesysoidc"
)

type customer struct {
	ID            any
	DisplayName   string
	Email         string
	EmailVerified bool
	SignedInAt    time.Time // zero: the site does not say when the customer signed in
}

// alice signed in when the site started; the site does not know when bob did.
var customers = map[string]*customer{
	"alice": {ID: 42, DisplayName: "Alice Example", Email: "alice@example.com", EmailVerified: true, SignedInAt: time.Now()},
	"bob":   {ID: "b-7", DisplayName: "Bob Example", Email: "bob@example.com", EmailVerified: true},
}

type customerKey struct{}

func sessionCustomer(r *http.Request) *customer {
	name := r.Header.Get("X-Test-Session")
	if name == "" {
		if cookie, err := r.Cookie("session"); err == nil {
			name = cookie.Value
		}
	}
	return customers[name]
}

// requireLogin is the site's own login middleware: it loads the session's customer (or none) and
// says that it ran.
func requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Guard", "ran")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), customerKey{}, sessionCustomer(r))))
	})
}

// currentCustomer is the site's session lookup: nil when nobody is signed in.
func currentCustomer(r *http.Request) *customer {
	c, _ := r.Context().Value(customerKey{}).(*customer)
	return c
}

func claimsOf(c *customer) map[string]any {
	claims := map[string]any{
		"sub":            fmt.Sprint(c.ID), // panics when nobody is signed in, as generated claims code may
		"name":           c.DisplayName,
		"email":          c.Email,
		"email_verified": c.EmailVerified,
	}
	if !c.SignedInAt.IsZero() {
		claims["auth_time"] = c.SignedInAt // the provider's auth_time, not a claim of its own
	}
	return claims
}

// claims is what the wiring passes for net/http and chi sites.
func claims(r *http.Request) map[string]any {
	return claimsOf(currentCustomer(r))
}

// ginRequireLogin is the gin site's login middleware.
func ginRequireLogin(c *gin.Context) {
	c.Header("X-Guard", "ran")
	c.Set("customer", sessionCustomer(c.Request))
	c.Next()
}

// ginClaims is what the wiring passes for gin sites: the gin.Context comes in the request's context.
func ginClaims(r *http.Request) map[string]any {
	c, _ := r.Context().Value(gin.ContextKey).(*gin.Context)
	value, _ := c.Get("customer")
	signedIn, _ := value.(*customer)
	return claimsOf(signedIn)
}

func main() {
	router := flag.String("router", "nethttp", "nethttp, chi or gin")
	entry := flag.String("entry", "new", "new (LoadSettings + New with the test clock) or handler (genesysoidc.Handler)")
	flag.Parse()

	if seconds, err := strconv.ParseFloat(os.Getenv("HOST_APP_MAX_SECONDS"), 64); err == nil && seconds > 0 {
		time.AfterFunc(time.Duration(seconds*float64(time.Second)), func() { os.Exit(0) }) // never outlive the test
	} else {
		time.AfterFunc(60*time.Second, func() { os.Exit(0) })
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	issuer := strings.ReplaceAll(os.Getenv(genesysoidc.IssuerVariable), "{port}", strconv.Itoa(port))
	os.Setenv(genesysoidc.IssuerVariable, issuer)
	issuerPath := "/oidc"
	if u, err := url.Parse(issuer); err == nil {
		issuerPath = strings.TrimRight(u.Path, "/")
	}

	var offset atomic.Int64 // nanoseconds added to the provider's clock
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	shiftClock := func(w http.ResponseWriter, r *http.Request) {
		seconds, _ := strconv.ParseFloat(r.URL.Query().Get("offset"), 64)
		offset.Store(int64(seconds * float64(time.Second)))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"offset": %g}`, seconds)
	}

	claimsFunc, guard := claims, requireLogin
	if *router == "gin" {
		claimsFunc, guard = ginClaims, nil // gin: the login middleware sits on the /authorize route
	}
	var oidc http.Handler
	switch *entry {
	case "handler":
		oidc = genesysoidc.Handler(claimsFunc, guard)
	case "new":
		settings, err := genesysoidc.LoadSettings()
		if err != nil {
			// What a real server does when start-up fails: say why and exit.
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		oidc = genesysoidc.New(settings, claimsFunc, guard, now)
	default:
		fmt.Fprintf(os.Stderr, "unknown -entry %q\n", *entry)
		os.Exit(2)
	}

	var site http.Handler
	switch *router {
	case "nethttp":
		mux := http.NewServeMux()
		mux.HandleFunc("/test/clock", shiftClock)
		mux.Handle(issuerPath+"/", oidc)
		site = mux
	case "chi":
		r := chi.NewRouter()
		r.Post("/test/clock", shiftClock)
		r.Mount(issuerPath, oidc)
		site = r
	case "gin":
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		r.POST("/test/clock", gin.WrapF(shiftClock))
		r.GET(issuerPath+"/.well-known/openid-configuration", gin.WrapH(oidc))
		r.GET(issuerPath+"/jwks.json", gin.WrapH(oidc))
		r.GET(issuerPath+"/authorize", ginRequireLogin, func(c *gin.Context) {
			oidc.ServeHTTP(c.Writer, c.Request.WithContext(context.WithValue(c.Request.Context(), gin.ContextKey, c)))
		})
		r.POST(issuerPath+"/token", gin.WrapH(oidc))
		r.GET(issuerPath+"/userinfo", gin.WrapH(oidc))
		site = r
	default:
		fmt.Fprintf(os.Stderr, "unknown -router %q\n", *router)
		os.Exit(2)
	}

	fmt.Printf("listening %d\n", port)
	server := &http.Server{Handler: site, ReadHeaderTimeout: 5 * time.Second}
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
