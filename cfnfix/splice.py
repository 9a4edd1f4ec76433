"""Applying edits to the original text: only the spans of the changed nodes are rewritten.

Every edit is resolved against the composed tree of the original text (ruamel.yaml's
composer gives exact character marks), turned into a text replacement, and all
replacements are applied from the end of the text to its start. Bytes outside the
replaced spans are never touched: comments, quoting, indentation and line endings
elsewhere stay as they were.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from cfnfix.models import AppendItem, Delete, DropAnchor, Edit, InsertKey, Path, RenameKey, SetValue, WrapValue
from cfnfix.render import (
    Style,
    json_compact,
    json_entry,
    json_value,
    local_style,
    short_tag,
    yaml_entry,
    yaml_inline,
    yaml_item,
    yaml_scalar,
    yaml_string,
)
from cfnfix.template import KeyIndex, intrinsic_name, node_tag, plain_scalar, to_data


class SpliceError(Exception):
    """An edit that cannot be placed in the text (the file is then left as it was)."""


@dataclass
class Replacement:
    start: int
    end: int
    text: str
    order: int


@dataclass
class Located:
    """A node found by path: itself, its container and its key node (in a mapping)."""

    node: Any
    parent: Any
    key: Any
    #: the path's last step entered a short-form intrinsic (``!Ref X`` at ``(..., "Ref")``): the
    #: node is the tag's argument, written after the tag
    argument: bool = False


class Splicer:
    def __init__(self, text: str, root: Any, style: Style, alias_of: dict[int, Any] | None = None) -> None:
        self.text = text
        self.root = root
        self.style = style
        self.alias_of = alias_of or {}
        self.replacements: list[Replacement] = []
        self.keys = KeyIndex()
        self.empty_at: dict[int, int] = {}
        # what is known of a collection once worked out: its children's style, whether its entries
        # are blank-line separated, each key's position (many edits in one mapping stay linear)
        self._styles: dict[int, Style] = {}
        self._blank: dict[int, bool] = {}
        self._positions: dict[int, dict[str, int]] = {}
        self._mark_empty_scalars(root)

    def collection_style(self, collection: Any) -> Style:
        """The style the children of a mapping or sequence node are written in (worked out once)."""
        found = self._styles.get(id(collection))
        if found is None:
            children = [v for _k, v in collection.value] if collection.id == "mapping" else collection.value
            found = self._styles[id(collection)] = local_style(children, self.style)
        return found

    def _mark_empty_scalars(self, root: Any) -> None:
        """Where each empty (null) scalar really stands: composers put it at the next token."""
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in self.alias_of:
                continue
            if node.id == "mapping":
                for key, value in node.value:
                    if self._is_empty(value):
                        self.empty_at[id(value)] = self.colon_after(key) + 1
                    else:
                        stack.append(value)
            elif node.id == "sequence":
                for item in node.value:
                    if self._is_empty(item):
                        self.empty_at[id(item)] = self.dash_before(item, empty=True) + 1
                    else:
                        stack.append(item)

    @staticmethod
    def _is_empty(node: Any) -> bool:
        return node.id == "scalar" and not node.style and node.value == "" and not intrinsic_name(
            node_tag(node)
        )

    def start(self, node: Any) -> int:
        return self.empty_at.get(id(node), node.start_mark.index)

    # --- locating ------------------------------------------------------------------
    def locate(self, path: Path) -> Located:
        node, parent, key = self.root, None, None
        unwrapped = False
        for part in path:
            name = intrinsic_name(node_tag(node))
            if name is not None and not unwrapped and part == name:
                unwrapped = True  # the short form's argument: the same node, without its tag
                continue
            unwrapped = False
            parent, key = node, None
            if node.id == "mapping" and isinstance(part, str):
                entry = self.keys.entry(node, part)
                if entry is None:
                    raise SpliceError(f"no key {part!r} at {path}")
                key, node = entry
            elif node.id == "sequence" and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                raise SpliceError(f"no node at {path}")
        return Located(node, parent, key, argument=unwrapped)

    # --- spans -----------------------------------------------------------------------
    def end(self, node: Any) -> int:
        """Index just after the last character of the node's own content."""
        if id(node) in self.empty_at:
            return self.empty_at[id(node)]
        if id(node) in self.alias_of:
            return node.end_mark.index  # an alias: ``*name``
        if node.id == "scalar":
            stop = node.end_mark.index
            if node.style in ("|", ">"):
                while stop > node.start_mark.index and self.text[stop - 1] in " \t\r\n":
                    stop -= 1
            return stop
        if node.flow_style or not node.value:
            return node.end_mark.index
        last = node.value[-1]
        return self.end(last[1] if node.id == "mapping" else last)

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        """Index just after the newline that ends the line holding ``index``."""
        stop = self.text.find("\n", index)
        return len(self.text) if stop < 0 else stop + 1

    def first_on_line(self, index: int) -> bool:
        return not self.text[self.line_start(index) : index].strip()

    def indentation(self, index: int) -> str:
        start = self.line_start(index)
        line = self.text[start:index]
        return line[: len(line) - len(line.lstrip(" \t"))]

    def colon_after(self, key: Any) -> int:
        stop = self.text.find(":", key.end_mark.index)
        if stop < 0:
            raise SpliceError("no colon after key")
        return stop

    def dash_before(self, item: Any, empty: bool = False) -> int:
        if not empty and id(item) in self.empty_at:
            return self.empty_at[id(item)] - 1
        position = item.start_mark.index - 1
        while position >= 0 and self.text[position] in " \t":
            position -= 1
        if position < 0 or self.text[position] != "-":
            raise SpliceError("no dash before sequence item")
        return position

    def add(self, start: int, end: int, text: str) -> None:
        self.replacements.append(Replacement(start, end, text, len(self.replacements)))

    @property
    def nl(self) -> str:
        return self.style.newline

    def lines(self, lines: Sequence[str]) -> str:
        return self.nl.join(lines)

    def is_flow(self, node: Any) -> bool:
        return bool(node.flow_style) or self.style.fmt == "json"

    # --- edits -----------------------------------------------------------------------
    def apply(self, edits: Sequence[Edit]) -> str:
        deletes: dict[Path, list[Delete]] = defaultdict(list)
        for edit in normalise(edits, self):
            if isinstance(edit, Delete):
                deletes[edit.path[:-1]].append(edit)
            elif isinstance(edit, SetValue):
                self.set_value(edit.path, edit.value)
            elif isinstance(edit, InsertKey):
                self.insert_key(edit)
            elif isinstance(edit, AppendItem):
                self.append_item(edit.path, edit.value)
            elif isinstance(edit, RenameKey):
                self.rename_key(edit.path, edit.new_key)
            elif isinstance(edit, DropAnchor):
                self.drop_anchor(edit.path)
            elif isinstance(edit, WrapValue):
                self.wrap_value(edit)
        for parent_path, group in deletes.items():
            self.delete_group(parent_path, group)
        return self.render()

    def render(self) -> str:
        ordered = sorted(self.replacements, key=lambda r: (r.start, r.end, r.order))
        for before, after in itertools.pairwise(ordered):
            if after.start < before.end:
                raise SpliceError("two edits overlap in the text")
        pieces: list[str] = []
        position = 0
        for rep in ordered:
            pieces.append(self.text[position : rep.start])
            pieces.append(rep.text)
            position = rep.end
        pieces.append(self.text[position:])
        return "".join(pieces)

    def set_value(self, path: Path, value: Any) -> None:
        found = self.locate(path)
        old, parent = found.node, found.parent
        if parent is None:
            raise SpliceError("cannot replace the whole template")
        start, stop = self.start(old), self.end(old)
        if (found.argument or intrinsic_name(node_tag(old)) is None) and self._set_literal_block(old, value):
            return
        if found.argument:
            self._set_argument(path, found, value)
            return
        if self._drops_tag(old, value):
            # ``!Sub 'text'`` becoming the string ``text``: only the tag goes, the scalar stays as written
            tag_end = start + len(node_tag(old))
            while self.text[tag_end : tag_end + 1] in (" ", "\t"):
                tag_end += 1
            self.add(start, tag_end, "")
            return
        if (
            self.style.fmt == "yaml" and isinstance(value, str) and old.id == "scalar"
            and old.style in ("'", '"') and id(old) not in self.alias_of and "\n" not in value
            and intrinsic_name(node_tag(old)) is None
        ):
            # a quoted string replaced by a string keeps its quotes
            self.add(start, stop, yaml_string(value, replace(self.style, quote=old.style), force_quote=True))
            return
        if self.is_flow(parent):
            if self.style.fmt == "json":
                base = self.indentation(found.key.start_mark.index if found.key is not None else start)
                one_line = parent.start_mark.line == parent.end_mark.line
                self.add(start, stop, json_value(value, self.style, base, compact=one_line))
            else:
                inline = yaml_inline(value, self.style, flow=True)
                if inline is None:
                    raise SpliceError("a block value cannot go into a flow collection")
                self.add(start, stop, inline)
            return
        style = self.collection_style(parent)
        inline = yaml_inline(value, style)
        if parent.id == "mapping":
            colon = self.colon_after(found.key)
            column = found.key.start_mark.column
            if inline is not None:
                if old.start_mark.line == found.key.start_mark.line or start == colon + 1:
                    gap = "" if self.text[start - 1] in " \t" else " "
                    self.add(start, stop, gap + inline)
                else:
                    self.add(colon + 1, stop, " " + inline)
                return
            entry = yaml_entry("k", value, style, column)
            head = entry[0][entry[0].index(":") + 1 :]
            eol = self.line_end(stop)
            eol -= len(self.text[:eol]) - len(self.text[:eol].rstrip("\r\n"))
            rest = self.text[stop:eol]
            if rest.strip().startswith("#"):  # a trailing comment stays on the key's line
                self.add(colon + 1, eol, head + rest + self.nl + self.lines(entry[1:]))
            else:
                self.add(colon + 1, stop, head + self.nl + self.lines(entry[1:]))
            return
        dash = self.dash_before(old)
        column = self.text[self.line_start(dash) : dash].__len__()
        item = yaml_item(value, style, column)
        self.add(dash, stop, self.lines([item[0][column:], *item[1:]]))

    def _set_literal_block(self, old: Any, value: Any) -> bool:
        """A string replacing a literal block scalar (``|``, ``|-``, ``!Sub |``) keeps the block: its
        header line (tag, indicator, comment) and its lines' indentation. False when the string
        cannot be written so (the caller writes it another way)."""
        if not isinstance(value, str) or old.id != "scalar" or old.style != "|" or id(old) in self.alias_of:
            return False
        start, stop = old.start_mark.index, self.end(old)
        body_start = self.line_end(start)
        header = self.text[start:body_start]
        indicator = header[header.find("|") + 1 :].split("#", 1)[0].strip() if "|" in header else "?"
        if indicator not in ("", "-") or body_start >= stop:
            return False
        body = value[:-1] if indicator == "" and value.endswith("\n") else value
        if not body or body.endswith("\n") or (indicator == "" and not value.endswith("\n")):
            return False  # other trailing newlines than the block's chomping keeps
        lines = body.split("\n")
        if lines[0][:1] in (" ", "") or not all(c.isprintable() or c == "\t" for c in body.replace("\n", "")):
            return False
        first = self.text[body_start:stop].lstrip("\r\n")
        column = len(first) - len(first.lstrip(" "))
        stop = self.line_end(stop)  # the last line's trailing spaces are the block's too
        stop -= len(self.text[:stop]) - len(self.text[:stop].rstrip("\r\n"))
        self.add(body_start, stop, self.lines([" " * column + line if line else "" for line in lines]))
        return True

    def _set_argument(self, path: Path, found: Located, value: Any) -> None:
        """Set the argument of a short-form intrinsic, keeping its tag: a scalar in place after the
        tag (in its quotes), else the whole intrinsic anew."""
        old = found.node
        name = intrinsic_name(node_tag(old))
        if name is None:
            raise SpliceError(f"no intrinsic at {path[:-1]}")
        scalar = isinstance(value, str | int | float | bool) and "\n" not in str(value)
        if old.id != "scalar" or id(old) in self.alias_of or not scalar:
            self.set_value(path[:-1], {name: value})
            return
        start, stop = self.start(old), self.end(old)
        tag_end = start + len(node_tag(old))
        if self.text[start:tag_end] != node_tag(old):
            raise SpliceError(f"no tag at {path}")
        while self.text[tag_end : tag_end + 1] in (" ", "\t"):
            tag_end += 1
        if isinstance(value, str) and old.style in ("'", '"'):
            text = yaml_string(value, replace(self.style, quote=old.style), force_quote=True)
        else:
            text = yaml_scalar(value, replace(self.style, quote_strings=False), flow=self.is_flow(found.parent))
        self.add(tag_end, stop, text)

    def _drops_tag(self, old: Any, value: Any) -> bool:
        """Whether ``value`` is exactly the string a short-form tagged scalar already spells."""
        if not isinstance(value, str) or old.id != "scalar" or id(old) in self.alias_of:
            return False
        tag = node_tag(old)
        if intrinsic_name(tag) is None or self.text[old.start_mark.index : old.start_mark.index + len(tag)] != tag:
            return False
        if old.style in ("'", '"', "|", ">"):
            return bool(old.value == value)
        return plain_scalar(old.value) == value

    def insert_key(self, edit: InsertKey) -> None:
        mapping = self.locate(edit.path).node
        entries = mapping.value
        if edit.first:
            anchor_index = None
        elif edit.after is not None:
            positions = self._positions.get(id(mapping))
            if positions is None:
                positions = self._positions[id(mapping)] = {}
                for i, (k, _v) in enumerate(entries):
                    if k.id == "scalar":
                        positions.setdefault(k.value, i)
            anchor_index = positions.get(edit.after)
            if anchor_index is None:
                raise SpliceError(f"no key {edit.after!r} to insert after")
        else:
            anchor_index = len(entries) - 1
        if self.is_flow(mapping):
            self._insert_flow(mapping, anchor_index, edit.key, edit.value)
            return
        column = entries[0][0].start_mark.column
        style = self.collection_style(mapping)
        lines = yaml_entry(edit.key, edit.value, style, column)
        if anchor_index is None:
            first_key = entries[0][0]
            if not self.first_on_line(first_key.start_mark.index):
                raise SpliceError("cannot insert before a key that shares its line")
            self.add(self.line_start(first_key.start_mark.index), self.line_start(first_key.start_mark.index),
                     self.lines(lines) + self.nl)
            return
        if id(mapping) not in self._blank:
            self._blank[id(mapping)] = self._blank_separated(entries)
        if self._blank[id(mapping)]:
            lines = ["", *lines]
        self._insert_block_after(entries[anchor_index][1], lines)

    def _blank_separated(self, entries: list[tuple[Any, Any]]) -> bool:
        """Whether most neighbouring entries of a block mapping have a blank line between them."""
        gaps = [self.text[self.line_end(self.end(value)) : self.line_start(key.start_mark.index)]
                for (_k, value), (key, _v) in itertools.pairwise(entries)]
        blank = sum(1 for gap in gaps if any(not line.strip() for line in gap.splitlines()))
        return bool(gaps) and blank * 2 > len(gaps)

    def _insert_block_after(self, node: Any, lines: list[str]) -> None:
        point = self.line_end(self.end(node))
        if point == len(self.text) and not self.text.endswith("\n"):
            if getattr(self._last_leaf(node), "style", None) in ("|", ">"):
                raise SpliceError("a block scalar ends the file without a newline")
            self.add(point, point, self.nl + self.lines(lines))
        else:
            self.add(point, point, self.lines(lines) + self.nl)

    def _flow_separator(self, collection: Any, starts: list[int]) -> str:
        """The text between one entry's comma and the next entry (``\\n    `` or `` ``)."""
        if len(starts) >= 2:
            gap = self.text[starts[-2] : starts[-1]]
            comma = gap.rfind(",")
            if comma >= 0:
                return gap[comma + 1 :]
        opening = self.text[collection.start_mark.index + 1 : starts[0]] if starts else ""
        return opening if opening and not opening.strip() else " "

    def _entry_text(self, key: str | None, value: Any, base: str, compact: bool) -> str:
        if self.style.fmt == "json":
            if key is None:
                return json_value(value, self.style, base, compact=compact)
            return json_entry(key, value, self.style, base, compact=compact)
        inline = yaml_inline(value, self.style, flow=True)
        if inline is None:
            raise SpliceError("a block value cannot go into a flow collection")
        if key is None:
            return inline
        return f"{yaml_inline(key, self.style, flow=True)}: {inline}"

    def _insert_flow(self, collection: Any, anchor_index: int | None, key: str | None, value: Any) -> None:
        items = collection.value
        starts = [(i[0] if collection.id == "mapping" else i).start_mark.index for i in items]
        if not items:
            raise SpliceError("empty flow collection")
        separator = self._flow_separator(collection, starts)
        base = self.indentation(starts[0]) if "\n" in separator else self.indentation(collection.start_mark.index)
        text = self._entry_text(key, value, base, compact="\n" not in separator)
        if anchor_index is None:
            self.add(starts[0], starts[0], text + "," + separator)
        else:
            last = items[anchor_index]
            stop = self.end(last[1] if collection.id == "mapping" else last)
            self.add(stop, stop, "," + separator + text)

    def append_item(self, path: Path, value: Any) -> None:
        sequence = self.locate(path).node
        if not sequence.value:
            raise SpliceError("empty sequence")
        if self.is_flow(sequence):
            self._insert_flow(sequence, len(sequence.value) - 1, None, value)
            return
        dash = self.dash_before(sequence.value[0])
        column = dash - self.line_start(dash)
        style = self.collection_style(sequence)
        self._insert_block_after(sequence.value[-1], yaml_item(value, style, column))

    def wrap_value(self, edit: WrapValue) -> None:
        """The value at ``edit.path`` as one argument of ``edit.function``: a YAML block collection keeps
        its lines (comments included), moved under the function; any other value is written anew."""
        found = self.locate(edit.path)
        if found.parent is None:
            raise SpliceError("cannot wrap the whole template")
        if not self._wrap_block(found, edit) and not self._wrap_json(found, edit):
            wrapped = [*edit.before, to_data(found.node), *edit.after]
            self.set_value(edit.path, {edit.function: wrapped})

    def _wrap_block(self, found: Located, edit: WrapValue) -> bool:
        """Wrap a block collection by moving its lines under the function; False when it is not one."""
        node, parent, key = found.node, found.parent, found.key
        plain = node_tag(node).startswith("tag:yaml.org,2002:")
        if (self.style.fmt != "yaml" or node.id not in ("mapping", "sequence") or node.flow_style or not node.value
                or not plain or id(node) in self.alias_of or self.is_flow(parent)):
            return False
        start, stop = self.start(node), self.line_end(self.end(node))
        if not self.first_on_line(start) and key is not None:
            return False
        long_form = not self.style.short_tags
        if key is not None:  # ``Key:`` then the block on the lines below
            colon = self.colon_after(key)
            rest = self.text[colon + 1 : self.line_end(colon)].rstrip("\r\n")
            if (rest.strip() and not rest.strip().startswith("#")) or node.start_mark.line == key.start_mark.line:
                return False
            head_at, column = colon + 1, key.start_mark.column
            between = self.text[self.line_end(colon) : self.line_start(start)]
            first = self.text[self.line_start(start) : stop]
            dash = column + self.style.indent
            head = [f" {short_tag(edit.function)}{rest}"] if not long_form else [
                rest, " " * dash + f"{edit.function}:"]
        else:  # ``- `` and the block's first entry on the dash's line
            item_dash = self.dash_before(node)
            if self.text[item_dash + 1 : start].strip() or node.start_mark.line != self._line_of(item_dash):
                return False
            head_at, column, between = item_dash + 1, item_dash - self.line_start(item_dash), ""
            first = " " * node.start_mark.column + self.text[start:stop]
            dash = column + 2
            head = [f" {short_tag(edit.function)}"] if not long_form else [f" {edit.function}:"]
        if long_form:
            dash += self.style.sequence_offset
        body = self._shifted(between + first, dash + 2 - node.start_mark.column)
        if body is None:
            return False
        lines = body.splitlines()
        offset = len(between.splitlines())
        content = lines[offset][dash + 2 :] if len(lines[offset]) >= dash + 2 else ""
        lines[offset] = " " * dash + "- " + content
        style = self.collection_style(parent)
        before = [line for value in edit.before for line in yaml_item(value, style, dash)]
        after = [line for value in edit.after for line in yaml_item(value, style, dash)]
        text = self.lines([*head, *before, *lines, *after])
        if stop == len(self.text) and not self.text.endswith("\n"):
            if getattr(self._last_leaf(node), "style", None) in ("|", ">"):
                raise SpliceError("a block scalar ends the file without a newline")
        else:
            text += self.nl
        self.add(head_at, stop, text)
        return True

    def _wrap_json(self, found: Located, edit: WrapValue) -> bool:
        """Wrap a JSON value, its text kept: a value on one line stays on one line, one written on
        several lines moves in by two levels under the function; False when the file is not JSON."""
        node = found.node
        if self.style.fmt != "json":
            return False
        start, stop = node.start_mark.index, node.end_mark.index
        separator = self.style.json_key_separator
        name = json.dumps(edit.function)
        if node.start_mark.line == node.end_mark.line or not self.style.json_multiline:
            arguments = [json_compact(v, self.style) for v in edit.before]
            arguments.append(self.text[start:stop])
            arguments += [json_compact(v, self.style) for v in edit.after]
            self.add(start, stop, f"{{{name}{separator}[" + ", ".join(arguments) + "]}")
            return True
        base = self.indentation(start)
        step = self.style.json_indent
        inner, items = base + step, base + step * 2
        arguments = [json_value(v, self.style, items) for v in edit.before]
        arguments.append(self.text[start:stop].replace("\n", "\n" + step * 2))
        arguments += [json_value(v, self.style, items) for v in edit.after]
        nl = self.nl
        self.add(start, stop, f"{{{nl}{inner}{name}{separator}[{nl}{items}" + f",{nl}{items}".join(arguments)
                 + f"{nl}{inner}]{nl}{base}}}")
        return True

    def _line_of(self, index: int) -> int:
        return self.text.count("\n", 0, index)

    @staticmethod
    def _shifted(text: str, delta: int) -> str | None:
        """``text``'s lines moved ``delta`` columns right (left when negative); None when a line with
        content has too little indentation to move left."""
        lines = text.splitlines()
        for index, line in enumerate(lines):
            if not line:
                continue
            if delta >= 0:
                lines[index] = " " * delta + line
                continue
            spaces = len(line) - len(line.lstrip(" "))
            if spaces < -delta and line.strip() and not line.strip().startswith("#"):
                return None
            lines[index] = line[min(spaces, -delta) :]
        return "\n".join(lines)

    def drop_anchor(self, path: Path) -> None:
        node = self.locate(path).node
        anchor = getattr(node, "anchor", None)
        start = node.start_mark.index
        token = f"&{anchor}"
        if not anchor or id(node) in self.alias_of or self.text[start : start + len(token)] != token:
            raise SpliceError(f"no anchor at {path}")
        stop = start + len(token)
        rest = self.text[stop : self.line_end(stop)].strip()
        if rest and not rest.startswith("#"):
            while self.text[stop : stop + 1] in (" ", "\t"):
                stop += 1  # ``&name value``: the value moves left
        elif not rest and self._joins_dash(node, start):
            stop = node.value[0][0].start_mark.index  # ``- &name`` over ``  Key: v`` becomes ``- Key: v``
        else:
            while start > 0 and self.text[start - 1] in (" ", "\t"):
                start -= 1  # ``Key: &name  # note``: the key keeps its comment, spaced as it was
        self.add(start, stop, "")

    def _joins_dash(self, node: Any, anchor_start: int) -> bool:
        """Whether an anchored block mapping under ``- &name`` can move up onto the dash's line."""
        before = self.text[self.line_start(anchor_start) : anchor_start]
        if node.id != "mapping" or node.flow_style or not node.value or before.strip() != "-":
            return False
        return node.value[0][0].start_mark.column == len(before.rstrip()) + 1

    def rename_key(self, path: Path, new_key: str) -> None:
        found = self.locate(path)
        key = found.key
        if key is None:
            raise SpliceError("not a mapping key")
        if self.style.fmt == "json" or key.style == '"':
            import json

            text = json.dumps(new_key, ensure_ascii=False)
        elif key.style == "'":
            text = "'" + new_key.replace("'", "''") + "'"
        else:
            text = yaml_inline(new_key, self.style) or new_key
        self.add(key.start_mark.index, key.end_mark.index, text)

    def delete_group(self, parent_path: Path, group: list[Delete]) -> None:
        parent = self.locate(parent_path).node
        if parent.id == "mapping":
            names = {d.path[-1] for d in group}
            doomed = [i for i, (k, _v) in enumerate(parent.value) if k.value in names]
            spans = [(k.start_mark.index, v) for k, v in parent.value]
        else:
            doomed = sorted({int(d.path[-1]) for d in group})
            spans = [(self.dash_before(v) if not self.is_flow(parent) else v.start_mark.index, v)
                     for v in parent.value]
        if self.is_flow(parent):
            self._delete_flow(parent, doomed, spans)
            return
        for position in doomed:
            start, value = spans[position]
            stop = self.end(value)
            if self.first_on_line(start):
                first = self.line_start(start)
                last = self._own_comments_end(start, self.line_end(stop))
                if first > 0 and not self.text[self.line_start(first - 1) : first].strip():
                    while last < len(self.text) and not self.text[last : self.line_end(last)].strip():
                        last = self.line_end(last)  # blank above and below: keep one, not two
                self.add(first, last, "")
            elif position + 1 < len(spans) and position + 1 not in doomed:
                self.add(start, spans[position + 1][0], "")
            else:
                raise SpliceError("cannot remove an entry that shares its line")

    @staticmethod
    def _last_leaf(node: Any) -> Any:
        while node.id != "scalar" and node.value and not node.flow_style:
            last = node.value[-1]
            node = last[1] if node.id == "mapping" else last
        return node

    def _own_comments_end(self, start: int, stop: int) -> int:
        """Extend a removed entry over the comment lines indented under it that follow it."""
        column = start - self.line_start(start)
        while stop < len(self.text):
            line = self.text[stop : self.line_end(stop)]
            body = line.lstrip(" ")
            if not body.startswith("#") or len(line) - len(body) <= column:
                break
            stop = self.line_end(stop)
        return stop

    def _delete_flow(self, parent: Any, doomed: list[int], spans: list[tuple[int, Any]]) -> None:
        count = len(spans)
        if len(doomed) == count:
            self.add(parent.start_mark.index + 1, parent.end_mark.index - 1, "")
            return
        runs: list[list[int]] = []
        for position in doomed:
            if runs and runs[-1][-1] == position - 1:
                runs[-1].append(position)
            else:
                runs.append([position])
        for run in runs:
            first, last = run[0], run[-1]
            if last + 1 < count:
                self.add(spans[first][0], spans[last + 1][0], "")
            else:
                self.add(self.end(spans[first - 1][1]), self.end(spans[last][1]), "")


