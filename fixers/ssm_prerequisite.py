"""CFX212 ssm-prerequisite: SSM parameters the template reads that nothing creates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options, Path
from cfnfix.sub_text import is_pseudo_parameter, may_equal, names_of, referenced_resource, resource_ids, sub_text
from cfnfix.suggestions import Shell, template_lines
from cfnfix.template import Template, sub_variables

_PARAMETER = "AWS::SSM::Parameter"
_VALUE_TYPE = "AWS::SSM::Parameter::Value<"
_DYNAMIC = re.compile(r"\{\{resolve:(ssm-secure|ssm):((?:\$\{[^}]*\}|[^}])*)\}\}")
_VERSION = re.compile(r":(\d+)\Z")
#: names starting so belong to AWS (public parameters, Secrets Manager references): no account creates them
_RESERVED = re.compile(r"/?(aws|ssm)", re.IGNORECASE)
_IMAGE_ID = "AWS::EC2::Image::Id"
_PUBLIC_AMI = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


@dataclass
class _Read:
    """One SSM parameter name the template reads, and where."""

    name: str  # as Sub text
    paths: list[Path] = field(default_factory=list)
    secure: bool = False
    #: the template parameter whose default it is, for the first read that is a default
    default_of: str | None = None
    list_type: bool = False
    #: the versions references pin (``:N``) other than 1, which a new parameter does not have
    versions: set[str] = field(default_factory=set)


def _in_sub(path: Path) -> bool:
    """Whether the string at ``path`` is an Fn::Sub's text (so ``${}`` in it are variables)."""
    return bool(path) and (path[-1] == "Fn::Sub" or (len(path) > 1 and path[-2] == "Fn::Sub" and path[-1] == 0))


def _resolved_at(path: Path) -> bool:
    """Whether CloudFormation resolves dynamic references at ``path``: in resource properties,
    outputs and parameter defaults (not in descriptions or metadata)."""
    if path[:1] == ("Resources",):
        return len(path) > 3 and path[2] == "Properties"
    return path[:1] == ("Outputs",) or (path[:1] == ("Parameters",) and path[2:3] == ("Default",))


def _reserved(name: str) -> bool:
    return bool(_RESERVED.match(name))


