"""Unit tests of CFX109 unused-mapping: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Delete, Finding, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.unused_mapping import UnusedMapping


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(text: str) -> list[Finding]:
    return list(UnusedMapping().find(template(text), Options()))


def edits(finding: Finding) -> list[tuple[object, ...]]:
    assert finding.fix is not None
    assert all(isinstance(e, Delete) for e in finding.fix.edits)
    return [e.path for e in finding.fix.edits]


def test_metadata() -> None:
    fixer = UnusedMapping()
    assert (fixer.code, fixer.name) == ("CFX109", "unused-mapping")
    assert fixer.applicability is Applicability.SAFE
    assert fixer.cfn_lint_rules == ("W7001",)
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in UnusedMapping.docs()


def test_unused_mapping_removed() -> None:
    findings = find("""\
        Mappings:
          Used: {a: {b: c}}
          InOutput: {a: {b: c}}
          Unused: {a: {b: c}}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !FindInMap [Used, a, b]
        Outputs:
          Out:
            Value: !FindInMap [InOutput, a, b]
        """)
    assert [(f.path, edits(f)) for f in findings] == [(("Mappings", "Unused"), [("Mappings", "Unused")])]


def test_all_unused_removes_the_section() -> None:
    findings = find("""\
        Mappings:
          A: {a: {b: c}}
          B: {a: {b: c}}
        Resources:
          Topic: {Type: AWS::SNS::Topic}
        """)
    assert [edits(f) for f in findings] == [[("Mappings",)], [("Mappings",)]]


def test_map_name_from_a_function_proves_nothing() -> None:
    assert find("""\
        Transform: AWS::LanguageExtensions
        Parameters:
          Which: {Type: String}
        Mappings:
          A: {a: {b: c}}
          B: {a: {b: c}}
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !FindInMap [!Ref Which, a, b]
        """) == []


def test_loop_pattern_means_no_fix() -> None:
    findings = find("""\
        Transform: AWS::LanguageExtensions
        Mappings:
          AMap: {a: {b: c}}
          Other: {a: {b: c}}
        Resources:
          Fn::ForEach::Topics:
            - Name
            - [A]
            - Topic${Name}:
                Type: AWS::SNS::Topic
                Properties:
                  TopicName: !FindInMap ['${Name}Map', a, b]
        """)
    assert [(f.path[-1], f.fix is None) for f in findings] == [("AMap", True), ("Other", False)]


def test_macro_means_no_fix() -> None:
    (finding,) = find("""\
        Transform: Explode
        Mappings:
          BucketMap: {Monthly: {Retention: 30}}
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            ExplodeMap: BucketMap
        """)
    assert finding.fix is None and "Explode" in (finding.no_fix_reason or "")
