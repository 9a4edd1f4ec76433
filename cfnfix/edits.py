"""Edits on plain data: what a template's data must become, to check the spliced text against.

Paths refer to the data before any edit of the pass, as they do for the splicer.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from cfnfix.models import AppendItem, Delete, Edit, InsertKey, Path, RenameKey, SetValue, WrapValue


class EditError(Exception):
    pass


def _walk(data: Any, path: Path) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            raise EditError(f"no node at {path}") from None
    return data


def _insert_after(mapping: dict[str, Any], after: str | None, first: bool, key: str, value: Any) -> None:
    items = [(k, v) for k, v in mapping.items() if k != key]
    if first:
        position = 0
    elif after is not None and after in mapping:
        position = [k for k, _ in items].index(after) + 1
    else:
        position = len(items)
    items.insert(position, (key, value))
    mapping.clear()
    mapping.update(items)


def apply_edits(data: Any, edits: Sequence[Edit]) -> Any:
    """A copy of ``data`` with ``edits`` applied (deletes after the others, highest index first;
    key renames last, deepest first, so that the other edits' paths still name the old keys)."""
    result = copy.deepcopy(data)
    deletes = [e for e in edits if isinstance(e, Delete)]
    for edit in edits:
        if isinstance(edit, SetValue):
            parent = _walk(result, edit.path[:-1])
            if isinstance(parent, dict) and edit.path[-1] not in parent:
                raise EditError(f"no node at {edit.path}")
            parent[edit.path[-1]] = copy.deepcopy(edit.value)
        elif isinstance(edit, InsertKey):
            target = _walk(result, edit.path)
            if target is None:
                target = {}
                _walk(result, edit.path[:-1])[edit.path[-1]] = target
            if not isinstance(target, dict):
                raise EditError(f"not a mapping at {edit.path}")
            _insert_after(target, edit.after, edit.first, edit.key, copy.deepcopy(edit.value))
        elif isinstance(edit, AppendItem):
            target = _walk(result, edit.path)
            if target is None:
                target = []
                _walk(result, edit.path[:-1])[edit.path[-1]] = target
            if not isinstance(target, list):
                raise EditError(f"not a sequence at {edit.path}")
            target.append(copy.deepcopy(edit.value))
        elif isinstance(edit, WrapValue):
            parent = _walk(result, edit.path[:-1])
            if isinstance(parent, dict) and edit.path[-1] not in parent:
                raise EditError(f"no node at {edit.path}")
            try:
                wrapped = parent[edit.path[-1]]
            except (IndexError, TypeError):
                raise EditError(f"no node at {edit.path}") from None
            parent[edit.path[-1]] = {edit.function: [*copy.deepcopy(list(edit.before)), wrapped,
                                                     *copy.deepcopy(list(edit.after))]}
    for edit in sorted(deletes, key=lambda e: [str(p) if isinstance(p, str) else f"{p:09d}" for p in e.path],
                       reverse=True):
        parent = _walk(result, edit.path[:-1])
        try:
            del parent[edit.path[-1]]
        except (KeyError, IndexError, TypeError):
            raise EditError(f"no node at {edit.path}") from None
    renames = [e for e in edits if isinstance(e, RenameKey)]
    for edit in sorted(renames, key=lambda e: len(e.path), reverse=True):
        parent = _walk(result, edit.path[:-1])
        old = edit.path[-1]
        if not isinstance(parent, dict) or old not in parent:
            raise EditError(f"no key at {edit.path}")
        items = [(edit.new_key if k == old else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)
    return result


def overlaps(a: Path, b: Path) -> bool:
    """Whether one path is the other or lies inside it."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]
