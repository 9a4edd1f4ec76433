"""Literal uses of a resource's name or ARN: where a template writes a name out instead of referring to
the resource, and whether each such use can become a ``Ref`` or ``Fn::GetAtt``.

A fixer that removes an explicit name (a role's ``RoleName``, a bucket's ``BucketName``) must follow
every place the template spells that name out. This module gives it:

- :func:`as_text`: a string expression (literal, ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join``)
  folded into one ``Fn::Sub`` text, so that the forms of one name compare equal;
- :func:`literal_index`: every string expression of the template that may be a use, folded, and
  indexed by the names it may hold; built once per template version, shared by every fixer;
- :class:`Named`: what is known of the resource whose name is looked for (its text, its
  ``Condition``, what it depends on), and :func:`blocker`: why a use cannot be rewritten (a section
  where no ``Ref`` is allowed, a circular dependency, a condition, an exported value);
- helpers to classify a use (:func:`embedded_use`, :func:`at_property`, :func:`distinctive`), the
  ``DependsOn`` entries a rewritten use makes redundant, and what removing a name leaves unused.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from cfnfix import unused
from cfnfix.models import Delete, Edit, Path, SetValue
from cfnfix.template import Template, intrinsic_function, sub_variables

#: how a string expression uses a name: the name itself, a whole ARN (or other whole form) of
#: the resource, the name inside a longer string, or a wildcard that matches the name
Use = Literal["name", "arn", "partial", "wildcard", "ambiguous"]

_SPACES_IN_VARIABLE = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_ATOM = r"\$\{[^}]*\}|\x00[^\x00]*\x00"
_VARIABLE_OR_OPAQUE = re.compile(_ATOM)
_FOLDED = frozenset({"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join"})
# runs between separators no name holds: coarse (whitespace, quotes, ``/``, ``:`` and the like) and
# fine (anything but letters, digits, ``_ . -`` and the wildcards ``* ?``); ``${...}`` and opaque
# tokens never split
_COARSE_RUN = re.compile(rf"(?:{_ATOM}|[^\s\"',;<>|\\/:\x00$]|\$(?!\{{))+")
_FINE_RUN = re.compile(rf"(?:{_ATOM}|[A-Za-z0-9_.*?-])+")
_WILDCARD = re.compile(r"[*?]")
#: dotted prefixes longer than this, or after this many dots, are no names (S3 and IAM allow 63
#: and 64 characters; ``${}`` variables make a name's text longer)
_MAX_PREFIX = 255
_MAX_DOTS = 8


class Expression(NamedTuple):
    """One outermost string expression: where it is, its value as written, and its text (see ``as_text``)."""

    path: Path
    value: Any
    text: str


def _opaque(value: Any) -> str:
    """A stand-in for a value whose text cannot be known, equal only for equal values."""
    return "\x00" + json.dumps(value, sort_keys=True, default=str).replace("\x00", "") + "\x00"


def as_text(value: Any) -> tuple[str, list[tuple[Path, Any]]]:
    """A string expression as Fn::Sub text, and the parts that had to be made opaque (relative paths).

    Literal strings, Ref, GetAtt, Sub (its variables substituted) and Join fold into one
    text, so that ``!Join ['', ['arn:aws:iam::', !Ref AWS::AccountId, ':role/x']]`` and
    ``!Sub 'arn:aws:iam::${AWS::AccountId}:role/x'`` compare equal. Anything else becomes
    an opaque token; those parts are returned so that the caller can look inside them.
    A text without opaque tokens is a valid ``Fn::Sub`` string of the same value.
    """
    if isinstance(value, str):
        return value.replace("${", "${!"), []
    if isinstance(value, bool):
        return str(value).lower(), []
    if isinstance(value, (int, float)):
        return str(value), []
    function = intrinsic_function(value)
    arg = value[function] if function else None
    if function == "Ref" and isinstance(arg, str):
        return "${" + arg + "}", []
    if function == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(
        isinstance(a, str) for a in arg
    ):
        return "${" + ".".join(arg) + "}", []
    if function == "Fn::Sub":
        return _sub_text(arg)
    if function == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) \
            and isinstance(arg[1], list):
        texts: list[str] = []
        opaque: list[tuple[Path, Any]] = []
        for i, part in enumerate(arg[1]):
            text, inner = as_text(part)
            texts.append(text)
            opaque.extend((("Fn::Join", 1, i, *p), v) for p, v in inner)
        return arg[0].replace("${", "${!").join(texts), opaque
    return _opaque(value), [((), value)]


def _sub_text(arg: Any) -> tuple[str, list[tuple[Path, Any]]]:
    if isinstance(arg, str):
        return _SPACES_IN_VARIABLE.sub(r"${\1}", arg), []
    if not (isinstance(arg, list) and arg and isinstance(arg[0], str)):
        return _opaque({"Fn::Sub": arg}), [((), {"Fn::Sub": arg})]
    variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
    opaque: list[tuple[Path, Any]] = []
    values: dict[str, str] = {}
    for name, val in variables.items():
        text, inner = as_text(val)
        values[name] = text
        opaque.extend((("Fn::Sub", 1, name, *p), v) for p, v in inner)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        return values.get(name, "${" + name + "}")

    return _SPACES_IN_VARIABLE.sub(substitute, arg[0]), opaque


def is_opaque(text: str) -> bool:
    """Whether a folded text holds a part whose text cannot be known (so it is no ``Fn::Sub`` string)."""
    return "\x00" in text


def own_characters(text: str) -> str:
    """A folded text without its ``${}`` variables and opaque parts: the characters it writes itself."""
    return _VARIABLE_OR_OPAQUE.sub("", text)


def distinctive(text: str) -> bool:
    """Whether a name has at least six characters of its own: enough that an equal string elsewhere is
    taken to be that name (``!Ref NameParameter`` alone may well stand for something else)."""
    return len(own_characters(text)) >= 6


def expressions(value: Any, path: Path) -> Iterator[Expression]:
    """Every outermost string expression below ``path``, with its text (see ``as_text``)."""
    if isinstance(value, str) or intrinsic_function(value) in _FOLDED:
        text, opaque = as_text(value)
        yield Expression(path, value, text)
        for sub_path, inner in opaque:
            if sub_path:  # look inside what could not be folded (an Fn::If among Join parts)
                yield from expressions(inner, (*path, *sub_path))
    elif intrinsic_function(value) == "Fn::If" and isinstance(value["Fn::If"], list):
        for i, inner in enumerate(value["Fn::If"][1:], start=1):  # its first item names a condition
            yield from expressions(inner, (*path, "Fn::If", i))
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from expressions(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from expressions(inner, (*path, i))


def may_use(path: Path) -> bool:
    """Whether a string at ``path`` can be a use at all (descriptions and the like are not)."""
    if not path or path[-1] == "Description" or path[0] in ("Description", "Metadata"):
        return False
    if path[0] == "Parameters":
        return len(path) > 2 and path[2] in ("Default", "AllowedValues")
    if path[0] == "Resources":  # a resource's Type, Condition and DependsOn name no bucket or role
        return len(path) > 3 and path[2] in ("Properties", "Metadata")
    return not (path[0] == "Outputs" and len(path) > 2 and path[2] == "Export")  # a name of its own


@functools.lru_cache(maxsize=4096)
def glob(pattern: str) -> re.Pattern[str]:
    """An IAM-style wildcard pattern (``*``, ``?``) as a regular expression."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def runs(text: str) -> list[str]:
    """The pieces of a folded text a name may be: its runs between separators, coarse and fine."""
    coarse = [m.group() for m in _COARSE_RUN.finditer(text)]
    seen = set(coarse)
    return coarse + [m.group() for m in _FINE_RUN.finditer(text) if m.group() not in seen]


