"""Git-style unified diffs (``--- a/FILE`` / ``+++ b/FILE``) that ``patch -p1`` applies exactly."""

from __future__ import annotations

import difflib

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(before: str, after: str, path: str) -> str:
    """The diff from ``before`` to ``after``; a missing final newline is marked as git marks it."""
    if before == after:
        return ""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out: list[str] = []
    for line in difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}"):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n").rstrip("\t") + "\n")
        elif line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n" + NO_NEWLINE)
    return "".join(out)


def diff_stats(diff: str) -> tuple[int, int]:
    """Lines added and removed in a unified diff (read back with unidiff)."""
    from unidiff import PatchSet

    patch = PatchSet(diff)
    return sum(f.added for f in patch), sum(f.removed for f in patch)
