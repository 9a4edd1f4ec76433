"""Rendering new values the way the file already writes: its indentation, tags, quotes and JSON layout.

Values are plain data with long-form intrinsics; YAML files that use short forms get
``!Ref X``, ``!GetAtt A.B``, ``!Sub '...'``; JSON gets ``json.dumps`` at the file's indent.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import yaml

from cfnfix.template import Format, intrinsic_name, node_tag, plain_scalar

_SHORT_SCALAR = {"Ref", "Condition"}


@dataclass(frozen=True)
class Style:
    """How a file writes: read once from its composed tree and text."""

    fmt: Format = "yaml"
    indent: int = 2
    sequence_offset: int = 2
    short_tags: bool = True
    quote: str = "'"
    quote_sub: bool = True
    newline: str = "\n"
    json_indent: str = "  "
    json_multiline: bool = True
    json_key_separator: str = ": "
    #: ``{"Ref": "X"}`` on one line (else an intrinsic function's object takes a line an entry, as the file writes it)
    json_inline_intrinsics: bool = True
    ascii_only: bool = False
    flow_sequences: bool | None = None
    quote_strings: bool = False


def _intrinsic_key(key: Any) -> bool:
    return key.id == "scalar" and (key.value == "Ref" or key.value.startswith("Fn::"))


def detect_style(root: Any, text: str, fmt: Format) -> Style:
    """Measure a file's conventions; a convention the file never shows gets the common default."""
    steps: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    quotes: Counter[str] = Counter()
    subs: Counter[bool] = Counter()
    short = long = 0
    key_seps: Counter[str] = Counter()
    flows: Counter[bool] = Counter()
    inline_intrinsics: Counter[bool] = Counter()  # JSON: an intrinsic function's object on its opening line
    stack = [root]
    while stack:
        node = stack.pop()
        tag = node_tag(node)
        if intrinsic_name(tag) is not None:
            short += 1
            if tag == "!Sub" and node.id == "scalar":
                subs[node.style in ("'", '"')] += 1
        if node.id == "scalar":
            if node.style in ("'", '"'):
                quotes[node.style] += 1
        elif node.id == "sequence":
            stack.extend(node.value)
            if tag.startswith("tag:") and node.value and all(i.id == "scalar" for i in node.value):
                flows[bool(node.flow_style)] += 1
        elif node.id == "mapping":
            if fmt == "json" and len(node.value) == 1 and _intrinsic_key(node.value[0][0]):
                inline_intrinsics[node.value[0][0].start_mark.line == node.start_mark.line] += 1
            for key, value in node.value:
                stack.append(value)
                if key.id != "scalar":
                    continue
                if key.value == "Ref" or key.value.startswith("Fn::"):
                    long += 1
                    if key.value == "Fn::Sub" and value.id == "scalar":
                        subs[value.style in ("'", '"')] += 1
                if fmt == "json":
                    key_seps[text[key.end_mark.index : value.start_mark.index]] += 1
                elif (
                    value.id in ("mapping", "sequence") and not value.flow_style and not node.flow_style
                    and value.start_mark.line > key.start_mark.line
                ):
                    delta = value.start_mark.column - key.start_mark.column
                    (steps if value.id == "mapping" else offsets)[delta] += 1
    indent = _most_common(Counter({k: v for k, v in steps.items() if k > 0}), 2)
    newline = "\r\n" if "\r\n" in text else "\n"
    if fmt == "json":
        json_indent, multiline = _json_indent(root, text)
        separator = _most_common(key_seps, ": ")
        return Style(
            fmt="json", newline=newline, json_indent=json_indent, json_multiline=multiline,
            json_key_separator=separator if separator.strip() == ":" and "\n" not in separator else ": ",
            ascii_only=text.isascii() and "\\u" in text, short_tags=False,
            json_inline_intrinsics=_most_common(inline_intrinsics, True),
        )
    return Style(
        fmt="yaml",
        indent=indent,
        sequence_offset=_most_common(Counter({k: v for k, v in offsets.items() if k >= 0}), indent),
        short_tags=short >= long if (short or long) else True,
        quote=_most_common(quotes, "'"),
        quote_sub=_most_common(subs, True),
        newline=newline,
        flow_sequences=_most_common(flows, None),
    )