def dotted_prefixes(run: str) -> list[str]:
    """The prefixes of a run that end before one of its dots (``name`` of ``name.s3.amazonaws.com``),
    dots inside ``${}`` variables and opaque parts aside; at most the first few, none too long."""
    if "." not in run:
        return []
    found: list[str] = []
    position = 0
    for atom in [*_VARIABLE_OR_OPAQUE.finditer(run[:_MAX_PREFIX]), None]:
        end = atom.start() if atom is not None else min(len(run), _MAX_PREFIX)
        found.extend(run[:i] for i in range(max(position, 1), end) if run[i] == ".")
        if len(found) >= _MAX_DOTS:
            return found[:_MAX_DOTS]
        position = atom.end() if atom is not None else end
    return found


def wildcard_ends(run: str) -> tuple[str, str] | None:
    """The literal parts of a wildcard run before its first and after its last ``*`` or ``?`` (None
    for no wildcard run; a lone ``*`` matches every name, the generated one too, so it is none)."""
    if run == "*":
        return None
    found = list(_WILDCARD.finditer(run))
    if not found:
        return None
    return run[: found[0].start()], run[found[-1].end():]


@dataclass
class LiteralIndex:
    """A template's string expressions that may be uses, and where each name may appear.

    ``by_token`` maps the whole text of an expression, each of its runs and dotted prefixes to the
    expressions holding it; ``wildcards`` maps the literal prefix of each wildcard run (``media-`` of
    ``media-*-logs``), then its literal suffix (``-logs``), to the expressions holding it."""

    every: list[Expression] = field(default_factory=list)
    by_token: dict[str, list[int]] = field(default_factory=dict)
    wildcards: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def add(self, expression: Expression) -> None:
        position = len(self.every)
        self.every.append(expression)
        tokens = {expression.text}
        for run in runs(expression.text):
            tokens.add(run)
            tokens.update(dotted_prefixes(run))
            ends = wildcard_ends(run)
            if ends is not None:
                self.wildcards.setdefault(ends[0], {}).setdefault(ends[1], []).append(position)
        for token in tokens:
            self.by_token.setdefault(token, []).append(position)

    def candidates(self, name: str) -> list[Expression]:
        """The expressions that may use ``name`` (a folded text), in document order: those holding it
        as a whole text, run or dotted prefix, and those with a wildcard run that may match it."""
        if not any(run == name for run in runs(name)):
            return list(self.every)  # a name no token can stand for: every expression may hold it
        found = set(self.by_token.get(name, ()))
        for end in range(len(name) + 1):
            by_suffix = self.wildcards.get(name[:end])
            if by_suffix:
                for start in range(end, len(name) + 1):
                    found.update(by_suffix.get(name[start:], ()))
        return [self.every[i] for i in sorted(found)]


