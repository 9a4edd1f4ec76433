"""Unit tests of CFX207 name-tag: which types take tags and how, what ``find`` reports, the pattern."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from pydantic import ValidationError

from cfnfix.models import AppendItem, Applicability, Finding, InsertKey, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.name_tag import NameTag, NameTagSettings, TagSpec, tag_spec

HEAD = """\
Parameters:
  Stage:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
"""
REGIONS = ("us-east-1",)


def find(resources: str, pattern: str | None = None) -> list[Finding]:
    text = HEAD + textwrap.indent(textwrap.dedent(resources), "  ")
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    settings = {"CFX207": {"pattern": pattern}} if pattern is not None else {}
    return list(NameTag().find(Template(to_data(node), node, "yaml", "t.yaml"), Options(fixer_settings=settings)))


def test_metadata() -> None:
    fixer = NameTag()
    assert (fixer.code, fixer.name, fixer.opt_in, fixer.profile) == ("CFX207", "name-tag", True, None)
    assert fixer.applicability is Applicability.SAFE
    assert fixer.settings_model is NameTagSettings
    docs = NameTag.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:", "## Fix safety",
                    "## Options", "## References"):
        assert section in docs


@pytest.mark.parametrize("pattern", ["", "  ", "${AWS::StackName}-{logicalId}", "{logical_id}}"])
def test_a_bad_pattern_is_refused(pattern: str) -> None:
    with pytest.raises(ValidationError):
        NameTagSettings.model_validate({"pattern": pattern})


@pytest.mark.parametrize(("kind", "expected"), [
    ("AWS::EC2::EIP", TagSpec("Tags", True)),
    ("AWS::SSM::Parameter", TagSpec("Tags", False)),
    ("AWS::Serverless::Function", TagSpec("Tags", False)),
    ("AWS::AutoScaling::AutoScalingGroup", TagSpec("Tags", True, (("PropagateAtLaunch", False),))),
    ("AWS::EC2::KeyPair", TagSpec("Tags", True, replaces=True)),
    ("AWS::CloudFormation::Stack", None),  # its tags reach every resource of the nested stack
    ("AWS::EC2::LaunchTemplate", None),  # TagSpecifications
    ("AWS::EC2::VPCGatewayAttachment", None),  # takes no tags
    ("Custom::Thing", None),
    ("AWS::Nope::Nothing", None),
])
def test_tag_specs_come_from_the_schemas(kind: str, expected: TagSpec | None) -> None:
    spec = tag_spec(kind, REGIONS)
    if expected is None:
        assert spec is None
    else:
        assert spec is not None
        assert (spec.property, spec.listed, spec.extra, spec.replaces) == (
            expected.property, expected.listed, expected.extra, expected.replaces)


def test_a_tag_property_of_another_name_is_followed() -> None:
    spec = tag_spec("AWS::Cognito::UserPool", REGIONS)
    assert spec is not None and (spec.property, spec.listed) == ("UserPoolTags", False)
    (finding,) = find("Pool:\n  Type: AWS::Cognito::UserPool\n  Properties:\n    UserPoolName: p\n")
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert isinstance(edit, InsertKey) and (edit.key, edit.value) == (
        "UserPoolTags", {"Name": {"Fn::Sub": "${AWS::StackName}-Pool"}})


def test_where_the_tag_goes() -> None:
    findings = find("""\
    NoProperties:
      Type: AWS::EC2::InternetGateway
    NoTags:
      Type: AWS::SQS::Queue
      Properties:
        DelaySeconds: 5
    SomeTags:
      Type: AWS::SNS::Topic
      Properties:
        Tags:
          - Key: Team
            Value: media
    MapTags:
      Type: AWS::SSM::Parameter
      Properties:
        Type: String
        Value: x
        Tags:
          Team: media
    """)
    edits = {f.path[1]: f.fix.edits[0] for f in findings if f.fix}
    tag = {"Key": "Name", "Value": {"Fn::Sub": "${AWS::StackName}-NoProperties"}}
    assert edits["NoProperties"] == InsertKey(path=("Resources", "NoProperties"), key="Properties",
                                              value={"Tags": [tag]})
    assert isinstance(edits["NoTags"], InsertKey) and edits["NoTags"].path == ("Resources", "NoTags", "Properties")
    assert isinstance(edits["SomeTags"], AppendItem)
    assert edits["SomeTags"].path == ("Resources", "SomeTags", "Properties", "Tags")
    assert edits["MapTags"] == InsertKey(path=("Resources", "MapTags", "Properties", "Tags"), key="Name",
                                         value={"Fn::Sub": "${AWS::StackName}-MapTags"})
    assert [f.path for f in findings] == [
        ("Resources", "NoProperties"), ("Resources", "NoTags"), ("Resources", "SomeTags", "Properties", "Tags"),
        ("Resources", "MapTags", "Properties", "Tags"),
    ]


@pytest.mark.parametrize("resource", [
    "Type: AWS::SQS::Queue\nProperties:\n  Tags:\n    - Key: Name\n      Value: q",
    "Type: AWS::SSM::Parameter\nProperties:\n  Type: String\n  Value: x\n  Tags:\n    Name: p",
    "Type: AWS::SQS::Queue\nProperties:\n  Tags: !If [IsProd, [], !Ref AWS::NoValue]",
    "Type: AWS::SQS::Queue\nProperties:\n  Tags:\n    - !If [IsProd, {Key: Name, Value: q}, !Ref AWS::NoValue]",
    "Type: AWS::SQS::Queue\nProperties:\n  Tags:\n    - Key: !Ref Stage\n      Value: q",
    "Type: AWS::SQS::Queue\nProperties: !If [IsProd, {}, {}]",
    "Type: AWS::SQS::Queue\nProperties:\n  Tags: {Key: Name}",  # the wrong shape: cfn-lint's to report
    "Type: AWS::CloudFormation::Stack\nProperties:\n  TemplateURL: https://example.com/t.yaml",
])
def test_nothing_to_report(resource: str) -> None:
    assert find("R:\n" + textwrap.indent(resource, "  ") + "\n") == []


def test_a_name_tag_in_another_case_has_no_fix() -> None:
    (finding,) = find("Q:\n  Type: AWS::SQS::Queue\n  Properties:\n    Tags:\n      - Key: NAME\n        Value: q\n")
    assert finding.fix is None and "`NAME`" in str(finding.no_fix_reason)


@pytest.mark.parametrize(("pattern", "value"), [
    ("media-{logical_id}", "media-Queue"),
    ("${AWS::StackName}-${Stage}-{logical_id}", {"Fn::Sub": "${AWS::StackName}-${Stage}-Queue"}),
    ("${Other.Arn}/{logical_id}", {"Fn::Sub": "${Other.Arn}/Queue"}),
])
def test_the_pattern(pattern: str, value: object) -> None:
    findings = find("Queue:\n  Type: AWS::SQS::Queue\nOther:\n  Type: AWS::SNS::Topic\n  Properties:\n"
                    "    Tags: [{Key: Name, Value: t}]\n", pattern)
    (finding,) = findings
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert isinstance(edit, InsertKey) and edit.value == {"Tags": [{"Key": "Name", "Value": value}]}


@pytest.mark.parametrize(("pattern", "reason"), [
    ("${Missing}-{logical_id}", "names nothing this template defines"),
    ("${Queue.Arn}", "names the resource itself"),
    ("{logical_id}-${IsProd}", "names nothing this template defines"),  # a condition is no Fn::Sub variable
])
def test_a_pattern_that_cannot_be_written_has_no_fix(pattern: str, reason: str) -> None:
    (finding,) = find("Queue:\n  Type: AWS::SQS::Queue\n", pattern)
    assert finding.fix is None and reason in str(finding.no_fix_reason)


def test_a_name_that_could_be_too_long_has_no_fix() -> None:
    long_id = "Q" * 130
    (finding,) = find(f"{long_id}:\n  Type: AWS::SQS::Queue\n")
    assert finding.fix is None and "characters" in str(finding.no_fix_reason)


def test_tags_that_replace_the_resource_make_the_fix_unsafe() -> None:
    (finding,) = find("Key:\n  Type: AWS::EC2::KeyPair\n  Properties:\n    KeyName: k\n")
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert "replaces" in finding.fix.note


def test_a_pattern_naming_a_resource_that_depends_on_this_one_has_no_fix() -> None:
    findings = find("""\
    Queue:
      Type: AWS::SQS::Queue
    Policy:
      Type: AWS::SNS::Topic
      Properties:
        DisplayName: !GetAtt Queue.Arn
        Tags: [{Key: Name, Value: t}]
    """, "${Policy}-{logical_id}")
    (finding,) = findings
    assert finding.fix is None and "circular dependency" in str(finding.no_fix_reason)
