"""`migrate check-token TOKEN|-`: why Zendesk or Genesys rejects this one token."""

from __future__ import annotations

import json
import math
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from migrate.cli.app import FINDINGS, OK, app, fail, shorten


MAX_SECRET = 64 * 1024  # bytes: a signing secret is tens of bytes, a PEM key a few KB


class Profile(str, Enum):
    auto = "auto"
    zendesk_messaging = "zendesk-messaging"
    zendesk_classic_chat = "zendesk-classic-chat"
    zendesk_classic_hc = "zendesk-classic-hc"
    genesys_oidc = "genesys-oidc"
    api = "api"


class Format(str, Enum):
    text = "text"
    json = "json"


def _secret(env: str | None, file: Path | None) -> tuple[bytes | None, str | None]:
    if env and file:
        raise fail("give --secret-env or --secret-file, not both")
    if env:
        value = os.environ.get(env)
        if not value:
            raise fail(f"the environment variable {env} is not set or empty", f"export {env}=... first")
        return os.fsencode(value), f"${env}"
    if file:
        from migrate.token.local import NotReadable, read_small

        try:
            secret = read_small(str(file), MAX_SECRET, "a signing secret").rstrip(b"\r\n")
        except NotReadable as exc:
            raise fail(str(exc)) from None
        if not secret:
            raise fail(f"{file} is empty", "put the signing secret in it")
        return secret, str(file)
    return None, None


@app.command("check-token")
def check_token(
    token: Annotated[str, typer.Argument(help="The JWT as pasted (quotes, 'Bearer ' and b'...' are fine), or - for stdin.")],
    profile: Annotated[Profile, typer.Option(help="Which rules the token must meet (auto: guessed from the claims).")] = Profile.auto,
    secret_env: Annotated[str | None, typer.Option(help="Verify HS* with the secret in this environment variable.")] = None,
    secret_file: Annotated[Path | None, typer.Option(help="Verify HS* with the secret in this file.")] = None,
    jwks: Annotated[str | None, typer.Option(help="Verify RS/PS/ES with this JWKS (file or URL), by kid.")] = None,
    public_key: Annotated[Path | None, typer.Option(
        "--public-key", metavar="PEM", help="Verify RS/PS/ES with this PEM public key or certificate.")] = None,
    follow_redirects: Annotated[bool, typer.Option(
        "--follow-redirects", help="Follow a redirect of the --jwks URL to another host.")] = False,
    client_id: Annotated[str | None, typer.Option(help="genesys-oidc: the client id aud must contain.")] = None,
    issuer: Annotated[str | None, typer.Option(help="genesys-oidc: the issuer iss must equal.")] = None,
    nonce: Annotated[str | None, typer.Option(help="genesys-oidc: the nonce that was requested.")] = None,
    leeway: Annotated[float, typer.Option(min=0, help="Seconds of clock skew to allow.")] = 0.0,
    now: Annotated[float | None, typer.Option(help="Check as if it were this Unix time (seconds).")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
) -> None:
    """Explain what is wrong with one JWT: format, claims, times, profile rules and signature."""
    from migrate.token.check import Options, check
    from migrate.token.signature import JwksError, load_jwks

    if now is not None and not math.isfinite(now):
        raise fail("--now must be a Unix time in seconds")
    if not math.isfinite(leeway):
        raise fail("--leeway must be a number of seconds")
    if public_key is not None and (jwks or secret_env or secret_file):
        raise fail("give one of --public-key, --jwks and --secret-env / --secret-file")
    raw = sys.stdin.read(1_000_000) if token == "-" else token
    secret, where = _secret(secret_env, secret_file)
    keys = None
    if jwks:
        try:
            keys = load_jwks(jwks, follow_redirects)
        except JwksError as exc:
            raise fail(str(exc)) from None
    key = _public_key(public_key) if public_key is not None else None
    report = check(raw, Options(profile.value, secret, where, keys, jwks, client_id, issuer, nonce, leeway, now,
                                public_key=key, public_key_source=str(public_key) if key is not None else None))
    if format is Format.json:
        typer.echo(json.dumps(_finite(_json(report)), indent=2, ensure_ascii=False))
    else:
        typer.echo(_text(report), nl=False)
    raise typer.Exit(FINDINGS if report.failing else OK)


def _public_key(path: Path):
    """The public key in a PEM file, or a usage error naming the file (never the key)."""
    from migrate.token.local import NotReadable, read_small
    from migrate.token.pem import MAX_PEM, PemError, load_public_key

    try:
        data = read_small(str(path), MAX_PEM, "a public key")
    except NotReadable as exc:
        raise fail(str(exc), "pass the PEM file of the public key") from None
    try:
        return load_public_key(data, str(path))
    except PemError as exc:
        raise fail(str(exc)) from None


def _finite(value):
    """Claims like 1e400 decode to infinity, which JSON cannot carry: show them as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _json(report) -> dict:
    return {
        "profile": report.profile, "profile_guessed": report.guessed, "profile_reason": report.profile_reason,
        "header": report.header, "claims": report.claims, "times": report.times,
        "findings": [{"rule": f.rule, "name": f.name, "severity": f.severity, "message": f.message, "fix": f.fix}
                     for f in report.findings],
        "signature": report.signature.status, "signature_detail": report.signature.detail,
        "stripped": list(report.wrappers),
    }


def _text(report) -> str:
    lines = []
    if report.profile:
        how = f"guessed: {report.profile_reason}; --profile to choose" if report.guessed else report.profile_reason
        lines.append(f"profile    {report.profile} ({how})")
    if report.wrappers:
        lines.append(f"stripped   {', '.join(report.wrappers)}")
    if report.header is not None:
        lines.append(f"header     {json.dumps(_short(report.header), ensure_ascii=False)}")
        lines.append("claims     " + json.dumps(_short(report.claims), indent=2, ensure_ascii=False)
                     .replace("\n", "\n           "))
    for name, text in report.times.items():
        lines.append(f"{name:<10} {text}")
    lines.append(f"signature  {report.signature.status.replace('-', ' ')}: {shorten(report.signature.detail)}")
    lines.append("")
    for f in report.findings:
        lines.append(f"{f.rule} {f.severity:<7} {shorten(f.message)}")
        lines.append(f"      fix: {shorten(f.fix)}")
    counts = {s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")}
    summary = ", ".join(f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items() if n)
    lines.append(summary + "." if summary else "No problems found.")
    return "\n".join(lines) + "\n"


def _short(value, limit: int = 200):
    """Claims as the text report shows them: a string longer than ``limit`` cut to its start and
    end (--format json has every value in full)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit - 40]}…[{len(value) - (limit - 20):,} more]…{value[-20:]}"
    if isinstance(value, dict):
        return {_short(k, limit): _short(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v, limit) for v in value]
    return value