def literal_index(template: Template) -> LiteralIndex:
    """The template's :class:`LiteralIndex`, built once per template version."""

    def build() -> LiteralIndex:
        index = LiteralIndex()
        for expression in expressions(template.data, ()):
            if may_use(expression.path):
                index.add(expression)
        return index

    return template.memo("literals:index", build)


def embedded_use(text: str, segments: Iterable[str], name: str, *, wildcard_text: bool = False) -> Use | None:
    """How ``name`` shows among the ``segments`` of the longer ``text`` (the parts of it where a name
    can stand): ``partial`` when a segment is the name, ``wildcard`` when a wildcard segment
    matches it; with ``wildcard_text`` the name as a segment counts as a wildcard use when the text
    holds a wildcard elsewhere (``arn:aws:iam::*:role/name``). None when it does not show."""
    for segment in segments:
        if segment == name:
            return "wildcard" if wildcard_text and ("*" in text or "?" in text) else "partial"
        wildcard = segment != "*" and ("*" in segment or "?" in segment)
        if wildcard and glob(segment).fullmatch(name):
            return "wildcard"
    return None


def at_property(template: Template, path: Path, patterns: Mapping[str, tuple[tuple[str, ...], ...]]) -> bool:
    """Whether ``path`` is a resource property that ``patterns`` lists for the resource's type
    (property paths below ``Properties``, ``"*"`` standing for any list index)."""
    if len(path) < 4 or path[0] != "Resources" or path[2] != "Properties":
        return False
    resource_type = template.get(("Resources", path[1], "Type"))
    rest = path[3:]
    for pattern in patterns.get(resource_type if isinstance(resource_type, str) else "", ()):
        if len(pattern) == len(rest) and all(
            p == r or (p == "*" and isinstance(r, int)) for p, r in zip(pattern, rest, strict=True)
        ):
            return True
    return False


def in_tags_or_names(path: Path) -> bool:
    """Whether ``path`` holds a tag or some resource's own name (a key ending in ``Name``): a value
    equal to a resource's name there follows a naming pattern, it does not point at the resource."""
    keys = [p for p in path if isinstance(p, str)]
    return "Tags" in keys or keys[-1].endswith("Name")


