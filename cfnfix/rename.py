"""Renaming logical ids: the edits that rename an id's definition and every reference to it.

A template names a logical id where it defines it (a key of ``Parameters``, ``Resources``,
``Outputs``, ``Conditions`` or ``Mappings``) and where it refers to it:

- ``Ref``; ``Fn::GetAtt``, in the list form and the dotted string form (``!GetAtt a-b.Arn``);
- ``${a-b}`` and ``${a-b.Attr}`` in an ``Fn::Sub`` string (not ``${!Literal}`` escapes, not the
  variables the Sub's own map defines);
- ``DependsOn`` (a string or a list), the ``Condition`` of a resource or an output,
  ``Condition`` inside ``Conditions``, the condition name of ``Fn::If``;
- the map name of ``Fn::FindInMap``;
- ``AWS::CloudFormation::Interface`` metadata (``ParameterGroups[].Parameters``, the keys of
  ``ParameterLabels``) and ``Fn::ValueOf`` in ``Rules``;
- SAM connectors (a resource's ``Connectors``, ``AWS::Serverless::Connector``): ``Id`` of the
  ``Source`` and ``Destination``;
- the CloudFormation helper scripts' arguments in strings: ``--resource a-b`` and ``-r a-b``
  (cfn-init, cfn-signal, cfn-get-metadata) and cfn-hup's ``Resources.a-b.Metadata`` path.

:func:`plan` gives, for each id to rename, the edits of its fix, or why it cannot be renamed
safely: the template is rewritten before CloudFormation reads it, a name is computed (a
``Ref`` or ``Fn::GetAtt`` of a function, an ``Fn::Sub`` of a string that is not literal, a
map name from ``Ref``), a name the template does not define is derived from the id (the
resources SAM or a module creates), or a reference sits in a YAML anchor an alias repeats.
Ids whose references share a node (one ``Fn::Sub`` string naming two of them) are renamed by
one fix together, so that no two fixes edit the same string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cfnfix.models import Edit, Path, RenameKey, SetValue
from cfnfix.template import LOGICAL_ID_SECTIONS, SUB_VARIABLE, Template

#: an id as written in each section: what CloudFormation accepts (conditions may hold ``_``
#: and ``&``, as cfn-lint's E8001 allows)
ID_PATTERNS = {
    "Parameters": re.compile(r"[A-Za-z0-9]+"),
    "Resources": re.compile(r"[A-Za-z0-9]+"),
    "Outputs": re.compile(r"[A-Za-z0-9]+"),
    "Mappings": re.compile(r"[A-Za-z0-9]+"),
    "Conditions": re.compile(r"[A-Za-z0-9&_]+"),
}
_INTERFACE = ("Metadata", "AWS::CloudFormation::Interface")
# cfn-init, cfn-signal and cfn-get-metadata name the resource whose metadata they read or which
# they signal with ``--resource`` (``-r`` for cfn-init and cfn-get-metadata); cfn-hup's hooks
# name it in their ``path=Resources.<id>.Metadata...``
_HELPER_ARGUMENT = re.compile(r"(?<![\w-])(?:--resource|-r)(?:[ \t]+|=)([^\s'\"\\;&|)`]+)")
_HELPER_PATH = re.compile(r"\bResources\.([^\s'\"\\]+?)\.Metadata\b")

#: the sections a reference of each kind may name
_TARGETS = {
    "Ref": ("Parameters", "Resources"),
    "Sub": ("Parameters", "Resources"),
    "GetAtt": ("Resources",),
    "DependsOn": ("Resources",),
    "Connector": ("Resources",),
    "Helper": ("Resources",),
    "Condition": ("Conditions",),
    "If": ("Conditions",),
    "FindInMap": ("Mappings",),
    "ValueOf": ("Parameters",),
    "Interface": ("Parameters",),
    "Label": ("Parameters",),
}
#: for each section, the references whose target a function computes, which may name its ids
_COMPUTED_BLOCKS = {
    "Parameters": ("Ref", "Sub", "ValueOf"),
    "Resources": ("Ref", "Sub", "GetAtt", "DependsOn"),
    "Conditions": ("If", "Condition"),
    "Mappings": ("FindInMap",),
    "Outputs": (),
}
_COMPUTED_WHAT = {
    "Ref": "a `Ref` names its target with a function",
    "Sub": "an `Fn::Sub` substitutes a string that is not literal",
    "ValueOf": "an `Fn::ValueOf` names its parameter with a function",
    "GetAtt": "an `Fn::GetAtt` names its resource with a function",
    "DependsOn": "a `DependsOn` names a resource with a function",
    "If": "an `Fn::If` names its condition with a function",
    "Condition": "a `Condition` is not a name",
    "FindInMap": "an `Fn::FindInMap` names its map with a function",
}


def pascal_case(name: str, fallback: str = "Resource") -> str:
    """``name`` made alphanumeric: each run of other characters dropped, the letter after it
    capitalised (``prod-private-subnet-1`` -> ``ProdPrivateSubnet1``, ``my_db.instance`` ->
    ``MyDbInstance``); ``fallback`` when nothing alphanumeric is left."""
    parts = [part for part in re.split(r"[^A-Za-z0-9]+", name) if part]
    return "".join(part[0].upper() + part[1:] for part in parts) or fallback


def free_name(base: str, taken: set[str] | frozenset[str]) -> str:
    """``base``, or ``base`` numbered from 2 when it is taken (``AppRole2``; ``Subnet1V2``, so
    that the number does not run into one the name ends with)."""
    if base not in taken:
        return base
    joint = "V" if base[-1:].isdigit() else ""
    number = 2
    while f"{base}{joint}{number}" in taken:
        number += 1
    return f"{base}{joint}{number}"


def definitions(template: Template) -> Iterator[tuple[str, str]]:
    """(section, id) of each logical id the template defines, sections in the template's order;
    ``Fn::ForEach`` loops and other functions in a section are not ids."""
    if not isinstance(template.data, dict):
        return
    for section in template.data:
        if section in LOGICAL_ID_SECTIONS:
            for name in template.section(str(section)):
                if not str(name).startswith("Fn::"):
                    yield str(section), str(name)


def is_valid(section: str, name: str) -> bool:
    """Whether CloudFormation accepts ``name`` as a logical id of ``section``."""
    return ID_PATTERNS[section].fullmatch(name) is not None


@dataclass(frozen=True)
class Use:
    """One place that names a logical id: the node its rename edits, and what names it there."""

    path: Path
    kind: str
    target: str
    #: the span of the name in a string (a Sub variable, a helper script's argument)
    span: tuple[int, int] | None = None
    #: a dotted GetAtt's attribute (``Endpoint.Address``), kept after the renamed id
    rest: Any = None
    #: the Sub's own variables, which a renamed id must not take the name of
    local: frozenset[str] = frozenset()


@dataclass
class _Index:
    uses: dict[str, list[Use]] = field(default_factory=dict)
    strings: dict[Path, str] = field(default_factory=dict)
    #: references whose target a function computes: kind -> the first path
    computed: dict[str, Path] = field(default_factory=dict)
    foreach: Path | None = None
    #: names that Ref, GetAtt, Sub or DependsOn give but the template does not define
    undefined: set[str] = field(default_factory=set)

    def add(self, use: Use) -> None:
        self.uses.setdefault(use.target, []).append(use)

    def compute(self, kind: str, path: Path) -> None:
        self.computed.setdefault(kind, path)


class _Scan:
    """Builds the index of every use of every name in one walk over the template."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.index = _Index()
        self.params_and_resources = set(template.parameters) | set(template.resources)

    def run(self) -> _Index:
        for path, value in self.template.walk():
            if isinstance(value, str):
                if path and ("-r" in value or "Resources." in value):
                    self._helpers(path, value)
            elif isinstance(value, dict) and path:
                self._mapping(path, value)
        self._interface()
        index = self.index
        for name in list(index.uses):
            if name not in self.params_and_resources and not name.startswith("AWS::") and any(
                use.kind in ("Ref", "GetAtt", "Sub", "DependsOn") for use in index.uses[name]
            ):
                index.undefined.add(name)
        return index

    def _helpers(self, path: Path, text: str) -> None:
        for pattern in (_HELPER_ARGUMENT, _HELPER_PATH):
            for match in pattern.finditer(text):
                self.index.add(Use(path, "Helper", match.group(1), span=match.span(1)))
                self.index.strings[path] = text

    def _mapping(self, path: Path, value: dict[str, Any]) -> None:
        if len(path) == 2 and path[0] in ("Resources", "Outputs"):
            self._attributes(path, value)
        if any(str(key).startswith("Fn::ForEach") for key in value) and self.index.foreach is None:
            self.index.foreach = path
        if len(value) != 1:
            return
        ((key, arg),) = value.items()
        if key == "Ref":
            self._named(path, "Ref", arg, (*path, "Ref"))
        elif key == "Fn::GetAtt":
            self._getatt(path, arg)
        elif key == "Fn::Sub":
            self._sub(path, arg)
        elif key == "Condition" and path[0] == "Conditions":
            self._named(path, "Condition", arg, (*path, "Condition"))
        elif key in ("Fn::If", "Fn::FindInMap", "Fn::ValueOf"):
            kind = {"Fn::If": "If", "Fn::FindInMap": "FindInMap", "Fn::ValueOf": "ValueOf"}[key]
            if isinstance(arg, list) and arg:
                self._named(path, kind, arg[0], (*path, key, 0))

    def _named(self, path: Path, kind: str, name: Any, at: Path) -> None:
        if isinstance(name, str):
            self.index.add(Use(at, kind, name))
        else:
            self.index.compute(kind, path)

    def _attributes(self, path: Path, definition: dict[str, Any]) -> None:
        if "Condition" in definition:
            self._named(path, "Condition", definition["Condition"], (*path, "Condition"))
        if path[0] != "Resources":
            return
        depends = definition.get("DependsOn")
        if isinstance(depends, list):
            for i, item in enumerate(depends):
                self._named(path, "DependsOn", item, (*path, "DependsOn", i))
        elif depends is not None:
            self._named(path, "DependsOn", depends, (*path, "DependsOn"))
        connectors = definition.get("Connectors")
        for name, connector in connectors.items() if isinstance(connectors, dict) else ():
            properties = connector.get("Properties") if isinstance(connector, dict) else None
            if isinstance(properties, dict):
                self._connector_ends((*path, "Connectors", name, "Properties"), properties, ("Destination",))
        properties = definition.get("Properties")
        if definition.get("Type") == "AWS::Serverless::Connector" and isinstance(properties, dict):
            self._connector_ends((*path, "Properties"), properties, ("Source", "Destination"))

    def _connector_ends(self, path: Path, properties: dict[str, Any], keys: tuple[str, ...]) -> None:
        for key in keys:
            ends = properties.get(key)
            listed = ends if isinstance(ends, list) else [ends]
            for i, end in enumerate(listed):
                if isinstance(end, dict) and isinstance(end.get("Id"), str):
                    at = (*path, key, i, "Id") if isinstance(ends, list) else (*path, key, "Id")
                    self.index.add(Use(at, "Connector", end["Id"]))

    def _getatt(self, path: Path, arg: Any) -> None:
        if not isinstance(arg, list) or not arg or not isinstance(arg[0], str):
            if arg is not None and not isinstance(arg, str):
                self.index.compute("GetAtt", path)
            return
        target, rest = arg[0], arg[1:]
        resources = self.template.resources
        node = self.template.node_at((*path, "Fn::GetAtt"))
        if len(arg) == 2 and isinstance(arg[1], str) and node is not None and node.id == "scalar":
            dotted = f"{arg[0]}.{arg[1]}"  # the dotted form: the longest id it starts with is named
            for cut in reversed([i for i, c in enumerate(dotted) if c == "."]):
                if dotted[:cut] in resources:
                    target, rest = dotted[:cut], [dotted[cut + 1 :]]
                    break
        self.index.add(Use(path, "GetAtt", target, rest=rest))

    def _sub(self, path: Path, arg: Any) -> None:
        if isinstance(arg, str):
            text, at, local = arg, (*path, "Fn::Sub"), frozenset[str]()
        elif isinstance(arg, list) and arg and isinstance(arg[0], str):
            text, at = arg[0], (*path, "Fn::Sub", 0)
            local = frozenset(map(str, arg[1])) if len(arg) > 1 and isinstance(arg[1], dict) else frozenset()
        else:
            self.index.compute("Sub", path)
            return
        for match in SUB_VARIABLE.finditer(text):
            inner = match.group(1)
            name = inner.strip()
            target = name.split(".", 1)[0]
            if name in local or target in local or name.startswith("AWS::"):
                continue
            for cut in reversed([i for i, c in enumerate(name) if c == "."]):
                if name[:cut] in self.params_and_resources:
                    target = name[:cut]  # an id with a dot
                    break
            if name in self.params_and_resources:
                target = name
            start = match.start(1) + len(inner) - len(inner.lstrip())
            self.index.add(Use(at, "Sub", target, span=(start, start + len(target)), local=local))
            self.index.strings[at] = text

    def _interface(self) -> None:
        interface = self.template.get(_INTERFACE)
        if not isinstance(interface, dict):
            return
        groups = interface.get("ParameterGroups")
        for i, group in enumerate(groups if isinstance(groups, list) else []):
            names = group.get("Parameters") if isinstance(group, dict) else None
            for j, name in enumerate(names if isinstance(names, list) else []):
                if isinstance(name, str):
                    self.index.add(Use((*_INTERFACE, "ParameterGroups", i, "Parameters", j), "Interface", name))
        labels = interface.get("ParameterLabels")
        for name in labels if isinstance(labels, dict) else {}:
            self.index.add(Use((*_INTERFACE, "ParameterLabels", str(name)), "Label", str(name)))


