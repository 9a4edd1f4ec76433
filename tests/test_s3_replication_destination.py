"""Unit tests of CFX204 s3-replication-destination: which destinations are a defect, and when the
replication role goes behind the condition."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

from cfnfix.models import Applicability, Finding, InsertKey, Options, WrapValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.s3_replication_destination import S3ReplicationDestination, _bucket_names, destination

HEAD = """\
Parameters:
  WithDefault: {Type: String, Default: arn:aws:s3:::made-elsewhere}
  NoDefault: {Type: String}
  Env: {Type: String, Default: dev}
Resources:
  Named:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${AWS::StackName}-${Env}-named'
  Literal:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: literal-bucket
  Stack:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://example.com/replica.yaml
"""

ROLE = """\
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: sts:AssumeRole
"""


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def kind(value: Any) -> str:
    t = template(HEAD)
    return destination(t, value, _bucket_names(t)).kind


def bucket(destination_text: str, name: str = "Data", role: str = "!GetAtt Role.Arn") -> str:
    return f"""\
  {name}:
    Type: AWS::S3::Bucket
    Properties:
      ReplicationConfiguration:
        Role: {role}
        Rules:
          - Status: Enabled
            Destination: {{Bucket: {destination_text}}}
"""


def find(text: str) -> list[Finding]:
    return list(S3ReplicationDestination().find(template(text), Options()))


def test_metadata() -> None:
    fixer = S3ReplicationDestination()
    assert (fixer.code, fixer.name) == ("CFX204", "s3-replication-destination")
    assert fixer.applicability is Applicability.UNSAFE
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in S3ReplicationDestination.docs()


def test_destinations() -> None:
    cases: dict[str, Any] = {
        "external": [
            "arn:aws:s3:::somewhere",
            "arn:aws-cn:s3:::somewhere",
            {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-replica"},
            {"Fn::Sub": "arn:aws:s3:::${Env}-replica"},
            {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "AWS::AccountId"}, "-replica"]]},
            {"Ref": "WithDefault"},
            {"Fn::Sub": "arn:aws:s3:::${WithDefault}"},
            {"Fn::Sub": ["arn:aws:s3:::${Name}", {"Name": "elsewhere"}]},
            "somewhere-without-arn",
        ],
        "here": [
            {"Fn::GetAtt": ["Named", "Arn"]},
            {"Fn::GetAtt": "Named.Arn"},
            {"Fn::Sub": "arn:aws:s3:::${Named}"},
            {"Fn::Sub": "${Named.Arn}"},
            {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "Named"}]]},
            {"Fn::Sub": ["arn:aws:s3:::${B}", {"B": {"Ref": "Named"}}]},
            {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-${Env}-named"},
            "arn:aws:s3:::literal-bucket",
            {"Fn::GetAtt": ["Stack", "Outputs.BucketArn"]},  # made by a nested stack of this template
        ],
        "input": [
            {"Ref": "NoDefault"},
            {"Fn::Sub": "arn:aws:s3:::${NoDefault}"},
            {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "NoDefault"}]]},
        ],
        "unknown": [
            {"Fn::ImportValue": "replica-BucketArn"},
            {"Fn::FindInMap": ["Buckets", "Replica", "Arn"]},
            {"Fn::If": ["C", "arn:aws:s3:::a", "arn:aws:s3:::b"]},
            {"Ref": "Undefined"},
            {"Fn::Sub": ["arn:aws:s3:::${B}", {"B": {"Fn::ImportValue": "x"}}]},
            None,
        ],
    }
    for wanted, values in cases.items():
        for value in values:
            assert kind(value) == wanted, value


def test_whole_configuration_and_the_role() -> None:
    [finding] = find("Resources:\n" + bucket("arn:aws:s3:::elsewhere") + ROLE)
    assert finding.fix is not None
    edits = finding.fix.edits
    config = ("Resources", "Data", "Properties", "ReplicationConfiguration")
    assert WrapValue(path=config, function="Fn::If", before=("ReplicationEnabled",),
                     after=({"Ref": "AWS::NoValue"},)) in edits
    assert InsertKey(path=("Resources", "Role"), key="Condition", value="ReplicationEnabled", after="Type") in edits
    assert finding.related == ((*config, "Rules", 0, "Destination", "Bucket"),)


def role_kept(role: str, extra: str = "", reference: str = "!GetAtt Role.Arn") -> bool:
    [finding] = find("Resources:\n" + bucket("arn:aws:s3:::elsewhere", role=reference) + role + extra)
    assert finding.fix is not None
    return not any(isinstance(e, InsertKey) and e.key == "Condition" for e in finding.fix.edits)


def test_roles_that_stay() -> None:
    assert not role_kept(ROLE)
    assert not role_kept(ROLE, reference="!Sub '${Role.Arn}'")
    assert role_kept(ROLE.replace("s3.amazonaws.com", "[s3.amazonaws.com, lambda.amazonaws.com]"))
    assert role_kept(ROLE.replace("    Type: AWS::IAM::Role\n", "    Type: AWS::IAM::Role\n    Condition: Other\n"))
    assert role_kept(ROLE, "Outputs:\n  RoleArn: {Value: !GetAtt Role.Arn}\n")
    assert role_kept(ROLE, "  Policy:\n    Type: AWS::IAM::Policy\n    Properties: {Roles: [!Ref Role]}\n")
    assert role_kept(ROLE, "  Other:\n    Type: AWS::SNS::Topic\n    DependsOn: Role\n")
    assert role_kept(ROLE, reference="!Sub 'arn:aws:iam::${AWS::AccountId}:role/${Role}'")


def test_only_the_rules_to_external_buckets_go_behind_the_condition() -> None:
    text = "Resources:\n" + bucket("!GetAtt Replica.Arn") + "  Replica: {Type: AWS::S3::Bucket}\n" + ROLE
    text = text.replace("Destination: {Bucket: !GetAtt Replica.Arn}",
                        "Destination: {Bucket: !GetAtt Replica.Arn}\n          - Status: Enabled\n"
                        "            Destination: {Bucket: 'arn:aws:s3:::x'}")
    [finding] = find(text)
    assert finding.fix is not None
    wraps = [e for e in finding.fix.edits if isinstance(e, WrapValue)]
    assert [w.path for w in wraps] == [("Resources", "Data", "Properties", "ReplicationConfiguration", "Rules", 1)]
    assert not any(isinstance(e, InsertKey) and e.key == "Condition" for e in finding.fix.edits)


def test_not_reported() -> None:
    assert find("Resources:\n" + bucket("!GetAtt Replica.Arn") + "  Replica: {Type: AWS::S3::Bucket}\n") == []
    assert find(HEAD + bucket("!Ref NoDefault")) == []
    conditional = """\
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      ReplicationConfiguration: !If [On, {Role: r, Rules: [{Destination: {Bucket: 'arn:aws:s3:::x'}}]}, !Ref X]
  Other:
    Type: AWS::S3::Bucket
    Properties:
      ReplicationConfiguration: {Role: r, Rules: !Ref Computed}
"""
    assert find(conditional) == []


def test_two_buckets_carry_the_same_additions() -> None:
    first, second = find("Resources:\n" + bucket("arn:aws:s3:::a") + bucket("arn:aws:s3:::b", name="Logs"))
    assert first.fix is not None and second.fix is not None
    added = [e for e in first.fix.edits if isinstance(e, InsertKey)]
    assert [e.key for e in added] == ["Parameters", "Conditions"]
    assert added == [e for e in second.fix.edits if isinstance(e, InsertKey)]


def test_no_fix_when_sections_cannot_take_the_switch() -> None:
    [finding] = find("Parameters: []\nResources:\n" + bucket("arn:aws:s3:::a"))
    assert finding.fix is None and finding.no_fix_reason == "the template's `Parameters` is not a mapping"
