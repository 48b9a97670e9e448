"""Small Flask, Django and FastAPI sites that mount a generated genesys_oidc module.

Each site has its own sign-in (`GET /login?user=alice` starts a session), a login guard in the
framework's usual form, and a claims function built the way the wiring builds it: from the
signed-in user's attributes. `claims_calls` counts how often the provider asked for claims.

`guard` is "login" (the site's login guard on /authorize, as the wiring does), "none" (no guard:
the claims function alone says whether someone is signed in) or, for FastAPI, "optional" (a
dependency that returns None instead of raising).
"""

import secrets
import sys
import types
from functools import wraps
from urllib.parse import quote

USERS = {
    "alice": {"id": 1042, "name": "Alice Example", "email": "alice@example.com"},
    "bob": {"id": 7, "name": "Bob Example", "email": "bob@example.com"},
}


def claims_of(user: dict) -> dict:
    """What the wiring passes for the messaging profile: external_id -> sub (as a string), etc."""
    return {"sub": str(user["id"]), "name": user["name"], "email": user["email"], "email_verified": True}


# -- Flask ----------------------------------------------------------------------------------------

def flask_app(module, *, guard: str, clock, claims_calls: list):
    from flask import Flask, redirect, request, session

    app = Flask("flask_site")
    app.secret_key = secrets.token_hex(16)

    def login_required(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if "user" not in session:
                return redirect("/login?next=" + quote(request.full_path, safe="/"))
            return view(*args, **kwargs)
        return guarded

    def claims():
        claims_calls.append("flask")
        user = USERS.get(session.get("user"))
        return claims_of(user) if user else None

    @app.get("/login")
    def login():
        session["user"] = request.args["user"]
        return "signed in"

    app.register_blueprint(
        module.create_blueprint(claims=claims, guard={"login": login_required, "none": None}[guard],
                                now=clock),
        url_prefix="/oidc",
    )
    return app


# -- Django ---------------------------------------------------------------------------------------

URLCONF = "oidc_sites_django_urls"  # a module made up at run time; its urlpatterns change per site


def configure_django() -> None:
    import django
    from django.conf import settings

    if settings.configured:
        return
    sys.modules[URLCONF] = types.ModuleType(URLCONF)
    sys.modules[URLCONF].urlpatterns = []
    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_hex(32),
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        ROOT_URLCONF=URLCONF,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],  # login_required needs them
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "oidc_sites.django_session_user",
        ],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        LOGIN_URL="/login",
        DATABASES={},
        USE_TZ=True,
    )
    django.setup()


class SessionUser:
    """Just what django.contrib.auth's login_required looks at, and its last_login."""

    def __init__(self, name, since=None):
        from datetime import datetime, timezone

        self.username = name
        self.is_authenticated = name in USERS
        self.last_login = datetime.fromtimestamp(since, timezone.utc) if since else None


def django_session_user(get_response):
    def middleware(request):
        request.user = SessionUser(request.session.get("user"), request.session.get("since"))
        return get_response(request)
    return middleware


def django_app(module, *, guard: str, clock, claims_calls: list):
    from django.contrib.auth.decorators import login_required
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpResponse
    from django.urls import clear_url_caches, include, path

    def login(request):
        request.session["user"] = request.GET["user"]
        if "since" in request.GET:  # when the user signed in, as django.contrib.auth records it
            request.session["since"] = int(request.GET["since"])
        return HttpResponse("signed in")

    def echo(request):  # a site view without csrf_exempt: shows the CSRF check is on
        return HttpResponse("echo")

    def claims(request):
        claims_calls.append("django")
        user = USERS.get(request.user.username) if request.user.is_authenticated else None
        return claims_of(user) if user else None

    guard = {"login": login_required, "none": None}[guard]
    patterns = [
        path("login", login),
        path("echo", echo),
        path("oidc/", include(module.urls(claims=claims, guard=guard, now=clock))),
    ]
    handler = WSGIHandler()

    def app(environ, start_response):
        # Django has one URLconf per process: put this site's patterns in place first.
        urlconf = sys.modules[URLCONF]
        if urlconf.urlpatterns is not patterns:
            urlconf.urlpatterns = patterns
            clear_url_caches()
        return handler(environ, start_response)

    return app


# -- FastAPI --------------------------------------------------------------------------------------

def fastapi_app(module, *, guard: str, clock, claims_calls: list):
    from fastapi import FastAPI, HTTPException, Request, Response

    app = FastAPI()
    sessions: dict = {}

    def current_user(request: Request) -> dict:
        user = sessions.get(request.cookies.get("sid"))
        if user is None:
            raise HTTPException(status_code=401, detail="sign in first")
        return user

    def optional_user(request: Request):
        return sessions.get(request.cookies.get("sid"))

    def login(user: str, response: Response) -> dict:
        sid = secrets.token_urlsafe(16)
        sessions[sid] = USERS[user]
        response.set_cookie("sid", sid, httponly=True)
        return {"signed_in": user}

    def claims(user):
        claims_calls.append("fastapi")
        return claims_of(user) if user else None

    app.get("/login")(login)
    app.include_router(
        module.create_router(
            claims=claims,
            guard={"login": current_user, "none": None, "optional": optional_user}[guard],
            now=clock,
        ),
        prefix="/oidc",
    )
    return app