def _index(template: Template) -> _Index:
    return template.memo("rename:index", lambda: _Scan(template).run())


@dataclass(frozen=True)
class Rename:
    """Renaming one logical id: the edits of its fix, or why it has none."""

    section: str
    old: str
    new: str
    edits: tuple[Edit, ...] = ()
    #: the nodes that name it, renamed with it
    uses: tuple[Path, ...] = ()
    #: the other ids the same fix renames, because their references share a node with this one's
    together: tuple[str, ...] = ()
    #: why the id cannot be renamed safely ('' when it can)
    reason: str = ""

    def note(self, kind: str) -> str:
        """What the fix does, for reviewers (``kind``: what the id names, ``parameter``...)."""
        text = f"renames the {kind} `{self.old}` to `{self.new}`"
        if self.uses:
            text += f" and the {len(self.uses)} places that name it" if len(self.uses) > 1 else (
                " and the place that names it")
        if self.together:
            text += "; also " + ", ".join(f"`{old}`" for old in self.together) + ", named in the same strings"
        return text


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


class _Planner:
    def __init__(self, template: Template, renames: Mapping[tuple[str, str], str]) -> None:
        self.template = template
        self.index = _index(template)
        self.renames = dict(renames)
        self.defined = {(section, name) for section, name in definitions(template)}
        self.anchored = [path for pair in template.aliases for path in pair]
        self.rewriter = template.rewritten_by()

    def uses_of(self, section: str, old: str) -> list[Use]:
        """The references that name the id ``old`` of ``section``."""
        found = []
        for use in self.index.uses.get(old, ()):
            sections = [s for s in _TARGETS[use.kind] if (s, old) in self.defined]
            if sections == [section]:
                found.append(use)
        return found

    def reason(self, section: str, old: str, new: str, uses: list[Use]) -> str:
        template, index = self.template, self.index
        if self.rewriter:
            return f"{self.rewriter} rewrites the template before CloudFormation reads it, and may name the id"
        if index.foreach is not None:
            return (f"an `Fn::ForEach` loop at `{_dotted(index.foreach)}` builds names from its collection, "
                    "which may name the id")
        if new in template.logical_ids:
            return f"`{new}` is already a logical id of the template"
        for kind in _COMPUTED_BLOCKS[section]:
            if kind in index.computed:
                return (f"{_COMPUTED_WHAT[kind]} at `{_dotted(index.computed[kind])}`, "
                        "which may give this id; rename it by hand")
        if section in ("Parameters", "Resources") and {("Parameters", old), ("Resources", old)} <= self.defined:
            return "a parameter and a resource share the id, so which one each reference names cannot be told"
        derived = sorted(name for name in index.undefined if name.startswith(old) and name != old)
        if section == "Resources" and derived:
            return (f"the template names `{derived[0]}`, which it does not define: a resource derived from "
                    "this id (by SAM or a module) that would keep the old name")
        for use in uses:
            if new in use.local:
                return f"the `Fn::Sub` at `{_dotted(use.path)}` defines a variable `{new}` of its own"
            if self._aliased(use.path):
                return (f"a reference at `{_dotted(use.path)}` is inside a YAML anchor an alias repeats; "
                        "write the aliases out first, then rename")
        if self._aliased((section, old), key=True):
            return "the id is inside a YAML anchor an alias repeats; write the aliases out first, then rename"
        return ""

    def _aliased(self, path: Path, key: bool = False) -> bool:
        return any(path[: len(a)] == a and (not key or len(a) < len(path)) for a in self.anchored)

    def edits(self, members: list[tuple[str, str]], uses: dict[tuple[str, str], list[Use]]) -> list[Edit]:
        """The edits that rename ``members`` (and their uses) at once."""
        edits: list[Edit] = []
        spans: dict[Path, list[tuple[int, int, str]]] = {}
        for section, old in members:
            new = self.renames[(section, old)]
            edits.append(RenameKey(path=(section, old), new_key=new))
            for use in uses[(section, old)]:
                if use.span is not None:
                    spans.setdefault(use.path, []).append((*use.span, new))
                else:
                    edits.append(self._edit(use, new))
        for path, changes in spans.items():
            text = self.index.strings[path]
            for start, end, new in sorted(set(changes), reverse=True):
                text = text[:start] + new + text[end:]
            edits.append(SetValue(path=path, value=text))
        return edits

    def _edit(self, use: Use, new: str) -> Edit:
        if use.kind == "Label":
            return RenameKey(path=use.path, new_key=new)
        if use.kind == "GetAtt":
            node = self.template.node_at((*use.path, "Fn::GetAtt"))
            if node is not None and node.id == "sequence":
                return SetValue(path=(*use.path, "Fn::GetAtt", 0), value=new)  # the list form stays a list
            return SetValue(path=(*use.path, "Fn::GetAtt"), value=[new, *use.rest])
        return SetValue(path=use.path, value=new)


