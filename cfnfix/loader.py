"""Reading template files: decoding, the fast libyaml model and the ruamel.yaml editing model.

Both loaders compose a node tree with exact character marks; the same builder turns
either into a :class:`~cfnfix.template.Template`, so findings cannot depend on the loader.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml._yaml import CParser

from cfnfix.names import shown
from cfnfix.template import MAX_DEPTH, Format, NodeError, Template, outside_scalars, to_data

BOM = "\ufeff"


class TemplateError(Exception):
    """Input that cannot be read as a template; ``str()`` is the one line to show the user,
    ``FILE:LINE: message`` or ``FILE:LINE:COLUMN: message`` (line 1 for the file as a whole)."""

    def __init__(self, filename: str, line: int | None, message: str, column: int | None = None) -> None:
        self.filename = filename
        self.line = line or 1
        self.column = column
        self.message = message
        where = f"{shown(filename)}:{self.line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Source:
    """A template's text without its BOM, and what writing it back must restore."""

    text: str
    bom: bool
    fmt: Format

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def whole(self, text: str) -> str:
        """``text`` as the file holds it: with the BOM back in front when there was one."""
        return (BOM if self.bom else "") + text

    def encode(self, text: str) -> bytes:
        return self.whole(text).encode("utf-8")


def decode(data: bytes, filename: str) -> Source:
    """Decode UTF-8 bytes (an error names the line of the first bad byte)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TemplateError(filename, line, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    return Source(text, bom, detect_format(filename, text))


def detect_format(filename: str, text: str) -> Format:
    if filename.lower().endswith(".json"):
        return "json"
    stripped = text.lstrip()
    return "json" if stripped.startswith("{") and not filename.lower().endswith((".yaml", ".yml")) else "yaml"


_TEMPLATE_TEXT = re.compile(
    r'^(?:Resources|AWSTemplateFormatVersion)\s*:|"(?:Resources|AWSTemplateFormatVersion)"\s*:', re.M
)


def might_be_template(text: str) -> bool:
    """Whether text that did not parse still reads like a template (to report it, not skip it)."""
    return bool(_TEMPLATE_TEXT.search(text))


def looks_like_template(data: Any) -> bool:
    return isinstance(data, dict) and ("Resources" in data or "AWSTemplateFormatVersion" in data)


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _yaml_error(filename: str, text: str, exc: Exception) -> TemplateError:
    position = getattr(exc, "position", None)
    character = getattr(exc, "character", None)
    if isinstance(position, int) and isinstance(character, int):  # a reader error: a character YAML refuses
        line, column = _position(text, position)
        return TemplateError(filename, line, f"invalid character U+{character:04X} (control characters are not "
                                             "allowed; write it as an escape in a double-quoted string)", column)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "maximum nesting depth" in str(problem):
        return TemplateError(filename, where, f"nesting deeper than {MAX_DEPTH} levels")
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return TemplateError(filename, where, message)


class _Composer(CParser, yaml.resolver.BaseResolver):
    """libyaml's C composer with a resolver that does no work: every node gets its kind's generic
    tag. ``to_data`` types plain scalars itself (YAML 1.1, as CloudFormation reads them), so the
    regular expressions of PyYAML's resolver, run in Python for every scalar, would be wasted."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        yaml.resolver.BaseResolver.__init__(self)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass  # no path resolvers: called for every node, the base class only looks for them

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return "tag:yaml.org,2002:str"
        return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"


def compose_fast(source: Source, filename: str) -> Any:
    """libyaml's C composer; JSON is also checked with ``json`` so that JSON's rules hold."""
    if source.fmt == "json":
        try:
            json.loads(source.text)
        except json.JSONDecodeError as exc:
            raise TemplateError(filename, exc.lineno, f"invalid JSON: {exc.msg}", exc.colno) from None
        except RecursionError:
            pass  # nested too deep for ``json``: libyaml's composer and ``to_data`` say where
    try:
        composer = _Composer(source.text)
        try:
            return composer.get_single_node()
        finally:
            composer.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(filename, source.text, exc) from None
    except UnicodeEncodeError as exc:  # a library caller's str holding a lone surrogate
        line, column = _position(source.text, exc.start)
        raise TemplateError(filename, line, f"invalid character U+{ord(source.text[exc.start]):04X} "
                            "(a lone surrogate is not text)", column) from None


def compose_ruamel(source: Source, filename: str, fast_root: Any = None) -> tuple[Any, dict[int, Any]]:
    """ruamel.yaml's round-trip composer: the model edits are resolved against.

    A composed alias is normally the anchored node itself, with the anchor's marks; here
    each alias is a copy of that node carrying the alias's own marks, so that every
    occurrence has its own span. The second value maps id(copy) to the anchored node.
    ``fast_root``, libyaml's tree of the same text when the caller has it, saves composing it
    again for a text with tabs.
    """
    import copy

    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.error import YAMLError as RuamelError
    from ruamel.yaml.events import AliasEvent

    alias_of: dict[int, Any] = {}

    class AliasCopyingComposer(Composer):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if not self.parser.check_event(AliasEvent):
                return super().compose_node(parent, index)
            event = self.parser.peek_event()
            anchored = super().compose_node(parent, index)
            occurrence = copy.copy(anchored)
            occurrence.start_mark, occurrence.end_mark = event.start_mark, event.end_mark
            alias_of[id(occurrence)] = anchored
            return occurrence

    yaml = YAML(typ="rt")
    yaml.Composer = AliasCopyingComposer
    text = source.text
    if "\t" in text:
        text = _separating_tabs_as_spaces(text, fast_root if fast_root is not None else compose_fast(source, filename))
    try:
        return yaml.compose(text), alias_of
    except RuamelError as exc:
        raise _yaml_error(filename, source.text, exc) from None
    except RecursionError:  # the fast model, read first, refuses such nesting with its line
        raise TemplateError(filename, 1, f"nesting deeper than {MAX_DEPTH} levels") from None


def _separating_tabs_as_spaces(text: str, fast_root: Any) -> str:
    """The text with each tab that libyaml reads as whitespace between tokens (``key:\tvalue``,
    ``[1,\t2]``, ``!Ref\tX``) made a space, which ruamel.yaml's scanner requires; tabs inside
    scalars stay. Every index stays where it was, so spans still point into the original text."""
    chars = list(text)
    for tab in outside_scalars(fast_root, text, (m.start() for m in re.finditer("\t", text))):
        chars[tab] = " "
    return "".join(chars)


def load_template(source: Source, filename: str, *, editing: bool = False, fast_root: Any = None) -> Template | None:
    """The template model of a source, or None when the file is not a CloudFormation template
    (``editing``: ruamel.yaml's model; ``fast_root`` as in :func:`compose_ruamel`)."""
    alias_of: dict[int, Any] = {}
    if editing:
        root, alias_of = compose_ruamel(source, filename, fast_root)
    else:
        root = compose_fast(source, filename)
    if root is None:
        return None
    try:
        data = to_data(root)
    except NodeError as exc:
        raise TemplateError(filename, exc.line, exc.message, exc.column) from None
    if not looks_like_template(data):
        return None
    template = Template(data, root, source.fmt, filename, anchors="&" in source.text, text=source.text)
    template.alias_of = alias_of
    return template
