"""CFX214 optional-key-pair: a required key-pair parameter made optional (a String, empty by default)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cfnfix import conditions
from cfnfix.conditions import Additions
from cfnfix.fixer import Fixer, LogicalIds
from cfnfix.literals import dotted
from cfnfix.models import Applicability, Delete, Edit, Finding, InsertKey, Options, Path, SetValue
from cfnfix.template import Reference, Template

KEY_PAIR_TYPE = "AWS::EC2::KeyPair::KeyName"
CONDITION = "HasKeyPair"

# Where a key pair name goes, by resource type: the property path ("*" for a list index) and how
# many of its steps name the property that goes when there is no key pair (the key's own, unless
# its parent requires it: an EKS node group's RemoteAccess is nothing without Ec2SshKey).
KEY_PAIR_PROPERTIES: dict[str, tuple[tuple[tuple[str, ...], int], ...]] = {
    "AWS::EC2::Instance": ((("KeyName",), 1),),
    "AWS::EC2::LaunchTemplate": ((("LaunchTemplateData", "KeyName"), 2),),
    "AWS::AutoScaling::LaunchConfiguration": ((("KeyName",), 1),),
    "AWS::EC2::SpotFleet": ((("SpotFleetRequestConfigData", "LaunchSpecifications", "*", "KeyName"), 4),),
    "AWS::EMR::Cluster": ((("Instances", "Ec2KeyName"), 2),),
    "AWS::Batch::ComputeEnvironment": ((("ComputeResources", "Ec2KeyPair"), 2),),
    "AWS::ImageBuilder::InfrastructureConfiguration": ((("KeyPair",), 1),),
    "AWS::EKS::Nodegroup": ((("RemoteAccess", "Ec2SshKey"), 1),),
}


@dataclass
class _Plan:
    """What making one parameter optional takes, or why it cannot be done."""

    wraps: list[Path] = field(default_factory=list)  # values to put behind the condition
    outputs: list[str] = field(default_factory=list)  # outputs to give the condition
    blocked: str | None = None


def _property_steps(path: Path) -> tuple[list[str], list[int]] | None:
    """A path below a resource's ``Properties`` as property steps (``*`` for list indexes, ``Fn::If``
    branches skipped), with the index in ``path`` of each step; None outside ``Properties``."""
    if len(path) < 4 or path[0] != "Resources" or path[2] != "Properties":
        return None
    steps: list[str] = []
    where: list[int] = []
    index = 3
    while index < len(path):
        part = path[index]
        if part == "Fn::If" and index + 1 < len(path) and path[index + 1] in (1, 2):
            index += 2
            continue
        steps.append("*" if isinstance(part, int) else str(part))
        where.append(index)
        index += 1
    return steps, where


def _empty_allowed(parameter: dict[str, Any]) -> str | None:
    """Why an empty value breaks the parameter's own constraints (beyond ``MinLength``), or None."""
    allowed = parameter.get("AllowedValues")
    if isinstance(allowed, list) and "" not in allowed:
        return "its `AllowedValues` do not include an empty value"
    pattern = parameter.get("AllowedPattern")
    if isinstance(pattern, str):
        try:
            if re.fullmatch(pattern, "") is None:
                return f"its `AllowedPattern` (`{pattern}`) refuses an empty value"
        except re.error:
            return f"its `AllowedPattern` (`{pattern}`) cannot be checked against an empty value"
    return None


