"""CFX204 s3-replication-destination: replication to a bucket the template does not create, made optional."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from cfnfix import conditions
from cfnfix.conditions import Additions
from cfnfix.fixer import Fixer, LogicalIds
from cfnfix.models import Applicability, Edit, Finding, InsertKey, Options, Path
from cfnfix.template import Template, intrinsic_function, sub_variables

PARAMETER = "EnableReplication"
CONDITION = "ReplicationEnabled"
SWITCH: dict[str, Any] = {
    "Description": "Set to 'true' once the replication destination buckets exist",
    "Type": "String",
    "Default": "false",
    "AllowedValues": ["true", "false"],
}
#: the bucket name of an S3 bucket ARN (``arn:aws:s3:::name``, any partition)
_BUCKET_ARN = re.compile(r"arn:(?:aws[a-z-]*|\$\{AWS::Partition\}):s3:::(.*)\Z", re.DOTALL)
_S3_SERVICE = "s3.amazonaws.com"

Kind = Literal["here", "input", "external", "unknown"]


@dataclass(frozen=True)
class Destination:
    """What a rule's ``Destination.Bucket`` names: a bucket of this template (``here``), one the
    deployer names in a parameter without a default (``input``), one nothing here creates
    (``external``), or a value that cannot be read (``unknown``)."""

    kind: Kind
    shown: str = ""


def _sub_form(value: Any) -> tuple[str, dict[str, Any]] | None:
    """A string value as ``Fn::Sub`` text and its local variables, or None when it is computed otherwise."""
    if isinstance(value, str):
        return value.replace("${", "${!"), {}
    function = intrinsic_function(value)
    arg = value[function] if function else None
    if function == "Fn::Sub":
        if isinstance(arg, str):
            return arg, {}
        if isinstance(arg, list) and arg and isinstance(arg[0], str):
            local = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
            return arg[0], local
        return None
    if function == "Ref" and isinstance(arg, str):
        return "${" + arg + "}", {}
    if function == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
        return "${" + ".".join(arg) + "}", {}
    if function == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) \
            and isinstance(arg[1], list):
        texts: list[str] = []
        variables: dict[str, Any] = {}
        for part in arg[1]:
            form = _sub_form(part)
            if form is None:
                return None
            texts.append(form[0])
            variables.update(form[1])
        return arg[0].replace("${", "${!").join(texts), variables
    return None


def _resolved(template: Template, text: str, local: dict[str, Any]) -> tuple[str, bool] | None:
    """``text`` with its local variables written out, and whether a variable names a resource of the
    template; None when a local variable holds what cannot be written as text."""
    for name in dict.fromkeys(sub_variables(text)):
        if name in local:
            form = _sub_form(local[name])
            if form is None or form[1]:
                return None
            text = text.replace("${" + name + "}", form[0])
    resources = template.resources
    return text, any(name.split(".", 1)[0] in resources for name in sub_variables(text))


def _bucket_names(template: Template) -> set[str]:
    """The ``BucketName`` of each bucket of the template, as ``Fn::Sub`` text."""
    names: set[str] = set()
    for _name, bucket in template.resources_of_type("AWS::S3::Bucket"):
        properties = bucket.get("Properties")
        form = _sub_form(properties.get("BucketName")) if isinstance(properties, dict) else None
        resolved = _resolved(template, *form) if form is not None else None
        if resolved is not None:
            names.add(resolved[0])
    return names


def destination(template: Template, value: Any, bucket_names: set[str]) -> Destination:
    """What the ``Destination.Bucket`` value names (see :class:`Destination`)."""
    function = intrinsic_function(value)
    parameters = template.parameters
    if function in ("Ref", "Fn::GetAtt"):
        arg = value[function]
        target = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else None
        if isinstance(target, str) and function == "Fn::GetAtt" and "." in target:
            target = target.split(".", 1)[0]
        if isinstance(target, str) and target in template.resources:
            return Destination("here")
        if function == "Ref" and isinstance(target, str) and target in parameters:
            return _parameter_destination(parameters[target], target)
        return Destination("unknown")
    form = _sub_form(value)
    resolved = _resolved(template, *form) if form is not None else None
    if resolved is None:
        return Destination("unknown")
    text, here = resolved
    if here:
        return Destination("here")
    match = _BUCKET_ARN.match(text)
    name = match.group(1) if match else text
    whole = re.fullmatch(r"\$\{([^!}][^}]*)\}", name)
    if whole is not None and whole.group(1).strip() in parameters:
        return _parameter_destination(parameters[whole.group(1).strip()], whole.group(1).strip())
    if name in bucket_names:
        return Destination("here")
    shown = value if isinstance(value, str) else text.replace("${!", "${")
    return Destination("external", f"`{shown}`")


def _parameter_destination(parameter: Any, name: str) -> Destination:
    if isinstance(parameter, dict) and parameter.get("Default") is not None:
        return Destination("external", f"the default of parameter `{name}` (`{parameter['Default']}`)")
    return Destination("input")


def _role(config: dict[str, Any]) -> str | None:
    """The logical id of the role a replication configuration names (``!GetAtt R.Arn``, ``${R.Arn}``)."""
    role = config.get("Role")
    function = intrinsic_function(role)
    if not isinstance(role, dict):
        return None
    if function == "Fn::GetAtt":
        arg = role["Fn::GetAtt"]
        if isinstance(arg, list) and len(arg) == 2 and arg[1] == "Arn" and isinstance(arg[0], str):
            return arg[0]
    if function == "Fn::Sub" and isinstance(role["Fn::Sub"], str):
        match = re.fullmatch(r"\$\{([A-Za-z0-9]+)\.Arn\}", role["Fn::Sub"])
        if match:
            return match.group(1)
    return None


def _assumed_by_s3_only(role: dict[str, Any]) -> bool:
    """Whether the role's trust policy lets only the S3 service assume it (a replication role)."""
    properties = role.get("Properties")
    document = properties.get("AssumeRolePolicyDocument") if isinstance(properties, dict) else None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return False
    for statement in statements:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if not isinstance(principal, dict) or set(principal) != {"Service"}:
            return False
        services = principal["Service"] if isinstance(principal["Service"], list) else [principal["Service"]]
        if services != [_S3_SERVICE]:
            return False
    return True


