"""The command line: ``cfnfix check``, ``cfnfix fix`` (a diff) and ``cfnfix fix --apply`` (writes).

Exit codes, as ruff's: 0 nothing to report (or everything fixed), 1 findings remain
(for a dry run: a diff was printed), 2 an error (bad input, unknown fixer).
Heavy modules are imported inside the commands so that ``--help`` starts fast.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cfnfix.models import Finding, Options
    from cfnfix.pipeline import Outcome

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Find known defects in CloudFormation templates and fix them, keeping every other byte.",
)

Paths = Annotated[list[str], typer.Argument(help="Template files or directories (searched recursively).")]
Select = Annotated[str | None, typer.Option(help="Only these fixers: codes or names, comma-separated.")]
Ignore = Annotated[str | None, typer.Option(help="Not these fixers: codes or names, comma-separated.")]
Unsafe = Annotated[bool, typer.Option("--unsafe-fixes", help="Also apply fixes that change what gets deployed.")]
Regions = Annotated[
    str | None,
    typer.Option(help="Regions the template must deploy to, comma-separated (default: .cfnlintrc's, else us-east-1)."),
]
MaxSize = Annotated[
    str, typer.Option("--max-size", help="Refuse templates larger than this: 10MB, 512KB or a number of bytes."),
]
DEFAULT_MAX_SIZE = "10MB"


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _options(select: str | None, ignore: str | None, unsafe: bool, regions: str | None, max_size: str) -> Options:
    from cfnfix.config import resolve_regions, split_list
    from cfnfix.discover import parse_size
    from cfnfix.models import Options
    from cfnfix.registry import UnknownFixerError, select_fixers

    try:
        size = parse_size(max_size)
    except ValueError as exc:
        _err(f"cfnfix: --max-size: {exc}")
        raise typer.Exit(2) from None
    options = Options(select=split_list(select), ignore=split_list(ignore), unsafe_fixes=unsafe,
                      regions=resolve_regions(regions), max_size=max(size, 1))
    try:
        select_fixers(options.select, options.ignore)
    except UnknownFixerError as exc:
        _err(f"cfnfix: {exc}")
        raise typer.Exit(2) from None
    return options


@dataclass
class Run:
    """What a run over the paths gave: templates processed (with where each is written),
    error lines (exit 2) and notices (paths skipped, fixes not kept)."""

    outcomes: list[tuple[Outcome, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _run(paths: list[str], options: Options, *, fix: bool) -> Run:
    """Process every file; bad input becomes an error line and the next file goes on.

    A file found by walking a directory that does not parse and does not look like a
    template either (a Helm chart, say) is skipped; a file named on the command line
    that does not parse is always an error. Whatever goes wrong with one file, even a bug,
    is that file's one error line: the other files are still processed.
    """
    from cfnfix.discover import FileProblem, iter_files, read_file
    from cfnfix.loader import Source, TemplateError, decode, might_be_template
    from cfnfix.names import shown
    from cfnfix.pipeline import process
    from cfnfix.registry import select_fixers

    fixers = select_fixers(options.select, options.ignore)
    run = Run()
    for found in iter_files(paths):
        name = shown(found.path)
        if found.problem:
            if found.named:
                run.errors.append(f"{name}:1: {found.problem}")
            else:
                run.notices.append(f"{name}: skipped: {found.problem}")
            continue
        source: Source | None = None
        try:
            source = decode(read_file(found.real, options.max_size), found.path)
            outcome = process(source, found.path, fixers, options, fix=fix)
        except TemplateError as exc:
            if found.named or source is None or might_be_template(source.text):
                run.errors.append(str(exc))
            continue
        except FileProblem as exc:
            run.errors.append(f"{name}:1: {exc}")
            continue
        except OSError as exc:
            run.errors.append(f"{name}:1: cannot read: {(exc.strerror or str(exc)).lower()}")
            continue
        except Exception as exc:  # a bug: reported without its text, which may quote the template
            run.errors.append(f"{name}:1: internal error: {type(exc).__name__} {_where(exc)}, file left as it was")
            continue
        if outcome.is_template:
            run.outcomes.append((outcome, found.real))
            run.errors.extend(outcome.errors)
    return run


def _where(exc: BaseException) -> str:
    """Where an exception was raised: ``at module.py:123``."""
    import os
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    return f"at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""


def format_finding(finding: Finding, unsafe: bool) -> str:
    """``FILE:LINE:COL: CODE [*] message``: ``[*]`` a fix applies, ``[unsafe]`` one needs --unsafe-fixes."""
    mark = ""
    if finding.fix is not None:
        if finding.fixable(unsafe):
            mark = "[*] "
        elif finding.fix.applicability.value == "unsafe":
            mark = "[unsafe] "
    from cfnfix.names import shown

    text = f"{shown(finding.filename)}:{finding.line}:{finding.column}: {finding.code} {mark}{finding.message}"
    if finding.fix is None and finding.no_fix_reason:
        text += f" (no fix: {finding.no_fix_reason})"
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _hints(findings: list[Finding], unsafe: bool) -> str:
    """How many findings each way of running cfnfix would fix."""
    fixable = sum(f.fixable(unsafe) for f in findings)
    hidden = sum(1 for f in findings if f.fix is not None and not f.fixable(unsafe)
                 and f.fix.applicability.value == "unsafe")
    text = f" [*] {fixable} fixable with `cfnfix fix`." if fixable else ""
    return text + (f" {hidden} more fixable with --unsafe-fixes." if hidden else "")


@app.command()
def check(
    paths: Paths,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="text or json")] = OutputFormat.text,
    select: Select = None,
    ignore: Ignore = None,
    unsafe_fixes: Unsafe = False,
    regions: Regions = None,
    max_size: MaxSize = DEFAULT_MAX_SIZE,
) -> None:
    """Report findings as FILE:LINE:COL: CODE message. Exit 0 none, 1 findings, 2 error."""
    options = _options(select, ignore, unsafe_fixes, regions, max_size)
    run = _run(paths, options, fix=False)
    findings = [f for o, _real in run.outcomes for f in o.findings]
    if output_format is OutputFormat.json:
        import json

        sys.stdout.write(json.dumps([f.model_dump(mode="json") for f in findings], indent=2) + "\n")
    else:
        for finding in findings:
            sys.stdout.write(format_finding(finding, unsafe_fixes) + "\n")
        if findings:
            _err(f"Found {_plural(len(findings), 'finding')}." + _hints(findings, unsafe_fixes))
    for line in (*run.notices, *run.errors):
        _err(line)
    raise typer.Exit(2 if run.errors else 1 if findings else 0)


@app.command()
def fix(
    paths: Paths,
    apply: Annotated[bool, typer.Option("--apply", help="Write the fixes in place, not a diff.")] = False,
    unsafe_fixes: Unsafe = False,
    select: Select = None,
    ignore: Ignore = None,
    regions: Regions = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Keep a file's fixes only if cfn-lint reports nothing new (slower).")
    ] = False,
    max_size: MaxSize = DEFAULT_MAX_SIZE,
) -> None:
    """Print a unified diff of every fix (exit 1 if any); with --apply write them (exit 1 if findings remain)."""
    options = _options(select, ignore, unsafe_fixes, regions, max_size)
    from cfnfix.diff import diff_stats, unified_diff
    from cfnfix.discover import remove_stale_temporaries, write_atomically
    from cfnfix.names import shown

    run = _run(paths, options, fix=True)
    if verify:
        from cfnfix.verify import verify as verify_outcome

        for outcome, _real in run.outcomes:
            reason = verify_outcome(outcome, options.regions)
            if reason is not None:
                run.notices.append(reason)
    if apply:
        import os

        for directory in dict.fromkeys(os.path.dirname(real) for _outcome, real in run.outcomes):
            remove_stale_temporaries(directory)
    fixed: list[Outcome] = []  # written, or in a dry run shown as a diff
    remaining = [f for o, _real in run.outcomes for f in o.remaining]
    diffs: list[str] = []
    for outcome, real in run.outcomes:
        if not outcome.changed:
            continue
        if apply:
            try:
                write_atomically(real, outcome.source.encode(outcome.text))
            except OSError as exc:
                run.errors.append(f"{shown(outcome.filename)}:1: cannot write: "
                                  f"{(exc.strerror or str(exc)).lower()}, file left as it was")
                remaining.extend(outcome.applied)
                continue
        else:
            source = outcome.source
            diff = unified_diff(source.whole(source.text), source.whole(outcome.text), outcome.filename)
            diffs.append(diff)
            sys.stdout.write(diff)
        fixed.append(outcome)
    applied = [f for o in fixed for f in o.applied]
    verb = "Fixed" if apply else "Would fix"
    if applied:
        by_code: dict[str, int] = {}
        for finding in applied:
            by_code[finding.code] = by_code.get(finding.code, 0) + 1
        codes = ", ".join(f"{code} x{count}" for code, count in sorted(by_code.items()))
        lines = ""
        if diffs:
            added, removed = diff_stats("".join(diffs))
            lines = f", +{added} -{removed} lines"
        _err(f"{verb} {_plural(len(applied), 'finding')} in {_plural(len(fixed), 'file')} ({codes}{lines}).")
    if apply and remaining:
        for finding in remaining:
            _err(format_finding(finding, unsafe_fixes))
        _err(f"{_plural(len(remaining), 'finding')} remain." + _hints(remaining, unsafe_fixes))
    for line in (*run.notices, *run.errors):
        _err(line)
    if run.errors:
        raise typer.Exit(2)
    if apply:
        raise typer.Exit(1 if remaining else 0)
    raise typer.Exit(1 if fixed else 0)


@app.command()
def rule(code: Annotated[str, typer.Argument(help="A fixer's code or name.")]) -> None:
    """Show a fixer's documentation."""
    from cfnfix.registry import UnknownFixerError, select_fixers

    try:
        fixers = select_fixers((code,))
    except UnknownFixerError as exc:
        _err(f"cfnfix: {exc}")
        raise typer.Exit(2) from None
    for fixer in fixers:
        sys.stdout.write(f"# {fixer.code} {fixer.name} ({fixer.applicability.value})\n\n{fixer.docs()}\n")


@app.command()
def rules() -> None:
    """List every installed fixer."""
    from cfnfix.registry import all_fixers

    fixers = all_fixers()
    width = max((len(f.name) for f in fixers), default=0)
    for fixer in fixers:
        sys.stdout.write(f"{fixer.code}  {fixer.name:<{width}}  {fixer.applicability.value:<7} {fixer.summary}\n")


def main() -> None:
    from cfnfix.registry import FixerLoadError

    for stream in (sys.stdout, sys.stderr):  # a diff is the file's own UTF-8, whatever the locale
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    try:
        app()
    except KeyboardInterrupt:
        _err("cfnfix: interrupted")
        sys.exit(2)
    except FixerLoadError as exc:
        _err(f"cfnfix: {exc}")
        sys.exit(2)
