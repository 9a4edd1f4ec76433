"""Which parameters and mappings a template never uses, as cfn-lint's W2001 and W7001 see it.

Fixers that remove unused parameters or mappings read it, and so does a fixer whose removal
of something else may leave parameters or mappings unused, so that it removes those too;
:func:`orphans` says what removing some nodes leaves unused, conditions included (W8001).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from cfnfix.models import Path
from cfnfix.template import PREPROCESSOR_TAGS, Template, intrinsic_function

_INTERFACE = "AWS::CloudFormation::Interface"
_INTERFACE_PATH: Path = ("Metadata", _INTERFACE)
# a Sub variable as cfn-lint (W2001) reads one: anything in ``${...}`` not starting with ``!``
_SUB_VARIABLE = re.compile(r"\$\{[^!].*?\}")


class _Uses:
    """The parameter names the template uses, read as cfn-lint (W2001) reads them, and what it cannot see."""

    def __init__(self, template: Template, without: tuple[Path, ...] = ()) -> None:
        self.names: set[str] = set()
        self.rules: set[str] = set()  # named by Fn::ValueOf in Rules, which cfn-lint does not count
        self.computed = False  # a Ref whose target is a function
        self.targets: set[str] = set()  # what Refs and Sub variables name, to tell names not defined here
        self.preprocessed = False  # a tool's own tags (Rain's !Rain::Module, !Rain::Embed)
        kept = [(path, value) for key in template.indexed_keys()
                if key in ("Ref", "Fn::Sub", "Fn::ValueOf") or key.startswith(PREPROCESSOR_TAGS)
                for path, value in template.nodes_with(key)
                if not any(path[: len(w)] == w for w in without)]
        for value in {id(value): value for _path, value in kept}.values():
            self._read(value)

    def _read(self, value: dict[str, Any]) -> None:
        if any(str(key).startswith(PREPROCESSOR_TAGS) for key in value):
            self.preprocessed = True
        if "Ref" in value:
            if isinstance(value["Ref"], str):
                self.names.add(value["Ref"])
                self.targets.add(value["Ref"])
            else:
                self.computed = True
        if "Fn::Sub" in value:
            arg = value["Fn::Sub"]
            text = arg[0] if isinstance(arg, list) and arg else arg
            local = arg[1] if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict) else {}
            if isinstance(text, str):
                for variable in _SUB_VARIABLE.findall(text):
                    name = variable[2:-1].strip()
                    self.names.update((name, name.split(".", 1)[0]))
                    if name not in local:
                        self.targets.add(name.split(".", 1)[0])
        if "Fn::ValueOf" in value:
            arg = value["Fn::ValueOf"]
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                self.rules.add(arg[0])


class _Interface:
    """Where ``Metadata.AWS::CloudFormation::Interface`` lists parameters, and what removing some empties."""

    def __init__(self, template: Template) -> None:
        metadata = template.section("Metadata")
        interface = metadata.get(_INTERFACE)
        self.metadata_keys = set(metadata)
        self.interface: dict[str, Any] = interface if isinstance(interface, dict) else {}

    def _groups(self) -> list[tuple[int, list[Any]]]:
        groups = self.interface.get("ParameterGroups")
        found = []
        for index, group in enumerate(groups if isinstance(groups, list) else []):
            items = group.get("Parameters") if isinstance(group, dict) else None
            if isinstance(items, list):
                found.append((index, items))
        return found

    def containers(self) -> list[set[str]]:
        """The parameter names of each node that removing exactly them would empty."""
        found: list[set[str]] = []
        groups = self.interface.get("ParameterGroups")
        listed = self._groups()
        all_grouped: set[str] = set()
        emptiable = isinstance(groups, list) and bool(groups) and len(listed) == len(groups)
        for _index, items in listed:
            names = {i for i in items if isinstance(i, str)}
            if items and len(names) and all(isinstance(i, str) for i in items):
                found.append(names)
                all_grouped |= names
            else:
                emptiable = False
        members: set[str] = set()
        whole = True
        if emptiable:
            found.append(all_grouped)
            members |= all_grouped
        elif groups is not None:
            whole = False
        labels = self.interface.get("ParameterLabels")
        if isinstance(labels, dict) and labels:
            found.append(set(labels))
            members |= set(labels)
        elif labels is not None:
            whole = False
        if whole and members and set(self.interface) <= {"ParameterGroups", "ParameterLabels"}:
            found.append(members)
        return found

    def removal(self, names: set[str]) -> list[Path]:
        """The outermost nodes to delete so that the interface no longer lists ``names``."""
        emptied: list[str] = []
        paths: list[Path] = []
        groups = self.interface.get("ParameterGroups")
        if isinstance(groups, list):
            doomed: list[Path] = []
            items_out: list[Path] = []
            for index, items in self._groups():
                hits = [i for i, item in enumerate(items) if isinstance(item, str) and item in names]
                if hits and len(hits) == len(items):
                    doomed.append((*_INTERFACE_PATH, "ParameterGroups", index))
                else:
                    items_out += [(*_INTERFACE_PATH, "ParameterGroups", index, "Parameters", i) for i in hits]
            if groups and len(doomed) == len(groups):
                emptied.append("ParameterGroups")
            else:
                paths += doomed + items_out
        labels = self.interface.get("ParameterLabels")
        if isinstance(labels, dict):
            hits_labels = [k for k in labels if k in names]
            if hits_labels and len(hits_labels) == len(labels):
                emptied.append("ParameterLabels")
            else:
                paths += [(*_INTERFACE_PATH, "ParameterLabels", k) for k in hits_labels]
        if emptied and set(emptied) == set(self.interface):
            return [("Metadata",)] if self.metadata_keys == {_INTERFACE} else [_INTERFACE_PATH]
        return paths + [(*_INTERFACE_PATH, key) for key in emptied]


def parameters(template: Template, without: tuple[Path, ...] = ()) -> tuple[list[str], list[str], str]:
    """The unused parameters as W2001 sees them (the nodes at ``without`` left out), those that can be
    removed, and why none can (or '')."""
    if not without:  # the same for every candidate of a template version: worked out once
        return template.memo("unused:parameters", lambda: _parameters(template, ()))
    return _parameters(template, without)


def _parameters(template: Template, without: tuple[Path, ...]) -> tuple[list[str], list[str], str]:
    parameters = template.parameters
    if not parameters or not isinstance(template.data, dict) or "Transform" in template.data:
        return [], [], ""
    uses = _Uses(template, without)
    unused = [name for name in parameters if name not in uses.names]
    blocked = ""
    undefined = sorted(n for n in uses.targets if n not in parameters and n not in template.resources
                       and not n.startswith("AWS::"))
    if uses.preprocessed:
        blocked = "the template is written for a preprocessor (Rain tags), which may use it"
    elif undefined:
        blocked = f"the template names `{undefined[0]}`, which it does not define: a tool may fill it in"
    elif uses.computed:
        blocked = "a `Ref` names its target with a function, which may give this parameter"
    elif template.nodes_with("Fn::Transform"):
        blocked = "an `Fn::Transform` in the template may use it"
    fixable = [n for n in unused if not blocked and n not in uses.rules]
    return unused, fixable, blocked


def parameter_removal(template: Template, names: set[str]) -> list[Path]:
    """The outermost nodes to delete to remove the parameters ``names`` and their interface entries."""
    parameters = template.parameters
    paths: list[Path] = []
    if set(parameters) <= names:
        paths.append(("Parameters",))
    else:
        paths += [("Parameters", n) for n in parameters if n in names]
    return paths + _Interface(template).removal(names)


def parameter_clusters(template: Template, fixable: list[str]) -> dict[str, set[str]]:
    """For each removable parameter, the unused parameters its fix removes with it.

    Unused parameters that fill a node together (a group, the labels, the section) are
    removed by one fix, else each fix would leave the node empty for the others.
    """
    owner = {name: name for name in fixable}

    def root(name: str) -> str:
        while owner[name] != name:
            name = owner[name]
        return name

    containers = [set(template.parameters), *_Interface(template).containers()]
    for members in containers:
        if len(members) > 1 and members <= owner.keys():
            first, *rest = sorted(members)
            for other in rest:
                owner[root(other)] = root(first)
    clusters: dict[str, set[str]] = {}
    for name in fixable:
        clusters.setdefault(root(name), set()).add(name)
    return {name: clusters[root(name)] for name in fixable}


LOOP_VARIABLE = re.compile(r"[$&]\{[^}]*\}")


def loop_pattern(name: str) -> re.Pattern[str]:
    """A map name written with ``${Identifier}`` in an Fn::ForEach loop, as a pattern of the names it gives."""
    return re.compile(".+".join(re.escape(part) for part in LOOP_VARIABLE.split(name)) + r"\Z")


def mappings(template: Template, without: tuple[Path, ...] = ()) -> tuple[list[str], list[str], str]:
    """The unused mappings as W7001 sees them (the nodes at ``without`` left out), those that can be
    removed, and why none can (or '')."""
    if not without:  # the same for every candidate of a template version: worked out once
        return template.memo("unused:mappings", lambda: _mappings(template, ()))
    return _mappings(template, without)


def _mappings(template: Template, without: tuple[Path, ...]) -> tuple[list[str], list[str], str]:
    mappings = template.section("Mappings")
    if not mappings or intrinsic_function(mappings) is not None:
        return [], [], ""
    names: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for path, value in template.nodes_with("Fn::FindInMap"):
        if any(path[: len(w)] == w for w in without):
            continue
        arg = value["Fn::FindInMap"]
        name = arg[0] if isinstance(arg, list) and arg else arg
        if isinstance(name, dict):
            return [], [], ""  # any mapping may be the one it reads: nothing can be proven unused
        if isinstance(name, str):
            if LOOP_VARIABLE.search(name):
                patterns.append(loop_pattern(name))
            names.add(name)
    blocked = _mappings_blocked(template)
    unused = [k for k in mappings if not k.startswith("Fn::") and k not in names]
    fixable = [k for k in unused if not blocked and not any(p.match(k) for p in patterns)]
    return unused, fixable, blocked


def _mappings_blocked(template: Template) -> str:
    """Why no mapping of this template can be removed safely, or ''."""
    rewriter = template.rewritten_by()
    return f"{rewriter} may read it" if rewriter else ""


def condition_users(template: Template) -> dict[str, set[Path]]:
    """For each condition name, the top-level nodes (``("Resources", X)``, ``("Conditions", C)``,
    ``("Outputs", O)``, ...) that use it as cfn-lint (W8001) counts uses: an ``Fn::If`` anywhere, a
    ``Condition`` inside the Conditions section, a resource's or an output's ``Condition``."""

    def compute() -> dict[str, set[Path]]:
        users: dict[str, set[Path]] = {}
        for path, value in template.nodes_with("Fn::If"):
            arg = value["Fn::If"]
            name = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(name, str) and path:
                users.setdefault(name, set()).add(path[:2])
        for path, value in template.nodes_with("Condition"):
            name = value["Condition"]
            top_level = len(path) == 2 and path[0] in ("Resources", "Outputs")
            if isinstance(name, str) and path and (path[0] == "Conditions" or top_level):
                users.setdefault(name, set()).add(path[:2])
        return users

    return template.memo("unused:condition-users", compute)


def orphans(template: Template, removed: Sequence[Path], *, conditions_too: bool = True,
            ) -> tuple[list[Path], list[str], bool] | None:
    """What removing the top-level nodes ``removed`` (``("Resources", X)``, ...) leaves unused that was
    used: conditions only they (or conditions removed with them) use (unless not ``conditions_too``),
    then the parameters and mappings only all of those use. Returns the nodes that remove those too
    (a parameter with its interface metadata; a section that would be left empty), their names, and
    whether a parameter is among them (which changes the template's interface); None when one of them
    cannot be removed."""
    gone = set(removed)
    conditions = template.section("Conditions")
    users = condition_users(template)
    dropped: list[str] = []
    changed = conditions_too
    while changed:
        changed = False
        for name in conditions:
            node: Path = ("Conditions", name)
            if node not in gone and users.get(name) and users[name] <= gone:
                gone.add(node)
                dropped.append(name)
                changed = True
    if dropped and template.rewritten_by():
        return None
    without = tuple(removed) + tuple(("Conditions", name) for name in dropped)
    paths: list[Path] = []
    names = [n for n in conditions if n in dropped]
    if names and len(names) == len(conditions):
        paths.append(("Conditions",))
    else:
        paths += [("Conditions", n) for n in names]
    unused_before, _fixable, _blocked = parameters(template)
    unused_after, fixable_after, _blocked = parameters(template, without)
    new = [n for n in unused_after if n not in unused_before]
    if new:
        if not set(new) <= set(fixable_after):
            return None
        clusters = parameter_clusters(template, fixable_after)
        together = set().union(*(clusters[n] for n in new))
        paths += parameter_removal(template, together)
        names += [n for n in template.parameters if n in together]
    maps_before, _fixable, _blocked = mappings(template)
    maps_after, maps_fixable, _blocked = mappings(template, without)
    new_maps = [n for n in maps_after if n not in maps_before]
    if new_maps:
        if not set(new_maps) <= set(maps_fixable):
            return None
        if len(maps_fixable) == len(template.section("Mappings")):
            paths.append(("Mappings",))
            names += maps_fixable
        else:
            paths += [("Mappings", n) for n in new_maps]
            names += new_maps
    return paths, names, bool(new)
