"""CFX102 hardcoded-az: a literal availability zone becomes ``!Select [N, !GetAZs '']``."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from cfnfix.cfnlint_data import availability_zones
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options, Path, SetValue
from cfnfix.template import Template, intrinsic_function, sub_variables

# The properties cfn-lint's W3010 checks, by resource type, below `Properties`; "*" is any
# list index. A path ending in "*" takes a list of zones, the others one zone.
ZONE_PROPERTIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::AutoScaling::AutoScalingGroup": (("AvailabilityZones", "*"),),
    "AWS::DAX::Cluster": (("AvailabilityZones", "*"),),
    "AWS::DMS::ReplicationInstance": (("AvailabilityZone",),),
    "AWS::EC2::Host": (("AvailabilityZone",),),
    "AWS::EC2::Instance": (("AvailabilityZone",),),
    "AWS::EC2::LaunchTemplate": (("LaunchTemplateData", "Placement", "AvailabilityZone"),),
    "AWS::EC2::SpotFleet": (
        ("SpotFleetRequestConfigData", "LaunchSpecifications", "*", "Placement", "AvailabilityZone"),
        ("SpotFleetRequestConfigData", "LaunchTemplateConfigs", "*", "Overrides", "*", "AvailabilityZone"),
    ),
    "AWS::EC2::Subnet": (("AvailabilityZone",),),
    "AWS::EC2::Volume": (("AvailabilityZone",),),
    "AWS::ElasticLoadBalancing::LoadBalancer": (("AvailabilityZones", "*"),),
    "AWS::ElasticLoadBalancingV2::TargetGroup": (("Targets", "*", "AvailabilityZone"),),
    "AWS::EMR::Cluster": (("Instances", "Placement", "AvailabilityZone"),),
    "AWS::Glue::Connection": (
        ("ConnectionInput", "PhysicalConnectionRequirements", "AvailabilityZone"),
    ),
    "AWS::OpsWorks::Instance": (("AvailabilityZone",),),
    "AWS::RDS::DBCluster": (("AvailabilityZones", "*"),),
    "AWS::RDS::DBInstance": (("AvailabilityZone",),),
}
EXEMPT = frozenset({"all"})  # `AvailabilityZones: [all]` is not a zone (cfn-lint exempts it too)


@functools.cache
def zone_regions() -> dict[str, str]:
    """Every availability zone cfn-lint knows, with its region."""
    return {zone: region for region, zones in availability_zones().items() for zone in zones}


def select_az(index: int) -> dict[str, Any]:
    return {"Fn::Select": [index, {"Fn::GetAZs": ""}]}


def is_cdk(template: Template) -> bool:
    """Whether the CDK wrote the template (cfn-lint's test): W3010 is silent on those."""
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, dict):
            continue
        metadata = resource.get("Metadata")
        if (resource.get("Type") == "AWS::CDK::Metadata" or logical_id == "CDKMetadata"
                or (isinstance(metadata, dict) and "aws:cdk:path" in metadata)):
            return True
    return False


def sub_literal(value: Any) -> str | None:
    """The text of an ``Fn::Sub`` without variables (``!Sub us-east-1a``), else None."""
    if intrinsic_function(value) != "Fn::Sub":
        return None
    arg = value["Fn::Sub"]
    if isinstance(arg, list) and len(arg) in (1, 2) and (len(arg) == 1 or arg[1] in ({}, None)):
        arg = arg[0]
    if isinstance(arg, str) and not sub_variables(arg) and "${" not in arg:
        return arg
    return None


@dataclass(frozen=True)
class _Literal:
    path: Path
    zone: str
    in_sub: bool = False
    #: why the literal cannot be rewritten, when it cannot
    problem: str | None = None


