"""The facts that flow from stage to stage: file facts -> inventory -> findings.

Everything here is a small frozen dataclass so that results cross process pools and
can be compared in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]

# The claim name extractors give contents they cannot read (a parameter, a spread): rules do
# not claim that a claim is missing when it is there.
UNKNOWN_CLAIM = "..."

# What an expression *is*, as far as the parser can tell without running it.
ExprKind = Literal[
    "int", "float", "string", "bool", "null", "template", "name", "member", "call", "binary",
    "object", "other",
]


@dataclass(frozen=True, slots=True)
class Expr:
    """One source expression, as written, with what the extractor learned about it.

    ``text`` is the source text.  A string literal that holds a secret is never kept: the
    extractor stores ``"***"`` instead (see ``Secret``).  ``resolved`` is the expression a
    bare local name was last assigned (one step, same file), so rules can see through
    ``const exp = Date.now() + 3600; jwt.sign({exp}, ...)``.
    ``traits`` uses the vocabulary of ``migrate.extract.traits``.  ``offset`` is the number
    of seconds the value lies after "now" when the expression is "clock + N" (None when
    unknown).
    """

    text: str
    line: int
    column: int
    kind: ExprKind = "other"
    value: int | float | str | bool | None = None
    resolved: Expr | None = None
    traits: frozenset[str] = frozenset()
    offset: float | None = None

    @property
    def final(self) -> Expr:
        """The expression after following local names."""
        e = self
        while e.resolved is not None:
            e = e.resolved
        return e

    @property
    def from_now(self) -> float | None:
        """Seconds after now, preferring what a local name stands for (`expires.Unix()` where
        `expires = time.Now().Add(time.Hour)` is an hour, not zero)."""
        e: Expr | None = self
        best = None
        while e is not None:
            if e.offset is not None:
                best = e.offset
            e = e.resolved
        return best

    def has(self, trait: str) -> bool:
        return trait in self.traits or (self.resolved is not None and self.resolved.has(trait))


@dataclass(frozen=True, slots=True)
class Secret:
    """Where a signing key comes from.  Literal values are never stored."""

    source: Literal["env", "config", "literal", "file", "parameter", "call", "unknown"]
    expression: str  # the source text with every literal value replaced by ***
    line: int
    column: int
    traits: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Signer:
    """One call that signs a JWT, with everything a rule or a generator needs."""

    path: str
    line: int
    column: int
    language: str  # csharp | javascript | typescript | python | java | go | ruby | php
    library: str  # see migrate.extract.LIBRARIES
    algorithm: str | None  # "HS256", ... or None when it is an expression we cannot read
    algorithm_expr: Expr | None
    header: dict[str, Expr]
    claims: dict[str, Expr]
    # exp / iat / nbf set by the library rather than the payload (expiresIn, setIssuedAt()...)
    managed: dict[str, Expr] = field(default_factory=dict)
    secret: Secret | None = None
    browser: bool = False  # the code runs in a browser (page script, front-end bundle)
    # Words found near the call that tell what the token is for: "zendesk", "support-sso",
    # "genesys", "oidc", "api".
    hints: frozenset[str] = frozenset()
    # How the signed token leaves the server: "json-string" (res.json(token)),
    # "text", "object" (res.json({token})), "template", or None when not seen.
    response: str | None = None
    function: str | None = None  # enclosing function / method / route name
    # First and last line of the piece of the file that holds the call (its function, route or
    # method): what the signer is judged by.  ``hints`` are read from it.
    span: tuple[int, int] | None = None
    # Claims whose value comes from the request (a posted email, a query parameter).
    from_request: frozenset[str] = frozenset()
    # The HTTP route that reaches the signing code, "METHOD /path" ("* /path" for any method),
    # as the language package's route shapes read it; generate wires exactly this route.
    route: str | None = None

    def timing(self, claim: str) -> Expr | None:
        return self.claims.get(claim) or self.managed.get(claim)


@dataclass(frozen=True, slots=True)
class WidgetCall:
    """One use of a widget API: ``zE('messenger', 'loginUser', ...)`` is api=messenger,
    command=loginUser.  ``zESettings`` keys are api=zESettings, command=dotted.key.path."""

    api: str
    command: str
    line: int
    column: int
    # The code that produced this call runs before the loader defines zE (ZG102 input).
    before_loader: bool = False
    # A zESettings assignment that runs after the loader has booted the widget (ZG109 input).
    after_loader: bool = False
    # For loginUser / jwtFn / authenticate callbacks: where the token handed to the widget
    # comes from: "template" (rendered into the page), "json-stringify", "fetch-text",
    # "fetch-json", "literal", "variable", "unknown", or "written" (spliced into widget code that
    # browser code writes out, so fixed when written).
    token_source: str | None = None
    token_line: int | None = None
    # Arguments as source text (for the generator and the report).
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Loader:
    kind: Literal["snippet", "zembed", "zopim", "genesys-webchat", "genesys-messenger"]
    key: str | None
    line: int
    column: int
    is_async: bool = False


@dataclass(frozen=True, slots=True)
class Marker:
    """A fact a rule needs that is neither a widget call nor a signer: a Genesys OAuth
    client-credentials request, a client secret in page code, a deprecated web chat URL..."""

    kind: str
    line: int
    column: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class FileError:
    path: str
    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What one file holds.  Produced by the extractors, one per candidate file."""

    path: str  # relative to the scanned root, with forward slashes
    language: str
    browser: bool = False
    loaders: tuple[Loader, ...] = ()
    calls: tuple[WidgetCall, ...] = ()
    signers: tuple[Signer, ...] = ()
    markers: tuple[Marker, ...] = ()
    errors: tuple[FileError, ...] = ()
    parsed: bool = True
    # line -> rule ids from `migrate: ignore[ZG201, ZG202]` comments (empty tuple = all rules)
    suppressions: tuple[tuple[int, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    # The profile a finding on a signer was judged by (zendesk-messaging, genesys-oidc...).
    profile: str | None = None

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.rule, self.message)  # the message: one order, every run
