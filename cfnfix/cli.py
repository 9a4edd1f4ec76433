"""The command line: ``cfnfix check``, ``cfnfix fix`` (a diff) and ``cfnfix fix --apply`` (writes).

Exit codes, as ruff's: 0 nothing to report (or everything fixed), 1 findings remain
(for a dry run: a diff was printed), 2 an error (bad input, unknown fixer).
Heavy modules are imported inside the commands so that ``--help`` starts fast.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from cfnfix.config import Resolver
    from cfnfix.models import Finding
    from cfnfix.pipeline import Outcome
    from cfnfix.report import Reported
    from cfnfix.runner import Run

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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
CacheDir = Annotated[str | None, typer.Option("--cache-dir", help="Where results are cached (default: "
                                                                  ".cfnfix_cache at the project root: the closest "
                                                                  "directory with .git or a configuration file).")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
Jobs = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Processes to use (default: one per core; 1: serial)."),
]
Profile = Annotated[
    str | None,
    typer.Option("--profile", help="Also run the fixers of this profile (ci: make templates deployable and "
                                   "removable in a test pipeline)."),
]
WarnUnused = Annotated[
    bool | None,
    typer.Option("--warn-unused-ignores/--no-warn-unused-ignores",
                 help="Report suppressions that match no finding (CFX000)."),
]


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text, json, sarif (2.1.0) or github (workflow annotations)."),
]
OutputFile = Annotated[str | None, typer.Option("--output-file", "-o", help="Write the report to this file.")]
Statistics = Annotated[bool, typer.Option("--statistics", help="A count per code instead of each finding.")]


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _resolver(select: str | None, ignore: str | None, unsafe: bool | None, regions: str | None,
              max_size: str | None, config: str | None, isolated: bool, *, extend_select: str | None = None,
              verify: bool = False, warn_unused_ignores: bool | None = None, profile: str | None = None) -> Resolver:
    """The command line's settings over the configuration files'; a bad value exits 2."""
    from pathlib import Path

    from cfnfix.config import Overrides, Resolver, expand_regions, split_list
    from cfnfix.discover import parse_size
    from cfnfix.registry import UnknownFixerError, UnknownProfileError, select_fixers

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
        profile=profile,
    )
    try:
        select_fixers(overrides.select or (), overrides.ignore or (), overrides.extend_select or (), profile or "")
    except (UnknownFixerError, UnknownProfileError) as exc:
        _err(f"cfnfix: {exc}")
        raise typer.Exit(2) from None
    if config is not None and not os.path.isfile(config):
        _err(f"cfnfix: --config: no such file: {config}")
        raise typer.Exit(2)
    return Resolver(overrides, Path(config) if config is not None else None, isolated)


def _run(paths: list[str], resolver: Resolver, *, fix: bool, jobs: int | None = None, cache_dir: str | None = None,
         no_cache: bool = False) -> Run:
    """The runner's loop over the paths; a configuration that cannot be used exits 2."""
    from cfnfix.cache import CACHE_DIR, project_root
    from cfnfix.config import ConfigError
    from cfnfix.runner import process_paths

    root = None if no_cache or cache_dir else project_root()
    directory = None if no_cache else cache_dir or (str(root / CACHE_DIR) if root is not None else None)
    try:
        return process_paths(paths, resolver, fix=fix, jobs=jobs or os.cpu_count() or 1, cache_dir=directory)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            _err(line)
        raise typer.Exit(2) from None


