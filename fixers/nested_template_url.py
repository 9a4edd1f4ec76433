"""CFX211 nested-template-url: nested stacks whose template is in no bucket the deploy can count on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar

from cfnfix.fixer import Fixer, listed
from cfnfix.models import Applicability, Finding, Options, Path
from cfnfix.sub_text import is_pseudo_parameter, literal, may_equal, names_of, resource_ids, sub_text
from cfnfix.suggestions import Shell, template_lines
from cfnfix.template import Template, sub_variables

_STACK = "AWS::CloudFormation::Stack"
_BUCKET = "AWS::S3::Bucket"
_VARIABLE = r"\$\{[^}]+\}"
_REGION = rf"(?P<region>[a-z]{{2}}(?:-[a-z]+)+-\d{{1,2}}|external-1|{_VARIABLE})"
_SUFFIX = r"(?:amazonaws\.com(?:\.cn)?|\$\{AWS::URLSuffix\})"
_S3_ENDPOINT = rf"s3(?:[.-](?:dualstack\.)?{_REGION})?\.{_SUFFIX}"
_VIRTUAL_HOST = re.compile(rf"(?P<bucket>.+?)\.{_S3_ENDPOINT}\Z")
_PATH_HOST = re.compile(rf"{_S3_ENDPOINT}\Z")
_URL = re.compile(r"(?P<scheme>https?|s3)://(?P<rest>.*)\Z", re.S)
#: a bucket's attributes that are its host name
_HOST_ATTRIBUTES = ("DomainName", "RegionalDomainName", "DualStackDomainName")
_TEMPLATE_FILE = re.compile(r"\.(ya?ml|json|template|txt)\Z", re.IGNORECASE)
_ARTIFACT_BUCKET = "cfn-artifacts-${AWS::AccountId}-${AWS::Region}"


@dataclass
class _Group:
    """Nested stacks reported together: by a local path, or by the bucket they read from."""

    kind: str  # "local", "created" (bucket: its logical id) or "missing" (bucket: its name as Sub text)
    bucket: str
    region: str | None  # the region a "missing" bucket's URL names
    stacks: list[tuple[str, str]] = field(default_factory=list)  # (logical id, key or local path)


@dataclass(frozen=True)
class S3Location:
    """Where a URL says a template is: its bucket and key as Sub text, and the region the URL names."""

    bucket: str
    key: str
    region: str | None


def _host_and_path(rest: str) -> tuple[str, str]:
    """The host and the path of a URL's text after ``scheme://``, with ``/`` inside variables kept."""
    depth = 0
    for i, char in enumerate(rest):
        if rest.startswith("${", i):
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == "/" and not depth:
            return rest[:i], rest[i + 1:]
    return rest, ""


def s3_location(url: str) -> S3Location | None:
    """The bucket and key of an S3 URL written as Sub text (virtual-hosted or path style,
    ``s3://``, a bucket's ``DomainName`` as the host), else None."""
    match = _URL.match(url)
    if match is None:
        return None
    host, path = _host_and_path(match.group("rest"))
    if match.group("scheme") == "s3":
        return S3Location(host, path, None) if host else None
    attribute = re.fullmatch(r"\$\{([^}.]+)\.([^}]+)\}", host)
    if attribute is not None and attribute.group(2) in _HOST_ATTRIBUTES:
        return S3Location("${" + attribute.group(1) + "}", path, None)
    virtual = _VIRTUAL_HOST.match(host)
    if virtual is not None:
        return S3Location(virtual.group("bucket"), path, virtual.group("region"))
    path_style = _PATH_HOST.match(host)
    if path_style is not None:
        bucket, key = _host_and_path(path)
        return S3Location(bucket, key, path_style.group("region")) if bucket else None
    return None


