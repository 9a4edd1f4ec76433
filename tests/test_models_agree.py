"""The fast model (libyaml) and the editing model (ruamel.yaml) give the same data and findings."""

from __future__ import annotations

import pytest

from cfnfix.loader import TemplateError, decode, load_template
from cfnfix.models import Options
from cfnfix.pipeline import detect
from cfnfix.registry import all_fixers
from tests.conftest import CORPUS

SUFFIXES = (".yaml", ".yml", ".json", ".template")
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in SUFFIXES) if CORPUS.exists() else []


@pytest.mark.skipif(not FILES, reason="needs ../shared/corpus")
def test_fast_and_ruamel_models_agree_on_the_corpus() -> None:
    options = Options(unsafe_fixes=True, regions=("us-east-1", "eu-west-1"))
    fixers = all_fixers()
    compared = 0
    for path in FILES:
        try:
            source = decode(path.read_bytes(), str(path))
            fast = load_template(source, str(path))
        except TemplateError:
            continue
        if fast is None:
            continue
        slow = load_template(source, str(path), editing=True)
        assert slow is not None, path
        assert slow.data == fast.data, path
        errors: list[str] = []
        assert detect(slow, fixers, options, errors) == detect(fast, fixers, options, errors), path
        assert not errors, errors
        compared += 1
    assert compared > 400
