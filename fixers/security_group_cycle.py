"""CFX113 security-group-cycle: security groups whose inline rules refer to each other in a cycle
get the fewest rules moved out to standalone ingress and egress resources."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from cfnfix import cycles
from cfnfix.fixer import Fixer, LogicalIds, get_att, listed, new_resource, ref
from cfnfix.models import Applicability, Delete, Edit, Finding, Options, Path
from cfnfix.template import Reference, Template, intrinsic_function

GROUP_TYPE = "AWS::EC2::SecurityGroup"
INGRESS, EGRESS = "SecurityGroupIngress", "SecurityGroupEgress"
#: the standalone resource each inline rule list moves to
RULE_TYPES = {INGRESS: "AWS::EC2::SecurityGroupIngress", EGRESS: "AWS::EC2::SecurityGroupEgress"}
#: the key of a rule that names the other group, by list
PEER_KEYS = {INGRESS: ("SourceSecurityGroupId", "SourceSecurityGroupName"), EGRESS: ("DestinationSecurityGroupId",)}
SAM_PREFIX = "AWS::Serverless::"


@dataclass(frozen=True)
class _Rule:
    """One inline rule of a group that can move out: ``Properties.<key>[index]`` of ``group``."""

    group: str
    key: str
    index: int

    @property
    def path(self) -> Path:
        return ("Resources", self.group, "Properties", self.key, self.index)

    @property
    def egress(self) -> bool:
        return self.key == EGRESS


def _where(path: Path) -> str:
    """A path inside a resource as ``Properties.Tags[0].Value``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return f"`{text}`" if text else "its definition"


def _names(names: list[str]) -> str:
    return listed([f"`{n}`" for n in names])


def _shown_cycle(cycle: list[str]) -> str:
    return " -> ".join(f"`{n}`" for n in [*cycle, cycle[0]])


class _Component:
    """One strongly connected component of the dependency graph, its edges labelled by the
    inline rules that make them (None: an edge some other reference makes too)."""

    def __init__(self, template: Template, members: list[str]) -> None:
        self.template = template
        self.members = members
        dependencies = template.dependencies()
        inside = set(members)
        self.edges: dict[str, dict[str, frozenset[_Rule] | None]] = {}
        self.blockers: dict[tuple[str, str], str] = {}  # why an edge cannot go
        for source in members:
            self.edges[source] = {}
            for target, references in dependencies[source].items():
                if target not in inside:
                    continue
                rules: set[_Rule] = set()
                blocker = ""
                for reference in references:
                    rule, why = self._rule_of(source, reference)
                    if rule is None:
                        blocker = blocker or why
                    else:
                        rules.add(rule)
                self.edges[source][target] = None if blocker else frozenset(rules)
                if blocker:
                    self.blockers[(source, target)] = blocker

    def _rule_of(self, group: str, reference: Reference) -> tuple[_Rule | None, str]:
        """The movable inline rule holding ``reference``, or None and where the reference is."""
        inner = reference.path[2:]
        where = "its `DependsOn`" if inner[:1] == ("DependsOn",) else _where(inner)
        resource = self.template.resources.get(group)
        if not isinstance(resource, dict) or resource.get("Type") != GROUP_TYPE:
            return None, where
        if len(inner) < 3 or inner[0] != "Properties" or inner[1] not in RULE_TYPES:
            return None, where
        rules = self.template.get(("Resources", group, "Properties", inner[1]))
        function = intrinsic_function(rules)
        if function is not None or not isinstance(rules, list) or not isinstance(inner[2], int):
            return None, f"{_where(inner[:2])}, a rule list built by `{function or 'a function'}`"
        item = rules[inner[2]]
        function = intrinsic_function(item)
        if function is not None or not isinstance(item, dict):
            return None, f"{_where(inner[:3])}, a rule built by `{function or 'a function'}`"
        if "GroupId" in item or "GroupName" in item:
            return None, f"{_where(inner[:3])}, a rule that names its own group"
        if _commented(self.template, ("Resources", group, "Properties", inner[1]), inner[2]):
            return None, (f"{_where(inner[:3])}, a rule with a comment that moving it out "
                          "would lose")
        return _Rule(group, inner[1], inner[2]), where

    def fixed_cycle_reason(self) -> str | None:
        """Why no move of rules breaks the component's cycles, when one is made only of other references."""
        cycle = cycles.fixed_cycle(self.edges)
        if cycle is None:
            return None
        steps = [f"`{source}` refers to `{target}` in {self.blockers[(source, target)]}"
                 for source, target in cycles.cycle_edges(cycle)]
        return (f"the cycle {_shown_cycle(cycle)} goes through references that no move of an inline "
                f"security-group rule removes ({'; '.join(steps)}); break it by hand")


