// Command shop serves the shop's pages and its small JSON API.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"example.com/shop/genesysoidc"
	"example.com/shop/internal/auth"
)

func orders(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode([]string{})
}

func main() {
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir("static")))
	mux.Handle("/api/orders", auth.RequireLogin(http.HandlerFunc(orders)))
	// Genesys Cloud Messenger signs visitors in through this OpenID provider (it replaces the
	// Zendesk token route /zendesk/jwt); Genesys redeems the codes it issues.
	mux.Handle("/oidc/", genesysoidc.Handler(func(r *http.Request) map[string]any {
		customer := auth.CurrentCustomer(r)
		return map[string]any{
			"sub":            fmt.Sprint(customer.ID), // external_id -> sub (zendesk-messaging.yaml:10)
			"name":           customer.DisplayName,    // name -> name (zendesk-messaging.yaml:11)
			"email":          customer.Email,          // email -> email (zendesk-messaging.yaml:12)
			"email_verified": customer.EmailVerified,  // email_verified -> email_verified (zendesk-messaging.yaml:13)
		}
	}, auth.RequireLogin))
	log.Fatal(http.ListenAndServe(":8080", auth.Sessions(mux)))
}
