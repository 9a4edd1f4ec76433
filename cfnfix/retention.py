"""What happens to a resource's data when CloudFormation deletes or replaces it: the policies'
defaults and which resources can leave a snapshot, shared by the fixers that write
``DeletionPolicy`` and ``UpdateReplacePolicy``.

The facts relied on (the CloudFormation and RDS documentation, and the RDS resource provider):

- without ``DeletionPolicy``, a resource is deleted, except an ``AWS::RDS::DBCluster`` and an
  ``AWS::RDS::DBInstance`` without ``DBClusterIdentifier``, whose default is ``Snapshot``;
- without ``UpdateReplacePolicy``, the replaced resource is deleted;
- ``Snapshot`` is valid on the types of cfn-lint's ``valid_snapshot_types``, but RDS takes no
  final snapshot of a read replica (``SourceDBInstanceIdentifier`` or ``SourceDBClusterIdentifier``
  set: "FinalDBSnapshotIdentifier can not be specified when deleting a replica instance") nor
  of a DB instance of a cluster (``DBClusterIdentifier`` set: the cluster is snapshotted).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from cfnfix.cfnlint_data import snapshot_types
from cfnfix.template import intrinsic_function

DELETION = "DeletionPolicy"
REPLACE = "UpdateReplacePolicy"
POLICIES = (DELETION, REPLACE)
DB_INSTANCE = "AWS::RDS::DBInstance"
DB_CLUSTER = "AWS::RDS::DBCluster"
#: properties of a DB instance that make it a read replica
REPLICA_SOURCES = ("SourceDBInstanceIdentifier", "SourceDBClusterIdentifier")
_NO_VALUE = {"Ref": "AWS::NoValue"}


class Presence(Enum):
    """Whether a property is set: always, never, or under a condition (an ``Fn::If`` with a
    ``AWS::NoValue`` branch, or properties that are themselves an intrinsic function)."""

    SET = "set"
    UNSET = "unset"
    MAYBE = "maybe"


def presence(value: Any) -> Presence:
    """Whether a property's value makes it set (``None``: the property is absent)."""
    if value is None or value == _NO_VALUE:
        return Presence.UNSET
    if intrinsic_function(value) == "Fn::If":
        branches = value["Fn::If"]
        if isinstance(branches, list) and len(branches) == 3:
            sides = {presence(branches[1]), presence(branches[2])}
            return sides.pop() if len(sides) == 1 else Presence.MAYBE
    return Presence.SET


def property_presence(resource: dict[str, Any], name: str) -> Presence:
    """Whether ``Properties.<name>`` of a resource is set."""
    properties = resource.get("Properties")
    if properties is None:
        return Presence.UNSET
    if not isinstance(properties, dict) or intrinsic_function(properties) is not None:
        return Presence.MAYBE
    return presence(properties.get(name))


def _any(resource: dict[str, Any], names: tuple[str, ...]) -> Presence:
    found = {property_presence(resource, name) for name in names}
    if Presence.SET in found:
        return Presence.SET
    return Presence.MAYBE if Presence.MAYBE in found else Presence.UNSET


def read_replica(resource: dict[str, Any]) -> Presence:
    """Whether a resource is an RDS read replica (UNSET for anything but a DB instance)."""
    if resource.get("Type") != DB_INSTANCE:
        return Presence.UNSET
    return _any(resource, REPLICA_SOURCES)


def unsnapshottable_instance(resource: dict[str, Any]) -> Presence:
    """Whether a resource is a DB instance RDS takes no final snapshot of: a read replica or a
    member of a DB cluster (UNSET for anything else)."""
    if resource.get("Type") != DB_INSTANCE:
        return Presence.UNSET
    return _any(resource, (*REPLICA_SOURCES, "DBClusterIdentifier"))


def why_no_snapshot(resource: dict[str, Any]) -> str:
    """Why a DB instance cannot be snapshotted, for messages ('' when it can, or may)."""
    if read_replica(resource) is Presence.SET:
        return "RDS takes no final snapshot of a read replica"
    if unsnapshottable_instance(resource) is Presence.SET:
        return "RDS snapshots a cluster's instances only through the DB cluster"
    return ""


def snapshot_possible(resource: dict[str, Any]) -> bool:
    """Whether ``Snapshot`` surely leaves a snapshot when the resource goes."""
    kind = resource.get("Type")
    if not isinstance(kind, str) or kind not in snapshot_types():
        return False
    return unsnapshottable_instance(resource) is Presence.UNSET


def default_policy(resource: dict[str, Any], attribute: str) -> str:
    """What CloudFormation does without the policy ``attribute``: ``Delete`` or ``Snapshot``
    (``Snapshot`` when a DB instance may lack ``DBClusterIdentifier``, as its default may be)."""
    if attribute != DELETION:
        return "Delete"
    kind = resource.get("Type")
    if kind == DB_CLUSTER:
        return "Snapshot"
    if kind == DB_INSTANCE and property_presence(resource, "DBClusterIdentifier") is not Presence.SET:
        return "Snapshot"
    return "Delete"
