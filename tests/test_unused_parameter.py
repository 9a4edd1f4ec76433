"""Unit tests of CFX107 unused-parameter: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Delete, Finding, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.unused_parameter import UnusedParameter

INTERFACE = ("Metadata", "AWS::CloudFormation::Interface")


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(text: str) -> list[Finding]:
    return list(UnusedParameter().find(template(text), Options()))


def deletes(finding: Finding) -> list[tuple[object, ...]]:
    assert finding.fix is not None
    assert all(isinstance(e, Delete) for e in finding.fix.edits)
    return [e.path for e in finding.fix.edits]


def test_metadata() -> None:
    fixer = UnusedParameter()
    assert (fixer.code, fixer.name) == ("CFX107", "unused-parameter")
    assert fixer.applicability is Applicability.UNSAFE
    assert fixer.cfn_lint_rules == ("W2001",)
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in UnusedParameter.docs()


def test_uses_by_ref_sub_and_sub_list() -> None:
    findings = find("""\
        Parameters:
          A: {Type: String}
          B: {Type: String}
          C: {Type: String}
          D: {Type: String}
          E: {Type: String}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Metadata:
              Owner: !Ref A
            Properties:
              TopicName: !Sub '${B}-topic'
              DisplayName: !Sub ['${X}', {X: !Ref C}]
              KmsMasterKeyId: !Sub '${!E}'
        """)
    assert [(f.path, deletes(f)) for f in findings] == [
        (("Parameters", "D"), [("Parameters", "D")]),
        (("Parameters", "E"), [("Parameters", "E")]),
    ]


def test_last_parameter_removes_the_section() -> None:
    (finding,) = find("""\
        Parameters:
          Old: {Type: String}
        Resources:
          Topic: {Type: AWS::SNS::Topic}
        """)
    assert deletes(finding) == [("Parameters",)]


def test_interface_entries_go_with_the_parameter() -> None:
    (finding,) = find("""\
        Metadata:
          AWS::CloudFormation::Interface:
            ParameterGroups:
              - Label: {default: One}
                Parameters: [Used, Old]
              - Label: {default: Two}
                Parameters: [Old]
            ParameterLabels:
              Used: {default: Used}
              Old: {default: Old}
          Other: kept
        Parameters:
          Used: {Type: String}
          Old: {Type: String}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !Ref Used
        """)
    assert deletes(finding) == [
        ("Parameters", "Old"),
        (*INTERFACE, "ParameterGroups", 1),
        (*INTERFACE, "ParameterGroups", 0, "Parameters", 1),
        (*INTERFACE, "ParameterLabels", "Old"),
    ]


def test_emptied_interface_and_metadata_go() -> None:
    (finding,) = find("""\
        Metadata:
          AWS::CloudFormation::Interface:
            ParameterGroups:
              - Parameters: [Old]
            ParameterLabels:
              Old: {default: Old}
        Parameters:
          Used: {Type: String}
          Old: {Type: String}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !Ref Used
        """)
    assert deletes(finding) == [("Parameters", "Old"), ("Metadata",)]


def test_parameters_that_empty_a_group_together_are_removed_together() -> None:
    findings = find("""\
        Metadata:
          AWS::CloudFormation::Interface:
            ParameterGroups:
              - Parameters: [Used]
              - Parameters: [OldA, OldB]
        Parameters:
          Used: {Type: String}
          OldA: {Type: String}
          OldB: {Type: String}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !Ref Used
        """)
    expected = [("Parameters", "OldA"), ("Parameters", "OldB"), (*INTERFACE, "ParameterGroups", 1)]
    assert [deletes(f) for f in findings] == [expected, expected]


def test_transform_templates_are_not_checked() -> None:
    assert find("""\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Old: {Type: String}
        Resources:
          Topic: {Type: AWS::SNS::Topic}
        """) == []


def test_value_of_in_rules_means_no_fix() -> None:
    (finding,) = find("""\
        Parameters:
          Subnet: {Type: 'AWS::EC2::Subnet::Id'}
        Rules:
          R:
            Assertions:
              - Assert: !Equals [!ValueOf [Subnet, VpcId], vpc-1]
        Resources:
          Topic: {Type: AWS::SNS::Topic}
        """)
    assert finding.fix is None and "Fn::ValueOf" in (finding.no_fix_reason or "")


def test_inline_transform_means_no_fix() -> None:
    (finding,) = find("""\
        Parameters:
          Old: {Type: String}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              Fn::Transform:
                Name: AWS::Include
                Parameters: {Location: s3://bucket/snippet.yaml}
        """)
    assert finding.fix is None
