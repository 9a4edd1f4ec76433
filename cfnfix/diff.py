"""Git-style unified diffs (``--- a/FILE`` / ``+++ b/FILE``) that ``patch -p1`` applies exactly."""

from __future__ import annotations

import difflib

from cfnfix.names import git_quoted

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(before: str, after: str, path: str) -> str:
    """The diff from ``before`` to ``after``; a missing final newline is marked as git marks it,
    and a path holding a control character, quote or backslash is C-quoted as git quotes it."""
    if before == after:
        return ""
    old, new = _lines(before), _lines(after)
    out: list[str] = []
    for line in difflib.unified_diff(old, new, fromfile=git_quoted(f"a/{path}"),
                                     tofile=git_quoted(f"b/{path}")):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n").rstrip("\t") + "\n")
        elif line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n" + NO_NEWLINE)
    return "".join(out)


def _lines(text: str) -> list[str]:
    """Lines ending at ``\n`` only, as ``patch`` reads them (``str.splitlines`` also splits at
    U+2028, U+0085 and others, which YAML strings may hold)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def diff_stats(diff: str) -> tuple[int, int]:
    """Lines added and removed in a unified diff (read back with unidiff)."""
    from unidiff import PatchSet

    patch = PatchSet(diff)
    return sum(f.added for f in patch), sum(f.removed for f in patch)
