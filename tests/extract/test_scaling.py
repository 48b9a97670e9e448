"""A file's analysis grows with the file: a bundle of many copies of the same signing route
costs each copy its own lines, not every other copy's."""

from __future__ import annotations

import time

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.model import FileFacts

ROUTE = """const jwt = require('jsonwebtoken');
app.get('/zendesk/jwt/{i}', requireAuth, (req, res) => {{
  const token = jwt.sign({{ external_id: req.user.id, name: req.user.name, scope: 'user' }},
    process.env.ZENDESK_SECRET);
  res.json({{ jwt: token }});
}});
"""


def copies(n: int) -> Source:
    return Source.of("routes.js", "javascript", "".join(ROUTE.format(i=i) for i in range(n)))


def cpu(src: Source) -> tuple[float, FileFacts]:
    """CPU seconds (other work on the machine does not count) of the fastest of two runs."""
    best, found = float("inf"), None
    for _ in range(2):
        started = time.process_time()
        found = extract(src)
        best = min(best, time.process_time() - started)
    assert found is not None
    return best, found


def test_copies_of_a_signing_route_cost_linear_time():
    small, few = cpu(copies(100))
    large, many = cpu(copies(1000))
    assert len(few.signers) == 100 and len(many.signers) == 1000
    # Every copy is judged as the single route would be: each reads its own `const jwt`.
    assert {s.hints for s in many.signers} == {frozenset({"zendesk"})}
    assert [s.route for s in many.signers[:3]] == [f"GET /zendesk/jwt/{i}" for i in range(3)]
    # Ten times the copies: about ten times the work (a quadratic cost is about 50 times).
    assert large < 25 * small, f"100 copies {small:.3f} s, 1000 copies {large:.3f} s CPU"
