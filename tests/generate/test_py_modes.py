"""Python sites through generate's modes, on the stage API: the provider beside the kept Zendesk
route, a second run that changes nothing, the cut-over that removes the route and only what it
used (the module constants only it read, and python-jose or authlib in the manifest when no module
imports them any more); Django class-based views and views with URL parameters; the standalone
provider where no framework wiring takes the signing code."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from wiring_support import ISSUER, after

from migrate.generate import config as cfg
from migrate.generate.run import generate
from migrate.scan import scan

from conftest import FIXTURES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generated"))

DEPLOYMENT = "5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60"
NOTE = "# TODO(migrate:ZG220): remove after cut-over: the Zendesk token route"


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def run(site: Path, cutover: bool = False):
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER),
                    cutover=cutover)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def compiles(changed: dict[str, str]) -> None:
    for path, text in changed.items():
        if path.endswith(".py"):
            compile(text, path, "exec")


@pytest.mark.parametrize("name, module", [("flask", "app.py"), ("fastapi", "storefront/main.py"),
                                          ("django", "shop/views.py")])
def test_beside_then_again_then_cutover(tmp_path, name, module):
    site = tmp_path / name
    shutil.copytree(FIXTURES / "sites" / name, site)
    before = (site / module).read_text()
    first = run(site)
    changed = after(first)
    compiles(changed)
    (outcome,) = first.outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/jwt"
    mounted_path, mounted_line = outcome.text.split("provider mounted at ")[1].split(" ")[0].split(":")
    assert "genesys_oidc" in changed[mounted_path].splitlines()[int(mounted_line) - 1] or \
        "genesys_oidc" in changed[mounted_path].splitlines()[int(mounted_line)]
    # The old route is untouched: every line of the old module is still there, in order, with
    # the keep note the one line added above the route.
    old_lines = before.splitlines()
    new_lines = changed[module].splitlines()
    it = iter(new_lines)
    assert all(any(line == n for n in it) for line in old_lines), "the old module's lines all stay, in order"
    assert sum(NOTE in line for line in new_lines) == 1
    first.changes.apply()

    again = run(site)
    assert again.changes.empty, again.changes.diff()
    assert [o.status for o in again.outcomes] == ["kept"]
    assert any(f.rule == "ZG220" for f in scan(str(site), jobs=1).findings)

    cut = run(site, cutover=True)
    cut_changed = after(cut)
    compiles(cut_changed)
    assert [o.status for o in cut.outcomes] == ["cut"]
    text = cut_changed[module]
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "zendesk_jwt" not in code and "TODO(migrate:ZG220)" not in text
    assert "import jwt" not in code and "def genesys_claims(" in code
    assert "which the cut-over removed" in " ".join(text.replace("#", " ").split())
    for path, new in cut_changed.items():  # only the route goes: the provider's mounting stays
        if "genesys_oidc" in (site / path).read_text():
            assert "genesys_oidc" in new, path
    cut.changes.apply()
    assert run(site, cutover=True).changes.empty


def test_no_guard_is_a_guard_that_refuses(tmp_path):
    site = write(tmp_path / "s", {"requirements.txt": "flask\npyjwt\n", "app.py": """
        import jwt
        from flask import Flask, session

        app = Flask(__name__)

        @app.route("/zendesk/jwt")
        def zendesk_jwt():
            return {"token": jwt.encode({"external_id": session["uid"], "scope": "user"}, "k")}
    """})
    text = after(run(site))["app.py"]
    assert "genesys_oidc.create_blueprint(claims=genesys_claims, guard=genesys_oidc.refuse)" in text
    assert "nobody is signed in until the site's" in text


DJANGO_SETTINGS = "INSTALLED_APPS = []\nROOT_URLCONF = 'site_urls'\n"


def test_django_class_based_view_with_a_url_parameter(tmp_path):
    site = write(tmp_path / "s", {"requirements.txt": "django\npyjwt\n", "shop/__init__.py": "", "shop/views.py": """
        import jwt
        from django.conf import settings
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.http import JsonResponse
        from django.views import View


        class ZendeskJwtView(LoginRequiredMixin, View):
            def get(self, request, org):
                user = self.request.user
                token = jwt.encode({"external_id": str(user.pk), "name": user.get_full_name(),
                                    "scope": "user"}, settings.ZENDESK_SECRET)
                return JsonResponse({"token": token})
    """, "shop/urls.py": """
        from django.urls import path

        from . import views

        urlpatterns = [
            path("zendesk/<int:org>/jwt", views.ZendeskJwtView.as_view(), name="zendesk_jwt"),
        ]
    """})
    first = run(site)
    changed = after(first)
    compiles(changed)
    (outcome,) = first.outcomes
    assert outcome.status == "wired" and outcome.route == "GET /zendesk/<int:org>/jwt", outcome.text
    views, urls = changed["shop/views.py"], changed["shop/urls.py"]
    assert f"    {NOTE} GET /zendesk/<int:org>/jwt" in views and "    def get(self, request, org):" in views
    assert "def genesys_claims(request):\n    user = request.user\n" in views
    assert 'path("oidc/", include(genesys_oidc.urls(claims=views.genesys_claims, guard=login_required)))' in urls
    assert 'views.ZendeskJwtView.as_view(), name="zendesk_jwt"),' in urls
    first.changes.apply()
    assert run(site).changes.empty
    cut = after(run(site, cutover=True))
    compiles(cut)
    assert "class ZendeskJwtView" not in cut["shop/views.py"] and "LoginRequiredMixin" not in cut["shop/views.py"]
    assert "ZendeskJwtView" not in cut["shop/urls.py"] and "genesys_oidc.urls(" in cut["shop/urls.py"]


def test_django_url_parameter_read_by_the_claims_says_no_user(tmp_path):
    site = write(tmp_path / "s", {"requirements.txt": "django\npyjwt\n", "shop/__init__.py": "", "shop/views.py": """
        import jwt
        from django.conf import settings
        from django.contrib.auth.decorators import login_required
        from django.http import JsonResponse


        @login_required
        def org_jwt(request, org):
            token = jwt.encode({"external_id": f"{org}-{request.user.pk}", "scope": "user"}, settings.ZENDESK_SECRET)
            return JsonResponse({"token": token})
    """, "shop/urls.py": """
        from django.urls import path

        from . import views

        urlpatterns = [path("zendesk/<int:org>/jwt", views.org_jwt)]
    """})
    result = run(site)
    changed = after(result)
    compiles(changed)
    views = changed["shop/views.py"]
    claims = views[views.index("def genesys_claims(request):"):]
    assert "TODO(migrate:ZG222)" in claims and "reads `org`" in claims.replace("\n    #  ", "")
    assert claims.split("\n\n")[0].rstrip().endswith("return None")
    assert 'urlpatterns = [path("zendesk/<int:org>/jwt", views.org_jwt), path("oidc/"' in changed["shop/urls.py"]


HELPER = """
    \"\"\"Tokens for the Zendesk Messaging widget, made for the signed-in customer.\"\"\"

    import os
    import time

    import jwt


    def zendesk_token(customer):
        payload = {
            "external_id": str(customer.id),
            "name": customer.name,
            "email": customer.email,
            "scope": "user",
            "exp": int(time.time()) + 300,
        }
        return jwt.encode(payload, os.environ["ZENDESK_SECRET"], algorithm="HS256")
