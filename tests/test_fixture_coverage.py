"""Every code rule has positive and ok_ fixtures, in every language it applies to."""

from collections import defaultdict

import pytest

from migrate.rules import all_rules

from conftest import FIXTURES

SIGNER_LANGUAGES = {"js/ts": {".js", ".ts", ".tsx", ".mjs"}, "python": {".py"}, "csharp": {".cs"},
                    "java": {".java"}, "go": {".go"}, "ruby": {".rb"}, "php": {".php"}}
PAGE_OR_SCRIPT = {"page or script": {".html", ".erb", ".ejs", ".cshtml", ".jsp", ".j2", ".twig", ".php",
                                     ".vue", ".js", ".ts", ".tsx", ".jsx", ".hbs"}}


def _languages(rule_id: str) -> dict[str, set[str]]:
    if rule_id.startswith("ZG1") or rule_id in ("ZG301", "ZG302"):
        return PAGE_OR_SCRIPT
    if rule_id == "ZG303":
        return {k: SIGNER_LANGUAGES[k] for k in ("js/ts", "python")}
    return SIGNER_LANGUAGES


def _suffixes(path):
    return {p.suffix for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("rule", [r.id for r in all_rules() if "code" in r.where])
def test_rule_has_fixtures_in_each_language(rule):
    folder = FIXTURES / "rules" / rule
    assert folder.is_dir(), f"no fixtures for {rule}"
    seen = defaultdict(set)
    for case in folder.iterdir():
        kind = "ok" if case.name.startswith("ok_") else "positive"
        for language, suffixes in _languages(rule).items():
            if _suffixes(case) & suffixes:
                seen[language].add(kind)
    missing = {lang: {"ok", "positive"} - seen[lang] for lang in _languages(rule)
               if {"ok", "positive"} - seen[lang]}
    assert not missing, f"{rule} lacks fixtures: {missing}"
