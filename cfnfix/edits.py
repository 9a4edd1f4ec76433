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


class _Copy:
    """A copy of plain data that copies only the containers edits reach: the rest is shared with
    the original (a pass of fixes copies a few paths, not the whole template)."""

    def __init__(self, data: Any) -> None:
        self.root: Any = data.copy() if isinstance(data, (dict, list)) else data
        self._own: set[int] = {id(self.root)}
        #: mappings that take inserted keys: their entries as a list, made a mapping again at the end
        self._pending: dict[int, tuple[dict[str, Any], list[str]]] = {}

    def walk(self, path: Path) -> Any:
        """The node at ``path``, every container on the way (itself included) this copy's own."""
        node: Any = self.root
        for part in path:
            try:
                child = node[part]
            except (KeyError, IndexError, TypeError):
                raise EditError(f"no node at {path}") from None
            if isinstance(child, (dict, list)) and id(child) not in self._own:
                child = child.copy()
                self._own.add(id(child))
                node[part] = child
            node = child
        return node

    def own(self, container: Any) -> Any:
        """Take a container this copy made (a new mapping or list) as its own."""
        self._own.add(id(container))
        return container

    def insert_after(self, mapping: dict[str, Any], after: str | None, first: bool, key: str, value: Any) -> None:
        """Add ``key`` to ``mapping`` after ``after`` (first, or last), as one insert after another."""
        pending = self._pending.get(id(mapping))
        if pending is None:
            pending = self._pending[id(mapping)] = (mapping, list(mapping))
        keys = pending[1]
        if key in mapping:
            keys.remove(key)
        mapping[key] = value
        if first:
            keys.insert(0, key)
        elif after is not None and after in mapping and after != key:
            keys.insert(keys.index(after) + 1, key)
        else:
            keys.append(key)

    def finish(self) -> Any:
        for mapping, keys in self._pending.values():
            items = [(k, mapping[k]) for k in keys]
            mapping.clear()
            mapping.update(items)
        self._pending.clear()
        return self.root


def apply_edits(data: Any, edits: Sequence[Edit]) -> Any:
    """A copy of ``data`` with ``edits`` applied (deletes after the others, highest index first;
    key renames last, deepest first, so that the other edits' paths still name the old keys).
    The copy shares with ``data`` every node no edit reaches."""
    result = _Copy(data)
    deletes = [e for e in edits if isinstance(e, Delete)]
    for edit in edits:
        if isinstance(edit, SetValue):
            parent = result.walk(edit.path[:-1])
            if isinstance(parent, dict) and edit.path[-1] not in parent:
                raise EditError(f"no node at {edit.path}")
            try:
                parent[edit.path[-1]] = copy.deepcopy(edit.value)
            except (IndexError, TypeError):
                raise EditError(f"no node at {edit.path}") from None
        elif isinstance(edit, InsertKey):
            target = result.walk(edit.path)
            if target is None:
                target = result.own({})
                result.walk(edit.path[:-1])[edit.path[-1]] = target
            if not isinstance(target, dict):
                raise EditError(f"not a mapping at {edit.path}")
            result.insert_after(target, edit.after, edit.first, edit.key, copy.deepcopy(edit.value))
        elif isinstance(edit, AppendItem):
            target = result.walk(edit.path)
            if target is None:
                target = result.own([])
                result.walk(edit.path[:-1])[edit.path[-1]] = target
            if not isinstance(target, list):
                raise EditError(f"not a sequence at {edit.path}")
            target.append(copy.deepcopy(edit.value))
        elif isinstance(edit, WrapValue):
            parent = result.walk(edit.path[:-1])
            if isinstance(parent, dict) and edit.path[-1] not in parent:
                raise EditError(f"no node at {edit.path}")
            try:
                wrapped = parent[edit.path[-1]]
            except (IndexError, TypeError):
                raise EditError(f"no node at {edit.path}") from None
            parent[edit.path[-1]] = {edit.function: [*copy.deepcopy(list(edit.before)), wrapped,
                                                     *copy.deepcopy(list(edit.after))]}
    result.finish()
    for edit in sorted(deletes, key=lambda e: [str(p) if isinstance(p, str) else f"{p:09d}" for p in e.path],
                       reverse=True):
        parent = result.walk(edit.path[:-1])
        try:
            del parent[edit.path[-1]]
        except (KeyError, IndexError, TypeError):
            raise EditError(f"no node at {edit.path}") from None
    renames = [e for e in edits if isinstance(e, RenameKey)]
    for edit in sorted(renames, key=lambda e: len(e.path), reverse=True):
        parent = result.walk(edit.path[:-1])
        old = edit.path[-1]
        if not isinstance(parent, dict) or old not in parent:
            raise EditError(f"no key at {edit.path}")
        items = [(edit.new_key if k == old else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)
    return result.root


def overlaps(a: Path, b: Path) -> bool:
    """Whether one path is the other or lies inside it."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]
