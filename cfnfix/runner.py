"""Processing the templates under some paths: the loop the CLI's commands and the bot share.

Every file is read, fixed (or only checked) with the options its configuration gives, and
whatever goes wrong with one file becomes that file's error line; the others go on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from cfnfix.config import Resolver
from cfnfix.discover import Found
from cfnfix.pipeline import Outcome

#: more files than this get a progress bar (on a terminal, outside CI)
PROGRESS_AFTER = 30


@dataclass
class Run:
    """What a run over the paths gave: templates processed (with where each is written),
    error lines (exit 2) and notices (paths skipped, fixes not kept)."""

    outcomes: list[tuple[Outcome, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def process_paths(paths: list[str], resolver: Resolver, *, fix: bool, progress: bool = True) -> Run:
    """Process every file; bad input becomes an error line and the next file goes on.

    A file found by walking a directory that does not parse and does not look like a
    template either (a Helm chart, say) is skipped; a file named explicitly that does not
    parse is always an error. Whatever goes wrong with one file, even a bug, is that file's
    one error line. A configuration file that cannot be used raises ConfigError.
    """
    from cfnfix.discover import FileProblem, iter_files, read_file
    from cfnfix.loader import Source, TemplateError, decode, might_be_template
    from cfnfix.names import shown
    from cfnfix.pipeline import process
    from cfnfix.registry import fixers_for

    run = Run()
    found_files = list(iter_files(paths, resolver.excluded))
    for found in _progress(found_files) if progress else found_files:
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
            run.errors.append(f"{name}:1: internal error: {type(exc).__name__} {where(exc)}, file left as it was")
            continue
        if outcome.is_template:
            run.outcomes.append((outcome, found.real))
            run.errors.extend(outcome.errors)
    return run


def _progress(items: list[Found]) -> Iterator[Found]:
    """The items, with a progress bar on stderr when there are many and stderr is a terminal outside CI."""
    isatty = getattr(sys.stderr, "isatty", None)
    if len(items) <= PROGRESS_AFTER or os.environ.get("CI") or not (isatty and isatty()):
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Checking templates", total=len(items))
        for item in items:
            yield item
            progress.advance(task)


def where(exc: BaseException) -> str:
    """Where an exception was raised: ``at module.py:123``."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    return f"at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