def _places(uses: list[Use]) -> tuple[Path, ...]:
    """The distinct nodes that name an id (a string may name it more than once)."""
    return tuple(dict.fromkeys(use.path for use in uses))


def plan(template: Template, renames: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], Rename]:
    """For each id to rename, ``(section, old id) -> new id``, the fix's edits or why there is none.

    Ids whose references share a node are renamed by one fix, which each of them carries.
    """
    planner = _Planner(template, renames)
    uses: dict[tuple[str, str], list[Use]] = {}
    result: dict[tuple[str, str], Rename] = {}
    for (section, old), new in renames.items():
        found = planner.uses_of(section, old)
        uses[(section, old)] = found
        reason = planner.reason(section, old, new, found)
        if reason:
            result[(section, old)] = Rename(section, old, new, uses=_places(found), reason=reason)
    fixable = [key for key in renames if key not in result]
    owner = {key: key for key in fixable}

    def root(key: tuple[str, str]) -> tuple[str, str]:
        while owner[key] != key:
            key = owner[key]
        return key

    sharing: dict[Path, tuple[str, str]] = {}
    for key in fixable:
        for use in uses[key]:
            if use.span is None:
                continue
            first = sharing.setdefault(use.path, key)
            owner[root(key)] = root(first)
    clusters: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in fixable:
        clusters.setdefault(root(key), []).append(key)
    for members in clusters.values():
        edits = tuple(planner.edits(members, uses))
        for key in members:
            result[key] = Rename(
                key[0], key[1], renames[key], edits=edits, uses=_places(uses[key]),
                together=tuple(old for section, old in members if (section, old) != key),
            )
    return {key: result[key] for key in renames}
