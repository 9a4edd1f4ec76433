"""CFX004 iam-role-name: an explicit ``RoleName`` removed, kept as a ``Name`` tag, literal uses rewritten."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, ClassVar, Literal

from cfnfix.fixer import Fixer, get_att, ref
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
from cfnfix.template import Template, intrinsic_function

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
_SPACES_IN_VARIABLE = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_VARIABLE_OR_OPAQUE = re.compile(r"\$\{[^}]*\}|\x00[^\x00]*\x00")
_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]*$")
_FOLDED = frozenset({"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join"})

Use = Literal["name", "arn", "partial", "wildcard"]


def _opaque(value: Any) -> str:
    """A stand-in for a value whose text cannot be known, equal only for equal values."""
    return "\x00" + json.dumps(value, sort_keys=True, default=str).replace("\x00", "") + "\x00"


def as_text(value: Any) -> tuple[str, list[tuple[Path, Any]]]:
    """A string expression as Fn::Sub text, and the parts that had to be made opaque (relative paths).

    Literal strings, Ref, GetAtt, Sub (its variables substituted) and Join fold into one
    text, so that ``!Join ['', ['arn:aws:iam::', !Ref AWS::AccountId, ':role/x']]`` and
    ``!Sub 'arn:aws:iam::${AWS::AccountId}:role/x'`` compare equal. Anything else becomes
    an opaque token; those parts are returned so that the caller can look inside them.
    """
    if isinstance(value, str):
        return value.replace("${", "${!"), []
    if isinstance(value, bool):
        return str(value).lower(), []
    if isinstance(value, (int, float)):
        return str(value), []
    function = intrinsic_function(value)
    arg = value[function] if function else None
    if function == "Ref" and isinstance(arg, str):
        return "${" + arg + "}", []
    if function == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(
        isinstance(a, str) for a in arg
    ):
        return "${" + ".".join(arg) + "}", []
    if function == "Fn::Sub":
        return _sub_text(arg)
    if function == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) \
            and isinstance(arg[1], list):
        texts: list[str] = []
        opaque: list[tuple[Path, Any]] = []
        for i, part in enumerate(arg[1]):
            text, inner = as_text(part)
            texts.append(text)
            opaque.extend((("Fn::Join", 1, i, *p), v) for p, v in inner)
        return arg[0].join(texts), opaque
    return _opaque(value), [((), value)]


def _sub_text(arg: Any) -> tuple[str, list[tuple[Path, Any]]]:
    if isinstance(arg, str):
        return _SPACES_IN_VARIABLE.sub(r"${\1}", arg), []
    if not (isinstance(arg, list) and arg and isinstance(arg[0], str)):
        return _opaque({"Fn::Sub": arg}), [((), {"Fn::Sub": arg})]
    variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
    opaque: list[tuple[Path, Any]] = []
    values: dict[str, str] = {}
    for name, val in variables.items():
        text, inner = as_text(val)
        values[name] = text
        opaque.extend((("Fn::Sub", 1, name, *p), v) for p, v in inner)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        return values.get(name, "${" + name + "}")

    return _SPACES_IN_VARIABLE.sub(substitute, arg[0]), opaque


def _expressions(value: Any, path: Path) -> Iterator[tuple[Path, Any, str]]:
    """Every outermost string expression below ``path``, with its text (see ``as_text``)."""
    if isinstance(value, str) or intrinsic_function(value) in _FOLDED:
        text, opaque = as_text(value)
        yield path, value, text
        for sub_path, inner in opaque:
            if sub_path:  # look inside what could not be folded (an Fn::If among Join parts)
                yield from _expressions(inner, (*path, *sub_path))
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _expressions(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _expressions(inner, (*path, i))


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


@dataclass
class _UseIndex:
    """A template's string expressions that may use a role, and where each name may appear."""

    every: list[tuple[Path, Any, str]] = field(default_factory=list)
    by_token: dict[str, list[int]] = field(default_factory=dict)
    wildcards: list[int] = field(default_factory=list)


