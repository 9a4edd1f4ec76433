"""Unit tests of CFX103 redundant-depends-on: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Delete, Finding, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.redundant_depends_on import RedundantDependsOn

HEAD = """\
Conditions:
  IsOn: !Equals [a, b]
Resources:
  A:
    Type: AWS::SNS::Topic
  B:
    Type: AWS::SNS::Topic
  C:
    Type: AWS::SNS::Topic
"""


def find(resource: str) -> list[Finding]:
    text = HEAD + "  R:\n" + textwrap.indent(textwrap.dedent(resource), "    ")
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return list(RedundantDependsOn().find(Template(to_data(node), node, "yaml", "t.yaml"), Options()))


def deleted(finding: Finding) -> list[tuple[object, ...]]:
    assert finding.fix is not None
    assert all(isinstance(edit, Delete) for edit in finding.fix.edits)
    return [edit.path[3:] for edit in finding.fix.edits]


def test_metadata() -> None:
    fixer = RedundantDependsOn()
    assert (fixer.code, fixer.name) == ("CFX103", "redundant-depends-on")
    assert fixer.applicability is Applicability.SAFE
    assert fixer.cfn_lint_rules == ("W3005",)
    docs = RedundantDependsOn.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in docs


def test_string_form_removes_the_key() -> None:
    (finding,) = find("""\
    Type: AWS::SQS::Queue
    DependsOn: A
    Properties:
      QueueName: !GetAtt A.TopicName
    """)
    assert finding.path == ("Resources", "R", "DependsOn")
    assert deleted(finding) == [()]


def test_list_partly_redundant_removes_entries() -> None:
    (finding,) = find("""\
    Type: AWS::SQS::Queue
    DependsOn: [A, B, C]
    Properties:
      QueueName: !Ref A
      Tags:
        - Key: c
          Value: !Sub '${C}-${AWS::Region}'
    """)
    assert deleted(finding) == [(0,), (2,)]
    assert finding.related == (("Resources", "R", "DependsOn", 0), ("Resources", "R", "DependsOn", 2))


def test_list_emptied_removes_the_key_duplicates_included() -> None:
    (finding,) = find("""\
    Type: AWS::SQS::Queue
    DependsOn: [A, B, A]
    Metadata:
      b: !Ref B
    Properties:
      QueueName: !Sub ['${X}', {X: !GetAtt A.TopicName}]
    """)
    assert deleted(finding) == [()]


def test_not_a_reference() -> None:
    assert find("""\
    Type: AWS::SQS::Queue
    DependsOn: [A, B, C, Missing]
    Properties:
      QueueName: !Sub ['${A}-${ B }-${!C}', {A: x}]
      Missing: !Ref Missing
    """) == []


def test_reference_in_one_branch_has_no_fix() -> None:
    (finding,) = find("""\
    Type: AWS::SQS::Queue
    DependsOn: [A, B]
    Properties:
      QueueName: !If [IsOn, !Ref A, x]
    """)
    assert finding.fix is None and finding.path == ("Resources", "R", "DependsOn", 0)
    assert "Fn::If" in (finding.no_fix_reason or "")


def test_reference_in_both_branches_or_outside_is_fixed() -> None:
    finding, conditional = find("""\
    Type: AWS::SQS::Queue
    DependsOn: [A, B, C]
    Properties:
      QueueName: !If [IsOn, !Ref A, !Sub '${A}-x']
      Tags: !If [IsOn, [{Key: b, Value: !Ref B}], !Ref AWS::NoValue]
      DelaySeconds: !If [IsOn, !GetAtt C.TopicName, 0]
      Other: !GetAtt B.TopicName
    """)
    assert deleted(finding) == [(0,), (1,)]
    assert conditional.fix is None and conditional.path[-1] == 2
    assert {f.path[-1] for f in find("""\
    Type: AWS::SQS::Queue
    DependsOn: [C]
    Properties:
      DelaySeconds: !If [IsOn, !If [IsOn, !Ref C, !GetAtt C.TopicName], !Ref C]
    """)} == {"DependsOn"}


def test_malformed_depends_on_is_skipped() -> None:
    assert find("""\
    Type: {Ref: Kind}
    DependsOn: {A: B}
    Properties:
      QueueName: !Ref A
    """) == []
