"""The report people read: what was found, then what is wrong, grouped by file."""

from __future__ import annotations

import io
from collections import Counter
from itertools import groupby

from rich.console import Console
from rich.markup import escape

from migrate.report.describe import signer_timing
from migrate.scan import ScanResult

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render(result: ScanResult, color: bool = False, quiet: bool = False) -> str:
    """quiet: the findings only, without the inventory, unread files and summary."""
    buf = io.StringIO()
    out = Console(file=buf, force_terminal=color, no_color=not color, width=200, soft_wrap=True,
                  highlight=False, emoji=False)
    inv = result.inventory
    if not quiet:
        _inventory(out, inv)
    for path, group in groupby(result.findings, key=lambda f: f.path):
        out.print(f"[bold underline]{escape(path)}[/]")
        for f in group:
            out.print(f"  {f'{f.line}:{f.column}':<8}[{_STYLE[f.severity]}]{f.severity:<8}[/]"
                      f"[bold]{f.rule}[/] {f.name}  {escape(f.message)}")
        out.print()
    if quiet:
        return buf.getvalue()

    if inv.errors:
        out.print("[bold]Not read[/] (the scan went on)")
        for e in inv.errors:
            out.print(f"  {escape(e.path)}: {escape(e.message)}")
        out.print()

    stats = inv.stats
    if stats.get("decisions_not_predicted"):
        out.print(f"{stats['decisions_not_predicted']} Zendesk token signers: the decisions `migrate generate` leaves "
                  "for each (login checks, claims, where to mount the provider) are not predicted here; "
                  "`migrate generate` lists them.", markup=False)
        out.print()
    tail = f"({stats.get('files', 0)} files looked at, {stats.get('parsed', 0)} parsed, {stats.get('seconds', 0)} s)"
    out.print(summary(result, tail))
    return buf.getvalue()


def summary(result: ScanResult, tail: str = "") -> str:
    """The last line: what was found, by severity, and in how many files."""
    counts = Counter(f.severity for f in result.findings)
    nfiles = len({f.path for f in result.findings})
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
             for s in ("error", "warning", "info") if counts[s]]
    tail = f" {tail}" if tail else ""
    if parts:
        return f"Found {', '.join(parts)} in {nfiles} file{'s' if nfiles != 1 else ''}{tail}."
    return f"No findings{tail}."


def _inventory(out: Console, inv) -> None:
    if inv.widgets:
        out.print(f"[bold]Widgets[/] (site: {inv.site_kind or 'unknown'})")
        for w in inv.widgets:
            key = f" key {escape(w.key)}" if w.key else ""
            commands = ", ".join(sorted({f"{c.api}:{c.command}" if c.api != "zESettings" else f"zESettings.{c.command}"
                                         for c in w.calls}))
            out.print(f"  {escape(w.path)}:{w.line}  {w.kind}{key}" + (f"  [dim]{escape(commands)}[/]" if commands else ""))
    signers = [v for v in inv.signers if v.purpose != "other"]
    if signers:
        out.print("[bold]Signers[/]")
        for v in signers:
            s = v.signer
            alg = s.algorithm or "?"
            what = v.profile or v.purpose
            out.print(f"  {escape(s.path)}:{s.line}  {s.language} {s.library} {alg}  [bold]{what}[/]")
            if s.route:
                out.print(f"    route   {escape(s.route)}")
            claims = ", ".join(f"{k}: {' '.join(e.text.split())}" for k, e in s.claims.items())
            if s.header:
                out.print(f"    header  {escape(', '.join(f'{k}: {e.text}' for k, e in s.header.items()))}")
            out.print(f"    claims  {escape(claims) or '(none)'}")
            for name, how in signer_timing(s).items():
                out.print(f"    {name:<7} {escape(how)}")
            if s.secret:
                out.print(f"    secret  {s.secret.source}: {escape(s.secret.expression)}")
    idps = getattr(inv, "idps", ())
    if idps:
        out.print("[bold]Identity provider[/] (the site signs in there; `migrate generate --idp` lets Messenger "
                  "sign in there too, with no provider on the site)")
        for found in idps:
            issuer = f"  issuer {escape(found.issuer)}" if found.issuer else ""
            out.print(f"  {found.kind}  {escape(found.name)}{issuer}")
            for e in found.evidence[:5]:
                out.print(f"    {escape(e.path)}:{e.line}  {escape(e.what)}")
            if len(found.evidence) > 5:
                out.print(f"    ... and {len(found.evidence) - 5} more")
    if inv.widgets or signers or idps:
        out.print()
