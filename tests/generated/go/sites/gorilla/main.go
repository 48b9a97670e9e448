// Command shop serves the shop's pages and the Zendesk messaging token of the signed-in customer,
// routed with gorilla/mux: the support routes sit on a subrouter behind the login middleware.
//
// It listens on 127.0.0.1 (port 0: the system picks one, printed as "listening PORT"), fills the
// port into GENESYS_OIDC_ISSUER when it holds "{port}", and exits by itself after
// HOST_APP_MAX_SECONDS (60 by default).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"
)

type customer struct {
	ID    int64
	Name  string
	Email string
}

var sessions = map[string]*customer{
	"alice": {ID: 42, Name: "Alice Example", Email: "alice@example.com"},
	"bob":   {ID: 7, Name: "Bob Example", Email: "bob@example.com"},
}

type customerKey struct{}

// requireLogin lets signed-in customers through, with the customer in the request's context.
func requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Guard", "ran")
		cookie, err := r.Cookie("session")
		if err != nil || sessions[cookie.Value] == nil {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), customerKey{}, sessions[cookie.Value])))
	})
}

func currentCustomer(r *http.Request) *customer {
	c, _ := r.Context().Value(customerKey{}).(*customer)
	return c
}

// zendeskJWT answers the Zendesk messaging widget's loginUser callback.
func zendeskJWT(w http.ResponseWriter, r *http.Request) {
	c := currentCustomer(r)
	claims := jwt.MapClaims{
		"external_id": strconv.FormatInt(c.ID, 10),
		"name":        c.Name,
		"email":       c.Email,
		"scope":       "user",
		"exp":         time.Now().Add(5 * time.Minute).Unix(),
	}
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	token.Header["kid"] = os.Getenv("ZENDESK_KEY_ID")
	signed, err := token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
	if err != nil {
		http.Error(w, "could not sign the token", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"token": signed})
}

func main() {
	seconds, err := strconv.ParseFloat(os.Getenv("HOST_APP_MAX_SECONDS"), 64)
	if err != nil || seconds <= 0 {
		seconds = 60
	}
	time.AfterFunc(time.Duration(seconds*float64(time.Second)), func() { os.Exit(0) })
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	port := strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)
	os.Setenv("GENESYS_OIDC_ISSUER", strings.ReplaceAll(os.Getenv("GENESYS_OIDC_ISSUER"), "{port}", port))

	r := mux.NewRouter()
	// Zendesk messaging: the JWT the widget's loginUser callback asks for.
	support := r.PathPrefix("/zendesk").Subrouter()
	support.Use(requireLogin)
	support.HandleFunc("/jwt", zendeskJWT).Methods(http.MethodGet)
	r.PathPrefix("/").Handler(http.FileServer(http.Dir("static")))
	fmt.Println("listening " + port)
	server := &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
