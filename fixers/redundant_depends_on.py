"""CFX103 redundant-depends-on: a ``DependsOn`` entry a Ref, GetAtt or Sub already implies is removed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Edit, Finding, Options, Path
from cfnfix.template import Template, intrinsic_function

# the variables cfn-lint's dependency graph reads in an Fn::Sub string (no spaces, no `${!x}`)
_SUB_VARIABLE = re.compile(r"\$\{([a-zA-Z0-9.]*)\}")


@dataclass
class _Uses:
    """The resources a node names: ``always`` whatever the conditions, ``where`` the first path of each."""

    always: set[str]
    where: dict[str, Path]


def _uses(node: Any, path: Path, resources: dict[str, Any]) -> _Uses:
    """What ``node`` references: an ``Fn::If`` references always only what both branches do."""
    if isinstance(node, list):
        return _merge([_uses(item, (*path, i), resources) for i, item in enumerate(node)])
    if not isinstance(node, dict):
        return _Uses(set(), {})
    function = intrinsic_function(node)
    arg = node.get(function) if function else None
    if function == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
        branches = [_uses(arg[i], (*path, function, i), resources) for i in (1, 2)]
        merged = _merge(branches)
        return _Uses(branches[0].always & branches[1].always, merged.where)
    named: set[str] = set()
    if function == "Ref" and isinstance(arg, str):
        named.add(arg)
    elif function == "Fn::GetAtt":
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            named.add(arg[0])
        elif isinstance(arg, str) and "." in arg:
            named.add(arg.split(".", 1)[0])
    elif function == "Fn::Sub":
        text, variables = (arg, {}) if isinstance(arg, str) else (None, {})
        if isinstance(arg, list) and arg:
            text = arg[0]
            variables = arg[1] if len(arg) == 2 and isinstance(arg[1], dict) else {}
        for variable in _SUB_VARIABLE.findall(text) if isinstance(text, str) else ():
            if variable not in variables:
                named.add(variable.split(".", 1)[0])
    named &= resources.keys()
    parts = [_Uses(named, dict.fromkeys(named, path))]
    parts += [_uses(value, (*path, key), resources) for key, value in node.items()]
    return _merge(parts)


def _merge(parts: list[_Uses]) -> _Uses:
    merged = _Uses(set(), {})
    for part in parts:
        merged.always |= part.always
        for name, where in part.where.items():
            merged.where.setdefault(name, where)
    return merged


def _shown(path: Path) -> str:
    return "/".join(str(p) for p in path)


class RedundantDependsOn(Fixer):
    """Checks for `DependsOn` entries that a `Ref`, `Fn::GetAtt` or `Fn::Sub` already implies.

    ## What it does
    Finds an entry of a resource's `DependsOn` naming a resource that the same
    resource already references (with `Ref`, `Fn::GetAtt`, or a `${Name}` or
    `${Name.Attribute}` variable of `Fn::Sub`) anywhere in its definition:
    `Properties`, `Metadata`, `UpdatePolicy` and the rest. It removes the entry,
    and the whole `DependsOn` key when no entry is left (a string `DependsOn`, or
    a list whose every entry is implied).

    A reference that appears only in one branch of an `Fn::If` is not always
    there: when the condition picks the other branch, the `DependsOn` entry is
    the only dependency. cfn-lint (W3005) reports those entries too; they are
    reported here without a fix. A reference in both branches counts as always
    there.

    Sub variables are read as cfn-lint's dependency graph reads them
    (`${Name}`, no spaces inside the braces); a name defined in the `Fn::Sub`
    variable map is not a reference.

    ## Why is this bad?
    CloudFormation already creates a resource after every resource it
    references. The extra entry says nothing, yet has to be kept in step by
    hand: when the reference goes, the stale `DependsOn` keeps an ordering
    nobody asked for, and when a reader sees it they look for a reason that is
    not there.

    ## Example
    ```yaml
    Resources:
      Listener:
        Type: AWS::ElasticLoadBalancingV2::Listener
        DependsOn: [LoadBalancer, TargetGroup]
        Properties:
          LoadBalancerArn: !Ref LoadBalancer
          DefaultActions:
            - Type: forward
              TargetGroupArn: !Ref TargetGroup
    ```

    Use instead:
    ```yaml
    Resources:
      Listener:
        Type: AWS::ElasticLoadBalancingV2::Listener
        Properties:
          LoadBalancerArn: !Ref LoadBalancer
          DefaultActions:
            - Type: forward
              TargetGroupArn: !Ref TargetGroup
    ```

    ## Fix safety
    The fix is safe: the removed entries name resources the resource references
    whatever the conditions, so CloudFormation creates, updates and deletes the
    resources in the same order as before.

    ## References
    - [DependsOn attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html)
    - [Optimize AWS CloudFormation templates](https://aws.amazon.com/blogs/devops/optimize-aws-cloudformation-templates/)
    - cfn-lint rule W3005 (obsolete DependsOn)
    """

    code: ClassVar[str] = "CFX103"
    name: ClassVar[str] = "redundant-depends-on"
    summary: ClassVar[str] = "DependsOn entry already implied by a reference"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W3005",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        resources = template.resources
        for name, resource in resources.items():
            if not isinstance(resource, dict) or "DependsOn" not in resource:
                continue
            depends = resource["DependsOn"]
            key: Path = ("Resources", name, "DependsOn")
            if isinstance(depends, str):
                entries: list[tuple[Path, Any]] = [(key, depends)]
            elif isinstance(depends, list):
                entries = [((*key, i), item) for i, item in enumerate(depends)]
            else:
                continue
            if not any(isinstance(target, str) and target in resources for _path, target in entries):
                continue
            uses = _uses({k: v for k, v in resource.items() if k != "DependsOn"}, ("Resources", name),
                         resources)
            implied = [(path, t) for path, t in entries if isinstance(t, str) and t in uses.always]
            conditional = [(path, t) for path, t in entries
                           if isinstance(t, str) and t in uses.where and t not in uses.always]
            if implied:
                yield self._remove(name, key, len(entries), implied, uses)
            for path, target in conditional:
                yield self.finding(
                    path,
                    f"Resource `{name}` lists `{target}` in `DependsOn`, and references it at "
                    f"`{_shown(uses.where[target])}`",
                    no_fix_reason="the reference is only in one branch of an `Fn::If`, so the "
                                  "`DependsOn` entry is the only dependency when the condition picks "
                                  "the other one",
                )

    def _remove(self, name: str, key: Path, count: int, implied: list[tuple[Path, str]],
                uses: _Uses) -> Finding:
        targets = list(dict.fromkeys(t for _path, t in implied))
        where = ", ".join(f"`{t}` (at `{_shown(uses.where[t])}`)" for t in targets)
        noun = "entry" if len(targets) == 1 else "entries"
        message = f"Resource `{name}` has `DependsOn` {noun} its references already imply: {where}"
        edits: list[Edit]
        if len(implied) == count:
            edits = [Delete(path=key)]
            note = "removes `DependsOn`"
        else:
            edits = [Delete(path=path) for path, _t in implied]
            note = "removes " + ", ".join(f"`{t}`" for t in targets) + " from `DependsOn`"
        return self.finding(key, message, edits, note=note, related=[path for path, _t in implied])
