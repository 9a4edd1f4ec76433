"""Golden cases: each fixer's before/after pairs, checked byte for byte and against cfn-lint.

``golden/<CODE>/<case>/input.{yaml,json}`` is fixed with only that fixer selected and
unsafe fixes on (``options.json`` may change any option; ``golden/interactions/`` holds
cases of several fixers at once, each selecting its fixers there); the result must equal
``expected.*`` exactly, fixing it again must change nothing, cfn-lint must report no
finding on the result that it did not report on the input, and where the fix applied
the fixer's own cfn-lint rules must be silent. The checks are ``cfnfix.testing``'s, which
plugins' tests call too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cfnfix.registry import all_fixers
from cfnfix.testing import check_golden_case, golden_cases, input_file
from tests.conftest import GOLDEN

CASES = golden_cases(GOLDEN)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden_case(case: Path) -> None:
    check_golden_case(case)


def test_every_fixer_has_six_golden_cases_in_yaml_and_json() -> None:
    for fixer in all_fixers():
        cases = [c for c in CASES if c.parent.name == fixer.code]
        assert len(cases) >= 6, f"{fixer.code} has {len(cases)} golden cases"
        suffixes = {input_file(c).suffix for c in cases}
        assert "json" not in fixer.formats or ".json" in suffixes, f"{fixer.code}: {suffixes}"
        assert "yaml" not in fixer.formats or suffixes & {".yaml", ".yml"}, f"{fixer.code}: {suffixes}"