def _color(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _reported(outcomes: list[tuple[Outcome, str]], *, which: str, previews: bool) -> list[Reported]:
    """The findings to report (``which``: findings, remaining or applied) with their files' settings."""
    from cfnfix.pipeline import preview
    from cfnfix.report import Reported

    out = []
    for outcome, _real in outcomes:
        for finding in getattr(outcome, which):
            fixed = preview(outcome.source, outcome.filename, finding) if previews and finding.fix else None
            out.append(Reported(finding, outcome.options.unsafe_fixes, outcome.secrets, outcome.source.text, fixed))
    return out


def _write_report(reported: list[Reported], output_format: OutputFormat, statistics: bool, output_file: str | None,
                  *, stream: Any, title: str = "cfnfix", diffs: list[tuple[str, frozenset[str]]] | None = None) -> None:
    """The report in the chosen format, to ``output_file`` (atomically) or ``stream``."""
    from importlib.metadata import version

    from cfnfix import report

    color = False
    if statistics:
        text = report.statistics(reported)
    elif output_format is OutputFormat.json:
        text = report.json_report(r.finding for r in reported)
    elif output_format is OutputFormat.sarif:
        from cfnfix.registry import all_fixers

        document, notice = report.sarif_report(reported, all_fixers(), version("cfnfix"))
        text = json.dumps(document, indent=2) + "\n"
        if notice:
            _err(notice)
    elif output_format is OutputFormat.github:
        text = report.github_report(reported)
    elif output_format is OutputFormat.markdown:
        text = report.markdown_report(reported, title=title, diffs=diffs or [])
    else:
        color = output_file is None and _color(stream)
        text = "".join(report.text_line(r.finding, r.unsafe, color=color) + "\n" for r in reported)
    if output_file is not None:
        from cfnfix.discover import write_new
        from cfnfix.names import shown

        try:
            write_new(output_file, text.encode("utf-8"))
        except OSError as exc:
            _err(f"{shown(output_file)}:1: cannot write the report: {(exc.strerror or str(exc)).lower()}")
            raise typer.Exit(2) from None
    elif color:
        from rich.console import Console

        console = Console(file=stream, highlight=False, soft_wrap=True)
        for line in text.splitlines():
            console.print(line)
    else:
        stream.write(text)


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
    output_format: FormatOption = OutputFormat.text,
    output_file: OutputFile = None,
    statistics: Statistics = False,
    select: Select = None,
    extend_select: ExtendSelect = None,
    ignore: Ignore = None,
    unsafe_fixes: Unsafe = None,
    profile: Profile = None,
    regions: Regions = None,
    max_size: MaxSize = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    warn_unused_ignores: WarnUnused = None,
    jobs: Jobs = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
) -> None:
    """Report findings as FILE:LINE:COL: CODE message. Exit 0 none, 1 findings, 2 error."""
    resolver = _resolver(select, ignore, unsafe_fixes, regions, max_size, config, isolated,
                         extend_select=extend_select, warn_unused_ignores=warn_unused_ignores, profile=profile)
    run = _run(paths, resolver, fix=False, jobs=jobs, cache_dir=cache_dir, no_cache=no_cache)
    reported = _reported(run.outcomes, which="findings", previews=output_format is OutputFormat.sarif)
    _write_report(reported, output_format, statistics, output_file, stream=sys.stdout)
    if reported and output_format is OutputFormat.text:
        _err(f"Found {_plural(len(reported), 'finding')}." + _hints([(r.finding, r.unsafe) for r in reported]))
    for line in (*run.notices, *run.errors):
        _err(line)
    raise typer.Exit(2 if run.errors else 1 if reported else 0)


