"""Making part of a template optional: a switch parameter, a condition on it, and values behind it.

Fixers that turn something on only when the deployer asks for it (a replication rule, a key
pair) share the same steps, gathered here:

- :class:`Additions` adds a parameter and a condition for one fix, reusing an equivalent
  parameter or condition the template already has, naming new ones with the fixer's
  :class:`~cfnfix.fixer.LogicalIds`, and creating the ``Parameters`` and ``Conditions``
  sections where CloudFormation's documented order puts them when the template has none;
- :func:`optional` wraps a value as ``!If [Condition, value, !Ref AWS::NoValue]``, keeping
  its text;
- :func:`canonical`, :func:`find_condition` and :func:`guarded` tell which conditions mean
  the same and whether a node already exists only when a condition holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from cfnfix.fixer import LogicalIds
from cfnfix.models import Edit, InsertKey, Path, WrapValue
from cfnfix.template import Template, intrinsic_function

NO_VALUE: dict[str, Any] = {"Ref": "AWS::NoValue"}

#: the top-level keys a new section goes before, the first of them the template has (in its own order)
_FOLLOWERS: dict[str, tuple[str, ...]] = {
    "Parameters": ("Rules", "Mappings", "Conditions", "Resources", "Outputs"),
    "Conditions": ("Resources", "Outputs"),
}


def equals(parameter: str, value: str) -> dict[str, Any]:
    """``!Equals [!Ref parameter, value]``."""
    return {"Fn::Equals": [{"Ref": parameter}, value]}


def not_empty(parameter: str) -> dict[str, Any]:
    """``!Not [!Equals [!Ref parameter, '']]``: the parameter was given a value."""
    return {"Fn::Not": [equals(parameter, "")]}


def optional(path: Path, condition: str) -> WrapValue:
    """The edit that makes the value at ``path`` ``!If [condition, <value>, !Ref AWS::NoValue]``
    (the property, or the list item, exists only when ``condition`` holds)."""
    return WrapValue(path=path, function="Fn::If", before=(condition,), after=(NO_VALUE,))


# --- what conditions mean ------------------------------------------------------------------------
def _scalar(value: Any) -> Any:
    """A value as CloudFormation compares it in ``Fn::Equals``: booleans and numbers as strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def canonical(template: Template, definition: Any, seen: frozenset[str] = frozenset()) -> Any:
    """A hashable form of a condition's definition that two definitions share when they mean the
    same: ``!Condition`` names replaced by what they name, ``Fn::Equals`` arguments unordered,
    ``Fn::And``/``Fn::Or`` arguments unordered, ``!Not [!Not [x]]`` read as ``x``. A definition
    that cannot be read (a loop of conditions, an unknown function) keeps its own shape."""
    function = intrinsic_function(definition)
    if function is None:
        if isinstance(definition, list):
            return ("list", tuple(canonical(template, v, seen) for v in definition))
        if isinstance(definition, dict):
            return ("map", tuple(sorted((str(k), canonical(template, v, seen)) for k, v in definition.items())))
        return ("value", _scalar(definition))
    arg = definition[function]
    if function == "Condition" and isinstance(arg, str):
        named = template.section("Conditions").get(arg)
        if arg in seen or named is None:
            return ("condition", arg)
        return canonical(template, named, seen | {arg})
    if function == "Ref" and isinstance(arg, str):
        return ("ref", arg)
    if function == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
        inner = canonical(template, arg[0], seen)
        if isinstance(inner, tuple) and inner and inner[0] == "Fn::Not":
            return inner[1]
        return ("Fn::Not", inner)
    if function in ("Fn::Equals", "Fn::And", "Fn::Or") and isinstance(arg, list):
        parts = [canonical(template, v, seen) for v in arg]
        return (function, frozenset(parts) if function != "Fn::Equals" else _unordered_pair(parts))
    return (function, canonical(template, arg, seen))


def _unordered_pair(parts: list[Any]) -> Any:
    return tuple(sorted(parts, key=repr))


def find_condition(template: Template, definition: Any) -> str | None:
    """The name of a condition of the template that means the same as ``definition``, else None."""
    wanted = canonical(template, definition)
    for name, existing in template.section("Conditions").items():
        if canonical(template, existing) == wanted:
            return str(name)
    return None


def _implies(held: Any, wanted: Any) -> bool:
    """Whether a condition (canonical) being true makes ``wanted`` (canonical) true."""
    if held == wanted:
        return True
    return isinstance(held, tuple) and bool(held) and held[0] == "Fn::And" and any(
        _implies(p, wanted) for p in held[1])


