"""CFX206 retention-profile (profile ``ci``): stateful resources that outlive a test stack, and
deletion protection that keeps the stack from being deleted, made removable."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cfnfix.cfnlint_data import delete_requires_empty, stateful_types
from cfnfix.conditions import references_outside
from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Edit, Finding, InsertKey, Options, Path, SetValue
from cfnfix.retention import DELETION, POLICIES, REPLACE, default_policy, snapshot_possible, why_no_snapshot
from cfnfix.template import Template, intrinsic_function

#: stateful types whose removal does something a test pipeline must not do by default
NEVER_DELETED = {
    "AWS::Organizations::Account": "deleting an `AWS::Organizations::Account` closes the AWS account, "
                                   "which stays suspended for 90 days; closures are limited per organization",
}
#: what a kept resource leaves behind, by policy value, for messages
_LEAVES = {
    "Retain": "keeps it", "RetainExceptOnCreate": "keeps it", "Snapshot": "leaves a snapshot",
}


class _Absent:
    """The value of a property set to ``!Ref AWS::NoValue``: as if it were not there."""

    def __str__(self) -> str:
        return "AWS::NoValue"


ABSENT = _Absent()
_NO_VALUE = {"Ref": "AWS::NoValue"}


@dataclass(frozen=True)
class Protection:
    """A property that keeps a resource from being deleted: the values that turn it on, the value
    that turns it off, and whether it is on when the property is absent."""

    name: str
    on: frozenset[Any] = frozenset({True, "true"})
    off: Any = False
    absent_on: bool = False

    def is_on(self, value: Any) -> bool:
        if value is ABSENT:
            return self.absent_on
        return (value.lower() if isinstance(value, str) and self.off is False else value) in self.on

    def off_for(self, value: Any) -> Any:
        """The off value, written as the current one is (``'false'`` for a string ``'true'``)."""
        return "false" if self.off is False and isinstance(value, str) else self.off


_DELETION_PROTECTION = Protection("DeletionProtection")
_DELETION_PROTECTION_ENABLED = Protection("DeletionProtectionEnabled")
#: resource type -> its deletion protection property (under ``Properties``)
PROTECTIONS: dict[str, Protection] = {
    "AWS::RDS::DBInstance": _DELETION_PROTECTION,
    "AWS::RDS::DBCluster": _DELETION_PROTECTION,
    "AWS::RDS::GlobalCluster": _DELETION_PROTECTION,
    "AWS::DocDB::DBCluster": _DELETION_PROTECTION,
    "AWS::DocDB::GlobalCluster": _DELETION_PROTECTION,
    "AWS::Neptune::DBCluster": _DELETION_PROTECTION,
    "AWS::Neptune::GlobalCluster": _DELETION_PROTECTION,
    "AWS::NeptuneGraph::Graph": Protection("DeletionProtection", absent_on=True),
    "AWS::QLDB::Ledger": Protection("DeletionProtection", absent_on=True),
    "AWS::EKS::Cluster": _DELETION_PROTECTION,
    "AWS::DynamoDB::Table": _DELETION_PROTECTION_ENABLED,
    "AWS::DSQL::Cluster": _DELETION_PROTECTION_ENABLED,
    "AWS::Logs::LogGroup": _DELETION_PROTECTION_ENABLED,
    "AWS::NetworkFirewall::Firewall": Protection("DeleteProtection"),
    "AWS::EC2::Instance": Protection("DisableApiTermination"),
    "AWS::EMR::Cluster": Protection("TerminationProtected"),
    "AWS::CloudTrail::EventDataStore": Protection("TerminationProtectionEnabled"),
    "AWS::Cognito::UserPool": Protection("DeletionProtection", frozenset({"ACTIVE"}), "INACTIVE"),
    "AWS::OpenSearchServerless::Collection": Protection("DeletionProtection", frozenset({"ENABLED"}), "DISABLED"),
    "AWS::AutoScaling::AutoScalingGroup": Protection(
        "DeletionProtection", frozenset({"prevent-force-deletion", "prevent-all-deletion"}), "none"),
}
GLOBAL_TABLE = "AWS::DynamoDB::GlobalTable"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
LOAD_BALANCER_ATTRIBUTE = "deletion_protection.enabled"
_SETTING = Protection("Value")


class RetentionProfileSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX206]``: whether databases that can be snapshotted keep their snapshot."""

    keep_snapshots: bool = False