@dataclass
class Named:
    """A resource whose explicit name is looked for: its logical id, the name as written and as text."""

    template: Template
    logical_id: str
    name_key: str  # the property that names it ("RoleName", "BucketName")
    noun: str  # what the resource is, for messages ("role", "bucket")

    @property
    def path(self) -> Path:
        """Where the name is written."""
        return ("Resources", self.logical_id, "Properties", self.name_key)

    @functools.cached_property
    def value(self) -> Any:
        """The name as written."""
        return self.template.get(self.path)

    @functools.cached_property
    def text(self) -> str:
        return as_text(self.value)[0]

    @property
    def condition(self) -> Any:
        return self.template.get(("Resources", self.logical_id, "Condition"))

    @functools.cached_property
    def depends_on(self) -> frozenset[str]:
        """The resources this one depends on, directly or not (a use there cannot refer back)."""
        return self.template.depends_on(self.logical_id)

    def candidates(self) -> list[Expression]:
        """The string expressions that may use the name, in document order."""
        return literal_index(self.template).candidates(self.text)


def blocker(named: Named, path: Path) -> str | None:
    """Why the use at ``path`` cannot become a ``Ref`` or ``Fn::GetAtt`` of ``named``, or None when it can."""
    template = named.template
    section = path[0]
    if section == "Resources" and len(path) > 3 and path[2] in ("Properties", "Metadata"):
        owner = str(path[1])
        if owner == named.logical_id:
            return f"the {named.noun} names itself; `!GetAtt` would be circular"
        if owner in named.depends_on:
            return f"the {named.noun} depends on `{owner}`; a reference would be circular"
        condition = template.get(("Resources", owner, "Condition"))
    elif section == "Outputs" and len(path) > 2 and path[2] == "Value":
        if template.has(("Outputs", path[1], "Export")):
            return "an exported value cannot change while other stacks import it"
        condition = template.get(("Outputs", path[1], "Condition"))
    else:
        return f"no `!Ref` or `!GetAtt` is allowed in {section}"
    if named.condition is not None and condition != named.condition:
        return f"the {named.noun} exists only when `{named.condition}` holds"
    return None