"""


def test_a_helper_outside_any_view_gets_the_standalone_provider(tmp_path, monkeypatch):
    site = write(tmp_path / "s", {"requirements.txt": "bottle\nPyJWT\n", "shop/__init__.py": "",
                                  "shop/tokens.py": HELPER})
    result = run(site)
    changed = after(result)
    compiles(changed)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "shop/tokens.py:9: framework not recognised" in outcome.text
    tokens = changed["shop/tokens.py"]
    lines = tokens.splitlines()
    assert lines[8].startswith("# TODO(migrate:ZG221): mount the sign-in provider from genesys_oidc.py at /oidc")
    assert lines[10] == "def zendesk_token(customer):", "the note is right above the signing function"
    assert HELPER.replace("\n    ", "\n").strip().splitlines()[-1] in tokens, "the old code stays"
    assert "def genesys_claims(customer):\n    return {\n        \"sub\": str(customer.id)," in tokens
    assert "PyJWT[crypto]" in changed["requirements.txt"]
    result.changes.apply()
    assert run(site).changes.empty, "a second run adds no second provider"

    # The provider module is a WSGI app the site mounts; the claims function feeds it.
    from werkzeug.test import Client

    from relying_party import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, basic_auth, pkce_pair, rsa_pem
    key, pem = rsa_pem()
    (tmp_path / "key.pem").write_bytes(pem)
    for name, value in {"GENESYS_OIDC_ISSUER": "http://127.0.0.1/oidc", "GENESYS_OIDC_CLIENT_ID": CLIENT_ID,
                        "GENESYS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GENESYS_OIDC_REDIRECT_URIS": REDIRECT_URI,
                        "GENESYS_OIDC_PRIVATE_KEY_FILE": str(tmp_path / "key.pem")}.items():
        monkeypatch.setenv(name, value)
    modules = {}
    for name in ("genesys_oidc", "tokens"):
        spec = importlib.util.spec_from_file_location(f"_standalone_{name}", site / "shop" / f"{name}.py")
        modules[name] = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = modules[name]
        spec.loader.exec_module(modules[name])
    try:
        class Customer:
            id, name, email = 42, "Alice Example", "alice@example.com"

        def site_app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"shop"]

        app = modules["genesys_oidc"].mount(site_app, claims=lambda environ: modules["tokens"].genesys_claims(Customer))
        client = Client(app)
        assert client.get("/").get_data() == b"shop"
        verifier, challenge = pkce_pair()
        answer = client.get("/oidc/authorize", query_string={
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": "openid",
            "state": "s", "nonce": "n", "code_challenge": challenge, "code_challenge_method": "S256"},
            headers={"Accept": "application/json"})
        token = client.post("/oidc/token", data={"grant_type": "authorization_code", "code": answer.get_json()["code"],
                                                 "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
                            headers={"Authorization": basic_auth(CLIENT_ID, CLIENT_SECRET)})
        assert token.status_code == 200, token.get_data()
        import jwt

        claims = jwt.decode(token.get_json()["id_token"], key.public_key(), algorithms=["RS256"], audience=CLIENT_ID)
        assert (claims["sub"], claims["name"], claims["nonce"]) == ("42", "Alice Example", "n")
    finally:
        for name in ("genesys_oidc", "tokens"):
            sys.modules.pop(f"_standalone_{name}", None)


# --- what a cut-over leaves behind ---------------------------------------------------------------

JOSE_APP = """
    import os
    import time

    from flask import Flask, jsonify
    from flask_login import current_user, login_required
    from jose import jwt

    from settings import SHARED_KEY_ID

    app = Flask(__name__)
    app.secret_key = os.environ["SESSION_SECRET"]

    # Zendesk Messaging settings (Admin Center > Account > Security)
    ZENDESK_SECRET = os.environ["ZENDESK_SECRET"]
    ZENDESK_TTL = 300
    # The key id, also shown on the status page.
    KEY_ID = SHARED_KEY_ID


    @app.route("/zendesk/jwt")
    @login_required
    def zendesk_jwt():
        claims = {"external_id": str(current_user.id), "name": current_user.name, "scope": "user",
                  "exp": int(time.time()) + ZENDESK_TTL}
        return jsonify(token=jwt.encode(claims, ZENDESK_SECRET, algorithm="HS256", headers={"kid": KEY_ID}))


    @app.route("/health")
    def health():
        return "ok"
