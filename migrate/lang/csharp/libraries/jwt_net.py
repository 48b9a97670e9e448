"""JWT.Net: ``encoder.Encode([headers,] payload, key)`` on a ``JwtEncoder``,
``JsonWebToken.Encode(payload, key, JwtHashAlgorithm.HS256)`` and
``JwtBuilder.Create().WithAlgorithm(..).WithSecret(..).AddClaim(..).Encode()``."""

from __future__ import annotations

import re
from collections.abc import Iterable

from migrate.extract.signer import Draft
from migrate.extract.tsclaims import Call, Node, Reader
from migrate.lang.csharp.builders import (
    JWTNET_NAMES,
    TIMES,
    algorithm_expr,
    date_value,
    entries,
    is_a,
    name_of,
    raw_value,
)
from migrate.model import Expr

NAME = "jwt.net"
WORDS = (r"JwtEncoder", r"JwtBuilder", r"JsonWebToken")


def sites(r: Reader, calls: list[Call]) -> Iterable[Draft]:
    for c in calls:
        if c.name == "Encode" and c.receiver is not None and (draft := _encode(r, c)) is not None:
            yield draft


def _encode(r: Reader, c: Call) -> Draft | None:
    calls = r.chain(c.node)
    root = calls[0] if calls else c
    if (root.name == "Create" and r.text(root.receiver).endswith("JwtBuilder")) or \
            (root.new and root.name.rsplit(".", 1)[-1] == "JwtBuilder"):
        draft = Draft(c.node, NAME)
        _builder(r, calls, draft)
        return draft
    receiver = r.text(c.receiver)
    if receiver.endswith("JsonWebToken") and len(c.args) in (3, 4):
        draft = Draft(c.node, NAME)
        extra = 1 if len(c.args) == 4 else 0
        if extra:
            draft.add_header(entries(r, c.args[0], c.node))
        draft.claims.update(entries(r, c.args[extra], c.node))
        draft.key = r.key(c.args[extra + 1])
        draft.algorithm, draft.algorithm_expr = algorithm_expr(r, c.args[extra + 2])
        return draft
    algorithm, algorithm_node = _encoder_algorithm(r, c.receiver)
    named_encoder = re.search(r"(?i)encoder$", receiver) and "JwtEncoder" in r.src.text
    if len(c.args) not in (2, 3) or (algorithm_node is None and not named_encoder):
        return None
    draft = Draft(c.node, NAME, algorithm=algorithm, algorithm_expr=algorithm_node)
    if len(c.args) == 3:
        draft.add_header(entries(r, c.args[0], c.node))
    draft.claims.update(entries(r, c.args[-2], c.node))
    draft.key = r.key(c.args[-1])
    return draft


def _builder(r: Reader, calls: list[Call], draft: Draft) -> None:
    for c in calls:
        if c.name == "WithAlgorithm" and c.args:
            draft.algorithm, draft.algorithm_expr = algorithm_expr(r, c.args[0])
        elif c.name == "WithSecret" and c.args:
            draft.key = r.key(c.args[0])
        elif c.name == "AddClaim" and len(c.args) == 2 and (name := name_of(r, c.args[0])):
            draft.claims[name] = raw_value(r, c.args[1])
        elif c.name == "AddHeader" and len(c.args) == 2 and (name := name_of(r, c.args[0])):
            draft.header[name] = raw_value(r, c.args[1])
        elif c.name == "AddClaims" and c.args:
            draft.claims.update(entries(r, c.args[0], c.node))
        elif c.name in JWTNET_NAMES and len(c.args) == 1 and c.receiver is not None:
            name = JWTNET_NAMES[c.name]
            if name in TIMES:
                draft.managed[name] = date_value(r, c.args[0])
            else:
                draft.claims[name] = raw_value(r, c.args[0])


def _encoder_algorithm(r: Reader, encoder: Node | None) -> tuple[str | None, Expr | None]:
    """The algorithm handed to ``new JwtEncoder(algorithm, serializer, urlEncoder)``."""
    c = r.call(r.resolve(encoder)) if encoder is not None else None
    if c is None or not c.new or not is_a(c, "JwtEncoder") or not c.args:
        return None, None
    return algorithm_expr(r, c.args[0])
