"""Helpers for the display fixers' unit tests: a template from text, and a fixer's findings on it."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from typing import Any

from cfnfix.fixer import Fixer
from cfnfix.loader import decode, load_template
from cfnfix.models import Finding, Options
from cfnfix.template import Template

DOC_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "Use instead", "## Fix safety",
                "## References")


def load(text: str, name: str = "t.yaml") -> Template:
    """The fast model of a template text (with its text, as the CLI loads it)."""
    template = load_template(decode(textwrap.dedent(text).encode(), name), name)
    assert template is not None
    return template


def findings(fixer: Fixer, text: str, name: str = "t.yaml", **options: object) -> list[Finding]:
    """The fixer's findings on a template text; each is a display finding with a suggestion and no edit."""
    found = list(fixer.find(load(text, name), Options.model_validate(options)))
    for finding in found:
        assert finding.fix is None and finding.suggestion and finding.no_fix_reason is None
    return found


def calls(work: Callable[[], Any]) -> int:
    """How many functions (Python and built-in) ``work`` calls: a count that grows with the work done
    and, unlike a time, does not depend on the machine's load."""
    count = 0

    def profile(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count
