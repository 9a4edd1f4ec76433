"""CFX208 unused-security-group: an ``AWS::EC2::SecurityGroup`` nothing references is removed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from cfnfix import unused
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Finding, Options, Path
from cfnfix.template import Template, intrinsic_function

GROUP_TYPE = "AWS::EC2::SecurityGroup"
#: the references that make a group used (a condition or mapping of the same name is another thing)
USES = ("Ref", "GetAtt", "Sub", "DependsOn")
#: tag keys by which tools outside the template find security groups (EKS, Karpenter)
DISCOVERY_TAGS = ("kubernetes.io/", "karpenter.sh/")


def _where(path: Path) -> str:
    return "/".join(str(p) for p in path)


def _computed_target(template: Template) -> str:
    """Why any resource may be referenced in ways the model cannot see: a ``Ref`` or ``Fn::GetAtt``
    whose target is built by a function, or an ``Fn::ForEach`` loop (whose references name resources
    with the loop's variable); else ''."""

    def compute() -> str:
        loops = [key for key in template.indexed_keys() if key.startswith("Fn::ForEach::")]
        if loops:
            path = template.nodes_with(loops[0])[0][0]
            return f"the `Fn::ForEach` loop at `{_where((*path, loops[0]))}` may name it with its variable"
        for path, value in template.calls("Ref"):
            if not isinstance(value["Ref"], str):
                return f"the `Ref` at `{_where(path)}` names its target with a function, which may give this group"
        for path, value in template.calls("Fn::GetAtt"):
            arg = value["Fn::GetAtt"]
            if not (isinstance(arg, list) and arg and isinstance(arg[0], str)):
                return f"the `Fn::GetAtt` at `{_where(path)}` names its resource with a function"
        return ""

    return template.memo("unused-security-group:computed-target", compute)


_PREFIX = 4  # names are found inside strings by their first characters, then compared whole


def _name_uses(template: Template, names: dict[str, Any]) -> tuple[set[str], dict[str, Path]]:
    """For the groups whose ``GroupName`` is given: those whose name value appears as a whole outside
    the group (a use by name), and for the others the first string outside the group that contains
    the literal name (which may be one). One pass over the template's strings, each looked at once
    per character (not once per group)."""
    literal = {group: name for group, name in names.items() if isinstance(name, str) and name}
    by_name: dict[str, list[str]] = {}
    by_prefix: dict[str, list[str]] = {}
    short: list[str] = []
    for group, name in literal.items():
        by_name.setdefault(name, []).append(group)
        if len(name) >= _PREFIX:
            by_prefix.setdefault(name[:_PREFIX], []).append(name)
        else:
            short.append(name)
    computed: dict[str, list[str]] = {}
    for group, name in names.items():
        if intrinsic_function(name) is not None:
            computed.setdefault(json.dumps(name, sort_keys=True), []).append(group)
    functions = {intrinsic_function(name) for name in names.values() if intrinsic_function(name) is not None}
    used: set[str] = set()
    inside: dict[str, Path] = {}
    for path, value in template.walk():
        if isinstance(value, str):
            found = {n for n in short if n in value}
            for i in range(len(value) - _PREFIX + 1):
                for name in by_prefix.get(value[i:i + _PREFIX], ()):
                    if value.startswith(name, i):
                        found.add(name)
            matches = [(group, name == value) for name in found for group in by_name[name]]
        elif isinstance(value, dict) and intrinsic_function(value) in functions:
            matches = [(group, True) for group in computed.get(json.dumps(value, sort_keys=True), ())]
        else:
            continue
        for group, whole in matches:
            if path[:2] == ("Resources", group):
                continue
            if whole:
                used.add(group)
            else:
                inside.setdefault(group, path)
    return used, inside


class UnusedSecurityGroup(Fixer):
    """Checks for security groups that nothing in the template uses.

    ## What it does
    Finds an `AWS::EC2::SecurityGroup` that no `Ref`, `Fn::GetAtt`, `${}` variable of
    `Fn::Sub` or `DependsOn` names anywhere else in the template: not another resource
    (an instance, a load balancer, a Lambda function's `VpcConfig`, another group's
    rule, a standalone `AWS::EC2::SecurityGroupIngress`), not an Output, not SAM's
    `Globals`. A group's references to itself (a rule allowing traffic from its own
    members) do not count. Two groups that only name each other are both used.

    The fix removes the group's resource. What only the group used goes with it, so
    that nothing is newly left unused: a condition only it (or a condition removed
    with it) uses, then a parameter (with its interface metadata) or a mapping only
    those use. Unused groups that share something only they use (a parameter two
    of them read) are removed by one fix, with it: the fix of each removes them all,
    since two fixes applied in one pass would leave the parameter behind, unused.

    A group whose `GroupName` value appears as a whole elsewhere in the template is
    used by name (as by an instance's `SecurityGroups` in a default VPC), so it is not
    reported.

    Reported without a fix:
    - a group whose literal `GroupName` is part of a longer string elsewhere (a boot
      script that looks the group up by name): it may be used by name;
    - a group with a tag by which tools outside the template find groups
      (`kubernetes.io/cluster/...`, `karpenter.sh/discovery`);
    - every unused group of a template a macro or preprocessor rewrites before
      CloudFormation reads it (a macro `Transform`, `Fn::Transform`, Rain tags), with an
      `Fn::ForEach` loop (whose references name resources with the loop's variable), or
      in which a `Ref` or `Fn::GetAtt` names its target with a function: any may use it;
    - the template's only resource (a template needs one), and a group whose removal
      would leave unused a parameter or mapping that cannot be removed (one read by
      `Fn::ValueOf` in `Rules`, say).

    ## Why is this bad?
    An unused group is left over from a design change, or was made for a feature the
    template never built (a VPC link for a REGIONAL API). It costs nothing, but it
    misleads whoever reads the template or audits the account (its rules look like
    open ports), counts against the per-VPC limit of security groups, and is one more
    resource to create and delete with every stack.

    ## Example
    ```yaml
    Resources:
      APIGatewaySecurityGroup:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: Security group for API Gateway VPC Link
          VpcId: !Ref VPC
          SecurityGroupIngress:
            - IpProtocol: tcp
              FromPort: 443
              ToPort: 443
              CidrIp: 0.0.0.0/0
      Api:
        Type: AWS::ApiGateway::RestApi
        Properties:
          Name: media-api
          EndpointConfiguration:
            Types: [REGIONAL]
    ```

    Use instead:
    ```yaml
    Resources:
      Api:
        Type: AWS::ApiGateway::RestApi
        Properties:
          Name: media-api
          EndpointConfiguration:
            Types: [REGIONAL]
    ```

    ## Fix safety
    The fix is unsafe: it deletes a resource. An update of a stack that already has
    the group deletes it, and that fails (`DependencyViolation`) or cuts traffic if
    something outside the stack uses it: an instance or network interface attached by
    hand or by another stack given its id, a rule in another group that names it, a
    tool that found it by name or tag. An Output naming the group (an export another
    stack may import) is a use, so such a group is never reported. Removing a
    parameter only the group used also changes the template's interface (see
    unused-parameter, CFX107).

    ## References
    - [AWS::EC2::SecurityGroup](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html)
    - [Delete a security group](https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html)
    """

    code: ClassVar[str] = "CFX208"
    name: ClassVar[str] = "unused-security-group"
    summary: ClassVar[str] = "Security group that nothing references"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        unused_groups = [name for name, _resource in template.resources_of_type(GROUP_TYPE)
                         if not any(r.kind in USES and r.path[:2] != ("Resources", name)
                                    for r in template.references_to(name))]
        if not unused_groups:
            return
        resources = template.resources
        names = {g: resources[g]["Properties"]["GroupName"] for g in unused_groups
                 if isinstance(resources[g].get("Properties"), dict) and "GroupName" in resources[g]["Properties"]}
        named, mentioned = _name_uses(template, names) if names else (set(), {})
        unused_groups = [g for g in unused_groups if g not in named]
        rewriter = template.rewritten_by()
        blocked = f"{rewriter} may use it" if rewriter else _computed_target(template)
        reasons: dict[str, str] = {}
        for group in unused_groups:
            if group in mentioned:
                reasons[group] = (f"its `GroupName` appears in the string at `{_where(mentioned[group])}`: the "
                                  "template may use it by name")
            elif tag := _discovery_tag(resources[group]):
                reasons[group] = f"its tag `{tag}` lets tools outside the template find it"
            elif blocked:
                reasons[group] = blocked
        fixable = [g for g in unused_groups if g not in reasons]
        if fixable and len(fixable) == len(resources):
            kept = fixable.pop()
            reasons[kept] = ("it is the template's only resource" if len(resources) == 1 else
                             "it is the last of the template's resources once the other unused groups go")
        removals = self._removals(template, fixable)
        for group in unused_groups:
            path: Path = ("Resources", group)
            message = f"Security group `{group}` is not used: nothing in the template refers to it"
            if group in reasons:
                yield self.finding(path, message, no_fix_reason=reasons[group])
                continue
            removal = removals.get(group)
            if removal is None:
                yield self.finding(path, message, no_fix_reason=(
                    "removing it would leave unused a parameter or mapping that cannot be removed with it"))
                continue
            together, paths, names_gone = removal
            note = f"removes the security group `{group}`"
            others = [g for g in together if g != group]
            if others:
                note += "; also " + ", ".join(f"`{g}`" for g in others) + ", unused too, which share what only they use"
            if names_gone:
                note += "; and " + ", ".join(f"`{n}`" for n in names_gone)
                note += ", which only they used" if others else ", which only it used"
            yield self.finding(path, message, [Delete(path=p) for p in paths], note=note)

    @staticmethod
    def _removals(template: Template, fixable: list[str]) -> dict[str, tuple[list[str], list[Path], list[str]]]:
        """For each removable group: the groups its fix removes, the nodes to delete, and the names of
        what goes with them. Groups that alone use a condition, parameter or mapping (directly, or
        through conditions that go too) are removed together with it, in one fix; a cluster whose
        removal leaves unused something that cannot go is left out."""
        clusters = _clusters(template, fixable)
        removals: dict[str, tuple[list[str], list[Path], list[str]]] = {}
        for groups in clusters:
            nodes: list[Path] = [("Resources", g) for g in groups]
            orphans = unused.orphans(template, nodes) if len(clusters[groups]) else ([], [], False)
            if orphans is None:
                continue
            for group in groups:
                removals[group] = (list(groups), nodes + orphans[0], orphans[1])
        return removals


def _clusters(template: Template, groups: list[str]) -> dict[tuple[str, ...], set[str]]:
    """The groups whose removals must go together, each with the names (conditions, parameters,
    mappings) that only they use, as the reference index sees it (a superset of what cfn-lint's
    W8001, W2001 and W7001 would then find unused, which :func:`cfnfix.unused.orphans` decides)."""
    kinds = ("Ref", "Sub", "Condition", "If", "FindInMap")
    condition_users = unused.condition_users(template) if template.section("Conditions") else {}
    candidates = [*template.parameters, *template.section("Conditions"), *template.section("Mappings")]

    def users(name: str) -> set[Path]:
        found = {r.path[:2] for r in template.references_to(name) if r.kind in kinds}
        return found | condition_users.get(name, set())

    gone: set[Path] = {("Resources", g) for g in groups}
    owned: dict[str, set[Path]] = {}
    changed = True
    while changed:
        changed = False
        for name in candidates:
            if name in owned:
                continue
            who = users(name)
            if who and who <= gone:
                owned[name] = who
                if name in template.section("Conditions"):
                    gone.add(("Conditions", name))
                changed = True
    parent: dict[Path, Path] = {}

    def node_of(name: str) -> Path:
        for section in ("Conditions", "Parameters"):
            if name in template.section(section):
                return (section, name)
        return ("Mappings", name)

    def root(node: Path) -> Path:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    for name, who in owned.items():
        for user in who:
            parent[root(user)] = root(node_of(name))
    clusters: dict[Path, list[str]] = {}
    for group in groups:
        clusters.setdefault(root(("Resources", group)), []).append(group)
    names_of: dict[Path, set[str]] = {}
    for name in owned:
        names_of.setdefault(root(node_of(name)), set()).add(name)
    return {tuple(members): names_of.get(key, set()) for key, members in clusters.items()}


def _discovery_tag(resource: dict[str, Any]) -> str:
    properties = resource.get("Properties")
    tags = properties.get("Tags") if isinstance(properties, dict) else None
    for tag in tags if isinstance(tags, list) else ():
        key = tag.get("Key") if isinstance(tag, dict) else None
        if isinstance(key, str) and key.startswith(DISCOVERY_TAGS):
            return key
    return ""
