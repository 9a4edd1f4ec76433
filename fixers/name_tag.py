"""CFX207 name-tag (opt-in): a taggable resource without a ``Name`` tag gets one built from the
stack name and its logical id."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import field_validator

from cfnfix.cfnlint_data import resource_schemas
from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer, sub
from cfnfix.models import AppendItem, Applicability, Edit, Finding, InsertKey, Options, Path, SetValue
from cfnfix.template import Template, intrinsic_function, sub_variables

LOGICAL_ID = "{logical_id}"
DEFAULT_PATTERN = "${AWS::StackName}-" + LOGICAL_ID
#: types whose tags CloudFormation passes on to every resource of another stack: a `Name` there
#: would name all of them alike
PROPAGATING_TYPES = frozenset({
    "AWS::CloudFormation::Stack",
    "AWS::CloudFormation::StackSet",
    "AWS::Serverless::Application",
    "AWS::ServiceCatalog::CloudFormationProvisionedProduct",
})
#: the longest tag value AWS accepts, when the schema does not say
MAX_VALUE_LENGTH = 256
#: the longest stack name
MAX_STACK_NAME = 128
_SUB_VARIABLE = re.compile(r"\$\{[^}]*\}")


class NameTagSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX207]``: the value of the tag, as an ``Fn::Sub`` text."""

    pattern: str = DEFAULT_PATTERN

    @field_validator("pattern")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        rest = _SUB_VARIABLE.sub("", value).replace(LOGICAL_ID, "")
        if "{" in rest or "}" in rest:
            raise ValueError(f"the only placeholder is {LOGICAL_ID} (and Fn::Sub's ${{...}} variables)")
        return value


@dataclass(frozen=True)
class TagSpec:
    """How a resource type takes tags: the property, a list of Key/Value items or a map, and what
    else an item needs (an Auto Scaling group's ``PropagateAtLaunch``)."""

    property: str
    listed: bool
    extra: tuple[tuple[str, Any], ...] = ()
    max_length: int = MAX_VALUE_LENGTH
    replaces: bool = False  # a change of tags replaces the resource