def local_style(nodes: list[Any], style: Style) -> Style:
    """The file's style, adjusted to how the given sibling nodes write lists and strings."""
    if style.fmt != "yaml":
        return style
    flows: Counter[bool] = Counter()
    quoted: Counter[bool] = Counter()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        tag = node_tag(node)
        if node.id == "scalar":
            if tag.startswith("tag:") and node.style in ("'", '"', "", None) and node.value and (
                node.style in ("'", '"') or isinstance(plain_scalar(node.value), str)
            ) and _loads_same(node.value, node.value, flow=False):
                quoted[node.style in ("'", '"')] += 1
        elif node.id == "sequence":
            if tag.startswith("tag:") and node.value and all(i.id == "scalar" for i in node.value):
                flows[bool(node.flow_style)] += 1
            stack.extend(node.value)
        else:
            stack.extend(value for _key, value in node.value)
    updates: dict[str, Any] = {}
    if flows:
        updates["flow_sequences"] = _most_common(flows, None)
    if quoted:
        updates["quote_strings"] = _most_common(quoted, False)
    return replace(style, **updates) if updates else style



def _most_common(counter: Counter[Any], default: Any) -> Any:
    return counter.most_common(1)[0][0] if counter else default


def _json_indent(root: Any, text: str) -> tuple[str, bool]:
    if root.id == "mapping" and root.value:
        key = root.value[0][0]
        if key.start_mark.line > root.start_mark.line:
            line_start = text.rfind("\n", 0, key.start_mark.index) + 1
            prefix = text[line_start : key.start_mark.index]
            if prefix and not prefix.strip():
                return prefix, True
        else:
            return "", False
    return "  ", True


# --- YAML -----------------------------------------------------------------------------
def _loads_same(candidate: str, value: str, flow: bool) -> bool:
    source = f"[{candidate}]" if flow else f"k: {candidate}"
    try:
        loaded = yaml.load(source, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError, OverflowError):  # not YAML, or a timestamp that is no date
        return False
    got = loaded[0] if flow else loaded.get("k") if isinstance(loaded, dict) else None
    return got == value and type(got) is str


def yaml_string(
    value: str, style: Style, *, flow: bool = False, force_quote: bool = False, key: bool = False
) -> str:
    """A YAML string scalar: plain when that reads back the same (and the file writes such
    strings plain), else in the file's quotes."""
    if style.quote_strings and not key and not force_quote and value.isprintable() and "\n" not in value:
        force_quote = True
    if not force_quote and value and "\n" not in value and value.strip() == value and _loads_same(
        value, value, flow
    ):
        return value
    if style.quote == "'" and "\n" not in value and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def yaml_scalar(value: Any, style: Style, *, flow: bool = False) -> str:
    if value is None:
        return "''"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return yaml_string(str(value), style, flow=flow)


def _intrinsic(value: Any) -> tuple[str, Any] | None:
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key in _SHORT_SCALAR or key.startswith("Fn::"):
            return key, arg
    return None


def short_tag(name: str) -> str:
    """The short-form tag of an intrinsic function (``Fn::If`` -> ``!If``)."""
    return "!" + (name[4:] if name.startswith("Fn::") else name)