def implied_depends_on(template: Template, targets: str | Iterable[str], edits: Iterable[Edit]) -> list[Edit]:
    """Deletes of the ``DependsOn`` entries on ``targets`` (logical ids) that the values ``edits`` write
    into a resource now imply: the whole ``DependsOn`` when no entry is left."""
    wanted = {targets} if isinstance(targets, str) else set(targets)
    implied: dict[str, set[str]] = {}
    for edit in edits:
        if isinstance(edit, SetValue) and edit.path[0] == "Resources" and len(edit.path) > 1:
            named = {name for _how, name in names_in(edit.value)} & wanted
            implied.setdefault(str(edit.path[1]), set()).update(named)
    deletes: list[Edit] = []
    for user in sorted(implied):
        depends = template.get(("Resources", user, "DependsOn"))
        entries = [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []
        drop = [i for i, entry in enumerate(entries) if entry in implied[user]]
        if drop and len(drop) == len(entries):
            deletes.append(Delete(path=("Resources", user, "DependsOn")))
        else:
            deletes.extend(Delete(path=("Resources", user, "DependsOn", i)) for i in drop)
    return deletes


def dotted(path: Path) -> str:
    """A path as the finding messages show it (``Resources.Fn.Properties.Role``)."""
    return ".".join(str(p) for p in path)


# --- what removing a name leaves unused ------------------------------------------------------------
_Kind = Literal["Parameters", "Mappings", "Conditions"]
_How = Literal["Ref", "GetAtt", "Sub", "FindInMap", "Condition"]
_SECTION_OF: dict[str, _Kind] = {"FindInMap": "Mappings", "Condition": "Conditions"}


def names_in(value: Any) -> Iterator[tuple[_How, str]]:
    """What a value refers to, as (how, name): ``Ref``, ``Fn::GetAtt`` (the resource), ``${}`` in
    ``Fn::Sub`` (the part before any dot), ``Fn::FindInMap`` (the mapping), ``Fn::If`` and
    ``Condition`` (the condition)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, dict):
            continue
        function = intrinsic_function(item)
        arg = item[function] if function else None
        if function == "Ref" and isinstance(arg, str):
            yield "Ref", arg
        elif function == "Fn::GetAtt" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            yield "GetAtt", arg[0]
        elif function == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(text, str):
                local = arg[1] if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict) else {}
                yield from (("Sub", v.split(".", 1)[0]) for v in sub_variables(text) if v not in local)
        elif function == "Fn::FindInMap" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            yield "FindInMap", arg[0]
        elif function in ("Fn::If", "Condition") and isinstance(arg, (list, str)):
            first = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(first, str):
                yield "Condition", first
        stack.extend(reversed(list(item.values())))


@dataclass
class Unused:
    """The parameters, mappings and conditions that removing some values leaves unused, by section."""

    names: dict[_Kind, list[str]] = field(default_factory=lambda: {"Parameters": [], "Mappings": [],
                                                                   "Conditions": []})

    def __bool__(self) -> bool:
        return any(self.names.values())

    def __contains__(self, name: object) -> bool:
        return any(name in names for names in self.names.values())

    def shown(self) -> str:
        return ", ".join(f"`{name}`" for names in self.names.values() for name in names)

    def removal(self, template: Template) -> tuple[list[Path], str]:
        """The outermost nodes to delete to remove them (parameters from the interface metadata
        too), or why they cannot go: what may rewrite the template may use them."""
        if not self:
            return [], ""
        rewriter = template.rewritten_by()
        if rewriter:
            return [], f"{self.shown()} would be left unused, and {rewriter} may use it"
        paths: list[Path] = []
        sections: tuple[_Kind, ...] = ("Conditions", "Mappings")
        for section in sections:
            names = self.names[section]
            if not names:
                continue
            if set(template.section(section)) <= set(names):
                paths.append((section,))
            else:
                paths.extend((section, n) for n in template.section(section) if n in names)
        if self.names["Parameters"]:
            paths.extend(unused.parameter_removal(template, set(self.names["Parameters"])))
        return paths, ""


def left_unused(template: Template, removed: Iterable[Path], written: Iterable[Any] = ()) -> Unused:
    """What no longer has a use once the values at ``removed`` go (or are replaced by ``written``):
    the parameters, mappings and conditions that only they used (cfn-lint W2001, W7001, W8001).
    Only what the removed values name is looked at, through the template's reference index."""
    gone = list(removed)
    gone_set = set(gone)
    kept = {name for value in written for _how, name in names_in(value)}
    outputs_conditions = {o.get("Condition") for o in template.section("Outputs").values() if isinstance(o, dict)}
    found = Unused()

    def valued() -> set[str]:  # the parameters Fn::ValueOf reads, which is no reference
        return {call["Fn::ValueOf"][0] for _path, call in template.calls("Fn::ValueOf")
                if isinstance(call["Fn::ValueOf"], list) and call["Fn::ValueOf"]}

    def under_gone(reference_path: Path) -> bool:
        return any(reference_path[:end] in gone_set for end in range(1, len(reference_path) + 1))

    named: set[tuple[_How, str]] = {n for p in gone for n in names_in(template.get(p))}
    while named:  # until nothing more goes: a condition that goes may leave what it names unused
        more: set[tuple[_How, str]] = set()
        for how, name in sorted(named):
            section = _SECTION_OF.get(how, "Parameters")
            if name in kept or name in found.names[section] or name not in template.section(section):
                continue
            if section == "Conditions" and name in outputs_conditions:
                continue
            if section == "Parameters" and name in valued():
                continue
            if all(under_gone(r.path) for r in template.references_to(name)):
                found.names[section].append(name)
                if section == "Conditions":
                    gone.append(("Conditions", name))
                    gone_set.add(("Conditions", name))
                    more.update(names_in(template.get(("Conditions", name))))
        named = more
    return found


def rewrites(named: Named, classify: Callable[[Expression], tuple[Use, Any] | None],
             skip: Callable[[Path], bool] = lambda _path: False) -> Iterator[tuple[Path, Use, Any, str | None]]:
    """Each literal use of ``named``: its path, kind, the value it becomes and why it cannot (or None).

    ``classify`` tells a use's kind and replacement value, or None for a string that is no use;
    the name itself and the resource's own tags are no uses, nor what ``skip`` says."""
    own_tags: Path = ("Resources", named.logical_id, "Properties", "Tags")
    for expression in named.candidates():
        path = expression.path
        if path == named.path or path[: len(own_tags)] == own_tags or skip(path):
            continue
        found = classify(expression)
        if found is None:
            continue
        kind, value = found
        if kind == "partial":
            why: str | None = f"the {named.noun}'s name is part of a longer string"
        elif kind == "wildcard":
            why = f"a wildcard matches the {named.noun}'s name, not the generated one"
        elif kind == "ambiguous":
            why = f"it is the {named.noun}'s name, too short to tell whether it stands for the {named.noun}"
        else:
            why = blocker(named, path)
        yield path, kind, value, why