"""


@pytest.mark.parametrize("manifest, before, expected", [
    ("requirements.txt", "Flask>=3\nFlask-Login>=0.6\npython-jose[cryptography]==3.3.0\n",
     "Flask>=3\nFlask-Login>=0.6\nPyJWT[crypto]>=2.8\n"),
    ("pyproject.toml", ('[project]\nname = "shop"\nversion = "1"\ndependencies = [\n  "flask>=3",\n'
                        '  "python-jose[cryptography]>=3.3",  # Zendesk tokens\n]\n'),
     '[project]\nname = "shop"\nversion = "1"\ndependencies = [\n  "flask>=3",\n  "PyJWT[crypto]>=2.8",\n]\n'),
])
def test_cutover_removes_the_constants_and_the_signing_library_only_the_route_used(tmp_path, manifest, before,
                                                                                   expected):
    site = write(tmp_path / "s", {manifest: before, "app.py": JOSE_APP,
                                  "settings.py": 'SHARED_KEY_ID = "app_123"\n',
                                  "status.py": "from app import KEY_ID\n\nSTATUS = {'key': KEY_ID}\n"})
    first = run(site)
    assert [o.status for o in first.outcomes] == ["wired"], [o.text for o in first.outcomes]
    assert "python-jose" in after_text(first, manifest), "the kept route still needs its library"
    first.changes.apply()
    cut = run(site, cutover=True)
    changed = after(cut)
    compiles(changed)
    app = changed["app.py"]
    assert "ZENDESK_SECRET" not in app and "ZENDESK_TTL" not in app and "import time" not in app
    assert "# Zendesk Messaging settings" not in app and "jose" not in app
    # what the rest of the site reads stays: KEY_ID (status.py imports it), os (the session secret)
    assert "    # The key id, also shown on the status page.\n    KEY_ID = SHARED_KEY_ID\n" in "    " + \
        app.replace("\n", "\n    ")
    assert 'app.secret_key = os.environ["SESSION_SECRET"]\n\n# The key id' in app
    assert changed[manifest] == expected
    assert any("python-jose removed" in r for r in cut.changes.summary)
    cut.changes.apply()
    assert run(site, cutover=True).changes.empty


def after_text(result, path: str) -> str:
    return after(result).get(path) or (result.changes.root / path).read_text()


def test_cutover_keeps_the_signing_library_another_module_imports(tmp_path):
    site = write(tmp_path / "s", {"requirements.txt": "Flask>=3\nFlask-Login>=0.6\npython-jose==3.3.0\n",
                                  "app.py": JOSE_APP, "settings.py": 'SHARED_KEY_ID = "app_123"\n',
                                  "webhooks.py": "from jose import jws\n\n\ndef verify(body, key):\n"
                                                 "    return jws.verify(body, key, algorithms=['HS256'])\n"})
    run(site).changes.apply()
    cut = run(site, cutover=True)
    changed = after(cut)
    assert "jose" not in changed["app.py"]
    assert "requirements.txt" not in changed, "webhooks.py still imports jose"


def test_a_one_step_cutover_keeps_the_constants_the_claims_function_reads(tmp_path):
    site = write(tmp_path / "s", {"requirements.txt": "flask\npyjwt\n", "app.py": """
        import os

        import jwt
        from flask import Flask, jsonify
        from flask_login import current_user, login_required

        app = Flask(__name__)
        ZENDESK_SECRET = os.environ["ZENDESK_SECRET"]
        TENANT = "eu-"


        @app.route("/zendesk/jwt")
        @login_required
        def zendesk_jwt():
            token = jwt.encode({"external_id": TENANT + str(current_user.id), "scope": "user"}, ZENDESK_SECRET)
            return jsonify(token=token)
    """})
    result = run(site, cutover=True)
    app = after(result)["app.py"]
    compiles({"app.py": app})
    assert [o.status for o in result.outcomes] == ["cut"]
    assert "ZENDESK_SECRET" not in app and "import os" not in app and "import jwt" not in app
    assert 'TENANT = "eu-"' in app and '"sub": TENANT + str(current_user.id),' in app


AUTHLIB_APP = """
    from authlib.jose import jwt
    from flask import Flask, jsonify
    from flask_login import current_user, login_required

    app = Flask(__name__)


    @app.route("/zendesk/jwt")
    @login_required
    def zendesk_jwt():
        token = jwt.encode({"alg": "HS256"}, {"external_id": str(current_user.id), "scope": "user"}, "k")
        return jsonify(token=token.decode())
"""
POETRY = """
    [tool.poetry]
    name = "shop"

    [tool.poetry.dependencies]
    python = "^3.11"
    flask = "^3.0"
    Authlib = "^1.3"
"""


@pytest.mark.parametrize("sign_in_module, kept", [(None, False),
                                                   ("from authlib.integrations.flask_client import OAuth\n", True)])
def test_cutover_and_authlib_in_poetry(tmp_path, sign_in_module, kept):
    files = {"pyproject.toml": POETRY, "app.py": AUTHLIB_APP}
    if sign_in_module:
        files["sso.py"] = sign_in_module  # the site's own sign-in still uses authlib
    site = write(tmp_path / "s", files)
    run(site).changes.apply()
    cut = run(site, cutover=True)
    changed = after(cut)
    compiles(changed)
    assert "authlib" not in changed["app.py"]
    manifest = changed.get("pyproject.toml", (site / "pyproject.toml").read_text())
    assert ("Authlib" in manifest) is kept
    assert "PyJWT" in manifest and 'flask = "^3.0"' in manifest
