"""Signers and their responses, assembled from what a ``tsclaims.Reader`` read.

The last steps every tree-sitter signer extractor takes: naming the algorithm, filling in
where a ``migrate.extract.signer.Draft`` sits before it is built, and telling how the token
leaves the server (json-string, text, object, template), from per-language tables of web
framework calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from migrate.extract.base import Found, Source
from migrate.extract.signer import Draft
from migrate.extract.treesitter import Doc, ancestors, walk
from migrate.extract.tsclaims import Node, Reader, Syntax, key_of
from migrate.model import UNKNOWN_CLAIM, Signer

# --- algorithms and the final record --------------------------------------------------------

_ALGORITHMS = [
    (re.compile(r"\b(HS|RS|ES|PS)(256|384|512)\b"), None),
    (re.compile(r"hmac[-_]?(?:sha)?[-_]?(256|384|512)", re.IGNORECASE), "HS"),
    (re.compile(r"rsassa[-_]?pss[-_]?(?:sha)?[-_]?(256|384|512)", re.IGNORECASE), "PS"),
    (re.compile(r"(?:rsa|rs)[-_]?(?:sha)?[-_]?(256|384|512)", re.IGNORECASE), "RS"),
    (re.compile(r"(?:ecdsa|es)[-_]?(?:sha)?[-_]?(256|384|512)", re.IGNORECASE), "ES"),
    (re.compile(r"\bEdDSA\b"), "EdDSA"),
]


def algorithm_name(text: str) -> str | None:
    """JOSE name of an algorithm written as a constant or class (SecurityAlgorithms.HmacSha256,
    HMACSHA256Algorithm, Algorithm.HMAC256, SignatureAlgorithm.HS256...)."""
    for rx, family in _ALGORITHMS:
        m = rx.search(text)
        if m:
            if family is None:
                return m.group(1) + m.group(2)
            return family if family == "EdDSA" else family + m.group(1)
    return None


# Claim name for contents that cannot be read (a parameter, what a method returns): rules then
# do not claim that a claim is missing.
UNKNOWN = UNKNOWN_CLAIM


def signer(reader: Reader, draft: Draft, function: str | None, response: str | None) -> Signer:
    draft.function, draft.response = function, response
    return reader.signer(reader.src.path, draft)


# --- how the token leaves the server --------------------------------------------------------

@dataclass(frozen=True)
class ResponseRules:
    """What sends a token in one language's web frameworks."""

    calls: dict[str, str]  # call name -> kind when the token is its argument ("Ok" -> "json-string")
    wrappers: frozenset[str]  # calls that put the token in a map or object (Map.of, singletonMap)
    objects: frozenset[str]  # node types that do the same (anonymous objects, initializers)
    statements: frozenset[str]  # where a use ends
    returns: frozenset[str]  # node types that return a value from the endpoint
    assignments: frozenset[str]
    template: re.Pattern[str]  # assignment targets that hand the value to a view (ViewBag.X)


def assigned_value(r: Reader, site: Node) -> Node | None:
    """The value node of the declaration or assignment that stores the token, if any."""
    node = site
    for anc in ancestors(site):
        for _target, value, _ in r.syntax.declarations(r.doc, anc):
            if key_of(value) == key_of(node):
                return value
        if anc.type not in r.syntax.wrappers and anc.type not in ("await_expression", "argument"):
            return None
        node = anc
    return None


def token_response(r: Reader, site: Node, rules: ResponseRules, endpoint: bool) -> str | None:
    """How the signed token is sent: "json-string", "text", "object", "template" or None."""
    uses = [site]
    value = assigned_value(r, site)
    scope = r.scope(site)
    if value is not None and scope is not None:
        for n in walk(scope):
            if n.start_byte < site.end_byte or n.type != "identifier":
                continue
            d = r.definition(n)
            if d is not None and key_of(d.value) == key_of(value):
                uses.append(n)
    for use in uses:
        kind = _use_kind(r, use, rules, endpoint)
        if kind is not None:
            return kind
    return None


def _use_kind(r: Reader, use: Node, rules: ResponseRules, endpoint: bool) -> str | None:
    wrapped = False
    prev = use
    for anc in ancestors(use):
        c = r.syntax.call(r.doc, anc)
        if c is not None:
            if c.receiver is not None and key_of(c.receiver) == key_of(prev):
                return None  # token.Length, token.substring(..): not the response
            kind = rules.calls.get(c.name.rsplit(".", 1)[-1])
            if kind is not None:
                return "object" if wrapped and kind != "template" else kind
            if c.name in rules.wrappers:
                wrapped = True
        if anc.type in rules.objects:
            wrapped = True
        if anc.type in rules.assignments:
            target = next(iter(t for t, _v, _a in r.syntax.declarations(r.doc, anc)), None)
            left = target if target is not None else anc.child_by_field_name("left")
            if left is not None and rules.template.search(r.text(left)):
                return "template"
            return None
        body = anc.child_by_field_name("body") if anc.type in r.syntax.scopes else None
        expression_body = body is not None and key_of(body) == key_of(prev) and body.type != "block"
        if anc.type in rules.returns or expression_body:
            return ("object" if wrapped else "text") if endpoint else None
        if anc.type in rules.statements or anc.type in r.syntax.scopes:
            return None
        prev = anc
    return None


def extract_signers(src: Source, grammar: str, relevant: re.Pattern[str], syntax: Syntax,
                    sites: Callable[[Reader], Iterable[Draft]],
                    where: Callable[[Reader, Node], tuple[str | None, bool]], responses: ResponseRules) -> Found:
    """The extractor shape C# and Java share: gate, parse, find the signing sites, build signers."""
    found = Found()
    if not relevant.search(src.text):
        return found
    doc = Doc.parse(grammar, src.data)
    if doc.root.has_error:
        found.syntax_error(src, doc.first_error())
    r = Reader(src, doc, syntax)
    for draft in sites(r):
        function, endpoint = where(r, draft.at)
        found.signers.append(signer(r, draft, function, token_response(r, draft.at, responses, endpoint)))
    return found