def _commented(template: Template, path: Path, index: int) -> bool:
    """Whether a comment goes with item ``index`` of the rule list at ``path``: on its lines, on the
    comment lines just above it (for the first item, the list's key line too) or just below it,
    indented under its dash. Moving the rule deletes those lines, and a fix carries data, not comments."""
    if not template.comment_starts():
        return False
    rules = template.node_at(path)
    if rules is None or rules.id != "sequence" or index >= len(rules.value):
        return False
    item = rules.value[index]
    text = template.text
    last = item
    while last.id != "scalar" and last.value:  # a block collection ends where the next token begins
        last = last.value[-1][1] if last.id == "mapping" else last.value[-1]
    start = text.rfind("\n", 0, item.start_mark.index) + 1
    dash = item.start_mark.column - 2
    while start > 0:  # the comment (and blank) lines above it
        above = text.rfind("\n", 0, start - 1) + 1
        line = text[above:start].strip()
        if line and not line.startswith("#"):
            if index == 0 and not rules.flow_style:
                start = above  # the key the list hangs from: deleted with its last rule
            break
        start = above
    stop = text.find("\n", max(last.end_mark.index, item.end_mark.index if item.flow_style else 0))
    while stop != -1:  # the comment lines below it, indented under its dash
        following = text.find("\n", stop + 1)
        line = text[stop + 1 : following if following != -1 else len(text)]
        if not line.lstrip().startswith("#") or len(line) - len(line.lstrip()) <= dash:
            break
        stop = following
    return template.comments_between(start, len(text) if stop == -1 else stop)


def _plain_egress_rules(template: Template, group: str) -> int:
    """How many inline egress rules of ``group`` are plain mappings (sure to stay whatever the conditions)."""
    rules = template.get(("Resources", group, "Properties", EGRESS))
    if not isinstance(rules, list):
        return 0
    return sum(1 for item in rules if isinstance(item, dict) and intrinsic_function(item) is None)


