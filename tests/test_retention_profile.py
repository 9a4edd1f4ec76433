"""Unit tests of CFX206 retention-profile: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from cfnfix.models import Applicability, Finding, InsertKey, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.retention_profile import RetentionProfile, RetentionProfileSettings

HEAD = """\
Parameters:
  Policy:
    Type: String
    AllowedValues: [Retain, Delete]
  Free:
    Type: String
  Protect:
    Type: String
    Default: 'true'
Conditions:
  IsProd: !Equals [a, b]
Resources:
"""
KEEP = Options(fixer_settings={"CFX206": {"keep-snapshots": True}})


def find(resources: str, options: Options | None = None) -> list[Finding]:
    text = HEAD + textwrap.indent(textwrap.dedent(resources), "  ")
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return list(RetentionProfile().find(Template(to_data(node), node, "yaml", "t.yaml"), options or Options()))


def edits(finding: Finding) -> list[tuple[str, Any]]:
    """(key, value) of each edit: the key inserted or the last part of the path set."""
    assert finding.fix is not None, finding.no_fix_reason
    found = []
    for edit in finding.fix.edits:
        if isinstance(edit, InsertKey):
            found.append((edit.key, edit.value))
        else:
            assert isinstance(edit, SetValue)
            found.append((str(edit.path[-1]), edit.value))
    return found


def test_metadata() -> None:
    fixer = RetentionProfile()
    assert (fixer.code, fixer.name, fixer.profile, fixer.opt_in) == ("CFX206", "retention-profile", "ci", False)
    assert fixer.applicability is Applicability.UNSAFE
    assert fixer.settings_model is RetentionProfileSettings
    assert RetentionProfileSettings.model_validate({"keep-snapshots": True}).keep_snapshots
    docs = RetentionProfile.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:", "## Fix safety",
                    "## Options", "## References"):
        assert section in docs


def test_retain_becomes_delete_and_the_missing_pair_is_written() -> None:
    (finding,) = find("""\
    Bucket:
      Type: AWS::S3::Bucket
      DeletionPolicy: Retain
    """)
    assert finding.path == ("Resources", "Bucket", "DeletionPolicy")
    assert edits(finding) == [("DeletionPolicy", "Delete"), ("UpdateReplacePolicy", "Delete")]
    assert finding.fix is not None and "empty" in finding.fix.note


def test_each_policy_that_keeps_something_is_its_own_finding() -> None:
    findings = find("""\
    Table:
      Type: AWS::DynamoDB::Table
      DeletionPolicy: RetainExceptOnCreate
      UpdateReplacePolicy: Snapshot
    """)
    assert [edits(f) for f in findings] == [[("DeletionPolicy", "Delete")], [("UpdateReplacePolicy", "Delete")]]


@pytest.mark.parametrize(("resource", "reported"), [
    ("Type: AWS::RDS::DBCluster", True),  # default Snapshot
    ("Type: AWS::RDS::DBInstance\nProperties:\n  Engine: mysql", True),  # default Snapshot
    ("Type: AWS::RDS::DBInstance\nProperties:\n  DBClusterIdentifier: !Ref C", False),  # default Delete
    ("Type: AWS::RDS::DBInstance\nProperties:\n  DBClusterIdentifier: !If [IsProd, c, !Ref AWS::NoValue]", True),
    ("Type: AWS::SQS::Queue", False),  # default Delete
    ("Type: AWS::EC2::Volume", False),
    ("Type: AWS::IAM::Role\nDeletionPolicy: Retain", False),  # not a stateful type
    ("Type: AWS::S3::Bucket\nDeletionPolicy: Delete\nUpdateReplacePolicy: Delete", False),
    ("Type: AWS::S3::Bucket\nDeletionPolicy: !Ref Free", False),  # unknown value
    ("Type: AWS::S3::Bucket\nDeletionPolicy: !FindInMap [M, a, b]", False),
    ("Type: AWS::S3::Bucket\nDeletionPolicy: !If [IsProd, Delete, Delete]", False),
])
def test_which_policies_are_reported(resource: str, reported: bool) -> None:
    assert bool(find("R:\n" + textwrap.indent(resource, "  ") + "\n")) is reported


def test_both_policies_missing_are_inserted_in_order_after_the_last_of_type_condition_depends_on() -> None:
    (finding,) = find("""\
    Db:
      Type: AWS::RDS::DBCluster
      Condition: IsProd
      Properties:
        Engine: aurora-mysql
    """)
    assert finding.path == ("Resources", "Db")
    assert finding.fix is not None
    inserts = [e for e in finding.fix.edits if isinstance(e, InsertKey)]
    assert [(e.key, e.value, e.after) for e in inserts] == [
        ("DeletionPolicy", "Delete", "Condition"), ("UpdateReplacePolicy", "Delete", "Condition"),
    ]


def test_keep_snapshots_keeps_snapshot_where_rds_can_take_one() -> None:
    findings = find("""\
    Primary:
      Type: AWS::RDS::DBInstance
      DeletionPolicy: Snapshot
      Properties:
        Engine: mysql
    Kept:
      Type: AWS::RDS::DBInstance
      DeletionPolicy: Retain
      Properties:
        Engine: mysql
    Replica:
      Type: AWS::RDS::DBInstance
      DeletionPolicy: Snapshot
      Properties:
        SourceDBInstanceIdentifier: primary
    Member:
      Type: AWS::RDS::DBInstance
      UpdateReplacePolicy: Snapshot
      Properties:
        DBClusterIdentifier: cluster
    Cluster:
      Type: AWS::RDS::DBCluster
    """, KEEP)
    assert {f.path[1]: edits(f) for f in findings} == {
        "Kept": [("DeletionPolicy", "Snapshot"), ("UpdateReplacePolicy", "Snapshot")],
        "Replica": [("DeletionPolicy", "Delete"), ("UpdateReplacePolicy", "Delete")],
        "Member": [("UpdateReplacePolicy", "Delete"), ("DeletionPolicy", "Delete")],
    }
    notes = {f.path[1]: f.fix.note for f in findings if f.fix}
    assert "no final snapshot of a read replica" in notes["Replica"]


@pytest.mark.parametrize(("kind", "properties", "path", "off"), [
    ("AWS::RDS::DBInstance", "DeletionProtection: true", ("DeletionProtection",), False),
    ("AWS::DocDB::DBCluster", "DeletionProtection: 'True'", ("DeletionProtection",), "false"),
    ("AWS::Neptune::DBCluster", "DeletionProtection: true", ("DeletionProtection",), False),
    ("AWS::DynamoDB::Table", "DeletionProtectionEnabled: true", ("DeletionProtectionEnabled",), False),
    ("AWS::Logs::LogGroup", "DeletionProtectionEnabled: true", ("DeletionProtectionEnabled",), False),
    ("AWS::EKS::Cluster", "DeletionProtection: true", ("DeletionProtection",), False),
    ("AWS::NetworkFirewall::Firewall", "DeleteProtection: true", ("DeleteProtection",), False),
    ("AWS::EC2::Instance", "DisableApiTermination: true", ("DisableApiTermination",), False),
    ("AWS::EMR::Cluster", "TerminationProtected: true", ("TerminationProtected",), False),
    ("AWS::CloudTrail::EventDataStore", "TerminationProtectionEnabled: true",
     ("TerminationProtectionEnabled",), False),
    ("AWS::Cognito::UserPool", "DeletionProtection: ACTIVE", ("DeletionProtection",), "INACTIVE"),
    ("AWS::OpenSearchServerless::Collection", "DeletionProtection: ENABLED", ("DeletionProtection",), "DISABLED"),
    ("AWS::AutoScaling::AutoScalingGroup", "DeletionProtection: prevent-all-deletion",
     ("DeletionProtection",), "none"),
    ("AWS::DynamoDB::GlobalTable", "Replicas:\n  - Region: us-east-1\n    DeletionProtectionEnabled: true",
     ("Replicas", 0, "DeletionProtectionEnabled"), False),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer",
     "LoadBalancerAttributes:\n  - Key: deletion_protection.enabled\n    Value: 'true'",
     ("LoadBalancerAttributes", 0, "Value"), "false"),
])
def test_deletion_protection_is_turned_off(kind: str, properties: str, path: tuple[Any, ...], off: Any) -> None:
    resource = f"R:\n  Type: {kind}\n  DeletionPolicy: Delete\n  Properties:\n{textwrap.indent(properties, '    ')}\n"
    (finding,) = find(resource)
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert isinstance(edit, SetValue) and edit.path == ("Resources", "R", "Properties", *path)
    assert edit.value == off and type(edit.value) is type(off)


@pytest.mark.parametrize("properties", [
    "DeletionProtection: false",
    "DeletionProtection: !Ref Free",  # no default: unknown
    "DeletionProtection: !FindInMap [M, a, b]",
])
def test_protection_off_or_unknown_is_not_reported(properties: str) -> None:
    assert find(f"R:\n  Type: AWS::RDS::DBCluster\n  DeletionPolicy: Delete\n  Properties:\n    {properties}\n") == []


@pytest.mark.parametrize("kind", ["AWS::QLDB::Ledger", "AWS::NeptuneGraph::Graph"])
def test_protection_on_when_absent_gets_false(kind: str) -> None:
    (finding,) = find(f"R:\n  Type: {kind}\n  Properties:\n    Name: x\n")
    assert edits(finding) == [("DeletionProtection", False)]
    assert find(f"R:\n  Type: {kind}\n  Properties:\n    DeletionProtection: false\n") == []
    assert find(f"R:\n  Type: {kind}\n  Properties: !If [IsProd, {{}}, {{}}]\n") == []


def test_a_function_is_replaced_when_what_it_reads_stays_used() -> None:
    findings = find("""\
    Table:
      Type: AWS::DynamoDB::Table
      DeletionPolicy: !If [IsProd, Retain, Delete]
      UpdateReplacePolicy: !Ref Policy
      Properties:
        DeletionProtectionEnabled: !Ref Protect
    Other:
      Type: AWS::SNS::Topic
      Condition: IsProd
      Properties:
        DisplayName: !Sub '${Policy}-${Protect}'
    """)
    assert [edits(f) for f in findings] == [
        [("DeletionPolicy", "Delete")], [("UpdateReplacePolicy", "Delete")], [("DeletionProtectionEnabled", "false")],
    ]


def test_no_fix_when_every_use_of_a_parameter_would_go() -> None:
    findings = find("""\
    A:
      Type: AWS::S3::Bucket
      DeletionPolicy: !Ref Policy
    B:
      Type: AWS::S3::Bucket
      UpdateReplacePolicy: !Ref Policy
    C:
      Type: AWS::KMS::Key
      DeletionPolicy: !If [IsProd, Retain, Delete]
    """)
    assert [f.fix for f in findings] == [None, None, None]
    assert "deploy with `Policy=Delete`" in str(findings[0].no_fix_reason)
    assert "condition `IsProd` used nowhere" in str(findings[2].no_fix_reason)


def test_an_organizations_account_is_never_deleted() -> None:
    (finding,) = find("Account:\n  Type: AWS::Organizations::Account\n  DeletionPolicy: Retain\n")
    assert finding.fix is None and "closes the AWS account" in str(finding.no_fix_reason)


def test_no_value_stands_for_the_default() -> None:
    findings = find("""\
    Db:
      Type: AWS::RDS::DBInstance
      DeletionPolicy: !If [IsProd, Delete, !Ref AWS::NoValue]
      Properties:
        Engine: mysql
        DeletionProtection: !If [IsProd, true, !Ref AWS::NoValue]
    Bucket:
      Type: AWS::S3::Bucket
      DeletionPolicy: !If [IsProd, Delete, !Ref AWS::NoValue]
    Ledger:
      Type: AWS::QLDB::Ledger
      Properties:
        DeletionProtection: !If [IsProd, false, !Ref AWS::NoValue]
    Other:
      Type: AWS::SNS::Topic
      Condition: IsProd
    """)
    assert {(f.path[1], f.path[-1]) for f in findings} == {
        ("Db", "DeletionPolicy"),  # AWS::NoValue: RDS's default, Snapshot
        ("Db", "DeletionProtection"),
        ("Ledger", "DeletionProtection"),  # AWS::NoValue: a ledger's default, protected
    }
    assert all(f.fix is not None for f in findings)
