"""CFX112 yaml-alias: which aliases are found, and what their fix writes."""

from __future__ import annotations

import cfnfix
from cfnfix.loader import Source, load_template

TAGS = """Resources:
  A:
    Type: AWS::SQS::Queue
    Properties:
      Tags: &t
        - {Key: k, Value: v}
  B:
    Type: AWS::SQS::Queue
    Properties:
      Tags: *t
"""


def _check(text: str) -> list[cfnfix.Finding]:
    return cfnfix.check(text, "t.yaml", cfnfix.Options(select=("CFX112",)))


def test_both_models_see_the_same_aliases() -> None:
    source = Source(TAGS, False, "yaml")
    fast, slow = load_template(source, "t.yaml"), load_template(source, "t.yaml", editing=True)
    assert fast is not None and slow is not None
    expected = [(("Resources", "B", "Properties", "Tags"), ("Resources", "A", "Properties", "Tags"))]
    assert fast.aliases == slow.aliases == expected


def test_one_finding_per_anchor_with_every_alias_related() -> None:
    text = TAGS + "  C:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: *t\n"
    (finding,) = _check(text)
    assert finding.path == ("Resources", "B", "Properties", "Tags")
    assert finding.related == (("Resources", "B", "Properties", "Tags"), ("Resources", "C", "Properties", "Tags"))
    fixed = cfnfix.fix(text, "t.yaml").fixed
    assert "&t" not in fixed and "*t" not in fixed
    assert fixed.count("Key: k") == 3


def test_sam_templates_are_left_to_sam() -> None:
    assert _check("Transform: AWS::Serverless-2016-10-31\n" + TAGS) == []


def test_an_anchor_without_alias_is_not_reported() -> None:
    assert _check(TAGS.replace("      Tags: *t\n", "      DelaySeconds: 1\n")) == []
