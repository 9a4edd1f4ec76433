"""CFX003 region-map: what ``RegionMap.find`` reports and the entries it proposes."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest
import yaml

from cfnfix.cfnlint_data import regional_enum_rules
from cfnfix.models import Finding, InsertKey, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.region_map import (
    RegionMap,
    _allowed,
    _allowed_by_branches,
    _site,
    is_region_name,
    is_zone_of,
    region_zones,
    zones_of,
)


def find(text: str, *regions: str) -> list[Finding]:
    return find_with(text, {}, *regions)


def find_with(text: str, settings: dict[str, Any], *regions: str) -> list[Finding]:
    text = textwrap.dedent(text)
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    template = Template(to_data(node), node, "yaml")
    options = Options(regions=regions or ("us-east-1",), fixer_settings={"CFX003": settings})
    return list(RegionMap().find(template, options))


def mapped(text: str) -> str:
    """A Mappings section (indented like the test's code) followed by the shared resources."""
    return textwrap.dedent(text) + RESOURCES


def only_edit(finding: Finding) -> InsertKey:
    assert finding.fix is not None, finding.no_fix_reason
    (edit,) = finding.fix.edits
    assert isinstance(edit, InsertKey)
    return edit


RESOURCES = """
Resources:
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: vpc-12345678
      CidrBlock: 10.0.1.0/24
      AvailabilityZone: !Select [0, !FindInMap [RegionMap, !Ref 'AWS::Region', AZs]]
"""

SEED = """
Mappings:
  RegionMap:
    ap-northeast-1:
      AZs: ['ap-northeast-1a', 'ap-northeast-1c']
""" + RESOURCES


def test_seed_map_gets_us_east_1_zones() -> None:
    (finding,) = find(SEED)
    assert finding.code == "CFX003"
    assert finding.path == ("Mappings", "RegionMap")
    assert "us-east-1" in finding.message
    edit = only_edit(finding)
    assert edit.path == ("Mappings", "RegionMap")
    assert edit.key == "us-east-1"
    assert edit.after == "ap-northeast-1"
    assert edit.value == {"AZs": ["us-east-1a", "us-east-1b"]}


def test_one_finding_per_missing_region_in_settings_order() -> None:
    findings = find(SEED, "eu-west-1", "ap-northeast-1", "us-east-2", "eu-west-1")
    assert [only_edit(f).key for f in findings] == ["eu-west-1", "us-east-2"]
    assert all(only_edit(f).after == "ap-northeast-1" for f in findings)
    assert only_edit(findings[0]).value == {"AZs": ["eu-west-1a", "eu-west-1b"]}


def test_region_already_listed_is_not_reported() -> None:
    assert find(SEED, "ap-northeast-1") == []


def test_ami_id_is_never_invented() -> None:
    findings = find("""
        Mappings:
          RegionMap:
            us-west-2:
              AMI: ami-0c2d06d50ce30b442
              AZs: [us-west-2a, us-west-2b]
            eu-west-1:
              AMI: ami-0d71ea30463e0ff8d
              AZs: [eu-west-1a, eu-west-1b]
        Resources:
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: !FindInMap [RegionMap, !Ref 'AWS::Region', AMI]
              AvailabilityZone: !Select [0, !FindInMap [RegionMap, !Ref 'AWS::Region', AZs]]
    """)
    (finding,) = findings
    assert finding.fix is None
    assert finding.no_fix_reason is not None
    assert "AMI" in finding.no_fix_reason
    assert "resolve:ssm:/aws/service/ami-amazon-linux-latest" in finding.no_fix_reason


def test_same_ami_in_every_region_is_still_not_copied() -> None:
    (finding,) = find("""
        Mappings:
          RegionMap:
            us-west-2: {AMI: ami-0c2d06d50ce30b442}
            eu-west-1: {AMI: ami-0c2d06d50ce30b442}
        Resources:
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: !FindInMap [RegionMap, !Ref 'AWS::Region', AMI]
    """)
    assert finding.fix is None


def test_unread_keys_are_left_out_and_unreadable_ones_do_not_block() -> None:
    # AMI differs per region but nothing reads it: the entry is made of AZs alone
    (finding,) = find(mapped("""
        Mappings:
          RegionMap:
            ap-northeast-1:
              AMI: ami-0c2d06d50ce30b442
              AZs: ['ap-northeast-1a', 'ap-northeast-1c']
    """))
    assert only_edit(finding).value == {"AZs": ["us-east-1a", "us-east-1b"]}


def test_value_shared_by_two_regions_is_copied() -> None:
    (finding,) = find("""
        Mappings:
          RegionMap:
            eu-west-1: {Size: t3.small, AZs: [eu-west-1a, eu-west-1b]}
            eu-central-1: {Size: t3.small, AZs: [eu-central-1a, eu-central-1c]}
        Resources:
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'
              InstanceType: !FindInMap [RegionMap, !Ref 'AWS::Region', Size]
              AvailabilityZone: !Select [1, !FindInMap [RegionMap, !Ref 'AWS::Region', AZs]]
    """)
    edit = only_edit(finding)
    assert edit.value == {"Size": "t3.small", "AZs": ["us-east-1a", "us-east-1b"]}
    assert edit.after == "eu-central-1"


def test_instance_type_of_a_single_region_is_copied_where_offered() -> None:
    text = """
        Mappings:
          RegionMap:
            eu-west-1: {Size: m5.large}
        Resources:
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'
              InstanceType: !FindInMap [RegionMap, !Ref 'AWS::Region', Size]
    """
    offered, not_offered = find(text, "us-east-1", "mx-central-1")
    assert only_edit(offered).value == {"Size": "m5.large"}
    assert not_offered.fix is None
    assert "m5.large, which mx-central-1 does not offer as InstanceType of AWS::EC2::Instance" in (
        not_offered.no_fix_reason or "")


def test_value_shared_by_two_regions_is_not_copied_where_not_offered() -> None:
    (finding,) = find("""
        Mappings:
          RegionMap:
            eu-west-1: {Size: m5.large}
            eu-central-1: {Size: m5.large}
        Resources:
          Config:
            Type: AWS::EC2::LaunchTemplate
            Properties:
              LaunchTemplateData:
                InstanceType: !FindInMap [RegionMap, !Ref 'AWS::Region', Size]
    """, "mx-central-1")
    assert finding.fix is None and "does not offer" in (finding.no_fix_reason or "")


SINGLE = """
    Mappings:
      RegionMap:
        eu-west-1: {{Value: {value}}}
    Resources:
      Topic:
        Type: AWS::SNS::Topic
        Properties:
          DisplayName: !FindInMap [RegionMap, !Ref 'AWS::Region', Value]
"""


@pytest.mark.parametrize("value", ["10.0.0.0/16", "'2001:db8::/56'", "3", "0.5", "true", "'false'", "web-platform",
                                   "[10.0.0.0/24, 10.0.1.0/24]"])
def test_values_whose_kind_does_not_depend_on_the_region_are_copied(value: str) -> None:
    (finding,) = find(SINGLE.format(value=value))
    assert only_edit(finding).value == {"Value": yaml.safe_load(value)}
    assert (finding.fix and finding.fix.note) == "adds us-east-1 with Value copied from eu-west-1"


@pytest.mark.parametrize(("value", "why"), [
    ("'123456789012'", "holds an account id"),
    ("arn:aws:iam::123456789012:role/deployer", "holds an account id"),
    ("arn:aws:s3:::shared-artifacts", "holds an ARN"),
    ("Z2FDTNDATAQYW2", "holds a Route 53 hosted-zone id"),
])
def test_values_in_doubt_are_copied_only_with_the_setting(value: str, why: str) -> None:
    text = textwrap.dedent(SINGLE.format(value=value))
    (finding,) = find(text)
    assert finding.fix is None and why in (finding.no_fix_reason or "")
    assert "copy-single-region-values" in (finding.no_fix_reason or "")
    (copied,) = find_with(text, {"copy-single-region-values": True})
    assert only_edit(copied).value == {"Value": yaml.safe_load(value)}


@pytest.mark.parametrize(("value", "what"), [
    ("sg-0123456789abcdef0", "a resource id"),
    ("vol-12345678", "a resource id"),
    ("1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "a UUID"),
    ("arn:aws:acm:eu-west-1:123456789012:certificate/abc", "an ARN of a regional resource"),
    ("use1-az1", "an availability-zone id"),
    ("logs-eu-west-1", "the name of a region (eu-west-1)"),
    ("s3.ap-south-1.amazonaws.com", "the name of a region (ap-south-1)"),
])
def test_values_of_one_region_are_never_copied(value: str, what: str) -> None:
    (finding,) = find_with(textwrap.dedent(SINGLE.format(value=value)), {"copy-single-region-values": True})
    reason = finding.no_fix_reason or ""
    assert finding.fix is None and f"holds {what}" in reason and "which belongs to one region" in reason


def test_a_property_naming_something_of_one_region_leaves_the_value_in_doubt() -> None:
    (finding,) = find("""
        Mappings:
          RegionMap:
            eu-west-1: {Bucket: build-artifacts}
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Role: arn:aws:iam::123456789012:role/fn
              Handler: index.handler
              Runtime: python3.12
              Code:
                S3Bucket: !FindInMap [RegionMap, !Ref 'AWS::Region', Bucket]
                S3Key: fn.zip
    """)
    assert finding.fix is None
    assert "feeds Code.S3Bucket of AWS::Lambda::Function, which names something of one region" in (
        finding.no_fix_reason or "")


def test_an_offered_property_without_regional_data_leaves_the_value_in_doubt() -> None:
    (finding,) = find("""
        Mappings:
          RegionMap:
            eu-west-1: {Size: ml.t3.medium}
        Resources:
          Notebook:
            Type: AWS::SageMaker::NotebookInstance
            Properties:
              RoleArn: arn:aws:iam::123456789012:role/notebook
              InstanceType: !FindInMap [RegionMap, !Ref 'AWS::Region', Size]
    """)
    assert finding.fix is None and "cfn-lint has no regional data for in us-east-1" in (finding.no_fix_reason or "")


def test_a_value_only_part_of_another_keeps_the_kind_of_its_shape() -> None:
    (finding,) = find("""
        Mappings:
          RegionMap:
            eu-west-1: {Size: m5.large}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              DisplayName: !Join ['-', [!FindInMap [RegionMap, !Ref 'AWS::Region', Size], topic]]
    """, "mx-central-1")
    assert only_edit(finding).value == {"Size": "m5.large"}  # a name, not an instance type


def test_fed_properties_through_if_and_select() -> None:
    data = yaml.safe_load(textwrap.dedent("""
        Resources:
          Fleet:
            Type: AWS::EC2::EC2Fleet
            Properties:
              LaunchTemplateConfigs:
                - Overrides:
                    - InstanceType: x
          Db:
            Type: AWS::RDS::DBInstance
            Properties: {Engine: MySQL}
    """))
    template = Template(data, None, "yaml")
    fleet = ("Resources", "Fleet", "Properties", "LaunchTemplateConfigs", 0, "Overrides", 0, "InstanceType")
    site = _site(template, (*fleet, "Fn::If", 2))
    assert site is not None
    assert site.keyword == "Resources/AWS::EC2::EC2Fleet/Properties/LaunchTemplateConfigs/*/Overrides/*/InstanceType"
    select = _site(template, ("Resources", "Db", "Properties", "DBInstanceClass", "Fn::Select", 1))
    assert select is not None and select.name == "DBInstanceClass" and select.properties == {"Engine": "MySQL"}
    assert _site(template, ("Resources", "Db", "Properties", "DBName", "Fn::Join", 1, 0)) is None
    assert _site(template, ("Outputs", "Size", "Value")) is None
    assert "db.t3.micro" in (_allowed(select, "us-east-1") or ())


def test_db_instance_classes_follow_the_engine_and_license_model() -> None:
    schema = {"allOf": [
        {"if": {"properties": {"Engine": {"const": "mysql"}, "LicenseModel": False}, "required": ["Engine"]},
         "then": {"properties": {"DBInstanceClass": {"enum": ["db.m5.large", "db.t3.micro"]}}}},
        {"if": {"properties": {"Engine": {"const": "sqlserver-ex"}, "LicenseModel": {"const": "license-included"}},
                "required": ["Engine", "LicenseModel"]},
         "then": {"properties": {"DBInstanceClass": {"enum": ["db.t3.micro"]}}}},
    ]}
    assert _allowed_by_branches(schema, "DBInstanceClass", {"Engine": "MySQL"}) == {"db.m5.large", "db.t3.micro"}
    assert _allowed_by_branches(schema, "DBInstanceClass", {
        "Engine": "sqlserver-ex", "LicenseModel": "license-included"}) == {"db.t3.micro"}
    # an engine given by a parameter may be either; an engine no branch knows gets every class
    assert _allowed_by_branches(schema, "DBInstanceClass", {"Engine": {"Ref": "Engine"}}) == {
        "db.m5.large", "db.t3.micro"}
    assert _allowed_by_branches(schema, "DBInstanceClass", {"Engine": "oracle-ee"}) == {
        "db.m5.large", "db.t3.micro"}
    assert _allowed_by_branches(schema, "Other", {}) is None


def test_cfn_lint_regional_rules_are_read_without_importing_cfn_lint() -> None:
    rules = regional_enum_rules()
    assert rules["Resources/AWS::EC2::Instance/Properties/InstanceType"] == (
        "aws_ec2_instance", "instancetype_enum.json")
    assert rules["Resources/AWS::RDS::DBInstance/Properties"] == ("aws_rds_dbinstance", "dbinstanceclass_enum.json")


def test_differing_values_cannot_be_known() -> None:
    (finding,) = find("""
        Mappings:
          RegionMap:
            eu-west-1: {Size: t3.small}
            eu-central-1: {Size: t3.large}
        Resources:
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'
              InstanceType: !FindInMap [RegionMap, !Ref 'AWS::Region', Size]
    """)
    assert finding.fix is None
    assert finding.no_fix_reason is not None and "differs" in finding.no_fix_reason


def test_single_zone_keys_stay_distinct() -> None:
    (finding,) = find("""
        Mappings:
          RegionMap:
            eu-west-1: {AZ1: eu-west-1b, AZ2: eu-west-1c, Spare: eu-west-1b}
        Resources:
          A:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: vpc-12345678
              CidrBlock: 10.0.1.0/24
              AvailabilityZone: !FindInMap [RegionMap, !Ref 'AWS::Region', AZ1]
          B:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: vpc-12345678
              CidrBlock: 10.0.2.0/24
              AvailabilityZone: !FindInMap [RegionMap, !Ref 'AWS::Region', AZ2]
          C:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: vpc-12345678
              CidrBlock: 10.0.3.0/24
              AvailabilityZone: !FindInMap [RegionMap, !Ref 'AWS::Region', Spare]
    """)
    assert only_edit(finding).value == {"AZ1": "us-east-1a", "AZ2": "us-east-1b", "Spare": "us-east-1a"}


def test_zone_count_follows_the_region_listing_the_most() -> None:
    (finding,) = find(mapped("""
        Mappings:
          RegionMap:
            eu-west-1:
              AZs: [eu-west-1a, eu-west-1b]
            eu-central-1:
              AZs: [eu-central-1a, eu-central-1b, eu-central-1c]
    """))
    assert only_edit(finding).value == {"AZs": ["us-east-1a", "us-east-1b", "us-east-1c"]}


def test_region_with_too_few_zones_gets_no_fix() -> None:
    (finding,) = find(mapped("""
        Mappings:
          RegionMap:
            eu-west-1:
              AZs: [eu-west-1a, eu-west-1b, eu-west-1c]
    """), "us-west-1")
    assert finding.fix is None
    assert finding.no_fix_reason is not None and "us-west-1 has 2 availability zones" in finding.no_fix_reason


def test_unknown_target_region_gets_no_zone_fix() -> None:
    (finding,) = find(SEED, "xx-nowhere-9")
    assert finding.fix is None
    assert finding.no_fix_reason is not None and "no availability-zone data" in finding.no_fix_reason


def test_computed_second_key_uses_every_shared_key() -> None:
    (finding,) = find("""
        Parameters:
          Stage: {Type: String, AllowedValues: [dev, prod]}
        Mappings:
          SizeMap:
            eu-west-1: {dev: t3.micro, prod: m5.large, test: t3.nano}
            eu-central-1: {dev: t3.micro, prod: m5.large}
        Resources:
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'
              InstanceType: !FindInMap [SizeMap, !Ref 'AWS::Region', !Ref Stage]
    """)
    assert only_edit(finding).value == {"dev": "t3.micro", "prod": "m5.large"}


def test_key_no_region_has_blocks_the_entry() -> None:
    (finding,) = find(mapped("""
        Mappings:
          RegionMap:
            eu-west-1: {Other: x}
    """))
    assert finding.fix is None
    assert finding.no_fix_reason is not None and "'AZs'" in finding.no_fix_reason


def test_only_ref_aws_region_counts_as_a_region_read() -> None:
    assert find("""
        Parameters:
          Where: {Type: String}
        Mappings:
          RegionMap:
            eu-west-1: {AZs: [eu-west-1a, eu-west-1b]}
        Resources:
          Subnet:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: vpc-12345678
              CidrBlock: 10.0.1.0/24
              AvailabilityZone: !Select [0, !FindInMap [RegionMap, !Ref Where, AZs]]
    """) == []


def test_read_with_default_value_is_ignored() -> None:
    assert find("""
        Transform: AWS::LanguageExtensions
        Mappings:
          RegionMap:
            eu-west-1: {AZs: [eu-west-1a, eu-west-1b]}
        Resources:
          Subnet:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: vpc-12345678
              CidrBlock: 10.0.1.0/24
              AvailabilityZone: !Select
                - 0
                - !FindInMap [RegionMap, !Ref 'AWS::Region', AZs, DefaultValue: [us-east-1a]]
    """) == []


def test_unread_and_missing_mappings_are_ignored() -> None:
    assert find("""
        Mappings:
          RegionMap:
            eu-west-1: {AZs: [eu-west-1a, eu-west-1b]}
        Resources:
          Subnet:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: vpc-12345678
              CidrBlock: 10.0.1.0/24
              AvailabilityZone: !Select [0, !FindInMap [OtherMap, !Ref 'AWS::Region', AZs]]
    """) == []


def test_entry_goes_after_the_last_region_key() -> None:
    (finding,) = find(mapped("""
        Mappings:
          RegionMap:
            eu-west-1: {AZs: [eu-west-1a, eu-west-1b]}
            eu-central-1: {AZs: [eu-central-1a, eu-central-1b]}
            Default: {AZs: [x, y]}
    """))
    edit = only_edit(finding)
    assert edit.after == "eu-central-1"
    assert edit.value == {"AZs": ["us-east-1a", "us-east-1b"]}


def test_long_form_json_style_intrinsics() -> None:
    data = {
        "Mappings": {"M": {"eu-west-1": {"Z": "eu-west-1a"}}},
        "Resources": {
            "S": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"AvailabilityZone": {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Z"]}},
            }
        },
    }
    (finding,) = RegionMap().find(Template(data, None, "json"), Options())
    assert only_edit(finding).value == {"Z": "us-east-1a"}


def test_helpers() -> None:
    assert is_region_name("us-gov-west-1") and is_region_name("eusc-de-east-1")
    assert not is_region_name("Default") and not is_region_name("us-east-1a")
    assert is_zone_of("us-east-1a", "us-east-1") and not is_zone_of("us-east-1-bos-1a", "us-east-1")
    assert zones_of(["eu-west-1a"], "eu-west-1") == ["eu-west-1a"]
    assert zones_of([], "eu-west-1") is None and zones_of(["eu-west-2a"], "eu-west-1") is None
    assert region_zones("us-west-1") == ["us-west-1a", "us-west-1c"]


def test_complete_map_comes_back_unchanged() -> None:
    import cfnfix

    text = textwrap.dedent("""
        Mappings:
          RegionMap:
            ap-northeast-1:
              AZs: ['ap-northeast-1a', 'ap-northeast-1c']
            us-east-1:
              AZs: ['us-east-1a', 'us-east-1b']
    """) + RESOURCES
    result = cfnfix.fix(text, "template.yaml", Options(select=("CFX003",), regions=("us-east-1",)))
    assert result.findings == [] and result.fixed == text


def test_every_property_cfn_lint_checks_per_region_is_an_offered_kind() -> None:
    """``_allowed`` looks up only instance types, instance classes and node types: a new regional rule of
    cfn-lint for another kind of property would go unseen."""
    offered = re.compile(r"(?:InstanceType|InstanceClass|NodeType)$")
    for keyword in regional_enum_rules():
        assert keyword.endswith("/Properties") or offered.search(keyword), keyword


def test_a_value_deciding_a_condition_is_a_choice_made_per_region() -> None:
    text = """
        Mappings:
          RegionMap:
            us-west-2: {Primary: 'true', Size: t3.micro}
        Conditions:
          IsPrimary: !Equals [!FindInMap [RegionMap, !Ref 'AWS::Region', Primary], 'true']
        Resources:
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'
              InstanceType: !FindInMap [RegionMap, !Ref 'AWS::Region', Size]
    """
    (finding,) = find(text)
    assert finding.fix is None
    assert "'Primary' is set in us-west-2 only and decides the condition IsPrimary" in (finding.no_fix_reason or "")
    (copied,) = find_with(text, {"copy-single-region-values": True})
    assert only_edit(copied).value == {"Primary": "true", "Size": "t3.micro"}


@pytest.mark.parametrize("value", ["ami-abcdefg", "ami-1234567"])
def test_ami_ids_of_any_length_are_never_copied(value: str) -> None:
    (finding,) = find_with(textwrap.dedent(SINGLE.format(value=value)), {"copy-single-region-values": True})
    assert finding.fix is None and "holds an AMI id" in (finding.no_fix_reason or "")


@pytest.mark.parametrize(("value", "copied"), [("subnet-1a2b3c", False), ("sg-12ab", False), ("nat-gateway", True),
                                               ("i-am-a-name", True)])
def test_short_resource_ids_need_a_known_prefix_and_a_digit(value: str, copied: bool) -> None:
    (finding,) = find_with(textwrap.dedent(SINGLE.format(value=value)), {"copy-single-region-values": True})
    assert (finding.fix is not None) == copied, finding.no_fix_reason
