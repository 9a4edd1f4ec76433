"""Unit tests of CFX215 s3-bucket-name: which names it reports, and the edits it proposes."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from cfnfix.edits import overlaps
from cfnfix.models import Applicability, Delete, Finding, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.s3_bucket_name import S3BucketName, violations

NAME_PATH = ("Resources", "Bucket", "Properties", "BucketName")
ARN = {"Fn::GetAtt": ["Bucket", "Arn"]}
REF = {"Ref": "Bucket"}


def template(name: str | None = "acme-data", rest: str = "", *, bucket_extra: str = "", head: str = "",
             params: str = "", json_text: str = "") -> Template:
    if json_text:
        node = yaml.compose(json_text, Loader=yaml.CSafeLoader)
        return Template(to_data(node), node, "json", "t.json")
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n  Env:\n    Type: String\n    Default: dev\n  NameParam:\n    Type: String\n"
        + params
        + "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
        + head
        + "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
        + textwrap.indent(textwrap.dedent(bucket_extra), "    ")
        + "    Properties:\n"
        + (f"      BucketName: {name}\n" if name is not None else "")
        + "      VersioningConfiguration: {Status: Enabled}\n"
        + rest
    )
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(*args: Any, options: Options | None = None, **kwargs: Any) -> list[Finding]:
    return list(S3BucketName().find(template(*args, **kwargs), options or Options()))


def one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def rewrites(finding: Finding) -> dict[tuple[Any, ...], Any]:
    """The SetValue edits of a fix outside the bucket, by path."""
    assert finding.fix is not None, finding.no_fix_reason
    return {e.path: e.value for e in finding.fix.edits if isinstance(e, SetValue)}


def no_fix(finding: Finding, words: str) -> None:
    assert finding.fix is None
    assert finding.no_fix_reason is not None and words in finding.no_fix_reason, finding.no_fix_reason


def resource(logical_id: str, resource_type: str, properties: str, extra: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(properties).strip("\n"), "      ")
    return f"  {logical_id}:\n    Type: {resource_type}\n{extra}    Properties:\n{body}\n"


def policy(resource_value: str, extra: str = "") -> str:
    return resource("Pol", "AWS::IAM::ManagedPolicy", f"""
        PolicyDocument:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: {resource_value}
    """, extra)


def test_metadata() -> None:
    fixer = S3BucketName()
    assert (fixer.code, fixer.name) == ("CFX215", "s3-bucket-name")
    assert fixer.applicability is Applicability.UNSAFE
    docs = S3BucketName.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in docs


# --- which names are reported -------------------------------------------------------------------
@pytest.mark.parametrize("name", [
    "acme-data",
    "!Sub 'acme-data-${Env}'",
    "!Sub 'acme-data-${AWS::AccountId}-${AWS::Region}'",
    "!Join ['-', [acme, !Ref Env, !Ref 'AWS::AccountId']]",
    "!FindInMap [Names, !Ref Env, Bucket]",
    "!If [IsProd, acme-prod, acme-dev]",
])
def test_static_names_are_reported(name: str) -> None:
    finding = one(find(name))
    assert "static `BucketName`" in finding.message
    if name.startswith(("!FindInMap", "!If")):  # where each value it may take is used cannot all be found
        no_fix(finding, "chosen by a function")
    else:
        assert finding.fix is not None


def test_pseudo_parameters_of_the_account_and_region_are_named() -> None:
    message = one(find("!Sub 'acme-${AWS::AccountId}-${AWS::Region}'")).message
    assert "`${AWS::AccountId}` and `${AWS::Region}` tell accounts and regions apart, not stacks" in message


@pytest.mark.parametrize("name", [
    "!Ref NameParam",  # whoever deploys names the bucket
    "!Sub '${NameParam}'",
    "!If [IsProd, !Ref NameParam, !Ref 'AWS::NoValue']",  # an optional name
    "!Sub 'acme-${AWS::AccountId}-${UniqueSuffix.Value}'",  # a resource's attribute: unique per stack
    "!Join ['-', [acme, !Select [2, !Split ['/', !Ref 'AWS::StackId']]]]",
    "''",
])
def test_names_chosen_per_stack_or_on_purpose_are_not_reported(name: str) -> None:
    rest = resource("UniqueSuffix", "AWS::CloudFormation::CustomResource", "ServiceToken: arn:aws:lambda:x")
    assert find(name, rest) == []


@pytest.mark.parametrize("name", [
    "!Sub 'aws-waf-logs-${Env}'", "aws-glue-scripts-acme", "!Sub 'aws-athena-query-results-${AWS::AccountId}'",
    "acme-sagemaker-data", "!Sub 'elasticbeanstalk-${AWS::Region}-${AWS::AccountId}'",
    "!Sub 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}'",
])
def test_names_services_require_are_left_alone(name: str) -> None:
    assert find(name) == []


def test_website_bucket_named_after_its_host_is_left_alone() -> None:
    site = "      WebsiteConfiguration: {IndexDocument: index.html}\n"
    assert find("www.example.com", site) == []
    assert one(find("example-site", site)).fix is not None


def test_required_name_that_can_be_invalid_has_no_fix() -> None:
    finding = one(find("!Sub 'aws-waf-logs-${AWS::StackName}'"))
    no_fix(finding, "AWS WAF")


def test_stack_name_can_be_invalid_but_is_not_static() -> None:
    finding = one(find("!Sub '${AWS::StackName}-data'"))
    assert finding.message == ("S3 bucket `Bucket` has a `BucketName` that can be invalid: `${AWS::StackName}` "
                               "may hold capital letters and up to 128 characters")
    assert finding.fix is not None


def test_stack_id_is_invalid() -> None:
    finding = one(find("!Sub 'data-${AWS::StackId}'"))
    assert "that is invalid: `${AWS::StackId}` is an ARN" in finding.message


@pytest.mark.parametrize(("name", "words"), [
    ("Acme_Data", "capital letters (`A`, `D`) and `_`"),
    ("!Sub 'Acme-${Env}'", "capital letters (`A`)"),
    ("!Sub '-acme-${Env}'", "begin and end with a letter or digit"),
    ("!Sub 'acme..${Env}'", "`..`"),
    ("!Sub 'xn--acme-${Env}'", "`xn--`"),
    ("!Sub '${Env}-data-s3alias'", "`-s3alias`"),
    ("!Sub '" + "a" * 50 + "-${AWS::AccountId}-${Env}'", "it has at least 64 characters (at most 63)"),
])
def test_names_invalid_whatever_the_parameters(name: str, words: str) -> None:
    finding = one(find(name))
    assert "that is invalid" in finding.message and words in finding.message, finding.message


def test_parameter_defaults_are_checked() -> None:
    head = "  Project:\n    Type: String\n    Default: AcmeProject\n"
    finding = one(find("!Sub '${Project}-data'", params=head))
    assert "can be invalid: with the default of `Project` (`AcmeProject`), it is `AcmeProject-data`" \
        in finding.message


def test_length_is_checked_in_the_target_regions() -> None:
    name = "!Sub '" + "a" * 36 + "-${AWS::AccountId}-${AWS::Region}'"  # 36 + 1 + 12 + 1 + region
    assert "invalid" not in one(find(name)).message  # us-east-1: 59 characters
    finding = one(find(name, options=Options(regions=("us-east-1", "ap-southeast-2"))))
    assert "in `ap-southeast-2`, it is" in finding.message and "64 characters" in finding.message


@pytest.mark.parametrize(("name", "problems"), [
    ("acme-data", []),
    ("ab", ["it has fewer than 3 characters"]),
    ("a" * 64, ["it has 64 characters (at most 63)"]),
    ("192.168.1.10", ["it is formatted as an IP address"]),
    ("acme.-data", ["it holds `.-`"]),
    ("amzn-s3-demo-x", ["it begins with `amzn-s3-demo-`, which S3 reserves"]),
    ("acme--ol-s3", ["it ends with `--ol-s3`, which S3 reserves"]),
    ("acme data", ["it holds `' '` (S3 allows lowercase letters, digits, `.` and `-`)"]),
])
def test_violations(name: str, problems: list[str]) -> None:
    assert violations(name) == problems


# --- the fix ------------------------------------------------------------------------------------
def test_name_removed() -> None:
    finding = one(find())
    assert finding.path == NAME_PATH
    assert finding.fix is not None and finding.fix.edits == (Delete(path=NAME_PATH),)


def test_only_property_removes_the_properties() -> None:
    t = template(json_text='{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", '
                           '"Properties": {"BucketName": "acme-data"}}}}')
    finding = one(list(S3BucketName().find(t, Options())))
    assert finding.fix is not None
    assert finding.fix.edits == (Delete(path=("Resources", "Bucket", "Properties")),)


@pytest.mark.parametrize(("value", "becomes"), [
    ("arn:aws:s3:::acme-data", ARN),
    ("!Sub 'arn:${AWS::Partition}:s3:::acme-data'", ARN),
    ("arn:aws:s3:::acme-data/*", {"Fn::Sub": "${Bucket.Arn}/*"}),
    ("!Sub 'arn:aws:s3:::acme-data/AWSLogs/${AWS::AccountId}/*'",
     {"Fn::Sub": "${Bucket.Arn}/AWSLogs/${AWS::AccountId}/*"}),
    ("!Join ['', ['arn:aws:s3:::', acme-data, '/*']]", {"Fn::Sub": "${Bucket.Arn}/*"}),
])
def test_arns_become_getatt_or_sub(value: str, becomes: Any) -> None:
    finding = one(find(rest=policy(value)))
    path = ("Resources", "Pol", "Properties", "PolicyDocument", "Statement", 0, "Resource")
    assert rewrites(finding) == {path: becomes}


@pytest.mark.parametrize(("value", "becomes"), [
    ("s3://acme-data", {"Fn::Sub": "s3://${Bucket}"}),
    ("s3://acme-data/results/", {"Fn::Sub": "s3://${Bucket}/results/"}),
    ("acme-data.s3.amazonaws.com", {"Fn::GetAtt": ["Bucket", "DomainName"]}),
    ("!Sub 'acme-data.s3.${AWS::URLSuffix}'", {"Fn::GetAtt": ["Bucket", "DomainName"]}),
    ("!Sub 'acme-data.s3.${AWS::Region}.amazonaws.com'", {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}),
    ("acme-data", REF),
])
def test_urls_domain_names_and_names_in_other_resources(value: str, becomes: Any) -> None:
    rest = resource("Param", "AWS::SSM::Parameter", f"Type: String\nValue: {value}")
    assert rewrites(one(find(rest=rest))) == {("Resources", "Param", "Properties", "Value"): becomes}


def test_short_names_are_rewritten_only_where_a_bucket_name_is_taken() -> None:
    rest = (
        resource("Policy", "AWS::S3::BucketPolicy", "Bucket: logs\nPolicyDocument: {Statement: []}")
        + resource("Trail", "AWS::CloudTrail::Trail", "IsLogging: true\nS3BucketName: logs")  # cfn-lint's format
        + resource("Rule", "AWS::IoT::TopicRule", """
            TopicRulePayload:
              Sql: SELECT * FROM 'a'
              Actions:
                - S3: {BucketName: logs, Key: k, RoleArn: arn:aws:iam::123456789012:role/r}
        """)
    )
    assert rewrites(one(find("logs", rest))) == {
        ("Resources", "Policy", "Properties", "Bucket"): REF,
        ("Resources", "Trail", "Properties", "S3BucketName"): REF,
        ("Resources", "Rule", "Properties", "TopicRulePayload", "Actions", 0, "S3", "BucketName"): REF,
    }
    # elsewhere the same short text may or may not be the bucket's name: no fix rather than a guess
    rest += resource("Param", "AWS::SSM::Parameter", "Type: String\nValue: logs")
    no_fix(one(find("logs", rest)), "too short to tell")


def test_tags_and_other_names_are_not_uses_but_bucket_name_keys_are() -> None:
    rest = resource("Group", "AWS::Logs::LogGroup", """
        LogGroupName: acme-data
        Tags:
          - {Key: bucket, Value: acme-data}
    """) + resource("Stack", "AWS::CloudFormation::Stack", """
        TemplateURL: https://example.com/t.yaml
        Parameters:
          ArchiveBucketName: acme-data
    """) + resource("Other", "AWS::S3::Bucket", "BucketName: acme-data")
    findings = find(rest=rest)
    assert rewrites(findings[0]) == {("Resources", "Stack", "Properties", "Parameters", "ArchiveBucketName"): REF}


@pytest.mark.parametrize(("value", "words"), [
    ("!Sub '#!/bin/bash\\naws s3 cp s3://acme-data/app.zip .\\n'", "part of a longer string"),
    ("'{\"Resource\": \"arn:aws:s3:::acme-data/*\"}'", "part of a longer string"),
    ("https://acme-data.s3.amazonaws.com/app.zip", "part of a longer string"),
    ("!Join ['', ['arn:aws:s3:::acme-data/', !If [IsProd, a, b]]]", "part of a longer string"),
    ("arn:aws:s3:::acme-*", "wildcard"),
    ("arn:aws:s3:::acme-data*", "wildcard"),
])
def test_uses_that_cannot_be_rewritten(value: str, words: str) -> None:
    rest = resource("Param", "AWS::SSM::Parameter", f"Type: String\nValue: {value}")
    no_fix(one(find(rest=rest)), words)


@pytest.mark.parametrize("value", ["'arn:aws:s3:::*'", "'arn:aws:s3:::other-*/*'",
                                   "!Sub 'arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:acme-*'",
                                   "'/var/acme-data/x'"])
def test_wildcards_and_strings_elsewhere_do_not_block(value: str) -> None:
    assert rewrites(one(find(rest=policy(value)))) == {}


def test_a_bucket_naming_itself_has_no_fix() -> None:
    rest = "      LoggingConfiguration: {DestinationBucketName: acme-data, LogFilePrefix: self/}\n"
    no_fix(one(find(rest=rest)), "names itself")


def test_use_in_what_the_bucket_depends_on_has_no_fix() -> None:
    rest = resource("Permission", "AWS::Lambda::Permission", """
        Action: lambda:InvokeFunction
        FunctionName: fn
        Principal: s3.amazonaws.com
        SourceArn: arn:aws:s3:::acme-data
    """)
    no_fix(one(find(rest=rest, bucket_extra="DependsOn: Permission\n")), "circular")


def test_permission_of_a_notification_destination_has_no_fix() -> None:
    notification = "      NotificationConfiguration:\n        QueueConfigurations:\n" \
        "          - {Event: 's3:ObjectCreated:*', Queue: !GetAtt Queue.Arn}\n"
    rest = notification + resource("Queue", "AWS::SQS::Queue", "DelaySeconds: 0") + resource(
        "QueuePolicy", "AWS::SQS::QueuePolicy", """
        Queues: [!Ref Queue]
        PolicyDocument:
          Statement:
            - Effect: Allow
              Principal: {Service: s3.amazonaws.com}
              Action: sqs:SendMessage
              Resource: !GetAtt Queue.Arn
              Condition: {ArnLike: {aws:SourceArn: arn:aws:s3:::acme-data}}
    """)
    no_fix(one(find(rest=rest)), "lets the bucket notify `Queue`")
    other = rest.replace("[!Ref Queue]", "[!Ref Other]").replace("Resource: !GetAtt Queue.Arn",
                                                                    "Resource: !GetAtt Other.Arn")
    other += resource("Other", "AWS::SQS::Queue", "DelaySeconds: 0")
    assert rewrites(one(find(rest=other))) != {}  # a queue the bucket does not notify


def test_exported_output_and_parameter_default_have_no_fix() -> None:
    no_fix(one(find(rest="Outputs:\n  Name:\n    Value: acme-data\n    Export: {Name: x}\n")), "exported")
    head = "  Other:\n    Type: String\n    Default: arn:aws:s3:::acme-data\n"
    no_fix(one(find(params=head)), "Parameters")


def test_conditional_bucket_needs_the_same_condition() -> None:
    no_fix(one(find(bucket_extra="Condition: IsProd\n", rest=policy("arn:aws:s3:::acme-data"))), "IsProd")
    same = policy("arn:aws:s3:::acme-data", extra="    Condition: IsProd\n")
    path = ("Resources", "Pol", "Properties", "PolicyDocument", "Statement", 0, "Resource")
    assert rewrites(one(find(bucket_extra="Condition: IsProd\n", rest=same))) == {path: ARN}


def test_depends_on_implied_by_a_rewritten_use_is_removed() -> None:
    finding = one(find(rest=policy("arn:aws:s3:::acme-data", extra="    DependsOn: [Bucket, Other]\n")
                       + resource("Other", "AWS::SNS::Topic", "TopicName: t")))
    assert finding.fix is not None
    assert Delete(path=("Resources", "Pol", "DependsOn", 0)) in finding.fix.edits


def test_a_parameter_only_the_name_used_is_removed() -> None:
    head = "  Prefix:\n    Type: String\n    Default: acme\n"
    finding = one(find("!Sub '${Prefix}-data-${Env}'", params=head,
                       rest=resource("Topic", "AWS::SNS::Topic", "TopicName: !Ref Env")))
    assert finding.fix is not None
    assert finding.fix.edits[-1] == Delete(path=("Parameters", "Prefix"))
    assert "`Parameters.Prefix`" in finding.fix.note


def test_several_buckets_each_found_and_edits_never_nest() -> None:
    rest = (
        resource("Logs", "AWS::S3::Bucket", "BucketName: acme-logs")
        + policy("[arn:aws:s3:::acme-data, 'arn:aws:s3:::acme-data/*', arn:aws:s3:::acme-logs]")
        + resource("Policy", "AWS::S3::BucketPolicy", "Bucket: acme-logs\nPolicyDocument: {Statement: []}")
    )
    findings = find(rest=rest)
    assert [f.path[1] for f in findings] == ["Bucket", "Logs"]
    for finding in findings:
        assert finding.fix is not None
        paths = [e.touches() for e in finding.fix.edits]
        assert not any(overlaps(a, b) for i, a in enumerate(paths) for b in paths[i + 1:])
    statement = ("Resources", "Pol", "Properties", "PolicyDocument", "Statement", 0, "Resource")
    assert rewrites(findings[1]) == {
        (*statement, 2): {"Fn::GetAtt": ["Logs", "Arn"]},
        ("Resources", "Policy", "Properties", "Bucket"): {"Ref": "Logs"},
    }


def test_buckets_whose_names_share_what_goes_with_them_are_fixed_together() -> None:
    params = "  Prefix:\n    Type: String\n    Default: acme\n"
    rest = resource("Logs", "AWS::S3::Bucket", "BucketName: !Sub '${Prefix}-logs'") + resource(
        "Solo", "AWS::S3::Bucket", "BucketName: acme-solo")
    findings = find("!Sub '${Prefix}-data'", rest, params=params)
    assert [f.path[1] for f in findings] == ["Bucket", "Logs", "Solo"]
    both = (Delete(path=NAME_PATH), Delete(path=("Resources", "Logs", "Properties")),
            Delete(path=("Parameters", "Prefix")))
    first, logs, solo = (f.fix for f in findings)
    assert first is not None and first.edits == both  # the first takes the others' names with it
    assert "made together with the fixes of `Logs`" in first.note
    assert logs is not None and logs.edits == (Delete(path=("Resources", "Logs", "Properties")),)
    assert solo is not None and solo.edits == (Delete(path=("Resources", "Solo", "Properties")),)


def test_shared_use_is_removed_whichever_fix_applies_first() -> None:
    import cfnfix

    text = (
        "Parameters:\n  Prefix:\n    Type: String\n    Default: acme\nResources:\n"
        + "".join(resource(f"B{i}", "AWS::S3::Bucket", f"BucketName: !Sub '${{Prefix}}-{i}'") for i in range(3))
    )
    result = cfnfix.fix(text, "t.yaml", Options(select=("CFX215",), unsafe_fixes=True))
    assert result.fixed == "Resources:\n" + "".join(f"  B{i}:\n    Type: AWS::S3::Bucket\n" for i in range(3))