class S3ReplicationDestination(Fixer):
    """## What it does
    Finds an S3 bucket whose `ReplicationConfiguration` replicates to a destination bucket
    the template does not create: a literal ARN (`arn:aws:s3:::payments-replica`), an
    `Fn::Sub` or `Fn::Join` that builds one from parameters and pseudo parameters, or the
    default of a parameter. A destination that is a bucket of the template (`!GetAtt
    ReplicaBucket.Arn`, `!Sub 'arn:aws:s3:::${ReplicaBucket}'`, or an ARN built from the same
    text as a template bucket's `BucketName`), or any other resource of the template (a nested
    stack's or a custom resource's output), is fine.

    The fix puts the replication behind a new `EnableReplication` parameter (`'true'` or
    `'false'`, default `'false'`) and a `ReplicationEnabled` condition:
    `ReplicationConfiguration: !If [ReplicationEnabled, <as it was>, !Ref AWS::NoValue]`, its
    lines and comments kept. When only some rules of the configuration replicate to such
    buckets, those rules alone are wrapped (`!If` with `AWS::NoValue` drops a list item) and
    replication to the template's own buckets stays as it was. A `Parameters` or `Conditions`
    section is created where CloudFormation's documented order puts it; a parameter of the
    same definition named `EnableReplication` and a condition that means the same are reused
    rather than added twice, and names another logical id holds get a number.

    The replication role goes behind the same condition when it exists for replication only:
    it is an `AWS::IAM::Role` without a `Condition` of its own, only the S3 service may assume
    it, and nothing but the wrapped configuration (or what already exists only under the
    condition) refers to it. A role that anything else names (an `AWS::IAM::Policy`, an
    output, another bucket's unconditional configuration) stays: it deploys without the
    destination bucket, so leaving it costs nothing but an unused role.

    A destination named by a parameter without a default (`!Ref DestinationBucketArn`,
    `!Sub 'arn:aws:s3:::${DestinationBucket}'`) is not reported: the template asks the
    deployer for an existing bucket, as it asks for a VPC or a subnet. A parameter with a
    default is reported, since deploying with the defaults replicates to a bucket that nothing
    creates. Destinations computed otherwise (`Fn::ImportValue`, which another stack exports,
    `Fn::FindInMap`, `Fn::If`) are not reported.

    ## Why is this bad?
    S3 checks the destination when the replication configuration is put: the bucket's
    creation fails (`Destination bucket must exist`), and the stack rolls back. A template that
    assumes a bucket made elsewhere (in another region, by a StackSet, by hand) cannot be
    deployed on its own, in a test account or a pipeline.

    ## Example
    ```yaml
    Resources:
      DataBucket:
        Type: AWS::S3::Bucket
        Properties:
          VersioningConfiguration:
            Status: Enabled
          ReplicationConfiguration:
            Role: !GetAtt ReplicationRole.Arn
            Rules:
              - Status: Enabled
                Destination:
                  Bucket: arn:aws:s3:::payments-replica-us-west-2
    ```

    Use instead:
    ```yaml
    Parameters:
      EnableReplication:
        Description: Set to 'true' once the replication destination buckets exist
        Type: String
        Default: 'false'
        AllowedValues: ['true', 'false']
    Conditions:
      ReplicationEnabled: !Equals [!Ref EnableReplication, 'true']
    Resources:
      DataBucket:
        Type: AWS::S3::Bucket
        Properties:
          VersioningConfiguration:
            Status: Enabled
          ReplicationConfiguration: !If
            - ReplicationEnabled
            - Role: !GetAtt ReplicationRole.Arn
              Rules:
                - Status: Enabled
                  Destination:
                    Bucket: arn:aws:s3:::payments-replica-us-west-2
            - !Ref AWS::NoValue
    ```

    ## Fix safety
    The fix is unsafe: it changes what is deployed and the template's interface. With the
    default, nothing is replicated; deploy with `EnableReplication=true` once the destination
    exists. On an existing stack whose destination does exist, an update with the default
    removes the replication configuration (and the replication role, when it goes behind the
    condition): pass `EnableReplication=true` to keep it. A template with a macro transform
    (which may create the destination) is reported without a fix.

    ## References
    - [AWS::S3::Bucket ReplicationConfiguration](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-replicationconfiguration.html)
    - [Requirements and considerations for replication](https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html)
    - [What is and isn't replicated](https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html)
    - [Condition functions (`Fn::If`, `AWS::NoValue`)](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html)
    """

    code: ClassVar[str] = "CFX204"
    name: ClassVar[str] = "s3-replication-destination"
    summary: ClassVar[str] = "S3 replication to a destination bucket the template does not create"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        replicating = [(name, bucket) for name, bucket in template.resources_of_type("AWS::S3::Bucket")
                       if isinstance(bucket.get("Properties"), dict)
                       and "ReplicationConfiguration" in bucket["Properties"]]
        if not replicating:
            return
        bucket_names = _bucket_names(template)
        additions = Additions(template, LogicalIds(template))
        for name, bucket in replicating:
            config = bucket["Properties"]["ReplicationConfiguration"]
            if not isinstance(config, dict) or intrinsic_function(config) is not None:
                continue  # already conditional, or computed
            rules = config.get("Rules")
            if not isinstance(rules, list):
                continue
            found = [(index, destination(template, _bucket_of(rule), bucket_names)) for index, rule in enumerate(rules)]
            external = [(index, where) for index, where in found if where.kind == "external"]
            if external:
                yield self._finding(template, name, config, external, len(external) == len(rules), additions)

    def _finding(self, template: Template, bucket: str, config: dict[str, Any],
                 external: list[tuple[int, Destination]], whole: bool, additions: Additions) -> Finding:
        path: Path = ("Resources", bucket, "Properties", "ReplicationConfiguration")
        shown = ", ".join(dict.fromkeys(where.shown for _index, where in external))
        message = (f"Bucket `{bucket}` replicates to {shown}, a bucket this template does not create: "
                   "the bucket cannot be created unless the destination already exists")
        related = [(*path, "Rules", index, "Destination", "Bucket") for index, _where in external]
        blocked = additions.problem() or self._rewriter(template)
        if blocked:
            return self.finding(path, message, no_fix_reason=blocked, related=related)
        parameter = additions.parameter(PARAMETER, SWITCH)
        condition = additions.condition(CONDITION, conditions.equals(parameter, "true"))
        edits: list[Edit] = list(additions.edits())
        wrapped: list[Path] = [path] if whole else [(*path, "Rules", index) for index, _where in external]
        edits += [conditions.optional(p, condition) for p in wrapped]
        note = (f"replicates only when the stack is deployed with `{parameter}=true` (condition "
                f"`{condition}`)")
        role = _role(config) if whole else None
        if role is not None and self._replication_only(template, role, path, conditions.equals(parameter, "true")):
            edits.append(InsertKey(path=("Resources", role), key="Condition", value=condition, after="Type"))
            note += f"; the replication role `{role}` exists under the same condition"
        return self.finding(path, message, edits, note=note, related=related)

    @staticmethod
    def _rewriter(template: Template) -> str:
        macros = template.rewritten_by()
        return f"{macros} may create the destination" if macros else ""

    @staticmethod
    def _replication_only(template: Template, role: str, config: Path, definition: Any) -> bool:
        """Whether the role serves this replication configuration alone (see the docs)."""
        resource = template.resources.get(role)
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::IAM::Role" or "Condition" in resource:
            return False
        if not _assumed_by_s3_only(resource):
            return False
        return all(conditions.guarded(template, where, definition)
                   for where in conditions.references_outside(template, role, [config]))


def _bucket_of(rule: Any) -> Any:
    """A rule's ``Destination.Bucket``, or None."""
    target = rule.get("Destination") if isinstance(rule, dict) and intrinsic_function(rule) is None else None
    return target.get("Bucket") if isinstance(target, dict) else None
