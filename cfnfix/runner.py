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

    With ``cache_dir``, each file is first looked up in the cache there (in this process: a
    hit costs a read and a hash). The others are processed here, or with ``jobs`` above 1 by
    that many processes, each file by one, once this process has processed the first of them
    (so that the processes start with the fixers loaded and their data read). Results are taken
    in the files' order, so the run is the same as a serial one.
    """
    from cfnfix.discover import iter_files

    run = Run()
    found_files = list(iter_files(paths, resolver.excluded))
    cache = None
    if cache_dir is not None:
        from pathlib import Path

        from cfnfix.cache import Cache

        cache = Cache(Path(cache_dir))
    results: list[FileResult | None] = []
    misses: list[tuple[int, Work]] = []
    for found in found_files:
        result, work = _look_up(found, resolver, fix, cache)
        if work is not None:
            misses.append((len(results), work))
        results.append(result)
    done = _process_misses(misses, fix, cache_dir, jobs)

    def ordered() -> Iterator[FileResult]:
        for index, result in enumerate(results):
            yield result if result is not None else _take(done, index)

    for result in _progress(ordered(), len(found_files)) if progress else ordered():
        run.errors.extend(result.errors)
        run.notices.extend(result.notices)
        if result.outcome is not None:
            run.outcomes.append((result.outcome, result.real))
    return run


@dataclass
class Work:
    """A file to process: what the parent process knows of it already."""

    found: Found
    data: bytes
    options: Options
    key: str | None = None  # its cache key, when a cache is used


def _take(done: Iterator[tuple[int, FileResult]], index: int) -> FileResult:
    position, result = next(done)
    assert position == index, "results arrive in the files' order"
    return result


def _look_up(found: Found, resolver: Resolver, fix: bool, cache: Any) -> tuple[FileResult | None, Work | None]:
    """A file's result when it needs no processing (a problem, an unreadable file, a cache hit),
    else the work to do."""
    from cfnfix.discover import FileProblem, read_file
    from cfnfix.names import shown

    name = shown(found.path)
    if found.problem:
        if found.named:
            return FileResult(errors=[f"{name}:1: {found.problem}"]), None
        return FileResult(notices=[f"{name}: skipped: {found.problem}"]), None
    options = resolver.options(found.path)
    try:
        data = read_file(found.real, options.max_size)
    except FileProblem as exc:
        return FileResult(errors=[f"{name}:1: {exc}"]), None
    except OSError as exc:
        return FileResult(errors=[f"{name}:1: cannot read: {(exc.strerror or str(exc)).lower()}"]), None
    work = Work(found, data, options)
    if cache is not None:
        work.key = cache.key(found.path, data, options, fix)
        entry = cache.get(work.key)
        if entry is not None:
            try:
                return _from_entry(entry, found, data, options), None
            except Exception:  # an entry of another shape: processed again, and written again
                pass
    return None, work


def _process_misses(misses: list[tuple[int, Work]], fix: bool, cache_dir: str | None,
                    jobs: int) -> Iterator[tuple[int, FileResult]]:
    """(index, result) of each file to process, in order: the first here, the rest here too or, when
    there are enough of them, in ``jobs`` processes."""
    if not misses:
        return
    index, work = misses[0]
    yield index, process_work(work, fix, cache_dir)
    rest = misses[1:]
    if jobs > 1 and len(rest) >= PARALLEL_AFTER:
        for (position, _work), result in zip(rest, _in_processes([w for _i, w in rest], fix, jobs, cache_dir),
                                             strict=True):
            yield position, result
        return
    for position, other in rest:
        yield position, process_work(other, fix, cache_dir)


def _in_processes(works: list[Work], fix: bool, jobs: int, cache_dir: str | None) -> Iterator[FileResult]:
    """The works' results, in their order, computed by ``jobs`` processes. The works go out in
    batches, the largest files first, each process taking the next batch when it is done, so that
    no large file is left for the end while the other processes wait."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    order = sorted(range(len(works)), key=lambda i: -len(works[i].data))
    size = max(1, len(works) // (jobs * 8))
    batches = [order[start:start + size] for start in range(0, len(order), size)]
    done: dict[int, FileResult] = {}
    following = 0
    import gc

    gc.freeze()  # what this process built so far is shared with the workers, not copied on their first collection
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(_process_batch, [works[i] for i in batch], fix, cache_dir): batch for batch in batches}
        for future in as_completed(futures):
            done.update(zip(futures[future], future.result(), strict=True))
            while following in done:
                yield done.pop(following)
                following += 1


def _process_batch(works: list[Work], fix: bool, cache_dir: str | None) -> list[FileResult]:
    return [process_work(work, fix, cache_dir) for work in works]


def process_work(work: Work, fix: bool, cache_dir: str | None) -> FileResult:
    """Process one file read already; with a cache, store what it gave."""
    result = _process_data(work.found, work.data, work.options, fix)
    if cache_dir is not None and work.key is not None:
        from pathlib import Path

        from cfnfix.cache import Cache

        Cache(Path(cache_dir)).put(work.key, _to_entry(result))
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
    from cfnfix.cache import stored_options

    entry: dict[str, Any] = {"errors": result.errors, "notices": result.notices, "outcome": None}
    outcome = result.outcome
    if outcome is not None:
        entry["outcome"] = {
            "text": outcome.text if outcome.changed else None,
            "findings": [f.model_dump(mode="json") for f in outcome.findings],
            "applied": [f.model_dump(mode="json") for f in outcome.applied],
            "remaining": [f.model_dump(mode="json") for f in outcome.remaining],
            "errors": outcome.errors,
            "options": stored_options(outcome.options),
            "secrets": sorted(outcome.secrets),
        }
    return entry


def _from_entry(entry: dict[str, Any], found: Found, data: bytes, options: Options) -> FileResult:
    """The result a cache entry holds; ``options`` are the file's, which the entry's usually equal
    (they differ when the template's own metadata gave the regions)."""
    from cfnfix.cache import stored_options
    from cfnfix.loader import decode
    from cfnfix.models import Finding

    stored = entry["outcome"]
    if stored is None:
        return FileResult(errors=list(entry["errors"]), notices=list(entry["notices"]))
    source = decode(data, found.path)
    outcome = Outcome(found.path, source, stored["text"] if stored["text"] is not None else source.text)
    outcome.findings = [Finding.model_validate(f) for f in stored["findings"]]
    # a check, or a fix that applied nothing, remains with what it found: validated once
    same = stored["remaining"] == stored["findings"]
    outcome.remaining = list(outcome.findings) if same else [Finding.model_validate(f) for f in stored["remaining"]]
    outcome.applied = [Finding.model_validate(f) for f in stored["applied"]]
    outcome.errors = list(stored["errors"])
    same_options = stored["options"] == stored_options(options)
    outcome.options = options if same_options else Options.model_validate(stored["options"])
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
