"""Unit tests of CFX111 enum-case: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Finding, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.enum_case import EnumCase


def find(text: str) -> list[Finding]:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return list(EnumCase().find(Template(to_data(node), node, "yaml", "t.yaml"), Options()))


def test_metadata() -> None:
    fixer = EnumCase()
    assert (fixer.code, fixer.name, fixer.applicability) == ("CFX111", "enum-case", Applicability.SAFE)
    assert fixer.cfn_lint_rules == ("E3030",)


def test_case_variant_is_fixed() -> None:
    (finding,) = find("""\
    Resources:
      T:
        Type: AWS::DynamoDB::Table
        Properties:
          BillingMode: pay_per_request
    """)
    assert finding.fix is not None
    assert finding.fix.edits == (SetValue(path=("Resources", "T", "Properties", "BillingMode"),
                                          value="PAY_PER_REQUEST"),)


def test_list_items_and_if_branches() -> None:
    findings = find("""\
    Resources:
      B:
        Type: AWS::S3::Bucket
        Properties:
          CorsConfiguration:
            CorsRules:
              - AllowedMethods: [get, HEAD]
                AllowedOrigins: ['*']
          VersioningConfiguration:
            Status: !If [C, enabled, Suspended]
    """)
    paths = {f.path[-2:] for f in findings}
    assert paths == {("AllowedMethods", 0), ("Fn::If", 1)}


def test_ambiguous_and_unknown_values_have_no_fix() -> None:
    findings = find("""\
    Resources:
      B:
        Type: AWS::S3::Bucket
        Properties:
          VersioningConfiguration:
            Status: Bogus
          LifecycleConfiguration:
            Rules:
              - Status: Enabled
                Transitions:
                  - StorageClass: glacier
                    TransitionInDays: 1
    """)
    assert len(findings) == 2 and all(f.fix is None and f.no_fix_reason for f in findings)


def test_valid_values_refs_and_unknown_types_are_quiet() -> None:
    assert find("""\
    Resources:
      T:
        Type: AWS::DynamoDB::Table
        Properties:
          BillingMode: !Ref Mode
      C:
        Type: Custom::Thing
        Properties:
          BillingMode: whatever
      F:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
    """) == []
