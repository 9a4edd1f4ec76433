"""Finding the template files under the paths the user gave, reading them, writing them back.

Only regular files are read, never more than the size limit, and without blocking (a
FIFO is refused, not waited on). A symlink found in a directory is followed only to a
file inside the directories given; writes go through it to its target, so that the
link stays a link. Writes go to a temporary file beside the target, renamed over it.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SUFFIXES = (".yaml", ".yml", ".json", ".template")
SKIPPED_DIRECTORIES = frozenset({".git", "node_modules", "cdk.out"})
#: ``.NAME.PID.RANDOM.cfnfix``: a write in progress (or left by a killed run), never a template's name
TEMPORARY = re.compile(r"^\..+\.(?P<pid>\d+)\.[a-z0-9_]+\.cfnfix$")
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class FileProblem(Exception):
    """A path that is not read: ``str()`` says why (``not a regular file (a FIFO)``)."""


@dataclass(frozen=True)
class Found:
    """One file to process, or a path that is not processed and why (``problem``).

    ``path`` is how the file is named in messages; ``real`` is where it is read and written
    (a symlink's target). A problem of a path named on the command line is an error; one of a
    path met in a directory walk is a notice. ``link``: the path is a symlink.
    """

    path: str
    named: bool
    real: str = ""
    problem: str = ""
    link: bool = False


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _inside(real: str, roots: list[str]) -> bool:
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _walked(path: str, roots: list[str]) -> Found:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        broken = os.path.islink(path)
        return Found(path, False, problem="a broken symlink" if broken else (exc.strerror or str(exc)), link=broken)
    link = os.path.islink(path)
    if not stat.S_ISREG(mode):
        return Found(path, False, problem=f"not a regular file ({_kind(mode)})", link=link)
    real = os.path.realpath(path)
    if link and not _inside(real, roots):
        return Found(path, False, problem="a symlink to a file outside the directories given", link=True)
    return Found(path, False, real, link=link)


def _named(path: str) -> Found:
    link = os.path.islink(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if link:
            return Found(path, True, problem="a broken symlink", link=True)
        return Found(path, True, problem="no such file or directory" if isinstance(exc, FileNotFoundError)
                     else (exc.strerror or str(exc)).lower())
    if not stat.S_ISREG(mode):
        return Found(path, True, problem=f"not a regular file ({_kind(mode)})", link=link)
    return Found(path, True, os.path.realpath(path), link=link)


Excluded = Callable[..., bool]


def _default_excluded(path: str, root: str, *, is_dir: bool) -> bool:
    name = os.path.basename(path)
    return is_dir and (name in SKIPPED_DIRECTORIES or name.startswith("."))


def iter_files(paths: list[str], excluded: Excluded = _default_excluded) -> Iterator[Found]:
    """Each file named, or found below a named directory and not ``excluded(path, root,
    is_dir=...)``, in a stable order; each file once, however many paths or links lead to it
    (by its own name rather than a link's, when both are met)."""
    roots = [os.path.realpath(p) for p in paths if os.path.isdir(p)]
    found: list[Found] = []
    for given in paths:
        if os.path.isdir(given):
            found.extend(_walk(given, os.path.realpath(given), given, excluded, roots))
        else:
            found.append(_named(given))
    by_name = {item.real for item in found if item.real and not item.link}
    done: set[str] = set()
    for item in found:
        if item.real:
            if item.real in done or (item.real in by_name and item.link):
                continue
            done.add(item.real)
        yield item


def _walk(directory: str, real: str, root: str, excluded: Excluded, roots: list[str]) -> Iterator[Found]:
    """The files below ``directory`` (whose real path is ``real``), sorted, directories after the
    files beside them, as os.walk gives them; symlinked directories are not entered. A plain file
    is known from its directory entry, without a system call of its own."""
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    subdirectories = []
    for entry in entries:
        path = os.path.join(directory, entry.name)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if not excluded(path, root, is_dir=True):
                subdirectories.append(entry)
            continue
        if not entry.name.lower().endswith(SUFFIXES) or excluded(path, root, is_dir=False):
            continue
        try:
            plain = entry.is_file(follow_symlinks=False)  # False for a symlink
        except OSError:
            plain = False
        yield Found(path, False, os.path.join(real, entry.name)) if plain else _walked(path, roots)
    for entry in subdirectories:
        if not entry.is_symlink():
            yield from _walk(os.path.join(directory, entry.name), os.path.join(real, entry.name), root, excluded,
                             roots)


def read_file(path: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, refusing anything else and anything over ``max_bytes``."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(f"not a regular file ({_kind(mode)})")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(descriptor, min(1 << 20, max_bytes + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise FileProblem(too_large(max_bytes))
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"


def too_large(max_bytes: int) -> str:
    return f"file larger than the {_size(max_bytes)} limit (--max-size)"


def parse_size(text: str) -> int:
    """``"10MB"``, ``"512KB"``, ``"1.5 GB"`` or a number of bytes (1 KB = 1024 bytes)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)B?\s*", text.upper())
    if match is None:
        raise ValueError(f"not a size: {text!r} (write it as 10MB, 512KB or a number of bytes)")
    number, unit = match.groups()
    return int(float(number) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit])


def remove_stale_temporaries(directory: str) -> None:
    """Remove the temporary files that cfnfix runs no longer alive left in ``directory``."""
    try:
        entries = list(os.scandir(directory or "."))
    except OSError:
        return
    for entry in entries:
        match = TEMPORARY.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False) or _alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def write_atomically(path: str, data: bytes) -> None:
    """Write through a temporary file in the same directory and rename it over ``path``, keeping its mode."""
    import tempfile

    directory, name = os.path.split(path)
    mode = os.stat(path).st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".cfnfix", dir=directory or ".")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_new(path: str, data: bytes) -> None:
    """Write a file that may not exist yet (a report), through a temporary file and a rename."""
    if not os.path.exists(path):
        with open(path, "xb"):
            pass
    write_atomically(path, data)
