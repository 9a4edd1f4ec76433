"""The retention facts fixers share: the policies' defaults, read replicas, which resources can be snapshotted."""

from __future__ import annotations

from typing import Any

import pytest

from cfnfix.retention import (
    DELETION,
    REPLACE,
    Presence,
    default_policy,
    presence,
    read_replica,
    snapshot_possible,
    unsnapshottable_instance,
)

NO_VALUE = {"Ref": "AWS::NoValue"}


def instance(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::RDS::DBInstance", "Properties": properties}


@pytest.mark.parametrize(("value", "expected"), [
    (None, Presence.UNSET),
    (NO_VALUE, Presence.UNSET),
    ("db-1", Presence.SET),
    ({"Ref": "Source"}, Presence.SET),
    ({"Fn::If": ["C", "db-1", NO_VALUE]}, Presence.MAYBE),
    ({"Fn::If": ["C", NO_VALUE, NO_VALUE]}, Presence.UNSET),
    ({"Fn::If": ["C", "a", {"Fn::If": ["D", "b", NO_VALUE]}]}, Presence.MAYBE),
])
def test_presence(value: Any, expected: Presence) -> None:
    assert presence(value) is expected


def test_read_replicas_and_cluster_members() -> None:
    assert read_replica(instance(SourceDBInstanceIdentifier="db-1")) is Presence.SET
    assert read_replica(instance(SourceDBClusterIdentifier="cluster-1")) is Presence.SET
    assert read_replica(instance(Engine="mysql")) is Presence.UNSET
    assert read_replica({"Type": "AWS::RDS::DBInstance", "Properties": {"Fn::If": ["C", {}, {}]}}) is Presence.MAYBE
    assert read_replica({"Type": "AWS::RDS::DBCluster", "Properties": {"SourceDBInstanceIdentifier": "x"}}) \
        is Presence.UNSET
    assert unsnapshottable_instance(instance(DBClusterIdentifier="cluster-1")) is Presence.SET


@pytest.mark.parametrize(("resource", "deletion"), [
    ({"Type": "AWS::RDS::DBCluster"}, "Snapshot"),
    (instance(Engine="mysql"), "Snapshot"),
    (instance(SourceDBInstanceIdentifier="db-1"), "Snapshot"),  # as documented, though RDS cannot take it
    (instance(DBClusterIdentifier="c"), "Delete"),
    (instance(DBClusterIdentifier={"Fn::If": ["C", "c", NO_VALUE]}), "Snapshot"),
    ({"Type": "AWS::EC2::Volume"}, "Delete"),
    ({"Type": "AWS::S3::Bucket"}, "Delete"),
])
def test_default_policies(resource: dict[str, Any], deletion: str) -> None:
    assert default_policy(resource, DELETION) == deletion
    assert default_policy(resource, REPLACE) == "Delete"


@pytest.mark.parametrize(("resource", "possible"), [
    (instance(Engine="mysql"), True),
    (instance(SourceDBInstanceIdentifier="db-1"), False),
    (instance(DBClusterIdentifier="c"), False),
    (instance(SourceDBInstanceIdentifier={"Fn::If": ["C", "db-1", NO_VALUE]}), False),
    ({"Type": "AWS::EC2::Volume"}, True),
    ({"Type": "AWS::Neptune::DBCluster"}, True),
    ({"Type": "AWS::DynamoDB::Table"}, False),
])
def test_snapshot_possible(resource: dict[str, Any], possible: bool) -> None:
    assert snapshot_possible(resource) is possible