@dataclass
class _Values:
    """What a setting can be: its possible values, and the parameters and conditions it reads."""

    values: list[Any]
    names: set[str] = field(default_factory=set)
    parameter: str | None = None  # the parameter when the value is a bare `Ref`


def _values(template: Template, value: Any) -> _Values | None:
    """The values ``value`` can take when deployed with the parameters' defaults (their allowed
    values without a default), through ``Fn::If`` branches; None when they cannot be known."""
    if value == _NO_VALUE:
        return _Values([ABSENT])
    function = intrinsic_function(value)
    if function is None:
        return None if isinstance(value, (dict, list)) or value is None else _Values([value])
    arg = value[function]
    if function == "Fn::If" and isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
        sides = [_values(template, branch) for branch in arg[1:]]
        known = [side for side in sides if side is not None]
        if len(known) != 2:
            return None
        return _Values(known[0].values + known[1].values, {arg[0]} | known[0].names | known[1].names)
    if function == "Ref" and isinstance(arg, str):
        parameter = template.parameters.get(arg)
        if not isinstance(parameter, dict):
            return None
        default, allowed = parameter.get("Default"), parameter.get("AllowedValues")
        if default is not None and not isinstance(default, (dict, list)):
            return _Values([default], {arg}, arg)
        if isinstance(allowed, list) and allowed and all(not isinstance(a, (dict, list)) for a in allowed):
            return _Values(list(allowed), {arg}, arg)
    return None


@dataclass
class _Change:
    """One setting to change: where, to what, and what the old value read."""

    edit: Edit
    names: set[str] = field(default_factory=set)
    parameter: str | None = None


@dataclass
class _Candidate:
    """A finding in the making: its changes, decided once every candidate of the template is known."""

    path: Path
    message: str
    changes: list[_Change]
    note: str
    no_fix_reason: str | None = None


