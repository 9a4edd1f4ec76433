"""``--verify``: keep a file's fixes only if cfn-lint reports nothing on the result that it
did not report on the original.

cfn-lint is imported and its rules loaded once, on first use (about half a second); each
verified file then costs two cfn-lint runs, typically 0.05 to 0.5 s each, and only files
that a fix changed are linted.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any

from cfnfix.names import shown
from cfnfix.pipeline import Outcome
from cfnfix.secrets import mask_text


@functools.cache
def _runner(regions: tuple[str, ...]) -> Any:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(regions=list(regions)))


LintMatch = tuple[str, tuple[Any, ...], str]


def lint_matches(text: str, regions: tuple[str, ...] = ("us-east-1",)) -> list[LintMatch]:
    """cfn-lint's findings of a template text as (rule id, path, message), as ``cfnlint.api.lint``
    gives them, with the rules loaded once (``cfnlint.api.lint`` loads them on every call)."""
    from cfnlint.decode.decode import decode_str

    template, errors = decode_str(text)
    matches = errors or ([] if template is None else _runner(regions).validate_template(template))
    return [(m.rule.id, tuple(m.path or ()), m.message) for m in matches]


@functools.lru_cache(maxsize=64)
def lint(text: str, regions: tuple[str, ...]) -> Counter[tuple[str, str]]:
    """cfn-lint's findings of a template text, as (rule id, message) counts (cached: verifying a fix
    and counting what it removed read the same two texts; callers must not change the Counter)."""
    return Counter((rule, message) for rule, _path, message in lint_matches(text, regions))


def introduced(before: str, after: str, regions: tuple[str, ...]) -> list[tuple[str, str]]:
    """cfn-lint findings of ``after`` that ``before`` did not have."""
    return sorted((lint(after, regions) - lint(before, regions)).elements())


def verify(outcome: Outcome, regions: tuple[str, ...]) -> str | None:
    """Undo a file's fixes when cfn-lint reports something new; the reason, or None when kept."""
    if not outcome.changed:
        return None
    try:
        new = introduced(outcome.source.text, outcome.text, regions)
    except Exception as exc:  # cfn-lint's own failure: nothing is proven, so nothing is kept
        reason = f"cfn-lint failed ({type(exc).__name__})"
    else:
        if not new:
            return None
        listed = "; ".join(f"{rule} {message}" for rule, message in new[:3])
        more = f" (and {len(new) - 3} more)" if len(new) > 3 else ""
        reason = f"cfn-lint reports {len(new)} new finding(s): {listed}{more}"
    outcome.text = outcome.source.text
    outcome.remaining = outcome.findings
    outcome.applied = []
    return f"{shown(outcome.filename)}: fixes not kept: {mask_text(reason, outcome.secrets)}"
