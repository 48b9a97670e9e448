"""One way to turn what an extractor read at a signing call into a ``Signer``.

Every language's extractor fills a ``Draft`` (the library, where the call is, its header,
claims, library-managed times, algorithm, key and the surroundings: function, response,
span, route, browser) and hands it to ``build``.  ``build`` is the only place that describes
the key with ``traits.secret`` and the only place that constructs a ``Signer``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from migrate.extract import traits
from migrate.model import UNKNOWN_CLAIM, Expr, Signer


@dataclass
class Draft:
    """A signer being assembled.

    ``at`` is the extractor's own handle on the signing call (a tree-sitter node for C# and
    Java); ``line`` and ``column`` are where the call starts and are filled in before ``build``.
    ``key`` is the key expression as the call receives it and ``parameters`` the parameter
    names in reach of the call (a key that is one of them comes from the caller).
    ``key_at``, when set, is where the key is reported instead of the key expression's own
    position (JavaScript reports it where the signing call receives it).
    """

    at: Any
    library: str
    header: dict[str, Expr] = field(default_factory=dict)
    claims: dict[str, Expr] = field(default_factory=dict)
    managed: dict[str, Expr] = field(default_factory=dict)
    algorithm: str | None = None
    algorithm_expr: Expr | None = None
    key: Expr | None = None
    parameters: frozenset[str] = frozenset()
    key_at: tuple[int, int] | None = None
    line: int = 0
    column: int = 0
    function: str | None = None
    response: str | None = None
    span: tuple[int, int] | None = None
    route: str | None = None
    browser: bool = False

    def add_header(self, pairs: Iterable[tuple[str, Expr]]) -> None:
        """Header entries; unreadable contents tell nothing about the header."""
        self.header.update((k, v) for k, v in pairs if k != UNKNOWN_CLAIM)

    def set_algorithm(self, expr: Expr | None, name: str | None) -> None:
        if expr is not None:
            self.algorithm, self.algorithm_expr = name, expr


def build(src_path: str, language: str, draft: Draft) -> Signer:
    """The ``Signer`` a finished draft describes."""
    secret = None
    if draft.key is not None:
        secret = traits.secret(language, draft.key, draft.parameters)
        if draft.key_at is not None:
            secret = replace(secret, line=draft.key_at[0], column=draft.key_at[1])
    return Signer(
        path=src_path, line=draft.line, column=draft.column, language=language,
        library=draft.library, algorithm=draft.algorithm, algorithm_expr=draft.algorithm_expr,
        header=dict(draft.header), claims=dict(draft.claims), managed=dict(draft.managed),
        secret=secret, browser=draft.browser, span=draft.span, response=draft.response,
        function=draft.function, route=draft.route,
    )
