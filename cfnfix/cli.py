"""The command line: ``cfnfix check``, ``cfnfix fix`` (a diff) and ``cfnfix fix --apply`` (writes).

Exit codes, as ruff's: 0 nothing to report (or everything fixed), 1 findings remain
(for a dry run: a diff was printed), 2 an error (bad input, unknown fixer).
Heavy modules are imported inside the commands so that ``--help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cfnfix.config import Resolver
    from cfnfix.models import Finding
    from cfnfix.pipeline import Outcome

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Find known defects in CloudFormation templates and fix them, keeping every other byte.",
)

Paths = Annotated[list[str], typer.Argument(help="Template files or directories (searched recursively).")]
Select = Annotated[str | None, typer.Option(help="Only these fixers: codes or names, comma-separated.")]
ExtendSelect = Annotated[str | None, typer.Option(help="These fixers as well as the selected ones.")]
Ignore = Annotated[str | None, typer.Option(help="Not these fixers: codes or names, comma-separated.")]
Unsafe = Annotated[
    bool | None,
    typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that change what gets deployed."),
]
Regions = Annotated[
    str | None,
    typer.Option(help="Regions the templates deploy to, comma-separated (default: the configuration's, "
                      ".cfnlintrc's, the template's cfn-lint metadata, else us-east-1)."),
]
MaxSize = Annotated[
    str | None, typer.Option("--max-size", help="Refuse templates larger than this: 10MB (the default), 512KB, ..."),
]
ConfigFile = Annotated[
    str | None, typer.Option("--config", help="Use this configuration file for every template (no search)."),
]
Isolated = Annotated[bool, typer.Option("--isolated", help="Ignore every configuration file.")]
WarnUnused = Annotated[
    bool | None,
    typer.Option("--warn-unused-ignores/--no-warn-unused-ignores",
                 help="Report suppressions that match no finding (CFX000)."),
]


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _resolver(select: str | None, ignore: str | None, unsafe: bool | None, regions: str | None,
              max_size: str | None, config: str | None, isolated: bool, *, extend_select: str | None = None,
              verify: bool = False, warn_unused_ignores: bool | None = None) -> Resolver:
    """The command line's settings over the configuration files'; a bad value exits 2."""
    from pathlib import Path

    from cfnfix.config import Overrides, Resolver, expand_regions, split_list
    from cfnfix.discover import parse_size
    from cfnfix.registry import UnknownFixerError, select_fixers

    try:
        size = parse_size(max_size) if max_size is not None else None
    except ValueError as exc:
        _err(f"cfnfix: --max-size: {exc}")
        raise typer.Exit(2) from None
    overrides = Overrides(
        select=split_list(select) if select is not None else None,
        extend_select=split_list(extend_select) if extend_select is not None else None,
        ignore=split_list(ignore) if ignore is not None else None,
        unsafe_fixes=unsafe,
        regions=expand_regions(split_list(regions)) if regions else None,
        max_size=max(size, 1) if size is not None else None,
        verify=verify,
        warn_unused_ignores=warn_unused_ignores,
    )
    try:
        select_fixers(overrides.select or (), overrides.ignore or (), overrides.extend_select or ())
    except UnknownFixerError as exc:
        _err(f"cfnfix: {exc}")
        raise typer.Exit(2) from None
    if config is not None and not os.path.isfile(config):
        _err(f"cfnfix: --config: no such file: {config}")
        raise typer.Exit(2)
    return Resolver(overrides, Path(config) if config is not None else None, isolated)


@dataclass
class Run:
    """What a run over the paths gave: templates processed (with where each is written),
    error lines (exit 2) and notices (paths skipped, fixes not kept)."""

    outcomes: list[tuple[Outcome, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _run(paths: list[str], resolver: Resolver, *, fix: bool) -> Run:
    """Process every file; bad input becomes an error line and the next file goes on.

    A file found by walking a directory that does not parse and does not look like a
    template either (a Helm chart, say) is skipped; a file named on the command line
    that does not parse is always an error. Whatever goes wrong with one file, even a bug,
    is that file's one error line: the other files are still processed. A configuration
    file that cannot be used stops the run (exit 2) before anything is written.
    """
    from cfnfix.config import ConfigError
    from cfnfix.discover import FileProblem, iter_files, read_file
    from cfnfix.loader import Source, TemplateError, decode, might_be_template
    from cfnfix.names import shown
    from cfnfix.pipeline import process
    from cfnfix.registry import fixers_for

    run = Run()
    try:
        for found in iter_files(paths, resolver.excluded):
            name = shown(found.path)
            if found.problem:
                if found.named:
                    run.errors.append(f"{name}:1: {found.problem}")
                else:
                    run.notices.append(f"{name}: skipped: {found.problem}")
                continue
            options = resolver.options(found.path)
            source: Source | None = None
            try:
                source = decode(read_file(found.real, options.max_size), found.path)
                outcome = process(source, found.path, fixers_for(options), options, fix=fix)
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
                run.errors.append(f"{name}:1: internal error: {type(exc).__name__} {_where(exc)}, "
                                  "file left as it was")
                continue
            if outcome.is_template:
                run.outcomes.append((outcome, found.real))
                run.errors.extend(outcome.errors)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            _err(line)
        raise typer.Exit(2) from None
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


def _hints(findings: list[tuple[Finding, bool]]) -> str:
    """How many findings (each with its file's unsafe-fixes setting) each way of running cfnfix would fix."""
    fixable = sum(f.fixable(unsafe) for f, unsafe in findings)
    hidden = sum(1 for f, unsafe in findings if f.fix is not None and not f.fixable(unsafe)
                 and f.fix.applicability.value == "unsafe")
    text = f" [*] {fixable} fixable with `cfnfix fix`." if fixable else ""
    return text + (f" {hidden} more fixable with --unsafe-fixes." if hidden else "")


@app.command()
def check(
    paths: Paths,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="text or json")] = OutputFormat.text,
    select: Select = None,
    extend_select: ExtendSelect = None,
    ignore: Ignore = None,
    unsafe_fixes: Unsafe = None,
    regions: Regions = None,
    max_size: MaxSize = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    warn_unused_ignores: WarnUnused = None,
) -> None:
    """Report findings as FILE:LINE:COL: CODE message. Exit 0 none, 1 findings, 2 error."""
    resolver = _resolver(select, ignore, unsafe_fixes, regions, max_size, config, isolated,
                         extend_select=extend_select, warn_unused_ignores=warn_unused_ignores)
    run = _run(paths, resolver, fix=False)
    findings = [(f, o.options.unsafe_fixes) for o, _real in run.outcomes for f in o.findings]
    if output_format is OutputFormat.json:
        import json

        sys.stdout.write(json.dumps([f.model_dump(mode="json") for f, _unsafe in findings], indent=2) + "\n")
    else:
        for finding, unsafe in findings:
            sys.stdout.write(format_finding(finding, unsafe) + "\n")
        if findings:
            _err(f"Found {_plural(len(findings), 'finding')}." + _hints(findings))
    for line in (*run.notices, *run.errors):
        _err(line)
    raise typer.Exit(2 if run.errors else 1 if findings else 0)


