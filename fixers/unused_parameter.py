"""CFX107 unused-parameter: a Parameter nothing references is removed, with its interface metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Finding, Options, Path
from cfnfix.template import PREPROCESSOR_TAGS, Template

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
        for path, value in template.walk():
            if isinstance(value, dict) and not any(path[: len(w)] == w for w in without):
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


class UnusedParameter(Fixer):
    """Checks for Parameters that nothing references.

    ## What it does
    Finds a parameter that no `Ref` and no `Fn::Sub` variable (`${Name}`)
    names anywhere in the template, and removes it, with its entries in the
    `AWS::CloudFormation::Interface` metadata: its item in a parameter
    group's `Parameters` (the whole group when it would be left empty) and
    its `ParameterLabels` key. The `Parameters` section, the interface and
    the `Metadata` section go too when they would be left empty. A parameter
    listed only in the interface metadata is unused: the console shows it,
    nothing reads it.

    When several unused parameters would together empty a node (a group, the
    `Parameters` section), the fix of each removes all of them, so that no
    pass leaves an empty group or section behind.

    Like cfn-lint (W2001), templates with a `Transform` are not checked: a
    macro or `Fn::ForEach` may name parameters in ways only it knows (`Ref:
    !Sub 'Param${Id}'`). A parameter named by `Fn::ValueOf` in `Rules` is
    reported without a fix, and so is every unused parameter of a template
    that a tool rewrites before CloudFormation sees it: one with an
    `Fn::Transform`, a `Ref` to a function, tags of a preprocessor such as
    Rain (`!Rain::Embed script.sh` may hold `${Param}`), or a `Ref` or Sub
    variable naming something the template does not define.

    ## Why is this bad?
    An unused parameter asks whoever deploys the stack for a value that
    changes nothing, and a required one (no `Default`) makes them invent one.
    It is often left behind when the resource that used it is removed.

    ## Example
    ```yaml
    Parameters:
      Env:
        Type: String
      LegacyBucket:
        Type: String
    Resources:
      Topic:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: !Sub '${Env}-events'
    ```

    Use instead:
    ```yaml
    Parameters:
      Env:
        Type: String
    Resources:
      Topic:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: !Sub '${Env}-events'
    ```

    ## Fix safety
    The fix is unsafe: it changes the template's interface. A stack update,
    a parent stack (`AWS::CloudFormation::Stack`), a StackSet or a pipeline
    that still passes a value for the parameter fails with `Parameters: [X]
    do not exist in the template`.

    ## References
    - [Parameters section](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html)
    - [AWS::CloudFormation::Interface](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-cloudformation-interface.html)
    - cfn-lint rule W2001 (Check if Parameters are Used)
    """

    code: ClassVar[str] = "CFX107"
    name: ClassVar[str] = "unused-parameter"
    summary: ClassVar[str] = "Parameter that nothing references"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W2001",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        unused, fixable, blocked = analyse(template)
        clusters = clusters_of(template, fixable)
        for name in unused:
            path: Path = ("Parameters", name)
            message = f"Parameter `{name}` is not used"
            if name not in fixable:
                reason = blocked or "it is read by `Fn::ValueOf` in Rules, which needs it"
                yield self.finding(path, message, no_fix_reason=reason)
                continue
            together = clusters[name]
            paths = removal(template, together)
            note = f"removes the parameter `{name}`"
            if len(paths) > 1:
                note += " and its interface metadata"
            others = [n for n in template.parameters if n in together and n != name]
            if others:
                note += "; also " + ", ".join(f"`{n}`" for n in others) + ", unused too, that share its place"
            yield self.finding(path, message, [Delete(path=p) for p in paths], note=note)


def analyse(template: Template, without: tuple[Path, ...] = ()) -> tuple[list[str], list[str], str]:
    """The unused parameters as W2001 sees them (the nodes at ``without`` left out), those that can be
    removed, and why none can (or '')."""
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
    elif any("Fn::Transform" in value for _path, value in template.walk() if isinstance(value, dict)):
        blocked = "an `Fn::Transform` in the template may use it"
    fixable = [n for n in unused if not blocked and n not in uses.rules]
    return unused, fixable, blocked


def removal(template: Template, names: set[str]) -> list[Path]:
    """The outermost nodes to delete to remove the parameters ``names`` and their interface entries."""
    parameters = template.parameters
    paths: list[Path] = []
    if set(parameters) <= names:
        paths.append(("Parameters",))
    else:
        paths += [("Parameters", n) for n in parameters if n in names]
    return paths + _Interface(template).removal(names)


def clusters_of(template: Template, fixable: list[str]) -> dict[str, set[str]]:
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