class SsmPrerequisite(Fixer):
    """## What it does
    Finds SSM Parameter Store parameters the template reads but nothing creates:
    `{{resolve:ssm:NAME}}` and `{{resolve:ssm-secure:NAME}}` dynamic references (in
    literal strings and in `Fn::Sub` text, a version suffix `:N` ignored), and the
    defaults of `AWS::SSM::Parameter::Value<...>` parameters. An `AWS::SSM::Parameter`
    of the template whose `Name` is (or may be, its variables aside) that name counts
    as created, and so does a reference to such a resource (`{{resolve:ssm:${Param}}}`).

    Names AWS owns are left alone: a name starting with `aws` or `ssm` (after an
    optional `/`) cannot be created by an account, and covers AWS's public parameters
    (`/aws/service/...`) and Secrets Manager references (`/aws/reference/...`). So are
    names given as an ARN (a parameter shared from another account), names built from a
    resource's attribute (known only once the stack exists), and names the template
    cannot tell (a variable it does not define). A parameter of type
    `AWS::SSM::Parameter::Value<...>` without a default is an input the deployer gives,
    not a prerequisite of the template.

    The uses of one name make one finding (the others are named in it). The
    suggestion is the `aws ssm put-parameter` command that creates the parameter
    (`--type SecureString` for `ssm-secure`, `StringList` for list types, `--data-type
    aws:ec2:image` for image ids) in the target region, the variables of its name set
    from the template's parameters (their defaults) and pseudo parameters. The value
    cannot be known: the command stops until it is given (`${VALUE:?...}`). A
    reference pinned to a version other than 1 (`:4`) gets a note: a new parameter
    starts at version 1. For an image id parameter, the suggestion also gives AWS's
    public Amazon Linux parameter as the default.

    ## Why is this bad?
    CloudFormation reads SSM parameters during the stack operation: a parameter
    that does not exist fails it (`Parameters: [ssm:/app/db/username] cannot be found`,
    or the resource that resolves it fails and the stack rolls back). Nothing in the
    template says the parameter must be created first, so a fresh account or a test
    pipeline cannot deploy it.

    ## Example
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          MasterUsername: '{{resolve:ssm:/payments/db/username}}'
    ```

    Use instead (before deploying):
    ```sh
    REGION=us-east-1
    aws ssm put-parameter --name /payments/db/username --type String \\
      --value "${VALUE:?the value to store}" --region "${REGION}"
    ```

    ## Fix safety
    There is no fix: the value of a parameter cannot be known from the template. The
    finding carries the command as a suggestion; cfnfix never changes the template.

    ## References
    - [Get a plaintext value from Systems Manager Parameter Store](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html)
    - [Get a secure string value from Systems Manager Parameter Store](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm-secure-strings.html)
    - [Specify existing resources at runtime with CloudFormation-supplied parameter types](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html)
    - [aws ssm put-parameter](https://docs.aws.amazon.com/cli/latest/reference/ssm/put-parameter.html)
    """

    code: ClassVar[str] = "CFX212"
    name: ClassVar[str] = "ssm-prerequisite"
    summary: ClassVar[str] = "SSM parameter read by the template that nothing creates"
    applicability: ClassVar[Applicability] = Applicability.DISPLAY

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        reads: dict[str, _Read] = {}
        self._defaults(template, reads)
        if "{{resolve:ssm" in template.text or not template.text:
            self._dynamic_references(template, reads)
        if not reads:
            return
        created = names_of(template, _PARAMETER, "Name")
        opaque = resource_ids(template)
        for read in reads.values():
            if self._created(read.name, created, template, opaque) or not self._knowable(read.name, template):
                continue
            yield self._finding(template, read, options)

    # --- what the template reads ---------------------------------------------------------
    @staticmethod
    def _defaults(template: Template, reads: dict[str, _Read]) -> None:
        for key, parameter in template.parameters.items():
            if not isinstance(parameter, dict):
                continue
            kind, default = parameter.get("Type"), parameter.get("Default")
            if not (isinstance(kind, str) and kind.startswith(_VALUE_TYPE) and isinstance(default, str) and default):
                continue
            name = default.strip()
            if _reserved(name) or name.startswith("arn:"):
                continue
            read = reads.setdefault(name.replace("${", "${!"), _Read(name.replace("${", "${!")))
            read.paths.append(("Parameters", key, "Default"))
            read.default_of = read.default_of or str(key)
            inner = kind[len(_VALUE_TYPE):]
            read.list_type = read.list_type or inner.startswith("List<") or inner.startswith("CommaDelimitedList")

    @staticmethod
    def _dynamic_references(template: Template, reads: dict[str, _Read]) -> None:
        for path, value in template.walk():
            if not isinstance(value, str) or "{{resolve:ssm" not in value or not _resolved_at(path):
                continue
            text = value.replace("${", "${!")
            if _in_sub(path):
                whole = template.get(path[:-2]) if path[-1] == 0 else None
                text = (sub_text(whole) if whole is not None else None) or value
            for match in _DYNAMIC.finditer(text):
                name = match.group(2).strip()
                version = _VERSION.search(name)
                name = name[: version.start()] if version else name
                if not name or _reserved(name) or name.startswith("arn:"):
                    continue
                read = reads.setdefault(name, _Read(name))
                read.paths.append(path)
                read.secure = read.secure or match.group(1) == "ssm-secure"
                if version is not None and int(version.group(1)) != 1:
                    read.versions.add(version.group(1))

    # --- what the template creates ---------------------------------------------------------
    @staticmethod
    def _created(name: str, created: list[tuple[str, str | None]], template: Template,
                 opaque: frozenset[str]) -> bool:
        target = referenced_resource(name, template)
        if target is not None:
            return True  # a resource's name or attribute: created here, or known only once it exists
        return any(made is None or may_equal(name, made, opaque) for _logical_id, made in created)

    @staticmethod
    def _knowable(name: str, template: Template) -> bool:
        """Whether each variable of the name is a parameter or a pseudo parameter (known before
        the stack exists)."""
        return all(is_pseudo_parameter(v) or v in template.parameters for v in sub_variables(name))

    # --- the finding -----------------------------------------------------------------------
    def _finding(self, template: Template, read: _Read, options: Options) -> Finding:
        shown = "`" + read.name.replace("${!", "${") + "`"
        uses = len(read.paths)
        where = f" ({uses} uses)" if uses > 1 else ""
        if read.default_of is not None and read.paths[0][0] == "Parameters":
            message = (f"The default of parameter `{read.default_of}` names SSM parameter {shown}, which nothing in "
                       f"this template creates{where}: the stack cannot be created until it exists")
        else:
            kind = "ssm-secure" if read.secure else "ssm"
            message = (f"`{{{{resolve:{kind}}}}}` reads SSM parameter {shown}, which nothing in this template "
                       f"creates{where}: the stack cannot be created until it exists")
        return self.finding(read.paths[0], message, related=read.paths[1:],
                            suggestion=self._suggestion(template, read, options))

    @staticmethod
    def _suggestion(template: Template, read: _Read, options: Options) -> str:
        shell = Shell(template, options.target_regions[0])
        name = shell.word(read.name) or read.name
        region = shell.word("${AWS::Region}")
        kind = "SecureString" if read.secure else "StringList" if read.list_type else "String"
        parameter = template.parameters.get(read.default_of or "")
        image = isinstance(parameter, dict) and parameter.get("Type") == _VALUE_TYPE + _IMAGE_ID + ">"
        data_type = " --data-type aws:ec2:image" if image else ""
        command = (f"aws ssm put-parameter --name {name} --type {kind}{data_type} "
                   f'--value "${{VALUE:?the value to store}}" --region {region}')
        text = shell.script([command])
        if read.versions:
            pinned = sorted(read.versions, key=int)
            which = f"version {pinned[0]}" if len(pinned) == 1 else "versions " + ", ".join(pinned)
            text += (f"\nthen pin version 1 where the template pins {which} (`:{pinned[0]}`), which a new parameter "
                     f"does not have yet")
        if image and isinstance(parameter, dict):
            fragment: dict[str, Any] = {"Parameters": {read.default_of: {**parameter, "Default": _PUBLIC_AMI}}}
            text += ("\nor default to AWS's public Amazon Linux 2023 image parameter:\n"
                     + template_lines(template, fragment))
        return text