class SecurityGroupCycle(Fixer):
    """Checks for circular dependencies, and breaks those made by security groups' inline rules.

    ## What it does
    Finds every circular dependency between resources (a strongly connected component
    of the graph of `Ref`, `Fn::GetAtt`, `${}` in `Fn::Sub` and `DependsOn`, the graph
    cfn-lint's E3004 reads), reported once per component at its first resource, with
    the others as related places. The usual one is made by security groups whose inline
    rules name each other: `SourceSecurityGroupId: !Ref Other` (or `!GetAtt
    Other.GroupId`, or `SourceSecurityGroupName`) in `SecurityGroupIngress`,
    `DestinationSecurityGroupId` in `SecurityGroupEgress`, or a group naming itself.

    The fix moves rules out of their groups: each becomes a standalone
    `AWS::EC2::SecurityGroupIngress` or `AWS::EC2::SecurityGroupEgress` resource with
    `GroupId: !Ref Group` (`!GetAtt Group.GroupId` for a group without a `VpcId`, whose
    `Ref` is its name) and the rule's other keys as they were, its `Description`
    included. It is placed right after the group and carries the group's `Condition`.
    The rule leaves the group's list (the whole key when the list empties); the rules
    that stay keep their order.

    It moves the fewest rules that break every cycle of the component, and among
    those, ingress rules rather than egress rules, then the earliest rules. A group
    with no inline egress rule gets AWS's default rule that allows all outbound
    traffic, so the last plain inline egress rule of a group is never moved: the fix
    moves the other side's ingress rule instead, or, when nothing else breaks the
    cycle, reports it without a fix. The search is exact (it branches on the rules of
    a shortest remaining cycle, deepening one rule at a time) until it has visited
    200,000 edges, far more than a component of a dozen groups needs; beyond that a
    greedy search takes over, which breaks every cycle but may move a few more rules
    than needed (the note says so).

    Reported without a fix:
    - a cycle that goes only through other references (a `DependsOn`, a `Ref` in
      another property, a `GetAtt` of another resource): no rule move breaks it;
      the reason names each reference;
    - a rule inside `Fn::If` (`- !If [Cond, {...}, !Ref AWS::NoValue]`) or a rule
      list built by a function: moving it would need a new condition combining the
      group's and the `Fn::If`'s, so it is treated as a fixed reference. A
      rule whose values hold an `Fn::If` (`SourceSecurityGroupId: !If [...]`) moves
      as it is: the standalone resource's property resolves the same way;
    - a component with a SAM resource (`AWS::Serverless::*`): the transform rewrites
      it into other resources, so whether the cycle remains is not known here. Like
      cfn-lint, a component whose every edge touches a SAM resource is not reported.

    ## Why is this bad?
    CloudFormation must create a resource after everything it refers to, so it
    rejects a template whose resources refer to each other in a circle (`Circular
    dependency between resources: [AppSecurityGroup, DbSecurityGroup]`) before
    creating anything. Two groups that allow traffic from each other, written as
    inline rules, are the most common cause in generated templates.

    ## Example
    ```yaml
    Resources:
      AppSecurityGroup:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: App servers
          VpcId: !Ref Vpc
          SecurityGroupEgress:
            - IpProtocol: tcp
              FromPort: 5432
              ToPort: 5432
              DestinationSecurityGroupId: !Ref DbSecurityGroup
      DbSecurityGroup:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: Database
          VpcId: !Ref Vpc
          SecurityGroupIngress:
            - IpProtocol: tcp
              FromPort: 5432
              ToPort: 5432
              SourceSecurityGroupId: !Ref AppSecurityGroup
              Description: Postgres from the app
    ```

    Use instead:
    ```yaml
    Resources:
      AppSecurityGroup:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: App servers
          VpcId: !Ref Vpc
          SecurityGroupEgress:
            - IpProtocol: tcp
              FromPort: 5432
              ToPort: 5432
              DestinationSecurityGroupId: !Ref DbSecurityGroup
      DbSecurityGroup:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: Database
          VpcId: !Ref Vpc
      DbSecurityGroupIngressFromAppSecurityGroup:
        Type: AWS::EC2::SecurityGroupIngress
        Properties:
          GroupId: !Ref DbSecurityGroup
          IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          SourceSecurityGroupId: !Ref AppSecurityGroup
          Description: Postgres from the app
    ```

    ## Fix safety
    The fix is safe: a standalone ingress or egress resource adds the same rule to the
    same group as the inline one did, and the template could not be deployed before,
    so no stack holds the old form. No group loses its last inline egress rule, so
    none gains AWS's default allow-all egress rule. While the stack is created, the
    moved rules are added just after both groups exist rather than with the group.
    A rule with a comment on its lines, or on the comment lines around it, is not moved:
    a fix carries data, not comments, and the comment would be lost. A cycle that only
    such a rule can break is reported without a fix.

    ## References
    - [AWS::EC2::SecurityGroup](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html)
      (the note on circular dependencies and standalone ingress and egress resources)
    - [AWS::EC2::SecurityGroupIngress](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupingress.html)
    - [AWS::EC2::SecurityGroupEgress](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupegress.html)
    - cfn-lint rule E3004 (Resource dependencies are not circular)
    """

    code: ClassVar[str] = "CFX113"
    name: ClassVar[str] = "security-group-cycle"
    summary: ClassVar[str] = "Circular dependency, broken by moving security-group rules out"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("E3004",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        components = cycles.cyclic_components(template.dependencies())
        if not components:
            return
        ids = LogicalIds(template)
        order = {name: i for i, name in enumerate(template.resources)}
        for members in components:
            finding = self._component(template, members, ids, order)
            if finding is not None:
                yield finding

    def _component(self, template: Template, members: list[str], ids: LogicalIds,
                   order: dict[str, int]) -> Finding | None:
        path: Path = ("Resources", members[0])
        related = [("Resources", m) for m in members[1:]]
        if len(members) == 1:
            message = f"`{members[0]}` refers to itself: a circular dependency CloudFormation rejects"
        else:
            message = f"Circular dependency between {_names(members)}: CloudFormation cannot order their creation"
        resources = template.resources
        sam = [m for m in members if isinstance(resources[m], dict)
               and str(resources[m].get("Type", "")).startswith(SAM_PREFIX)]
        if sam:
            dependencies = template.dependencies()
            if not any(t in members and t not in sam for m in members if m not in sam for t in dependencies[m]):
                return None  # every edge touches a SAM resource: cfn-lint does not report it either
            return self.finding(path, message, related=related, no_fix_reason=(
                f"it goes through {_names(sam)}, which the SAM transform rewrites into other resources; "
                "whether the cycle remains depends on them"))
        component = _Component(template, members)
        reason = component.fixed_cycle_reason()
        if reason is not None:
            return self.finding(path, message, related=related, no_fix_reason=reason)
        egress_room = {m: _plain_egress_rules(template, m) for m in members}

        def allowed(rules: frozenset[_Rule]) -> bool:
            moved: dict[str, int] = {}
            for rule in rules:
                if rule.egress:
                    moved[rule.group] = moved.get(rule.group, 0) + 1
            return all(count < egress_room[group] for group, count in moved.items())

        def preference(rules: frozenset[_Rule]) -> tuple[int, list[tuple[int, bool, int]]]:
            return (sum(r.egress for r in rules), sorted((order[r.group], r.egress, r.index) for r in rules))

        cut = cycles.minimum_feedback_set(component.edges, allowed=allowed, preference=preference)
        if cut is None:
            return self.finding(path, message, related=related, no_fix_reason=self._egress_reason(component, allowed))
        edits, moved = self._moves(template, sorted(cut.items, key=lambda r: (order[r.group], r.egress, r.index)), ids)
        note = "moves " + "; ".join(moved)
        if not cut.exact:
            note += " (a greedy choice: the component is too large for an exact search, so fewer moves may do)"
        return self.finding(path, message, edits, note=note, related=related)

    @staticmethod
    def _egress_reason(component: _Component, allowed: Callable[[frozenset[_Rule]], bool]) -> str:
        """Why no allowed move breaks the component: the cycle whose every edge would take a group's
        last egress rule (or cannot go), when there is one, else the groups whose egress rules it needs."""
        blocked = {source: {target: None if rules is None or not allowed(rules) else rules
                            for target, rules in targets.items()} for source, targets in component.edges.items()}
        cycle = cycles.fixed_cycle(blocked)
        edges = cycles.cycle_edges(cycle) if cycle else [(s, t) for s in blocked for t in blocked[s]]
        groups = sorted({rule.group for source, target in edges for rule in component.edges[source][target] or ()
                         if rule.egress}, key=component.members.index)
        which = _names(groups).replace(" and ", " or ") if groups else "a group"
        where = f"the cycle {_shown_cycle(cycle)}" if cycle else "it"
        return (f"every way to break {where} moves the last inline egress rule of {which} out, and a group "
                "left with no inline egress rule gets AWS's default rule allowing all outbound traffic")

    @staticmethod
    def _moves(template: Template, rules: list[_Rule], ids: LogicalIds) -> tuple[list[Edit], list[str]]:
        edits: list[Edit] = []
        described: list[str] = []
        lists: dict[tuple[str, str], list[_Rule]] = {}
        for rule in rules:
            lists.setdefault((rule.group, rule.key), []).append(rule)
        for rule in rules:
            item: dict[str, Any] = template.get(rule.path)
            peer = next((v for k in PEER_KEYS[rule.key] if (v := _resource_named(item.get(k))) in template.resources),
                        None)
            base = f"{rule.group}{'Egress' if rule.egress else 'Ingress'}"
            if peer:
                base += ("To" if rule.egress else "From") + ("Self" if peer == rule.group else peer)
            logical_id = ids.new(base)
            properties = {"GroupId": _group_id(template, rule.group), **item}
            edits.append(new_resource(template, logical_id, RULE_TYPES[rule.key], properties, serves=rule.group))
            kind = "egress" if rule.egress else "ingress"
            peer_text = f" ({'to' if rule.egress else 'from'} `{peer}`)" if peer else ""
            described.append(f"`{rule.group}`'s {kind} rule {rule.index + 1}{peer_text} to `{logical_id}`")
        for (group, key), moved in lists.items():
            every = template.get(("Resources", group, "Properties", key))
            if isinstance(every, list) and len(moved) == len(every):
                edits.append(Delete(path=("Resources", group, "Properties", key)))
            else:
                edits += [Delete(path=rule.path) for rule in moved]
        return edits, described


def _resource_named(value: Any) -> str | None:
    """The resource a ``Ref`` or ``Fn::GetAtt`` names, else None."""
    function = intrinsic_function(value)
    if function == "Ref" and isinstance(value["Ref"], str):
        return str(value["Ref"])
    if function == "Fn::GetAtt" and isinstance(value[function], list) and value[function]:
        name = value[function][0]
        return name if isinstance(name, str) else None
    return None


def _group_id(template: Template, group: str) -> dict[str, Any]:
    """``!Ref Group`` for a group in a VPC (its id); ``!GetAtt Group.GroupId`` when the `Ref` may give its name."""
    vpc = template.get(("Resources", group, "Properties", "VpcId"))
    if vpc is not None and intrinsic_function(vpc) != "Fn::If":
        return ref(group)
    return get_att(group, "GroupId")
