"""Go wiring (net/http, chi, gin): the Zendesk JWT handler's registration becomes the genesysoidc
provider mounted at the issuer path behind the route's own middleware, with the claims computed by
the old handler's expressions; go.mod gains golang-jwt v5 and go-jose v4.

No Go toolchain runs here: the rewritten and new files are parsed with tree-sitter (no ERROR
nodes), compared with golden files, and read for the contract of the wiring."""

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from migrate.lang.go.frameworks.gohttp import go_mod

from conftest import FIXTURES, GOLDEN
from wiring_support import after, assert_parses, generate_site

PAGE = """\
<!doctype html>
<html><body>
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=5f1c2b8e-8d41-4b57-9f0e-3a6c1d2e4b7a"></script>
<script>
  zE('messenger', 'loginUser', function (callback) {
    fetch('/zendesk/jwt').then(function (res) { return res.text(); }).then(callback);
  });
</script>
</body></html>
"""
HANDLER = """\
	claims := jwt.MapClaims{
		"external_id": user.ID,
		"name":        user.Name,
		"email":       user.Email,
		"exp":         time.Now().Add(5 * time.Minute).Unix(),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
"""


_generate, _after = generate_site, after


def _parses(text: str) -> None:
    assert_parses("go", text)


@pytest.fixture
def site(tmp_path, monkeypatch):
    copy = tmp_path / "gohttp"
    shutil.copytree(FIXTURES / "sites" / "gohttp", copy)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return copy


def _small_site(tmp_path, monkeypatch, main: str, requires: str = "") -> Path:
    site = tmp_path / "small"
    site.mkdir()
    (site / "go.mod").write_text(f"module example.com/small\n\ngo 1.22\n{requires}")
    (site / "main.go").write_text(textwrap.dedent(main).lstrip())
    (site / "index.html").write_text(PAGE)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def test_fixture_matches_golden_files(site, update_golden):
    after = _after(_generate(site))
    for name in ("main.go", "go.mod"):
        path = GOLDEN / "gohttp" / name
        if update_golden:
            path.write_text(after[name])
        assert after[name] == path.read_text(), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def test_changed_and_new_go_files_parse(site):
    result = _generate(site)
    go = [c for c in result.changes.changes if c.path.endswith(".go")]
    assert {c.path for c in go if c.new} == {"genesysoidc/genesysoidc.go"}
    assert {c.path for c in go if not c.new} == {"main.go"}
    for c in go:
        _parses(c.after)
    assert not result.notes


def test_handler_registration_becomes_the_mounted_provider(site):
    main = _after(_generate(site))["main.go"]
    # mounted where the route was, behind the route's own middleware
    assert 'mux.Handle("/oidc/", genesysoidc.Handler(func(r *http.Request) map[string]any {' in main
    assert "}, auth.RequireLogin))" in main
    assert '"/zendesk/jwt"' not in main.replace("Zendesk token route /zendesk/jwt", "")
    # the claims are the old expressions, with the local they need and the mapping's transforms
    assert "\t\tcustomer := auth.CurrentCustomer(r)\n" in main
    assert '"sub":            fmt.Sprint(customer.ID), // external_id -> sub (zendesk-messaging.yaml:' in main
    assert '"email_verified": customer.EmailVerified,' in main
    assert '"scope"' not in main and '"exp"' not in main
    # the old handler and the imports only it used are gone; the ones the new code needs are there
    assert "func zendeskJWT" not in main and "jwt." not in main
    for gone in ('"github.com/golang-jwt/jwt/v5"', '"os"', '"time"'):
        assert gone not in main
    for kept in ('"fmt"', '"example.com/shop/genesysoidc"', '"example.com/shop/internal/auth"', '"encoding/json"'):
        assert kept in main


def test_go_mod_gains_the_modules(site):
    result = _generate(site)
    mod = _after(result)["go.mod"]
    assert "\tgithub.com/go-jose/go-jose/v4 v4.1.9\n" in mod and "\tgithub.com/golang-jwt/jwt/v5 v5.2.1\n" in mod
    assert mod.count("golang-jwt") == 1
    reasons = next(c.reasons for c in result.changes.changes if c.path == "go.mod")
    assert any("go mod tidy" in r for r in reasons)


def test_provider_package_next_to_the_app(site):
    provider = _after(_generate(site))["genesysoidc/genesysoidc.go"]
    assert "\npackage genesysoidc\n" in provider
    assert 'http.Handle("/oidc/", genesysoidc.Handler(claims, requireLogin))' in provider


def test_diff_applies_with_git_and_a_second_run_changes_nothing(site, tmp_path):
    result = _generate(site)
    diff = result.changes.diff()
    assert "+++ b/genesysoidc/genesysoidc.go" in diff
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=copy, input=diff.encode(), capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    subprocess.run(["git", "apply", "-"], cwd=copy, input=diff.encode(), check=True)
    result.changes.apply()
    for path in (c.path for c in result.changes.changes):
        assert (copy / path).read_bytes() == (site / path).read_bytes(), path
    again = _generate(site)
    assert again.changes.empty and again.changes.diff() == ""
    assert not again.notes, "the generated provider is not taken for a Zendesk signer"


