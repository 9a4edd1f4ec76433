"""Unit tests of CFX104 needless-sub: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from cfnfix.models import Applicability, Finding, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.needless_sub import NeedlessSub


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(text: str) -> list[Finding]:
    return list(NeedlessSub().find(template(text), Options()))


def with_value(value: str, head: str = "") -> str:
    return head + textwrap.dedent("""\
        Parameters:
          Env:
            Type: String
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: VALUE
        """).replace("VALUE", value)


def test_metadata() -> None:
    fixer = NeedlessSub()
    assert (fixer.code, fixer.name) == ("CFX104", "needless-sub")
    assert fixer.applicability is Applicability.SAFE
    assert fixer.cfn_lint_rules == ("W1020",)
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in NeedlessSub.docs()


@pytest.mark.parametrize(("value", "plain"), [
    ("!Sub 'orders'", "orders"),
    ("!Sub ''", ""),
    ("!Sub ['orders', {}]", "orders"),
    ("!Sub ['orders', {Unused: literal}]", "orders"),
    ("!Sub 'x-${!Literal}'", "x-${Literal}"),
    ("!Sub '${!A}-${!B}'", "${A}-${B}"),
    ("{'Fn::Sub': 'long form'}", "long form"),
])
def test_plain_string(value: str, plain: str) -> None:
    (finding,) = find(with_value(value))
    assert finding.path == ("Resources", "Topic", "Properties", "TopicName")
    assert finding.fix is not None
    assert finding.fix.edits == (SetValue(path=finding.path, value=plain),)


@pytest.mark.parametrize("value", [
    "!Sub '${Env}-topic'",
    "!Sub '${ Env }'",
    "!Sub '${AWS::Region}'",
    "!Sub ['${Name}', {Name: !Ref Env}]",
    "!Sub [only-one]",
    "!Ref Env",
    "plain",
])
def test_no_finding(value: str) -> None:
    assert find(with_value(value)) == []


@pytest.mark.parametrize(("value", "reason"), [
    ("!Sub ['x', {A: !Ref Env}]", "variable map"),
    ("!Sub 'x-${!Env}'", "reference to `Env`"),
    ("!Sub 'x-${!AWS::Region}'", "reference to `AWS::Region`"),
    ("!Sub 'x-${!Topic.Arn}'", "reference to `Topic.Arn`"),
    ("!Sub 'x-${ !Literal}'", "neither a variable"),
    ("!Sub 'x-${}'", "neither a variable"),
])
def test_reported_without_fix(value: str, reason: str) -> None:
    (finding,) = find(with_value(value))
    assert finding.fix is None
    assert finding.no_fix_reason is not None and reason in finding.no_fix_reason


def test_sections_where_functions_resolve() -> None:
    findings = find("""\
        Metadata:
          Note: !Sub 'not resolved here'
        Conditions:
          C: !Equals [!Sub 'a', a]
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Condition: C
            Metadata:
              Owner: !Sub 'team'
        Outputs:
          Out:
            Value: !Sub 'value'
        """)
    assert [f.path for f in findings] == [
        ("Resources", "Topic", "Metadata", "Owner"),
        ("Outputs", "Out", "Value"),
        ("Conditions", "C", "Fn::Equals", 0),
    ]


def test_sam_templates_are_left_alone() -> None:
    assert find(with_value("!Sub 'orders'", "Transform: AWS::Serverless-2016-10-31\n")) == []


def test_macro_templates_get_no_fix() -> None:
    (finding,) = find(with_value("!Sub 'orders'", "Transform: MyMacro\n"))
    assert finding.fix is None and "MyMacro" in (finding.no_fix_reason or "")


def test_escapes_kept_under_a_transform() -> None:
    head = "Transform: AWS::LanguageExtensions\n"
    (plain,) = find(with_value("!Sub 'orders'", head))
    assert plain.fix is not None
    (escape,) = find(with_value("!Sub 'x-${!Literal}'", head))
    assert escape.fix is None


def test_step_functions_definition_keeps_escapes() -> None:
    findings = find("""\
        Resources:
          Machine:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              RoleArn: arn:aws:iam::123456789012:role/x
              DefinitionString: !Sub '{"Comment": "${!Literal}"}'
        """)
    assert len(findings) == 1 and findings[0].fix is None


def test_loop_strings_with_identifiers_are_left_to_the_loop() -> None:
    findings = find("""\
        Transform: AWS::LanguageExtensions
        Resources:
          Fn::ForEach::Topics:
            - Name
            - [A, B]
            - Topic&{Name}:
                Type: AWS::SNS::Topic
                Properties:
                  TopicName: !Sub 'x-&{Name}'
                  DisplayName: !Sub 'plain'
        """)
    assert [f.path[-1] for f in findings] == ["DisplayName"]


SECRET_BY_NAME = """
Resources:
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: NAME
      GenerateSecretString:
        PasswordLength: 32
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: VALUE
"""


@pytest.mark.parametrize("name", ["app-db", "!Sub 'app-db'"])
def test_sub_reading_a_secret_of_the_template_by_name_is_left_to_external_secret(name: str) -> None:
    value = "!Sub '{{resolve:secretsmanager:app-db:SecretString:password}}'"
    found = find(SECRET_BY_NAME.replace("NAME", name).replace("VALUE", value))
    (finding,) = [f for f in found if f.path[1] == "Topic"]
    assert finding.fix is None
    assert "`Secret`" in str(finding.no_fix_reason) and "CFX201" in str(finding.no_fix_reason)


@pytest.mark.parametrize("value", [
    "!Sub '{{resolve:secretsmanager:other-db:SecretString:password}}'",  # a secret made elsewhere
    "!Sub 'app-db'",  # the name alone, read by no dynamic reference
])
def test_sub_naming_no_secret_of_the_template_is_fixed(value: str) -> None:
    (finding,) = find(SECRET_BY_NAME.replace("NAME", "app-db").replace("VALUE", value))
    assert finding.fix is not None
