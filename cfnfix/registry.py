"""Fixer discovery through the ``cfnfix.fixers`` entry-point group, and selection by code or name."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from cfnfix.fixer import Fixer


class UnknownFixerError(ValueError):
    pass


class FixerLoadError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def all_fixers() -> tuple[Fixer, ...]:
    """Every installed fixer, ordered by code."""
    found: dict[str, Fixer] = {}
    for entry in entry_points(group="cfnfix.fixers"):
        try:
            cls = entry.load()
            found[cls.code] = cls()
        except Exception as exc:
            raise FixerLoadError(f"cannot load fixer {entry.name} ({entry.value}): {exc}") from exc
    return tuple(found[code] for code in sorted(found))


def _matches(fixer: Fixer, token: str) -> bool:
    """A code, a code prefix (``CFX0`` selects CFX001 to CFX009, as ruff's prefixes do) or a name."""
    token = token.strip()
    return fixer.code.startswith(token.upper()) or token.lower() == fixer.name


def select_fixers(select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> tuple[Fixer, ...]:
    """The fixers named by ``select`` (all when empty) less those named by ``ignore``."""
    fixers = all_fixers()
    for token in (*select, *ignore):
        if token and not any(_matches(f, token) for f in fixers):
            raise UnknownFixerError(f"unknown fixer code or name: {token}")
    chosen = [f for f in fixers if not select or any(_matches(f, t) for t in select if t)]
    return tuple(f for f in chosen if not any(_matches(f, t) for t in ignore if t))
