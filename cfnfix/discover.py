"""Finding template files under the paths the user gave."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

SUFFIXES = (".yaml", ".yml", ".json", ".template")
SKIPPED_DIRECTORIES = frozenset({".git", "node_modules", "cdk.out"})


def iter_files(paths: list[str]) -> Iterator[tuple[str, bool, bool]]:
    """(path, exists, named) for each file named, or found below a named directory, in a stable order."""
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRECTORIES and not d.startswith("."))
                for name in sorted(files):
                    if name.lower().endswith(SUFFIXES):
                        yield os.path.join(root, name), True, False
        else:
            yield given, os.path.isfile(given), True


def write_atomically(path: str, data: bytes) -> None:
    """Write through a temporary file in the same directory and rename it over ``path``, keeping its mode."""
    import tempfile

    target = Path(path)
    mode = target.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".cfnfix", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