class HardcodedAz(Fixer):
    """Checks for availability zones written as literals (`us-east-1a`).

    ## What it does
    Finds a literal zone in the properties cfn-lint's W3010 checks (a subnet's,
    instance's, volume's or DB instance's `AvailabilityZone`, the items of an
    Auto Scaling group's, load balancer's, DAX or Aurora cluster's
    `AvailabilityZones`, a launch template's or spot fleet's `Placement`, ...)
    and writes `!Select [N, !GetAZs '']` instead.

    Distinct zones stay distinct and equal zones stay equal: the zones of one
    region written in the template are sorted, and the first one becomes index
    0, the next index 1, and so on (`us-east-1a`, `us-east-1c` -> 0, 1). Zones
    of different regions (resources behind region conditions) are numbered per
    region, so each keeps its place among its region's zones. Indexes the
    template already selects (`!Select [0, !GetAZs '']` on another subnet) are
    skipped, so a rewritten zone never lands on a zone already in use: with
    index 0 taken, `us-east-1a` and `us-east-1c` become 1 and 2.

    A zone written as an `Fn::Sub` without variables (`!Sub us-east-1a`), which
    cfn-lint does not report, is the same literal behind a needless `Sub`: the
    whole `Sub` is replaced by the `Select`. A `Sub` with variables
    (`!Sub '${AWS::Region}a'`) is not a literal and is left alone, as are
    zones inside `Fn::If` branches (cfn-lint does not report those either).

    A string that is not a zone cfn-lint knows (a Local Zone such as
    `us-west-2-lax-1a`, a zone ID such as `use1-az1`, a typo) is reported
    without a fix: `Fn::GetAZs` only returns availability zones. So is a list
    where the property takes one zone. Templates written by the CDK are not
    checked, as cfn-lint does not check them: the fix belongs in the CDK code.

    ## Why is this bad?
    A zone name only exists in its own region, so the template cannot be
    deployed to any other region. Zone names are also mapped to physical zones
    per account, and a zone may not be open to new accounts or may lack an
    instance type. `Fn::GetAZs` returns the zones of the region the stack is
    deployed in.

    ## Example
    ```yaml
    Resources:
      SubnetA:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: 10.0.0.0/24
          AvailabilityZone: us-east-1a
      SubnetB:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: 10.0.1.0/24
          AvailabilityZone: us-east-1c
    ```

    Use instead:
    ```yaml
    Resources:
      SubnetA:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: 10.0.0.0/24
          AvailabilityZone: !Select [0, !GetAZs '']
      SubnetB:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: 10.0.1.0/24
          AvailabilityZone: !Select [1, !GetAZs '']
    ```

    ## Fix safety
    The fix is unsafe: the zones chosen by index need not be the zones written
    (`us-east-1c` above becomes the account's second zone, `us-east-1b`), and
    in a deployed stack a new zone replaces the subnet, instance or volume. An
    index also needs the region to have that many zones open to the account.

    ## References
    - [Fn::GetAZs](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getavailabilityzones.html)
    - [Fn::Select](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-select.html)
    - [Availability Zone IDs](https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html)
    - cfn-lint rule W3010 (availability zones should not be hardcoded)
    """

    code: ClassVar[str] = "CFX102"
    name: ClassVar[str] = "hardcoded-az"
    summary: ClassVar[str] = "Availability zone written as a literal"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W3010",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        literals = list(self._literals(template))
        if not literals or is_cdk(template):
            return
        regions = zone_regions()
        by_region: dict[str, set[str]] = {}
        for literal in literals:
            if literal.problem is None and literal.zone in regions:
                by_region.setdefault(regions[literal.zone], set()).add(literal.zone)
        taken = _selected_indexes(template)
        index: dict[str, int] = {}
        for zones in by_region.values():
            free = (n for n in range(len(taken) + len(zones) + 1) if n not in taken)
            index.update(zip(sorted(zones), free, strict=False))
        for literal in literals:
            shown = f"`!Sub {literal.zone}`" if literal.in_sub else f"`{literal.zone}`"
            message = f"Availability zone {shown} is hardcoded"
            if literal.problem is not None:
                yield self.finding(literal.path, message, no_fix_reason=literal.problem)
            elif literal.zone not in index:
                yield self.finding(
                    literal.path, message,
                    no_fix_reason=f"`{literal.zone}` is not an availability zone cfn-lint knows "
                                  "(a Local Zone, a zone ID or a typo?); `Fn::GetAZs` cannot give it",
                )
            else:
                n = index[literal.zone]
                yield self.finding(
                    literal.path, message, [SetValue(path=literal.path, value=select_az(n))],
                    note=f"`{literal.zone}` becomes `!Select [{n}, !GetAZs '']`",
                )

    # --- where W3010 looks ----------------------------------------------------------------
    def _literals(self, template: Template) -> Iterator[_Literal]:
        for name, resource in template.resources.items():
            if not isinstance(resource, dict):
                continue
            kind = resource.get("Type")
            patterns = ZONE_PROPERTIES.get(kind) if isinstance(kind, str) else None
            properties = resource.get("Properties")
            if patterns is None or not isinstance(properties, dict):
                continue
            for pattern in patterns:
                for path, value in _match(properties, ("Resources", name, "Properties"), pattern):
                    yield from _zone_values(path, value, many=pattern[-1] == "*")


def _selected_indexes(template: Template) -> set[int]:
    """The indexes the template already picks with ``!Select [N, !GetAZs ...]``."""
    taken: set[int] = set()
    for _path, value in template.calls("Fn::Select"):
        arg = value["Fn::Select"]
        if isinstance(arg, list) and len(arg) == 2 and intrinsic_function(arg[1]) == "Fn::GetAZs":
            n = arg[0]
            if isinstance(n, str) and n.isdigit():
                n = int(n)
            if isinstance(n, int) and not isinstance(n, bool):
                taken.add(n)
    return taken


def _match(node: Any, path: Path, pattern: tuple[str, ...]) -> Iterator[tuple[Path, Any]]:
    """The nodes at ``pattern`` below ``node``, never stepping into an intrinsic function."""
    if not pattern:
        yield path, node
        return
    if intrinsic_function(node) is not None:
        return
    step, rest = pattern[0], pattern[1:]
    if step == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from _match(item, (*path, i), rest)
    elif isinstance(node, dict) and step in node:
        yield from _match(node[step], (*path, step), rest)


def _zone_values(path: Path, value: Any, many: bool) -> Iterator[_Literal]:
    if isinstance(value, str):
        if value not in EXEMPT:
            yield _Literal(path, value)
        return
    text = sub_literal(value)
    if text is not None and text not in EXEMPT:
        yield _Literal(path, text, in_sub=True)
        return
    if isinstance(value, list) and not many:
        # W3010 reports each string of a list where one zone belongs, at the property
        for item in value:
            if isinstance(item, str) and item not in EXEMPT:
                yield _Literal(path, item, problem="the property takes one zone, not a list; "
                                                   "which zone was meant cannot be told")
