"""Signer.route: the HTTP route that reaches a signing call, in every language, including routes
registered in another file than the signing code (config/routes.rb, routes/*.php, urls.py, a Go
file registering another package's handler, Program.cs mapping a method) and files the walk's
byte prefilter would otherwise skip."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrate import files
from migrate.extract import extract
from migrate.extract.base import Source
from migrate.scan import scan


def _site(tmp_path: Path, tree: dict[str, str]) -> Path:
    for rel, text in tree.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return tmp_path


def _routes(root: Path) -> dict[str, str | None]:
    return {v.signer.path: v.signer.route for v in scan(str(root), jobs=1).inventory.signers}


def _file_routes(path: str, language: str, text: str) -> list[str | None]:
    return [s.route for s in extract(Source.of(path, language, textwrap.dedent(text))).signers]


# --- the prefilter ---------------------------------------------------------------------------------

@pytest.mark.parametrize("rel,expected", [
    ("config/routes.rb", True), ("shop/config/routes.rb", True), ("routes.rb", False),
    ("routes/web.php", True), ("app/routes/api.php", True), ("web.php", False),
    ("urls.py", True), ("shop/urls.py", True), ("myurls.py", False),
    ("Program.cs", True), ("src/Startup.cs", True), ("cmd/shop/main.go", True), ("internal/router.go", True),
    ("src/app.js", False), ("views.py", False),
])
def test_route_files_pass_the_prefilter_by_name(rel, expected):
    assert files.registers_routes(rel) is expected


def test_a_route_file_without_a_needle_is_still_read(tmp_path):
    root = _site(tmp_path, {"config/routes.rb": "Rails.application.routes.draw do\n  post 'chat/token', to: 'chat#token'\nend\n",
                            "lib/other.rb": "puts 1\n"})
    inv = scan(str(root), jobs=1).inventory
    assert [f.path for f in inv.files] == ["config/routes.rb"]
    (marker,) = inv.files[0].markers
    assert (marker.kind, marker.text) == ("route", "POST /chat/token\tchat#token\tchat#token")


# --- JavaScript / TypeScript -----------------------------------------------------------------------

def test_express_shapes():
    routes = _file_routes("server.js", "javascript", """
        const jwt = require('jsonwebtoken');
        app.get('/a', (req, res) => res.send(jwt.sign({ external_id: '1' }, k)));
        router.all('/b', auth, async function (req, res) { res.send(jwt.sign({ external_id: '1' }, k)); });
        app.use(`/c`, wrap(async (req, res) => { res.send(jwt.sign({ external_id: '1' }, k)); }));
        const handler = async (req, res) => { res.send(jwt.sign({ external_id: '1' }, k)); };
        router.delete('/d', handler);
        function helper(user) { return jwt.sign({ external_id: user.id }, k); }
        """)
    assert routes == ["GET /a", "* /b", "* /c", "DELETE /d", None]


def test_nextjs_route_module():
    (route,) = _file_routes("src/app/api/(auth)/zendesk/[tenant]/route.ts", "typescript", """
        import jwt from 'jsonwebtoken';
        export const POST = async (req: Request) => new Response(jwt.sign({ external_id: '1' }, k));
        """)
    assert route == "POST /api/zendesk/[tenant]"


# --- Python ------------------------------------------------------------------------------------------

def test_flask_and_fastapi_decorators():
    flask = _file_routes("app.py", "python", """
        import jwt
        from flask import Flask
        app = Flask(__name__)

        @app.route("/a", methods=["POST", "put"])
        def a():
            return jwt.encode({"external_id": "1"}, "k")

        @app.route("/b")
        def b():
            return jwt.encode({"external_id": "1"}, "k")
        """)
    assert flask == ["POST,PUT /a", "GET /b"]
    fastapi = _file_routes("main.py", "python", """
        import jwt
        from fastapi import APIRouter
        router = APIRouter(prefix="/api/")

        @router.delete("/c")
        def c():
            return jwt.encode({"external_id": "1"}, "k")
        """)
    assert fastapi == ["DELETE /api/c"]


def test_django_urls_resolve_views_by_import(tmp_path):
    root = _site(tmp_path, {
        "blog/views/__init__.py": "",
        "blog/views/chat.py": """
            import jwt
            from django.views.decorators.http import require_http_methods

            @require_http_methods(["GET", "POST"])
            def token(request):
                return jwt.encode({"external_id": str(request.user.pk)}, "k")

            def other(request):
                return jwt.encode({"external_id": str(request.user.pk)}, "k")
            """,
        "blog/urls.py": """
            from django.urls import path, re_path
            from django.contrib.auth.decorators import login_required
            from .views import chat

            urlpatterns = [
                re_path(r"^chat/token$", login_required(chat.token)),
            ]
            """,
        "project/urls.py": """
            from django.urls import include, path
            urlpatterns = [path("v2/", include("blog.urls"))]
            """,
    })
    signers = {s.line: s.route for f in scan(str(root), jobs=1).inventory.files for s in f.signers}
    assert signers == {6: "GET,POST /v2/chat/token", 9: None}  # other() is routed nowhere


# --- Go ----------------------------------------------------------------------------------------------

def test_go_handler_of_another_package_registered_in_main(tmp_path):
    root = _site(tmp_path, {
        "go.mod": "module example.com/shop\n",
        "internal/chat/token.go": """
            package chat

            import (
            \t"net/http"

            \t"github.com/golang-jwt/jwt/v5"
            )

            func Token(w http.ResponseWriter, r *http.Request) {
            \ts, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"external_id": "1"}).SignedString(k)
            \tw.Write([]byte(s))
            }
            """,
        "cmd/shop/main.go": """
            package main

            import (
            \t"net/http"

            \t"example.com/shop/internal/chat"
            \t"github.com/gorilla/mux"
            )

            func main() {
            \tr := mux.NewRouter()
            \tapi := r.PathPrefix("/api").Subrouter()
            \tapi.HandleFunc("/chat/token", chat.Token).Methods("POST")
            }
            """,
    })
    assert _routes(root) == {"internal/chat/token.go": "POST /api/chat/token"}


def test_go_gin_group_and_match():
    routes = _file_routes("main.go", "go", """
        package main

        import "github.com/golang-jwt/jwt/v5"

        func token(c *gin.Context) {
        \tjwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"external_id": "1"})
        }

        func main() {
        \tr := gin.Default()
        \tv1 := r.Group("/v1")
        \tv1.Match([]string{"GET", "POST"}, "/token", auth, token)
        \tr.Route("/x", func(r chi.Router) {
        \t\tr.Get("/y", func(w http.ResponseWriter, r *http.Request) {
        \t\t\tjwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"external_id": "1"})
        \t\t})
        \t})
        }
        """)
    assert routes == ["GET,POST /v1/token", "GET /x/y"]


# --- C# ----------------------------------------------------------------------------------------------

def test_csharp_method_mapped_in_program_cs(tmp_path):
    root = _site(tmp_path, {
        "Endpoints/ZendeskEndpoints.cs": """
            using System.IdentityModel.Tokens.Jwt;
            using System.Security.Claims;

            public static class ZendeskEndpoints
            {
                public static IResult Jwt(ClaimsPrincipal user)
                {
                    var token = new JwtSecurityToken(claims: new[] { new Claim("external_id", user.Identity!.Name!) });
                    return Results.Text(new JwtSecurityTokenHandler().WriteToken(token));
                }
            }
            """,
        "Program.cs": """
            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            var chat = app.MapGroup("/chat");
            chat.MapMethods("/token", new[] { "GET", "HEAD" }, ZendeskEndpoints.Jwt);
            app.Run();
            """,
    })
    assert _routes(root) == {"Endpoints/ZendeskEndpoints.cs": "GET,HEAD /chat/token"}


def test_csharp_conventional_route():
    (route,) = _file_routes("Controllers/ChatController.cs", "csharp", """
        using System.IdentityModel.Tokens.Jwt;
        public class ChatController : Controller
        {
            public IActionResult Token()
            {
                return Content(new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken()));
            }
        }
        """)
    assert route == "* /Chat/Token"


# --- Java --------------------------------------------------------------------------------------------

def test_spring_request_mapping_methods():
    routes = _file_routes("ChatController.java", "java", """
        @Controller
        @RequestMapping(path = "/chat/")
        class ChatController {
            @RequestMapping(value = {"/token", "/t"}, method = {RequestMethod.GET, RequestMethod.POST})
            String token() { return Jwts.builder().claim("external_id", "1").compact(); }

            @GetMapping
            String root() { return Jwts.builder().claim("external_id", "1").compact(); }

            String helper() { return Jwts.builder().claim("external_id", "1").compact(); }
        }
        """)
    assert routes == ["GET,POST /chat/token", "GET /chat/", None]


# --- Ruby --------------------------------------------------------------------------------------------

def test_rails_scopes_and_private_helpers(tmp_path):
    root = _site(tmp_path, {
        "app/controllers/admin/chat_controller.rb": """
            class Admin::ChatController < ApplicationController
              def token
                render plain: sign
              end

              private

              def sign
                JWT.encode({ external_id: current_user.id.to_s }, ENV['K'], 'HS256')
              end
            end
            """,
        "config/routes.rb": """
            Rails.application.routes.draw do
              scope '/v1', module: 'admin' do
                match 'chat/token' => 'chat#token', via: [:get, :post]
              end
            end
            """,
    })
    assert _routes(root) == {"app/controllers/admin/chat_controller.rb": "GET,POST /v1/chat/token"}


def test_sinatra_block():
    (route,) = _file_routes("app.rb", "ruby", """
        post '/chat/token' do
          JWT.encode({ external_id: session[:uid] }, ENV['K'], 'HS256')
        end
        """)
    assert route == "POST /chat/token"


# --- PHP ---------------------------------------------------------------------------------------------

def test_laravel_closure_route_and_group_array():
    (route,) = _file_routes("routes/web.php", "php", """
        <?php
        use Firebase\\JWT\\JWT;
        Route::group(['prefix' => 'chat', 'middleware' => 'auth'], function () {
            Route::match(['get', 'post'], 'token', function () {
                return JWT::encode(['external_id' => (string) auth()->id()], env('K'), 'HS256');
            });
        });
        """)
    assert route == "GET,POST /chat/token"


def test_laravel_string_action(tmp_path):
    root = _site(tmp_path, {
        "app/Http/Controllers/Chat/TokenController.php": """
            <?php
            namespace App\\Http\\Controllers\\Chat;
            use Firebase\\JWT\\JWT;
            class TokenController extends Controller
            {
                public function show()
                {
                    return JWT::encode(['external_id' => (string) auth()->id()], env('K'), 'HS256');
                }
            }
            """,
        "routes/web.php": """
            <?php
            Route::any('/chat/token', 'App\\Http\\Controllers\\Chat\\TokenController@show');
            """,
    })
    assert _routes(root) == {"app/Http/Controllers/Chat/TokenController.php": "* /chat/token"}


def test_plain_php_function_has_no_route():
    routes = _file_routes("www/lib/token.php", "php", """
        <?php
        use Firebase\\JWT\\JWT;
        function token() { return JWT::encode(['external_id' => '1'], 'k', 'HS256'); }
        echo JWT::encode(['external_id' => '1'], 'k', 'HS256');
        """)
    assert routes == [None, "* /lib/token.php"]
