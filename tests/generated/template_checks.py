"""What the static checks of a provider template share (test_go_provider.py, test_java_provider.py,
test_csharp_provider.py): the rendered file against its golden file, each contract check of the
module clean on it, and each mutation (one rule broken, the code still parses) caught by the check
it names. The module keeps its own checks, which read the file's syntax tree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from migrate.extract.treesitter import Doc


def contract_tests(grammar: str, golden: Path, checks: dict[str, Callable], parsed: Callable,
                   mutations: list[tuple[str, str, str, str]], gone: tuple[type[Exception], ...]):
    """The module's `run_check` and its tests: `checks` by name on `parsed(source)`; `mutations` are
    (id, check, old text, new text); an exception of `gone` (what a check follows is gone) is a
    finding. Assign them to these names in the module:

        run_check, test_matches_golden_file, test_contract, test_check_catches_mutation = contract_tests(...)
    """

    def run_check(name: str, source: str) -> list[str]:
        try:
            return checks[name](parsed(source))
        except gone as e:
            return [str(e)]

    def test_matches_golden_file(rendered, update_golden):
        if update_golden:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(rendered, encoding="utf-8")
        assert rendered == golden.read_text(encoding="utf-8")

    @pytest.mark.parametrize("name", list(checks))
    def test_contract(rendered, name):
        assert run_check(name, rendered) == []

    @pytest.mark.parametrize("check,old,new", [m[1:] for m in mutations], ids=[m[0] for m in mutations])
    def test_check_catches_mutation(rendered, check, old, new):
        assert rendered.count(old) == 1, f"mutation target not found once: {old!r}"
        mutated = rendered.replace(old, new)
        assert Doc.parse(grammar, mutated.encode()).first_error() is None, "the mutant must still parse"
        assert run_check(check, mutated), f"the {check} check missed the mutation"

    return run_check, test_matches_golden_file, test_contract, test_check_catches_mutation
