"""Annotated fixtures: each file (or folder) under fixtures/rules/<ID>/ is scanned as a project.

A line ending in `expect: ZG201` (any comment syntax) must carry that finding; files named
ok_* must carry none of their folder's rule.  Only the folder's rule is compared, so a
fixture can show one mistake without hiding the others it happens to contain.
"""

import re
from pathlib import Path

import pytest

from migrate.scan import scan

from conftest import FIXTURES

RULES_DIR = FIXTURES / "rules"
EXPECT = re.compile(r"expect:\s*((?:ZG\d{3}[\s,]*)+)")


def _cases():
    if not RULES_DIR.is_dir():
        return []
    return [pytest.param(d.name, case, id=f"{d.name}/{case.name}")
            for d in sorted(RULES_DIR.iterdir()) if d.is_dir()
            for case in sorted(d.iterdir())]


def expected(case: Path, rule: str) -> set[tuple[str, int]]:
    files = [case] if case.is_file() else sorted(p for p in case.rglob("*") if p.is_file())
    out = set()
    for f in files:
        rel = f.name if case.is_file() else f.relative_to(case).as_posix()
        for number, line in enumerate(f.read_text(encoding="utf-8").split("\n"), 1):
            m = EXPECT.search(line)
            if m and rule in re.findall(r"ZG\d{3}", m.group(1)):
                out.add((rel, number))
    return out


@pytest.mark.parametrize("rule,case", _cases())
def test_fixture(rule: str, case: Path) -> None:
    want = expected(case, rule)
    if case.name.startswith("ok_"):
        assert not want, "an ok_ fixture must not expect its folder's rule"
    else:
        assert want, f"{case.name}: a positive fixture needs at least one `expect: {rule}` line"
    result = scan(str(case), select=[rule], jobs=1)
    assert not result.inventory.errors, [e.message for e in result.inventory.errors]
    got = {(f.path, f.line) for f in result.findings if f.rule == rule}
    assert got == want, "\n".join(f"{f.path}:{f.line} {f.message}" for f in result.findings)
