"""Which identity provider the site already signs its visitors in at (Okta, Entra ID, Auth0,
Keycloak, Cognito, Google, any OpenID provider), read from its code and configuration: next-auth
providers, passport strategies, omniauth, mozilla-django-oidc, django-allauth, Spring's
`spring.security.oauth2.client.provider.*`, ASP.NET `AddOpenIdConnect` / `AddMicrosoftIdentityWebApp`,
Laravel Socialite, and environment names such as OKTA_ISSUER, AUTH0_DOMAIN, AZURE_AD_TENANT_ID.

Only names, and values that are URLs, host names, tenant or user-pool ids, are kept: a value whose
name says secret, password, key or token is never read. Files are walked like the scan walks
(.gitignore honoured, dependency folders skipped), with their own byte prefilter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from migrate import files

KINDS = ("okta", "entra", "auth0", "keycloak", "cognito", "google", "oidc")
NAMES = {"okta": "Okta", "entra": "Microsoft Entra ID", "auth0": "Auth0", "keycloak": "Keycloak",
         "cognito": "Amazon Cognito", "google": "Google", "oidc": "an OpenID provider"}
MAX_BYTES = 1024 * 1024

_CODE = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".py", ".rb", ".php", ".cs", ".java", ".kt",
         ".go", ".vue", ".svelte")
_CONFIG = (".yml", ".yaml", ".properties", ".toml", ".config", ".env", ".ini", ".cfg")
_NAMED = ("package.json", "composer.json", "Gemfile", "appsettings.json", "requirements.txt", "Pipfile")
NEEDLES = (b"kta", b"KTA", b"uth0", b"UTH0", b"zure", b"ZURE", b"icrosoft", b"ntra", b"eycloak", b"EYCLOAK",
           b"ognito", b"OGNITO", b"oogle", b"OOGLE", b"penId", b"penID", b"penid", b"OIDC", b"oidc", b"Oidc",
           b"issuer-uri", b"ocialite")


@dataclass(frozen=True, slots=True)
class Evidence:
    path: str
    line: int
    what: str  # e.g. "next-auth Okta provider", "OKTA_ISSUER"


@dataclass(frozen=True, slots=True)
class IdpFound:
    kind: str
    name: str
    issuer: str | None  # from the code or configuration, when it is written there
    evidence: tuple[Evidence, ...]


# --- what is recognised --------------------------------------------------------------------------

# (kind, pattern, what): libraries and framework calls. A pattern with a group (provider name)
# reads the kind from it through _ALIASES.
_LIBRARIES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (kind, re.compile(rx), what) for kind, rx, what in (
        # next-auth / Auth.js
        ("okta", r"(?:next-auth|@auth/[\w-]+)/providers/okta\b|\bOktaProvider\s*\(", "next-auth Okta provider"),
        ("entra", r"(?:next-auth|@auth/[\w-]+)/providers/(?:azure-ad|microsoft-entra-id)\b|\b(?:AzureADProvider|"
                  r"MicrosoftEntraID(?:Provider)?)\s*\(", "next-auth Entra ID provider"),
        ("auth0", r"(?:next-auth|@auth/[\w-]+)/providers/auth0\b|\bAuth0Provider\s*\(", "next-auth Auth0 provider"),
        ("keycloak", r"(?:next-auth|@auth/[\w-]+)/providers/keycloak\b|\bKeycloakProvider\s*\(",
         "next-auth Keycloak provider"),
        ("cognito", r"(?:next-auth|@auth/[\w-]+)/providers/cognito\b|\bCognitoProvider\s*\(",
         "next-auth Cognito provider"),
        ("google", r"(?:next-auth|@auth/[\w-]+)/providers/google\b|\bGoogleProvider\s*\(", "next-auth Google provider"),
        # passport strategies and Node SDKs
        ("okta", r"[\"'](?:passport-okta-oauth\w*|@okta/(?:oidc-middleware|okta-auth-js|okta-react))[\"']",
         "Okta library"),
        ("entra", r"[\"'](?:passport-azure-ad|@azure/msal-(?:node|browser|react))[\"']", "Microsoft identity library"),
        ("auth0", r"[\"'](?:passport-auth0|express-openid-connect|@auth0/[\w-]+)[\"']", "Auth0 library"),
        ("keycloak", r"[\"'](?:passport-keycloak[\w-]*|keycloak-connect|keycloak-js)[\"']", "Keycloak library"),
        ("cognito", r"[\"'](?:amazon-cognito-identity-js|aws-amplify|@aws-amplify/auth)[\"']", "Cognito library"),
        ("google", r"[\"']passport-google-oauth(?:20|2)?[\"']", "passport Google strategy"),
        ("oidc", r"[\"'](?:passport-openidconnect|openid-client|oidc-client-ts)[\"']", "OpenID Connect library"),
        # omniauth (Ruby)
        ("okta", r"\bomniauth-okta\b|provider\s+:okta\b", "omniauth Okta"),
        ("entra", r"\bomniauth-(?:azure-activedirectory-v2|entra-id)\b|provider\s+:(?:azure_activedirectory_v2|entra_id)\b",
         "omniauth Entra ID"),
        ("auth0", r"\bomniauth-auth0\b|provider\s+:auth0\b", "omniauth Auth0"),
        ("keycloak", r"\bomniauth-keycloak\b|provider\s+:keycloak_openid\b", "omniauth Keycloak"),
        ("cognito", r"\bomniauth-cognito-idp\b|provider\s+:cognito_idp\b", "omniauth Cognito"),
        ("google", r"\bomniauth-google-oauth2\b|provider\s+:google_oauth2\b", "omniauth Google"),
        ("oidc", r"\bomniauth_openid_connect\b|provider\s+:openid_connect\b", "omniauth OpenID Connect"),
        # Python
        ("oidc", r"\bmozilla_django_oidc\b|\bOIDC_OP_AUTHORIZATION_ENDPOINT\b", "mozilla-django-oidc"),
        ("okta", r"allauth\.socialaccount\.providers\.okta\b", "django-allauth Okta"),
        ("entra", r"allauth\.socialaccount\.providers\.microsoft\b", "django-allauth Microsoft"),
        ("auth0", r"allauth\.socialaccount\.providers\.auth0\b", "django-allauth Auth0"),
        ("cognito", r"allauth\.socialaccount\.providers\.amazon_cognito\b", "django-allauth Cognito"),
        ("google", r"allauth\.socialaccount\.providers\.google\b", "django-allauth Google"),
        ("oidc", r"allauth\.socialaccount\.providers\.openid_connect\b", "django-allauth OpenID Connect"),
        ("entra", r"\bimport\s+msal\b|\bfrom\s+msal\b", "MSAL for Python"),
        # ASP.NET
        ("entra", r"\bAddMicrosoftIdentityWebApp\s*\(", "AddMicrosoftIdentityWebApp"),
        ("oidc", r"\bAddOpenIdConnect\s*\(", "AddOpenIdConnect"),
        # Spring (Java / Kotlin code)
        ("oidc", r"\boauth2Login\s*\(", "Spring Security oauth2Login"),
    ))

_SOCIALITE = re.compile(r"Socialite::driver\(\s*['\"]([\w-]+)['\"]|socialiteproviders/([\w-]+)")
_SPRING = re.compile(r"spring\.security\.oauth2\.client\.(?:provider|registration)\.([\w-]+)\.([\w-]+)"
                     r"(?:\s*[=:]\s*(\S+))?")
_SPRING_YAML = re.compile(r"^(\s*)(provider|registration):\s*$", re.MULTILINE)
_ALIASES = {"okta": "okta", "azure": "entra", "azuread": "entra", "azure-ad": "entra", "microsoft": "entra",
            "entra": "entra", "auth0": "auth0", "keycloak": "keycloak", "cognito": "cognito", "google": "google",
            "oidc": "oidc", "openid": "oidc"}

# Environment / configuration names: (kind, pattern).
_ENV = tuple((kind, re.compile(rx)) for kind, rx in (
    ("okta", r"\bOKTA_(?:ISSUER|DOMAIN|ORG_URL|BASE_URL|CLIENT_ID|OAUTH2_ISSUER|URL)\b"),
    ("auth0", r"\bAUTH0_(?:DOMAIN|ISSUER(?:_BASE_URL)?|ISSUER_URL|BASE_URL|CLIENT_ID)\b"),
    ("entra", r"\b(?:AZURE_AD|AZUREAD|AZURE_ENTRA|ENTRA|ENTRA_ID|MICROSOFT_ENTRA_ID)_(?:TENANT_ID|CLIENT_ID|ISSUER|"
              r"AUTHORITY)\b"),
    ("keycloak", r"\bKEYCLOAK_(?:ISSUER|URL|REALM|BASE_URL|AUTH_SERVER_URL|CLIENT_ID)\b"),
    ("cognito", r"\b(?:AWS_)?COGNITO_(?:USER_POOL_ID|ISSUER|DOMAIN|CLIENT_ID|POOL_ID|REGION)\b"),
    ("google", r"\bGOOGLE_(?:OAUTH_)?CLIENT_ID\b"),
    ("oidc", r"\b(?<!GENESYS_)OIDC_(?:ISSUER|ISSUER_URL|DISCOVERY_URL|PROVIDER_URL|CLIENT_ID)\b"),
))
# ASP.NET appsettings: "AzureAd": { "TenantId": ... }
_APPSETTINGS = re.compile(r"[\"'](?:AzureAd|AzureAD|EntraId)[\"']\s*:\s*\{")

# Issuer-looking URLs.
_URLS = tuple((kind, re.compile(rx)) for kind, rx in (
    ("okta", r"https://[\w.-]+\.(?:okta|oktapreview|okta-emea)\.com(?:/oauth2/[\w-]+)?"),
    ("entra", r"https://login\.microsoftonline\.com/[\w.-]+/v2\.0"),
    ("auth0", r"https://[\w.-]+\.auth0\.com/?"),
    ("keycloak", r"https?://[\w.:-]+(?:/auth)?/realms/[\w.-]+"),
    ("cognito", r"https://cognito-idp\.[\w-]+\.amazonaws\.com/[\w-]+_\w+"),
    ("google", r"https://accounts\.google\.com\b"),
))

_SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|PRIVATE|TOKEN|(?<!CLOAK)_KEY\b|API_KEY|secret|password", re.IGNORECASE)
_ASSIGN = re.compile(r"""^\s*(?:export\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*[=:]\s*["']?([^"'\s#,]*)""")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_HOST = re.compile(r"^(?:https?://)?([\w-]+(?:\.[\w-]+)+)(/[\w./-]*)?$")


def _issuer_from(kind: str, name: str, value: str) -> str | None:
    """An issuer from a configuration value, when the value gives one (never from a secret's name)."""
    if not value or _SECRET_NAME.search(name) or "${" in value or value.startswith(("<", "{", "%", "$")):
        return None
    upper = name.upper()
    for k, rx in _URLS:
        if k == kind:
            m = rx.match(value)
            if m:
                return m.group(0).rstrip("/") + ("/" if kind == "auth0" else "")
    if kind == "auth0" and "DOMAIN" in upper:
        m = _HOST.match(value)
        if m and not m.group(2):
            return f"https://{m.group(1)}/"
    if kind == "entra" and "TENANT" in upper and _UUID.match(value):
        return f"https://login.microsoftonline.com/{value.lower()}/v2.0"
    if kind == "cognito" and "POOL" in upper and re.fullmatch(r"([a-z]{2}-[a-z]+-\d)_\w+", value):
        return f"https://cognito-idp.{value.split('_')[0]}.amazonaws.com/{value}"
    if kind in ("oidc", "keycloak", "okta") and "ISSUER" in upper and value.startswith("https://"):
        return value.rstrip("/")
    return None


def _wanted(name: str) -> bool:
    lower = name.lower()
    if name in _NAMED or lower.startswith(".env") or lower.endswith(".env"):
        return True
    if lower.startswith("appsettings") and lower.endswith(".json"):
        return True
    return lower.endswith(_CODE + _CONFIG) and not lower.endswith((".min.js", ".lock"))


def walk(root: str) -> Iterator[tuple[str, str]]:
    """(absolute path, relative path) of every file detection reads, as the scan walks (only
    those holding one of the needles)."""
    for item in files.walk(root):
        if isinstance(item, files.Candidate) and item.idp:
            yield item.path, item.rel


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def scan_text(rel: str, text: str) -> list[tuple[str, Evidence, str | None]]:
    """(kind, evidence, issuer or None) for one file's text."""
    out: list[tuple[str, Evidence, str | None]] = []
    for kind, rx, what in _LIBRARIES:
        for m in rx.finditer(text):
            out.append((kind, Evidence(rel, _line(text, m.start()), what), None))
            break
    for m in _SOCIALITE.finditer(text):
        kind = _ALIASES.get((m.group(1) or m.group(2) or "").lower().split("-")[0])
        if kind:
            out.append((kind, Evidence(rel, _line(text, m.start()), f"Laravel Socialite {m.group(1) or m.group(2)}"),
                        None))
    for m in _SPRING.finditer(text):
        name, prop, value = m.group(1), m.group(2), (m.group(3) or "").strip("\"'")
        kind = _ALIASES.get(name.lower(), "oidc")
        issuer = value.rstrip("/") if prop == "issuer-uri" and value.startswith("https://") else None
        out.append((_kind_of_url(issuer) or kind, Evidence(rel, _line(text, m.start()),
                                                          f"spring.security.oauth2.client {name}"), issuer))
    if rel.endswith((".yml", ".yaml")) and "oauth2" in text:
        out += _spring_yaml(rel, text)
    for kind, rx in _ENV:
        for m in rx.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            line = text[line_start:line_end if line_end >= 0 else len(text)]
            a = _ASSIGN.match(line)
            issuer = _issuer_from(kind, a.group(1), a.group(2)) if a and a.group(1) == m.group(0) else None
            out.append((kind, Evidence(rel, _line(text, m.start()), m.group(0)), issuer))
    m = _APPSETTINGS.search(text)
    if m:
        tenant = re.search(r"[\"']TenantId[\"']\s*:\s*[\"']([0-9a-fA-F-]{36})[\"']", text[m.end():m.end() + 2000])
        issuer = f"https://login.microsoftonline.com/{tenant.group(1).lower()}/v2.0" if tenant else None
        out.append(("entra", Evidence(rel, _line(text, m.start()), "AzureAd settings"), issuer))
    for kind, rx in _URLS:
        m = rx.search(text)
        if m:
            value = m.group(0).rstrip("/") + ("/" if kind == "auth0" else "")
            out.append((kind, Evidence(rel, _line(text, m.start()), f"issuer URL {value}"), value))
    return out


def _kind_of_url(url: str | None) -> str | None:
    if not url:
        return None
    return next((k for k, rx in _URLS if rx.match(url)), None)


def _spring_yaml(rel: str, text: str) -> list[tuple[str, Evidence, str | None]]:
    """application.yml: spring.security.oauth2.client.provider.<name>.issuer-uri, nested."""
    out = []
    for m in _SPRING_YAML.finditer(text):
        indent = len(m.group(1))
        for child in re.finditer(r"^( +)([\w-]+):\s*$", text[m.end():], re.MULTILINE):
            if len(child.group(1)) <= indent:
                break
            if len(child.group(1)) != indent + 2 and len(child.group(1)) != indent + 4:
                continue
            name = child.group(2)
            at = m.end() + child.start()
            block = text[m.end() + child.end():m.end() + child.end() + 600]
            issuer_m = re.search(r"issuer-uri:\s*[\"']?(https://[^\s\"']+)", block)
            issuer = issuer_m.group(1).rstrip("/") if issuer_m else None
            kind = _kind_of_url(issuer) or _ALIASES.get(name.lower(), "oidc")
            out.append((kind, Evidence(rel, _line(text, at), f"spring.security.oauth2.client {m.group(2)} {name}"),
                        issuer))
    return out


_ORDER = {k: i for i, k in enumerate(("okta", "entra", "auth0", "keycloak", "cognito", "oidc", "google"))}


# What one file says: (kind, evidence, the issuer it names).
Said = list[tuple[str, Evidence, "str | None"]]


def detect(root: str, walked: Iterable[tuple[str, str]] | None = None) -> tuple[IdpFound, ...]:
    """Every identity provider the site's code and configuration name, the likeliest first: one
    with an issuer written down, then the one with most evidence; Google (often one social login
    among others) and a generic OpenID provider after the named enterprise IdPs.  walked: the
    files to read, (path, relative path), when the scan's walk already found them."""
    return combine(evidence(path, rel) for path, rel in (walk(root) if walked is None else walked))


def evidence(path: str, rel: str) -> Said:
    """What one file says about identity providers (the scan's workers call this for each file
    they analyse; combine joins the files' answers, in the order of their relative paths)."""
    try:
        data = files.read_bytes(path, MAX_BYTES)
    except OSError:
        return []
    return said(rel, data)


def said(rel: str, data: bytes) -> Said:
    """What a file's bytes (all of them, or more than MAX_BYTES) say about identity providers."""
    if len(data) > MAX_BYTES or b"\0" in data[:4096] or not any(n in data for n in NEEDLES):
        return []
    return scan_text(rel, data.decode("utf-8", "replace"))


def combine(per_file: Iterable[Said]) -> tuple[IdpFound, ...]:
    """The identity providers, likeliest first (see detect), from each file's evidence."""
    found: dict[str, list[Evidence]] = {}
    issuers: dict[str, str] = {}
    for answer in per_file:
        for kind, said, issuer in answer:
            seen = found.setdefault(kind, [])
            if all((e.path, e.line) != (said.path, said.line) for e in seen):
                seen.append(said)
            if issuer and kind not in issuers:
                issuers[kind] = issuer
    # A generic OpenID library or setting whose issuer is a known IdP's belongs to that IdP.
    if "oidc" in issuers and (known := _kind_of_url(issuers["oidc"])) and known != "oidc":
        found.setdefault(known, []).extend(found.pop("oidc"))
        issuers.setdefault(known, issuers.pop("oidc"))
    # A generic OpenID library next to one known IdP's URL (mozilla-django-oidc with a Keycloak
    # endpoint) is that IdP.
    url_only = [k for k, ev in found.items() if k != "oidc" and all(e.what.startswith("issuer URL") for e in ev)]
    if "oidc" in found and "oidc" not in issuers and len(url_only) == 1:
        found[url_only[0]].extend(found.pop("oidc"))
    # URLs alone (a link to accounts.google.com) are not a sign-in: keep a kind only with more.
    result = [IdpFound(k, NAMES[k], issuers.get(k), tuple(sorted(ev, key=lambda e: (e.path, e.line))))
              for k, ev in found.items() if any(not e.what.startswith("issuer URL") for e in ev)]
    result.sort(key=lambda f: (f.kind == "google", f.issuer is None, -len(f.evidence), _ORDER[f.kind]))
    return tuple(result)
