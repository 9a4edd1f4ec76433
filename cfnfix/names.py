"""File names as printed: one line each, whatever characters a name holds.

A name's unprintable characters (a newline, an escape, a byte that is not UTF-8) are
shown escaped, so that a message about a file never splits over lines or writes
raw control characters to a terminal.
"""

from __future__ import annotations

import os

_GIT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r",
                '"': '\\"', "\\": "\\\\"}


def shown(name: str) -> str:
    """``name`` with each unprintable character written as a Python escape (``\\n``, ``\\x1b``, ``\\udcff``)."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for c in name)


def git_quoted(name: str) -> str:
    """A diff header's path as git writes it: as it is, or C-quoted when it holds a control
    character, a quote or a backslash (bytes that are not UTF-8 as octal escapes)."""
    if name.isprintable() and '"' not in name and "\\" not in name:
        return name
    out: list[str] = []
    for char in name:
        if char in _GIT_ESCAPES:
            out.append(_GIT_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        else:
            out.extend(f"\\{byte:03o}" for byte in os.fsencode(char))
    return '"' + "".join(out) + '"'
