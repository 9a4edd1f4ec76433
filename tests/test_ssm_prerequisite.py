"""Unit tests of CFX212 ssm-prerequisite: which SSM names count as created, owned by AWS, or unknowable."""

from __future__ import annotations

import pytest

from cfnfix.models import Applicability, Options
from cfnfix_fixers.ssm_prerequisite import SsmPrerequisite
from tests.fixer_helpers import DOC_SECTIONS, findings, load

HEAD = """\
Parameters:
  Stage:
    Type: String
    Default: dev
Resources:
  Created:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/app/${Stage}/created'
      Type: String
      Value: x
"""


def names(value: str, *, extra: str = "") -> list[str]:
    text = HEAD + extra + f"  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: {value}\n"
    return [f.message.split("SSM parameter ")[1].split(",")[0] for f in findings(SsmPrerequisite(), text)]


def test_metadata() -> None:
    fixer = SsmPrerequisite()
    assert (fixer.code, fixer.name, fixer.applicability) == ("CFX212", "ssm-prerequisite", Applicability.DISPLAY)
    assert all(section in fixer.docs() for section in DOC_SECTIONS)


@pytest.mark.parametrize("value", [
    "'{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'",
    "'{{resolve:ssm-secure:/aws/reference/secretsmanager/db}}'",
    "'{{resolve:ssm:ssm-owned}}'",
    "'{{resolve:ssm:arn:aws:ssm:us-east-1:123456789012:parameter/shared}}'",
    "!Sub '{{resolve:ssm:/app/${Stage}/created}}'",
    "'{{resolve:ssm:/app/dev/created:1}}'",
    "!Sub '{{resolve:ssm:${Created}}}'",
    "!Sub '{{resolve:ssm:/x/${Topic.TopicName}}}'",
    "!Sub '{{resolve:ssm:/x/${Undefined}}}'",
    "'{{resolve:secretsmanager:db}}'",
    "'a literal ${Stage} mentioning resolve:ssm'",
])
def test_not_reported(value: str) -> None:
    assert names(value) == []


@pytest.mark.parametrize(("value", "name"), [
    ("'{{resolve:ssm:/app/key}}'", "`/app/key`"),
    ("'{{resolve:ssm:/app/key:12}}'", "`/app/key`"),
    ("!Sub '{{resolve:ssm:/app/${Stage}/other}}'", "`/app/${Stage}/other`"),
    ("!Sub ['{{resolve:ssm:/app/${S}/x}}', {S: !Ref Stage}]", "`/app/${Stage}/x`"),
    ("'{{resolve:ssm:/app/${NotAVariable}}}'", "`/app/${NotAVariable}`"),
])
def test_reported(value: str, name: str) -> None:
    assert names(value) == [name]


def test_an_ssm_parameter_whose_name_cannot_be_read_may_be_any() -> None:
    extra = "  Computed:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: !If [C, a, b]\n"
    assert names("'{{resolve:ssm:/app/key}}'", extra=extra) == []


def test_only_where_cloudformation_resolves() -> None:
    text = """\
    Description: '{{resolve:ssm:/in/description}}'
    Metadata:
      Note: '{{resolve:ssm:/in/metadata}}'
    Resources:
      Topic:
        Type: AWS::SNS::Topic
        Metadata:
          Note: '{{resolve:ssm:/in/resource/metadata}}'
        Properties:
          DisplayName: '{{resolve:ssm:/in/properties}}'
    Outputs:
      Value:
        Value: '{{resolve:ssm:/in/outputs}}'
    """
    found = findings(SsmPrerequisite(), text)
    assert [f.path for f in found] == [("Resources", "Topic", "Properties", "DisplayName"),
                                       ("Outputs", "Value", "Value")]


def test_uses_of_one_name_make_one_finding() -> None:
    text = """\
    Resources:
      A:
        Type: AWS::SNS::Topic
        Properties:
          DisplayName: '{{resolve:ssm:/n:2}}'
      B:
        Type: AWS::SNS::Topic
        Properties:
          DisplayName: '{{resolve:ssm-secure:/n}}'
    """
    (finding,) = findings(SsmPrerequisite(), text)
    assert finding.related == (("Resources", "B", "Properties", "DisplayName"),)
    assert "--type SecureString" in (finding.suggestion or "")
    assert "pin version 1 where the template pins version 2" in (finding.suggestion or "")


def test_parameter_defaults() -> None:
    text = """\
    Parameters:
      Ami:
        Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
        Default: /team/ami
      Public:
        Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
        Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
      NoDefault:
        Type: AWS::SSM::Parameter::Value<String>
      Subnets:
        Type: AWS::SSM::Parameter::Value<List<String>>
        Default: /team/subnets
      Plain:
        Type: String
        Default: /team/not-ssm
    Resources:
      Topic:
        Type: AWS::SNS::Topic
    """
    ami, subnets = findings(SsmPrerequisite(), text)
    assert ami.path == ("Parameters", "Ami", "Default")
    assert "--data-type aws:ec2:image" in (ami.suggestion or "")
    assert "Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" in (ami.suggestion or "")
    assert "--type StringList" in (subnets.suggestion or "")


def test_a_template_without_dynamic_references_is_not_walked() -> None:
    template = load(HEAD)
    list(SsmPrerequisite().find(template, Options()))
    assert template._nodes is None  # the shared walk was never needed
