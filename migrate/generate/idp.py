"""The existing-IdP path of `migrate generate --idp okta|entra|auth0|keycloak|cognito|google|oidc`.

A site that already signs its visitors in at an identity provider needs no OpenID provider of its
own: Messenger's AuthProvider sends the visitor to that IdP (authorization code + PKCE + nonce, as
Genesys's Okta blueprint does) and hands Messenger the code it brings back; Genesys redeems it at the
IdP's token endpoint with a client secret it holds. What this module produces:

- the AuthProvider plugin for the page (templates/page/idp-authprovider.js.j2);
- the Zendesk token route kept, under the same TODO(migrate:ZG220) keep note as the default path,
  and no provider code;
- the IdP-side client: Terraform for that IdP's provider (templates/idp/<idp>.tf.j2) or, for Google
  and any other OpenID provider, the settings to enter by hand;
- the Genesys side pointing at the IdP's discovery document, and how the old Zendesk claims map onto
  the IdP's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from migrate.generate.render import render

KINDS = ("okta", "entra", "auth0", "keycloak", "cognito", "google", "oidc")
GOOGLE_ISSUER = "https://accounts.google.com"
# The page cannot sign in with an id the IdP has not assigned yet: it carries this until generate runs
# again with --client-id (the Terraform prints it as `idp_client_id`).
UNSET_CLIENT_ID = "SET-THE-IDP-CLIENT-ID"
GRANT_TYPES = ("authorization_code", "refresh_token")
# What Genesys reads from the ID token (help.mypurecloud.com, authenticated web messaging attributes).
GENESYS_CLAIMS = ("sub", "email", "name")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


@dataclass(frozen=True)
class Idp:
    kind: str
    name: str
    example: str  # an issuer, for messages
    assigns_client_id: bool  # the IdP makes the client id up (Okta, Entra, Auth0, Cognito, Google)
    scope: str
    custom_claim: str  # how this IdP adds a claim such as external_id to the ID token
    resource: str | None  # the Terraform resource of the client, None: set up by hand
    extra: tuple[tuple[str, str], ...] = ()  # more authorization request parameters


IDPS: dict[str, Idp] = {i.kind: i for i in (
    Idp("okta", "Okta", "https://dev-123456.okta.com/oauth2/default", True, "openid profile email offline_access",
        "an okta_auth_server_claim on the custom authorization server (claim_type IDENTITY, "
        "always_include_in_token), its value an Okta expression such as user.employeeNumber",
        "okta_app_oauth"),
    Idp("entra", "Microsoft Entra ID", "https://login.microsoftonline.com/<tenant id>/v2.0", True,
        "openid profile email offline_access",
        "a claims-mapping policy (azuread_claims_mapping_policy) on the app's service principal, with "
        "api.mapped_claims_enabled, taking a user attribute such as employeeid",
        "azuread_application"),
    Idp("auth0", "Auth0", "https://dev-abc123.us.auth0.com/", True, "openid profile email offline_access",
        "a post-login Action (auth0_action, bound by auth0_trigger_action) calling api.idToken.setCustomClaim",
        "auth0_client"),
    Idp("keycloak", "Keycloak", "https://sso.example.com/realms/shop", False, "openid profile email offline_access",
        "a user-attribute protocol mapper (keycloak_openid_user_attribute_protocol_mapper) with "
        "add_to_id_token, the attribute declared in the realm's user profile", "keycloak_openid_client"),
    Idp("cognito", "Amazon Cognito", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123", True,
        "openid profile email",  # Cognito issues refresh tokens to code-grant clients without offline_access
        "a custom user-pool attribute (custom:external_id, declared in the pool's schema and listed in the "
        "client's read_attributes) or a pre token generation Lambda that names it external_id",
        "aws_cognito_user_pool_client"),
    Idp("google", "Google", GOOGLE_ISSUER, True, "openid profile email",
        "none: Google ID tokens carry no custom claims; map Google's sub or email to the site's user id on "
        "the site, or through Genesys identity resolution", None,
        (("access_type", "offline"),)),  # Google's way to a refresh token (it has no offline_access scope)
    Idp("oidc", "the OpenID provider", "https://login.example.com", False, "openid profile email offline_access",
        "the provider's own claim mapping (a claim named external_id in the ID token)", None),
)}


def _error(message: str) -> Exception:
    from migrate.generate.config import ConfigError

    return ConfigError(message)


def settle(kind: str | None, issuer: str | None, redirect_uri: str | None) -> tuple[str, str]:
    """--idp and --idp-issuer checked: (kind, the issuer exactly as the IdP writes it in `iss`)."""
    if not kind:
        raise _error("--idp-issuer goes with --idp (one of " + ", ".join(KINDS) + ")")
    kind = kind.strip().lower()
    if kind in ("azure", "azuread", "azure-ad", "microsoft"):
        kind = "entra"
    if kind not in IDPS:
        raise _error(f"--idp {kind!r} is not one of {', '.join(KINDS)}")
    idp = IDPS[kind]
    if not issuer:
        if kind != "google":
            raise _error(f"missing --idp-issuer: the {idp.name} issuer, e.g. {idp.example}")
        issuer = GOOGLE_ISSUER
    issuer = issuer.strip()
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise _error(f"--idp-issuer {issuer!r} must be an absolute URL without query or fragment, e.g. {idp.example}")
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise _error(f"--idp-issuer {issuer!r} uses http: identity providers use https (http only for localhost)")
    path = parts.path.rstrip("/")
    if kind == "entra" and not re.fullmatch(r"/[^/]+/v2\.0", path):
        raise _error(f"--idp-issuer {issuer!r}: give the v2.0 issuer, https://login.microsoftonline.com/<tenant id>/v2.0 "
                     "(the one in the tenant's v2.0 discovery document)")
    if kind == "keycloak" and not re.search(r"/realms/[^/]+$", path):
        raise _error(f"--idp-issuer {issuer!r}: a Keycloak issuer ends with /realms/<realm>, e.g. {idp.example}")
    if kind == "cognito" and not re.fullmatch(r"/[\w-]+_\w+", path):
        raise _error(f"--idp-issuer {issuer!r}: a Cognito issuer is https://cognito-idp.<region>.amazonaws.com/"
                     "<user pool id>")
    if kind == "okta" and path and not re.fullmatch(r"/oauth2/[^/]+", path):
        raise _error(f"--idp-issuer {issuer!r}: an Okta issuer is the org (https://<org>.okta.com) or an "
                     "authorization server (https://<org>.okta.com/oauth2/<id>)")
    if not redirect_uri:
        raise _error("missing --redirect-uri: with --idp, the page the IdP sends the visitor back to (it must load "
                     "the Messenger snippet), e.g. https://shop.example.com/")
    # `iss` must match exactly: Auth0 writes its issuer with a trailing slash (spring-projects/
    # spring-boot#15324), the others without (their discovery documents); any other provider is taken
    # as given.
    if kind == "auth0":
        issuer = issuer.rstrip("/") + "/"
    elif kind != "oidc":
        issuer = issuer.rstrip("/")
    return kind, issuer


def discovery_uri(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def authorization_endpoint(kind: str, issuer: str) -> str | None:
    """Where the page sends the visitor, when the IdP's URL layout fixes it; None: read from discovery.

    Sources: Okta /oauth2/v1/authorize (org server) and /oauth2/<id>/v1/authorize (support.okta.com,
    "Custom scopes are not allowed for this request"); Entra ID /<tenant>/oauth2/v2.0/authorize (the
    tenant's v2.0 discovery document); Auth0 /authorize (Authentication API); Keycloak
    /realms/<realm>/protocol/openid-connect/auth (Keycloak "Securing Applications", OIDC endpoints);
    Google https://accounts.google.com/o/oauth2/v2/auth (its discovery document)."""
    base = issuer.rstrip("/")
    parts = urlsplit(base)
    if kind == "okta":
        return base + "/v1/authorize" if parts.path else base + "/oauth2/v1/authorize"
    if kind == "entra":
        return base.removesuffix("/v2.0") + "/oauth2/v2.0/authorize"
    if kind == "auth0":
        return base + "/authorize"
    if kind == "keycloak":
        return base + "/protocol/openid-connect/auth"
    if kind == "google":
        return "https://accounts.google.com/o/oauth2/v2/auth"
    return None  # Cognito's hosted UI domain and any other provider: the discovery document says


# --- the page -------------------------------------------------------------------------------------

def plugin(config) -> str:
    idp = IDPS[config.idp]
    return render("page/idp-authprovider.js.j2", idp_name=idp.name, issuer=config.idp_issuer,
                  discovery_uri=discovery_uri(config.idp_issuer),
                  authorization_endpoint=authorization_endpoint(idp.kind, config.idp_issuer),
                  client_id=config.client_id, client_id_unset=config.client_id == UNSET_CLIENT_ID,
                  redirect_uri=config.redirect_uri, scope=idp.scope, extra=dict(idp.extra))


# --- the Zendesk route, kept ----------------------------------------------------------------------

_HASH_COMMENTS = ("python", "ruby")


def keep_text(route: str | None, config) -> str:
    """The keep note (TODO ZG220, as the default path writes it) for the IdP path."""
    from migrate.generate.backends import KEEP_RULE

    what = f"the Zendesk token route {route}" if route else "the Zendesk token code below"
    return (f"TODO(migrate:{KEEP_RULE}): remove after cut-over: {what} is kept while the site moves to "
            f"Messenger sign-in at {IDPS[config.idp].name} ({config.idp_issuer}) (`migrate generate --cutover` "
            "removes it)")


def keep_route(b, config, latest, rewritten: dict[str, str], reasons: dict[str, list[str]]):
    """No provider on this path: the Zendesk token route stays, with the keep note right above it
    (above its decorators / annotations), so scan keeps judging it and `--cutover` removes it."""
    from migrate.extract import language_for
    from migrate.generate.run import Outcome

    s = b.signer
    at = f"{s.path}:{s.line}"
    idp = IDPS[config.idp]
    if "kept" in s.hints:
        return Outcome(s.path, s.line, s.route, "kept",
                       f"{at}: the Zendesk route stays until cut-over (TODO(migrate:ZG220)); Messenger signs in at "
                       f"{idp.name}")
    language = language_for(s.path) or ""
    if language.startswith("page:"):
        return Outcome(s.path, s.line, s.route, "kept",
                       f"{at}: the token is signed inside a page template: left as it is; Messenger signs in at "
                       f"{idp.name}; remove it by hand after cut-over")
    src = latest(s.path)
    lines = src.text.split("\n")
    first = (s.span[0] if s.span else s.line) - 1
    while first > 0 and lines[first - 1].lstrip().startswith(("@", "[") if language == "csharp" else ("@",)):
        first -= 1
    indent = re.match(r"[ \t]*", lines[first]).group()  # type: ignore[union-attr]
    mark = "#" if s.language in _HASH_COMMENTS else "//"
    newline = "\r\n" if "\r\n" in src.text else "\n"
    body = src.text.replace("\r\n", "\n").split("\n")
    body.insert(first, f"{indent}{mark} {keep_text(s.route, config)}")
    rewritten[s.path] = newline.join(body)
    reasons[s.path].append(f"line {first + 1}: the Zendesk token route {s.route or ''} stays until cut-over, "
                           f"marked TODO(migrate:ZG220); no provider: Messenger signs in at {idp.name}"
                           .replace("  ", " "))
    return Outcome(s.path, s.line, s.route, "kept",
                   f"{at}: no provider needed, Messenger signs in at {idp.name}; the Zendesk route "
                   f"{s.route or ''} stays until cut-over (TODO(migrate:ZG220))".replace("  ", " "))


# --- claims -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimMap:
    zendesk: str  # the claim the old token carried
    idp: str | None  # the ID-token claim that carries it now, None: dropped
    how: str


def claim_map(kind: str, zendesk_claims: set[str]) -> tuple[ClaimMap, ...]:
    idp = IDPS[kind]
    out = [ClaimMap("(user id)", "sub", f"{idp.name}'s own stable user id; Genesys shows it as the sender's address")]
    for name in sorted(zendesk_claims):
        if name in ("name", "email", "email_verified"):
            scope = "profile" if name == "name" else "email"
            out.append(ClaimMap(name, name, f"standard claim of the {scope} scope"
                                + ("; Genesys reads it" if name in GENESYS_CLAIMS else "")))
        elif name in ("external_id", "given_name", "family_name", "phone", "locale"):
            if name in ("given_name", "family_name"):
                out.append(ClaimMap(name, name, "standard claim of the profile scope"))
            else:
                target = None if kind == "google" else name
                out.append(ClaimMap(name, target, f"custom claim: {idp.custom_claim}"
                                    + ("; Genesys does not read it from the ID token (deployment identity "
                                       "resolution is its counterpart)" if name == "external_id" else "")))
        elif name in ("exp", "iat", "nbf", "jti", "iss", "aud", "scope", "kid", "..."):
            out.append(ClaimMap(name, None, f"set by {idp.name} itself" if name != "scope" else
                                "Zendesk's marker for user tokens; no counterpart"))
        else:
            out.append(ClaimMap(name, None if kind == "google" else name, f"custom claim: {idp.custom_claim}"))
    return tuple(out)


# --- the Genesys side -----------------------------------------------------------------------------

def _base():
    from migrate.generate.genesys_side import GenesysSide

    return GenesysSide


@dataclass(frozen=True)
class IdpDetails:
    kind: str
    name: str
    issuer: str
    client_id: str
    client_id_unset: bool
    redirect_uri: str
    scope: str
    claims: tuple[ClaimMap, ...]
    resource: str | None


def _secret_words(d: IdpDetails) -> str:
    if d.resource:
        return f"the {d.name} client's secret (`terraform output -raw idp_client_secret`)"
    return f"the client secret {d.name} shows for the client"


def _client_steps(d: IdpDetails) -> list[str]:
    """What to register at the IdP, for the IdPs without a Terraform resource."""
    if d.kind == "google":
        return [
            "  Google Cloud console > Google Auth Platform > Clients > Create client (formerly APIs & Services >",
            "  Credentials > Create credentials > OAuth client ID; support.google.com/cloud/answer/15549257):",
            "    application type Web application;",
            f"    authorized redirect URI {d.redirect_uri}",
            "    (the console asks to set up the Google Auth Platform app, its branding and audience, first);",
            "  copy the client id (generate again with --client-id) and the client secret (for Genesys).",
            "  Google issues a refresh token with access_type=offline (the page asks for it), on the first consent",
            "  only (developers.google.com/identity/protocols/oauth2/web-server); Google has no offline_access scope.",
            "  Google's discovery document says its issuer is https://accounts.google.com but that ID tokens may",
            "  carry iss accounts.google.com (developers.google.com/identity/openid-connect/reference): whether",
            "  Genesys accepts that form is unconfirmed.",
        ]
    return [
        f"  register a confidential client at {d.issuer}:",
        f"    redirect URI {d.redirect_uri} (exactly), response type code,",
        f"    grant types {', '.join(GRANT_TYPES)}, client authentication client_secret_basic,",
        f"    scopes {d.scope}; its ID token must carry sub, email and name (what Genesys reads).",
        "  Check the provider's discovery document: its issuer must be exactly the --idp-issuer given, and",
        "  scopes_supported should list offline_access (OpenID Connect Core 1.0 section 11) for refresh tokens.",
    ]


def _side_class():
    base = _base()

    @dataclass(frozen=True)
    class IdpSide(base):  # type: ignore[valid-type, misc]
        """The Genesys side when the site's own IdP signs the visitor in: nothing to create locally."""

        idp: IdpDetails | None = None

        def to_dict(self) -> dict:
            d = self.idp
            assert d is not None
            return {
                "integration": {
                    "type": "OpenID Connect Messenger Configuration",
                    "discovery_uri": self.discovery_uri, "client_id": d.client_id,
                    "client_secret": {"from": _secret_words(d), "value": "***"},
                },
                "messenger_configuration": {"authentication": {"enabled": True,
                                                               "integration": "the integration above"}},
                "deployment": {"id": self.deployment_id, "region": self.region,
                               "allowed_domains": list(self.allowed_domains)},
                "idp": {
                    "kind": d.kind, "name": d.name, "issuer": d.issuer, "discovery_uri": self.discovery_uri,
                    "terraform_resource": d.resource,
                    "client": {"client_id": None if d.client_id_unset else d.client_id,
                               "redirect_uris": [d.redirect_uri], "response_types": ["code"],
                               "grant_types": list(GRANT_TYPES), "token_endpoint_auth_method": "client_secret_basic",
                               "scope": d.scope, "id_token_claims": list(GENESYS_CLAIMS)},
                    "claims": [{"zendesk": c.zendesk, "idp": c.idp, "how": c.how} for c in d.claims],
                },
            }

        def text(self) -> str:
            d = self.idp
            assert d is not None
            client = "the client id above, once generate has it (--client-id)" if d.client_id_unset else d.client_id
            lines = [
                f"The site already signs in at {d.name} ({d.issuer}): Messenger signs in there too. No provider runs",
                "on the site's server on this path (no key, no secret file).",
                f"At {d.name}: an OpenID Connect client for Genesys"
                + (f" (Terraform: {d.resource}, `migrate generate --terraform DIR`):" if d.resource else ":"),
            ]
            if d.resource:
                lines += [
                    (f"    redirect URI {d.redirect_uri} (exactly), response type code, grant types "
                     f"{' + '.join(GRANT_TYPES)},"),
                    f"    client authentication client_secret_basic, scopes {d.scope}.",
                ]
            else:
                lines += _client_steps(d)
            if d.client_id_unset:
                lines.append(f"  {d.name} assigns the client id: generate again with --client-id <it> so that the "
                             f"page signs in with it (the page says {UNSET_CLIENT_ID} until then).")
            lines.append("  The Zendesk claims, as the ID token carries them now (Genesys reads sub, email, name):")
            for c in d.claims:
                lines.append(f"    {c.zendesk} -> {c.idp or 'dropped'}: {c.how}")
            lines += [
                "In Genesys Cloud (Admin > Integrations > + Integrations):",
                "  1. Install \"OpenID Connect Messenger Configuration\":",
                f"       Configuration  Discovery URI  {self.discovery_uri}",
                f"       Credentials    Client ID      {client}",
                f"                      Client secret  {_secret_words(d)} (never shown here)",
                "     and activate it.",
                "  2. Admin > Message > Messenger Configurations: turn Authentication on and select that integration;",
                "     publish a new version.",
                f"  3. Messenger Deployments: deployment {self.deployment_id} ({self.region}) uses that configuration;",
                f"     allowed domains include {', '.join(self.allowed_domains)}.",
                ("Which signing algorithms, clock skew and JWKS caching Genesys applies to the ID token is not documented "
                 f"(unconfirmed); {d.name} signs with RS256 and publishes its keys in the discovery document's jwks_uri."),
            ]
            return "\n".join(lines) + "\n"

        def preflight(self, project) -> None:
            return None  # nothing is written on this machine (below)

        def materialize(self) -> list[str]:
            return []  # the IdP holds the client secret; nothing is created on this machine

    return IdpSide


def genesys_side(config, zendesk_claims: set[str]):
    from migrate.generate.genesys_side import genesys_side as default_side

    base = default_side(config)
    idp = IDPS[config.idp]
    details = IdpDetails(idp.kind, idp.name, config.idp_issuer, config.client_id,
                         config.client_id == UNSET_CLIENT_ID, config.redirect_uri, idp.scope,
                         claim_map(idp.kind, zendesk_claims), idp.resource)
    cls = _side_class()
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    values.update(discovery_uri=discovery_uri(config.idp_issuer), issuer=config.idp_issuer,
                  allowed_domains=tuple(h for h in [urlsplit(config.redirect_uri).hostname or ""] if h),
                  secret_file=Path("the idp_client_secret output" if idp.resource else
                                   f"the client secret {idp.name} shows"), idp=details)
    return cls(**values)


# --- Terraform ------------------------------------------------------------------------------------

def _hcl(value: str) -> str:
    from migrate.generate.terraform import hcl_string

    return hcl_string(value)


def terraform_context(config, side) -> dict:
    d = side.idp
    issuer = urlsplit(config.idp_issuer)
    path = issuer.path.rstrip("/")
    ctx: dict = {
        "idp_name": d.name, "issuer": d.issuer, "issuer_q": _hcl(d.issuer),
        "redirect_uri": _hcl(d.redirect_uri), "discovery_uri": _hcl(side.discovery_uri),
        "client_id": _hcl(config.client_id), "label": _hcl("Genesys Messenger"),
        "grant_types": "[" + ", ".join(_hcl(g) for g in GRANT_TYPES) + "]",
        "scopes": "[" + ", ".join(_hcl(s) for s in d.scope.split()) + "]",
        "external_id": any(c.zendesk == "external_id" for c in d.claims),
        "claims": d.claims,
    }
    if d.kind == "okta":
        host = issuer.hostname or ""
        org, _, base_url = host.partition(".")
        ctx.update(org_name=_hcl(org), base_url=_hcl(base_url), host=host,
                   okta_domain=base_url in _OKTA_DOMAINS,
                   auth_server_id=_hcl(path.rsplit("/", 1)[-1]) if path else None,
                   auth_server_default=path.rsplit("/", 1)[-1] == "default")
    elif d.kind == "entra":
        ctx.update(tenant_id=_hcl(path.strip("/").split("/")[0]))
    elif d.kind == "auth0":
        ctx.update(domain=_hcl(issuer.netloc), custom_domain=not (issuer.hostname or "").endswith(".auth0.com"))
    elif d.kind == "keycloak":
        base, _, realm = path.rpartition("/realms/")
        ctx.update(url=_hcl(f"{issuer.scheme}://{issuer.netloc}"), base_path=_hcl(base) if base else None,
                   realm=_hcl(realm))
    elif d.kind == "cognito":
        host = issuer.hostname or ""
        ctx.update(aws_region=_hcl(host.split(".")[1] if host.count(".") >= 3 else "us-east-1"),
                   user_pool_id=_hcl(path.strip("/")))
    return ctx


def terraform_files(config, side) -> dict[str, str]:
    """The Genesys side's files, pointing at the IdP, and `idp.tf` with the IdP's client (none for
    Google and other providers: they are set up by hand, as the text says)."""
    from migrate.generate import terraform as tf

    files = dict(tf.render_files(config, side))
    d = side.idp
    if not d.resource:
        files["README.md"] = files.get("README.md", "") + render("idp/README-manual.md.j2", idp_name=d.name,
                                                                 steps=_client_steps(d))
        return files
    files["idp.tf"] = render(f"idp/{d.kind}.tf.j2", **terraform_context(config, side))
    # One apply for both sides: the Genesys credential takes the client id and secret from the IdP's
    # resource, so the secret never passes through a variable or a shell.
    ref = f"{d.resource}.genesys_messenger"
    client_ref, secret_ref = _OUTPUTS[d.kind]
    main = files.get("main.tf", "")
    main = re.sub(r"(clientId\s*=\s*)" + re.escape(_hcl(config.client_id)), lambda m: m.group(1) + client_ref, main)
    main = re.sub(r"(clientSecret\s*=\s*)var\.oidc_client_secret\b", lambda m: m.group(1) + secret_ref, main)
    files["main.tf"] = main
    if "var.oidc_client_secret" not in "".join(files.values()).replace('variable "oidc_client_secret"', ""):
        files["variables.tf"] = re.sub(r'variable "oidc_client_secret" \{.*?\n\}\n\n?', "",
                                       files.get("variables.tf", ""), flags=re.DOTALL)
        files["README.md"] = re.sub(r"^\| `oidc_client_secret` \|.*\n", "", files.get("README.md", ""), flags=re.MULTILINE)
    files["README.md"] = files.get("README.md", "") + render(
        "idp/README.md.j2", idp_name=d.name, resource=d.resource, ref=ref, kind=d.kind,
        client_unset=d.client_id_unset, unset=UNSET_CLIENT_ID)
    return files


# The domains an Okta org lives under; any other host is taken for a custom URL domain, which the
# provider's org_name/base_url do not name (okta/terraform-provider-okta docs/index.md documents
# "okta.com|oktapreview.com"; okta-emea.com, Okta's EU cell, is unconfirmed there).
_OKTA_DOMAINS = ("okta.com", "oktapreview.com", "okta-emea.com")

# The client id and secret of each IdP's resource, as Terraform expressions.
_OUTPUTS = {
    "okta": ("okta_app_oauth.genesys_messenger.client_id", "okta_app_oauth.genesys_messenger.client_secret"),
    "entra": ("azuread_application.genesys_messenger.client_id",
              "azuread_application_password.genesys_messenger.value"),
    "auth0": ("auth0_client.genesys_messenger.client_id", "auth0_client_credentials.genesys_messenger.client_secret"),
    "keycloak": ("keycloak_openid_client.genesys_messenger.client_id",
                 "keycloak_openid_client.genesys_messenger.client_secret"),
    "cognito": ("aws_cognito_user_pool_client.genesys_messenger.id",
                "aws_cognito_user_pool_client.genesys_messenger.client_secret"),
}


# --- detection -> proposal ------------------------------------------------------------------------

def proposal(inventory) -> list[str]:
    """Notes for a default-path run on a site that signs in at an IdP: the IdP path exists (generate
    never switches by itself)."""
    found = getattr(inventory, "idps", ())
    if not found:
        return []
    first = found[0]
    where = ", ".join(f"{e.path}:{e.line}" for e in first.evidence[:3])
    issuer = first.issuer or IDPS[first.kind].example
    return [(f"the site signs in at {first.name} ({where}): Messenger can sign in there too, with no provider on "
             f"the site: `migrate generate --idp {first.kind} --idp-issuer {issuer} --redirect-uri <page URL>` "
             "(this run adds a provider, as asked)")]


def zendesk_claims(plan) -> set[str]:
    return {name for b in plan.backends for name in b.signer.claims}


__all__ = ["IDPS", "KINDS", "genesys_side", "keep_route", "plugin", "proposal", "settle", "terraform_files"]


def default_client_id(kind: str) -> str:
    """The client id when --client-id is not given: chosen here where the IdP lets the admin name it,
    a visible placeholder where the IdP makes it up."""
    return UNSET_CLIENT_ID if IDPS[kind].assigns_client_id else "genesys-messenger"
