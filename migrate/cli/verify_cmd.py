"""`migrate verify-scopes` and `migrate verify-deployment`: read-only checks against a Genesys Cloud org.

Exit codes: 0 nothing missing, 1 something missing or a check failed, 2 could not tell (bad
credentials, network, timeout, usage).  The Genesys SDK is imported only once a command runs.
"""

from __future__ import annotations

import json
import os
import time
from enum import Enum
from typing import Annotated

import typer

from migrate.cli.app import FINDINGS, OK, USAGE, app, err, progress, shorten
from migrate.cli.app import fail as _fail

ID_ENV, SECRET_ENV = "GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_SECRET"
REGION_ENV, HOST_ENV = "GENESYSCLOUD_REGION", "GENESYSCLOUD_API_HOST"


class Format(str, Enum):
    text = "text"
    json = "json"


class Purpose(str, Enum):
    verify = "verify"
    deploy = "deploy"


ClientId = Annotated[str | None, typer.Option(
    "--client-id", envvar=ID_ENV, show_envvar=True, help="OAuth client id (a Client Credentials client).")]
SecretEnv = Annotated[str, typer.Option(
    "--client-secret-env", metavar="VAR", help="Environment variable holding the client secret.")]
Region = Annotated[str | None, typer.Option(
    "--region", envvar=REGION_ENV, show_envvar=True,
    help="Genesys Cloud region: eu-west-1, prod-euw1 or mypurecloud.ie.")]
ApiHost = Annotated[str | None, typer.Option(
    "--api-host", envvar=HOST_ENV, show_envvar=True, metavar="URL",
    help="API base URL, instead of the region's (proxies, tests).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Report format.")]
GcProfile = Annotated[str | None, typer.Option(
    "--gc-profile", metavar="NAME",
    help="Take the credentials from this profile of the gc CLI (~/.gc/config.toml). Without --client-id, "
         "GENESYSCLOUD_ACCESS_TOKEN or this, the [DEFAULT] profile is used when there is one.")]


def fail(message: str, hint: str | None = None, code: int = USAGE) -> typer.Exit:
    """`fail` for text that may come from a server: square brackets are not rich markup here."""
    from rich.markup import escape

    return _fail(escape(message), escape(hint) if hint else None, code)


def _session_inputs(client_id: str | None, secret_env: str, region: str | None, api_host: str | None,
                    gc_profile: str | None = None):
    """Limits, deadline, credentials and host, or a usage error (exit 2) before any network.
    Credentials: the OAuth client, else GENESYSCLOUD_ACCESS_TOKEN, else a gc CLI profile
    (migrate.genesys.auth); a profile's environment is the region when none is given."""
    from migrate.genesys.auth import CredentialsError, resolve
    from migrate.genesys.client import (
        Deadline,
        GenesysError,
        is_loopback,
        limits_from_env,
        resolve_host,
    )
    from migrate.genesys.model import Credentials

    start = time.monotonic()
    try:
        limits = limits_from_env()
        found = resolve(client_id, secret_env, gc_profile)
        host = resolve_host(region or (None if api_host else found.environment), api_host)
    except GenesysError as exc:
        raise fail(exc.message, exc.hint) from None
    except CredentialsError as exc:
        raise fail(exc.message, exc.hint) from None
    if host.startswith("http://") and not is_loopback(host):
        err.print(f"warning: {host} is plain http: the client secret would cross the network unencrypted",
                  markup=False)
    return (Credentials(found.client_id, found.secret or "", found.access_token), host, Deadline(limits.budget, start),
            limits)


def _could_not_tell(exc) -> typer.Exit:
    return fail(exc.message, exc.hint, USAGE)


# ---------------------------------------------------------------------------------------------
# verify-scopes


@app.command("verify-scopes")
def verify_scopes(
    client_id: ClientId = None,
    client_secret_env: SecretEnv = SECRET_ENV,
    region: Region = None,
    api_host: ApiHost = None,
    gc_profile: GcProfile = None,
    purpose: Annotated[Purpose, typer.Option("--for", help="The step the client must be able to do.")] = Purpose.verify,
    format: FormatOpt = Format.text,
) -> None:
    """Check that an OAuth client has the permissions a step needs; list what is missing."""
    creds, host, deadline, limits = _session_inputs(client_id, client_secret_env, region, api_host, gc_profile)
    from migrate.genesys.client import GenesysError, connect
    from migrate.genesys.scopes import verify_scopes as run

    try:
        with progress(f"asking {host} what the client may do"):
            report = run(lambda: connect(creds, host, deadline, limits), creds.client_id, purpose.value)
    except GenesysError as exc:
        raise _could_not_tell(exc) from None
    if format is Format.json:
        typer.echo(json.dumps(_scopes_json(report, host), indent=2, ensure_ascii=False))
    else:
        typer.echo(_scopes_text(report, host), nl=False)
    raise typer.Exit(FINDINGS if report.failing else OK)