def normalise(edits: Sequence[Edit], splicer: Splicer) -> list[Edit]:
    """Rewrite edits the text cannot take as they are into equivalent ones it can.

    - a set, insert or append aimed inside a short-form intrinsic's argument is made a set
      of the whole intrinsic when needed;
    - deleting every key of a mapping (item of a sequence) sets it to ``{}`` (``[]``);
    - inserting into a null or empty mapping, or appending to an empty sequence, sets it.
    """
    result: list[Edit] = []
    deletes: dict[Path, set[Any]] = defaultdict(set)
    for edit in edits:
        if isinstance(edit, Delete):
            deletes[edit.path[:-1]].add(edit.path[-1])
    emptied: set[Path] = set()
    for parent_path, doomed in deletes.items():
        node = splicer.locate(parent_path).node
        if node.id in ("mapping", "sequence") and parent_path:
            size = len(node.value)
            keys = {k.value for k, _v in node.value} if node.id == "mapping" else set(range(size))
            if keys and keys <= doomed:
                emptied.add(parent_path)
                result.append(SetValue(path=parent_path, value={} if node.id == "mapping" else []))
    for edit in edits:
        if isinstance(edit, Delete) and edit.path[:-1] in emptied:
            continue
        if isinstance(edit, (InsertKey, AppendItem)):
            node = splicer.locate(edit.path).node
            if node.id == "scalar" or not node.value:
                if isinstance(edit, InsertKey):
                    result.append(SetValue(path=edit.path, value={edit.key: edit.value}))
                else:
                    result.append(SetValue(path=edit.path, value=[edit.value]))
                continue
        result.append(edit)
    return result


def splice(text: str, root: Any, style: Style, edits: Sequence[Edit], alias_of: dict[int, Any] | None = None) -> str:
    """The text with ``edits`` applied; raises SpliceError when an edit cannot be placed."""
    return Splicer(text, root, style, alias_of).apply(edits)
