"""CFX004 iam-role-name: an explicit ``RoleName`` removed, kept as a ``Name`` tag, literal uses rewritten."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any, ClassVar

from cfnfix.fixer import Fixer, get_att, ref
from cfnfix.literals import (
    Expression,
    Named,
    Use,
    as_text,
    at_property,
    distinctive,
    dotted,
    embedded_use,
    implied_depends_on,
    in_tags_or_names,
    is_opaque,
    rewrites,
)
from cfnfix.models import (
    AppendItem,
    Applicability,
    Delete,
    Edit,
    Finding,
    InsertKey,
    Options,
    Path,
    SetValue,
)
from cfnfix.template import Template

ROLE_TYPE = "AWS::IAM::Role"
MAX_TAGS = 50  # IAM's limit of tags on one role

# properties that take a role NAME (a Ref of the role gives exactly that); "*" is any list index
NAME_PROPERTIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::IAM::InstanceProfile": (("Roles", "*"),),
    "AWS::IAM::Policy": (("Roles", "*"),),
    "AWS::IAM::ManagedPolicy": (("Roles", "*"),),
    "AWS::IAM::RolePolicy": (("RoleName",),),
    "AWS::CodeBuild::Project": (("ServiceRole",),),
    "AWS::ECS::Service": (("Role",),),
    "AWS::Glue::Job": (("Role",),),
    "AWS::Glue::Crawler": (("Role",),),
    "AWS::EMR::Cluster": (("ServiceRole",), ("AutoScalingRole",)),
}
# names that AWS services or their managed policies look roles up by: keeping them is right
REQUIRED_NAMES = frozenset({
    "dms-vpc-role", "dms-cloudwatch-logs-role", "dms-access-for-endpoint",
    "AWSCloudFormationStackSetAdministrationRole", "AWSCloudFormationStackSetExecutionRole",
    "EMR_DefaultRole", "EMR_EC2_DefaultRole", "EMR_AutoScaling_DefaultRole", "EMR_Notebooks_DefaultRole",
    "DataPipelineDefaultRole", "DataPipelineDefaultResourceRole",
    "aws-elasticbeanstalk-ec2-role", "aws-elasticbeanstalk-service-role",
    "OrganizationAccountAccessRole",
})
REQUIRED_PREFIXES = ("AWSGlueServiceRole",)  # the AWSGlueServiceRole policy passes only these roles
# actions whose Resource is a role: a bare role name there can only mean the role's ARN
ROLE_ACTIONS = ("iam:passrole", "sts:assumerole")

_PARTITION = r"(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|\$\{AWS::Partition\})"
_ACCOUNT = r"(?:\d{12}|\$\{AWS::AccountId\})"
_ROLE_PART = re.compile(r"(?:assumed-)?role/([^\s\"',;<>|\\]*)")
_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]*$")


class IamRoleName(Fixer):
    """Checks for IAM roles with an explicit `RoleName`.

    ## What it does
    Finds an `AWS::IAM::Role` whose `RoleName` is set, removes the property and
    keeps its value as the role's `Name` tag (appended to `Tags`, or a new `Tags`
    list; nothing is added when a `Name` tag is there already, when `Tags` is
    not a list, when the role has 50 tags, or when the value cannot be a tag
    value, and the fix's note says so).

    The template's other uses of the name are rewritten, so that they follow the
    role to its generated name. A use is found in literal strings, `Fn::Sub`
    (its variables substituted) and `Fn::Join` alike, and compared with the
    `RoleName` written the same way, so `role/media-codebuild-role-${EnvironmentSuffix}`
    in a `!Sub` matches `RoleName: !Sub 'media-codebuild-role-${EnvironmentSuffix}'`:
    - the role's whole ARN (`arn:aws:iam::123456789012:role/my-role`,
      `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/<Path>my-role`) becomes
      `!GetAtt Role.Arn`, and so does the bare name as the `Resource` of an
      `iam:PassRole` or `sts:AssumeRole` statement;
    - the bare name in a property that takes a role name (`Roles` of
      `AWS::IAM::InstanceProfile`, `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy`,
      `RoleName` of `AWS::IAM::RolePolicy`, `ServiceRole` of
      `AWS::CodeBuild::Project`, ...) becomes `!Ref Role`; so it does anywhere in
      `Properties` or an Output's `Value` when the name has at least six
      characters of its own besides `${}` variables (a shorter one, like
      `!Ref RoleNameParameter`, may well stand for something else there), but
      not in tags or in a property whose key ends in `Name`
      (`InstanceProfileName: my-role`, a project named like its role): those
      follow a naming pattern, they do not point at the role.

    There is no fix, and the finding says why, when the name is chosen by a
    function (`Fn::FindInMap`, `Fn::If`: where its values are used cannot all be
    found), or when a use cannot be rewritten: the ARN or name inside a longer
    string (a policy written as a JSON string, an `assumed-role/my-role/*` ARN), a wildcard that matches the name
    (`role/media-*`), an ARN under another `Path`, a use in an exported Output
    (an export in use cannot change its value), in `Parameters`, `Mappings`,
    `Conditions` or `Rules` (no `!GetAtt` there), in
    the role itself or in a resource the role depends on (a circular
    dependency), or in a resource or Output without the role's `Condition`.
    `Description` fields and the top-level `Metadata` are not uses.

    Names that AWS looks roles up by are left alone: the DMS roles
    (`dms-vpc-role`, `dms-cloudwatch-logs-role`, `dms-access-for-endpoint`), the
    self-managed StackSets roles, the EMR, Data Pipeline and Elastic Beanstalk
    default roles, `OrganizationAccountAccessRole`, and names starting with
    `AWSGlueServiceRole` (the only roles the `AWSGlueServiceRole` managed
    policy lets Glue pass).

    ## Why is this bad?
    A named role cannot be replaced: any update that needs a new role fails,
    and a second stack from the same template (another region, another
    environment with the same suffix, a retried deployment whose role was
    retained) fails with `... already exists`. IAM names are global to the
    account, so a generated name (`<stack>-<LogicalId>-<random>`) is the safe
    default; a `Name` tag keeps the role easy to find.

    ## Example
    ```yaml
    CodeBuildRole:
      Type: AWS::IAM::Role
      Properties:
        RoleName: !Sub 'media-codebuild-role-${EnvironmentSuffix}'
        AssumeRolePolicyDocument: ...
    PassRolePolicy:
      Type: AWS::IAM::ManagedPolicy
      Properties:
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: iam:PassRole
              Resource: !Sub 'arn:aws:iam::${AWS::AccountId}:role/media-codebuild-role-${EnvironmentSuffix}'
    ```

    Use instead:
    ```yaml
    CodeBuildRole:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument: ...
        Tags:
          - Key: Name
            Value: !Sub 'media-codebuild-role-${EnvironmentSuffix}'
    PassRolePolicy:
      Type: AWS::IAM::ManagedPolicy
      Properties:
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: iam:PassRole
              Resource: !GetAtt CodeBuildRole.Arn
    ```

    ## Fix safety
    The fix is unsafe: on an existing stack the role is replaced by a new one
    with another name and ARN, and whatever outside the template knows the old
    name or ARN (other stacks, trust policies in other accounts, code, CI
    configuration, a KMS key policy of another stack) stops matching. Inside the
    template every use that can be found is rewritten, or there is no fix. An
    ARN with a literal account id is taken to be the deploying account's.

    ## References
    - [AWS::IAM::Role RoleName](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html#cfn-iam-role-rolename)
    - [IAM identifiers](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html)
    - [Name type](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html)
    - cfn_nag W28 (resource with an explicit name)
    """

    code: ClassVar[str] = "CFX004"
    name: ClassVar[str] = "iam-role-name"
    summary: ClassVar[str] = "IAM role with an explicit RoleName"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ()

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        for logical_id, resource in template.resources_of_type(ROLE_TYPE):
            properties = resource.get("Properties")
            if not isinstance(properties, dict) or properties.get("RoleName") in (None, ""):
                continue
            role = Named(template, logical_id, "RoleName", "role")
            if role.text in REQUIRED_NAMES or role.text.startswith(REQUIRED_PREFIXES):
                continue
            path = role.path
            message = f"IAM role `{logical_id}` has an explicit `RoleName`"
            if len(properties) == 1:
                yield self.finding(path, message, no_fix_reason="`RoleName` is the role's only property")
                continue
            if is_opaque(role.text):
                yield self.finding(path, message, no_fix_reason="the name is chosen by a function (`Fn::FindInMap`, "
                                   "`Fn::If`, ...), so its uses in the template cannot all be found")
                continue
            edits: list[Edit] = [Delete(path=path)]
            notes = ["`RoleName` removed: the role gets a generated name (the role is replaced)"]
            tag_edit, tag_note = self._tag(logical_id, role.value, properties)
            if tag_edit is not None:
                edits.append(tag_edit)
            notes.append(tag_note)
            blockers: list[str] = []
            rewritten = {"name": 0, "arn": 0}
            classify = functools.partial(self._classify, template, role, self._arn(role, properties))
            for use_path, _kind, value, why in rewrites(role, classify):
                if why is not None:
                    blockers.append(f"{dotted(use_path)} ({why})")
                else:
                    edits.append(SetValue(path=use_path, value=value))
                    rewritten["arn" if value == get_att(logical_id, "Arn") else "name"] += 1
            edits.extend(implied_depends_on(template, logical_id, edits))
            if blockers:
                yield self.finding(
                    path, message,
                    no_fix_reason="the role's name is used where it cannot be rewritten: "
                    + "; ".join(blockers),
                )
                continue
            if rewritten["arn"]:
                notes.append(f"{rewritten['arn']} literal ARN(s) now `!GetAtt {logical_id}.Arn`")
            if rewritten["name"]:
                notes.append(f"{rewritten['name']} literal name(s) now `!Ref {logical_id}`")
            yield self.finding(path, message, edits, note="; ".join(notes))

    # --- the role ---------------------------------------------------------------------
    @staticmethod
    def _arn(role: Named, properties: dict[str, Any]) -> re.Pattern[str]:
        """The pattern of the role's ARN (under its ``Path``), as folded text."""
        role_path = properties.get("Path", "/")
        path_text = as_text(role_path)[0] if role_path is not None else "/"
        return re.compile(f"arn:{_PARTITION}:iam::{_ACCOUNT}:role" + re.escape(path_text + role.text))

    def _tag(self, logical_id: str, value: Any, properties: dict[str, Any]) -> tuple[Edit | None, str]:
        """The edit keeping the name as a ``Name`` tag, and what the note says of it."""
        tags = properties.get("Tags")
        base: Path = ("Resources", logical_id, "Properties")
        tag = {"Key": "Name", "Value": value}
        if "AWS::NoValue" in json.dumps(value) or (isinstance(value, str) and not _TAG_VALUE.match(value)):
            return None, "the name cannot be a tag value, so no `Name` tag was added"
        if "Tags" not in properties:
            return InsertKey(path=base, key="Tags", value=[tag]), "the name kept as the `Name` tag"
        if tags is None:
            return SetValue(path=(*base, "Tags"), value=[tag]), "the name kept as the `Name` tag"
        if not isinstance(tags, list):
            return None, "`Tags` is not a list, so no `Name` tag was added"
        if any(isinstance(t, dict) and t.get("Key") == "Name" for t in tags):
            return None, "the role has a `Name` tag already, so the name was not kept as one"
        if len(tags) >= MAX_TAGS:
            return None, f"the role has {MAX_TAGS} tags already, so no `Name` tag was added"
        return AppendItem(path=(*base, "Tags"), value=tag), "the name kept as the `Name` tag"

    # --- its uses ---------------------------------------------------------------------
    def _classify(self, template: Template, role: Named, arn: re.Pattern[str],
                  expression: Expression) -> tuple[Use, Any] | None:
        """The kind of use ``expression`` makes of the role's name, and the value it becomes."""
        path, text = expression.path, expression.text
        if text == role.text:
            pass_role = self._in_role_resource(template, path)
            if pass_role:
                return "name", get_att(role.logical_id, "Arn")
            if at_property(template, path, NAME_PROPERTIES) or (
                distinctive(role.text) and not in_tags_or_names(path)
            ):
                return "name", ref(role.logical_id)
            return None
        if arn.fullmatch(text):
            return "arn", get_att(role.logical_id, "Arn")
        segments = (s for match in _ROLE_PART.finditer(text) for s in match.group(1).split("/"))
        kind = embedded_use(text, segments, role.text, wildcard_text=True)
        return (kind, expression.value) if kind is not None else None

    @staticmethod
    def _in_role_resource(template: Template, path: Path) -> bool:
        """Whether ``path`` is (an item of) the ``Resource`` of a PassRole or AssumeRole statement."""
        if "Resource" not in path:
            return False
        index = len(path) - 1 - path[::-1].index("Resource")
        if index < len(path) - 2 or (index == len(path) - 2 and not isinstance(path[-1], int)):
            return False
        statement = template.get(path[:index])
        actions = statement.get("Action") if isinstance(statement, dict) else None
        actions = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
        return any(
            isinstance(a, str) and fnmatchcase(target, a.lower()) for a in actions for target in ROLE_ACTIONS
        )
