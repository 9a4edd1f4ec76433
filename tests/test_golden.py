"""Golden cases: each fixer's before/after pairs, checked byte for byte and against cfn-lint.

``golden/<CODE>/<case>/input.{yaml,json}`` is fixed with only that fixer selected and
unsafe fixes on (``options.json`` may change any option; ``golden/interactions/`` holds
cases of several fixers at once, each selecting its fixers there); the result must equal
``expected.*`` exactly, fixing it again must change nothing, cfn-lint must report no
finding on the result that it did not report on the input, and where the fix applied
the fixer's own cfn-lint rules must be silent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cfnfix
from cfnfix.registry import all_fixers
from tests.conftest import GOLDEN, lint

CASES = sorted(p for p in GOLDEN.glob("*/*") if p.is_dir())
RULES = {fixer.code: fixer.cfn_lint_rules for fixer in all_fixers()}


def _read(case: Path, stem: str) -> tuple[Path, str]:
    found = [p for p in case.iterdir() if p.stem == stem and p.suffix in (".yaml", ".yml", ".json")]
    assert len(found) == 1, f"{case}: expected one {stem}.* file"
    return found[0], found[0].read_bytes().decode("utf-8")


def _options(case: Path) -> cfnfix.Options:
    settings: dict[str, object] = {"select": (case.parent.name,), "unsafe_fixes": True}
    extra = case / "options.json"
    if extra.exists():
        settings.update(json.loads(extra.read_text()))
    return cfnfix.Options(**settings)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden_case(case: Path) -> None:
    source_path, source = _read(case, "input")
    _expected_path, expected = _read(case, "expected")
    options = _options(case)
    result = cfnfix.fix(source, source_path.name, options)
    assert result.error is None
    assert result.findings, "the input has no finding of the selected fixers: the case proves nothing"
    assert {f.code for f in result.findings} <= set(options.select)
    assert result.fixed == expected
    again = cfnfix.fix(result.fixed, source_path.name, options)
    assert again.fixed == result.fixed, "fixing twice changed the template again"

    before, after = lint(source), lint(expected)
    assert after - before == set(), f"cfn-lint findings introduced: {sorted(after - before)}"
    if result.applied:
        rules = {rule for code in {f.code for f in result.applied} for rule in RULES[code]}
        assert not {r for r, _ in after} & rules, f"{rules} still reported after the fix"
    else:
        assert all(f.no_fix_reason for f in result.findings if f.fix is None)


def test_every_fixer_has_six_golden_cases_in_yaml_and_json() -> None:
    for fixer in all_fixers():
        cases = [c for c in CASES if c.parent.name == fixer.code]
        assert len(cases) >= 6, f"{fixer.code} has {len(cases)} golden cases"
        suffixes = {_read(c, "input")[0].suffix for c in cases}
        assert "json" not in fixer.formats or ".json" in suffixes, f"{fixer.code}: {suffixes}"
        assert "yaml" not in fixer.formats or suffixes & {".yaml", ".yml"}, f"{fixer.code}: {suffixes}"