@app.command()
def fix(
    paths: Paths,
    apply: Annotated[bool, typer.Option("--apply", help="Write the fixes in place, not a diff.")] = False,
    unsafe_fixes: Unsafe = None,
    select: Select = None,
    extend_select: ExtendSelect = None,
    ignore: Ignore = None,
    regions: Regions = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Keep a file's fixes only if cfn-lint reports nothing new (slower).")
    ] = False,
    max_size: MaxSize = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    warn_unused_ignores: WarnUnused = None,
) -> None:
    """Print a unified diff of every fix (exit 1 if any); with --apply write them (exit 1 if findings remain)."""
    resolver = _resolver(select, ignore, unsafe_fixes, regions, max_size, config, isolated,
                         extend_select=extend_select, verify=verify, warn_unused_ignores=warn_unused_ignores)
    from cfnfix.diff import diff_stats, unified_diff
    from cfnfix.discover import remove_stale_temporaries, write_atomically
    from cfnfix.names import shown

    run = _run(paths, resolver, fix=True)
    if verify:
        from cfnfix.verify import verify as verify_outcome

        for outcome, _real in run.outcomes:
            reason = verify_outcome(outcome, outcome.options.target_regions)
            if reason is not None:
                run.notices.append(reason)
    if apply:
        for directory in dict.fromkeys(os.path.dirname(real) for _outcome, real in run.outcomes):
            remove_stale_temporaries(directory)
    fixed: list[Outcome] = []  # written, or in a dry run shown as a diff
    remaining = [(f, o.options.unsafe_fixes) for o, _real in run.outcomes for f in o.remaining]
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
                remaining.extend((f, outcome.options.unsafe_fixes) for f in outcome.applied)
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
        for finding, unsafe in remaining:
            _err(format_finding(finding, unsafe))
        _err(f"{_plural(len(remaining), 'finding')} remain." + _hints(remaining))
    for line in (*run.notices, *run.errors):
        _err(line)
    if run.errors:
        raise typer.Exit(2)
    if apply:
        raise typer.Exit(1 if remaining else 0)
    raise typer.Exit(1 if fixed else 0)


@app.command()
def config(
    path: Annotated[str, typer.Argument(help="A template or a directory (default: the working directory).")] = ".",
    select: Select = None,
    extend_select: ExtendSelect = None,
    ignore: Ignore = None,
    unsafe_fixes: Unsafe = None,
    regions: Regions = None,
    max_size: MaxSize = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
) -> None:
    """Show the settings a template (or the templates of a directory) would be processed with."""
    from cfnfix.config import ConfigError, describe

    resolver = _resolver(select, ignore, unsafe_fixes, regions, max_size, config, isolated,
                         extend_select=extend_select)
    try:
        sys.stdout.write(describe(resolver, path))
    except ConfigError as exc:
        for line in str(exc).splitlines():
            _err(line)
        raise typer.Exit(2) from None


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
