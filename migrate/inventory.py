"""Stage 1: read a tree into an Inventory (widgets on pages, JWT signers, markers).

Per-file work (read, prefilter, parse) runs in contained worker processes (migrate/contain.py);
everything that needs the whole site (what kind of widget the site uses, which Zendesk
profile a signer must fit) is decided afterwards, in one place.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import signal
import threading
import time
import itertools
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migrate import contain, files, lang
from migrate.model import Expr, FileError, FileFacts, Marker, Signer, WidgetCall

if TYPE_CHECKING:
    from migrate.extract.idp import Said

# Candidates waiting before a second worker starts.  Workers are forked with the parsers the
# files seen so far need already loaded (see extract.warm), so a second one costs a fork.
POOL_MIN_FILES = 8
# One pathological file (a huge minified bundle, deep nesting) must not stall the run.
DEFAULT_FILE_TIMEOUT = 20.0

WidgetKind = str  # messaging | classic | zopim | genesys-webchat | genesys-messenger | unknown


@dataclass(frozen=True, slots=True)
class Widget:
    """One page (file) that uses a chat widget."""

    path: str
    line: int
    kind: WidgetKind
    key: str | None
    calls: tuple[WidgetCall, ...]


@dataclass(frozen=True, slots=True)
class SignerView:
    """A signer with what the site tells about it."""

    signer: Signer
    purpose: str  # zendesk | genesys-id-token | openid-provider (the one generate wrote) | other
    profile: str | None  # zendesk-messaging | zendesk-classic-chat | zendesk-classic-hc
    reason: str  # why this purpose/profile, in words


@dataclass(frozen=True)
class Inventory:
    root: str
    files: tuple[FileFacts, ...]
    widgets: tuple[Widget, ...]
    signers: tuple[SignerView, ...]
    errors: tuple[FileError, ...]
    stats: dict = field(default_factory=dict)
    # The identity providers the site signs in at (migrate/extract/idp.py), the likeliest first.
    idps: tuple = ()

    def file(self, path: str) -> FileFacts | None:
        return next((f for f in self.files if f.path == path), None)

    @property
    def site_kind(self) -> WidgetKind | None:
        return site_kind(w.kind for w in self.widgets)


# --- per-file stage ---------------------------------------------------------------------


class _TooSlow(BaseException):
    """Raised by the per-file timer; a BaseException so extractors' own error handling lets it through."""


def _alarm(signum, frame):
    raise _TooSlow


