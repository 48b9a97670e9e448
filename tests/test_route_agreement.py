"""What scan reports as a Zendesk signer's route is the route generate wires the OpenID provider
in place of: both read it with the language's routes module (migrate/lang/<language>/routes.py).

Every fixture site is scanned, then planned and wired the way `migrate generate` does; the
wiring's `route` must be the signer's.  Then, per language, a shape the two used to read
differently (or not at all)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrate.generate import backends, mapping
from migrate.generate import config as cfg
from migrate.generate.changes import SourceFile
from migrate.generate.plan import make_plan
from migrate.scan import scan

from conftest import FIXTURES

SITES = sorted(p.name for p in (FIXTURES / "sites").iterdir() if p.is_dir())
# The sites the runtime tests migrate and run (tests/generated/<language>/...): every framework has one.
GENERATED = Path(__file__).parent / "generated"
RUN_SITES = sorted([*GENERATED.glob("*/sites/*"), *(GENERATED / "csharp" / n for n in ("webforms", "mvc", "handlers"))])
# ... but the one that shows the standalone provider mounted by hand: no framework to agree on.
RUN_SITES = [p for p in RUN_SITES if p != GENERATED / "python" / "sites" / "wsgi"]
# Sites whose token has no route in the code: an AWS Lambda handler is reached through API Gateway's
# configuration, and a WebForms page renders the token a service class signs into the page itself.
NO_ROUTE_IN_CODE = {GENERATED / "node" / "sites" / "lambda", GENERATED / "csharp" / "webforms"}
DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
ISSUER = "https://shop.example.com/oidc"


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def routes(root: Path, frameworks: list[str] | None = None) -> list[tuple[str, str | None, str | None]]:
    """(signer path, the route scan reports, the route the wiring wired) per Zendesk signer that
    generate wires; the wiring's route is None when it refused (WiringError).  ``frameworks``
    collects the framework of each."""
    root = root.resolve()
    inv = scan(str(root), jobs=1).inventory
    config = cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER)
    sources: dict[str, SourceFile] = {}

    def source(rel: str) -> SourceFile:
        if rel not in sources:
            sources[rel] = SourceFile.read(root, rel)
        return sources[rel]

    texts = {v.signer.path: source(v.signer.path).text for v in inv.signers if v.purpose == "zendesk"}
    plan = make_plan(config, inv, mapping.load(config.mappings), texts)
    out = []
    for b in plan.backends:
        assert b.framework in backends.FRAMEWORKS, (b.signer.path, b.framework)
        if frameworks is not None:
            frameworks.append(b.framework)
        try:
            wired = backends.wire(b.framework, backends.WireContext(root, config, b, source)).route
        except backends.WiringError:
            wired = None
        out.append((b.signer.path, b.signer.route, wired))
    return out


def site(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "site"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def agree(root: Path) -> str:
    """The one Zendesk signer's route, after checking generate wired exactly it."""
    (found,) = routes(root)
    path, scanned, wired = found
    assert scanned is not None, f"{path}: scan found no route"
    assert wired == scanned, f"{path}: scan reports {scanned}, generate wired {wired}"
    return scanned


# --- every fixture site ----------------------------------------------------------------------------

EXPECTED = {
    "aspnetcore": "GET /zendesk/jwt",
    "aspnetcore-minimal": "GET /zendesk/jwt",
    "django": "GET /zendesk/jwt",
    "express-ts": "GET /api/zendesk/token",
    "fastapi": "GET /zendesk/jwt",
    "flask": "GET /zendesk/jwt",
    "gohttp": "* /zendesk/jwt",
    "laravel": "GET /zendesk/jwt",
    "nextjs": "GET /api/zendesk/jwt",
    "php": "* /zendesk-jwt.php",
    "rails": "GET /zendesk/jwt",
    "spring": "GET /zendesk/jwt",
}


def test_every_framework_has_a_fixture_site():
    frameworks = {"express", "nextjs", "flask", "django", "fastapi", "aspnetcore", "spring", "gohttp", "rails",
                  "laravel", "php"}
    assert frameworks <= set(backends.FRAMEWORKS)
    assert set(SITES) == set(EXPECTED)