def _division(d: str) -> str:
    return "all divisions" if d == "*" else f"division {d}"


def _scopes_json(report, host: str) -> dict:
    from migrate.genesys.scopes import required

    c = report.client
    return {
        "host": host,
        "for": report.purpose,
        "client": None if c is None else {"id": c.id, "name": c.name, "grant_type": c.grant_type, "state": c.state},
        "client_id": report.client_id,
        "organization": report.organization,
        "roles": [{"id": r.id, "name": r.name, "divisions": list(r.divisions), "readable": r.readable,
                   "error": r.error} for r in report.roles],
        "required": [{"permission": r.permission, "operation": r.operation} for r in required(report.purpose)],
        "permissions": [{"permission": p.permission, "operation": p.operation, "status": p.status,
                         "granted_by": list(p.granted_by)} for p in report.lines],
        "missing": [{"permission": m.permission, "operation": m.operation} for m in report.missing],
        "problem": report.problem,
        "fix": report.fix,
        "notes": list(dict.fromkeys(report.notes)),
        "unconfirmed": list(dict.fromkeys(report.unconfirmed)),
        "ok": not report.failing,
    }


def _scopes_text(report, host: str) -> str:
    from migrate.genesys.scopes import description

    out: list[str] = []
    c = report.client
    if c is None:
        out.append(f"client        {report.client_id}")
    else:
        state = f", {c.state}" if c.state else ""
        out.append(f"client        {c.id} '{c.name}' ({c.grant_type}{state})")
    if report.organization:
        out.append(f"organization  {report.organization}")
    out.append(f"api           {host}")
    out.append(f"for           {report.purpose}: {description(report.purpose)}")
    for i, r in enumerate(report.roles):
        label = f"{r.name} ({r.id})" if r.name != r.id else r.id
        where = ", ".join(_division(d) for d in r.divisions)
        out.append(f"{'roles' if i == 0 else '':<14}{label}: {where}" + (f"; {r.error}" if r.error else ""))
    if report.problem:
        out.append("")
        out.append(f"problem: {report.problem}")
        if report.fix:
            out.append(f"fix:     {report.fix}")
    if report.lines:
        width = max(len(p.permission) for p in report.lines) + 2
        out.append("")
        out.append(f"{'required':<{width + 2}}granted by")
        for p in report.lines:
            by = ", ".join(p.granted_by) if p.status == "granted" else p.status.upper()
            out.append(f"  {p.permission:<{width}}{by}")
    if report.missing:
        width = max(len(m.permission) for m in report.missing) + 2
        out.append("")
        out.append(f"missing ({len(report.missing)}):")
        for m in report.missing:
            out.append(f"  {m.permission:<{width}}{m.operation}")
    out.append("")
    for note in dict.fromkeys(report.notes):
        out.append(f"note: {note}")
    for item in dict.fromkeys(report.unconfirmed):
        out.append(f"unconfirmed: {item}")
    if report.missing:
        n = len(report.missing)
        out.append(f"{n} permission{'s' if n != 1 else ''} missing: add {'them' if n != 1 else 'it'} to a role "
                   "of this client in Admin > Roles / Permissions.")
    elif report.problem:
        out.append("This client cannot be used as it is.")
    else:
        out.append("Nothing missing.")
    return "\n".join(shorten(line, 200) for line in out) + "\n"  # values from the server, of any length


# ---------------------------------------------------------------------------------------------
# verify-deployment


@app.command("verify-deployment")
def verify_deployment(
    deployment_id: Annotated[str, typer.Option("--deployment-id", metavar="UUID",
                                               help="The Messenger deployment to check.")],
    issuer: Annotated[str | None, typer.Option(
        "--issuer", metavar="URL", help="Your identity provider's issuer (or its discovery URL).")] = None,
    site_origin: Annotated[str | None, typer.Option(
        "--site-origin", metavar="URL", help="The origin of the site that loads Messenger.")] = None,
    client_id: ClientId = None,
    client_secret_env: SecretEnv = SECRET_ENV,
    region: Region = None,
    api_host: ApiHost = None,
    gc_profile: GcProfile = None,
    follow_redirects: Annotated[bool, typer.Option(
        "--follow-redirects", help="Follow a redirect of the discovery document to another host.")] = False,
    format: FormatOpt = Format.text,
) -> None:
    """Check that a Messenger deployment is ready for authenticated chat, one line per check."""
    creds, host, deadline, limits = _session_inputs(client_id, client_secret_env, region, api_host, gc_profile)
    if not deployment_id.strip():
        raise fail("--deployment-id is empty")
    for flag, value in (("--issuer", issuer), ("--site-origin", site_origin)):
        if value is not None and not _url_ok(value):
            raise fail(f"{flag} {value!r} is not a URL", "give it like https://shop.example.com")
    from migrate.genesys.client import GenesysError, connect
    from migrate.genesys.deployment import verify_deployment as run

    try:
        with progress(f"checking deployment {deployment_id.strip()} at {host}"):
            session = connect(creds, host, deadline, limits)
            session.follow_redirects = follow_redirects
            report = run(session, deployment_id.strip(), issuer, site_origin)
    except GenesysError as exc:
        if exc.kind == "grant":
            raise fail(exc.message, "this client is not a Client Credentials client; run migrate verify-scopes "
                       "for what to create instead") from None
        raise _could_not_tell(exc) from None
    if format is Format.json:
        typer.echo(json.dumps(_deployment_json(report, host), indent=2, ensure_ascii=False))
    else:
        typer.echo(_deployment_text(report, host), nl=False)
    if report.failing:
        raise typer.Exit(FINDINGS)
    if report.undecided:
        raise fail("some checks could not be done", "run migrate verify-scopes --for verify", USAGE)
    raise typer.Exit(OK)


