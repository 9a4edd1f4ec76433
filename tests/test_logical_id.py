"""Unit tests of CFX114 logical-id: what ``find`` reports, the names it picks, and the E3001
messages it answers or leaves alone."""

from __future__ import annotations

import re
import textwrap

import yaml

from cfnfix.models import Applicability, Finding, Options, RenameKey
from cfnfix.template import Template, to_data
from cfnfix_fixers.logical_id import LogicalId


def find(text: str) -> list[Finding]:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return list(LogicalId().find(Template(to_data(node), node, "yaml", "t.yaml"), Options()))


def new_names(findings: list[Finding]) -> dict[tuple[object, ...], str]:
    names = {}
    for finding in findings:
        assert finding.fix is not None, finding.no_fix_reason
        names.update({e.path: e.new_key for e in finding.fix.edits if isinstance(e, RenameKey) and len(e.path) == 2})
    return names


def test_metadata() -> None:
    fixer = LogicalId()
    assert (fixer.code, fixer.name) == ("CFX114", "logical-id")
    assert fixer.applicability is Applicability.SAFE
    assert fixer.cfn_lint_rules == ("E3001",)
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in LogicalId.docs()


def test_cfn_lint_exceptions_excuse_every_e3001_message_but_the_ids() -> None:
    def excused(message: str) -> bool:
        return any(re.search(p, message) for p in LogicalId.cfn_lint_exceptions)

    assert not excused("'prod-vpc' does not match any of the regexes: '^[a-zA-Z0-9]+$'")
    assert not excused("'App_Role' does not match any of the regexes: '^[a-zA-Z0-9]+$'")
    assert excused("Additional properties are not allowed ('Count' was unexpected)")
    assert excused("{'Fn::Rain::Module': 'bucket.yaml'} is not of type 'string'")
    assert excused("'Type' is a required property")


def test_nothing_to_report_in_a_valid_template() -> None:
    assert find("""\
        Conditions:
          Is_Prod: !Equals [a, a]
        Resources:
          Topic: {Type: AWS::SNS::Topic, Condition: Is_Prod}
        """) == []


def test_every_section_and_the_message() -> None:
    findings = find("""\
        Parameters:
          env name: {Type: String}
        Mappings:
          region_map: {us-east-1: {A: b}}
        Conditions:
          is-prod: !Equals [!Ref env name, prod]
        Resources:
          my.topic: {Type: AWS::SNS::Topic}
        Outputs:
          topic_arn: {Value: !Ref my.topic}
        """)
    assert new_names(findings) == {
        ("Parameters", "env name"): "EnvName", ("Mappings", "region_map"): "RegionMap",
        ("Conditions", "is-prod"): "IsProd", ("Resources", "my.topic"): "MyTopic",
        ("Outputs", "topic_arn"): "TopicArn",
    }
    message = findings[0].message
    assert message == ("The parameter logical id `env name` is not alphanumeric (CloudFormation refuses ' '); "
                       "rename it `EnvName`")
    assert findings[0].related == (("Conditions", "is-prod", "Fn::Equals", 0, "Ref"),)
    assert findings[0].fix is not None
    assert findings[0].fix.note == "renames the parameter `env name` to `EnvName` and the place that names it"


def test_new_names_avoid_every_id_and_each_other() -> None:
    findings = find("""\
        Outputs:
          AppRole: {Value: x}
        Resources:
          App_Role: {Type: AWS::SNS::Topic}
          app-role: {Type: AWS::SNS::Topic}
          AppRole2x: {Type: AWS::SNS::Topic}
        """)
    assert new_names(findings) == {("Resources", "App_Role"): "AppRole2", ("Resources", "app-role"): "AppRole3"}


def test_no_fix_findings_keep_their_references_as_related() -> None:
    (finding,) = find("""\
        Transform: Count
        Resources:
          my-q: {Type: AWS::SQS::Queue}
        Outputs:
          Out: {Value: !Ref my-q}
        """)
    assert finding.fix is None
    assert finding.no_fix_reason is not None and "(Count) rewrites the template" in finding.no_fix_reason
    assert finding.related == (("Outputs", "Out", "Value", "Ref"),)
