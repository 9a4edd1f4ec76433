"""Unit tests of CFX102 hardcoded-az: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Finding, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.hardcoded_az import HardcodedAz


def template(resources: str) -> Template:
    text = "Resources:\n" + textwrap.indent(textwrap.dedent(resources), "  ")
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(resources: str) -> list[Finding]:
    return list(HardcodedAz().find(template(resources), Options()))


def subnet(name: str, zone: str) -> str:
    return (f"{name}:\n  Type: AWS::EC2::Subnet\n  Properties:\n    VpcId: vpc-12345678\n"
            f"    CidrBlock: 10.0.0.0/24\n    AvailabilityZone: {zone}\n")


def indexes(findings: list[Finding]) -> dict[str, int]:
    """The Select index each finding's fix writes, by resource."""
    out = {}
    for finding in findings:
        assert finding.fix is not None
        (edit,) = finding.fix.edits
        assert isinstance(edit, SetValue) and edit.path == finding.path
        out[f"{finding.path[1]}{finding.path[4:]}"] = edit.value["Fn::Select"][0]
        assert edit.value == {"Fn::Select": [edit.value["Fn::Select"][0], {"Fn::GetAZs": ""}]}
    return out


def test_metadata() -> None:
    fixer = HardcodedAz()
    assert (fixer.code, fixer.name) == ("CFX102", "hardcoded-az")
    assert fixer.applicability is Applicability.UNSAFE
    assert fixer.cfn_lint_rules == ("W3010",)
    docs = HardcodedAz.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in docs


def test_distinct_zones_get_distinct_indexes_by_sorted_order() -> None:
    found = find(subnet("C", "us-east-1c") + subnet("A", "us-east-1a") + subnet("A2", "us-east-1a")
                 + subnet("F", "us-east-1f"))
    assert indexes(found) == {"C()": 1, "A()": 0, "A2()": 0, "F()": 2}


def test_zones_are_numbered_per_region() -> None:
    found = find(subnet("East", "us-east-1b") + subnet("West", "eu-west-1c"))
    assert indexes(found) == {"East()": 0, "West()": 0}


def test_indexes_already_selected_are_skipped() -> None:
    found = find(subnet("Old", "!Select [0, !GetAZs '']") + subnet("New", "us-east-1d")
                 + subnet("Other", "!Select ['1', !GetAZs {Ref: AWS::Region}]") + subnet("Last", "us-east-1e"))
    assert indexes(found) == {"New()": 2, "Last()": 3}


def test_list_items() -> None:
    found = find("""\
    Group:
      Type: AWS::AutoScaling::AutoScalingGroup
      Properties:
        MinSize: '1'
        MaxSize: '2'
        AvailabilityZones: [us-east-1b, all, !Select [5, !GetAZs ''], us-east-1a]
    """)
    assert [f.path[-1] for f in found] == [0, 3]
    assert indexes(found) == {"Group(0,)": 1, "Group(3,)": 0}


def test_nested_patterns() -> None:
    found = find("""\
    Fleet:
      Type: AWS::EC2::SpotFleet
      Properties:
        SpotFleetRequestConfigData:
          LaunchTemplateConfigs:
            - Overrides:
                - AvailabilityZone: us-east-1a
                - InstanceType: t3.micro
          LaunchSpecifications:
            - Placement: {AvailabilityZone: us-east-1b}
    Group:
      Type: AWS::ElasticLoadBalancingV2::TargetGroup
      Properties:
        Targets:
          - Id: 10.0.0.1
            AvailabilityZone: all
    """)
    paths = {f.path for f in found}
    assert paths == {
        ("Resources", "Fleet", "Properties", "SpotFleetRequestConfigData", "LaunchTemplateConfigs", 0,
         "Overrides", 0, "AvailabilityZone"),
        ("Resources", "Fleet", "Properties", "SpotFleetRequestConfigData", "LaunchSpecifications", 0,
         "Placement", "AvailabilityZone"),
    }


def test_sub_without_variables_is_replaced_whole() -> None:
    found = find(subnet("A", "!Sub us-east-1a") + subnet("B", "!Sub '${AWS::Region}b'")
                 + subnet("C", "!Sub ['us-east-1c', {}]"))
    assert [f.path[1] for f in found] == ["A", "C"]
    assert indexes(found) == {"A()": 0, "C()": 1}


def test_intrinsics_other_than_sub_are_left_alone() -> None:
    assert find(subnet("A", "!If [Cond, us-east-1a, us-east-1b]") + subnet("B", "!Ref Zone")) == []


def test_unknown_zone_has_no_fix() -> None:
    (finding,) = find(subnet("Edge", "us-west-2-lax-1a"))
    assert finding.fix is None and "Local Zone" in (finding.no_fix_reason or "")


def test_list_where_one_zone_belongs_has_no_fix() -> None:
    (finding,) = find(subnet("A", "[us-east-1a]"))
    assert finding.fix is None and finding.path[-1] == "AvailabilityZone"


def test_unchecked_types_and_cdk_templates() -> None:
    assert find("""\
    Bucket:
      Type: AWS::S3::Bucket
      Properties:
        AvailabilityZone: us-east-1a
    """) == []
    assert find(subnet("A", "us-east-1a") + "CDKMetadata:\n  Type: AWS::CDK::Metadata\n") == []


def test_malformed_resources_are_skipped() -> None:
    assert find("A: x\nB:\n  Type: {Ref: Kind}\n  Properties:\n    AvailabilityZone: us-east-1a\n"
                "C:\n  Type: AWS::EC2::Subnet\n  Properties: [AvailabilityZone]\n") == []
