"""Unit tests of CFX211 nested-template-url: reading S3 URLs, and which nested stacks it reports."""

from __future__ import annotations

import pytest

from cfnfix.models import Applicability
from cfnfix_fixers.nested_template_url import NestedTemplateUrl, S3Location, s3_location
from tests.fixer_helpers import DOC_SECTIONS, findings


def test_metadata() -> None:
    fixer = NestedTemplateUrl()
    assert (fixer.code, fixer.name, fixer.applicability) == ("CFX211", "nested-template-url", Applicability.DISPLAY)
    assert all(section in fixer.docs() for section in DOC_SECTIONS)


@pytest.mark.parametrize(("url", "location"), [
    ("https://b.s3.amazonaws.com/k/t.yaml", S3Location("b", "k/t.yaml", None)),
    ("https://b.s3.eu-west-1.amazonaws.com/t.yaml", S3Location("b", "t.yaml", "eu-west-1")),
    ("https://b.s3-eu-west-1.amazonaws.com/t.yaml", S3Location("b", "t.yaml", "eu-west-1")),
    ("https://my.dotted.bucket.s3.amazonaws.com/t.yaml", S3Location("my.dotted.bucket", "t.yaml", None)),
    ("https://t-${AWS::AccountId}.s3.${AWS::Region}.${AWS::URLSuffix}/t.yaml",
     S3Location("t-${AWS::AccountId}", "t.yaml", "${AWS::Region}")),
    ("https://s3.amazonaws.com/b/k/t.yaml", S3Location("b", "k/t.yaml", None)),
    ("https://s3.${AWS::Region}.amazonaws.com/b-${AWS::Region}/t.yaml", S3Location("b-${AWS::Region}", "t.yaml",
                                                                                    "${AWS::Region}")),
    ("https://s3-us-west-2.amazonaws.com/b/t.yml", S3Location("b", "t.yml", "us-west-2")),
    ("https://b.s3.cn-north-1.amazonaws.com.cn/t.yaml", S3Location("b", "t.yaml", "cn-north-1")),
    ("https://${Bucket.RegionalDomainName}/t.yaml", S3Location("${Bucket}", "t.yaml", None)),
    ("s3://b/k/t.yaml", S3Location("b", "k/t.yaml", None)),
])
def test_s3_location(url: str, location: S3Location) -> None:
    assert s3_location(url) == location


@pytest.mark.parametrize("url", [
    "https://example.com/t.yaml", "https://b.s3-website-us-east-1.amazonaws.com/t.yaml", "https://s3.amazonaws.com/",
    "t.yaml", "${Bucket.Arn}/t.yaml",
])
def test_not_s3(url: str) -> None:
    assert s3_location(url) is None


def stacks(*urls: str, extra: str = "") -> list[str]:
    text = "Parameters:\n  Bucket:\n    Type: String\nResources:\n" + extra + "".join(
        f"  Stack{i}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: {url}\n"
        for i, url in enumerate(urls))
    return [f.message for f in findings(NestedTemplateUrl(), text)]


@pytest.mark.parametrize("url", [
    "!Sub 'https://${Bucket}.s3.amazonaws.com/t.yaml'",
    "!Sub 'https://s3.amazonaws.com/${Bucket}/t.yaml'",
    "!Join ['', ['https://', !ImportValue shared-bucket, '.s3.amazonaws.com/t.yaml']]",
    "'{{resolve:ssm:/templates/main:1}}'",
    "https://example.com/t.yaml",
    "String",
    "!FindInMap [Urls, Nested, Url]",
])
def test_inputs_and_what_cannot_be_read_are_not_reported(url: str) -> None:
    assert stacks(url) == []


def test_a_bucket_created_here_is_reported_unless_a_custom_resource_fills_it() -> None:
    bucket = "  Templates:\n    Type: AWS::S3::Bucket\n"
    url = "!Sub 'https://${Templates}.s3.amazonaws.com/t.yaml'"
    (message,) = stacks(url, extra=bucket)
    assert "which this stack creates" in message
    upload = ("  Upload:\n    Type: Custom::S3Upload\n    Properties:\n      ServiceToken: arn:aws:lambda:us-east-1:"
              "123456789012:function:upload\n      Bucket: !Ref Templates\n")
    assert stacks(url, extra=bucket + upload) == []
    assert stacks("!Sub 'https://${Other}.s3.amazonaws.com/t.yaml'",
                  extra="  Other:\n    Type: Custom::Bucket\n    Properties:\n      ServiceToken: x\n") == []


def test_stacks_are_grouped_by_bucket_and_kind() -> None:
    messages = stacks("https://a.s3.amazonaws.com/1.yaml", "https://a.s3.amazonaws.com/2.yaml",
                      "https://b.s3.amazonaws.com/3.yaml", "one.yaml", "./two.json")
    assert len(messages) == 3
    assert messages[0].startswith("Nested stacks `Stack0` and `Stack1` read their templates from bucket `a`")
    assert messages[2].startswith("Nested stacks `Stack3` and `Stack4` have local paths as `TemplateURL`")


def test_upload_commands() -> None:
    text = """\
    Resources:
      Stack:
        Type: AWS::CloudFormation::Stack
        Properties:
          TemplateURL: !Sub 'https://s3.amazonaws.com/t-${AWS::AccountId}/${AWS::Region}/nested.yaml'
    """
    (finding,) = findings(NestedTemplateUrl(), text, regions=("ap-south-1",))
    assert (finding.suggestion or "").splitlines()[-1] == (
        'aws s3 cp nested.yaml "s3://t-${ACCOUNT_ID}/${REGION}/nested.yaml"')
    assert "REGION=ap-south-1" in (finding.suggestion or "")
