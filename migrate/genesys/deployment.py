"""What `migrate verify-deployment` checks: is this Messenger deployment ready for authenticated chat?

One line per check, in order: the deployment exists and is Active; the configuration version it
serves is published; that version turns authentication on with an integration; the integration
exists and is active; with --issuer, the integration's discovery URI is the issuer's and the
issuer's discovery document offers code flow and an asymmetric signing algorithm (PKCE S256 is
optional for Genesys: its absence is a note);
with --site-origin, the page's origin is an allowed domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from migrate.genesys.client import Genesys, GenesysError
from migrate.genesys.model import ConfigVersion, Deployment

OK, FAIL, WARN, SKIP, UNKNOWN = "ok", "fail", "warn", "skip", "unknown"
WELL_KNOWN = "/.well-known/openid-configuration"
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
ALG_UNCONFIRMED = ("which ID-token signing algorithms Genesys accepts is not documented; RS256 (checked via "
                   "jwks_uri and kid) is the safe choice")
SCOPES_HINT = "run migrate verify-scopes --for verify to see which permission the client lacks"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, fail, warn, skip, unknown (could not tell)
    message: str
    hint: str | None = None


@dataclass
class DeploymentReport:
    deployment_id: str
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return any(c.status == FAIL for c in self.checks)

    @property
    def undecided(self) -> bool:
        return any(c.status == UNKNOWN for c in self.checks)


def issuer_and_discovery(value: str) -> tuple[str, str]:
    """(issuer, discovery URL) from --issuer, given as the issuer or as its discovery URL."""
    v = value.strip()
    if v.endswith(WELL_KNOWN):
        issuer = v[: -len(WELL_KNOWN)]
        return issuer, v
    return v, v.rstrip("/") + WELL_KNOWN


def _same_url(a: str, b: str) -> bool:
    try:  # the discovery URI comes from the server: a malformed one is simply not the same
        pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
        pa.port, pb.port
    except ValueError:
        return False
    return ((pa.scheme.lower(), (pa.hostname or "").lower(), pa.port, pa.path.rstrip("/"), pa.query)
            == (pb.scheme.lower(), (pb.hostname or "").lower(), pb.port, pb.path.rstrip("/"), pb.query))


def verify_deployment(session: Genesys, deployment_id: str, issuer: str | None = None,
                      site_origin: str | None = None) -> DeploymentReport:
    """Run the checks; GenesysError propagates only when nothing could be told (network, timeout)."""
    report = DeploymentReport(deployment_id)
    report.notes.extend(session.notes)
    add = report.checks.append
    later = ["configuration", "authentication", "integration"]
    if issuer:
        later += ["discovery-uri", "discovery-document"]
    if site_origin:
        later.append("site-origin")

    def skip_rest(names: list[str], why: str) -> None:
        for name in names:
            add(Check(name, SKIP, why))

    # 1. the deployment
    try:
        dep = session.deployment(deployment_id)
    except GenesysError as exc:
        if exc.kind == "not-found":
            add(Check("deployment", FAIL, f"deployment {deployment_id} does not exist in this org",
                      "copy the id from Admin > Message > Messenger Deployments, and check the region"))
        elif exc.kind == "forbidden":
            add(Check("deployment", UNKNOWN, "not allowed to read the deployment (403)", SCOPES_HINT))
        else:
            raise
        skip_rest(later, "needs the deployment")
        return report
    if (dep.status or "").lower() == "active":
        add(Check("deployment", OK, f"'{dep.name}' is Active"))
    else:
        pending = (dep.status or "").lower() == "pending"
        add(Check("deployment", FAIL, f"'{dep.name}' is {dep.status or 'without a status'}, not Active",
                  "a new or just-saved deployment is Pending for a few minutes: run this again shortly"
                  if pending else "open it in Admin > Message > Messenger Deployments, check its configuration "
                  "and save it again"))

    # 2. the configuration version it serves
    version, draft, why_not = _configuration(session, dep, add)
    if version is None:
        skip_rest(later[1:] if not site_origin else later[1:-1], why_not or "needs a published configuration")
        if site_origin:
            add(_site_origin(dep, site_origin, report))
        return report

    # 3. authentication on that version
    auth = version.auth
    where = f"version {version.version} of '{version.name or dep.configuration_id}'"
    if auth is None or not auth.enabled:
        hint = "turn on Authentication in the Messenger configuration, select the OpenID Connect integration, and publish"
        if draft is not None and draft.auth is not None and draft.auth.enabled:
            hint = "the draft turns authentication on but is not published: publish the configuration"
        add(Check("authentication", FAIL, f"authentication is off in {where}", hint))
        skip_rest([n for n in later[2:] if n != "site-origin"], "authentication is off")
    elif not auth.integration_id:
        add(Check("authentication", FAIL, f"authentication is on in {where} but no integration is selected",
                  "select the 'OpenID Connect Messenger Configuration' integration and publish"))
        skip_rest([n for n in later[2:] if n != "site-origin"], "no integration selected")
    else:
        add(Check("authentication", OK, f"on in {where}, integration {auth.integration_id}"))
        _integration(session, auth.integration_id, issuer, report)

    if site_origin:
        add(_site_origin(dep, site_origin, report))
    if not issuer:
        report.notes.append("pass --issuer to check the integration's discovery URI and your identity "
                            "provider's discovery document")
    return report


def _configuration(session: Genesys, dep: Deployment, add) -> tuple[ConfigVersion | None, ConfigVersion | None, str | None]:
    """Check the configuration version the deployment serves; return (it if published, the draft, why not)."""
    cfg, wanted = dep.configuration_id, dep.configuration_version
    if not cfg:
        add(Check("configuration", FAIL, "the deployment has no Messenger configuration",
                  "select a configuration (and a published version) on the deployment"))
        return None, None, "no configuration"
    try:
        versions = session.config_versions(cfg)
    except GenesysError as exc:
        if exc.kind == "forbidden":
            add(Check("configuration", UNKNOWN, f"not allowed to read configuration {cfg} (403)", SCOPES_HINT))
            return None, None, "the configuration could not be read"
        if exc.kind == "not-found":
            add(Check("configuration", FAIL, f"configuration {cfg} does not exist",
                      "select an existing configuration on the deployment"))
            return None, None, "no configuration"
        raise
    draft = next((v for v in versions if v.is_draft), None)
    published = sorted((v for v in versions if not v.is_draft and v.date_published),
                       key=lambda v: _as_int(v.version))
    if not wanted or wanted.lower() == "draft":
        if not published:
            add(Check("configuration", FAIL, f"configuration {cfg} has never been published (only a draft)",
                      "publish the configuration in Admin > Message > Messenger Configurations"))
            return None, draft, "the configuration is not published"
        wanted = published[-1].version or ""
    try:
        version = session.config_version(cfg, wanted)
    except GenesysError as exc:
        if exc.kind == "not-found":
            add(Check("configuration", FAIL, f"version {wanted} of configuration {cfg} does not exist",
                      "select a published version on the deployment"))
            return None, draft, "the configuration version does not exist"
        if exc.kind == "forbidden":
            add(Check("configuration", UNKNOWN, f"not allowed to read configuration {cfg} (403)", SCOPES_HINT))
            return None, draft, "the configuration could not be read"
        raise
    name = version.name or cfg
    if version.is_draft or not version.date_published:
        add(Check("configuration", FAIL, f"version {version.version} of '{name}' is not published"
                  + (f" (status {version.status})" if version.status else ""),
                  "publish the configuration and select the published version on the deployment"))
        return None, draft, "the configuration version is not published"
    message = f"'{name}' version {version.version} is published ({version.date_published[:10]})"
    newest = published[-1] if published else None
    if newest is not None and _as_int(newest.version) > _as_int(version.version):
        add(Check("configuration", WARN, message + f"; version {newest.version} is newer",
                  "select the newest version on the deployment if its changes should reach the site"))
    elif draft is not None and draft.date_modified and draft.date_modified > version.date_published:
        add(Check("configuration", WARN, message + "; the draft has changes made after that",
                  "publish the configuration if those changes should reach the site"))
    else:
        add(Check("configuration", OK, message))
    return version, draft, None


def _as_int(version: str | None) -> int:
    try:
        return int(version or "")
    except ValueError:
        return -1


def _integration(session: Genesys, integration_id: str, issuer: str | None, report: DeploymentReport) -> None:
    add = report.checks.append
    rest = ["discovery-uri", "discovery-document"] if issuer else []
    try:
        integ = session.integration(integration_id)
    except GenesysError as exc:
        if exc.kind == "not-found":
            add(Check("integration", FAIL, f"integration {integration_id} does not exist (deleted?)",
                      "install an 'OpenID Connect Messenger Configuration' in Admin > Integrations, select it "
                      "in the Messenger configuration and publish"))
        elif exc.kind == "forbidden":
            add(Check("integration", UNKNOWN, f"not allowed to read integration {integration_id} (403)", SCOPES_HINT))
        else:
            raise
        for name in rest:
            add(Check(name, SKIP, "needs the integration"))
        return
    kind = " ".join(filter(None, (integ.type_id, integ.type_name))).lower()
    label = f"'{integ.name}'" + (f" ({integ.type_name or integ.type_id})" if integ.type_name or integ.type_id else "")
    intended, reported = (integ.intended_state or "").upper(), (integ.reported_state or "").upper()
    if intended != "ENABLED":
        add(Check("integration", FAIL, f"{label} is {integ.intended_state or 'not enabled'}, not ENABLED",
                  "activate it in Admin > Integrations"))
    elif reported and reported != "ACTIVE":
        add(Check("integration", FAIL, f"{label} is enabled but reports {integ.reported_state}",
                  "open it in Admin > Integrations: check its Discovery URI and credentials"))
    elif kind and "openid" not in kind and "oidc" not in kind:
        add(Check("integration", WARN, f"{label} is active but does not look like an 'OpenID Connect Messenger "
                  "Configuration'", "Authenticated Messenger needs that integration type"))
    else:
        add(Check("integration", OK, f"{label} is enabled and active"))
    if issuer:
        _discovery(session, integration_id, issuer, report)


def _discovery(session: Genesys, integration_id: str, issuer_arg: str, report: DeploymentReport) -> None:
    add = report.checks.append
    issuer, expected = issuer_and_discovery(issuer_arg)
    try:
        props = session.integration_config(integration_id).properties
    except GenesysError as exc:
        if exc.kind not in ("forbidden", "not-found"):
            raise
        add(Check("discovery-uri", UNKNOWN, f"could not read the integration's configuration ({exc.status})",
                  SCOPES_HINT if exc.kind == "forbidden" else None))
        props = None
    if props is not None:
        key = next((k for k in props if k.lower() == "discoveryuri"), None) or \
            next((k for k in props if "discovery" in k.lower()), None)
        if key is None:
            add(Check("discovery-uri", UNKNOWN, "the integration's configuration has no discovery URI property",
                      "set the Discovery URI of the integration in Admin > Integrations > Configuration"))
            report.unconfirmed.append("the name of the integration property holding the Discovery URI "
                                      "(read as 'discoveryUri') comes from third-party examples, not Genesys docs")
        else:
            found = str(props[key])
            if _same_url(found, expected) or _same_url(found, issuer):
                add(Check("discovery-uri", OK, f"the integration's discovery URI is {found}"))
            else:
                add(Check("discovery-uri", FAIL, f"the integration's discovery URI is {found}, not {expected}",
                          "set the integration's Discovery URI to your identity provider's, or pass the right --issuer"))

    try:
        doc = session.fetch_json(expected, "reading the discovery document")
    except GenesysError as exc:
        add(Check("discovery-document", FAIL, f"{expected} is not reachable: {exc.message}",
                  "Genesys fetches this document from the internet: it must be public"))
        return
    add(_discovery_document(doc, issuer, expected, report))


def _discovery_document(doc: dict, issuer: str, url: str, report: DeploymentReport) -> Check:
    def listed(key: str) -> list[str]:
        value = doc.get(key)
        return [str(v) for v in value] if isinstance(value, list) else []

    problems = []
    doc_issuer = str(doc.get("issuer") or "")
    if not doc_issuer:
        problems.append("it has no issuer")
    elif doc_issuer != issuer:
        if doc_issuer.rstrip("/") == issuer.rstrip("/"):
            report.notes.append(f"the issuer is '{doc_issuer}' exactly (trailing slash included): ID tokens "
                                "carry that value")
        else:
            problems.append(f"its issuer is {doc_issuer}, not {issuer}")
    if "code" not in listed("response_types_supported"):
        problems.append("response_types_supported does not list code")
    grants = listed("grant_types_supported")
    if grants and "authorization_code" not in grants:
        problems.append("grant_types_supported does not list authorization_code")
    methods = listed("code_challenge_methods_supported")
    pkce = "S256" in methods
    if not pkce:
        # PKCE is optional for Genesys (codeVerifier "required if PKCE flow is enabled"), and Microsoft
        # Entra ID supports S256 without advertising it: not a failure.
        report.notes.append("the discovery document does not advertise PKCE S256 ("
                            + (f"code_challenge_methods_supported: {', '.join(methods)}" if methods else
                               "no code_challenge_methods_supported") + "); Genesys treats PKCE as optional and "
                            "some identity providers (Microsoft Entra ID) support S256 without listing it")
    algs = listed("id_token_signing_alg_values_supported")
    asym = [a for a in algs if a in ASYMMETRIC]
    if not asym:
        problems.append("id_token_signing_alg_values_supported lists no asymmetric algorithm (RS256, ES256, ...)"
                        + (f": only {', '.join(algs)}" if algs else ""))
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not doc.get(key):
            problems.append(f"it has no {key}")
    report.unconfirmed.append(ALG_UNCONFIRMED)
    if problems:
        return Check("discovery-document", FAIL, f"{url}: " + "; ".join(problems),
                     "configure the identity provider for authorization-code flow and RS256 ID tokens")
    return Check("discovery-document", OK, f"reachable from here; code flow, {'S256, ' if pkce else ''}"
                 f"{', '.join(asym)}", None)


def _origin(value: str) -> tuple[str | None, str, int | None]:
    v = value.strip()
    parts = urlsplit(v if "://" in v else "//" + v)
    scheme = parts.scheme.lower() or None
    port = parts.port
    if scheme and port == {"https": 443, "http": 80}.get(scheme):
        port = None
    return scheme, (parts.hostname or "").lower(), port


def _site_origin(dep: Deployment, site_origin: str, report: DeploymentReport) -> Check:
    if dep.allow_all_domains:
        return Check("site-origin", OK, f"the deployment allows all domains, {site_origin} included",
                     None)
    scheme, host, port = _origin(site_origin)
    if not host:
        return Check("site-origin", FAIL, f"--site-origin {site_origin!r} is not an origin like https://www.example.com")
    for entry in dep.allowed_domains:
        e_scheme, e_host, e_port = _origin(entry)
        if e_scheme and scheme and e_scheme != scheme:
            continue
        if e_port is not None and e_port != port:
            continue
        if e_host == host or (e_host.startswith("*.") and host.endswith(e_host[1:])):
            if e_host.startswith("*."):
                report.unconfirmed.append("whether Genesys treats '*.' in allowed domains as a wildcard is not documented")
            return Check("site-origin", OK, f"{site_origin} is allowed ({entry})")
    listed = ", ".join(dep.allowed_domains) or "none"
    return Check("site-origin", FAIL, f"{site_origin} is not in the deployment's allowed domains ({listed})",
                 "add it under Allowed domains on the deployment in Admin > Message > Messenger Deployments")
