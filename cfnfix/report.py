"""Findings as people and tools read them: text, JSON, SARIF 2.1.0, GitHub workflow commands, statistics.

Every format is built from findings as they leave the pipeline, so the template's
secrets are already masked; SARIF's replacement texts are masked here as well.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cfnfix.models import Finding
from cfnfix.names import shown

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: GitHub code scanning's limits for one uploaded run
SARIF_MAX_RESULTS = 25_000
SARIF_MAX_GZIPPED = 10 * 1024 * 1024


@dataclass(frozen=True)
class Reported:
    """A finding with what its file was processed with: whether unsafe fixes apply, its secrets,
    its text (for SARIF's fixes), and the finding's fix applied alone (None: not computed)."""

    finding: Finding
    unsafe: bool
    secrets: frozenset[str] = frozenset()
    text: str = ""
    fixed_alone: str | None = None


def mark(finding: Finding, unsafe: bool) -> str:
    """``[*]`` a fix applies at this level, ``[unsafe]`` one needs --unsafe-fixes, else nothing."""
    if finding.fix is None:
        return ""
    if finding.fixable(unsafe):
        return "[*]"
    return "[unsafe]" if finding.fix.applicability.value == "unsafe" else ""


def suggestion_lines(finding: Finding) -> list[str]:
    """A finding's suggestion as lines to print below it: ``    suggestion: ...``, or the heading
    and the suggestion's own lines indented below it."""
    if not finding.suggestion:
        return []
    lines = finding.suggestion.splitlines()
    if len(lines) == 1:
        return [f"    suggestion: {lines[0]}"]
    return ["    suggestion:", *(f"      {line}" if line.strip() else "" for line in lines)]


def text_line(finding: Finding, unsafe: bool, *, color: bool = False) -> str:
    """``FILE:LINE:COL: CODE [*] message`` (with rich markup when ``color``), then the suggestion's
    lines, indented, when the finding has one."""
    level = mark(finding, unsafe)
    name = shown(finding.filename)
    reason = f" (no fix: {finding.no_fix_reason})" if finding.fix is None and finding.no_fix_reason else ""
    suggestion = suggestion_lines(finding)
    if not color:
        return "\n".join([f"{name}:{finding.line}:{finding.column}: {finding.code} {level + ' ' if level else ''}"
                          f"{finding.message}{reason}", *suggestion])
    from rich.markup import escape

    styled = {"[*]": "[cyan]\\[*][/] ", "[unsafe]": "[yellow]\\[unsafe][/] ", "": ""}[level]
    first = (f"[bold]{escape(name)}[/][dim]:[/]{finding.line}[dim]:[/]{finding.column}[dim]:[/] "
             f"[bold red]{finding.code}[/] {styled}{escape(finding.message)}[dim]{escape(reason)}[/]")
    return "\n".join([first, *(f"[green]{escape(line)}[/]" if line else "" for line in suggestion)])


def message_text(finding: Finding) -> str:
    """The message with why there is no fix, and the suggestion, for formats that take one text."""
    text = finding.message + (f" (no fix: {finding.no_fix_reason})" if finding.fix is None and finding.no_fix_reason
                              else "")
    return text + (f"\nSuggestion:\n{finding.suggestion}" if finding.suggestion else "")


def json_report(findings: Iterable[Finding]) -> str:
    """The findings as the library's models: a JSON list (``findings.schema.json`` describes it)."""
    return json.dumps([f.model_dump(mode="json") for f in findings], indent=2) + "\n"


def findings_schema() -> dict[str, Any]:
    """The JSON schema of ``--format json``: a list of findings."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(list[Finding]).json_schema()
    schema["title"] = "cfnfix findings"
    return schema


# --- GitHub workflow commands ------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_report(reported: Iterable[Reported]) -> str:
    """One ``::warning`` (``::notice`` for a finding with no fix) workflow command per finding."""
    lines = []
    for item in reported:
        f = item.finding
        kind = "warning" if f.fix is not None else "notice"
        level = mark(f, item.unsafe)
        title = f"{f.code} {f.name}" + (f" {level}" if level else "")
        lines.append(f"::{kind} file={_escape_property(f.filename)},line={f.line},col={f.column},"
                     f"title={_escape_property(title)}::{_escape_data(message_text(f))}")
    return "".join(line + "\n" for line in lines)


# --- Markdown (a job summary) -----------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_report(
    reported: Sequence[Reported], *, title: str, diffs: Sequence[tuple[str, frozenset[str]]] = ()
) -> str:
    """A Markdown summary: a table of the findings, and the diffs (each with its file's secrets
    masked: a job summary is published, unlike the user's own diff on a terminal)."""
    from cfnfix.secrets import mask_text

    lines = [f"## {title}", ""]
    if reported:
        lines += ["| file | line | code | fix | message |", "|---|---|---|---|---|"]
        for item in reported:
            f = item.finding
            level = mark(f, item.unsafe) or ("no fix" if f.fix is None else "")
            lines.append(f"| {_cell(shown(f.filename))} | {f.line} | {f.code} {f.name} | {_cell(level)} | "
                         f"{_cell(f.message)} |")
        lines.append("")
        lines += suggestions_markdown([(shown(item.finding.filename), item.finding) for item in reported])
    for diff, secrets in diffs:
        fence = "````" if "```" in diff else "```"
        lines += [f"{fence}diff", mask_text(diff, secrets).rstrip("\n"), fence, ""]
    return "\n".join(lines) + "\n"


def suggestions_markdown(findings: Sequence[tuple[str, Finding]], *, heading: str = "### Suggestions") -> list[str]:
    """Markdown lines giving the suggestion of each (file as shown, finding) that has one (none when none has)."""
    with_one = [(path, f) for path, f in findings if f.suggestion]
    if not with_one:
        return []
    lines = [heading, ""]
    for path, f in with_one:
        fence = "````" if "```" in (f.suggestion or "") else "```"
        lines += [f"- `{path}` line {f.line}, {f.code} {f.name}: {f.message}", "",
                  f"  {fence}", *(f"  {line}" if line else "" for line in (f.suggestion or "").splitlines()),
                  f"  {fence}", ""]
    return lines


# --- statistics --------------------------------------------------------------------------------------


def statistics(reported: Sequence[Reported]) -> str:
    """A count per code, the most frequent first, as ``ruff --statistics``."""
    counts = Counter(item.finding.code for item in reported)
    names = {item.finding.code: item.finding.name for item in reported}
    fixable = {item.finding.code for item in reported if item.finding.fixable(item.unsafe)}
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "".join(f"{count:>{width}}\t{code}\t{'[*]' if code in fixable else '   '} {names[code]}\n"
                   for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# --- SARIF ---------------------------------------------------------------------------------------------


def _uri(filename: str) -> str:
    from pathlib import PurePath
    from urllib.parse import quote

    path = os.path.relpath(filename) if os.path.isabs(filename) else filename
    return quote(PurePath(path).as_posix().removeprefix("./"))


def _rule(fixer: Any) -> dict[str, Any]:
    from cfnfix.docs import help_uri

    docs = fixer.docs()
    first = docs.split("\n\n")[0].removeprefix("## What it does").strip() or fixer.summary
    rule: dict[str, Any] = {
        "id": fixer.code,
        "name": fixer.name,
        "shortDescription": {"text": fixer.summary},
        "fullDescription": {"text": " ".join(first.split())},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"fix": fixer.applicability.value, "cfn-lint": list(fixer.cfn_lint_rules)},
    }
    uri = help_uri(fixer.code)
    if uri:
        rule["helpUri"] = uri
    return rule


def _replacements(before: str, after: str, secrets: frozenset[str]) -> list[dict[str, Any]]:
    """SARIF replacements (whole lines) turning ``before`` into ``after``."""
    import difflib

    from cfnfix.secrets import mask_text

    old, new = before.split("\n"), after.split("\n")
    replacements = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        region: dict[str, Any] = {"startLine": i1 + 1, "startColumn": 1}
        if i2 > i1:
            region.update({"endLine": i2 + 1, "endColumn": 1})
        else:
            region.update({"endLine": i1 + 1, "endColumn": 1})  # an insertion before line i1 + 1
        inserted = "".join(line + "\n" for line in new[j1:j2])
        replacements.append({"deletedRegion": region,
                             "insertedContent": {"text": mask_text(inserted, secrets)}})
    return replacements


def sarif_report(reported: Sequence[Reported], fixers: Sequence[Any], version: str) -> tuple[dict[str, Any], str]:
    """A SARIF 2.1.0 log of one run, and a notice when results had to be cut to GitHub's limits."""
    import gzip

    rules = [_rule(f) for f in fixers]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for item in reported:
        f = item.finding
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": "warning" if f.fix is not None else "note",
            "message": {"text": message_text(f)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.filename)},
                "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
            }}],
            "properties": {"fix": f.fix.applicability.value if f.fix else "none",
                           "fixable": f.fixable(item.unsafe)},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if item.fixed_alone is not None and item.fixed_alone != item.text:
            result["fixes"] = [{
                "description": {"text": (f.fix.note if f.fix and f.fix.note else f"{f.code} fix")},
                "artifactChanges": [{"artifactLocation": {"uri": _uri(f.filename)},
                                     "replacements": _replacements(item.text, item.fixed_alone, item.secrets)}],
            }]
        results.append(result)
    notice = ""
    cut = 0
    if len(results) > SARIF_MAX_RESULTS:
        cut = len(results) - SARIF_MAX_RESULTS
        results = results[:SARIF_MAX_RESULTS]

    def log() -> dict[str, Any]:
        run: dict[str, Any] = {
            "tool": {"driver": {"name": "cfnfix", "version": version, "rules": rules,
                                "informationUri": "https://pypi.org/project/cfnfix/"}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }
        if cut:
            run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": [{
                "level": "warning",
                "message": {"text": f"{cut} results left out to stay within GitHub's limits for one SARIF run "
                                    f"({SARIF_MAX_RESULTS:,} results, {SARIF_MAX_GZIPPED // 2**20} MB compressed)"},
            }]}]
        return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}

    document = log()
    while results and len(gzip.compress(json.dumps(document).encode())) > SARIF_MAX_GZIPPED:
        drop = max(1, len(results) // 10)
        results, cut = results[:-drop], cut + drop
        document = log()
    if cut:
        notice = (f"cfnfix: SARIF cut to {len(results):,} results ({cut:,} left out) to stay within GitHub's limits "
                  f"for one run")
    return document, notice
