"""Unit tests of CFX201 external-secret: which references are reported, and what the generated secret holds."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from cfnfix.models import Finding, InsertKey, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.external_secret import ExternalSecret


def find(text: str) -> list[Finding]:
    text = textwrap.dedent(text)
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return list(ExternalSecret().find(Template(to_data(node), node, "yaml", "t.yaml", text=text), Options()))


def inserted(finding: Finding) -> dict[str, Any]:
    assert finding.fix is not None, finding.no_fix_reason
    return {e.key: e.value for e in finding.fix.edits if isinstance(e, InsertKey)}


def database(username: str, password: str, engine: str = "mysql", extra: str = "") -> str:
    return f"""
        Parameters:
          Env:
            Type: String
          User:
            Type: String
            Default: app
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: {engine}
              DBInstanceClass: db.t3.micro
              MasterUsername: {username}
              MasterUserPassword: {password}
        {extra}"""


@pytest.mark.parametrize("password", [
    "!Sub '{{resolve:secretsmanager:${Env}:SecretString:password}}'",  # a parameter
    "!Sub '{{resolve:secretsmanager:${Made}:SecretString:password}}'",  # a secret of the template
    "!Sub ['{{resolve:secretsmanager:${Arn}:SecretString:password}}', {Arn: !ImportValue shared-db}]",
    "!Sub '{{resolve:secretsmanager:${Db.MasterUserSecret.SecretArn}:SecretString:password}}'",
])
def test_secrets_given_to_the_template_are_not_reported(password: str) -> None:
    extra = """
          Made:
            Type: AWS::SecretsManager::Secret
            Properties:
              GenerateSecretString: {}
        """
    assert find(database("admin", password, extra=extra)) == []


def test_username_from_a_parameter_and_limits_of_the_engine() -> None:
    text = database("!Ref User", "!Sub '{{resolve:secretsmanager:db-${Env}:SecretString:password}}'",
                    engine="oracle-ee")
    (finding,) = find(text)
    secret = inserted(finding)["DbSecret"]
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["SecretStringTemplate"] == {"Fn::Sub": '{"username": "${User}"}'}
    assert generated["PasswordLength"] == 30  # Oracle's limit
    assert secret["Properties"]["Description"] == {
        "Fn::Sub": "Generated in place of the secret db-${Env}, which the template read by name"}
    assert "DbSecretAttachment" in inserted(finding)


def test_a_custom_user_key_is_kept() -> None:
    text = database("!Sub '{{resolve:secretsmanager:creds:SecretString:user}}'",
                    "!Sub '{{resolve:secretsmanager:creds:SecretString:pass}}'", engine="postgres")
    (finding,) = find(text)
    generated = inserted(finding)["CredsSecret"]["Properties"]["GenerateSecretString"]
    assert (generated["SecretStringTemplate"], generated["GenerateStringKey"]) == ('{"user": "postgres"}', "pass")
    assert finding.fix is not None and "`postgres`" in finding.fix.note


@pytest.mark.parametrize(("username", "password", "reason"), [
    ("admin", "'{{resolve:secretsmanager:c:SecretString:password:AWSPREVIOUS}}'", "version `AWSPREVIOUS`"),
    ("'{{resolve:secretsmanager:c}}'", "'{{resolve:secretsmanager:c:SecretString:password}}'", "both whole and"),
    ("!Sub ['{{resolve:secretsmanager:db-${X}:SecretString:u}}', {X: !Ref Env}]",
     "!Sub ['{{resolve:secretsmanager:db-${X}:SecretString:password}}', {X: !Ref Env}]", "variables of the Sub"),
])
def test_no_fix(username: str, password: str, reason: str) -> None:
    found = find(database(username, password))
    assert found and all(f.fix is None for f in found)
    assert any(reason in str(f.no_fix_reason) for f in found), [f.no_fix_reason for f in found]


def test_reference_read_only_by_something_that_does_not_set_a_password_has_no_fix() -> None:
    text = """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Environment:
                Variables:
                  TOKEN: '{{resolve:secretsmanager:github-token:SecretString:token}}'
        """
    (finding,) = find(text)
    assert finding.fix is None and "nothing in the template sets the password" in str(finding.no_fix_reason)


def test_a_plain_string_becomes_a_sub_with_its_other_dollar_braces_escaped() -> None:
    text = database("admin", "'{{resolve:secretsmanager:db-pw:SecretString:password}}'", extra="""
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Environment:
                Variables:
                  URL: 'mysql://admin:{{resolve:secretsmanager:db-pw:SecretString:password}}@host/${db}'
        """)
    (finding,) = find(text)
    assert finding.fix is not None
    url = next(e for e in finding.fix.edits if isinstance(e, SetValue) and e.path[-1] == "URL")
    assert url.value == {"Fn::Sub": "mysql://admin:{{resolve:secretsmanager:${DbPwSecret}:SecretString:password}}"
                                    "@host/${!db}"}


def test_secret_read_by_name_that_depends_on_its_reader_has_no_fix() -> None:
    text = """
        Resources:
          Secret:
            Type: AWS::SecretsManager::Secret
            Properties:
              Name: app
              Description: !Sub 'for ${Fn}'
              GenerateSecretString: {}
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Environment:
                Variables:
                  KEY: '{{resolve:secretsmanager:app}}'
        """
    (finding,) = find(text)
    assert finding.fix is None and "circular dependency" in str(finding.no_fix_reason)


def test_the_key_read_by_the_user_property_holds_the_user() -> None:
    text = database("'{{resolve:secretsmanager:c:SecretString:owner}}'",
                    "'{{resolve:secretsmanager:c:SecretString:password}}'")
    (finding,) = find(text)
    generated = inserted(finding)["CSecret"]["Properties"]["GenerateSecretString"]
    assert generated["SecretStringTemplate"] == '{"owner": "admin"}'


@pytest.mark.parametrize(("name", "logical_id"), [
    ("media-db-credentials-${Env}", "MediaDbCredentialsSecret"),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app-AbCdEf", "ProdAppSecret"),
    ("app-secret", "AppSecret"),
    ("${AWS::StackName}", "GeneratedSecret"),
    ("2024/creds", "Generated2024CredsSecret"),
])
def test_logical_id_of_the_new_secret(name: str, logical_id: str) -> None:
    password = f"!Sub '{{{{resolve:secretsmanager:{name}:SecretString:password}}}}'"
    (finding,) = find(database("admin", password))
    assert logical_id in inserted(finding)


def test_a_variable_outside_a_sub_is_not_read_as_a_name() -> None:
    assert find(database("admin", "'{{resolve:secretsmanager:${Env}-db:SecretString:password}}'")) == []