def yaml_inline(value: Any, style: Style, *, flow: bool = False) -> str | None:
    """A one-line rendering of ``value``, or None when it needs block style."""
    fn = _intrinsic(value) if style.short_tags else None
    if fn is not None:
        name, arg = fn
        if name == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(
            isinstance(a, str) for a in arg
        ):
            return f"{short_tag(name)} {arg[0]}.{arg[1]}"
        if name == "Fn::Sub" and isinstance(arg, str):
            return f"{short_tag(name)} {yaml_string(arg, style, flow=flow, force_quote=style.quote_sub)}"
        if isinstance(arg, (dict, list)):
            inner = yaml_inline(arg, style, flow=True)
            return None if inner is None else f"{short_tag(name)} {inner}"
        return f"{short_tag(name)} {yaml_scalar(arg, replace(style, quote_strings=False), flow=flow)}"
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not flow:
            return None
        parts = []
        for key, item in value.items():
            inner = yaml_inline(item, style, flow=True)
            if inner is None:
                return None
            parts.append(f"{yaml_string(str(key), style, flow=True, key=True)}: {inner}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if not flow and any(isinstance(v, (dict, list)) and _intrinsic(v) is None for v in value):
            return None
        if not flow and style.flow_sequences is False:
            return None
        items = [yaml_inline(v, style, flow=True) for v in value]
        if any(i is None for i in items):
            return None
        line = "[" + ", ".join(i for i in items if i is not None) + "]"
        return line if flow or len(line) <= 80 else None
    return yaml_scalar(value, style, flow=flow)


def yaml_literal(value: str, column: int) -> list[str] | None:
    """A multi-line string as a literal block scalar (``|``, ``|-``, ``|+``) whose lines stand at
    ``column``: the header, then the lines; None when a literal block cannot hold it."""
    if "\n" not in value or not all(c.isprintable() or c == "\n" for c in value):
        return None
    body = value.rstrip("\n")
    trailing = len(value) - len(body)
    if not body or body[0] == " " or any(line != line.rstrip() for line in body.split("\n")):
        return None
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    lines = [(" " * column + line) if line else "" for line in body.split("\n")]
    return ["|" + chomp, *lines, *([""] * (trailing - 1 if chomp == "+" else 0))]


def yaml_entry(key: str, value: Any, style: Style, column: int) -> list[str]:
    """Lines of ``key: value`` in a block mapping whose keys stand at ``column``."""
    pad = " " * column
    head = f"{pad}{yaml_string(key, style, key=True)}:"
    literal = yaml_literal(value, column + style.indent) if isinstance(value, str) else None
    if literal is not None:
        return [f"{head} {literal[0]}", *literal[1:]]
    fn = _intrinsic(value) if style.short_tags else None
    if fn is not None and fn[0] == "Fn::Sub" and isinstance(fn[1], str):
        literal = yaml_literal(fn[1], column + style.indent)
        if literal is not None:
            return [f"{head} !Sub {literal[0]}", *literal[1:]]
    inline = yaml_inline(value, style)
    if inline is not None:
        return [f"{head} {inline}"]
    fn = _intrinsic(value) if style.short_tags else None
    if fn is not None:
        name, arg = fn
        return [f"{head} {short_tag(name)}", *yaml_block(arg, style, column + style.indent)]
    if isinstance(value, list):
        return [head, *yaml_block(value, style, column + style.sequence_offset)]
    return [head, *yaml_block(value, style, column + style.indent)]


def yaml_block(value: Any, style: Style, column: int) -> list[str]:
    """Lines of a block mapping or sequence whose entries stand at ``column``."""
    if isinstance(value, dict):
        lines: list[str] = []
        for key, item in value.items():
            lines.extend(yaml_entry(str(key), item, style, column))
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            lines.extend(yaml_item(item, style, column))
        return lines
    inline = yaml_inline(value, style)
    return [" " * column + (inline or "''")]


def yaml_item(item: Any, style: Style, column: int) -> list[str]:
    """Lines of one block sequence item whose dash stands at ``column``."""
    pad = " " * column
    inline = yaml_inline(item, style)
    if inline is not None:
        return [f"{pad}- {inline}"]
    fn = _intrinsic(item) if style.short_tags else None
    if fn is not None:
        name, arg = fn
        return [f"{pad}- {short_tag(name)}", *yaml_block(arg, style, column + 2 + style.indent)]
    inner = yaml_block(item, style, column + 2)
    return [f"{pad}- {inner[0][column + 2 :]}", *inner[1:]]


# --- JSON -----------------------------------------------------------------------------
def _holds_mapping(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_holds_mapping(v) for v in value)


def json_compact(value: Any, style: Style) -> str:
    """JSON text of ``value`` on one line, with the file's key separator."""
    return json.dumps(value, ensure_ascii=style.ascii_only, separators=(", ", style.json_key_separator))


def json_value(value: Any, style: Style, base: str, *, compact: bool = False) -> str:
    """JSON text of ``value``; continuation lines start with ``base`` (the enclosing line's indent).

    An intrinsic function whose argument holds no mapping stays on one line
    (``{"Ref": "X"}``) when the file writes them so; other collections take one line an entry.
    """
    if compact or not style.json_multiline:
        return json_compact(value, style)
    one_line = style.json_inline_intrinsics and _intrinsic(value) is not None
    if one_line and not _holds_mapping(next(iter(value.values()))):
        line = json_compact(value, style)
        if len(line) <= 100:
            return line
    if isinstance(value, dict) and value:
        inner = base + style.json_indent
        entries = [
            inner + json.dumps(str(k), ensure_ascii=style.ascii_only) + style.json_key_separator
            + json_value(v, style, inner)
            for k, v in value.items()
        ]
        return "{" + style.newline + ("," + style.newline).join(entries) + style.newline + base + "}"
    if isinstance(value, list) and value:
        inner = base + style.json_indent
        items = [inner + json_value(v, style, inner) for v in value]
        return "[" + style.newline + ("," + style.newline).join(items) + style.newline + base + "]"
    return json_compact(value, style)


def json_entry(key: str, value: Any, style: Style, base: str, *, compact: bool = False) -> str:
    return json.dumps(key, ensure_ascii=style.ascii_only) + style.json_key_separator + json_value(
        value, style, base, compact=compact
    )
