"""Unit tests of CFX105 retention-policy-pair: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from cfnfix.models import Applicability, Finding, InsertKey, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.retention_policy_pair import RetentionPolicyPair

HEAD = """\
Parameters:
  Keep:
    Type: String
    AllowedValues: [Retain, Delete]
  Any:
    Type: String
  Odd:
    Type: String
    AllowedValues: [Retain, RetainExceptOnCreate]
Conditions:
  IsOn: !Equals [a, b]
Resources:
"""


def find(resources: str) -> list[Finding]:
    text = HEAD + textwrap.indent(textwrap.dedent(resources), "  ")
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return list(RetentionPolicyPair().find(Template(to_data(node), node, "yaml", "t.yaml"), Options()))


def one(kind: str, attributes: str) -> Finding:
    (finding,) = find(f"R:\n  Type: {kind}\n" + textwrap.indent(attributes, "  "))
    return finding


def insert(finding: Finding) -> InsertKey:
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert isinstance(edit, InsertKey) and edit.path == ("Resources", "R")
    return edit


def test_metadata() -> None:
    fixer = RetentionPolicyPair()
    assert (fixer.code, fixer.name) == ("CFX105", "retention-policy-pair")
    assert fixer.applicability is Applicability.SAFE
    assert fixer.cfn_lint_rules == ("W3011",)
    docs = RetentionPolicyPair.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in docs


@pytest.mark.parametrize(("have", "missing", "value"), [
    ("DeletionPolicy", "UpdateReplacePolicy", "Retain"),
    ("UpdateReplacePolicy", "DeletionPolicy", "Retain"),
    ("DeletionPolicy", "UpdateReplacePolicy", "Snapshot"),
    ("UpdateReplacePolicy", "DeletionPolicy", "Snapshot"),
])
def test_same_value_after_the_existing_one(have: str, missing: str, value: str) -> None:
    finding = one("AWS::RDS::DBInstance", f"{have}: {value}\n")
    edit = insert(finding)
    assert (edit.key, edit.value, edit.after) == (missing, value, have)
    assert finding.path == ("Resources", "R", have)
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE


def test_nothing_to_pair() -> None:
    assert find("""\
    A:
      Type: AWS::SQS::Queue
      DeletionPolicy: Delete
    B:
      Type: AWS::SQS::Queue
      UpdateReplacePolicy: Delete
    C:
      Type: AWS::SQS::Queue
      DeletionPolicy: Retain
      UpdateReplacePolicy: Delete
    D:
      Type: AWS::SQS::Queue
    E:
      Type: AWS::Lambda::Version
      DeletionPolicy: Retain
    F:
      Type: AWS::Lambda::LayerVersion
      UpdateReplacePolicy: Retain
    """) == []


def test_retain_except_on_create_becomes_retain_unsafely() -> None:
    finding = one("AWS::S3::Bucket", "DeletionPolicy: RetainExceptOnCreate\n")
    assert insert(finding).value == "Retain"
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize("attributes", [
    "DeletionPolicy: Snapshot\n",  # not on a queue
    "DeletionPolicy: delete\n",
    "DeletionPolicy:\n",
    "DeletionPolicy: !Ref Any\n",
    "DeletionPolicy: !Ref Odd\n",
    "DeletionPolicy: !FindInMap [M, a, b]\n",
    "DeletionPolicy: !If [IsOn, Snapshot, Delete]\n",
    "UpdateReplacePolicy: RetainExceptOnCreate\n",  # invalid there; copying does not repair it
])
def test_no_fix(attributes: str) -> None:
    finding = one("AWS::SQS::Queue", attributes)
    assert finding.fix is None and finding.no_fix_reason


@pytest.mark.parametrize(("attributes", "expected", "safe"), [
    ("DeletionPolicy: !If [IsOn, Retain, Delete]\n", {"Fn::If": ["IsOn", "Retain", "Delete"]}, True),
    ("DeletionPolicy: !If [IsOn, RetainExceptOnCreate, Delete]\n", {"Fn::If": ["IsOn", "Retain", "Delete"]}, False),
    ("UpdateReplacePolicy: !Ref Keep\n", {"Ref": "Keep"}, True),
    ("DeletionPolicy: !If [IsOn, !If [IsOn, Retain, Delete], !Ref Keep]\n",
     {"Fn::If": ["IsOn", {"Fn::If": ["IsOn", "Retain", "Delete"]}, {"Ref": "Keep"}]}, True),
])
def test_intrinsics(attributes: str, expected: Any, safe: bool) -> None:
    finding = one("AWS::SQS::Queue", attributes)
    assert insert(finding).value == expected
    assert finding.fix is not None
    assert (finding.fix.applicability is Applicability.SAFE) is safe


def test_type_that_is_not_a_string() -> None:
    # modules and macros may leave an intrinsic as the type: still checked, no crash
    finding = one("{Ref: Kind}", "DeletionPolicy: Retain\n")
    assert insert(finding).value == "Retain"


@pytest.mark.parametrize("source", [
    "SourceDBInstanceIdentifier: primary-db",
    "SourceDBClusterIdentifier: !Ref Cluster",
    "DBClusterIdentifier: !Ref Cluster",
])
@pytest.mark.parametrize(("have", "missing"), [
    ("DeletionPolicy", "UpdateReplacePolicy"), ("UpdateReplacePolicy", "DeletionPolicy"),
])
def test_an_instance_rds_cannot_snapshot_pairs_snapshot_with_delete(source: str, have: str, missing: str) -> None:
    finding = one("AWS::RDS::DBInstance", f"{have}: Snapshot\nProperties:\n  {source}\n")
    edit = insert(finding)
    assert (edit.key, edit.value) == (missing, "Delete")
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert "no final snapshot" in finding.fix.note or "through the DB cluster" in finding.fix.note


def test_a_replica_keeps_retain_and_an_if_branch_of_snapshot_becomes_delete() -> None:
    replica = "Properties:\n  SourceDBInstanceIdentifier: primary-db\n"
    assert insert(one("AWS::RDS::DBInstance", "DeletionPolicy: Retain\n" + replica)).value == "Retain"
    edit = insert(one("AWS::RDS::DBInstance", "DeletionPolicy: !If [IsOn, Snapshot, Retain]\n" + replica))
    assert edit.value == {"Fn::If": ["IsOn", "Delete", "Retain"]}


@pytest.mark.parametrize("attributes", [
    # a replica only under a condition: Snapshot is right for one case and refused for the other
    "DeletionPolicy: Snapshot\nProperties:\n  SourceDBInstanceIdentifier: !If [IsOn, primary-db, !Ref AWS::NoValue]\n",
    "DeletionPolicy: Snapshot\nProperties: !If [IsOn, {SourceDBInstanceIdentifier: primary-db}, {Engine: mysql}]\n",
    # a parameter that may say Snapshot, on a replica
    "DeletionPolicy: !Ref Snap\nProperties:\n  SourceDBInstanceIdentifier: primary-db\n",
])
def test_no_fix_when_a_replica_could_get_snapshot(attributes: str) -> None:
    text = textwrap.indent(f"R:\n  Type: AWS::RDS::DBInstance\n{textwrap.indent(attributes, '  ')}", "  ")
    snap = "  Snap:\n    Type: String\n    AllowedValues: [Snapshot, Retain]\n"
    source = HEAD.replace("Conditions:", snap + "Conditions:")
    node = yaml.compose(source + text, Loader=yaml.CSafeLoader)
    (finding,) = RetentionPolicyPair().find(Template(to_data(node), node, "yaml", "t.yaml"), Options())
    assert finding.fix is None and finding.no_fix_reason


def test_a_primary_instance_still_pairs_snapshot_with_snapshot() -> None:
    finding = one("AWS::RDS::DBInstance", "DeletionPolicy: Snapshot\nProperties:\n  Engine: postgres\n")
    assert insert(finding).value == "Snapshot"
