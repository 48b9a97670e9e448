"""gorilla/mux and echo: recognised as their own frameworks, their route shapes read the same by scan
and generate, and the provider mounted the way each router matches it.

gorilla: a prefix route on the top router (`r.PathPrefix("/oidc/").Handler(...)`: `Handle("/oidc/")`
matches that one path only), a subrouter's `.Use` middleware as the guard, matcher chains
(`r.Methods("GET").Path("/x").HandlerFunc(h)`) and http.MethodGet read as the route's method.
echo: the handler before its middleware (`e.GET(path, h, mw...)`), the echo.Context handed to the
claims through genesysoidc.ContextKey, group middleware on /authorize, a group that only served
the Zendesk route removed with it at cut-over (an unread Go variable does not compile).

The built and run sites are in tests/generated/test_go_frameworks_run.py; here the output is
parsed with tree-sitter and read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from wiring_support import DEPLOYMENT, ISSUER, after, assert_parses, generate_site

from migrate import lang
from migrate.generate import config as cfg
from migrate.generate.run import generate
from migrate.scan import scan

SIGN = """\
	claims := jwt.MapClaims{"external_id": user.ID, "name": user.Name, "email": user.Email}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
"""
GORILLA_HANDLER = """
func zendeskToken(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
""" + SIGN + """	_ = err
	w.Write([]byte(signed))
}
"""
ECHO_HANDLER = """
func zendeskToken(c echo.Context) error {
	user, ok := c.Get("user").(*User)
	if !ok {
		return echo.ErrUnauthorized
	}
""" + SIGN + """	if err != nil {
		return err
	}
	return c.String(http.StatusOK, signed)
}
"""
GORILLA_IMPORTS = """package main

import (
	"net/http"
	"os"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"
)
"""
ECHO_IMPORTS = GORILLA_IMPORTS.replace('"github.com/gorilla/mux"', '"github.com/labstack/echo/v4"')


def _site(tmp_path: Path, monkeypatch, main: str) -> Path:
    site = tmp_path / "shop"
    site.mkdir()
    (site / "go.mod").write_text("module example.com/shop\n\ngo 1.22\n")
    (site / "main.go").write_text(main)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def _cutover(site: Path):
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER), cutover=True)


def _wired(site: Path) -> tuple[str, str]:
    """(main.go after the default run, the route) after checking scan reads the route generate wired."""
    (signer,) = [s for s in scan(str(site), jobs=1).inventory.signers if s.purpose == "zendesk"]
    result = generate_site(site)
    (outcome,) = result.outcomes
    assert outcome.status == "wired", outcome.text
    assert outcome.route == signer.signer.route
    main = after(result)["main.go"]
    assert_parses("go", main)
    return main, outcome.route


def _apply(site: Path, result) -> None:
    result.changes.apply()
    assert_parses("go", (site / "main.go").read_text())


def test_the_language_record_names_gorilla_and_echo_before_net_http():
    record = lang.of("go")
    assert record.recognise('import (\n\t"net/http"\n\t"github.com/gorilla/mux"\n)') == "gorillamux"
    assert record.recognise('import (\n\t"net/http"\n\t"github.com/labstack/echo/v4"\n)') == "echo"
    assert record.recognise('import "net/http"') == "gohttp"


def test_gorilla_subrouter_route_gets_a_prefix_mount_on_the_top_router(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, GORILLA_IMPORTS + GORILLA_HANDLER + """
func main() {
	r := mux.NewRouter()
	api := r.PathPrefix("/api").Subrouter()
	api.Use(requireLogin, verified)
	api.HandleFunc("/zendesk/jwt", zendeskToken).Methods(http.MethodGet, http.MethodPost)
	http.ListenAndServe(":8080", r)
}
""")
    main, route = _wired(site)
    assert route == "GET,POST /api/zendesk/jwt"
    assert 'r.PathPrefix("/oidc/").Handler(genesysoidc.Handler(func(r *http.Request) map[string]any {' in main
    assert "}, func(next http.Handler) http.Handler { return requireLogin(verified(next)) }))" in main
    assert "api.PathPrefix" not in main and ".Handle(\"/oidc/\"" not in main
    _apply(site, generate_site(site))
    cut = after(_cutover(site))["main.go"]
    assert_parses("go", cut)
    # the subrouter stays: its Use call still reads it
    assert "api.HandleFunc" not in cut and 'api := r.PathPrefix("/api").Subrouter()' in cut
    assert "func zendeskToken" not in cut and "golang-jwt" not in cut


def test_gorilla_matcher_chain_and_an_inline_subrouter(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, GORILLA_IMPORTS + GORILLA_HANDLER + """
func main() {
	r := mux.NewRouter()
	r.PathPrefix("/support").Subrouter().Methods("POST").Path("/zendesk/jwt").Handler(requireLogin(http.HandlerFunc(zendeskToken)))
	http.ListenAndServe(":8080", r)
}
""")
    main, route = _wired(site)
    assert route == "POST /support/zendesk/jwt"
    assert 'r.PathPrefix("/oidc/").Handler(genesysoidc.Handler(' in main and "}, requireLogin))" in main


def test_echo_route_middleware_comes_after_the_handler(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, ECHO_IMPORTS + ECHO_HANDLER + """
func main() {
	e := echo.New()
	e.Use(logger)
	api := e.Group("/api", sessions)
	api.Use(requireLogin)
	api.POST("/zendesk/jwt", zendeskToken, verified, echo.WrapMiddleware(csrf))
	e.Start(":8080")
}
""")
    main, route = _wired(site)
    assert route == "POST /api/zendesk/jwt"
    assert "oidc := genesysoidc.Handler(func(r *http.Request) map[string]any {" in main
    assert "\t\tc, _ := r.Context().Value(genesysoidc.ContextKey{}).(echo.Context)\n" in main
    assert '\t\tuser, ok := c.Get("user").(*User)\n\t\tif !ok {\n\t\t\treturn nil\n\t\t}\n' in main
    # the group's middleware, its Use and the route's own, outermost first; e.Use applies to all anyway
    assert "}, sessions, requireLogin, verified, echo.WrapMiddleware(csrf))\n" in main
    assert 'e.POST("/oidc/token", echo.WrapHandler(oidc))' in main and 'api.GET("/oidc' not in main
    assert '"context"' in main and '"example.com/shop/genesysoidc"' in main


def test_echo_cutover_removes_a_group_only_the_route_used(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, ECHO_IMPORTS + ECHO_HANDLER + """
func main() {
	e := echo.New()
	// Zendesk messaging
	zendesk := e.Group("/zendesk", requireLogin)
	zendesk.GET("/jwt", zendeskToken)
	e.Start(":8080")
}
""")
    main, _ = _wired(site)
    assert "}, requireLogin)\n" in main
    _apply(site, generate_site(site))
    result = _cutover(site)
    (outcome,) = result.outcomes
    assert outcome.status == "cut"
    cut = after(result)["main.go"]
    assert_parses("go", cut)
    assert "zendesk :=" not in cut and "zendesk.GET" not in cut and "// Zendesk messaging" not in cut
    assert 'e.GET("/oidc/authorize", func(c echo.Context) error {' in cut and "func zendeskToken" not in cut


def test_echo_route_without_a_login_check_gets_the_refusing_guard(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, ECHO_IMPORTS + """
func zendeskToken(c echo.Context) error {
	user := lookup(c.QueryParam("id"))
""" + SIGN + """	_ = err
	return c.String(http.StatusOK, signed)
}

