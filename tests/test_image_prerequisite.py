"""Unit tests of CFX210 image-prerequisite: which container images it reports, and what it suggests."""

from __future__ import annotations

import pytest

from cfnfix.models import Applicability
from cfnfix_fixers.image_prerequisite import ImagePrerequisite
from tests.fixer_helpers import DOC_SECTIONS, findings

HEAD = """\
Parameters:
  NoDefault:
    Type: String
  PublicDefault:
    Type: String
    Default: nginx:latest
  PrivateDefault:
    Type: String
    Default: 123456789012.dkr.ecr.us-west-2.amazonaws.com/app:1
Resources:
  Repository:
    Type: AWS::ECR::Repository
    Properties:
      RepositoryName: !Sub '${AWS::StackName}-repo'
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: app
          Image: """


def check(image: str, **options: object) -> list[str]:
    return [f.message for f in findings(ImagePrerequisite(), HEAD + image + "\n", **options)]


def test_metadata() -> None:
    fixer = ImagePrerequisite()
    assert (fixer.code, fixer.name, fixer.applicability) == ("CFX210", "image-prerequisite", Applicability.DISPLAY)
    assert all(section in fixer.docs() for section in (*DOC_SECTIONS, "## Options"))


@pytest.mark.parametrize("image", [
    "nginx:alpine",
    "public.ecr.aws/docker/library/nginx:alpine",
    "!Ref NoDefault",
    "!Ref PublicDefault",
    "!FindInMap [Images, App, Uri]",
    "906394416424.dkr.ecr.us-east-1.amazonaws.com/aws-for-fluent-bit:stable",
    "!Sub '${AccountParameter}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1'",
    "!Sub '${Unknown.RepositoryUri}:1'",
])
def test_not_reported(image: str) -> None:
    assert check(image) == []


@pytest.mark.parametrize(("image", "where"), [
    ("!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1'", "in this account's ECR"),
    ("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app", "in the ECR of account 111122223333"),
    ("!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/aws-for-fluent-bit:1'", "in this account's ECR"),
    ("!Ref PrivateDefault", "in the ECR of account 123456789012"),
    ("!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/${AWS::StackName}-repo:1'",
     "repository `Repository`, which this stack creates empty"),
    ("!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/${Repository}:1'",
     "repository `Repository`, which this stack creates empty"),
    ("!Sub '${Repository.RepositoryUri}:1'", "repository `Repository`, which this stack creates empty"),
])
def test_reported(image: str, where: str) -> None:
    (message,) = check(image)
    assert where in message


def test_a_parameter_default_is_reported_once() -> None:
    text = HEAD + "!Ref PrivateDefault\n        - Name: sidecar\n          Image: !Ref PrivateDefault\n"
    (finding,) = findings(ImagePrerequisite(), text)
    assert finding.path == ("Parameters", "PrivateDefault", "Default")


def test_suggestions() -> None:
    (finding,) = findings(ImagePrerequisite(), HEAD + "111122223333.dkr.ecr.eu-west-1.amazonaws.com/app\n",
                          fixer_settings={"CFX210": {"placeholder-image": "public.ecr.aws/x/y:1"}})
    suggestion = (finding.suggestion or "").splitlines()
    assert suggestion[:6] == [
        "Parameters:", "  AppImage:", "    Type: String", "    Default: public.ecr.aws/x/y:1",
        "    Description: Image of container app (push the real image and pass its URI)",
        "and in container app of Task:"]
    assert "docker push 111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:latest" in suggestion
    assert "aws ecr create-repository --repository-name app --region eu-west-1" in suggestion
    image = "!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/a@sha256:" + "0" * 64 + "'\n"
    (digest,) = findings(ImagePrerequisite(), HEAD + image)
    assert "docker push" not in (digest.suggestion or "")