class NestedTemplateUrl(Fixer):
    """## What it does
    Finds `AWS::CloudFormation::Stack` resources whose `TemplateURL` the deploy
    cannot count on:

    - an S3 URL (virtual-hosted or path style, `s3://`, or a bucket's `DomainName`)
      whose bucket nothing in the template creates, named by a literal or from pseudo
      parameters only (`cfn-templates-${AWS::AccountId}-${AWS::Region}`): the bucket
      and the nested template in it must be there before the stack is created;
    - an S3 URL whose bucket the template itself creates, when no custom resource
      refers to that bucket (none uploads the template): the new bucket is empty when
      the nested stack is created;
    - a local path (`network.yaml`, `./stacks/db.json`), which only
      `aws cloudformation package` turns into an S3 URL.

    A bucket named from a template parameter (`https://${TemplatesBucket}.s3...`) is
    an input: the deployer chooses it, and it is not reported. Neither is a URL read
    from a mapping, an import or an SSM parameter, nor one that is not S3's.

    Nested stacks reading from one bucket make one finding (the others are named in
    it), and so do nested stacks with local paths. The suggestion gives the commands:
    for a bucket nothing creates, creating the bucket when it is missing and copying
    each nested template to its key (the local file taken to be the key's path,
    beside this template); for local paths or a bucket this stack creates,
    `aws cloudformation package` with an artifact bucket, which uploads each nested
    template and writes its URL into a packaged copy of this template to deploy (for
    a bucket this stack creates, after pointing each `TemplateURL` at its local file,
    with the lines to write).

    cfn-lint reports a local `TemplateURL` too, as W3002 (`This code may only work
    with 'package' cli command`), among the other properties `package` uploads; this
    fixer answers it only for nested stacks, so it does not claim the rule.

    ## Why is this bad?
    CloudFormation reads a nested stack's template from S3 when it creates the nested
    stack. If the bucket or the object is missing, the nested stack fails (`TemplateURL
    must reference a valid S3 object to which you have access`) and the whole stack
    rolls back. Nothing in the template says the templates must be uploaded first.

    ## Example
    ```yaml
    Resources:
      NetworkStack:
        Type: AWS::CloudFormation::Stack
        Properties:
          TemplateURL: !Sub 'https://cfn-templates-${AWS::AccountId}-${AWS::Region}.s3.amazonaws.com/network-stack.yml'
    ```

    Use instead (before deploying):
    ```sh
    ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)
    REGION=us-east-1
    aws s3api head-bucket --bucket "cfn-templates-${ACCOUNT_ID}-${REGION}" 2>/dev/null ||
      aws s3 mb "s3://cfn-templates-${ACCOUNT_ID}-${REGION}" --region "${REGION}"
    aws s3 cp network-stack.yml "s3://cfn-templates-${ACCOUNT_ID}-${REGION}/network-stack.yml"
    ```

    ## Fix safety
    There is no fix: uploading is not a change to the template. The finding carries the
    commands as a suggestion; cfnfix never changes the template.

    ## References
    - [Embed stacks within other stacks using nested stacks](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-nested-stacks.html)
    - [AWS::CloudFormation::Stack](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stack.html)
    - [aws cloudformation package](https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html)
    """

    code: ClassVar[str] = "CFX211"
    name: ClassVar[str] = "nested-template-url"
    summary: ClassVar[str] = "Nested stack template in a bucket nothing creates or uploads to"
    applicability: ClassVar[Applicability] = Applicability.DISPLAY

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        groups: dict[tuple[str, str], _Group] = {}
        for logical_id, resource in template.resources_of_type(_STACK):
            properties = resource.get("Properties")
            if not isinstance(properties, dict) or "TemplateURL" not in properties:
                continue
            url = sub_text(properties["TemplateURL"])
            found = self._classify(template, url) if url is not None else None
            if found is None:
                continue
            kind, bucket, key, region = found
            group = groups.setdefault((kind, bucket), _Group(kind, bucket, region))
            group.stacks.append((logical_id, key))
        for group in groups.values():
            paths: list[Path] = [("Resources", stack, "Properties", "TemplateURL") for stack, _key in group.stacks]
            yield self.finding(paths[0], self._message(group), related=paths[1:],
                               suggestion=self._suggestion(template, options, group))

    def _classify(self, template: Template, url: str) -> tuple[str, str, str, str | None] | None:
        """(kind, bucket, key, region) of a TemplateURL to report, else None: ``local`` (bucket ''),
        ``created`` (the bucket's logical id) or ``missing`` (the bucket's name as Sub text)."""
        plain = literal(url)
        if plain is not None and "://" not in plain and "{{" not in plain and (
            "/" in plain or _TEMPLATE_FILE.search(plain)
        ):
            return "local", "", plain, None
        location = s3_location(url)
        if location is None:
            return None
        names = sub_variables(location.bucket)
        own = len(names) == 1 and location.bucket == "${" + names[0] + "}"
        target = names[0].split(".", 1)[0] if own else None
        key = location.key.replace("${!", "${")
        if target is not None and target in template.resources:
            if template.get(("Resources", target, "Type")) != _BUCKET or self._uploaded(template, target):
                return None  # a name another resource gives, or a bucket a custom resource may fill
            return "created", target, key, None
        if any(not is_pseudo_parameter(name) for name in names):
            return None  # named from a parameter (an input) or from what the template does not define
        for bucket_id, name in names_of(template, _BUCKET, "BucketName"):
            if name is not None and may_equal(location.bucket, name, resource_ids(template)):
                return None if self._uploaded(template, bucket_id) else ("created", bucket_id, key, None)
        return "missing", location.bucket, location.key, location.region

    @staticmethod
    def _message(group: _Group) -> str:
        many = len(group.stacks) > 1
        stacks = listed([f"`{stack}`" for stack, _key in group.stacks])
        subject = f"Nested stack{'s' if many else ''} {stacks}"
        if group.kind == "local":
            files = listed([f"`{key}`" for _stack, key in group.stacks])
            uploads = "them and writes their URLs" if many else "it and writes its URL"
            return (f"{subject} {'have local paths' if many else 'has a local path'} as `TemplateURL` ({files}): "
                    "CloudFormation reads nested templates from S3 only, so this template deploys only through "
                    f"`aws cloudformation package`, which uploads {uploads}")
        reads = f"{'read their templates' if many else 'reads its template'} from bucket"
        if group.kind == "created":
            return (f"{subject} {reads} `{group.bucket}`, which this stack creates: the bucket is still empty when "
                    f"the nested stack{'s are' if many else ' is'} created, as nothing here uploads to it")
        holds = "their templates" if many else f"`{group.stacks[0][1].replace('${!', '${')}`"
        return (f"{subject} {reads} `{group.bucket.replace('${!', '${')}`, which nothing in this template creates "
                f"or uploads to: the stack cannot be created until the bucket exists and holds {holds}")

    def _suggestion(self, template: Template, options: Options, group: _Group) -> str:
        if group.kind == "missing":
            return self._upload(template, options, group)
        lines = []
        if group.kind == "created":
            locals_ = {stack: {"Properties": {"TemplateURL": literal(key.replace("${", "${!")) or
                                              PurePosixPath(key).name}} for stack, key in group.stacks}
            many = len(group.stacks) > 1
            lines += [f"point TemplateURL at {'each' if many else 'the'} nested template's local file:",
                      template_lines(template, {"Resources": locals_}), f"then package {'them' if many else 'it'}:"]
        lines.append(self._package(template, options))
        return "\n".join(lines)

    @staticmethod
    def _uploaded(template: Template, bucket_id: str) -> bool:
        """Whether a custom resource refers to the bucket (one that may put the template in it)."""
        for reference in template.references_to(bucket_id):
            owner = reference.owner
            resource = template.resources.get(owner) if owner and reference.section == "Resources" else None
            kind = resource.get("Type") if isinstance(resource, dict) else None
            if isinstance(kind, str) and (kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"):
                return True
        return False

    # --- suggestions -------------------------------------------------------------------------
    @staticmethod
    def _upload(template: Template, options: Options, group: _Group) -> str:
        shell = Shell(template, options.target_regions[0])
        bucket = group.bucket
        name, bucket_url = (shell.word(text) or text for text in (bucket, "s3://" + bucket))
        region = (literal(group.region) if group.region else None) or shell.word("${AWS::Region}")
        commands = [f"aws s3api head-bucket --bucket {name} 2>/dev/null || aws s3 mb {bucket_url} --region {region}"]
        for _stack, key in group.stacks:
            local = key if literal(key) is not None else PurePosixPath(key).name.replace("${", "${!")
            source, target = (shell.word(text) or text for text in (local, f"s3://{bucket}/{key}"))
            commands.append(f"aws s3 cp {source} {target}")
        return shell.script(commands)

    @staticmethod
    def _package(template: Template, options: Options) -> str:
        shell = Shell(template, options.target_regions[0])
        bucket = shell.word(_ARTIFACT_BUCKET)
        bucket_url = shell.word("s3://" + _ARTIFACT_BUCKET)
        region = shell.word("${AWS::Region}")
        name = PurePosixPath(template.filename or "template.yaml").name
        packaged = PurePosixPath(name).stem + (".packaged.json" if template.fmt == "json" else ".packaged.yaml")
        use_json = " --use-json" if template.fmt == "json" else ""
        source, target = (shell.word(text.replace("${", "${!")) for text in (name, packaged))
        return "\n".join([shell.script([
            f"aws s3api head-bucket --bucket {bucket} 2>/dev/null || aws s3 mb {bucket_url} --region {region}",
            f"aws cloudformation package --template-file {source} --s3-bucket {bucket} "
            f"--output-template-file {target}{use_json} --region {region}",
        ]), f"then deploy {packaged}"])
