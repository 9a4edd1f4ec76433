"""Unit tests of CFX110 property-typo: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from cfnfix.models import Applicability, Finding, Options, RenameKey
from cfnfix.template import Template, to_data
from cfnfix_fixers.property_typo import PropertyTypo, suggestions


def template(resources: str) -> Template:
    text = "Resources:\n" + textwrap.indent(textwrap.dedent(resources), "  ")
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(resources: str, options: Options | None = None) -> list[Finding]:
    return list(PropertyTypo().find(template(resources), options or Options()))


def renames(findings: list[Finding]) -> dict[tuple[object, ...], str]:
    found = {}
    for finding in findings:
        assert finding.fix is not None, finding.no_fix_reason
        (edit,) = finding.fix.edits
        assert isinstance(edit, RenameKey) and edit.path == finding.path
        found[edit.path] = edit.new_key
    return found


def test_metadata() -> None:
    fixer = PropertyTypo()
    assert (fixer.code, fixer.name) == ("CFX110", "property-typo")
    assert fixer.applicability is Applicability.UNSAFE
    assert fixer.cfn_lint_rules == ("E3002",)
    docs = PropertyTypo.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in docs


def test_suggestions_follow_cfn_lint_ratio_and_schema_order() -> None:
    properties = dict.fromkeys(["ExpirationDate", "ExpirationInDays", "Status"])
    assert suggestions("ExpirationInDay", properties) == ["ExpirationDate", "ExpirationInDays"]
    assert suggestions("Statu", properties) == ["Status"]
    assert suggestions("Kye", {"Key": None, "Value": None}) == []  # ratio 0.67: cfn-lint suggests nothing


def test_top_level_typo_and_case_difference() -> None:
    findings = find("""\
        Function:
          Type: AWS::Lambda::Function
          Properties:
            Timeoutt: 3
        Bucket:
          Type: AWS::S3::Bucket
          Properties:
            bucketName: logs
        """)
    assert renames(findings) == {
        ("Resources", "Function", "Properties", "Timeoutt"): "Timeout",
        ("Resources", "Bucket", "Properties", "bucketName"): "BucketName",
    }
    assert "did you mean `Timeout`" in findings[0].message


def test_nested_objects_lists_and_if_branches() -> None:
    findings = find("""\
        Function:
          Type: AWS::Lambda::Function
          Properties:
            Environment:
              Variable: {STAGE: prod}
        Group:
          Type: AWS::EC2::SecurityGroup
          Properties:
            GroupDescription: x
            SecurityGroupIngress:
              - {IpProtocol: tcp, FromPort: 1, ToPort: 2, CidrIpp: 10.0.0.0/8}
        Bucket:
          Type: AWS::S3::Bucket
          Properties:
            VersioningConfiguration: !If [C, {Statu: Enabled}, !Ref AWS::NoValue]
        """)
    assert renames(findings) == {
        ("Resources", "Function", "Properties", "Environment", "Variable"): "Variables",
        ("Resources", "Group", "Properties", "SecurityGroupIngress", 0, "CidrIpp"): "CidrIp",
        ("Resources", "Bucket", "Properties", "VersioningConfiguration", "Fn::If", 1, "Statu"): "Status",
    }
    assert "`SecurityGroupIngress[0].CidrIpp`" in findings[1].message
    assert "`VersioningConfiguration.Statu`" in findings[2].message


def test_one_of_alternatives_are_followed() -> None:
    findings = find("""\
        Table:
          Type: AWS::CleanRooms::ConfiguredTable
          Properties:
            TableReference:
              Gluee: {TableName: x, DatabaseName: y}
        """)
    assert renames(findings) == {("Resources", "Table", "Properties", "TableReference", "Gluee"): "Glue"}


def test_sam_resources_use_the_sam_schema() -> None:
    findings = find("""\
        Function:
          Type: AWS::Serverless::Function
          Properties:
            Timeoutt: 3
        """)
    assert renames(findings) == {("Resources", "Function", "Properties", "Timeoutt"): "Timeout"}


@pytest.mark.parametrize(("properties", "reason"), [
    ("DisplayName: a\nDisplayNam: b", "`DisplayName` is already set"),
    ("DisplayNam: a\nDisplayNme: b", "also close to `DisplayName` only"),
    ("DisplayNam: [a, b]", "the value of `DisplayNam` is a list"),
])
def test_no_fix_when_the_rename_could_be_wrong(properties: str, reason: str) -> None:
    findings = find("Topic:\n  Type: AWS::SNS::Topic\n  Properties:\n"
                    + textwrap.indent(properties, "    ") + "\n")
    assert findings and all(f.fix is None for f in findings)
    assert reason in (findings[0].no_fix_reason or "")


def test_no_fix_when_several_names_are_close() -> None:
    (finding,) = find("""\
        Bucket:
          Type: AWS::S3::Bucket
          Properties:
            LifecycleConfiguration:
              Rules:
                - {Status: Enabled, ExpirationInDay: 3}
        """)
    assert finding.fix is None
    assert "did you mean `ExpirationDate`" in finding.message  # cfn-lint's first candidate
    assert "`ExpirationInDays`" in (finding.no_fix_reason or "")


@pytest.mark.parametrize("resource", [
    "Type: AWS::S3::Bucket\nProperties:\n  Tags: [{Kye: a, Value: b}]",  # nothing close
    "Type: Custom::Thing\nProperties:\n  ServiceToken: x\n  Timeoutt: 3",  # any property allowed
    "Type: AWS::Made::Up\nProperties:\n  Timeoutt: 3",  # no schema
    "Type: AWS::Lambda::Function\nProperties: !If [C, {}, {}]",
    "Type: AWS::Lambda::Function\nProperties:\n  Environment: !Ref Env",
    "Type: AWS::Lambda::Function",
])
def test_nothing_to_report(resource: str) -> None:
    assert find("R:\n" + textwrap.indent(resource, "  ") + "\n") == []


def test_properties_under_an_if_are_checked() -> None:
    findings = find("""\
        Function:
          Type: AWS::Lambda::Function
          Properties: !If [C, {Timeoutt: 3}, {Timeout: 3}]
        """)
    assert renames(findings) == {("Resources", "Function", "Properties", "Fn::If", 1, "Timeoutt"): "Timeout"}


def test_regions_setting_picks_the_schemas() -> None:
    findings = find("""\
        Function:
          Type: AWS::Lambda::Function
          Properties:
            Timeoutt: 3
        """, Options(regions=("eu-west-1", "us-west-2")))
    assert len(findings) == 1


def test_alternatives_are_quiet_when_one_fits() -> None:
    # `LogGroupName` is close to `GroupName` in another event type, but the CloudWatchLogs one fits
    assert find("""\
        Function:
          Type: AWS::Serverless::Function
          Properties:
            Handler: index.handler
            Runtime: python3.12
            InlineCode: x
            Events:
              Logs:
                Type: CloudWatchLogs
                Properties:
                  LogGroupName: /app
                  FilterPattern: ERROR
        """) == []


def test_a_key_repeated_by_an_alias_is_reported_once_without_a_fix() -> None:
    findings = find("""\
        Q1:
          Type: AWS::SQS::Queue
          Properties: &props
            VisibilityTimout: 60
        Q2:
          Type: AWS::SQS::Queue
          Properties: *props
        Q3:
          Type: AWS::SQS::Queue
          Properties:
            MessageRetentionPeriod: &size 4096
            MaximumMessageSiz: *size
        """)
    first, second = findings
    assert first.path == ("Resources", "Q1", "Properties", "VisibilityTimout")
    assert first.related == (("Resources", "Q2", "Properties", "VisibilityTimout"),)
    assert first.fix is None and "CFX112" in (first.no_fix_reason or "")
    # only the value is aliased: the key itself is written once and can be renamed
    assert renames([second]) == {("Resources", "Q3", "Properties", "MaximumMessageSiz"): "MaximumMessageSize"}


@pytest.mark.parametrize("properties", [
    "Timeoutt: 0",  # below Timeout's minimum
    "Descripton: " + "x" * 300,  # longer than Description's maxLength
    "Environment:\n  Variable: {A: b}",  # `A` matches no variable name pattern
])
def test_no_fix_when_the_value_is_not_valid_for_the_suggestion(properties: str) -> None:
    (finding,) = find("Function:\n  Type: AWS::Lambda::Function\n  Properties:\n"
                      + textwrap.indent(properties, "    ") + "\n")
    assert finding.fix is None
    assert "is not valid for" in (finding.no_fix_reason or "")
