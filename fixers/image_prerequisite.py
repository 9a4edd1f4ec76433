"""CFX210 image-prerequisite: ECS containers whose image is in a private ECR repository nothing fills."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer, LogicalIds, ref
from cfnfix.models import Applicability, Finding, Options, Path
from cfnfix.rename import pascal_case
from cfnfix.sub_text import may_equal, names_of, referenced_resource, resource_ids, sub_text
from cfnfix.suggestions import Shell, template_lines
from cfnfix.template import Template

_TASK_DEFINITION = "AWS::ECS::TaskDefinition"
_SERVICE = "AWS::ECS::Service"
_REPOSITORY = "AWS::ECR::Repository"
_PART = r"(?:\$\{[^}]*\}|[^:@$\s])+"
_ECR_IMAGE = re.compile(
    r"(?P<registry>(?P<account>\d{12}|\$\{AWS::AccountId\})\.dkr\.ecr(?:-fips)?\."
    r"(?P<region>[a-z0-9-]+|\$\{AWS::Region\})\.(?:amazonaws\.com(?:\.cn)?|\$\{AWS::URLSuffix\}))"
    rf"/(?P<repository>{_PART})(?::(?P<tag>{_PART}))?(?:@(?P<digest>\S+))?\Z"
)
_REPOSITORY_URI = re.compile(rf"\$\{{(?P<repository>[A-Za-z0-9]+)\.RepositoryUri\}}(?::(?P<tag>{_PART}))?\Z")
#: images AWS publishes from its own accounts' ECR (FireLens, App Mesh, GuardDuty's agent)
AWS_PUBLISHED = frozenset({"aws-for-fluent-bit", "aws-appmesh-envoy", "aws-guardduty-agent-fargate"})
DEFAULT_PLACEHOLDER = "public.ecr.aws/docker/library/nginx:alpine"


class ImagePrerequisiteSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX210]``: the public image the suggestion gives as the default."""

    placeholder_image: str = DEFAULT_PLACEHOLDER


@dataclass(frozen=True)
class _Image:
    """A container image in a private ECR repository, as Sub text."""

    text: str
    repository: str  # as Sub text, or the logical id of a repository the template creates
    tag: str | None
    digest: str | None
    account: str  # 12 digits, or ``${AWS::AccountId}``
    region: str  # the registry's region, or ``${AWS::Region}``
    created: str | None  # the logical id of the ECR repository the template creates for it


