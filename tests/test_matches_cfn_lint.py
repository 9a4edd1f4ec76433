"""Detection equals cfn-lint: for every rule a fixer answers, the fixer finds every finding
of that rule (save the exceptions its docstring lists), and after
``fix --apply --unsafe-fixes`` the rule is silent wherever the fixer had a fix.

Runs over ../shared/corpus and every golden input.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cfnfix
from cfnfix.edits import overlaps
from cfnfix.fixer import Fixer
from cfnfix.loader import TemplateError
from cfnfix.models import Finding
from cfnfix.registry import all_fixers
from tests.conftest import CORPUS, GOLDEN, LintMatch, lint_matches

SUFFIXES = (".yaml", ".yml", ".json", ".template")
TEMPLATE_TEXT = re.compile(r'^(Resources|AWSTemplateFormatVersion)\s*:|"Resources"\s*:', re.M)


def _texts() -> list[tuple[str, str]]:
    paths = sorted(p for p in CORPUS.rglob("*") if p.suffix in SUFFIXES) if CORPUS.exists() else []
    paths += sorted(GOLDEN.glob("*/*/input.*"))
    found = []
    for path in paths:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        if TEMPLATE_TEXT.search(text):
            found.append((str(path), text))
    return found


def _matches(text: str, rules: set[str]) -> list[LintMatch]:
    return [match for match in lint_matches(text) if match[0] in rules]


ANSWERING = [f for f in all_fixers() if f.cfn_lint_rules]
RULES = {rule for f in ANSWERING for rule in f.cfn_lint_rules}


@pytest.fixture(scope="module")
def outcomes() -> list[tuple[str, list[LintMatch], list[Finding], list[LintMatch], list[Finding]]]:
    results = []
    options = cfnfix.Options(unsafe_fixes=True)
    for name, text in _texts():
        before = _matches(text, RULES)
        try:
            result = cfnfix.fix(text, Path(name).name, options)
        except TemplateError:
            continue
        after = _matches(result.fixed, RULES) if result.changed else before
        results.append((name, before, result.findings, after if result.changed else [], result.remaining))
    return results


def _excused(fixer: Fixer, message: str) -> bool:
    return any(re.search(pattern, message) for pattern in fixer.cfn_lint_exceptions)


@pytest.mark.parametrize("fixer", ANSWERING, ids=[f.code for f in ANSWERING])
def test_fixer_finds_every_finding_of_its_rules(fixer: Fixer, outcomes: list[tuple]) -> None:  # type: ignore[type-arg]
    missed = []
    for name, before, findings, _after, _remaining in outcomes:
        mine = [p for f in findings if f.code == fixer.code for p in (f.path, *f.related)]
        for rule, path, message in before:
            if rule in fixer.cfn_lint_rules and not _excused(fixer, message) and not any(
                overlaps(p, path) for p in mine
            ):
                missed.append(f"{name}: {rule} at {'/'.join(map(str, path))}: {message}")
    assert not missed, "\n".join(missed[:30])


@pytest.mark.parametrize("fixer", ANSWERING, ids=[f.code for f in ANSWERING])
def test_rules_are_silent_where_fixed(fixer: Fixer, outcomes: list[tuple]) -> None:  # type: ignore[type-arg]
    left = []
    for name, _before, _findings, after, remaining in outcomes:
        kept = [p for f in remaining if f.code == fixer.code for p in (f.path, *f.related)]
        for rule, path, message in after:
            if rule in fixer.cfn_lint_rules and not _excused(fixer, message) and not any(
                overlaps(p, path) for p in kept
            ):
                left.append(f"{name}: {rule} at {'/'.join(map(str, path))}: {message}")
    assert not left, "\n".join(left[:30])
