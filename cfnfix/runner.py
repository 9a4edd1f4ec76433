"""Processing the templates under some paths: the loop the CLI's commands and the bot share.

Every file is read, fixed (or only checked) with the options its configuration gives, and
whatever goes wrong with one file becomes that file's error line; the others go on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cfnfix.config import Resolver
from cfnfix.discover import Found
from cfnfix.models import Options
from cfnfix.pipeline import Outcome

#: more files than this get a progress bar (on a terminal, outside CI)
PROGRESS_AFTER = 30
#: fewer files than this are processed in this process whatever --jobs says (a pool costs more)
PARALLEL_AFTER = 16
T = TypeVar("T")


@dataclass
class Run:
    """What a run over the paths gave: templates processed (with where each is written),
    error lines (exit 2) and notices (paths skipped, fixes not kept)."""

    outcomes: list[tuple[Outcome, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass
class FileResult:
    """What processing one file gave: its outcome (a template's) and its lines."""

    outcome: Outcome | None = None
    real: str = ""
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def process_paths(paths: list[str], resolver: Resolver, *, fix: bool, progress: bool = True, jobs: int = 1,
                  cache_dir: str | None = None) -> Run:
    """Process every file; bad input becomes an error line and the next file goes on.

    A file found by walking a directory that does not parse and does not look like a
    template either (a Helm chart, say) is skipped; a file named explicitly that does not
    parse is always an error. Whatever goes wrong with one file, even a bug, is that file's
    one error line. A configuration file that cannot be used raises ConfigError.

    With ``jobs`` above 1, files are processed by that many processes, each file by one; the
    results are taken in the files' order, so the run is the same as a serial one. With
    ``cache_dir``, unchanged files are taken from the cache there.
    """
    from cfnfix.discover import iter_files

    run = Run()
    found_files = list(iter_files(paths, resolver.excluded))
    todo = [f for f in found_files if not f.problem]
    results: Iterator[FileResult]
    if jobs > 1 and len(todo) >= PARALLEL_AFTER:
        results = _in_processes(found_files, resolver, fix, jobs, cache_dir)
    else:
        results = (process_file(found, resolver, fix, cache_dir) for found in found_files)
    for result in _progress(results, len(found_files)) if progress else results:
        run.errors.extend(result.errors)
        run.notices.extend(result.notices)
        if result.outcome is not None:
            run.outcomes.append((result.outcome, result.real))
    return run


def _in_processes(found_files: list[Found], resolver: Resolver, fix: bool, jobs: int,
                  cache_dir: str | None) -> Iterator[FileResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    chunk = max(1, len(found_files) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        count = len(found_files)
        yield from pool.map(process_file, found_files, [resolver] * count, [fix] * count, [cache_dir] * count,
                            chunksize=chunk)


def process_file(found: Found, resolver: Resolver, fix: bool, cache_dir: str | None = None) -> FileResult:
    """One file, read and processed with the options its configuration gives (or taken from the cache)."""
    from cfnfix.discover import FileProblem, read_file
    from cfnfix.names import shown

    name = shown(found.path)
    if found.problem:
        if found.named:
            return FileResult(errors=[f"{name}:1: {found.problem}"])
        return FileResult(notices=[f"{name}: skipped: {found.problem}"])
    options = resolver.options(found.path)
    try:
        data = read_file(found.real, options.max_size)
    except FileProblem as exc:
        return FileResult(errors=[f"{name}:1: {exc}"])
    except OSError as exc:
        return FileResult(errors=[f"{name}:1: cannot read: {(exc.strerror or str(exc)).lower()}"])
    if cache_dir is None:
        return _process_data(found, data, options, fix)
    from pathlib import Path

    from cfnfix.cache import Cache

    cache = Cache(Path(cache_dir))
    key = cache.key(found.path, data, options, fix)
    entry = cache.get(key)
    if entry is not None:
        try:
            return _from_entry(entry, found, data)
        except Exception:  # an entry of another shape: processed again, and written again
            pass
    result = _process_data(found, data, options, fix)
    cache.put(key, _to_entry(result))
    return result


def _process_data(found: Found, data: bytes, options: Options, fix: bool) -> FileResult:
    from cfnfix.loader import Source, TemplateError, decode, might_be_template
    from cfnfix.names import shown
    from cfnfix.pipeline import process
    from cfnfix.registry import fixers_for

    source: Source | None = None
    try:
        source = decode(data, found.path)
        outcome = process(source, found.path, fixers_for(options), options, fix=fix)
    except TemplateError as exc:
        if found.named or source is None or might_be_template(source.text):
            return FileResult(errors=[str(exc)])
        return FileResult()
    except Exception as exc:  # a bug: reported without its text, which may quote the template
        return FileResult(errors=[f"{shown(found.path)}:1: internal error: {type(exc).__name__} {where(exc)}, "
                                  "file left as it was"])
    if not outcome.is_template:
        return FileResult()
    return FileResult(outcome, found.real, list(outcome.errors))


def _to_entry(result: FileResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"errors": result.errors, "notices": result.notices, "outcome": None}
    outcome = result.outcome
    if outcome is not None:
        entry["outcome"] = {
            "text": outcome.text if outcome.changed else None,
            "findings": [f.model_dump(mode="json") for f in outcome.findings],
            "applied": [f.model_dump(mode="json") for f in outcome.applied],
            "remaining": [f.model_dump(mode="json") for f in outcome.remaining],
            "errors": outcome.errors,
            "options": outcome.options.model_dump(mode="json"),
            "secrets": sorted(outcome.secrets),
        }
    return entry


def _from_entry(entry: dict[str, Any], found: Found, data: bytes) -> FileResult:
    from cfnfix.loader import decode
    from cfnfix.models import Finding, Options

    stored = entry["outcome"]
    if stored is None:
        return FileResult(errors=list(entry["errors"]), notices=list(entry["notices"]))
    source = decode(data, found.path)
    outcome = Outcome(found.path, source, stored["text"] if stored["text"] is not None else source.text)
    outcome.findings = [Finding.model_validate(f) for f in stored["findings"]]
    outcome.applied = [Finding.model_validate(f) for f in stored["applied"]]
    outcome.remaining = [Finding.model_validate(f) for f in stored["remaining"]]
    outcome.errors = list(stored["errors"])
    outcome.options = Options.model_validate(stored["options"])
    outcome.secrets = frozenset(stored["secrets"])
    return FileResult(outcome, found.real, list(entry["errors"]), list(entry["notices"]))


def _progress(items: Iterator[T], total: int) -> Iterator[T]:
    """The items, with a progress bar on stderr when there are many and stderr is a terminal outside CI."""
    isatty = getattr(sys.stderr, "isatty", None)
    if total <= PROGRESS_AFTER or os.environ.get("CI") or not (isatty and isatty()):
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Checking templates", total=total)
        for item in items:
            yield item
            progress.advance(task)


def where(exc: BaseException) -> str:
    """Where an exception was raised: ``at module.py:123``."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    return f"at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