def _deployment_json(report, host: str) -> dict:
    return {
        "host": host,
        "deployment_id": report.deployment_id,
        "checks": [{"name": c.name, "status": c.status, "message": c.message, "hint": c.hint} for c in report.checks],
        "notes": list(dict.fromkeys(report.notes)),
        "unconfirmed": list(dict.fromkeys(report.unconfirmed)),
        "ok": not report.failing and not report.undecided,
    }


_LABEL = {"ok": "ok", "fail": "FAIL", "warn": "warn", "skip": "skip", "unknown": "??"}


def _deployment_text(report, host: str) -> str:
    out = [f"deployment {report.deployment_id} ({host})"]
    width = max((len(c.name) for c in report.checks), default=10) + 2
    for c in report.checks:
        out.append(f"{_LABEL[c.status]:<6}{c.name:<{width}}{c.message}")
        if c.hint and c.status in ("fail", "warn", "unknown"):
            out.append(f"{'':<6}{'':<{width}}fix: {c.hint}")
    out.append("")
    for note in dict.fromkeys(report.notes):
        out.append(f"note: {note}")
    for item in dict.fromkeys(report.unconfirmed):
        out.append(f"unconfirmed: {item}")
    counts = {s: sum(c.status == s for c in report.checks) for s in ("fail", "unknown", "warn")}
    words = {"fail": "failed", "unknown": "could not be done", "warn": "with a warning"}
    said = [f"{n} check{'s' if n != 1 else ''} {words[s]}" for s, n in counts.items() if n]
    passed = sum(c.status == "ok" for c in report.checks)
    out.append((", ".join(said) + "." if said else f"All {passed} checks passed."))
    return "\n".join(shorten(line, 200) for line in out) + "\n"  # values from the server, of any length


def _url_ok(value: str) -> bool:
    """A usage check before any network call: scheme, host and a readable port."""
    from urllib.parse import urlsplit

    v = value.strip()
    try:
        parts = urlsplit(v if "://" in v else "https://" + v)
        parts.port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# ---------------------------------------------------------------------------------------------
# generate --terraform: the setup the deployment has today


def keep_existing(side, conf):
    """The Genesys side with what deployment `conf.deployment_id` uses today, read with the `verify`
    client when GENESYSCLOUD_OAUTHCLIENT_ID / _SECRET are set; without them the configuration id
    must be given. Raises a usage error (exit 2) when neither is possible."""
    from migrate.genesys.client import Deadline, GenesysError, connect, limits_from_env, resolve_host
    from migrate.genesys.existing import read_existing
    from migrate.genesys.model import Credentials

    client_id, secret = os.environ.get(ID_ENV), os.environ.get(SECRET_ENV)
    if not (client_id and secret):
        if side.configuration_id:
            return side
        raise fail(f"--terraform imports the Messenger configuration deployment {conf.deployment_id} uses, and "
                   "needs its id", f"give --configuration-id UUID (Admin > Message > Messenger Configurations), or "
                   f"set {ID_ENV} and {SECRET_ENV} (a client with verify rights) to read it from the deployment")
    try:
        limits = limits_from_env()
        host = resolve_host(conf.region.aws, os.environ.get(HOST_ENV))
        session = connect(Credentials(client_id.strip(), secret), host, Deadline(limits.budget), limits)
        existing = read_existing(session, conf.deployment_id)
    except GenesysError as exc:
        raise fail(f"reading deployment {conf.deployment_id}: {exc.message}",
                   exc.hint or "give --configuration-id instead, with the credentials unset") from None
    if side.configuration_id and existing.configuration_id and side.configuration_id != existing.configuration_id:
        err.print(f"warning: deployment {conf.deployment_id} uses configuration {existing.configuration_id}, not "
                  f"--configuration-id {side.configuration_id}: the Terraform imports the one given", markup=False)
    if not (side.configuration_id or existing.configuration_id):
        raise fail(f"deployment {conf.deployment_id} has no Messenger configuration",
                   "select one on the deployment, or give --configuration-id")
    return side.with_existing(existing)
