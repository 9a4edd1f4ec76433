"""Unit tests of cfnfix.suggestions: template lines in the file's format, shell words and scripts."""

from __future__ import annotations

import subprocess

import pytest

from cfnfix.loader import decode, load_template
from cfnfix.suggestions import Shell, inline, partition, shell_name, template_lines
from cfnfix.template import Template

YAML = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
    EnvironmentSuffix:
        Type: String
        Default: dev
    Owner:
        Type: String
    Quoted:
        Type: String
        Default: a b$c
Resources:
    Topic:
        Type: AWS::SNS::Topic
        Properties:
            TopicName: !Sub '${AWS::StackName}-topic'
"""
JSON = '{\n    "Resources": {\n        "Topic": {"Type": "AWS::SNS::Topic"}\n    }\n}\n'


def load(text: str, name: str) -> Template:
    template = load_template(decode(text.encode(), name), name)
    assert template is not None
    return template


def test_template_lines_follow_the_yaml_file() -> None:
    t = load(YAML, "t.yaml")
    text = template_lines(t, {"Resources": {"Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {
        "SubnetId": {"Ref": "Public"}, "AllocationId": {"Fn::GetAtt": ["Eip", "AllocationId"]}}}}})
    assert text == ("Resources:\n    Nat:\n        Type: AWS::EC2::NatGateway\n        Properties:\n"
                    "            SubnetId: !Ref Public\n            AllocationId: !GetAtt Eip.AllocationId")
    assert inline(t, {"Ref": "X"}) == "!Ref X"


def test_template_lines_follow_the_json_file() -> None:
    t = load(JSON, "t.json")
    text = template_lines(t, {"Image": {"Ref": "X"}, "Tags": [{"Key": "a", "Value": "b"}]})
    assert text == ('"Image": {"Ref": "X"},\n"Tags": [\n    {\n        "Key": "a",\n        "Value": "b"\n    }\n]')
    assert inline(t, {"Ref": "X"}) == '{"Ref": "X"}'


def test_compact_json_gets_lines_anyway() -> None:
    t = load('{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}', "t.json")
    assert template_lines(t, {"A": {"B": 1}}) == '"A": {\n  "B": 1\n}'


def test_shell_words_and_assignments() -> None:
    t = load(YAML, "t.yaml")
    shell = Shell(t, "eu-west-1")
    assert shell.word("plain/name") == "plain/name"
    assert shell.word("it's ${!Literal}") == "'it'\\''s ${Literal}'"
    assert shell.word("/app/${EnvironmentSuffix}/${AWS::AccountId}") == '"/app/${ENVIRONMENT_SUFFIX}/${ACCOUNT_ID}"'
    assert shell.word("arn:${AWS::Partition}:s3:::b.${AWS::URLSuffix}") == '"arn:aws:s3:::b.amazonaws.com"'
    assert shell.word("${Owner}-${AWS::Region}-${AWS::StackName}") == '"${OWNER}-${REGION}-${STACK_NAME}"'
    assert shell.word("${Topic}") is None  # a resource: known once the stack exists
    assert shell.word("${Undefined}") is None
    assert shell.script(["echo done"]).splitlines() == [
        'ENVIRONMENT_SUFFIX="${ENVIRONMENT_SUFFIX:-dev}"',
        "ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)",
        'OWNER="${OWNER:?the value of parameter Owner}"',
        "REGION=eu-west-1",
        'STACK_NAME="${STACK_NAME:?the name of the stack}"',
        "echo done",
    ]


def test_scripts_run_in_a_shell() -> None:
    t = load(YAML, "t.yaml")
    shell = Shell(t, "us-east-1")
    word = shell.word("x-${Quoted}-${EnvironmentSuffix}-${AWS::Region}-${!Kept}")
    assert word is not None
    done = subprocess.run(["sh", "-c", shell.script([f"printf '%s' {word}"])], capture_output=True, text=True,
                          check=False)
    assert done.stdout == "x-a b$c-dev-us-east-1-${Kept}"
    missing = Shell(t, "us-east-1")
    owner = missing.word("${Owner}")
    done = subprocess.run(["sh", "-c", missing.script([f"echo {owner}"])], capture_output=True, text=True,
                          check=False)
    assert done.returncode != 0 and "the value of parameter Owner" in done.stderr


@pytest.mark.parametrize(("name", "expected"), [
    ("EnvironmentSuffix", "ENVIRONMENT_SUFFIX"), ("DBName", "DB_NAME"), ("pTemplateUrlPrefix", "P_TEMPLATE_URL_PREFIX"),
    ("a-b.c", "A_B_C"),
])
def test_shell_name(name: str, expected: str) -> None:
    assert shell_name(name) == expected


def test_partition() -> None:
    assert partition("cn-north-1") == ("aws-cn", "amazonaws.com.cn")
    assert partition("us-gov-west-1") == ("aws-us-gov", "amazonaws.com")
    assert partition("eu-west-1") == ("aws", "amazonaws.com")
