"""Golden-case testing for fixers, built-in or from a plugin: the checks cfnfix's own suite runs.

A golden case is a folder holding ``input.yaml`` (or ``.yml``, ``.json``) and
``expected.*``, and optionally ``options.json`` (fields of :class:`cfnfix.Options`) and
``findings.txt`` (the input's findings as ``cfnfix check`` prints them, suggestions
included: what a display fixer's case proves). By default
the case is fixed with the fixer its parent folder is named after (``golden/ACME001/case/``)
and unsafe fixes on. A plugin's tests call::

    import pytest
    from cfnfix.testing import check_golden_case, golden_cases

    @pytest.mark.parametrize("case", golden_cases("tests/golden"), ids=str)
    def test_golden(case):
        check_golden_case(case)

Each check raises ``AssertionError`` saying what failed: the input has a finding of the
selected fixers; the output equals ``expected.*`` byte for byte; fixing it again changes
nothing; cfn-lint reports nothing on the output that it did not report on the input; and
where a fix applied, the fixer's own cfn-lint rules are silent.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path

from cfnfix.models import FixResult, Options

SUFFIXES = (".yaml", ".yml", ".json")


def golden_cases(root: str | Path) -> list[Path]:
    """Every case folder (``root/CODE/case/``) under ``root``, sorted."""
    return sorted(p for p in Path(root).glob("*/*") if p.is_dir() and any(p.glob("input.*")))


def _one(case: Path, stem: str) -> Path:
    found = [p for p in case.iterdir() if p.stem == stem and p.suffix in SUFFIXES]
    if len(found) != 1:
        raise AssertionError(f"{case}: expected one {stem}.yaml, .yml or .json file, found {len(found)}")
    return found[0]


def input_file(case: Path) -> Path:
    """A case's ``input.*`` file."""
    return _one(case, "input")


def case_options(case: Path) -> Options:
    """The case's options: its parent folder's fixer, unsafe fixes on, then ``options.json``."""
    settings: dict[str, object] = {"select": (case.parent.name,), "unsafe_fixes": True}
    extra = case / "options.json"
    if extra.exists():
        settings.update(json.loads(extra.read_text(encoding="utf-8")))
    return Options.model_validate(settings)


@functools.cache
def _lint(text: str, regions: tuple[str, ...]) -> Counter[tuple[str, str]]:
    from cfnfix.verify import lint

    return lint(text, regions)


def check_golden_case(case: str | Path, *, cfn_lint: bool = True) -> FixResult:
    """Run every golden-case check on ``case``; returns the fix's result for further checks."""
    import cfnfix
    from cfnfix.registry import all_fixers

    case = Path(case)
    source_path, expected_path = _one(case, "input"), _one(case, "expected")
    source = source_path.read_bytes().decode("utf-8")
    expected = expected_path.read_bytes().decode("utf-8")
    options = case_options(case)
    result = cfnfix.fix(source, source_path.name, options)
    if result.error is not None:
        raise AssertionError(f"{case}: {result.error}")
    if not result.findings:
        selected = ", ".join(options.select)
        raise AssertionError(f"{case}: the input has no finding of {selected}: the case proves nothing")
    if result.fixed != expected:
        from cfnfix.diff import unified_diff

        raise AssertionError(f"{case}: the output differs from {expected_path.name}:\n"
                             + unified_diff(expected, result.fixed, expected_path.name))
    again = cfnfix.fix(result.fixed, source_path.name, options)
    if again.fixed != result.fixed:
        raise AssertionError(f"{case}: fixing the output again changed it")
    if any(f.fix is None and not f.no_fix_reason and not f.suggestion for f in result.findings):
        raise AssertionError(f"{case}: a finding has neither a fix, a reason for having none, nor a suggestion")
    listed = case / "findings.txt"
    if listed.exists():
        from cfnfix.report import text_line

        shown = "".join(text_line(f, options.unsafe_fixes) + "\n" for f in result.findings)
        if shown != listed.read_text(encoding="utf-8"):
            from cfnfix.diff import unified_diff

            raise AssertionError(f"{case}: the findings differ from findings.txt:\n"
                                 + unified_diff(listed.read_text(encoding="utf-8"), shown, "findings.txt"))
    if cfn_lint:
        regions = options.target_regions
        before, after = _lint(source, regions), _lint(expected, regions)
        new = sorted((after - before).elements())
        if new:
            raise AssertionError(f"{case}: cfn-lint findings introduced: {new}")
        rules_of = {fixer.code: fixer.cfn_lint_rules for fixer in all_fixers()}
        rules = {rule for finding in result.applied for rule in rules_of.get(finding.code, ())}
        still = sorted({rule for rule, _message in after} & rules)
        if still:
            raise AssertionError(f"{case}: cfn-lint still reports {still} after the fix")
    return result
