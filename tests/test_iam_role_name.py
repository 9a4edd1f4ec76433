"""Unit tests of CFX004 iam-role-name: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from cfnfix.edits import overlaps
from cfnfix.models import AppendItem, Applicability, Delete, Finding, InsertKey, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.iam_role_name import IamRoleName, as_text

TRUST = """\
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
"""
NAME_PATH = ("Resources", "Role", "Properties", "RoleName")
GETATT = {"Fn::GetAtt": ["Role", "Arn"]}
REF = {"Ref": "Role"}


def template(role_extra: str = "", rest: str = "", *, name: str = "my-app-role", head: str = "") -> Template:
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n  Env:\n    Type: String\n  RoleParam:\n    Type: String\n"
        "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
        + head
        + "Resources:\n  Role:\n    Type: AWS::IAM::Role\n"
        + textwrap.indent(textwrap.dedent(role_extra), "    ")
        + "    Properties:\n"
        + (f"      RoleName: {name}\n" if name else "")
        + TRUST
        + rest
    )
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(*args: Any, **kwargs: Any) -> list[Finding]:
    return list(IamRoleName().find(template(*args, **kwargs), Options()))


def one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1
    return findings[0]


def rewrites(finding: Finding) -> dict[tuple[Any, ...], Any]:
    """The SetValue edits of a fix outside the role, by path."""
    assert finding.fix is not None, finding.no_fix_reason
    return {e.path: e.value for e in finding.fix.edits if isinstance(e, SetValue) and e.path[1] != "Role"}


def no_fix(finding: Finding, words: str) -> None:
    assert finding.fix is None
    assert finding.no_fix_reason is not None and words in finding.no_fix_reason, finding.no_fix_reason


def lambda_with_role(role: str) -> str:
    return (
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n"
        f"      Handler: index.handler\n      Role: {role}\n      Code:\n        ZipFile: x\n"
    )


def policy(resource: str, action: str = "iam:PassRole", extra: str = "") -> str:
    return (
        f"  Pol:\n    Type: AWS::IAM::ManagedPolicy\n{extra}    Properties:\n      PolicyDocument:\n"
        "        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n"
        f"            Action: {action}\n            Resource: {resource}\n"
    )


def test_metadata() -> None:
    fixer = IamRoleName()
    assert (fixer.code, fixer.name) == ("CFX004", "iam-role-name")
    assert fixer.applicability is Applicability.UNSAFE
    assert fixer.cfn_lint_rules == ()
    docs = IamRoleName.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in docs


def test_no_role_name_no_finding() -> None:
    assert find(name="") == []


def test_name_removed_and_kept_as_new_tags() -> None:
    finding = one(find())
    assert finding.path == NAME_PATH
    assert finding.fix is not None
    assert finding.fix.edits == (
        Delete(path=NAME_PATH),
        InsertKey(path=("Resources", "Role", "Properties"), key="Tags",
                  value=[{"Key": "Name", "Value": "my-app-role"}]),
    )


def test_name_appended_to_existing_tags() -> None:
    finding = one(find(rest="      Tags:\n        - Key: team\n          Value: x\n",
                       name="!Sub 'media-codebuild-role-${Env}'"))
    assert finding.fix is not None
    assert finding.fix.edits == (
        Delete(path=NAME_PATH),
        AppendItem(path=("Resources", "Role", "Properties", "Tags"),
                   value={"Key": "Name", "Value": {"Fn::Sub": "media-codebuild-role-${Env}"}}),
    )


def test_existing_name_tag_kept() -> None:
    finding = one(find(rest="      Tags:\n        - Key: Name\n          Value: other\n"))
    assert finding.fix is not None
    assert finding.fix.edits == (Delete(path=NAME_PATH),)
    assert "`Name` tag already" in finding.fix.note


def test_null_tags_set() -> None:
    finding = one(find(rest="      Tags:\n"))
    assert finding.fix is not None
    assert finding.fix.edits[1] == SetValue(path=("Resources", "Role", "Properties", "Tags"),
                                            value=[{"Key": "Name", "Value": "my-app-role"}])


def test_a_name_a_function_chooses_has_no_fix() -> None:
    # where `prod-role` is used cannot all be found from the name's own text
    finding = one(find(name="!If [IsProd, prod-role, !Ref AWS::NoValue]"))
    no_fix(finding, "chosen by a function")


def test_role_name_only_property_has_no_fix() -> None:
    text = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: r\n"
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    finding = one(list(IamRoleName().find(Template(to_data(node), node, "yaml"), Options())))
    no_fix(finding, "only property")


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::123456789012:role/my-app-role",
    "arn:aws-cn:iam::123456789012:role/my-app-role",
    "!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/my-app-role'",
    "!Sub 'arn:aws:iam::${AWS::AccountId}:role/my-app-role'",
    "!Join ['', ['arn:aws:iam::', !Ref 'AWS::AccountId', ':role/my-app-role']]",
    "!Join [':', [arn, !Ref 'AWS::Partition', iam, '', 123456789012, role/my-app-role]]",
    "!Sub ['arn:aws:iam::${AWS::AccountId}:role/${N}', {N: my-app-role}]",
])
def test_literal_arn_becomes_getatt(arn: str) -> None:
    finding = one(find(rest=lambda_with_role(arn)))
    assert rewrites(finding) == {("Resources", "Fn", "Properties", "Role"): GETATT}
    assert "ARN" in finding.fix.note if finding.fix else False


def test_sub_role_name_matches_sub_arn() -> None:
    finding = one(find(
        name="!Sub 'media-codebuild-role-${Env}'",
        rest=policy("!Sub 'arn:aws:iam::${AWS::AccountId}:role/media-codebuild-role-${Env}'"),
    ))
    path = ("Resources", "Pol", "Properties", "PolicyDocument", "Statement", 0, "Resource")
    assert rewrites(finding) == {path: GETATT}


def test_arn_in_a_resource_list_and_a_principal() -> None:
    rest = policy("\n              - arn:aws:iam::123456789012:role/my-app-role\n              - '*'",
                  action="sts:AssumeRole")
    finding = one(find(rest=rest))
    statement = ("Resources", "Pol", "Properties", "PolicyDocument", "Statement", 0)
    assert rewrites(finding) == {(*statement, "Resource", 0): GETATT}


def test_role_path_is_part_of_the_arn() -> None:
    rest = lambda_with_role("arn:aws:iam::123456789012:role/service-role/my-app-role")
    finding = one(find(rest=rest, name="my-app-role\n      Path: /service-role/"))
    assert rewrites(finding) == {("Resources", "Fn", "Properties", "Role"): GETATT}
    no_fix(one(find(rest=lambda_with_role("arn:aws:iam::123456789012:role/other/my-app-role"))),
           "longer string")


@pytest.mark.parametrize(
    "action", ["iam:PassRole", "sts:AssumeRole", "[iam:PassRole, s3:GetObject]", "'iam:*'"]
)
def test_bare_name_in_pass_role_resource_becomes_getatt(action: str) -> None:
    finding = one(find(rest=policy("my-app-role", action=action)))
    path = ("Resources", "Pol", "Properties", "PolicyDocument", "Statement", 0, "Resource")
    assert rewrites(finding) == {path: GETATT}


def test_bare_name_in_name_properties_becomes_ref() -> None:
    rest = (
        "  Profile:\n    Type: AWS::IAM::InstanceProfile\n    Properties:\n      Roles: [my-app-role]\n"
        "  Inline:\n    Type: AWS::IAM::RolePolicy\n    Properties:\n      RoleName: my-app-role\n"
        "      PolicyName: p\n      PolicyDocument: {Version: '2012-10-17', Statement: []}\n"
    )
    finding = one(find(rest=rest))
    assert rewrites(finding) == {
        ("Resources", "Profile", "Properties", "Roles", 0): REF,
        ("Resources", "Inline", "Properties", "RoleName"): REF,
    }
    assert "`!Ref Role`" in (finding.fix.note if finding.fix else "")


def test_parameter_role_name_only_in_name_properties() -> None:
    rest = (
        "  Profile:\n    Type: AWS::IAM::InstanceProfile\n    Properties:\n      Roles: [!Ref RoleParam]\n"
        "  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref RoleParam\n"
    )
    finding = one(find(rest=rest, name="!Ref RoleParam"))
    assert rewrites(finding) == {("Resources", "Profile", "Properties", "Roles", 0): REF}


def test_distinctive_name_rewritten_anywhere_and_in_outputs() -> None:
    rest = lambda_with_role("!GetAtt Role.Arn") + (
        "      Environment:\n        Variables:\n          ROLE: !Sub 'media-role-${Env}'\n"
        "Outputs:\n  RoleName:\n    Value: !Sub 'media-role-${Env}'\n"
    )
    finding = one(find(rest=rest, name="!Sub 'media-role-${Env}'"))
    assert rewrites(finding) == {
        ("Resources", "Fn", "Properties", "Environment", "Variables", "ROLE"): REF,
        ("Outputs", "RoleName", "Value"): REF,
    }


def test_other_names_and_descriptions_are_not_uses() -> None:
    rest = lambda_with_role("arn:aws:iam::123456789012:role/my-app-role-2") + (
        "      Description: runs as arn:aws:iam::123456789012:role/my-app-role\n"
    )
    finding = one(find(rest=rest))
    assert rewrites(finding) == {}


@pytest.mark.parametrize("resource", ["'*'", "'arn:aws:iam::123456789012:role/*'",
                                      "'arn:aws:iam::123456789012:role/other-*'"])
def test_wildcards_not_matching_the_name_are_fine(resource: str) -> None:
    assert rewrites(one(find(rest=policy(resource)))) == {}


@pytest.mark.parametrize("resource", ["'arn:aws:iam::123456789012:role/my-*'",
                                      "'arn:aws:iam::*:role/my-app-role'",
                                      "!Sub 'arn:aws:iam::${AWS::AccountId}:role/my-app-?ole'"])
def test_wildcard_matching_the_name_has_no_fix(resource: str) -> None:
    no_fix(one(find(rest=policy(resource))), "wildcard")


@pytest.mark.parametrize("value", [
    "'arn:aws:sts::123456789012:assumed-role/my-app-role/session'",
    "'{\"Resource\": \"arn:aws:iam::123456789012:role/my-app-role\"}'",
    "!Sub 'arn:aws:iam::${AWS::AccountId}:role/my-app-role,arn:aws:iam::${AWS::AccountId}:role/x'",
])
def test_name_inside_a_longer_string_has_no_fix(value: str) -> None:
    rest = "  Param:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n" \
        f"      Value: {value}\n"
    no_fix(one(find(rest=rest)), "longer string")


def test_exported_output_has_no_fix_unexported_is_rewritten() -> None:
    arn = "!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/my-app-role'"
    exported = f"Outputs:\n  Arn:\n    Value: {arn}\n    Export:\n      Name: x\n"
    no_fix(one(find(rest=exported)), "exported")
    finding = one(find(rest=f"Outputs:\n  Arn:\n    Value: {arn}\n"))
    assert rewrites(finding) == {("Outputs", "Arn", "Value"): GETATT}


def test_use_in_a_resource_the_role_depends_on_has_no_fix() -> None:
    role_policy = (
        "      Policies:\n        - PolicyName: p\n          PolicyDocument:\n"
        "            Version: '2012-10-17'\n"
        "            Statement:\n              - Effect: Allow\n                Action: sqs:*\n"
        "                Resource: !GetAtt Queue.Arn\n"
    )
    queue = "  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags:\n        - Key: owner\n" \
        "          Value: arn:aws:iam::123456789012:role/my-app-role\n"
    no_fix(one(find(rest=role_policy + queue)), "circular")


def test_role_naming_itself_has_no_fix() -> None:
    own = "      Policies:\n        - PolicyName: p\n          PolicyDocument:\n" \
        "            Version: '2012-10-17'\n" \
        "            Statement:\n              - Effect: Allow\n                Action: sts:AssumeRole\n" \
        "                Resource: arn:aws:iam::123456789012:role/my-app-role\n"
    no_fix(one(find(rest=own)), "itself")


def test_conditional_role_needs_the_same_condition() -> None:
    arn = "arn:aws:iam::123456789012:role/my-app-role"
    no_fix(one(find("Condition: IsProd\n", rest=lambda_with_role(arn))), "IsProd")
    same = lambda_with_role(arn).replace(
        "    Type: AWS::Lambda", "    Condition: IsProd\n    Type: AWS::Lambda"
    )
    assert rewrites(one(find("Condition: IsProd\n", rest=same))) == {
        ("Resources", "Fn", "Properties", "Role"): GETATT
    }


def test_use_in_parameters_or_mappings_has_no_fix() -> None:
    head = "Mappings:\n  Roles:\n    dev:\n      Arn: arn:aws:iam::123456789012:role/my-app-role\n"
    no_fix(one(find(head=head)), "Mappings")


def test_json_template() -> None:
    text = """{
      "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
          "RoleName": "my-app-role",
          "AssumeRolePolicyDocument": {"Statement": []},
          "Tags": [{"Key": "a", "Value": "b"}]}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
          "Role": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/my-app-role"}}}
      }
    }"""
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    finding = one(list(IamRoleName().find(Template(to_data(node), node, "json"), Options())))
    assert finding.fix is not None
    assert finding.fix.edits == (
        Delete(path=NAME_PATH),
        AppendItem(path=("Resources", "Role", "Properties", "Tags"),
                   value={"Key": "Name", "Value": "my-app-role"}),
        SetValue(path=("Resources", "Fn", "Properties", "Role"), value=GETATT),
    )


def test_several_roles_each_found_and_edits_never_nest() -> None:
    rest = (
        "  Other:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: other-role\n" + TRUST
        + lambda_with_role("arn:aws:iam::123456789012:role/other-role")
        + policy("[arn:aws:iam::123456789012:role/my-app-role, my-app-role]")
    )
    findings = find(rest=rest)
    assert [f.path[1] for f in findings] == ["Role", "Other"]
    for finding in findings:
        assert finding.fix is not None
        paths = [e.touches() for e in finding.fix.edits]
        assert not any(overlaps(a, b) for i, a in enumerate(paths) for b in paths[i + 1:])


def test_as_text_folds_forms() -> None:
    assert as_text("a-${x}")[0] == "a-${!x}"
    assert as_text({"Fn::Sub": "a-${ Env }"})[0] == "a-${Env}"
    assert as_text({"Fn::Join": ["-", ["a", {"Ref": "Env"}]]})[0] == "a-${Env}"
    assert as_text({"Fn::GetAtt": ["R", "Arn"]})[0] == "${R.Arn}"
    text, opaque = as_text({"Fn::Join": ["", ["a", {"Fn::If": ["C", "x", "y"]}]]})
    assert text.startswith("a\x00") and opaque == [(("Fn::Join", 1, 1), {"Fn::If": ["C", "x", "y"]})]


def test_names_following_the_same_pattern_are_not_uses() -> None:
    rest = (
        "  Profile:\n    Type: AWS::IAM::InstanceProfile\n    Properties:\n"
        "      InstanceProfileName: !Sub 'media-role-${Env}'\n      Roles: [!Ref Role]\n"
        "  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub 'media-role-${Env}'\n"
        "      Tags:\n        - Key: role\n          Value: !Sub 'media-role-${Env}'\n"
    )
    head = "Metadata:\n  Notes: arn:aws:iam::123456789012:role/media-role-x\n"
    finding = one(find(rest=rest, name="!Sub 'media-role-${Env}'", head=head))
    assert rewrites(finding) == {}


@pytest.mark.parametrize("name", ["dms-vpc-role", "AWSCloudFormationStackSetExecutionRole",
                                  "!Sub 'AWSGlueServiceRole-${Env}'"])
def test_names_aws_requires_are_left_alone(name: str) -> None:
    assert find(name=name) == []
