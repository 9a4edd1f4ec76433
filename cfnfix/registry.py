"""Fixer discovery through the ``cfnfix.fixers`` entry-point group, and selection by code or name."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from cfnfix.fixer import Fixer
from cfnfix.models import Options


class UnknownFixerError(ValueError):
    pass


class FixerLoadError(RuntimeError):
    pass


_ENTRIES: dict[str, EntryPoint] = {}


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
        _ENTRIES[cls.code] = entry
    return tuple(found[code] for code in sorted(found))


_NAMED: dict[str, str] = {}


def distribution(code: str) -> str:
    """The distribution (``name version``) that installed the fixer ``code``, or ''. Read on demand
    and once per distribution: its metadata is parsed anew on every read, which for every fixer of
    every run would cost more than a small template's whole check."""
    all_fixers()
    entry = _ENTRIES.get(code)
    dist = entry.dist if entry is not None else None
    if dist is None:
        return ""
    where = str(getattr(dist, "_path", id(dist)))
    if where not in _NAMED:
        metadata = dist.metadata
        _NAMED[where] = f"{metadata['Name']} {metadata['Version']}"
    return _NAMED[where]


def _matches(fixer: Fixer, token: str) -> bool:
    """A code, a code prefix (``CFX0`` selects CFX001 to CFX009, as ruff's prefixes do) or a name."""
    token = token.strip()
    return fixer.code.startswith(token.upper()) or token.lower() == fixer.name


def matching(token: str) -> tuple[Fixer, ...]:
    """The fixers a code, code prefix or name stands for; raises UnknownFixerError when none."""
    found = tuple(f for f in all_fixers() if _matches(f, token))
    if not found:
        raise UnknownFixerError(f"unknown fixer code or name: {token}")
    return found


def profiles() -> tuple[str, ...]:
    """The profiles the installed fixers belong to."""
    return tuple(sorted({f.profile for f in all_fixers() if f.profile}))


class UnknownProfileError(ValueError):
    pass


def check_profile(profile: str) -> None:
    """Raises UnknownProfileError unless some installed fixer belongs to ``profile`` (or it is empty)."""
    if profile and profile not in profiles():
        known = ", ".join(profiles()) or "none"
        raise UnknownProfileError(f"unknown profile: {profile} (known: {known})")


def _named(fixer: Fixer, tokens: tuple[str, ...]) -> bool:
    """Whether ``fixer`` is named by its exact code or name (not by a prefix) among ``tokens``."""
    return any(t.strip().upper() == fixer.code or t.strip().lower() == fixer.name for t in tokens if t)


@lru_cache(maxsize=256)
def select_fixers(
    select: tuple[str, ...] = (), ignore: tuple[str, ...] = (), extend_select: tuple[str, ...] = (),
    profile: str = "",
) -> tuple[Fixer, ...]:
    """The fixers named by ``select`` (all when empty) and ``extend_select``, less those named by ``ignore``.

    A fixer of a profile runs only with that profile; an opt-in fixer only when ``select`` or
    ``extend_select`` names it by its exact code or name.
    """
    fixers = all_fixers()
    for token in (*select, *ignore, *extend_select):
        if token:
            matching(token)
    check_profile(profile)
    wanted = [t for t in (*select, *extend_select) if t] if select else []
    chosen = [f for f in fixers if not wanted or any(_matches(f, t) for t in wanted)]
    chosen = [f for f in chosen if (f.profile is None or f.profile == profile)
              and (not f.opt_in or _named(f, (*select, *extend_select)))]
    return tuple(f for f in chosen if not any(_matches(f, t) for t in ignore if t))


def fixers_for(options: Options) -> tuple[Fixer, ...]:
    """The fixers ``options`` select."""
    return select_fixers(options.select, options.ignore, options.extend_select, options.profile)


@lru_cache(maxsize=256)
def fixer_names(tokens: tuple[str, ...]) -> frozenset[str]:
    """The codes that tokens (codes, prefixes, names) stand for."""
    return frozenset(f.code for token in tokens if token for f in matching(token))
