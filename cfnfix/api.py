"""The library: template text in; fixed text, unified diff and findings out.

>>> import cfnfix
>>> result = cfnfix.fix(text, "template.yaml", cfnfix.Options(unsafe_fixes=True))
>>> print(result.diff)
"""

from __future__ import annotations

from cfnfix.diff import unified_diff
from cfnfix.loader import BOM, Source, TemplateError, detect_format
from cfnfix.models import Finding, FixResult, Options
from cfnfix.pipeline import process
from cfnfix.registry import fixers_for


def _source(text: str, filename: str, options: Options) -> Source:
    if len(text) > options.max_size // 4 and len(text.encode("utf-8", "surrogatepass")) > options.max_size:
        from cfnfix.discover import too_large

        raise TemplateError(filename, 1, too_large(options.max_size))
    bom = text.startswith(BOM)
    body = text[1:] if bom else text
    return Source(body, bom, detect_format(filename, body))


def fix(text: str, filename: str = "template.yaml", options: Options | None = None) -> FixResult:
    """Fix ``text`` (a template's contents) at the level ``options`` allows.

    Returns the fixed text, a git-style unified diff (``a/``/``b/`` + ``filename``), every
    finding of the original, the findings whose fixes were applied, and those that remain.
    A text that is not a CloudFormation template comes back unchanged with no findings.
    Raises :class:`cfnfix.TemplateError` when the text does not parse.
    """
    options = options or Options()
    source = _source(text, filename, options)
    outcome = process(source, filename, fixers_for(options), options)
    not_kept = None
    if options.verify:
        from cfnfix.verify import verify

        not_kept = verify(outcome, outcome.options.target_regions)
    fixed = source.whole(outcome.text)
    return FixResult(
        filename=filename,
        original=text,
        fixed=fixed,
        diff=unified_diff(text, fixed, filename),
        findings=outcome.findings,
        applied=outcome.applied,
        remaining=outcome.remaining,
        error="\n".join(outcome.errors) or None,
        not_kept=not_kept,
    )


def check(text: str, filename: str = "template.yaml", options: Options | None = None) -> list[Finding]:
    """The findings of ``text`` without fixing anything (raises :class:`cfnfix.TemplateError` on bad input)."""
    options = options or Options()
    fixers = fixers_for(options)
    return process(_source(text, filename, options), filename, fixers, options, fix=False).findings


def options_for(
    path: str,
    *,
    config: str | None = None,
    isolated: bool = False,
    **overrides: object,
) -> Options:
    """The options of the template at ``path`` as the CLI resolves them: the closest configuration
    file above it (or ``config``; none with ``isolated``), ``.cfnlintrc``'s regions, and
    ``overrides`` (``select=("CFX002",)``, ``unsafe_fixes=True``, ...) over the files.
    Raises :class:`cfnfix.config.ConfigError` for a configuration that cannot be used."""
    from pathlib import Path

    from cfnfix.config import Overrides, Resolver

    resolver = Resolver(Overrides(**overrides), Path(config) if config else None, isolated)  # type: ignore[arg-type]
    return resolver.options(path)