@dataclass
class _Role:
    """What is known of one named role."""

    logical_id: str
    name: Any  # the RoleName value as written
    text: str  # its text (see as_text)
    arn: re.Pattern[str]
    distinctive: bool
    condition: Any
    depends_on_me: set[str]  # the resources the role itself depends on, directly or not


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

    There is no fix, and the finding says why, when a use cannot be rewritten:
    the ARN or name inside a longer string (a policy written as a JSON string,
    an `assumed-role/my-role/*` ARN), a wildcard that matches the name
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
        graph = self._dependencies(template)
        for logical_id, resource in template.resources_of_type(ROLE_TYPE):
            properties = resource.get("Properties")
            if not isinstance(properties, dict) or properties.get("RoleName") in (None, ""):
                continue
            role = self._role(logical_id, resource, properties, graph)
            if role.text in REQUIRED_NAMES or role.text.startswith(REQUIRED_PREFIXES):
                continue
            path: Path = ("Resources", logical_id, "Properties", "RoleName")
            message = f"IAM role `{logical_id}` has an explicit `RoleName`"
            if len(properties) == 1:
                yield self.finding(path, message, no_fix_reason="`RoleName` is the role's only property")
                continue
            edits: list[Edit] = [Delete(path=path)]
            notes = ["`RoleName` removed: the role gets a generated name (the role is replaced)"]
            tag_edit, tag_note = self._tag(logical_id, role.name, properties)
            if tag_edit is not None:
                edits.append(tag_edit)
            notes.append(tag_note)
            blockers: list[str] = []
            rewritten = {"name": 0, "arn": 0}
            for use_path, kind, value in self._uses(template, role):
                why = self._blocker(template, role, use_path, kind)
                if why is not None:
                    blockers.append(f"{_dotted(use_path)} ({why})")
                else:
                    edits.append(SetValue(path=use_path, value=value))
                    rewritten["arn" if value == get_att(logical_id, "Arn") else "name"] += 1
            edits.extend(self._redundant_depends_on(template, logical_id, edits))
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

    @staticmethod
    def _redundant_depends_on(template: Template, role_id: str, edits: list[Edit]) -> list[Edit]:
        """Deletes of ``DependsOn`` entries on the role that a rewritten use now implies."""
        users = {e.path[1] for e in edits if isinstance(e, SetValue) and e.path[0] == "Resources"}
        deletes: list[Edit] = []
        for user in sorted(users):
            depends = template.get(("Resources", user, "DependsOn"))
            if depends == role_id or depends == [role_id]:
                deletes.append(Delete(path=("Resources", str(user), "DependsOn")))
            elif isinstance(depends, list) and role_id in depends:
                deletes.append(Delete(path=("Resources", str(user), "DependsOn", depends.index(role_id))))
        return deletes

    # --- the role ---------------------------------------------------------------------
    @staticmethod
    def _dependencies(template: Template) -> dict[str, set[str]]:
        """For each resource, the resources it refers to (Ref, GetAtt, Sub, DependsOn)."""
        return {name: set(targets) for name, targets in template.dependencies().items()}

    @staticmethod
    def _role(logical_id: str, resource: dict[str, Any], properties: dict[str, Any],
              graph: dict[str, set[str]]) -> _Role:
        name = properties["RoleName"]
        text, _ = as_text(name)
        role_path = properties.get("Path", "/")
        path_text = as_text(role_path)[0] if role_path is not None else "/"
        arn = re.compile(f"arn:{_PARTITION}:iam::{_ACCOUNT}:role" + re.escape(path_text + text))
        own = _VARIABLE_OR_OPAQUE.sub("", text)
        seen: set[str] = set()
        stack = [logical_id]
        while stack:
            for target in graph.get(stack.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return _Role(logical_id, name, text, arn, len(own) >= 6, resource.get("Condition"), seen)

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
    def _uses(self, template: Template, role: _Role) -> Iterator[tuple[Path, Use, Any]]:
        """Each literal use of the role's name: its path, kind and the value it becomes."""
        own_tags: Path = ("Resources", role.logical_id, "Properties", "Tags")
        own_name: Path = ("Resources", role.logical_id, "Properties", "RoleName")
        for path, value, text in self._candidates(template, role):
            if path == own_name or path[: len(own_tags)] == own_tags:
                continue
            kind = self._classify(template, role, path, text)
            if kind == "arn":
                yield path, kind, get_att(role.logical_id, "Arn")
            elif kind == "name":
                if self._in_role_resource(template, path):
                    yield path, kind, get_att(role.logical_id, "Arn")
                else:
                    yield path, kind, ref(role.logical_id)
            elif kind is not None:
                yield path, kind, value

    def _candidates(self, template: Template, role: _Role) -> list[tuple[Path, Any, str]]:
        """The string expressions that may name ``role`` (by its name, an ARN ending in it, a role
        part of a principal), in document order: those indexed under its name, and every wildcard."""
        index = template.memo("iam-role-name:uses", lambda: self._index(template))
        if "/" in role.text:  # a name no token can stand for: look at every expression
            return index.every
        found = index.by_token.get(role.text, []) + index.wildcards
        return [index.every[i] for i in sorted(set(found))]

    def _index(self, template: Template) -> _UseIndex:
        """Every string expression that may be a use, once per template, indexed by the names it may hold."""
        index = _UseIndex()
        for path, value, text in _expressions(template.data, ()):
            if not self._may_use(path):
                continue
            position = len(index.every)
            index.every.append((path, value, text))
            tokens = {text, text.rsplit("/", 1)[-1]}
            wildcard = False
            for match in _ROLE_PART.finditer(text):
                for segment in match.group(1).split("/"):
                    tokens.add(segment)
                    wildcard = wildcard or "*" in segment or "?" in segment
            if wildcard:
                index.wildcards.append(position)
            for token in tokens:
                index.by_token.setdefault(token, []).append(position)
        return index

    @staticmethod
    def _may_use(path: Path) -> bool:
        """Whether a string at ``path`` can be a use at all (descriptions and the like are not)."""
        if not path or path[-1] == "Description" or path[0] in ("Description", "Metadata"):
            return False
        if path[0] == "Parameters":
            return len(path) > 2 and path[2] in ("Default", "AllowedValues")
        return not (path[0] == "Outputs" and len(path) > 2 and path[2] == "Export")  # a name of its own

    @staticmethod
    def _labels(path: Path) -> bool:
        """Whether ``path`` holds a tag or some resource's own name: equal to the role's name by design."""
        keys = [p for p in path if isinstance(p, str)]
        return "Tags" in keys or keys[-1].endswith("Name")

    def _classify(self, template: Template, role: _Role, path: Path, text: str) -> Use | None:
        if text == role.text:
            if self._in_name_property(template, path) or self._in_role_resource(template, path):
                return "name"
            return "name" if role.distinctive and not self._labels(path) else None
        if role.arn.fullmatch(text):
            return "arn"
        for match in _ROLE_PART.finditer(text):
            for segment in match.group(1).split("/"):
                if segment == role.text:
                    return "wildcard" if "*" in text or "?" in text else "partial"
                wildcard = segment != "*" and ("*" in segment or "?" in segment)
                if wildcard and _glob(segment).fullmatch(role.text):
                    return "wildcard"
        return None

    @staticmethod
    def _in_name_property(template: Template, path: Path) -> bool:
        if len(path) < 4 or path[0] != "Resources" or path[2] != "Properties":
            return False
        resource_type = template.get(("Resources", path[1], "Type"))
        rest = path[3:]
        for pattern in NAME_PROPERTIES.get(resource_type if isinstance(resource_type, str) else "", ()):
            if len(pattern) == len(rest) and all(
                p == r or (p == "*" and isinstance(r, int)) for p, r in zip(pattern, rest, strict=True)
            ):
                return True
        return False

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

    def _blocker(self, template: Template, role: _Role, path: Path, kind: Use) -> str | None:
        """Why the use at ``path`` cannot be rewritten, or None when it can."""
        if kind == "partial":
            return "the role's name is part of a longer string"
        if kind == "wildcard":
            return "a wildcard matches the role's name, not the generated one"
        section = path[0]
        if section == "Resources" and len(path) > 3 and path[2] in ("Properties", "Metadata"):
            owner = str(path[1])
            if owner == role.logical_id:
                return "the role names itself; `!GetAtt` would be circular"
            if owner in role.depends_on_me:
                return f"the role depends on `{owner}`; a reference would be circular"
            condition = template.get(("Resources", owner, "Condition"))
        elif section == "Outputs" and len(path) > 2 and path[2] == "Value":
            if template.has(("Outputs", path[1], "Export")):
                return "an exported value cannot change while other stacks import it"
            condition = template.get(("Outputs", path[1], "Condition"))
        else:
            return f"no `!Ref` or `!GetAtt` is allowed in {section}"
        if role.condition is not None and condition != role.condition:
            return f"the role exists only when `{role.condition}` holds"
        return None
