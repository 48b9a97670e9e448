"""scan: the identity provider a site already signs in at, found in its code and configuration and
reported in text, JSON and SARIF, with names and issuers only (never a secret's value)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app

runner = CliRunner()
SECRET = "s3cr3t-Vq3Lx8Tn2Rk6Wp9Hs4Jd7Fb1"

SITES: dict[str, tuple[dict[str, str], str | None]] = {
    "nextauth-okta": ({
        "pages/api/auth/[...nextauth].js": (
            "import NextAuth from 'next-auth';\nimport OktaProvider from 'next-auth/providers/okta';\n\n"
            "export default NextAuth({\n  providers: [\n    OktaProvider({\n      clientId: process.env.OKTA_CLIENT_ID,\n"
            "      clientSecret: process.env.OKTA_CLIENT_SECRET,\n      issuer: process.env.OKTA_ISSUER,\n    }),\n  ],\n});\n"),
        ".env.example": f"OKTA_ISSUER=https://acme.okta.com/oauth2/default\nOKTA_CLIENT_SECRET={SECRET}\n",
    }, "okta"),
    "passport-auth0": ({
        "app.js": ("const passport = require('passport');\nconst Auth0Strategy = require('passport-auth0');\n"
                   "passport.use(new Auth0Strategy({ domain: process.env.AUTH0_DOMAIN }, verify));\n"),
        ".env.sample": f"AUTH0_DOMAIN=acme.eu.auth0.com\nAUTH0_CLIENT_SECRET={SECRET}\n",
    }, "auth0"),
    "omniauth-entra": ({
        "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\ngem 'omniauth-azure-activedirectory-v2'\n",
        "config/initializers/omniauth.rb": (
            "Rails.application.config.middleware.use OmniAuth::Builder do\n"
            "  provider :azure_activedirectory_v2, client_id: ENV['AZURE_AD_CLIENT_ID'], tenant_id: ENV['AZURE_AD_TENANT_ID']\n"
            "end\n"),
    }, "entra"),
    "django-oidc": ({
        "shop/settings.py": (
            "INSTALLED_APPS = ['django.contrib.auth', 'mozilla_django_oidc']\n"
            "OIDC_OP_AUTHORIZATION_ENDPOINT = 'https://sso.acme.example/realms/shop/protocol/openid-connect/auth'\n"
            f"OIDC_RP_CLIENT_SECRET = '{SECRET}'\n"),
    }, "keycloak"),
    "allauth-google": ({
        "shop/settings.py": "INSTALLED_APPS = ['allauth', 'allauth.socialaccount', 'allauth.socialaccount.providers.google']\n",
    }, "google"),
    "spring-okta": ({
        "src/main/resources/application.yml": (
            "spring:\n  security:\n    oauth2:\n      client:\n        registration:\n          okta:\n"
            f"            client-id: shop\n            client-secret: {SECRET}\n        provider:\n          okta:\n"
            "            issuer-uri: https://acme.okta.com/oauth2/default\n"),
    }, "okta"),
    "aspnet-entra": ({
        "Program.cs": ("var builder = WebApplication.CreateBuilder(args);\n"
                       "builder.Services.AddAuthentication().AddMicrosoftIdentityWebApp(builder.Configuration);\n"),
        "appsettings.json": ('{\n  "AzureAd": {\n    "Instance": "https://login.microsoftonline.com/",\n'
                             '    "TenantId": "4a3b2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0",\n'
                             f'    "ClientSecret": "{SECRET}"\n  }}\n}}\n'),
    }, "entra"),
    "laravel-keycloak": ({
        "app/Http/Controllers/LoginController.php": (
            "<?php\nuse Laravel\\Socialite\\Facades\\Socialite;\nclass LoginController {\n"
            "  public function redirect() { return Socialite::driver('keycloak')->redirect(); }\n}\n"),
    }, "keycloak"),
    "cognito-env": ({
        ".env.example": "COGNITO_USER_POOL_ID=eu-west-1_Q8rT2vX9p\nCOGNITO_CLIENT_ID=\n",
    }, "cognito"),
    "plain": ({"index.html": "<!doctype html><p>Google Fonts: https://fonts.googleapis.com</p>\n"}, None),
}
ISSUERS = {"nextauth-okta": "https://acme.okta.com/oauth2/default", "passport-auth0": "https://acme.eu.auth0.com/",
           "omniauth-entra": None, "spring-okta": "https://acme.okta.com/oauth2/default",
           "aspnet-entra": "https://login.microsoftonline.com/4a3b2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0/v2.0",
           "cognito-env": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Q8rT2vX9p"}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("name", sorted(SITES))
def test_the_idp_is_found_and_reported_without_secrets(tmp_path, name):
    files, kind = SITES[name]
    site = write(tmp_path / name, files)
    outputs = {}
    for fmt in ("text", "json", "sarif"):
        r = runner.invoke(app, ["scan", str(site), "--format", fmt])
        assert r.exit_code in (0, 1), r.output
        assert SECRET not in r.output, f"{fmt} report printed a secret value"
        outputs[fmt] = r.stdout
    data = json.loads(outputs["json"])
    found = data.get("identity_providers", [])
    if kind is None:
        assert found == [] and "Identity provider" not in outputs["text"]
        return
    assert found and found[0]["kind"] == kind, found
    assert all(e["path"] in files for e in found[0]["evidence"])
    if name in ISSUERS:
        assert found[0]["issuer"] == ISSUERS[name]
    sarif = json.loads(outputs["sarif"])
    assert sarif["runs"][0]["properties"]["identityProviders"] == found
    assert "Identity provider" in outputs["text"] and f"  {kind}  " in outputs["text"]


def test_gitignored_files_are_not_read(tmp_path):
    site = write(tmp_path / "site", {".gitignore": ".env\n", ".env": "OKTA_ISSUER=https://acme.okta.com\n",
                                     "index.html": "<p>shop</p>\n"})
    r = runner.invoke(app, ["scan", str(site), "--format", "json"])
    assert "identity_providers" not in json.loads(r.stdout)
