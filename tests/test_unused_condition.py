"""Unit tests of CFX108 unused-condition: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Delete, Finding, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.unused_condition import UnusedCondition

HEAD = """\
Parameters:
  Env: {Type: String}
Mappings:
  Sizes:
    prod: {Large: 'true'}
"""


def template(text: str) -> Template:
    node = yaml.compose(HEAD + textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(text: str) -> list[Finding]:
    return list(UnusedCondition().find(template(text), Options()))


def deletes(finding: Finding) -> list[tuple[object, ...]]:
    assert finding.fix is not None
    assert all(isinstance(e, Delete) for e in finding.fix.edits)
    return [e.path for e in finding.fix.edits]


def test_metadata() -> None:
    fixer = UnusedCondition()
    assert (fixer.code, fixer.name) == ("CFX108", "unused-condition")
    assert fixer.applicability is Applicability.SAFE
    assert fixer.cfn_lint_rules == ("W8001",)
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in UnusedCondition.docs()


def test_uses() -> None:
    findings = find("""\
        Conditions:
          ByResource: !Equals [!Ref Env, a]
          ByOutput: !Equals [!Ref Env, b]
          ByIf: !Equals [!Ref Env, c]
          ByCondition: !Equals [!Ref Env, d]
          Combined: !And [!Condition ByCondition, !Condition ByResource]
          Unused: !Equals [!Ref Env, e]
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Condition: ByResource
            Properties:
              DisplayName: !If [ByIf, x, !FindInMap [Sizes, prod, Large]]
        Outputs:
          Out:
            Condition: ByOutput
            Value: !Ref Topic
        """)
    # Combined is unused; ByCondition is used by it, so only the next pass finds it
    assert [(f.path, deletes(f)) for f in findings] == [
        (("Conditions", "Combined"), [("Conditions", "Combined")]),
        (("Conditions", "Unused"), [("Conditions", "Unused")]),
    ]


def test_all_unused_removes_the_section() -> None:
    findings = find("""\
        Conditions:
          A: !Equals [!Ref Env, a]
          B: !Equals [!Ref Env, b]
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !Ref Env
        """)
    assert [deletes(f) for f in findings] == [[("Conditions",)], [("Conditions",)]]


def test_only_use_of_a_parameter_goes_with_it_unsafely() -> None:
    (finding,) = find("""\
        Conditions:
          A: !Equals [!Ref Env, a]
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !FindInMap [Sizes, prod, Large]
        """)
    assert deletes(finding) == [("Conditions",), ("Parameters",)]
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def test_only_use_of_a_mapping_goes_with_it_safely() -> None:
    (finding,) = find("""\
        Conditions:
          A: !Equals [!FindInMap [Sizes, prod, Large], 'true']
          B: !Equals [!Ref Env, b]
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Condition: B
        """)
    assert deletes(finding) == [("Conditions", "A"), ("Mappings",)]
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE


def test_loop_patterns_mean_no_fix() -> None:
    findings = find("""\
        Transform: AWS::LanguageExtensions
        Conditions:
          IsA: !Equals [!Ref Env, a]
          Other: !Equals [!Ref Env, o]
        Resources:
          Fn::ForEach::Topics:
            - Name
            - [A]
            - Topic${Name}:
                Type: AWS::SNS::Topic
                Condition: Is${Name}
        """)
    assert [(f.path[-1], f.fix is None) for f in findings] == [("IsA", True), ("Other", False)]


def test_conditions_made_by_a_loop_are_reported_on_it() -> None:
    (finding,) = find("""\
        Transform: AWS::LanguageExtensions
        Conditions:
          Fn::ForEach::Checks:
            - Id
            - [A, B]
            - Is${Id}: !Equals [!Ref Env, !Ref Id]
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Condition: IsA
        """)
    assert finding.path == ("Conditions", "Fn::ForEach::Checks")
    assert finding.related == (("Conditions", "IsB"),)
    assert finding.fix is None


def test_macros_mean_no_fix() -> None:
    (finding,) = find("""\
        Transform: Explode
        Conditions:
          A: !Equals [!Ref Env, a]
        Resources:
          Topic: {Type: AWS::SNS::Topic}
        """)
    assert finding.fix is None and "Explode" in (finding.no_fix_reason or "")