def test_chi_route_with_middleware_is_mounted(tmp_path, monkeypatch):
    site = _small_site(tmp_path, monkeypatch, f"""
        package main

        import (
        	"net/http"
        	"os"
        	"time"

        	"github.com/go-chi/chi/v5"
        	"github.com/golang-jwt/jwt/v5"
        )

        func zendeskToken(w http.ResponseWriter, r *http.Request) {{
        	user := currentUser(r)
        {textwrap.indent(HANDLER, "        ")}
        	if err != nil {{
        		http.Error(w, err.Error(), http.StatusInternalServerError)
        		return
        	}}
        	w.Write([]byte(signed))
        }}

        func main() {{
        	r := chi.NewRouter()
        	r.With(requireLogin, verified).Get("/zendesk/jwt", zendeskToken)
        	http.ListenAndServe(":8080", r)
        }}
        """, "\nrequire github.com/go-chi/chi/v5 v5.1.0\n")
    result = _generate(site)
    after = _after(result)
    main = after["main.go"]
    _parses(main)
    assert 'r.Mount("/oidc", genesysoidc.Handler(func(r *http.Request) map[string]any {' in main
    assert "}, func(next http.Handler) http.Handler { return requireLogin(verified(next)) }))" in main
    assert "\t\tuser := currentUser(r)\n" in main and '"sub":   fmt.Sprint(user.ID),' in main
    assert '"example.com/small/genesysoidc"' in main and '"github.com/go-chi/chi/v5"' in main
    assert '"os"' not in main and '"time"' not in main and "golang-jwt" not in main
    mod = after["go.mod"]
    assert mod.startswith("module example.com/small\n") and "require (\n\tgithub.com/go-chi/chi/v5 v5.1.0\n" in mod
    assert "\tgithub.com/golang-jwt/jwt/v5 v5.3.1\n" in mod


def test_gin_route_keeps_its_middleware_on_authorize_only(tmp_path, monkeypatch):
    site = _small_site(tmp_path, monkeypatch, f"""
        package main

        import (
        	"net/http"
        	"os"
        	"time"

        	"github.com/gin-gonic/gin"
        	"github.com/golang-jwt/jwt/v5"
        )

        func main() {{
        	r := gin.Default()
        	r.GET("/zendesk/jwt", authRequired(), func(c *gin.Context) {{
        		user := c.MustGet("user").(*User)
        {textwrap.indent(HANDLER, "        	")}
        		if err != nil {{
        			c.AbortWithStatus(http.StatusInternalServerError)
        			return
        		}}
        		c.String(http.StatusOK, signed)
        	}})
        	r.Run()
        }}
        """)
    main = _after(_generate(site))["main.go"]
    _parses(main)
    assert "oidc := genesysoidc.Handler(func(r *http.Request) map[string]any {" in main
    assert "\t\tc, _ := r.Context().Value(gin.ContextKey).(*gin.Context)\n" in main
    assert '\t\tuser := c.MustGet("user").(*User)\n' in main
    assert 'r.GET("/oidc/authorize", authRequired(), func(c *gin.Context) {' in main
    assert 'r.POST("/oidc/token", gin.WrapH(oidc))' in main
    assert 'r.GET("/oidc/jwks.json", gin.WrapH(oidc))' in main
    assert '"context"' in main and '"github.com/gin-gonic/gin"' in main and '"net/http"' in main


def test_unguarded_handler_gets_nil_and_a_todo_and_a_shared_handler_stays(tmp_path, monkeypatch):
    site = _small_site(tmp_path, monkeypatch, f"""
        package main

        import (
        	"net/http"
        	"os"
        	"time"

        	"github.com/golang-jwt/jwt/v5"
        )

        func zendeskToken(w http.ResponseWriter, req *http.Request) {{
        	user := currentUser(req)
        {textwrap.indent(HANDLER, "        ")}
        	_ = err
        	w.Write([]byte(signed))
        }}

        func main() {{
        	http.HandleFunc("/zendesk/jwt", zendeskToken)
        	http.HandleFunc("/legacy/zendesk/jwt", zendeskToken)
        	http.ListenAndServe(":8080", nil)
        }}
        """)
    main = _after(_generate(site))["main.go"]
    _parses(main)
    assert "// TODO(migrate:ZG107): the old route had no login guard" in main
    assert 'http.Handle("/oidc/", genesysoidc.Handler(func(req *http.Request) map[string]any {' in main
    assert "\t\tuser := currentUser(req)\n" in main and "}, nil))" in main
    # still registered elsewhere: the old handler and its imports stay
    assert "func zendeskToken(" in main and '"github.com/golang-jwt/jwt/v5"' in main