@app.command()
def fix(
    paths: Paths,
    apply: Annotated[bool, typer.Option("--apply", help="Write the fixes in place, not a diff.")] = False,
    unsafe_fixes: Unsafe = None,
    profile: Profile = None,
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
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="The summary's format for the findings left: text, json, "
                                                    "sarif or github (to --output-file, else stderr).")
    ] = OutputFormat.text,
    output_file: OutputFile = None,
    statistics: Statistics = False,
    jobs: Jobs = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
) -> None:
    """Print a unified diff of every fix (exit 1 if any); with --apply write them (exit 1 if findings remain)."""
    resolver = _resolver(select, ignore, unsafe_fixes, regions, max_size, config, isolated,
                         extend_select=extend_select, verify=verify, warn_unused_ignores=warn_unused_ignores,
                         profile=profile)
    from cfnfix.diff import diff_stats, unified_diff
    from cfnfix.discover import remove_stale_temporaries, write_atomically
    from cfnfix.names import shown

    run = _run(paths, resolver, fix=True, jobs=jobs, cache_dir=cache_dir, no_cache=no_cache or verify)
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
    unwritten: list[Outcome] = []
    diffs: list[str] = []
    masked_diffs: list[tuple[str, frozenset[str]]] = []
    for outcome, real in run.outcomes:
        if not outcome.changed:
            continue
        if apply:
            try:
                write_atomically(real, outcome.source.encode(outcome.text))
            except OSError as exc:
                run.errors.append(f"{shown(outcome.filename)}:1: cannot write: "
                                  f"{(exc.strerror or str(exc)).lower()}, file left as it was")
                unwritten.append(outcome)
                continue
        else:
            source = outcome.source
            diff = unified_diff(source.whole(source.text), source.whole(outcome.text), outcome.filename)
            diffs.append(diff)
            masked_diffs.append((diff, outcome.secrets))
            sys.stdout.write(diff)
        fixed.append(outcome)
    remaining = _reported(run.outcomes, which="remaining", previews=False)
    remaining += _reported([(o, "") for o in unwritten], which="applied", previews=False)
    applied = [f for o in fixed for f in o.applied]
    verb = "Fixed" if apply else "Would fix"
    summary = ""
    if applied:
        by_code: dict[str, int] = {}
        for finding in applied:
            by_code[finding.code] = by_code.get(finding.code, 0) + 1
        codes = ", ".join(f"{code} x{count}" for code, count in sorted(by_code.items()))
        lines = ""
        if diffs:
            added, removed = diff_stats("".join(diffs))
            lines = f", +{added} -{removed} lines"
        summary = f"{verb} {_plural(len(applied), 'finding')} in {_plural(len(fixed), 'file')} ({codes}{lines})."
        _err(summary)
    if output_format is not OutputFormat.text or statistics or output_file is not None:
        title = summary or "cfnfix: nothing to fix"
        if remaining:
            title += f" {_plural(len(remaining), 'finding')} left."
        _write_report(remaining, output_format, statistics, output_file, stream=sys.stderr, title=title,
                      diffs=masked_diffs)
    elif apply and remaining:
        _write_report(remaining, output_format, False, None, stream=sys.stderr)
    if apply and remaining:
        _err(f"{_plural(len(remaining), 'finding')} remain." + _hints([(r.finding, r.unsafe) for r in remaining]))
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
    profile: Profile = None,
    regions: Regions = None,
    max_size: MaxSize = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
) -> None:
    """Show the settings a template (or the templates of a directory) would be processed with."""
    from cfnfix.config import ConfigError, describe

    resolver = _resolver(select, ignore, unsafe_fixes, regions, max_size, config, isolated,
                         extend_select=extend_select, profile=profile)
    try:
        sys.stdout.write(describe(resolver, path))
    except ConfigError as exc:
        for line in str(exc).splitlines():
            _err(line)
        raise typer.Exit(2) from None


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@app.command()
def bot(
    repo_dir: Annotated[str, typer.Argument(help="The git checkout (default: the working directory).")] = ".",
    repository: Annotated[str | None, typer.Option(help="OWNER/NAME (default: $GITHUB_REPOSITORY, else the "
                                                        "remote's URL).")] = None,
    api_url: Annotated[str | None, typer.Option(help="The REST API (default: $GITHUB_API_URL, else "
                                                     "https://api.github.com).")] = None,
    remote: Annotated[str, typer.Option(help="The git remote.")] = "origin",
    base: Annotated[str | None, typer.Option(help="The branch to fix (default: the repository's default).")] = None,
    branch: Annotated[str, typer.Option(help="The bot's branch.")] = "cfnfix/fixes",
    label: Annotated[str, typer.Option(help="The pull request's label.")] = "cfnfix",
    author: Annotated[str, typer.Option(help="The commit's author and committer.")] = "cfnfix[bot] "
                                                                                      "<cfnfix-bot@users.noreply.github.com>",
    unsafe_fixes: Unsafe = None,
    profile: Profile = None,
    select: Select = None,
    ignore: Ignore = None,
    regions: Regions = None,
    verify: Annotated[bool, typer.Option("--verify", help="Keep a file's fixes only if cfn-lint reports nothing "
                                                          "new; the PR says how many findings go.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the pull request; push nothing, write nothing.")]
    = False,
    write_interval: Annotated[float, typer.Option(help="Seconds between two writes to the API (GitHub's advice "
                                                       "against secondary rate limits).")] = 1.0,
) -> None:
    """Open, and keep up to date, one pull request with the fixes of the base branch (token: $GITHUB_TOKEN)."""
    from cfnfix.bot import BotError, BotSettings, run_bot
    from cfnfix.config import ConfigError
    from cfnfix.forge import ForgeError
    from cfnfix.git import GitError

    resolver = _resolver(select, ignore, unsafe_fixes, regions, None, None, False, verify=verify, profile=profile)
    settings = BotSettings(
        repo_dir=repo_dir, repository=repository,
        api_url=api_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com",
        remote=remote, base=base, branch=branch, label=label, author=author, dry_run=dry_run,
        overrides=resolver.overrides, write_interval=write_interval,
    )
    try:
        run_bot(settings, _say)
    except (BotError, ForgeError, GitError, ConfigError) as exc:
        _err(f"cfnfix bot: {exc}")
        raise typer.Exit(2) from None


@app.command()
def rule(code: Annotated[str, typer.Argument(help="A fixer's code or name.")]) -> None:
    """Show a fixer's documentation."""
    from cfnfix.registry import UnknownFixerError, matching

    try:
        fixers = matching(code)
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
        on = fixer.profile or ("opt-in" if fixer.opt_in else "")
        sys.stdout.write(f"{fixer.code}  {fixer.name:<{width}}  {fixer.applicability.value:<7} {on:<7} "
                         f"{fixer.summary}\n")


def main() -> None:
    import gc

    # A run builds millions of short-lived objects that form no cycles (parse trees, template data):
    # with the default thresholds the cycle collector took a fifth of a run's time scanning them.
    # What start-up imported never becomes garbage: frozen, later collections skip it.
    gc.set_threshold(100_000, 50, 100)
    gc.freeze()
    for stream in (sys.stdout, sys.stderr):  # a diff is the file's own UTF-8, whatever the locale
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    try:
        app()
    except KeyboardInterrupt:
        _err("cfnfix: interrupted")
        sys.exit(2)
    except Exception as exc:  # a bug outside any one file's processing: still one line, never a traceback
        registry = sys.modules.get("cfnfix.registry")  # not imported for --help: no fixer was loaded then
        if registry is not None and isinstance(exc, registry.FixerLoadError):
            _err(f"cfnfix: {exc}")
            sys.exit(2)
        from cfnfix.runner import where

        _err(f"cfnfix: internal error: {type(exc).__name__} {where(exc)}")
        sys.exit(2)
