// Command shop serves the shop's pages and the Zendesk messaging token of the signed-in customer,
// routed with echo: the support routes are a group behind the login middleware.
//
// It listens on 127.0.0.1 (port 0: the system picks one, printed as "listening PORT"), fills the
// port into GENESYS_OIDC_ISSUER when it holds "{port}", and exits by itself after
// HOST_APP_MAX_SECONDS (60 by default).
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
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

// requireLogin lets signed-in customers through, with the customer kept in the echo context.
func requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("X-Guard", "ran")
		cookie, err := c.Cookie("session")
		if err != nil || sessions[cookie.Value] == nil {
			return echo.NewHTTPError(http.StatusUnauthorized, "sign in first")
		}
		c.Set("customer", sessions[cookie.Value])
		return next(c)
	}
}

// zendeskJWT answers the Zendesk messaging widget's loginUser callback.
func zendeskJWT(c echo.Context) error {
	user, ok := c.Get("customer").(*customer)
	if !ok {
		return echo.ErrUnauthorized
	}
	claims := jwt.MapClaims{
		"external_id": strconv.FormatInt(user.ID, 10),
		"name":        user.Name,
		"email":       user.Email,
		"scope":       "user",
		"exp":         time.Now().Add(5 * time.Minute).Unix(),
	}
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	token.Header["kid"] = os.Getenv("ZENDESK_KEY_ID")
	signed, err := token.SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
	if err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, "could not sign the token")
	}
	return c.JSON(http.StatusOK, map[string]string{"token": signed})
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

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Static("/", "static")
	// Zendesk messaging: the JWT the widget's loginUser callback asks for.
	support := e.Group("/zendesk", requireLogin)
	support.GET("/jwt", zendeskJWT)
	fmt.Println("listening " + port)
	server := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