class ImagePrerequisite(Fixer):
    """## What it does
    Finds ECS task definitions whose containers run an image from a private ECR
    repository that nothing in the template fills: an `Image` in this account's ECR
    (`${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/payment-service:latest`)
    or in a literal account's (`123456789012.dkr.ecr...`), written as a literal, an
    `Fn::Sub`, an `Fn::Join`, or the default of the parameter the `Image` refers to.
    A repository the template creates (`AWS::ECR::Repository`, by its name or by its
    `RepositoryUri`) does not help: the stack creates it empty, and the image can only
    be pushed once it exists.

    An image given by a parameter without a default is an input and is not reported,
    nor are public images (Docker Hub, `public.ecr.aws`) and the images AWS publishes
    from its own accounts' ECR (`aws-for-fluent-bit`, `aws-appmesh-envoy`,
    `aws-guardduty-agent-fargate`).

    The suggestion gives the image as a template parameter whose default is a public
    image (the task starts, and a real image is passed once it is pushed), with the
    container's `Image` line that uses it; and, for a repository nothing creates, the
    commands that create it, build the image and push it before deploying.

    ## Why is this bad?
    ECS cannot pull an image that is not there (`CannotPullContainerError: ... not
    found`): the service's tasks stop as soon as they start, the service never becomes
    stable, and CloudFormation rolls the stack back after waiting for it. A template
    deployed into a fresh account or a test pipeline always fails so.

    ## Example
    ```yaml
    Resources:
      TaskDefinition:
        Type: AWS::ECS::TaskDefinition
        Properties:
          ContainerDefinitions:
            - Name: payment-service
              Image: !Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/payment-service:latest'
    ```

    Use instead:
    ```yaml
    Parameters:
      PaymentServiceImage:
        Type: String
        Default: public.ecr.aws/docker/library/nginx:alpine
        Description: Image of container payment-service (push the real image and pass its URI)
    Resources:
      TaskDefinition:
        Type: AWS::ECS::TaskDefinition
        Properties:
          ContainerDefinitions:
            - Name: payment-service
              Image: !Ref PaymentServiceImage
    ```

    ## Fix safety
    There is no fix: which image the service should run cannot be told from the
    template. The finding carries the lines and commands as a suggestion; cfnfix never
    changes the template.

    ## Options
    In `[tool.cfnfix.fixers.CFX210]`:
    - `placeholder-image` (default `public.ecr.aws/docker/library/nginx:alpine`): the
      public image the suggested parameter defaults to.

    ## References
    - [Moving an image through its lifecycle in Amazon ECR](https://docs.aws.amazon.com/AmazonECR/latest/userguide/getting-started-cli.html)
    - [Amazon ECS task definition parameters: image](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_image)
    - [CannotPullContainer task errors in Amazon ECS](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html)
    """

    code: ClassVar[str] = "CFX210"
    name: ClassVar[str] = "image-prerequisite"
    summary: ClassVar[str] = "ECS container image in a private ECR repository that nothing fills"
    applicability: ClassVar[Applicability] = Applicability.DISPLAY
    settings_model = ImagePrerequisiteSettings

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        definitions = list(template.resources_of_type(_TASK_DEFINITION))
        if not definitions:
            return
        settings = self.settings(options, ImagePrerequisiteSettings)
        ids = LogicalIds(template)
        services = self._services(template)
        reported_parameters: set[str] = set()
        for logical_id, resource in definitions:
            properties = resource.get("Properties")
            containers = properties.get("ContainerDefinitions") if isinstance(properties, dict) else None
            if not isinstance(containers, list):
                continue
            for index, container in enumerate(containers):
                if not isinstance(container, dict) or "Image" not in container:
                    continue
                path: Path = ("Resources", logical_id, "Properties", "ContainerDefinitions", index, "Image")
                value = container["Image"]
                parameter = value.get("Ref") if isinstance(value, dict) and len(value) == 1 else None
                if isinstance(parameter, str) and parameter in template.parameters:
                    if parameter in reported_parameters:
                        continue
                    default = template.parameters[parameter]
                    value = default.get("Default") if isinstance(default, dict) else None
                    path = ("Parameters", parameter, "Default")
                text = sub_text(value) if value is not None else None
                image = self._image(template, text) if text is not None else None
                if image is None:
                    continue
                if path[0] == "Parameters":
                    reported_parameters.add(str(path[1]))
                container_name = container.get("Name") if isinstance(container.get("Name"), str) else f"#{index + 1}"
                yield self._finding(template, options, settings, ids, logical_id, str(container_name), path, image,
                                    services.get(logical_id, []))

    # --- reading -------------------------------------------------------------------------------
    @staticmethod
    def _services(template: Template) -> dict[str, list[str]]:
        """The services that run each task definition (by a Ref to it)."""
        running: dict[str, list[str]] = {}
        for logical_id, resource in template.resources_of_type(_SERVICE):
            properties = resource.get("Properties")
            definition = properties.get("TaskDefinition") if isinstance(properties, dict) else None
            target = definition.get("Ref") if isinstance(definition, dict) else None
            if isinstance(target, str):
                running.setdefault(target, []).append(logical_id)
        return running

    @staticmethod
    def _image(template: Template, text: str) -> _Image | None:
        uri = _REPOSITORY_URI.match(text)
        if uri is not None:
            repository = uri.group("repository")
            resource = template.resources.get(repository)
            if not isinstance(resource, dict) or resource.get("Type") != _REPOSITORY:
                return None
            return _Image(text, repository, uri.group("tag"), None, "${AWS::AccountId}", "${AWS::Region}", repository)
        match = _ECR_IMAGE.match(text)
        if match is None:
            return None
        repository, account = match.group("repository"), match.group("account")
        if account != "${AWS::AccountId}" and repository in AWS_PUBLISHED:
            return None
        created = referenced_resource(repository, template)
        if created is not None and template.get(("Resources", created, "Type")) != _REPOSITORY:
            return None  # a name another resource gives: what it holds cannot be told
        opaque = resource_ids(template)
        for logical_id, name in names_of(template, _REPOSITORY, "RepositoryName"):
            if created is None and name is not None and may_equal(repository, name, opaque):
                created = logical_id
        return _Image(text, repository, match.group("tag"), match.group("digest"), account, match.group("region"),
                      created)

    # --- the finding ------------------------------------------------------------------------------
    def _finding(self, template: Template, options: Options, settings: ImagePrerequisiteSettings, ids: LogicalIds,
                 definition: str, container: str, path: Path, image: _Image, services: list[str]) -> Finding:
        shown = image.text.replace("${!", "${")
        owner = "this account's ECR" if image.account == "${AWS::AccountId}" else f"the ECR of account {image.account}"
        if image.created is not None:
            where = f"repository `{image.created}`, which this stack creates empty"
        else:
            where = f"a repository in {owner} that nothing in this template creates or fills"
        run_by = (" (run by " + ", ".join(f"`{s}`" for s in services) + ")") if services else ""
        consequence = (": its tasks cannot start until the image is pushed, and the service never stabilizes"
                       if services else ": its tasks cannot start until the image is pushed")
        subject = f"Container `{container}` of task definition `{definition}`{run_by}"
        if path[0] == "Parameters":
            shown += f"` (the default of parameter `{path[1]}`)"
        else:
            shown += "`"
        message = f"{subject} runs `{shown}, from {where}{consequence}"
        return self.finding(path, message, suggestion=self._suggestion(
            template, options, settings, ids, definition, container, path, image))

    def _suggestion(self, template: Template, options: Options, settings: ImagePrerequisiteSettings, ids: LogicalIds,
                    definition: str, container: str, path: Path, image: _Image) -> str:
        description = f"Image of container {container} (push the real image and pass its URI)"
        lines: list[str] = []
        if path[0] == "Parameters":
            name = str(path[1])
            parameter = template.parameters[name]
            entry: dict[str, Any] = {**parameter, "Default": settings.placeholder_image}
            lines.append(template_lines(template, {"Parameters": {name: entry}}))
        else:
            name = ids.new(pascal_case(container, "") + "Image")
            entry = {"Type": "String", "Default": settings.placeholder_image, "Description": description}
            lines += [template_lines(template, {"Parameters": {name: entry}}),
                      f"and in container {container} of {definition}:",
                      template_lines(template, {"Image": ref(name)})]
        if image.created is not None or image.digest is not None:
            return "\n".join(lines)
        shell = Shell(template, options.target_regions[0])
        region = shell.word(image.region)
        registry_text = image.text.split("/", 1)[0]
        registry, repository, tagged = (shell.word(text) for text in (
            registry_text, image.repository, registry_text + "/" + image.repository + ":" + (image.tag or "latest")))
        if registry is None or repository is None or tagged is None:
            return "\n".join(lines)
        commands = [
            f"aws ecr create-repository --repository-name {repository} --region {region}",
            f"aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {registry}",
            f"docker build -t {tagged} .",
            f"docker push {tagged}",
        ]
        if image.account != "${AWS::AccountId}":
            commands.insert(0, f"# with credentials of account {image.account}")
        lines += ["or build and push the image before deploying:", shell.script(commands)]
        return "\n".join(lines)