def guarded(template: Template, path: Path, definition: Any) -> bool:
    """Whether the node at ``path`` exists only when ``definition`` holds: it lies in the true
    branch of an ``Fn::If`` whose condition implies it (or the false branch of one whose condition
    is its negation), or in a resource or output whose ``Condition`` implies it."""
    wanted = canonical(template, definition)
    negated = canonical(template, {"Fn::Not": [definition]})
    conditions = template.section("Conditions")

    def holds(name: Any, target: Any) -> bool:
        return isinstance(name, str) and name in conditions and _implies(
            canonical(template, {"Condition": name}), target)

    if len(path) >= 2 and path[0] in ("Resources", "Outputs"):
        owner = template.get(path[:2])
        if isinstance(owner, dict) and holds(owner.get("Condition"), wanted):
            return True
    for depth in range(len(path) - 1):
        if path[depth] == "Fn::If" and path[depth + 1] in (1, 2):
            arg = template.get(path[: depth + 1])
            if isinstance(arg, list) and arg:
                target = wanted if path[depth + 1] == 1 else negated
                if holds(arg[0], target):
                    return True
    return False


# --- what a fix adds -----------------------------------------------------------------------------
class Additions:
    """The parameters and conditions one fix adds, and the edits that add them.

    Give each fix its own ``Additions``, sharing the fixer's ``LogicalIds`` for one ``find``: two
    fixes that add the same names then carry the same edits, so the pipeline applies one and
    defers the other to the next pass, where it finds the names in the template and reuses them.
    """

    def __init__(self, template: Template, ids: LogicalIds) -> None:
        self.template = template
        self.ids = ids
        self.parameters: dict[str, dict[str, Any]] = {}
        self.conditions: dict[str, Any] = {}

    def problem(self) -> str | None:
        """Why nothing can be added (a ``Parameters`` or ``Conditions`` key that is not a mapping), or None."""
        data = self.template.data
        for section in ("Parameters", "Conditions"):
            value = data.get(section) if isinstance(data, dict) else None
            if value is not None and (not isinstance(value, dict) or intrinsic_function(value) is not None):
                return f"the template's `{section}` is not a mapping"
        return None

    def parameter(self, base: str, definition: dict[str, Any]) -> str:
        """A parameter defined as ``definition``: the template's own when one named ``base`` (or
        ``base`` and a number, as :class:`LogicalIds` numbers them) is defined the same, else new."""
        pattern = re.compile(re.escape(base) + r"\d*\Z")
        for name, existing in self.template.parameters.items():
            if pattern.match(str(name)) and _same_parameter(existing, definition):
                return str(name)
        for name, pending in self.parameters.items():
            if pending == definition:
                return name
        name = self.ids.new(base)
        self.parameters[name] = definition
        return name

    def condition(self, base: str, definition: Any) -> str:
        """A condition meaning ``definition``: an equivalent one of the template (whatever its
        name), or one added with this fix, else a new one named ``base`` (or the next free name)."""
        existing = find_condition(self.template, definition)
        if existing is not None:
            return existing
        wanted = canonical(self.template, definition)
        for name, pending in self.conditions.items():
            if canonical(self.template, pending) == wanted:
                return name
        name = self.ids.new(base)
        self.conditions[name] = definition
        return name

    def edits(self) -> list[Edit]:
        """The edits that add this fix's parameters and conditions (the sections too, if missing)."""
        edits: list[Edit] = []
        for section, entries in (("Parameters", self.parameters), ("Conditions", self.conditions)):
            if not entries:
                continue
            if isinstance(self.template.data, dict) and section in self.template.data:
                edits += [InsertKey(path=(section,), key=name, value=value) for name, value in entries.items()]
            else:
                edits.append(new_section(self.template, section, dict(entries)))
        return edits


def _same_parameter(existing: Any, wanted: dict[str, Any]) -> bool:
    """Whether a parameter definition gives what ``wanted`` asks: the same type, default and allowed
    values (compared as CloudFormation reads them, as strings)."""
    if not isinstance(existing, dict):
        return False
    for key in ("Type", "Default"):
        if _scalar(existing.get(key)) != _scalar(wanted.get(key)):
            return False
    allowed, wanted_allowed = existing.get("AllowedValues"), wanted.get("AllowedValues")
    if wanted_allowed is None:
        return allowed is None
    return isinstance(allowed, list) and sorted(map(str, map(_scalar, allowed))) == sorted(
        map(str, map(_scalar, wanted_allowed)))


def new_section(template: Template, section: str, value: dict[str, Any]) -> InsertKey:
    """The edit that adds a missing top-level section where CloudFormation's documented order puts
    it: right before the first of the sections that follow it that the template has, in the
    template's own order (after its last key when it has none of them)."""
    keys = [str(k) for k in template.data] if isinstance(template.data, dict) else []
    position = next((i for i, key in enumerate(keys) if key in _FOLLOWERS[section]), len(keys))
    if position == 0:
        return InsertKey(path=(), key=section, value=value, first=True)
    return InsertKey(path=(), key=section, value=value, after=keys[position - 1])


def references_outside(template: Template, target: str, paths: Iterable[Path]) -> Iterator[Path]:
    """The places naming ``target`` (``Ref``, ``Fn::GetAtt``, ``${}``, ``DependsOn``...) that lie
    outside every node of ``paths`` (each place checked in time proportional to its depth)."""
    nodes = paths if isinstance(paths, (set, frozenset)) else set(paths)
    for reference in template.references_to(target):
        if not any(reference.path[:depth] in nodes for depth in range(len(reference.path) + 1)):
            yield reference.path
