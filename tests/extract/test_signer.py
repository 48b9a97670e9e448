"""Every extractor builds its signers through ``migrate.extract.signer``."""

from __future__ import annotations

import re
from pathlib import Path

import migrate
from migrate.extract.signer import Draft, build
from migrate.model import Expr

_ROOT = Path(migrate.__file__).parent
_BUILDS = re.compile(r"(?<![\w.])Signer\(|traits\.secret\(")


def test_only_the_builder_constructs_signers_and_describes_keys() -> None:
    others = [str(p.relative_to(_ROOT)) for p in _ROOT.rglob("*.py")
              if p.name != "signer.py" and _BUILDS.search(p.read_text())]
    assert others == []


def test_build_reports_the_key_where_the_draft_says() -> None:
    key = Expr("SECRET", 3, 9, kind="name", resolved=Expr("'s3cret'", 1, 10, kind="string",
                                                          value="s3cret"))
    draft = Draft(None, "pyjwt", key=key, line=5, column=4, algorithm="HS256")
    signer = build("app.py", "python", draft)
    assert (signer.line, signer.column, signer.library, signer.language) == (5, 4, "pyjwt", "python")
    assert signer.secret is not None and signer.secret.source == "literal"
    assert (signer.secret.line, signer.secret.column) == (3, 9)
    assert "s3cret" not in signer.secret.expression
    draft.key_at = (5, 30)
    moved = build("app.py", "python", draft).secret
    assert moved is not None and (moved.line, moved.column) == (5, 30)


def test_build_copies_the_drafts_mappings() -> None:
    draft = Draft(None, "jjwt", claims={"sub": Expr("id", 1, 1, kind="name")})
    signer = build("A.java", "java", draft)
    draft.claims["exp"] = Expr("0", 1, 1, kind="int", value=0)
    assert list(signer.claims) == ["sub"] and signer.secret is None