func main() {
	e := echo.New()
	e.GET("/zendesk/jwt", zendeskToken)
	e.Start(":8080")
}
""")
    main, _ = _wired(site)
    assert "// TODO(migrate:ZG223): the Zendesk route had no login check" in main
    assert "}, genesysoidc.NoLogin)\n" in main
    assert 'e.GET("/oidc/authorize", func(c echo.Context) error {' in main


def test_echo_v5_is_left_to_the_standalone_provider(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch, ECHO_IMPORTS.replace("echo/v4", "echo/v5") + ECHO_HANDLER.replace(
        "c echo.Context", "c *echo.Context") + """
func main() {
	e := echo.New()
	e.GET("/zendesk/jwt", zendeskToken, requireLogin)
	e.Start(":8080")
}
""")
    result = generate_site(site)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "echo v5" in outcome.text
    texts = after(result)
    assert "genesys_claims.go" in texts and "TODO(migrate:ZG221)" in texts["main.go"]
    for path, text in texts.items():
        if path.endswith(".go"):
            assert_parses("go", text)


@pytest.mark.parametrize("registration, expected", [
    ('r.HandleFunc("/zendesk/jwt", zendeskToken).Methods("GET")', "GET /zendesk/jwt"),
    ('r.Path("/zendesk/jwt").HandlerFunc(zendeskToken)', "* /zendesk/jwt"),
    ('r.Methods(http.MethodPatch).Path("/zendesk/jwt").HandlerFunc(zendeskToken)', "PATCH /zendesk/jwt"),
])
def test_gorilla_route_shapes_agree(tmp_path, monkeypatch, registration, expected):
    site = _site(tmp_path, monkeypatch, GORILLA_IMPORTS + GORILLA_HANDLER + textwrap.dedent(f"""
        func main() {{
        \tr := mux.NewRouter()
        \t{registration}
        \thttp.ListenAndServe(":8080", r)
        }}
        """))
    main, route = _wired(site)
    assert route == expected
    assert main.index(registration) < main.index('r.PathPrefix("/oidc/").Handler(genesysoidc.Handler(')