def _resolve(schema: dict[str, Any], node: Any) -> Any:
    """A subschema with its local ``$ref`` followed (a few levels)."""
    for _ in range(5):
        if not isinstance(node, dict) or not isinstance(node.get("$ref"), str) or not node["$ref"].startswith("#/"):
            return node
        target: Any = schema
        for part in node["$ref"][2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        node = target
    return node


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _length(node: Any) -> int:
    value = node.get("maxLength") if isinstance(node, dict) else None
    return value if isinstance(value, int) and value > 0 else MAX_VALUE_LENGTH


@functools.cache
def tag_spec(resource_type: str, regions: tuple[str, ...]) -> TagSpec | None:
    """How ``resource_type`` takes tags, from its resource provider schema; None when it takes none,
    or takes them in a shape this fixer does not write."""
    if resource_type in PROPAGATING_TYPES:
        return None
    schemas = resource_schemas(resource_type, regions)
    if not schemas:
        return None
    schema = schemas[0]
    found = schema.get("tagging")
    tagging: dict[str, Any] = found if isinstance(found, dict) else {}
    if tagging.get("taggable") is False:
        return None
    pointer = tagging.get("tagProperty", "/properties/Tags")
    if not isinstance(pointer, str) or not re.fullmatch(r"/properties/\w+", pointer):
        return None
    name = pointer.rsplit("/", 1)[1]
    node = _resolve(schema, (schema.get("properties") or {}).get(name))
    if not isinstance(node, dict):
        return None
    replaces = pointer in (schema.get("createOnlyProperties") or []) or tagging.get("tagUpdatable") is False
    kinds = _types(node)
    if "array" in kinds:
        item = _resolve(schema, node.get("items"))
        fields = item.get("properties") if isinstance(item, dict) else None
        if not isinstance(fields, dict) or not {"Key", "Value"} <= set(fields):
            return None
        extra: list[tuple[str, Any]] = []
        for required in item.get("required") or []:
            if required == "PropagateAtLaunch":
                extra.append((required, False))  # the group's name only: its instances keep theirs
            elif required not in ("Key", "Value"):
                return None
        return TagSpec(name, True, tuple(extra), _length(_resolve(schema, fields["Value"])), replaces)
    if "object" in kinds:
        values = [_resolve(schema, v) for v in (node.get("patternProperties") or {}).values()]
        additional = node.get("additionalProperties")
        if isinstance(additional, dict):
            values.append(_resolve(schema, additional))
        patterns = list(node.get("patternProperties") or {})
        if additional is False and not any(_matches(p, "Name") for p in patterns):
            return None
        if any(isinstance(v, dict) and _types(v) - {"string"} for v in values):
            return None
        return TagSpec(name, False, (), min((_length(v) for v in values), default=MAX_VALUE_LENGTH), replaces)
    return None


def _matches(pattern: str, key: str) -> bool:
    try:
        return re.search(pattern, key) is not None
    except re.error:
        return True


class NameTag(Fixer):
    """Checks for taggable resources without a `Name` tag (opt-in).

    ## What it does
    Runs only when selected by its code or name (`--select CFX207`,
    `extend-select = ["name-tag"]`; a prefix such as `CFX2` does not turn it on).
    It finds a resource whose type takes tags (its resource provider schema, as
    cfn-lint ships it, has a `tagProperty`, or a `Tags` property) and that has no
    `Name` tag, and adds `Name: !Sub '${AWS::StackName}-<LogicalId>'`: to the
    list of `Key`/`Value` items (`Tags`, `HostedZoneTags`...), or as a `Name` key
    to the types whose tags are a map of strings (`AWS::SSM::Parameter`,
    `AWS::Serverless::Function`, `UserPoolTags`...); the property is created when
    absent. An Auto Scaling group's tag also gets `PropagateAtLaunch: false`,
    which its tags require: the tag names the group, and the instances it
    launches keep the names their launch template gives them.

    Left alone: tags written as a function (`Tags: !If [...]`) or holding an
    item whose key is a function (either may be the `Name` tag); a SAM resource
    whose `Globals` give it a `Name` tag; nested stacks and stack sets
    (`AWS::CloudFormation::Stack`, `AWS::CloudFormation::StackSet`,
    `AWS::Serverless::Application`, Service Catalog provisioned products),
    whose tags CloudFormation passes on to every resource of the other stacks; tags in another shape (an EC2 launch
    template's `TagSpecifications`, items with required fields other than
    `Key`, `Value` and `PropagateAtLaunch`, maps of non-strings). A tag whose
    key is `Name` in another case (`name`) is reported without a fix: tag keys
    are case-sensitive, and which one was meant cannot be told.

    ## Why is this bad?
    The console lists EC2 resources (instances, volumes, Elastic IPs, network
    interfaces, subnets, route tables, security groups...) by their `Name` tag.
    Without one, an Elastic IP or a NAT gateway is a bare id among the same
    resources of every other stack of the account: hard to tell apart and to
    clean up. A name built from the stack name is unique per stack and says
    where the resource comes from.

    ## Example
    ```yaml
    Resources:
      NatGatewayEIP:
        Type: AWS::EC2::EIP
        Properties:
          Domain: vpc
    ```

    Use instead:
    ```yaml
    Resources:
      NatGatewayEIP:
        Type: AWS::EC2::EIP
        Properties:
          Domain: vpc
          Tags:
            - Key: Name
              Value: !Sub '${AWS::StackName}-NatGatewayEIP'
    ```

    ## Fix safety
    The fix is safe: it adds a tag, which changes nothing the resource does, and
    CloudFormation updates tags in place. On the few types whose schema makes a
    tag change replace the resource (an EC2 key pair or placement group, an AWS
    Batch compute environment...), the fix is unsafe: adding the tag to a
    deployed stack replaces the resource.

    ## Options
    In `[tool.cfnfix.fixers.CFX207]`:
    - `pattern` (default `"${AWS::StackName}-{logical_id}"`): the tag's value, an
      `Fn::Sub` text in which `{logical_id}` stands for the resource's logical id,
      for example `"${ProjectName}-${EnvironmentSuffix}-{logical_id}"`. Its
      `${...}` variables must be pseudo parameters, parameters or resources of
      the template (neither the tagged resource nor one that depends on it,
      which would be a circular dependency); otherwise the finding has no fix.
      A pattern without variables is written as a plain string.

    ## References
    - [Tag your Amazon EC2 resources: the Name tag](https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html)
    - [Resource tag](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-resource-tags.html)
    - [Resource type schema: tagging](https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html)
    """

    code: ClassVar[str] = "CFX207"
    name: ClassVar[str] = "name-tag"
    summary: ClassVar[str] = "Taggable resource without a Name tag"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    settings_model = NameTagSettings
    opt_in: ClassVar[bool] = True

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        pattern = self.settings(options, NameTagSettings).pattern
        regions = options.target_regions
        for name, resource in template.resources.items():
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if not isinstance(kind, str):
                continue
            spec = tag_spec(kind, regions)
            if spec is None or self._named_by_globals(template, kind):
                continue
            yield from self._check(template, str(name), resource, spec, pattern)

    @staticmethod
    def _named_by_globals(template: Template, kind: str) -> bool:
        """Whether SAM's ``Globals`` give the resources of ``kind`` a ``Name`` tag (or may)."""
        if not kind.startswith("AWS::Serverless::"):
            return False
        tags = template.get(("Globals", kind.rsplit("::", 1)[1], "Tags"))
        return tags is not None and (not isinstance(tags, dict) or intrinsic_function(tags) is not None
                                     or any(str(k).lower() == "name" for k in tags))

    def _check(self, template: Template, name: str, resource: dict[str, Any], spec: TagSpec,
               pattern: str) -> Iterator[Finding]:
        kind = resource["Type"]
        properties = resource.get("Properties")
        if properties is not None and (not isinstance(properties, dict) or intrinsic_function(properties)):
            return
        base: Path = ("Resources", name, "Properties")
        tags = properties.get(spec.property) if properties else None
        keys = self._keys(tags, spec)
        if keys is None or "Name" in keys:
            return
        message = f"Resource `{name}` ({kind}) has no `Name` tag"
        path: Path = (*base, spec.property) if properties and spec.property in properties else ("Resources", name)
        near = [k for k in keys if k.lower() == "name"]
        if near:
            yield self.finding(path, message, no_fix_reason=f"it has a `{near[0]}` tag: tag keys are case-sensitive, "
                                                            "and whether it stands for `Name` cannot be told")
            return
        value, reason = self._value(template, name, pattern, spec)
        if reason is not None:
            yield self.finding(path, message, no_fix_reason=reason)
            return
        edit = self._edit(base, properties, spec, value, has_properties="Properties" in resource)
        shown = value["Fn::Sub"] if isinstance(value, dict) else value
        note = f"adds the tag `Name: {shown}`"
        if spec.replaces:
            note += f"; a change of `{spec.property}` replaces a deployed `{kind}`"
        yield self.finding(path, message, [edit], note=note,
                           applicability=Applicability.UNSAFE if spec.replaces else None)

    @staticmethod
    def _keys(tags: Any, spec: TagSpec) -> list[str] | None:
        """The tag keys written, [] when there are none yet; None when they cannot be known (a
        function, an item or key that is a function) or the value has the wrong shape."""
        if tags is None:
            return []
        if intrinsic_function(tags) is not None:
            return None
        if spec.listed:
            if not isinstance(tags, list):
                return None
            keys = [item.get("Key") if isinstance(item, dict) and not intrinsic_function(item) else None
                    for item in tags]
            return None if any(not isinstance(k, str) for k in keys) else [str(k) for k in keys]
        return [str(k) for k in tags] if isinstance(tags, dict) else None

    @staticmethod
    def _value(template: Template, name: str, pattern: str, spec: TagSpec) -> tuple[Any, str | None]:
        """The tag's value for resource ``name``, or the reason there is none."""
        text = pattern.replace(LOGICAL_ID, name)
        variables = sub_variables(text)
        for variable in variables:
            target = variable.split(".", 1)[0]
            if target == name:
                return None, (f"the pattern's `${{{variable}}}` names the resource itself: a resource cannot "
                              "refer to itself")
            defined = target in template.parameters or target in template.resources
            if not target.startswith("AWS::") and not defined:
                return None, f"the pattern's `${{{variable}}}` names nothing this template defines"
            if target in template.resources and name in template.depends_on(target):
                return None, (f"the pattern's `${{{variable}}}` names a resource that depends on this one: "
                              "a circular dependency")
        longest = len(_SUB_VARIABLE.sub("", text)) + MAX_STACK_NAME * text.count("${AWS::StackName}")
        if longest > spec.max_length:
            return None, (f"the name could be {longest} characters long, over the {spec.max_length} a tag value "
                          "may have: set a shorter `pattern`")
        return (sub(text) if variables else text), None

    @staticmethod
    def _edit(base: Path, properties: dict[str, Any] | None, spec: TagSpec, value: Any, *,
              has_properties: bool) -> Edit:
        tag: dict[str, Any] = {"Key": "Name", "Value": value, **dict(spec.extra)}
        tags: Any = [tag] if spec.listed else {"Name": value}
        if properties is None:  # no Properties, or `Properties:` with nothing after it
            if has_properties:
                return SetValue(path=base, value={spec.property: tags})
            return InsertKey(path=base[:-1], key="Properties", value={spec.property: tags})
        if spec.property not in properties:
            return InsertKey(path=base, key=spec.property, value=tags)
        if properties[spec.property] is None:  # `Tags:` with nothing after it
            return SetValue(path=(*base, spec.property), value=tags)
        if spec.listed:
            return AppendItem(path=(*base, spec.property), value=tag)
        return InsertKey(path=(*base, spec.property), key="Name", value=value)
