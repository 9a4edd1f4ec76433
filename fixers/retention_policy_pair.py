"""CFX105 retention-policy-pair: a ``DeletionPolicy`` without ``UpdateReplacePolicy`` gets its pair, or the reverse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnfix.cfnlint_data import snapshot_types
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, InsertKey, Options
from cfnfix.retention import DELETION, REPLACE, Presence, unsnapshottable_instance, why_no_snapshot
from cfnfix.template import Template, intrinsic_function

# types W3011 leaves alone: CloudFormation never replaces a version, it adds a new one
EXEMPT_TYPES = frozenset({"AWS::Lambda::Version", "AWS::Lambda::LayerVersion"})
# what each attribute accepts on any type (cfn-lint's E3035 and E3036); Snapshot only on some types
VALUES = {DELETION: ("Delete", "Retain", "RetainExceptOnCreate"), REPLACE: ("Delete", "Retain")}
# a DeletionPolicy value UpdateReplacePolicy lacks, and the value that does the same on replacement
NEAREST = {"RetainExceptOnCreate": "Retain"}


class _NoFix(Exception):
    """Why a policy value cannot be carried over to the other attribute."""


def _valid(value: Any, attribute: str, kind: Any) -> bool:
    """Whether ``attribute`` accepts ``value`` on a resource of type ``kind`` (cfn-lint is read only for Snapshot)."""
    if value in VALUES[attribute]:
        return True
    return value == "Snapshot" and isinstance(kind, str) and kind in snapshot_types()


def _names_snapshot(value: Any) -> bool:
    """Whether a policy value is, or has a branch that is, ``Snapshot``."""
    if value == "Snapshot":
        return True
    branches = value.get("Fn::If") if isinstance(value, dict) else None
    return isinstance(branches, list) and any(_names_snapshot(b) for b in branches[1:])


def _allowed(attribute: str, kind: Any) -> str:
    """The values ``attribute`` accepts on ``kind``, for a message."""
    snapshot = ("Snapshot",) if _valid("Snapshot", attribute, kind) else ()
    return ", ".join((*VALUES[attribute], *snapshot))


class RetentionPolicyPair(Fixer):
    """Checks for a `DeletionPolicy` without `UpdateReplacePolicy`, or the reverse.

    ## What it does
    Finds a resource with exactly one of the two policies, set to anything but
    `Delete` (the default of both: a lone `Delete` protects nothing, so there is
    no pair to add), and inserts the missing policy with the same value right
    after the existing one. `AWS::Lambda::Version` and
    `AWS::Lambda::LayerVersion` are left alone, as cfn-lint leaves them: they
    are never replaced.

    The two attributes do not accept the same values. `Retain` and `Delete` are
    valid for both, and so is `Snapshot` on the types that support snapshots
    (RDS, Neptune, DocumentDB, ElastiCache, Redshift, EBS volumes...).
    `DeletionPolicy: RetainExceptOnCreate` has no `UpdateReplacePolicy` twin:
    it means "retain, unless the resource was created by the operation being
    rolled back", and a resource being replaced was created by an earlier
    operation, so `UpdateReplacePolicy: Retain` does what it would; that fix is
    offered as unsafe, as the value differs from the one written. A value
    neither attribute accepts on that type (`Snapshot` on a queue, `delete`) is
    reported without a fix, and so is one the existing attribute does not
    accept (`UpdateReplacePolicy: RetainExceptOnCreate`): cfn-lint's E3035 or
    E3036 already names it, and it needs repairing before it can be paired.

    An `AWS::RDS::DBInstance` that is a read replica (`SourceDBInstanceIdentifier`
    or `SourceDBClusterIdentifier` set) or a member of a DB cluster
    (`DBClusterIdentifier` set) never gets `Snapshot`: RDS refuses a final
    snapshot of a replica ("FinalDBSnapshotIdentifier can not be specified when
    deleting a replica instance") and snapshots a cluster's instances only
    through the cluster, so the pair of its `Snapshot` is `Delete`, what
    happens to it anyway. When the instance is a replica or a member only under
    a condition (an `Fn::If` with an `AWS::NoValue` branch), `Snapshot` is
    reported without a fix, as is a parameter that may be `Snapshot`.

    A value given as an intrinsic function is copied when every value it can
    take is known and valid for the other attribute: each branch of an
    `Fn::If` (recursively), or a `Ref` to a parameter whose `AllowedValues` all
    are. Other functions (`Fn::FindInMap`, `Fn::Sub`, a parameter without
    `AllowedValues`) are reported without a fix.

    ## Why is this bad?
    `DeletionPolicy` only applies when the resource is deleted with the stack or
    removed from the template. When an update replaces the resource (a changed
    bucket name, DB identifier or key schema), the old one is deleted according
    to `UpdateReplacePolicy`, whose default is `Delete`: a database kept safe
    by `DeletionPolicy: Retain` is still lost to a replacing update.

    ## Example
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        DeletionPolicy: Snapshot
        Properties:
          Engine: postgres
    ```

    Use instead:
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        DeletionPolicy: Snapshot
        UpdateReplacePolicy: Snapshot
        Properties:
          Engine: postgres
    ```

    ## Fix safety
    The fix is safe: it applies the policy the author chose for deletion to
    replacement too, which is what the author meant to protect. Only the
    `RetainExceptOnCreate` -> `Retain` fix is unsafe. A retained resource is
    left behind after a replacement and keeps costing until removed by hand.

    ## References
    - [DeletionPolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html)
    - [UpdateReplacePolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html)
    - [The RDS resource provider: no final snapshot of read replicas and cluster instances](https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-rds/pull/550)
    - cfn-lint rule W3011 (both UpdateReplacePolicy and DeletionPolicy are needed)
    """

    code: ClassVar[str] = "CFX105"
    name: ClassVar[str] = "retention-policy-pair"
    summary: ClassVar[str] = "DeletionPolicy without UpdateReplacePolicy, or the reverse"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W3011",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        for name, resource in template.resources.items():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if not isinstance(resource, dict) or (isinstance(kind, str) and kind in EXEMPT_TYPES):
                continue
            present = [key for key in (DELETION, REPLACE) if key in resource]
            if len(present) != 1 or resource[present[0]] == "Delete":
                continue
            (have,) = present
            missing = REPLACE if have == DELETION else DELETION
            path = ("Resources", name, have)
            value = resource[have]
            message = f"Resource `{name}` has `{have}` but no `{missing}`"
            no_snapshot = unsnapshottable_instance(resource)
            try:
                new, exact = self._carry(template, value, have, kind, no_snapshot)
            except _NoFix as reason:
                yield self.finding(path, message, no_fix_reason=str(reason))
                continue
            edit = InsertKey(path=("Resources", name), key=missing, value=new, after=have)
            shown = new if isinstance(new, str) else "the same expression"
            why = why_no_snapshot(resource)
            because = f" ({why})" if why and _names_snapshot(value) else ""
            yield self.finding(
                path, message, [edit], note=f"adds `{missing}: {shown}` after `{have}`{because}",
                applicability=None if exact else Applicability.UNSAFE,
            )

    def _carry(self, template: Template, value: Any, source: str, kind: Any,
               no_snapshot: Presence = Presence.UNSET) -> tuple[Any, bool]:
        """The value for the other attribute that does what ``value`` of ``source`` does, and whether
        the fix is safe (the same value, or one that changes nothing CloudFormation does)."""
        target = REPLACE if source == DELETION else DELETION
        if isinstance(value, str):
            if not _valid(value, source, kind):
                raise _NoFix(f"`{value}` is not a valid `{source}` for this resource type "
                             f"(valid: {_allowed(source, kind)}); it needs repairing first")
            if value == "Snapshot" and no_snapshot is Presence.SET:
                return "Delete", True  # what RDS does with the instance anyway: no final snapshot
            if value == "Snapshot" and no_snapshot is Presence.MAYBE:
                raise _NoFix("the DB instance is a read replica or a cluster member only under a condition: "
                             "its pair would be `Delete` then (RDS takes no final snapshot of it) and "
                             "`Snapshot` otherwise")
            if _valid(value, target, kind):
                return value, True
            if target == REPLACE and value in NEAREST:
                return NEAREST[value], False
            raise _NoFix(f"`{value}` is not a valid `{target}` for this resource type "
                         f"(valid: {_allowed(target, kind)})")
        function = intrinsic_function(value)
        arg = value.get(function) if function else None
        if function == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            first, same_first = self._carry(template, arg[1], source, kind, no_snapshot)
            second, same_second = self._carry(template, arg[2], source, kind, no_snapshot)
            return {"Fn::If": [arg[0], first, second]}, same_first and same_second
        if function == "Ref" and isinstance(arg, str):
            parameter = template.parameters.get(arg)
            allowed_values = parameter.get("AllowedValues") if isinstance(parameter, dict) else None
            if not isinstance(allowed_values, list) or not allowed_values:
                raise _NoFix(f"the values `{arg}` can take are not known (no `AllowedValues`)")
            if no_snapshot is not Presence.UNSET and "Snapshot" in allowed_values:
                raise _NoFix(f"`{arg}` may be `Snapshot`, which this DB instance cannot take (a read "
                             "replica or a cluster member); its pair would be `Delete` for that value only")
            if all(_valid(item, target, kind) and _valid(item, source, kind) for item in allowed_values):
                return value, True
            raise _NoFix(f"not every allowed value of `{arg}` is a valid `{target}` "
                         f"(valid: {_allowed(target, kind)})")
        if value is None or value == "":
            raise _NoFix("the policy has no value")
        raise _NoFix(f"the values this `{function or type(value).__name__}` can take are not known")