@contextmanager
def _time_limit(seconds: float):
    """SIGALRM-based limit (main thread only: the scan's own thread or a pool worker's)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# What one candidate gives: its facts (None when it holds nothing or could not be read), what
# went wrong with it, and what it says about identity providers.
Analysed = "tuple[FileFacts | None, list[FileError], Said]"


def extract(src):
    """One file's analysis (migrate/extract/dispatch.py).  The parsers load when the first file
    needs them, while the walk already runs."""
    from migrate.extract.dispatch import extract as analyse

    return analyse(src)


def _analyse(c: files.Candidate, max_bytes: int, file_timeout: float) -> Analysed | None:
    """One candidate: read, prefilter, parse, and what it says about identity providers (in a
    worker: see collect)."""
    from migrate.extract import idp
    from migrate.extract.base import Source

    r = files.read(c, max_bytes) if c.language else None
    said = []
    if c.idp:  # from the bytes just read when they are the whole file, else read for it
        whole = r is not None and r.data and len(r.data) <= max_bytes
        said = idp.said(c.rel, r.data) if whole else idp.evidence(c.path, c.rel)
    if r is None:
        return (None, [], said) if said else None
    notes = [r.error] if r.error else []
    if r.text is None:
        return (None, notes, said) if notes or said else None
    try:
        with _time_limit(file_timeout):
            facts = extract(Source.of(c.rel, c.language, r.text))
    except _TooSlow:
        notes.append(FileError(c.rel, _too_slow(file_timeout)))
        return None, notes, said
    return facts, notes, said


def _too_slow(file_timeout: float) -> str:
    return f"took more than {file_timeout:g} s to analyse; skipped (raise the limit with --file-timeout)"


def _process(batch: list[files.Candidate], max_bytes: int,
             file_timeout: float = DEFAULT_FILE_TIMEOUT) -> list[Analysed]:
    """In this process (where fork is not available): no containment beyond the time limit."""
    return [o for c in batch if (o := _analyse(c, max_bytes, file_timeout)) is not None]


class _Task:
    """What a worker runs for one candidate (a picklable callable with the run's limits)."""

    def __init__(self, max_bytes: int, file_timeout: float):
        self.max_bytes, self.file_timeout = max_bytes, file_timeout

    def __call__(self, c: files.Candidate):
        return _analyse(c, self.max_bytes, self.file_timeout)


def collect(root: str, jobs: int | None = None, max_bytes: int = files.DEFAULT_MAX_BYTES,
            file_timeout: float = DEFAULT_FILE_TIMEOUT, paths: Sequence[str] | None = None,
            exclude: Sequence[str | files.Exclusion] = (), file_memory: int = contain.DEFAULT_MEMORY_MB,
            walk_deadline: float = files.WALK_DEADLINE, meanwhile: Callable[[], object] | None = None) -> Inventory:
    """root, or only paths inside it (see files.walk), less what exclude names.

    ripgrep walks and prefilters; each candidate it finds goes at once to a worker process (the
    parse starts while the walk goes on), where a parser crash, more than file_timeout seconds or
    more than file_memory MB costs that file only: it is reported with the reason.  A second
    worker starts only when enough candidates wait, never more workers than cores.  meanwhile
    runs here once the walk is done when workers still have files to finish."""
    started = time.perf_counter()
    root = os.path.abspath(root)
    errors: list[FileError] = []
    results: list[Analysed] = []
    stats = files.WalkStats()
    jobs = min(jobs or contain.cores(), contain.cores())
    walked = files.walk(root, paths, exclude, max_bytes=max_bytes, deadline=walk_deadline, stats=stats, ticks=True)
    # Start the walk, then load the analysis while ripgrep searches.
    walked = itertools.chain((next(walked, None),), walked)
    from migrate.extract import dispatch, idp

    dispatch.prepare()

    def take(done) -> None:
        for rel, ok, result in done:
            if ok:
                if result is not None:
                    results.append(result)
            elif result.kind == "blocked":  # a read that never returns: a fifo, a hung file system
                errors.append(FileError(rel, f"reading it {result.reason(file_timeout, file_memory)}; skipped "
                                             "(is it a fifo, or on a file system that hangs?)"))
            else:
                hint = " (raise the limit with --file-timeout)" if result.kind == "timeout" else ""
                errors.append(FileError(rel, f"{result.reason(file_timeout, file_memory)} to analyse; skipped{hint}"))

    if contain.available():
        with contain.Pool(_Task(max_bytes, file_timeout), jobs, file_timeout, file_memory,
                          parallel_after=POOL_MIN_FILES) as pool:
            warmed: set[str] = set()
            for item in walked:
                if isinstance(item, files.Candidate):
                    if item.language not in warmed and len(pool.workers) < pool.jobs:
                        warmed.add(item.language)
                        if item.language:
                            dispatch.warm(item.language)  # here, once, before the workers that need it fork
                    pool.submit(item.rel, item)
                elif item is not None:
                    errors.append(item)
                take(pool.poll(0))
            if meanwhile is not None:
                while pool.queue:  # every file handed out first: no worker waits on this process
                    take(pool.poll(0.05))
                if pool.busy:  # only while there is time to spare
                    meanwhile()
            take(pool.drain())
    else:
        batch = []
        for item in walked:
            if isinstance(item, files.Candidate):
                batch.append(item)
            elif item is not None:
                errors.append(item)
        results = _process(batch, max_bytes, file_timeout)
    facts = [f for f, _, _ in results if f is not None]
    said: list[tuple[str, Said]] = []
    for f, notes, says in results:
        errors.extend(notes)
        if f is not None:
            errors.extend(f.errors)
        if says:
            said.append((says[0][1].path, says))
    facts.sort(key=lambda f: f.path)
    errors.sort(key=lambda e: (e.path, e.line or 0))
    inv = assemble(root, facts, errors, {"files": stats.files, "parsed": len(facts)})
    idps = idp.combine(says for _, says in sorted(said, key=lambda p: p[0]))  # configuration files too
    inv.stats["seconds"] = round(time.perf_counter() - started, 3)
    return dataclasses.replace(inv, idps=idps)


# --- site stage -------------------------------------------------------------------------

def kind_of(calls: Iterable[WidgetCall]) -> WidgetKind | None:
    """A page's widget generation, from the API calls it makes (the loader does not tell)."""
    apis = {c.api.split(":")[0] for c in calls}
    if "messenger" in apis:
        return "messaging"
    if apis & {"webWidget", "zESettings", "zE"}:
        return "classic"
    if "$zopim" in apis:
        return "zopim"
    if apis & {"ININ.webchat", "_genesys.widgets", "CXBus"}:
        return "genesys-webchat"
    if "Genesys" in apis:
        return "genesys-messenger"
    return None


def site_kind(kinds: Iterable[WidgetKind]) -> WidgetKind | None:
    present = set(kinds)
    for k in ("messaging", "classic", "zopim", "genesys-webchat", "genesys-messenger"):
        if k in present:
            return k
    return None


def _loader_kind(kind: str) -> WidgetKind | None:
    return {"zopim": "zopim", "genesys-webchat": "genesys-webchat",
            "genesys-messenger": "genesys-messenger"}.get(kind)


def _widgets(facts: list[FileFacts]) -> list[Widget]:
    pages = [f for f in facts if f.loaders or kind_of(f.calls)]
    site = site_kind(k for f in pages if (k := kind_of(f.calls)))
    out = []
    for f in pages:
        kind = kind_of(f.calls)
        if kind is None:
            # Loader only: Zendesk's one loader serves Classic and Messaging alike, so the site's
            # calls elsewhere decide.
            kind = next((k for ld in f.loaders if (k := _loader_kind(ld.kind))), None) or site or "unknown"
        key = next((ld.key for ld in f.loaders if ld.key), None)
        lines = [ld.line for ld in f.loaders] + [c.line for c in f.calls]
        out.append(Widget(f.path, min(lines), kind, key, f.calls))
    return out


def _literal(e: Expr | None) -> object:
    return None if e is None else e.final.value


# Sunshine Conversations (Smooch) API tokens: `scope` app / appUser / account, `kid` an API key id.
_SUNSHINE_SCOPES = frozenset({"app", "appuser", "account"})


def _messaging_marks(s: Signer) -> bool:
    """`scope: "user"` or a `kid` header: only Messaging widget tokens carry them."""
    kid = _literal(s.header.get("kid"))
    scope = _literal(s.claims.get("scope"))
    return scope == "user" or (isinstance(kid, str) and kid.startswith("app_")) or (
        "kid" in s.header and "scope" not in s.claims and "external_id" in s.claims)


# User fields only Support SSO takes (Zendesk's JWT single sign-on article); no widget reads them.
_SSO_CLAIMS = frozenset({
    "organization", "organizations", "organization_id", "tags", "remote_photo_url", "role",
    "custom_role_id", "locale_id", "user_fields", "phone", "restriction", "ticket_restriction",
})


# A signing secret named for single sign-on (ZENDESK_SSO_SECRET, settings.zendesk_sso_key).
_SSO_SECRET = re.compile(r"SSO|Sso|(?<![A-Za-z])sso(?![a-z])")


def _classic_hc_auth(site_calls: set[str]) -> bool:
    """The site's Web Widget (Classic) authenticates Help Center / contact form with a jwtFn."""
    return any(c.endswith("authenticate.jwtFn") for c in site_calls)


def _chat_shape(s: Signer) -> bool:
    """external_id with iat and exp: the Classic Chat visitor token's claims (zendesk.md §2), even
    with a stray jti; Help Center and Support SSO tokens carry no exp."""
    return {"external_id", "iat", "exp"} <= s.claims.keys() | s.managed.keys()


def _zendesk_claims(s: Signer) -> bool:
    return bool({"external_id", "email_verified"} & s.claims.keys()) or _messaging_marks(s)


def _purpose(s: Signer, site_calls: set[str], sunshine_sdk: str | None = None) -> tuple[str, str]:
    """What the token is for, from its own claims, the code around its signing call (its
    function, route or method) and where it goes; never from words elsewhere in the file.
    ``sunshine_sdk``: where the site's pages sign in with Sunshine Conversations' Web SDK, when
    they do and no page loads a Zendesk widget."""
    asymmetric = (s.algorithm or "").startswith(("RS", "PS", "ES", "EdDSA"))
    scope = _literal(s.claims.get("scope"))
    widget_words = {"classic-chat", "messaging"} & s.hints
    if isinstance(scope, str) and scope.lower() in _SUNSHINE_SCOPES:
        return "other", f"a Sunshine Conversations API token (scope \"{scope}\"), not a widget token"
    if "userId" in s.claims and "external_id" not in s.claims:
        return "other", "a Sunshine Conversations user token (userId, no external_id), not a Zendesk widget token"
    if s.secret is not None and _SSO_SECRET.search(s.secret.expression) and not (
            "kid" in s.header or (scope == "user" and "external_id" in s.claims)):
        return "other", ("a Zendesk Support SSO token (signed with the SSO secret, and no kid / external_id "
                         "a Messaging token needs), not a widget token")
    if sunshine_sdk is not None and _messaging_marks(s):
        return "other", (f"a Sunshine Conversations Web SDK user token: the site's pages sign in with {sunshine_sdk} "
                         "and load no Zendesk widget")
    if not _messaging_marks(s) and not widget_words:
        if "support-sdk" in s.hints and {"iat", "jti"} <= (s.claims.keys() | s.managed.keys()):
            return "other", "a Zendesk Support SDK (mobile) token (user_token, iat + jti), not a widget token"
        if "support-sso" in s.hints:
            return "other", "a Zendesk Support SSO token (/access/jwt, Help Center sign-in), not a widget token"
        if _SSO_CLAIMS & s.claims.keys():
            sso = ", ".join(sorted(_SSO_CLAIMS & s.claims.keys()))
            return "other", f"a Zendesk Support SSO token ({sso} are SSO user fields), not a widget token"
        if {"iat", "jti"} <= (s.claims.keys() | s.managed.keys()) and not _classic_hc_auth(site_calls) \
                and not _chat_shape(s):
            return "other", ("a Zendesk Support SSO token (iat + jti, no scope / kid, and no page of the site "
                             "authenticates the Classic Web Widget), not a widget token")
    if _zendesk_claims(s):
        return "zendesk", "it carries Zendesk widget claims"
    if "api-call" in s.hints:
        return "other", "sent as a bearer credential to an API, not handed to a widget"
    if asymmetric and "oidc" in s.hints:
        # Zendesk widget tokens are HS256 only: an RS/ES-signed token next to OpenID words is an ID token.
        return "genesys-id-token", "an asymmetric ID token (OpenID Connect naming around it)"
    if {"genesys", "oidc"} <= s.hints and ("nonce" in s.claims or "aud" in s.claims):
        return "genesys-id-token", "an ID token for Genesys (OpenID Connect claims, Genesys naming)"
    if "zendesk" in s.hints and asymmetric:
        return "other", (f"{s.algorithm}-signed without Zendesk widget claims: Zendesk widget tokens are "
                         "HS256, so this is another service's token")
    if "zendesk" in s.hints:
        return "zendesk", "Zendesk naming in the code that signs it"
    if {"iat", "jti"} <= (s.claims.keys() | s.managed.keys()) and _classic_hc_auth(site_calls):
        return "zendesk", "an iat + jti token on a site whose Web Widget authenticates Help Center (jwtFn)"
    return "other", "no Zendesk claims and no Zendesk naming in the code that signs it"


def _profile(s: Signer, site: WidgetKind | None, site_calls: set[str],
             classic_pages: bool) -> tuple[str, str]:
    if "kid" in s.header or "scope" in s.claims:
        return "zendesk-messaging", "it sets kid / scope, which only Messaging uses"
    if "jti" in s.claims and not _chat_shape(s):
        # Without scope / kid, an iat + jti payload is Classic Help Center authentication.
        return "zendesk-classic-hc", "it sets jti and no scope / kid (Help Center / contact form authentication)"
    if site in ("classic", "zopim") or (site == "messaging" and classic_pages):
        # Help Center tokens carry jti (handled above); a token without one is a chat token.
        return "zendesk-classic-chat", ("the site has Classic widget pages and the token sets neither kid nor "
                                        "scope (chat authentication)")
    if site == "messaging":
        return "zendesk-messaging", "the site's widget uses the Messaging API"
    if "classic-chat" in s.hints:
        return "zendesk-classic-chat", "Zendesk Chat naming around the signing code"
    if "iat" in s.claims and {"external_id", "email"} & s.claims.keys():
        return "zendesk-classic-chat", ("it sets iat (and exp) and neither kid nor scope: the Classic Chat visitor "
                                        "token's shape")
    return "zendesk-messaging", "Messaging is the current widget and nothing says otherwise"


def _link_routes(facts: list[FileFacts]) -> list[FileFacts]:
    """Signers whose route is registered in another file (config/routes.rb, routes/*.php, urls.py,
    Program.cs, a Go file registering another package's handler): the extractor marked their
    handler (``route-handler`` markers) and the registrations (``route`` / ``route-include``);
    each language's routes module joins the two, and the signer gets its route."""
    handlers: dict[str, list[tuple[str, Marker]]] = {}
    registered: dict[str, list[tuple[str, Marker]]] = {}
    for f in facts:
        record = lang.of(f.language)
        if record is None:
            continue
        for m in f.markers:
            if m.kind == "route-handler":
                handlers.setdefault(record.name, []).append((f.path, m))
            elif m.kind in ("route", "route-include"):
                registered.setdefault(record.name, []).append((f.path, m))
    linked: dict[tuple[str, int, int], str] = {}
    for name, marked in handlers.items():
        module = importlib.import_module(f"{lang.of(name).package}.routes")  # type: ignore[union-attr]
        linked.update(module.link(marked, registered.get(name, [])))
    if not linked:
        return facts
    out = []
    for f in facts:
        if any((f.path, s.line, s.column) in linked for s in f.signers):
            f = dataclasses.replace(f, signers=tuple(
                dataclasses.replace(s, route=linked[(f.path, s.line, s.column)])
                if s.route is None and (f.path, s.line, s.column) in linked else s for s in f.signers))
        out.append(f)
    return out


def _link_flows(facts: list[FileFacts]) -> list[FileFacts]:
    """Flows across files (see flows.callers): a signing helper's claim filled from a parameter
    that a route elsewhere passes request input for comes from the request; the token a helper
    returns that a caller elsewhere logs is a logged token."""
    params: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
    functions: dict[str, list[tuple[str, int]]] = {}
    for f in facts:
        for s in f.signers:
            if s.function:
                functions.setdefault(s.function, []).append((f.path, s.line))
        for m in f.markers:
            if m.kind == "claim-parameter":
                function, position, claim, line = m.text.split("\t")
                params.setdefault((function, position), []).append((f.path, int(line), claim))
    if not functions:
        return facts
    request: dict[tuple[str, int], set[str]] = {}
    logged: dict[str, list[Marker]] = {}
    for f in facts:
        for m in f.markers:
            if m.kind == "input-call":
                for path, line, claim in params.get(tuple(m.text.split("\t")), ()):  # type: ignore[arg-type]
                    if path != f.path:
                        request.setdefault((path, line), set()).add(claim)
            elif m.kind == "logged-result":
                for path, line in functions.get(m.text, ()):
                    if path != f.path:
                        logged.setdefault(f.path, []).append(
                            Marker("token-logged", m.line, m.column, f"{path}:{line}"))
    if not request and not logged:
        return facts
    out = []
    for f in facts:
        if any((f.path, s.line) in request for s in f.signers):
            f = dataclasses.replace(f, signers=tuple(
                dataclasses.replace(s, from_request=s.from_request | request[(f.path, s.line)])
                if (f.path, s.line) in request else s for s in f.signers))
        if f.path in logged:
            f = dataclasses.replace(f, markers=f.markers + tuple(logged[f.path]))
        out.append(f)
    return out


# The provider `migrate generate` wrote (GENESYS_OIDC_* settings and a discovery document in one file).
_PROVIDER = ("the site's OpenID provider for Genesys Messenger, written by `migrate generate`: it signs the RS256 "
             "ID tokens Genesys redeems codes for; nothing to migrate")


def assemble(root: str, facts: list[FileFacts], errors: list[FileError], stats: dict) -> Inventory:
    facts = _link_flows(_link_routes(facts))
    widgets = _widgets(facts)
    site = site_kind(w.kind for w in widgets)
    site_calls = {f"{c.api}.{c.command}" for w in widgets for c in w.calls}
    classic_pages = any(w.kind in ("classic", "zopim") for w in widgets)
    sdk = next((f"{m.text} ({f.path}:{m.line})" for f in facts for m in f.markers if m.kind == "sunshine-web-sdk"),
               None)
    zendesk_pages = any(w.kind in ("messaging", "classic", "zopim") for w in widgets)
    views = []
    for f in facts:
        provider = any(m.kind == "genesys-oidc-provider" for m in f.markers)
        for s in f.signers:
            # The provider's own ID tokens; a Zendesk token signed in a file that also mounts the
            # provider (a kept route beside it) is still judged as what it is.
            if provider and not _zendesk_claims(s):
                purpose, why = "openid-provider", _PROVIDER
            else:
                purpose, why = _purpose(s, site_calls, None if zendesk_pages else sdk)
            profile = None
            if purpose == "zendesk":
                profile, why_profile = _profile(s, site, site_calls, classic_pages)
                why = f"{why}; profile {profile}: {why_profile}"
            views.append(SignerView(s, purpose, profile, why))
    return Inventory(root, tuple(facts), tuple(widgets), tuple(views), tuple(errors), stats)