@pytest.mark.parametrize("root", RUN_SITES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_run_site_route_is_the_route_generate_wires(root):
    frameworks: list[str] = []
    found = routes(root, frameworks)
    assert found, f"{root}: no Zendesk signer for generate to wire"
    for path, scanned, wired in found:
        if root not in NO_ROUTE_IN_CODE:
            assert scanned is not None, f"{path}: scan found no route"
        assert wired == scanned, f"{path}: scan reports {scanned}, generate wired {wired}"


def test_every_framework_generate_wires_has_a_site_that_runs():
    frameworks: list[str] = []
    for root in [*RUN_SITES, *(FIXTURES / "sites" / n for n in SITES)]:
        routes(root, frameworks)
    assert set(backends.FRAMEWORKS) - set(frameworks) == set()


@pytest.mark.parametrize("name", SITES)
def test_fixture_site_route_is_the_route_generate_wires(name):
    found = routes(FIXTURES / "sites" / name)
    assert found, f"{name}: no Zendesk signer for generate to wire"
    for path, scanned, wired in found:
        assert scanned is not None, f"{name}/{path}: scan found no route"
        assert wired == scanned, f"{name}/{path}: scan reports {scanned}, generate wired {wired}"
    assert [s for _, s, _ in found] == [EXPECTED[name]]


# --- JavaScript / TypeScript -----------------------------------------------------------------------

EXPRESS_PAYLOAD = "{ external_id: String(req.user.id), name: req.user.name, scope: 'user' }"


def test_express_named_handler_behind_a_guard(tmp_path):
    """router.patch('/zendesk/jwt', requireAuth, handler): the handler is a function of the file."""
    root = site(tmp_path, {"server.js": f"""
        const express = require('express');
        const jwt = require('jsonwebtoken');
        const {{ requireAuth }} = require('./auth');
        const router = express.Router();

        async function handler(req, res) {{
          const token = jwt.sign({EXPRESS_PAYLOAD}, process.env.ZENDESK_SECRET, {{ expiresIn: '5m' }});
          res.json({{ token }});
        }}

        router.patch('/zendesk/jwt', requireAuth, handler);
        module.exports = router;
        """})
    assert agree(root) == "PATCH /zendesk/jwt"


def test_express_wrapped_handler(tmp_path):
    """app.post('/zendesk/jwt', auth, asyncHandler(async (req, res) => ...)): one wrapper."""
    root = site(tmp_path, {"server.js": f"""
        const express = require('express');
        const jwt = require('jsonwebtoken');
        const app = express();
        app.post('/zendesk/jwt', auth, asyncHandler(async (req, res) => {{
          res.send(jwt.sign({EXPRESS_PAYLOAD}, process.env.ZENDESK_SECRET));
        }}));
        """})
    assert agree(root) == "POST /zendesk/jwt"


def test_nextjs_route_groups_are_not_in_the_url(tmp_path):
    root = site(tmp_path, {"app/(shop)/api/zendesk/token/route.ts": """
        import { NextResponse } from 'next/server';
        import jwt from 'jsonwebtoken';
        export async function POST(request: Request) {
          const user = await currentUser(request);
          const token = jwt.sign({ external_id: user.id, name: user.name, scope: 'user' }, process.env.ZENDESK_SECRET!);
          return NextResponse.json({ token });
        }
        """})
    assert agree(root) == "POST /api/zendesk/token"


# --- Python ------------------------------------------------------------------------------------------

def test_flask_blueprint_post_under_its_prefix(tmp_path):
    """@bp.post on a blueprint made with url_prefix: the route is the prefix and the path."""
    root = site(tmp_path, {"app.py": """
        import jwt
        from flask import Blueprint, Flask, jsonify
        from flask_login import current_user, login_required

        bp = Blueprint("chat", __name__, url_prefix="/api")


        @bp.post("/zendesk/jwt")
        @login_required
        def zendesk_jwt():
            token = jwt.encode({"external_id": str(current_user.id), "name": current_user.name, "scope": "user"},
                               "secret-from-env", algorithm="HS256")
            return jsonify(token=token)


        app = Flask(__name__)
        app.register_blueprint(bp)
        """, "requirements.txt": "flask\npyjwt\n"})
    assert agree(root) == "POST /api/zendesk/jwt"


def test_fastapi_api_route_with_methods(tmp_path):
    root = site(tmp_path, {"main.py": """
        import jwt
        from fastapi import Depends, FastAPI

        app = FastAPI()


        @app.api_route("/zendesk/jwt", methods=["GET", "POST"])
        def zendesk_jwt(user=Depends(current_user)):
            return {"jwt": jwt.encode({"external_id": str(user.id), "name": user.name, "scope": "user"}, "k")}
        """, "requirements.txt": "fastapi\npyjwt\n"})
    assert agree(root) == "GET,POST /zendesk/jwt"


def test_django_view_under_an_include_prefix(tmp_path):
    """The pattern is in the app's urls.py, included under api/ by the project's: another file than
    the view, twice."""
    root = site(tmp_path, {
        "shop/__init__.py": "",
        "shop/views.py": """
            import jwt
            from django.contrib.auth.decorators import login_required
            from django.http import JsonResponse
            from django.views.decorators.http import require_POST


            @login_required
            @require_POST
            def zendesk_token(request):
                payload = {"external_id": str(request.user.pk), "name": request.user.username, "scope": "user"}
                return JsonResponse({"jwt": jwt.encode(payload, "k", algorithm="HS256")})
            """,
        "shop/urls.py": """
            from django.urls import path

            from .views import zendesk_token

            urlpatterns = [path("zendesk/token/", zendesk_token)]
            """,
        "site/__init__.py": "",
        "site/urls.py": """
            from django.urls import include, path

            urlpatterns = [path("api/", include("shop.urls"))]
            """,
        "requirements.txt": "django\npyjwt\n",
    })
    assert agree(root) == "POST /api/zendesk/token/"


def test_django_class_based_view_with_a_url_parameter(tmp_path):
    """urls.py routes to ``ZendeskJwtView.as_view()``; the signing method is the view's ``get``."""
    root = site(tmp_path, {
        "shop/__init__.py": "",
        "shop/views.py": """
            import jwt
            from django.contrib.auth.mixins import LoginRequiredMixin
            from django.http import JsonResponse
            from django.views import View


            class ZendeskJwtView(LoginRequiredMixin, View):
                def get(self, request, org):
                    payload = {"external_id": str(request.user.pk), "name": request.user.username, "scope": "user"}
                    return JsonResponse({"jwt": jwt.encode(payload, "k", algorithm="HS256")})
            """,
        "shop/urls.py": """
            from django.urls import path

            from shop import views

            urlpatterns = [path("zendesk/<int:org>/jwt", views.ZendeskJwtView.as_view())]
            """,
        "requirements.txt": "django\npyjwt\n",
    })
    assert agree(root) == "GET /zendesk/<int:org>/jwt"


# --- Go ----------------------------------------------------------------------------------------------

GO_HANDLER = """
    func zendeskJWT(w http.ResponseWriter, r *http.Request) {
    \tclaims := jwt.MapClaims{"external_id": "42", "name": "Ann", "scope": "user"}
    \tsigned, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
    \tw.Write([]byte(signed))
    }
    """


def test_chi_post(tmp_path):
    root = site(tmp_path, {"go.mod": "module example.com/shop\n\ngo 1.22\n", "main.go": """
        package main

        import (
        \t"net/http"
        \t"os"

        \t"github.com/go-chi/chi/v5"
        \t"github.com/golang-jwt/jwt/v5"
        )
        """ + textwrap.dedent(GO_HANDLER) + """
        func main() {
        \tr := chi.NewRouter()
        \tr.Post("/zendesk/jwt", zendeskJWT)
        \thttp.ListenAndServe(":8080", r)
        }
        """})
    assert agree(root) == "POST /zendesk/jwt"


def test_chi_method_takes_the_path_after_the_method(tmp_path):
    root = site(tmp_path, {"go.mod": "module example.com/shop\n\ngo 1.22\n", "main.go": """
        package main

        import (
        \t"net/http"
        \t"os"

        \t"github.com/go-chi/chi/v5"
        \t"github.com/golang-jwt/jwt/v5"
        )
        """ + textwrap.dedent(GO_HANDLER) + """
        func main() {
        \tr := chi.NewRouter()
        \tr.Method("PATCH", "/zendesk/jwt", http.HandlerFunc(zendeskJWT))
        \thttp.ListenAndServe(":8080", r)
        }
        """})
    assert agree(root) == "PATCH /zendesk/jwt"


def test_go_handler_registered_by_a_sibling_file(tmp_path):
    root = site(tmp_path, {"go.mod": "module example.com/shop\n\ngo 1.22\n", "handlers.go": """
        package main

        import (
        \t"net/http"
        \t"os"

        \t"github.com/golang-jwt/jwt/v5"
        )
        """ + textwrap.dedent(GO_HANDLER), "main.go": """
        package main

        import "net/http"

        func main() {
        \tmux := http.NewServeMux()
        \tmux.HandleFunc("GET /zendesk/jwt", zendeskJWT)
        \thttp.ListenAndServe(":8080", mux)
        }
        """})
    assert agree(root) == "GET /zendesk/jwt"


# --- Java --------------------------------------------------------------------------------------------

def test_spring_post_mapping_under_the_class_request_mapping(tmp_path):
    root = site(tmp_path, {"pom.xml": "<project></project>\n",
                           "src/main/java/com/example/ZendeskController.java": """
        package com.example;

        import io.jsonwebtoken.Jwts;
        import java.security.Principal;
        import org.springframework.web.bind.annotation.PostMapping;
        import org.springframework.web.bind.annotation.RequestMapping;
        import org.springframework.web.bind.annotation.RestController;

        @RestController
        @RequestMapping("/api")
        public class ZendeskController {
            @PostMapping("/zendesk/jwt")
            public String token(Principal principal) {
                return Jwts.builder()
                        .claim("external_id", principal.getName())
                        .claim("name", principal.getName())
                        .claim("scope", "user")
                        .signWith(key)
                        .compact();
            }
        }
        """})
    assert agree(root) == "POST /api/zendesk/jwt"


# --- C# ----------------------------------------------------------------------------------------------

CS_PROGRAM = """
    var builder = WebApplication.CreateBuilder(args);
    builder.Services.AddControllers();
    var app = builder.Build();
    app.MapControllers();
    app.Run();
    """


def test_aspnetcore_controller_token_route(tmp_path):
    """[Route("api/[controller]")] + [HttpPost("token")]: the [controller] token is the class's name."""
    root = site(tmp_path, {"Shop.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\"></Project>\n",
                           "Program.cs": CS_PROGRAM, "Controllers/ZendeskController.cs": """
        using JWT.Algorithms;
        using JWT.Builder;
        using Microsoft.AspNetCore.Authorization;
        using Microsoft.AspNetCore.Mvc;

        namespace Shop.Controllers;

        [ApiController]
        [Route("api/[controller]")]
        public class ZendeskController : ControllerBase
        {
            [Authorize]
            [HttpPost("token")]
            public IActionResult Token()
            {
                var token = JwtBuilder.Create()
                    .WithAlgorithm(new HMACSHA256Algorithm())
                    .WithSecret("from-config")
                    .AddClaim("external_id", User.Identity!.Name)
                    .AddClaim("name", User.Identity!.Name)
                    .AddClaim("scope", "user")
                    .Encode();
                return Content(token);
            }
        }
        """})
    assert agree(root) == "POST /api/Zendesk/token"


def test_aspnetcore_minimal_route_in_a_group(tmp_path):
    root = site(tmp_path, {"Shop.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\"></Project>\n", "Program.cs": """
        using System.IdentityModel.Tokens.Jwt;
        using System.Security.Claims;

        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();
        var api = app.MapGroup("/api").RequireAuthorization();

        api.MapPost("/zendesk/jwt", (HttpContext http) =>
        {
            var token = new JwtSecurityToken(claims: new[] {
                new Claim("external_id", http.User.Identity!.Name!),
                new Claim("name", http.User.Identity!.Name!),
                new Claim("scope", "user"),
            });
            return Results.Text(new JwtSecurityTokenHandler().WriteToken(token));
        });

        app.Run();
        """})
    assert agree(root) == "POST /api/zendesk/jwt"


# --- Ruby --------------------------------------------------------------------------------------------

RAILS_ACTION = """
    class Api::ZendeskController < ApplicationController
      before_action :authenticate_user!

      def jwt
        payload = { external_id: current_user.id.to_s, name: current_user.name, scope: 'user' }
        render plain: JWT.encode(payload, ENV.fetch('ZENDESK_SECRET'), 'HS256')
      end
    end
    """


def test_rails_route_in_a_namespace(tmp_path):
    root = site(tmp_path, {
        "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\n",
        "app/controllers/application_controller.rb": "class ApplicationController < ActionController::Base\nend\n",
        "app/controllers/api/zendesk_controller.rb": RAILS_ACTION,
        "config/routes.rb": """
            Rails.application.routes.draw do
              namespace :api do
                post 'zendesk/token', to: 'zendesk#jwt'
              end
            end
            """,
    })
    assert agree(root) == "POST /api/zendesk/token"


def test_rails_route_without_to_names_its_action_by_its_path(tmp_path):
    """`get 'zendesk/jwt'` routes to zendesk#jwt; routes.rb holds neither 'zendesk#jwt' nor "jwt"
    in a way the old text search read."""
    root = site(tmp_path, {
        "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\n",
        "app/controllers/application_controller.rb": "class ApplicationController < ActionController::Base\nend\n",
        "app/controllers/zendesk_controller.rb": RAILS_ACTION.replace("Api::ZendeskController", "ZendeskController")
        .replace("def jwt", "def token"),
        "config/routes.rb": """
            Rails.application.routes.draw do
              get 'zendesk/token'
            end
            """,
    })
    assert agree(root) == "GET /zendesk/token"


# --- PHP ---------------------------------------------------------------------------------------------

LARAVEL_CONTROLLER = """
    <?php

    namespace App\\Http\\Controllers;

    use Firebase\\JWT\\JWT;
    use Illuminate\\Http\\Request;

    class ChatController extends Controller
    {
        public function token(Request $request)
        {
            $user = $request->user();
            $payload = ['external_id' => (string) $user->id, 'name' => $user->name, 'scope' => 'user'];
            return response()->json(['jwt' => JWT::encode($payload, config('services.zendesk.secret'), 'HS256')]);
        }
    }
    """


def test_laravel_api_routes_and_prefix_group(tmp_path):
    """routes/api.php answers under /api, and the group adds its own prefix."""
    root = site(tmp_path, {
        "composer.json": "{\"require\": {\"php\": \"^8.2\"}}\n",
        "app/Http/Controllers/ChatController.php": LARAVEL_CONTROLLER,
        "routes/api.php": """
            <?php

            use App\\Http\\Controllers\\ChatController;
            use Illuminate\\Support\\Facades\\Route;

            Route::prefix('chat')->middleware('auth:sanctum')->group(function () {
                Route::post('/token', [ChatController::class, 'token']);
            });
            """,
    })
    assert agree(root) == "POST /api/chat/token"


def test_plain_php_script_under_its_web_root(tmp_path):
    root = site(tmp_path, {"public_html/chat/token.php": """
        <?php
        use Firebase\\JWT\\JWT;
        session_start();
        $payload = ['external_id' => (string) $_SESSION['user_id'], 'name' => $_SESSION['name'], 'scope' => 'user'];
        echo JWT::encode($payload, getenv('ZENDESK_SECRET'), 'HS256');
        """})
    assert agree(root) == "* /chat/token.php"
