"""Unit tests of CFX213 secret-string-interpolation: which secrets are reported, and what the fix keeps."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from cfnfix.models import Finding, InsertKey, Options, RenameKey, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.secret_string_interpolation import SecretStringInterpolation


def find(text: str) -> list[Finding]:
    text = textwrap.dedent(text)
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return list(SecretStringInterpolation().find(Template(to_data(node), node, "yaml", "t.yaml", text=text),
                                                 Options()))


def generated(finding: Finding) -> dict[str, Any]:
    assert finding.fix is not None, finding.no_fix_reason
    # SecretString's key renamed to GenerateSecretString, its value set to the generated one
    renamed = [e.path for e in finding.fix.edits if isinstance(e, RenameKey) and e.new_key == "GenerateSecretString"]
    if renamed:
        (value,) = [e.value for e in finding.fix.edits if isinstance(e, SetValue) and e.path == renamed[0]]
    else:  # SecretString was the only property: Properties replaced whole
        (value,) = [e.value["GenerateSecretString"] for e in finding.fix.edits if isinstance(e, SetValue)
                    and isinstance(e.value, dict) and "GenerateSecretString" in e.value]
    result: dict[str, Any] = value
    return result


def secret(secret_string: str, database: str = "!Ref DBPassword", extra: str = "") -> str:
    return textwrap.dedent(f"""
        Parameters:
          DBName:
            Type: String
            Default: app
          DBPassword:
            Type: String
            NoEcho: true
        Resources:
          Secret:
            Type: AWS::SecretsManager::Secret
            Properties:
              Description: credentials
              SecretString: {secret_string}
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              DBInstanceClass: db.t3.micro
              MasterUsername: app
              MasterUserPassword: {database}
        """) + extra


@pytest.mark.parametrize("secret_string", [
    "!Sub '{\"dbname\": \"${DBName}\", \"region\": \"${AWS::Region}\"}'",  # nothing secret
    "!Sub '{\"host\": \"${Db.Endpoint.Address}\"}'",  # the database does not read the secret: no cycle
    "'{\"password\": \"literal\"}'",  # nothing interpolated
])
def test_not_reported(secret_string: str) -> None:
    assert find(secret(secret_string)) == []


def test_unquoted_variables_and_kept_keys() -> None:
    text = secret("!Sub '{\"password\": \"${DBPassword}\", \"port\": ${Db.Endpoint.Port}, \"dbname\": \"${DBName}\", "
                  "\"tags\": [\"a\"]}'")
    (finding,) = find(text)
    assert generated(finding)["SecretStringTemplate"] == {"Fn::Sub": '{"dbname": "${DBName}", "tags": ["a"]}'}
    assert finding.fix is not None
    assert SetValue(path=("Resources", "Db", "Properties", "MasterUserPassword"),
                    value={"Fn::Sub": "{{resolve:secretsmanager:${Secret}:SecretString:password}}"}) \
        in finding.fix.edits


def test_sub_list_form_variables_are_read_through_their_map() -> None:
    text = secret("!Sub ['{\"username\": \"${U}\", \"password\": \"${P}\"}', {U: app, P: !Ref DBPassword}]")
    (finding,) = find(text)
    assert generated(finding)["SecretStringTemplate"] == '{"username": "app"}'


def test_existing_attachment_and_policies_are_kept() -> None:
    attachment = (
        "  Attachment:\n    Type: AWS::SecretsManager::SecretTargetAttachment\n    Properties:\n"
        "      SecretId: !Ref Secret\n      TargetId: !Ref Db\n      TargetType: AWS::RDS::DBInstance\n"
    )
    text = secret("!Sub '{\"password\": \"${DBPassword}\"}'", extra=attachment)
    text = text.replace("  Db:\n    Type: AWS::RDS::DBInstance\n",
                        "  Db:\n    Type: AWS::RDS::DBInstance\n    DeletionPolicy: Retain\n")
    (finding,) = find(text)
    assert finding.fix is not None
    keys = [e.key for e in finding.fix.edits if isinstance(e, InsertKey)]
    assert keys == ["DeletionPolicy", "UpdateReplacePolicy"]
    assert RenameKey(path=("Resources", "Secret", "Properties", "SecretString"),
                     new_key="GenerateSecretString") in finding.fix.edits


@pytest.mark.parametrize(("secret_string", "extra", "reason"), [
    ("!Sub '{\"password\": \"${DBPassword}\", \"other\": \"${OtherToken}\"}'", "", "several secret parameters"),
    ("!Sub 'password=${DBPassword}'", "", "not JSON"),
    ("!Sub '{\"password\": \"pre-${DBPassword}\"}'", "", "no single key"),
    ("!Join ['', ['{\"password\": \"', !Ref DBPassword, '\", \"x\": \"', !ImportValue y, '\"}']]", "",
     "cannot be known"),
    ("!Sub '{\"password\": \"${DBPassword}\"}'", "Outputs:\n  Leak:\n    Value: !Ref DBPassword\n", "an Output"),
])
def test_no_fix(secret_string: str, extra: str, reason: str) -> None:
    text = secret(secret_string) + extra
    text = text.replace("  DBName:\n", "  OtherToken:\n    Type: String\n  DBName:\n")
    (finding,) = find(text)
    assert finding.fix is None and reason in str(finding.no_fix_reason), finding.no_fix_reason


def test_a_conditional_secret_is_not_read_by_a_resource_outside_its_condition() -> None:
    text = secret("!Sub '{\"password\": \"${DBPassword}\"}'").replace(
        "    Type: AWS::SecretsManager::Secret\n", "    Type: AWS::SecretsManager::Secret\n    Condition: Prod\n")
    (finding,) = find(text + "Conditions:\n  Prod: !Equals [!Ref AWS::Region, us-east-1]\n")
    assert finding.fix is None and "`Db`" in str(finding.no_fix_reason)