class OptionalKeyPair(Fixer):
    """## What it does
    Finds a parameter of type `AWS::EC2::KeyPair::KeyName` with no default (or an empty one),
    and makes the key pair optional: the parameter becomes a `String` with `Default: ''`, a
    `HasKeyPair` condition (`!Not [!Equals [!Ref KeyName, '']]`) is added, and each use
    becomes `!If [HasKeyPair, !Ref KeyName, !Ref AWS::NoValue]`, so that without a key pair the
    property is left out.

    The type changes because CloudFormation checks a value of an AWS-specific parameter type
    against what exists in the account and region before it creates anything: an empty
    value (or no key pair in the region) fails with `Parameter validation failed: parameter
    value for parameter name KeyName does not exist`. No value of that type is optional, so
    `Default: ''` alone would not deploy; cfn-lint does not check this.

    Uses that are rewritten: the key pair property of `AWS::EC2::Instance` (`KeyName`),
    `AWS::EC2::LaunchTemplate` (`LaunchTemplateData.KeyName`),
    `AWS::AutoScaling::LaunchConfiguration` (`KeyName`), `AWS::EC2::SpotFleet` launch
    specifications, `AWS::EMR::Cluster` (`Instances.Ec2KeyName`),
    `AWS::Batch::ComputeEnvironment` (`ComputeResources.Ec2KeyPair`) and
    `AWS::ImageBuilder::InfrastructureConfiguration` (`KeyPair`), also inside an `Fn::If`
    branch. An `AWS::EKS::Nodegroup` requires `Ec2SshKey` in `RemoteAccess`, so the whole
    `RemoteAccess` goes behind the condition (its security groups only open SSH). An output
    whose value reads the parameter (`!Ref`, or `${KeyName}` in an `!Sub` such as an `ssh -i`
    command) gets `Condition: HasKeyPair`: without a key pair it would say nothing true. Uses
    already behind an equivalent condition (either branch of an `Fn::If`, a resource's or an
    output's `Condition`), and uses in `Conditions`, stay as they are; an existing condition
    that means the same is reused whatever its name. A new condition is named `HasKeyPair`, or
    `Has<Parameter>` when that name is taken (by a second key-pair parameter's condition, or
    anything else), so that several key pairs keep readable names. A parameter none of whose
    uses needs the condition gets no condition (it would be unused, cfn-lint W8001).

    A use where `AWS::NoValue` cannot stand means no fix, with the reason: `${KeyName}` in an
    `Fn::Sub` string (user data, tags, names), a `Ref` inside other functions or in another
    property, a nested stack's `Parameters` (the nested template's parameter may be of the
    key-pair type, which refuses an empty value), resource `Metadata`, a `Rules` assertion, or
    an output that already has another `Condition`. So does a parameter whose `AllowedValues`
    or `AllowedPattern` refuse the empty value; a `MinLength` above 0 is removed.

    ## Why is this bad?
    A required key-pair parameter has no value a pipeline can give without knowing the
    account: every deployment must name an existing key pair in that region, and a
    test account often has none. Instances rarely need one (Session Manager and EC2 Instance
    Connect give shell access without it).

    ## Example
    ```yaml
    Parameters:
      KeyName:
        Type: AWS::EC2::KeyPair::KeyName
        Description: Name of an existing EC2 key pair
    Resources:
      Instance:
        Type: AWS::EC2::Instance
        Properties:
          ImageId: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'
          InstanceType: t3.micro
          KeyName: !Ref KeyName
    ```

    Use instead:
    ```yaml
    Parameters:
      KeyName:
        Type: String
        Default: ''
        Description: Name of an existing EC2 key pair
    Conditions:
      HasKeyPair: !Not [!Equals [!Ref KeyName, '']]
    Resources:
      Instance:
        Type: AWS::EC2::Instance
        Properties:
          ImageId: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'
          InstanceType: t3.micro
          KeyName: !If [HasKeyPair, !Ref KeyName, !Ref AWS::NoValue]
    ```

    ## Fix safety
    The fix is unsafe: it changes the template's interface. The console no longer offers the
    account's key pairs in a list, and a mistyped name is caught when the instance is created
    rather than before the stack starts. A stack updated without the parameter gets
    instances without a key pair, which replaces instances that had one (`KeyName` requires
    replacement); pass the key pair's name to keep it.

    ## References
    - [CloudFormation-supplied parameter types](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html)
    - [Condition functions (`Fn::If`, `AWS::NoValue`)](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html)
    - [AWS::EC2::Instance KeyName](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-instance.html#cfn-ec2-instance-keyname)
    - [buildkite/elastic-ci-stack-for-aws#413: no AWS-typed parameter can be optional](https://github.com/buildkite/elastic-ci-stack-for-aws/issues/413)
    """

    code: ClassVar[str] = "CFX214"
    name: ClassVar[str] = "optional-key-pair"
    summary: ClassVar[str] = "Required key-pair parameter that no pipeline can fill in"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        ids: LogicalIds | None = None
        for name, parameter in template.parameters.items():
            if not isinstance(parameter, dict) or parameter.get("Type") != KEY_PAIR_TYPE:
                continue
            default = parameter.get("Default")
            if default not in (None, ""):
                continue
            ids = ids or LogicalIds(template)
            yield self._finding(template, str(name), parameter, Additions(template, ids))

    def _finding(self, template: Template, name: str, parameter: dict[str, Any], additions: Additions) -> Finding:
        path: Path = ("Parameters", name)
        if parameter.get("Default") is None:
            message = (f"Parameter `{name}` of type `{KEY_PAIR_TYPE}` has no default: every deployment must "
                       "name an existing key pair, so no pipeline can deploy the template as it is")
        else:
            message = (f"Parameter `{name}` of type `{KEY_PAIR_TYPE}` has an empty default, which "
                       "CloudFormation refuses: a value of this type must name an existing key pair")
        uses = template.references_to(name)
        related = [use.path for use in uses]
        has_key_pair = conditions.not_empty(name)
        plan = self._plan(template, uses, has_key_pair)
        blocked = plan.blocked or _empty_allowed(parameter) or additions.problem()
        if blocked:
            return self.finding(path, message, no_fix_reason=blocked, related=related)
        edits: list[Edit] = [SetValue(path=(*path, "Type"), value="String")]
        if "Default" in parameter:
            edits.append(SetValue(path=(*path, "Default"), value=""))
        else:
            edits.append(InsertKey(path=path, key="Default", value="", after="Type"))
        min_length = parameter.get("MinLength")
        if min_length is not None and str(min_length).strip() not in ("", "0"):
            edits.append(Delete(path=(*path, "MinLength")))
        note = f"`{name}` becomes an optional `String` (empty by default)"
        if plan.wraps or plan.outputs:
            base = CONDITION if CONDITION not in additions.ids.taken else f"Has{name}"
            condition = additions.condition(base, has_key_pair)
            edits += additions.edits()
            edits += [conditions.optional(where, condition) for where in plan.wraps]
            for output in plan.outputs:
                edits.append(_output_condition(template, output, condition))
            note += f"; its uses apply only under `{condition}`"
        return self.finding(path, message, edits, note=note, related=related)

    def _plan(self, template: Template, uses: list[Reference], has_key_pair: Any) -> _Plan:
        plan = _Plan()
        for use in uses:
            if use.section == "Conditions" or conditions.guarded(template, use.path, has_key_pair):
                continue
            reason = self._use(template, use, plan)
            if reason is not None:
                plan.blocked = reason
                return plan
        plan.wraps = list(dict.fromkeys(plan.wraps))
        plan.outputs = list(dict.fromkeys(plan.outputs))
        return plan

    @staticmethod
    def _use(template: Template, use: Reference, plan: _Plan) -> str | None:
        """Add what one use needs to ``plan``; or say why it cannot go behind the condition."""
        where = f"`{dotted(use.path)}`"
        if use.section == "Outputs" and len(use.path) >= 3 and use.path[2] == "Value":
            output = template.get(use.path[:2])
            if isinstance(output, dict) and "Condition" in output:
                return f"the output at {where} already has a `Condition`; combine it with the key pair's by hand"
            plan.outputs.append(str(use.path[1]))
            return None
        if use.kind == "Sub":
            return (f"{where} reads it inside an `Fn::Sub` string, which would hold an empty name and where "
                    "`AWS::NoValue` cannot stand")
        resource = template.get(use.path[:2]) if use.section == "Resources" else None
        steps = _property_steps(use.path)
        if not isinstance(resource, dict) or steps is None:
            return f"{where} reads it outside a resource property, where `AWS::NoValue` cannot stand"
        if resource.get("Type") == "AWS::CloudFormation::Stack":
            return (f"{where} passes it to a nested stack, whose own parameter may be of the key-pair type, "
                    "which refuses an empty value")
        names, indexes = steps
        for pattern, keep in KEY_PAIR_PROPERTIES.get(str(resource.get("Type")), ()):
            if names == list(pattern):
                plan.wraps.append(use.path if keep == len(pattern) else use.path[: indexes[keep - 1] + 1])
                return None
        return (f"{where} is not a key-pair property this fixer knows can be left out "
                f"(of `{resource.get('Type')}`)")


def _output_condition(template: Template, output: str, condition: str) -> InsertKey:
    """The edit that makes an output exist only under ``condition`` (after its ``Description``)."""
    value = template.get(("Outputs", output))
    if isinstance(value, dict) and "Description" in value:
        return InsertKey(path=("Outputs", output), key="Condition", value=condition, after="Description")
    return InsertKey(path=("Outputs", output), key="Condition", value=condition, first=True)
