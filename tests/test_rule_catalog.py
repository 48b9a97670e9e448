"""The catalog is a public interface: IDs from the reference catalog, every doc section, one module each."""

import re
from pathlib import Path

import pytest

import migrate.rules as rules_pkg
from migrate.rules import all_rules

CODE_RULES = {
    "ZG101": "classic-auth-on-messaging", "ZG102": "login-before-loader", "ZG103": "token-rendered-into-page",
    "ZG104": "token-extra-quotes", "ZG105": "secret-in-browser", "ZG106": "legacy-zopim-api",
    "ZG107": "no-genesys-equivalent", "ZG108": "legacy-genesys-webchat", "ZG201": "exp-in-milliseconds",
    "ZG202": "exp-not-integer", "ZG203": "exp-fixed-value", "ZG204": "iat-skewed", "ZG205": "missing-kid",
    "ZG206": "missing-scope-user", "ZG207": "missing-external-id", "ZG208": "external-id-not-string",
    "ZG209": "email-verified-not-boolean", "ZG210": "unsupported-algorithm", "ZG211": "base64-decoded-secret",
    "ZG212": "hardcoded-secret", "ZG213": "lifetime-over-limit", "ZG301": "api-token-for-widget",
    "ZG302": "genesys-secret-in-browser", "ZG303": "id-token-symmetric-alg",
    # added at the end of their families
    "ZG109": "settings-after-loader", "ZG217": "identity-from-request", "ZG218": "classic-chat-missing-exp",
    "ZG219": "token-logged", "ZG220": "remove-after-cutover", "ZG110": "settings-set-as-whole",
}
# TODOs that `migrate generate` writes into the code it produces.
GENERATE_RULES = {"ZG221": "provider-not-mounted", "ZG222": "claim-not-rebound",
                  # what ZG107 used to stand for besides "no Genesys equivalent", one meaning each
                  "ZG111": "page-not-migrated", "ZG223": "route-without-login",
                  "ZG224": "authorization-not-carried", "ZG225": "provider-reachability",
                  "ZG226": "zendesk-code-left", "ZG227": "claim-without-genesys-use",
                  "ZG228": "claims-not-mapped", "ZG229": "dependency-not-added"}
TOKEN_ONLY_RULES = {
    "ZG214": "token-expired", "ZG215": "token-malformed", "ZG216": "signature-mismatch",
    "ZG304": "id-token-audience", "ZG305": "id-token-issuer", "ZG306": "id-token-missing-claim",
}
# "code, token" in the catalog: one module serves both.
BOTH = {"ZG104", "ZG201", "ZG202", "ZG204", "ZG205", "ZG206", "ZG207", "ZG208", "ZG209", "ZG210", "ZG211",
        "ZG213", "ZG301", "ZG303"}


def test_every_code_rule_exists_with_its_public_name():
    assert {r.id: r.name for r in all_rules() if "code" in r.where} == CODE_RULES


def test_token_rules_and_rules_that_serve_both():
    assert {r.id: r.name for r in all_rules() if r.where == ("token",)} == TOKEN_ONLY_RULES
    assert {r.id for r in all_rules() if r.where == ("code", "token")} == BOTH


def test_generate_rules_are_found_by_generate():
    assert {r.id: r.name for r in all_rules() if r.where == ("generate",)} == GENERATE_RULES
    # ZG110 is both: scan finds the assignment, generate leaves its TODO
    assert {r.id for r in all_rules() if r.where == ("code", "generate")} == {"ZG110"}


def test_new_rules_come_after_the_existing_ones_of_their_family():
    ids = sorted(r.id for r in all_rules())
    for family, last_before in (("ZG1", "ZG109"), ("ZG2", "ZG222")):
        new = [i for i in ids if i.startswith(family) and i > last_before]
        assert new == [f"{family}{n:02d}" for n in range(int(last_before[3:]) + 1, int(last_before[3:]) + 1 + len(new))]


def test_one_module_per_rule_named_after_it():
    modules = sorted(p.stem for p in Path(rules_pkg.__file__).parent.glob("zg*.py"))
    everything = {**CODE_RULES, **TOKEN_ONLY_RULES, **GENERATE_RULES}
    assert modules == sorted(f"{i.lower()}_{n.replace('-', '_')}" for i, n in everything.items())


def test_docs_have_every_section_and_a_reference():
    for r in all_rules():
        sections = re.findall(r"^## (.+)$", r.doc, re.M)
        assert sections == ["What it does", "Why is this bad?", "Example", "Use instead", "References"], r.id
        refs = r.doc.split("## References", 1)[1]
        assert refs.strip().startswith("- "), r.id
        assert r.summary and r.severity in ("error", "warning", "info")


def test_findings_come_in_one_order_whatever_order_the_rules_give_them():
    """Two findings of one rule at one place (two TODOs on one line) are ordered by what they say,
    not by hashing: the report is the same on every run."""
    from types import SimpleNamespace

    from migrate import rules
    from migrate.model import Finding

    a = Finding("ZG222", "claims-not-in-request", "info", "src/auth.ts", 109, 10, "`name` of the old code ...")
    b = Finding("ZG222", "claims-not-in-request", "info", "src/auth.ts", 109, 10, "the claims below read `email`")
    inv = SimpleNamespace(files=())
    orders = [rules.run(inv, [SimpleNamespace(run=lambda _inv, found=found: iter(found))])
              for found in ([a, b, a], [b, a])]
    assert orders[0] == orders[1] == [a, b]


def test_selectors_are_checked_against_the_catalog_before_any_rule_loads():
    from migrate import rules

    assert sorted(rules._catalog()) == sorted((r.id, r.name) for r in rules.all_rules())
    rules.check(["ZG2", "hardcoded-secret"], ["ZG212"])
    with pytest.raises(ValueError, match="unknown rule 'ZG9'"):
        rules.check(["ZG9"])
