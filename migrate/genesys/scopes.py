"""What `migrate verify-scopes` checks and concludes: does this OAuth client have the rights a step needs?

A client-credentials client gets its rights from roles (`roleDivisions`); each role grants
`permissionPolicies` ({domain, entityName, actionSet}). A required permission domain:entity:action
is granted when a policy has that domain and the entity (or "*") and the action (or "*") in its
action set; names compare case-insensitively. The required sets are data: mappings/permissions.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Callable

from migrate.data import shipped_yaml
from migrate.genesys.client import Genesys, GenesysError
from migrate.genesys.model import OAuthClientInfo, Policy, Role

CLIENT_CREDENTIALS = "CLIENT-CREDENTIALS"

MESSENGER_NOTE = (
    "A client-credentials token is for the Platform API (what migrate uses to read and deploy); it can never "
    "authenticate Messenger. Authenticated Messenger signs visitors in with OpenID Connect code flow against "
    "your site's own identity provider, through an 'OpenID Connect Messenger Configuration' integration; no "
    "Genesys OAuth token goes to the widget (check that side with migrate verify-deployment).")

_GRANT_MEANING = {
    "CODE": "A Code Authorization client signs a person in to a Genesys Cloud app; its tokens carry that "
            "person's rights.",
    "TOKEN": "An Implicit Grant client gives a browser app a token for the person signed in to Genesys Cloud.",
    "SAML2-BEARER": "A SAML2 Bearer client trades a SAML assertion for a person's token.",
    "PASSWORD": "A Resource Owner Password client signs a person in with their password.",
}


def create_instead(purpose: str) -> str:
    names = ", ".join(r.permission for r in required(purpose))
    return ("Create a client for migrate instead: Admin > Integrations > OAuth > Add Client, Grant Type "
            f"'Client Credentials', with a role (in Admin > Roles / Permissions) that has {names}.")


@dataclass(frozen=True)
class Required:
    permission: str  # domain:entity:action as Genesys spells it
    operation: str   # what needs it


@cache
def _data() -> dict:
    return shipped_yaml("permissions.yaml")


def purposes() -> tuple[str, ...]:
    return tuple(_data()["purposes"])


def description(purpose: str) -> str:
    return _data()["purposes"][purpose]["description"]


def required(purpose: str) -> tuple[Required, ...]:
    """The permissions `purpose` (verify, deploy) needs, its included purposes first, no duplicates."""
    spec = _data()["purposes"].get(purpose)
    if spec is None:
        raise KeyError(f"unknown purpose {purpose!r}; use one of {', '.join(purposes())}")
    out: dict[str, Required] = {}
    for inner in spec.get("includes", ()):
        for r in required(inner):
            out.setdefault(r.permission.lower(), r)
    for item in spec["permissions"]:
        out.setdefault(item["permission"].lower(), Required(item["permission"], item["operation"]))
    return tuple(out.values())


def self_permission(name: str) -> Required:
    """One of the permissions verify-scopes itself needs (oauth:client:view, authorization:role:view)."""
    for item in _data()["self"]:
        if item["permission"].lower() == name.lower():
            return Required(item["permission"], item["operation"])
    raise KeyError(name)


def scopes_for(purpose: str) -> tuple[str, ...]:
    return tuple(_data()["scopes"].get(purpose, ()))


def grants(policy: Policy, permission: str) -> bool:
    """Does this policy grant domain:entity:action?  "*" in entity or action matches anything."""
    domain, entity, action = (part.strip().lower() for part in permission.split(":", 2))
    if policy.domain.strip().lower() != domain:
        return False
    if policy.entity.strip().lower() not in ("*", entity):
        return False
    return any(a.strip().lower() in ("*", action) for a in policy.actions)


# ---------------------------------------------------------------------------------------------
# the report


@dataclass(frozen=True)
class RoleLine:
    id: str
    name: str
    divisions: tuple[str, ...]  # "*" = all divisions
    readable: bool
    error: str | None = None


@dataclass(frozen=True)
class PermissionLine:
    permission: str
    operation: str
    status: str  # granted, missing, unknown (a role that could not be read might grant it)
    granted_by: tuple[str, ...] = ()


@dataclass
class ScopeReport:
    purpose: str
    client_id: str
    client: OAuthClientInfo | None = None
    organization: str | None = None
    roles: list[RoleLine] = field(default_factory=list)
    lines: list[PermissionLine] = field(default_factory=list)
    missing: list[Required] = field(default_factory=list)  # by name, with the operation that needs each
    problem: str | None = None      # the client itself is the wrong kind / not usable
    fix: str | None = None
    notes: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return bool(self.missing or self.problem)


def verify_scopes(open_session: Callable[[], Genesys], client_id: str, purpose: str) -> ScopeReport:
    """Get a token with `open_session`, read who this client is and what its roles grant, compare
    with what `purpose` needs.  GenesysError propagates when it could not tell (network, credentials)."""
    required(purpose)  # unknown purpose: KeyError before any network
    report = ScopeReport(purpose=purpose, client_id=client_id)
    try:
        session = open_session()
    except GenesysError as exc:
        if exc.kind != "grant":
            raise
        report.problem = (f"{exc.refusal or exc.message}. Genesys gives client-credentials tokens only to clients whose grant "
                          "type is Client Credentials: this one is most likely a Code Authorization (or "
                          "Implicit, SAML2 Bearer, Password) client.")
        report.fix = create_instead(purpose)
        report.unconfirmed.append("that this refusal means the client has another grant type is inferred from "
                                  "the OAuth 2.0 error, not from Genesys documentation")
        report.notes.append(MESSENGER_NOTE)
        return report
    report.notes.extend(session.notes)

    info = session.token_info()
    if info.client is None:
        raise GenesysError("http", "tokens/me did not describe the OAuth client of this token",
                           "is --api-host a Genesys Cloud API host?")
    report.organization = info.organization_name or info.organization_id
    client = info.client
    try:
        client = _merge(client, session.oauth_client(client.id or client_id))
    except GenesysError as exc:
        if exc.kind == "forbidden":
            report.missing.append(self_permission("oauth:client:view"))
            report.notes.append("the client was described from tokens/me (it could not be read: 403)")
        elif exc.kind == "not-found":
            report.notes.append("the client was described from tokens/me (reading it answered 404)")
        else:
            raise
    report.client = client

    if client.grant_type.upper() != CLIENT_CREDENTIALS:
        meaning = _GRANT_MEANING.get(client.grant_type.upper(), "")
        report.problem = (f"this OAuth client's grant type is {client.grant_type}, not Client Credentials. "
                          f"{meaning} migrate's checks and deploys run unattended, with the client's own roles.").replace("  ", " ")
        report.fix = create_instead(purpose)
        wanted = scopes_for(purpose)
        have = {s.lower() for s in client.scopes}
        lacking = [s for s in wanted if s.lower() not in have and s.split(":")[0].lower() not in have]
        if client.scopes:
            report.notes.append(f"scopes of this client: {', '.join(client.scopes)}"
                                + (f"; {purpose} would need {', '.join(lacking)} as well" if lacking else ""))
        report.notes.append(MESSENGER_NOTE)
        return report
    if client.state and client.state.lower() != "active":
        report.problem = f"this OAuth client is {client.state}, not active"
        report.fix = "activate it in Admin > Integrations > OAuth, or create a new Client Credentials client"

    roles: list[Role] = []
    unreadable = False
    divisions: dict[str, list[str]] = {}
    for rd in client.role_divisions:
        divisions.setdefault(rd.role_id, []).append(rd.division_id)
    for role_id, divs in divisions.items():
        try:
            role = session.role(role_id)
        except GenesysError as exc:
            if exc.kind not in ("forbidden", "not-found"):
                raise
            unreadable = unreadable or exc.kind == "forbidden"
            why = "not allowed to read it (403)" if exc.kind == "forbidden" else "it does not exist (404)"
            report.roles.append(RoleLine(role_id, role_id, tuple(divs), False, why))
            if exc.kind == "forbidden" and not any(m.permission == "authorization:role:view" for m in report.missing):
                report.missing.append(self_permission("authorization:role:view"))
            continue
        roles.append(role)
        report.roles.append(RoleLine(role.id, role.name, tuple(divs), True))

    for req in required(purpose):
        by = tuple(r.name for r in roles if any(grants(p, req.permission) for p in r.policies))
        if by:
            report.lines.append(PermissionLine(req.permission, req.operation, "granted", by))
        elif unreadable:
            report.lines.append(PermissionLine(req.permission, req.operation, "unknown"))
        else:
            report.lines.append(PermissionLine(req.permission, req.operation, "missing"))
            report.missing.append(req)
    if not client.role_divisions:
        report.notes.append("this client has no roles: a client-credentials client gets every right from its roles")
    if any(line.status == "unknown" for line in report.lines):
        report.notes.append("permissions marked unknown may be granted by a role that could not be read")
    report.notes.append(MESSENGER_NOTE)
    return report


def _merge(brief: OAuthClientInfo, full: OAuthClientInfo) -> OAuthClientInfo:
    return OAuthClientInfo(
        id=full.id or brief.id, name=full.name or brief.name,
        grant_type=full.grant_type if full.grant_type != "unknown" else brief.grant_type,
        state=full.state or brief.state, role_divisions=full.role_divisions or brief.role_divisions,
        scopes=full.scopes or brief.scopes)