def test_go_mod_single_requires_become_one_block_and_present_modules_stay():
    text = "module m\n\ngo 1.22\n\nrequire github.com/golang-jwt/jwt/v5 v5.2.0\n"
    out = go_mod(text)
    assert out == ("module m\n\ngo 1.22\n\nrequire (\n\tgithub.com/go-jose/go-jose/v4 v4.1.9\n"
                   "\tgithub.com/golang-jwt/jwt/v5 v5.2.0\n)\n")
    assert go_mod(out) is None
    assert go_mod("module m\n") == ("module m\n\nrequire (\n\tgithub.com/go-jose/go-jose/v4 v4.1.9\n"
                                    "\tgithub.com/golang-jwt/jwt/v5 v5.3.1\n)\n")


def test_method_handler_registered_through_its_receiver(tmp_path, monkeypatch):
    site = _small_site(tmp_path, monkeypatch, f"""
        package main

        import (
        	"net/http"
        	"os"
        	"time"

        	"github.com/golang-jwt/jwt/v5"
        )

        type server struct{{ mux *http.ServeMux }}

        // zendeskToken signs the Zendesk messaging JWT.
        func (s *server) zendeskToken(w http.ResponseWriter, r *http.Request) {{
        	user := s.currentUser(r)
        {textwrap.indent(HANDLER, "        ")}
        	_ = err
        	w.Write([]byte(signed))
        }}

        func (s *server) routes() {{
        	s.mux.Handle("/zendesk/jwt", s.requireLogin(http.HandlerFunc(s.zendeskToken)))
        }}
        """)
    main = _after(_generate(site))["main.go"]
    _parses(main)
    assert 's.mux.Handle("/oidc/", genesysoidc.Handler(func(r *http.Request) map[string]any {' in main
    assert "\t\tuser := s.currentUser(r)\n" in main and "}, s.requireLogin))" in main
    assert "zendeskToken" not in main and "golang-jwt" not in main


def test_handler_and_registration_in_two_files_of_the_package(tmp_path, monkeypatch):
    site = _small_site(tmp_path, monkeypatch, """
        package main

        import (
        	"log"
        	"net/http"
        )

        func main() {
        	mux := http.NewServeMux()
        	mux.Handle("/zendesk/jwt", requireLogin(http.HandlerFunc(zendeskToken)))
        	log.Fatal(http.ListenAndServe(":8080", mux))
        }
        """)
    (site / "zendesk.go").write_text(textwrap.dedent(f"""\
        package main

        import (
        	"net/http"
        	"os"
        	"time"

        	"github.com/golang-jwt/jwt/v5"
        )

        // zendeskToken signs the Zendesk messaging JWT.
        func zendeskToken(w http.ResponseWriter, r *http.Request) {{
        	user := currentUser(r)
        {textwrap.indent(HANDLER, "        ")}
        	_ = err
        	w.Write([]byte(signed))
        }}

        func currentUser(r *http.Request) *User {{ return nil }}
        """))
    result = _generate(site)
    assert not result.notes, result.notes
    after = _after(result)
    main, zendesk = after["main.go"], after["zendesk.go"]
    _parses(main), _parses(zendesk)
    assert 'mux.Handle("/oidc/", genesysoidc.Handler(func(r *http.Request) map[string]any {' in main
    assert "\t\tuser := currentUser(r)\n" in main and "}, requireLogin))" in main
    assert '"example.com/small/genesysoidc"' in main and '"fmt"' in main
    assert "func zendeskToken" not in zendesk and "func currentUser" in zendesk
    assert zendesk.startswith('package main\n\nimport "net/http"\n')


def test_route_inside_a_chi_sub_router_is_left_with_a_note(tmp_path, monkeypatch):
    site = _small_site(tmp_path, monkeypatch, f"""
        package main

        import (
        	"net/http"
        	"os"
        	"time"

        	"github.com/go-chi/chi/v5"
        	"github.com/golang-jwt/jwt/v5"
        )

        func zendeskToken(w http.ResponseWriter, r *http.Request) {{
        	user := currentUser(r)
        {textwrap.indent(HANDLER, "        ")}
        	_ = err
        	w.Write([]byte(signed))
        }}

        func main() {{
        	r := chi.NewRouter()
        	r.Route("/zendesk", func(r chi.Router) {{
        		r.Use(requireLogin)
        		r.Get("/jwt", zendeskToken)
        	}})
        	http.ListenAndServe(":8080", r)
        }}
        """)
    result = _generate(site)
    assert not any(c.path.endswith(".go") or c.path == "go.mod" for c in result.changes.changes)
    assert len(result.notes) == 1 and "registered inside r.Route(...)" in result.notes[0]
    assert "on the top-level router by hand" in result.notes[0]
