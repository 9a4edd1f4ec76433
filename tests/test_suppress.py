"""Suppressions in templates: comments, cfnfix and cfn-lint metadata, skip-file, unused ones reported."""

from __future__ import annotations

import json
from pathlib import Path

import cfnfix
from cfnfix.models import Options
from tests.conftest import lint, run_cli

ROLES = """\
# Orders stack
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  # cfnfix: ignore[CFX004]
  RoleA:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fixed-a
      AssumeRolePolicyDocument: {}
  RoleB:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fixed-b  # cfnfix: ignore[iam-role-name]
      AssumeRolePolicyDocument: {}
  RoleC:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fixed-c
      AssumeRolePolicyDocument: {}
      Description: "not a # cfnfix: ignore comment"
  RoleD:  # cfnfix: ignore
    Type: AWS::IAM::Role
    Properties:
      RoleName: fixed-d
      AssumeRolePolicyDocument: {}
"""


def _codes(text: str, name: str = "t.yaml", **options: object) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in cfnfix.check(text, name, Options(unsafe_fixes=True, **options))]


def test_comments_on_the_line_or_above_skip_the_node_and_its_children() -> None:
    assert _codes(ROLES) == [(18, "CFX004")]  # only RoleC: a '#' inside a string is no comment
    result = cfnfix.fix(ROLES, "t.yaml", Options(unsafe_fixes=True))
    assert [f.path[1] for f in result.applied] == ["RoleC"]
    for kept in ("RoleName: fixed-a", "RoleName: fixed-b", "RoleName: fixed-d"):
        assert kept in result.fixed


def test_a_comment_for_another_code_does_not_skip() -> None:
    text = ROLES.replace("ignore[CFX004]", "ignore[CFX002, CFX1]")
    assert _codes(text) == [(8, "CFX004"), (18, "CFX004")]


def test_skip_file_in_the_leading_comments() -> None:
    assert _codes("# cfnfix: skip-file\n" + ROLES) == []
    assert _codes(ROLES.replace("# Orders stack", "# Orders stack\n# cfnfix: skip-file")) == []
    late = ROLES + "# cfnfix: skip-file\n"  # not a leading comment: no effect
    assert _codes(late) == [(18, "CFX004")]


def test_metadata_suppressions_in_json_and_yaml() -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Metadata": {"cfnfix": {"ignore": ["CFX002"]}},
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Metadata": {"cfnfix": {"ignore": ["CFX004"]}},
                     "Properties": {"RoleName": "fixed", "AssumeRolePolicyDocument": {}}},
            "Other": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "other", "AssumeRolePolicyDocument": {}}},
            "Topic": {"Type": "AWS::SNS::Topic"},
        },
        "Outputs": {"O": {"Value": {"Ref": "Topic"}, "Export": None}},
    }
    text = json.dumps(template, indent=2)
    assert [(c, f.path[1]) for c, f in ((f.code, f) for f in cfnfix.check(text, "t.json"))] == [("CFX004", "Other")]
    import yaml

    assert [f.path[1] for f in cfnfix.check(yaml.safe_dump(template), "t.yaml")] == ["Other"]


def test_cfn_lint_ignore_checks_silence_the_fixers_answering_those_rules() -> None:
    text = """\
AWSTemplateFormatVersion: '2010-09-09'
Metadata:
  cfn-lint:
    config:
      ignore_checks: [W3011]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
  Queue:
    Type: AWS::SQS::Queue
    DependsOn: Bucket
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [W30]
    Properties:
      QueueName: !Sub '${Bucket}-q'
  Topic:
    Type: AWS::SNS::Topic
    DependsOn: Bucket
    Properties:
      TopicName: !Sub '${Bucket}-t'
"""
    assert {rule for rule, _message in lint(text)} >= {"W3005"}  # cfn-lint reports the un-ignored one
    assert _codes(text) == [(21, "CFX103")]  # CFX105 (W3011) off everywhere, CFX103 (W3005) off in Queue


def test_unused_suppressions_are_reported_when_asked(tmp_path: Path) -> None:
    text = ROLES.replace("RoleName: fixed-a\n", "").replace("  RoleB:", "  Extra:  # cfnfix: ignore[CFX101]\n"
                                                               "    Type: AWS::SNS::Topic\n  RoleB:")
    assert [code for _line, code in _codes(text)] == ["CFX004"]
    unused = [f for f in cfnfix.check(text, "t.yaml", Options(warn_unused_ignores=True)) if f.code == "CFX000"]
    assert [(f.line, f.message) for f in unused] == [
        (4, "Suppression `# cfnfix: ignore[CFX004]` matches no finding"),
        (9, "Suppression `# cfnfix: ignore[CFX101]` matches no finding"),
    ]
    selected = cfnfix.check(text, "t.yaml", Options(warn_unused_ignores=True, select=("CFX004",)))
    assert "(not a selected fixer: CFX101)" in [f.message for f in selected if f.code == "CFX000"][1]
    path = tmp_path / "t.yaml"
    path.write_text(text)
    done = run_cli("check", "--warn-unused-ignores", "t.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert "t.yaml:4:3: CFX000 Suppression `# cfnfix: ignore[CFX004]` matches no finding" in done.stdout
    (tmp_path / ".cfnfix.toml").write_text("warn-unused-ignores = true\n")
    assert "CFX000" in run_cli("check", "t.yaml", cwd=tmp_path).stdout
    assert "CFX000" not in run_cli("check", "--no-warn-unused-ignores", "t.yaml", cwd=tmp_path).stdout
    assert run_cli("fix", "--apply", "--unsafe-fixes", "t.yaml", cwd=tmp_path).returncode == 1  # CFX000 remains
