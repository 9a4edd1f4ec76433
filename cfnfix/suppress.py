"""Suppressions: what a template says cfnfix must leave alone.

- ``# cfnfix: ignore[CFX004, CFX101]`` (or a bare ``# cfnfix: ignore``) at the end of a
  node's line, or alone on the line above it, skips that node's findings and those of
  everything inside it; ``# cfnfix: skip-file`` among the leading comments skips the file.
- ``Metadata: {cfnfix: {ignore: [CFX004]}}`` at the template's top level or in a resource
  does the same for the template or the resource, in YAML and in JSON (which has no comments).
- cfn-lint's own ``Metadata: {cfn-lint: {config: {ignore_checks: [W1011]}}}``, at either
  level, silences the fixers that answer those cfn-lint rules, so that cfnfix does not
  overrule what a team told cfn-lint.

A suppression that matches no finding of a selected fixer is reported, with
``warn_unused_ignores``, as a finding of the engine's own code ``CFX000``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cfnfix.models import Finding, Path
from cfnfix.template import Template

UNUSED_CODE = "CFX000"
UNUSED_NAME = "unused-suppression"
_COMMENT = re.compile(r"#[ \t]*cfnfix:[ \t]*(?P<what>ignore|skip-file)\b(?:\[(?P<codes>[^\]\n]*)\])?")
_CONTENT = re.compile(r"[ \t]*(?:#.*)?(?:\r?\n|$)")  # a blank or comment-only line


@dataclass
class Suppression:
    """One suppression: which findings it covers, and where it is written."""

    line: int
    column: int
    written: str
    #: codes, code prefixes or names (empty: every fixer)
    tokens: tuple[str, ...] = ()
    #: cfn-lint rule ids or prefixes (``ignore_checks``); the fixers answering them are covered
    rules: tuple[str, ...] = ()
    #: the lines whose nodes it covers (a comment), or the node it covers (metadata)
    lines: frozenset[int] = frozenset()
    path: Path | None = None
    used: bool = False
    #: cfn-lint's own setting: never reported as unused
    foreign: bool = False

    def names(self, finding: Finding, rules_of: dict[str, tuple[str, ...]]) -> bool:
        if self.rules:
            return any(rule.startswith(prefix) for rule in rules_of.get(finding.code, ()) for prefix in self.rules)
        return not self.tokens or any(_token_names(token, finding.code, finding.name) for token in self.tokens)


def _token_names(token: str, code: str, name: str) -> bool:
    return code.startswith(token.upper()) or token.lower() == name


@dataclass
class Suppressions:
    skip_file: bool = False
    found: list[Suppression] = field(default_factory=list)


def read_suppressions(template: Template) -> Suppressions:
    """Every suppression a template holds (nothing to read costs one substring search)."""
    result = Suppressions()
    text = template.text
    if template.fmt == "yaml" and "cfnfix:" in text:
        _comments(template, text, result)
    if isinstance(template.data, dict):
        _metadata(template, template.data.get("Metadata"), (), result)
        for name, resource in template.resources.items():
            if isinstance(resource, dict):
                _metadata(template, resource.get("Metadata"), ("Resources", name), result)
    return result


def _comments(template: Template, text: str, result: Suppressions) -> None:
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    first_content = _first_content_line(text)
    for index in template.comment_starts():
        match = _COMMENT.match(text, index)
        if match is None:
            continue
        line = bisect.bisect_right(starts, index)
        line_start = starts[line - 1]
        alone = not text[line_start:index].strip()
        codes = tuple(c.strip() for c in (match["codes"] or "").split(",") if c.strip())
        if match["what"] == "skip-file":
            if alone and (first_content is None or line < first_content):
                result.skip_file = True
            continue
        target = _next_content_line(text, starts, line) if alone else line
        result.found.append(Suppression(line, index - line_start + 1, match.group(0), tokens=codes,
                                        lines=frozenset({target})))


def _first_content_line(text: str) -> int | None:
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped not in ("---", "\ufeff"):
            return number
    return None


def _next_content_line(text: str, starts: list[int], line: int) -> int:
    for number in range(line + 1, len(starts) + 1):
        if not _CONTENT.fullmatch(text, starts[number - 1], starts[number] if number < len(starts) else len(text)):
            return number
    return line


def _metadata(template: Template, metadata: Any, path: Path, result: Suppressions) -> None:
    if not isinstance(metadata, dict):
        return
    base = (*path, "Metadata")
    ours = metadata.get("cfnfix")
    if isinstance(ours, dict) and isinstance(ours.get("ignore"), list | str):
        tokens = ours["ignore"] if isinstance(ours["ignore"], list) else [ours["ignore"]]
        line, column = template.mark((*base, "cfnfix", "ignore"))
        result.found.append(Suppression(line, column, f"Metadata: cfnfix: ignore: {tokens}",
                                        tokens=tuple(str(t) for t in tokens), path=path))
    cfn_lint = metadata.get("cfn-lint")
    config = cfn_lint.get("config") if isinstance(cfn_lint, dict) else None
    checks = config.get("ignore_checks") if isinstance(config, dict) else None
    if isinstance(checks, list | str):
        rules = tuple(str(r) for r in (checks if isinstance(checks, list) else [checks]))
        line, column = template.mark((*base, "cfn-lint", "config", "ignore_checks"))
        result.found.append(Suppression(line, column, f"ignore_checks {list(rules)}", rules=rules, path=path,
                                        foreign=True))


def _node_lines(template: Template, path: Path) -> set[int]:
    """The lines of the node at ``path`` and of each node holding it (the template itself excluded)."""
    return {template.mark(path[:depth])[0] for depth in range(1, len(path) + 1)}


def apply_suppressions(
    template: Template, findings: Sequence[Finding], rules_of: dict[str, tuple[str, ...]],
) -> tuple[list[Finding], Suppressions]:
    """The findings no suppression covers, and the suppressions (``used`` set on those that covered one)."""
    suppressions = read_suppressions(template)
    if suppressions.skip_file:
        return [], suppressions
    if not suppressions.found:
        return list(findings), suppressions
    kept: list[Finding] = []
    for finding in findings:
        lines: set[int] | None = None
        covered = False
        for suppression in suppressions.found:
            if suppression.path is not None:
                applies = finding.path[: len(suppression.path)] == suppression.path
            else:
                lines = _node_lines(template, finding.path) if lines is None else lines
                applies = bool(suppression.lines & lines)
            if applies and suppression.names(finding, rules_of):
                suppression.used = covered = True
        if not covered:
            kept.append(finding)
    return kept, suppressions


def unused(suppressions: Suppressions, selected: dict[str, str], filename: str) -> list[Finding]:
    """A ``CFX000`` finding for each of cfnfix's own suppressions that matched nothing
    (``selected``: code to name of the fixers that ran), as ruff's RUF100."""
    found = []
    for suppression in suppressions.found:
        if suppression.used or suppression.foreign:
            continue
        idle = [token for token in suppression.tokens
                if not any(_token_names(token, code, name) for code, name in selected.items())]
        why = f" (not a selected fixer: {', '.join(idle)})" if idle else ""
        found.append(Finding(code=UNUSED_CODE, name=UNUSED_NAME,
                             message=f"Suppression `{suppression.written}` matches no finding{why}",
                             path=(), line=suppression.line, column=suppression.column, filename=filename,
                             no_fix_reason="remove the suppression, or the codes it no longer needs"))
    return found