class RetentionProfile(Fixer):
    """Checks for stateful resources that outlive a test stack, and for deletion protection (profile `ci`).

    ## What it does
    Runs only with `--profile ci` (or `profile = "ci"` in the configuration), to make a
    template deployable and removable in a test pipeline. It finds:

    - a resource of cfn-lint's stateful types (databases, tables, buckets, file
      systems, queues, keys, log groups, secrets...: `StatefulResources.json`)
      whose `DeletionPolicy` or `UpdateReplacePolicy` keeps something behind:
      `Retain`, `RetainExceptOnCreate` or `Snapshot`, or no `DeletionPolicy` on an
      `AWS::RDS::DBCluster` or an `AWS::RDS::DBInstance` without `DBClusterIdentifier`,
      whose default is `Snapshot`. Every other type is deleted by default, so a
      missing policy is not reported there. The fix writes `Delete` for both
      policies (the one that was missing too, so the intent is in the template);
    - deletion protection turned on, which makes deleting the stack fail:
      `DeletionProtection` (RDS and Aurora instances, clusters and global
      clusters, DocumentDB, Neptune, EKS; `ACTIVE` on a Cognito user pool,
      `ENABLED` on an OpenSearch Serverless collection, `prevent-*` on an Auto
      Scaling group), `DeletionProtectionEnabled` (DynamoDB tables and global
      table replicas, log groups, Aurora DSQL), `DeleteProtection` (Network
      Firewall), `DisableApiTermination` (EC2 instances), `TerminationProtected`
      (EMR), `TerminationProtectionEnabled` (CloudTrail Lake), and the
      `deletion_protection.enabled` attribute of an Application or Network Load
      Balancer. A QLDB ledger and a Neptune Analytics graph are protected when
      the property is absent, so `DeletionProtection: false` is added to them.
      The fix turns the protection off.

    A value given as a parameter is judged by the parameter's `Default` (what a
    pipeline deploys unless told otherwise), else by its `AllowedValues`; an
    `Fn::If` by both branches. The fix writes the literal value in place of the
    function, unless that leaves a parameter or condition used nowhere else:
    then the finding has no fix and says which value to deploy with. Values the
    fixer cannot know (`Fn::FindInMap`, `Fn::Sub`, a parameter with neither) are
    not reported.

    A read replica or a DB cluster's instance gets `Delete`, never `Snapshot`
    (RDS takes no final snapshot of them). An `AWS::Organizations::Account` is
    reported without a fix: deleting it closes the account. An S3 bucket is
    deleted only when it is empty: the pipeline must empty it before deleting
    the stack (the fix's note says so).

    ## Why is this bad?
    A test pipeline deploys a template, tests it and deletes the stack. A
    retained database, table or bucket outlives the stack: it keeps costing, and
    a resource with a fixed name makes the next deployment fail (`already
    exists`). A final snapshot costs storage that nothing removes. Deletion
    protection makes the stack's deletion fail (`DELETE_FAILED`) and leaves the
    pipeline to clean up by hand. These settings are right for production: run
    this fixer on the copy of the template a pipeline deploys, not on the
    production template.

    ## Example
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        DeletionPolicy: Retain
        Properties:
          Engine: postgres
          DBInstanceClass: db.t3.micro
          AllocatedStorage: '20'
          DeletionProtection: true
    ```

    Use instead:
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        DeletionPolicy: Delete
        UpdateReplacePolicy: Delete
        Properties:
          Engine: postgres
          DBInstanceClass: db.t3.micro
          AllocatedStorage: '20'
          DeletionProtection: false
    ```

    ## Fix safety
    The fix is unsafe: deleting the stack, or replacing the resource, then
    deletes the data for good. That is the point in a test pipeline and a loss
    anywhere else, which is why the fixer runs only with the `ci` profile.

    ## Options
    In `[tool.cfnfix.fixers.CFX206]`:
    - `keep-snapshots` (default `false`): when `true`, a resource that can be
      snapshotted (an RDS instance that is neither a read replica nor a cluster
      member, an RDS, Aurora, DocumentDB or Neptune cluster, an ElastiCache
      cluster or replication group, a Redshift cluster, an EBS volume) keeps
      `Snapshot` (its default `Snapshot` too), and its `Retain` becomes
      `Snapshot`: the resource goes with the stack, its data stays in a
      snapshot.

    ## References
    - [DeletionPolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html)
      (the `Snapshot` default of RDS clusters and instances)
    - [UpdateReplacePolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatereplacepolicy.html)
    - [Deleting a DB instance: deletion protection](https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html)
    - [The RDS resource provider: no final snapshot of read replicas and cluster instances](https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-rds/pull/550)
    - cfn-lint's stateful resource types (`cfnlint/data/AdditionalSpecs/StatefulResources.json`, rule I3011)
    """

    code: ClassVar[str] = "CFX206"
    name: ClassVar[str] = "retention-profile"
    summary: ClassVar[str] = "Stateful resource kept after its stack is deleted, or deletion protection on"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    settings_model = RetentionProfileSettings
    profile: ClassVar[str | None] = "ci"

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        keep = self.settings(options, RetentionProfileSettings).keep_snapshots
        stateful = stateful_types()
        candidates: list[_Candidate] = []
        for name, resource in template.resources.items():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if not isinstance(kind, str):
                continue
            if kind in stateful:
                candidates.extend(self._policies(template, str(name), resource, keep))
            protection = PROTECTIONS.get(kind)
            if protection is not None:
                candidates.extend(self._protection(template, str(name), resource, protection))
            elif kind == GLOBAL_TABLE:
                candidates.extend(self._global_table(template, str(name), resource))
            elif kind == LOAD_BALANCER:
                candidates.extend(self._load_balancer(template, str(name), resource))
        yield from self._decide(template, candidates)

    # --- DeletionPolicy and UpdateReplacePolicy ----------------------------------------
    def _policies(self, template: Template, name: str, resource: dict[str, Any], keep: bool) -> Iterator[_Candidate]:
        """One candidate per policy that keeps something; its fix also writes the other policy when
        that one is missing (and keeps nothing), so that both say what happens."""
        kind = resource["Type"]
        snapshots = keep and snapshot_possible(resource)

        def acceptable(value: Any) -> bool:
            return value == "Delete" or (snapshots and value == "Snapshot")

        target = "Snapshot" if snapshots else "Delete"
        offending: dict[str, tuple[Path, str, _Change]] = {}
        for attribute in POLICIES:
            if attribute not in resource:
                if not acceptable(default_policy(resource, attribute)):
                    edit = InsertKey(path=("Resources", name), key=attribute, value=target,
                                     after=_anchor(resource, attribute))
                    offending[attribute] = (("Resources", name), f"without `{attribute}` it leaves a snapshot "
                                            "when the stack is deleted (RDS's default)", _Change(edit))
                continue
            found = _values(template, resource[attribute])
            if found is None:
                continue
            default = default_policy(resource, attribute)
            found.values = [default if v is ABSENT else v for v in found.values]
            if all(acceptable(v) for v in found.values):
                continue
            shown = next(v for v in found.values if not acceptable(v))
            when = "the stack is deleted" if attribute == DELETION else "it is replaced"
            leaves = _LEAVES.get(str(shown), "keeps something")
            offending[attribute] = (
                ("Resources", name, attribute),
                _policy_text(attribute, resource[attribute], shown, found) + f" {leaves} when {when}",
                _Change(SetValue(path=("Resources", name, attribute), value=target), found.names, found.parameter),
            )
        for attribute, (path, reason, change) in offending.items():
            other = REPLACE if attribute == DELETION else DELETION
            changes = [change]
            if other not in resource and other not in offending:
                changes.append(_Change(InsertKey(path=("Resources", name), key=other, value=target,
                                                 after=_anchor(resource, other))))
            written = ", ".join(f"`{_key(c.edit)}: {_value(c.edit)}`" for c in changes)
            why = why_no_snapshot(resource)
            note = f"writes {written}" + (f" ({why})" if why and keep else "")
            if delete_requires_empty(kind):
                note += "; CloudFormation deletes a bucket only when it is empty: empty it before deleting the stack"
            never = NEVER_DELETED.get(kind)
            yield _Candidate(path, f"Resource `{name}` ({kind}) outlives a test stack: {reason}",
                             [] if never else changes, note, never)

    # --- deletion protection -------------------------------------------------------------
    def _protection(self, template: Template, name: str, resource: dict[str, Any],
                    protection: Protection) -> Iterator[_Candidate]:
        properties = resource.get("Properties")
        base: Path = ("Resources", name, "Properties")
        if not isinstance(properties, dict) or intrinsic_function(properties) is not None:
            return
        if protection.name not in properties:
            if protection.absent_on:
                edit = InsertKey(path=base, key=protection.name, value=protection.off)
                yield _Candidate(
                    base, f"Resource `{name}` ({resource['Type']}) has deletion protection on: "
                          f"without `{protection.name}` it is on, and the stack cannot be deleted",
                    [_Change(edit)], f"adds `{protection.name}: {_shown(protection.off)}`")
            return
        yield from self._setting(template, name, resource["Type"], (*base, protection.name), protection)

    def _setting(self, template: Template, name: str, kind: str, path: Path, protection: Protection,
                 label: str | None = None) -> Iterator[_Candidate]:
        value = template.get(path)
        found = _values(template, value)
        if found is None or not any(protection.is_on(v) for v in found.values):
            return
        on = next(v for v in found.values if protection.is_on(v))
        off = protection.off_for(value if not isinstance(value, dict) else on)
        shown = _protection_text(label or protection.name, value, on, found)
        yield _Candidate(
            path, f"Resource `{name}` ({kind}) has deletion protection on ({shown}): the stack cannot "
                  "be deleted", [_Change(SetValue(path=path, value=off), found.names, found.parameter)],
            f"sets `{protection.name}: {_shown(off)}`")

    def _global_table(self, template: Template, name: str, resource: dict[str, Any]) -> Iterator[_Candidate]:
        replicas = template.get(("Resources", name, "Properties", "Replicas"))
        for index, replica in enumerate(replicas if isinstance(replicas, list) else []):
            if isinstance(replica, dict) and _DELETION_PROTECTION_ENABLED.name in replica:
                path: Path = ("Resources", name, "Properties", "Replicas", index, _DELETION_PROTECTION_ENABLED.name)
                yield from self._setting(template, name, GLOBAL_TABLE, path, _DELETION_PROTECTION_ENABLED)

    def _load_balancer(self, template: Template, name: str, resource: dict[str, Any]) -> Iterator[_Candidate]:
        attributes = template.get(("Resources", name, "Properties", "LoadBalancerAttributes"))
        for index, attribute in enumerate(attributes if isinstance(attributes, list) else []):
            if isinstance(attribute, dict) and attribute.get("Key") == LOAD_BALANCER_ATTRIBUTE and "Value" in attribute:
                path: Path = ("Resources", name, "Properties", "LoadBalancerAttributes", index, "Value")
                yield from self._setting(template, name, LOAD_BALANCER, path, _SETTING,
                                         label=LOAD_BALANCER_ATTRIBUTE)

    # --- the fixes, once every change of the template is known ---------------------------
    def _decide(self, template: Template, candidates: list[_Candidate]) -> Iterator[Finding]:
        """Findings with their fixes, or a reason: a change that replaces a function must not leave
        a parameter or condition it reads unreferenced (counting every change of this pass)."""
        replaced = frozenset(c.edit.path for candidate in candidates for c in candidate.changes if c.names)
        used: dict[str, bool] = {}

        def used_elsewhere(name: str) -> bool:
            if name not in used:
                used[name] = next(references_outside(template, name, replaced), None) is not None
            return used[name]

        for candidate in candidates:
            reason = candidate.no_fix_reason
            for change in candidate.changes if reason is None else []:
                orphan = next((n for n in sorted(change.names) if not used_elsewhere(n)), None)
                if orphan is None:
                    continue
                if change.parameter is not None and change.parameter == orphan:
                    value = _shown(_value(change.edit))
                    reason = (f"the value comes from the parameter `{orphan}`, and writing `{value}` in its place "
                              f"would leave `{orphan}` used nowhere: deploy with `{orphan}={value}` in the pipeline")
                else:
                    what = ("the parameter", "W2001") if orphan in template.parameters else ("the condition", "W8001")
                    reason = (f"writing `{_shown(_value(change.edit))}` in place of the function would leave "
                              f"{what[0]} `{orphan}` used nowhere (cfn-lint {what[1]}): change it by hand")
            if reason is not None:
                yield self.finding(candidate.path, candidate.message, no_fix_reason=reason)
            else:
                yield self.finding(candidate.path, candidate.message, [c.edit for c in candidate.changes],
                                   note=candidate.note)


def _anchor(resource: dict[str, Any], attribute: str) -> str | None:
    """The key a missing policy goes after: ``DeletionPolicy`` for ``UpdateReplacePolicy``, else the
    last of the resource's ``Type``, ``Condition`` and ``DependsOn`` (two keys inserted after one
    key keep the order of their edits, so both policies missing go there in order)."""
    if attribute == REPLACE and DELETION in resource:
        return DELETION
    keys = [k for k in resource if k in ("Type", "Condition", "DependsOn")]
    return keys[-1] if keys else None


def _through(found: _Values) -> str:
    return ", ".join(f"`{n}`" for n in sorted(found.names))


def _policy_text(attribute: str, value: Any, shown: Any, found: _Values) -> str:
    if intrinsic_function(value) is None:
        return f"`{attribute}: {shown}`"
    return f"`{attribute}` can be `{shown}` (through {_through(found)}), which"


def _protection_text(name: str, value: Any, on: Any, found: _Values) -> str:
    if intrinsic_function(value) is None:
        return f"`{name}: {_shown(on)}`"
    if on is ABSENT:
        return f"`{name}` can be unset, which turns it on, through {_through(found)}"
    return f"`{name}` can be `{_shown(on)}`, through {_through(found)}"


def _key(edit: Edit) -> str:
    return edit.key if isinstance(edit, InsertKey) else str(edit.path[-1])


def _value(edit: Edit) -> Any:
    return edit.value if isinstance(edit, (InsertKey, SetValue)) else None


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
