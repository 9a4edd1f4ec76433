"""Unit tests of cfnfix.generated_secret: limits, retention, references and removals shared by the secret fixers."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from cfnfix import generated_secret as gs
from cfnfix.fixer import LogicalIds
from cfnfix.template import Template, to_data


def template(text: str) -> Template:
    text = textwrap.dedent(text)
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml", text=text)


def resources(**policies: dict[str, Any]) -> Template:
    body = "Resources:\n"
    for name, attributes in policies.items():
        body += f"  {name}:\n    Type: AWS::RDS::DBInstance\n"
        for key, value in attributes.items():
            body += f"    {key}: {value}\n"
    return template(body)


@pytest.mark.parametrize(("attributes", "expected"), [
    ({}, {}),
    ({"DeletionPolicy": "Delete"}, {"DeletionPolicy": "Delete"}),  # a lone Delete needs no pair
    ({"DeletionPolicy": "Snapshot"}, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}),
    ({"UpdateReplacePolicy": "Retain"}, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}),
    ({"DeletionPolicy": "RetainExceptOnCreate"},
     {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}),
    ({"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Snapshot"},
     {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Retain"}),
    ({"DeletionPolicy": "Keep"}, {}),  # not a policy: nothing is copied
    ({"DeletionPolicy": "!If [Prod, Snapshot, Delete]"},
     {"DeletionPolicy": {"Fn::If": ["Prod", "Retain", "Delete"]},
      "UpdateReplacePolicy": {"Fn::If": ["Prod", "Retain", "Delete"]}}),
    ({"DeletionPolicy": "!Ref Policy"}, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}),
])
def test_retention_follows_the_database_without_snapshot(attributes: dict[str, Any], expected: dict[str, Any]) -> None:
    assert gs.retention(resources(Db=attributes), ["Db"]) == expected


def test_retention_of_several_resources_keeps_the_most() -> None:
    found = resources(A={"DeletionPolicy": "Delete"}, B={"DeletionPolicy": "Retain"}, C={})
    assert gs.retention(found, ["A", "B", "C", "Missing"]) == {"DeletionPolicy": "Retain",
                                                               "UpdateReplacePolicy": "Retain"}
    assert gs.retention(found, ["A", "C"]) == {"DeletionPolicy": "Delete"}


def test_generate_within_limits() -> None:
    limit = gs.combined_limit([gs.TYPE_LIMITS["AWS::ElastiCache::ReplicationGroup"], gs.Limit(1, 20)])
    generated = gs.generate_secret_string(limit, key=None)
    assert "SecretStringTemplate" not in generated and "GenerateStringKey" not in generated
    assert generated["PasswordLength"] == 20
    allowed = set("!&#$^<>-")
    assert not allowed & set(generated["ExcludeCharacters"])
    assert set(generated["ExcludeCharacters"]) | allowed >= set("\"'%()*+,./:;=?@[\\]_`{|}~")
    keyed = gs.generate_secret_string(gs.Limit(8, 41), length=64, secret_string_template='{"username": "a"}')
    assert (keyed["SecretStringTemplate"], keyed["GenerateStringKey"], keyed["PasswordLength"]) == (
        '{"username": "a"}', "password", 41)


@pytest.mark.parametrize(("kind", "engine", "name"), [
    ("AWS::RDS::DBInstance", "postgres", "postgres"),
    ("AWS::RDS::DBCluster", "aurora-postgresql", "postgres"),
    ("AWS::RDS::DBCluster", "aurora-mysql", "admin"),
    ("AWS::RDS::DBInstance", "sqlserver-ex", "admin"),
    ("AWS::RDS::DBInstance", "!Ref Engine", "dbadmin"),  # mysql or postgres: a name both accept
    ("AWS::DocDB::DBCluster", "docdb", "docdbadmin"),
    ("AWS::Redshift::Cluster", "redshift", "awsuser"),
])
def test_default_username_is_one_the_engine_accepts(kind: str, engine: str, name: str) -> None:
    found = template(f"""
        Parameters:
          Engine:
            Type: String
            AllowedValues: [mysql, postgres]
        Resources:
          Db:
            Type: {kind}
            Properties:
              Engine: {engine}
        """)
    assert gs.default_username(found, "Db") == name


REFERENCES = """
Parameters:
  Env:
    Type: String
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          A: !Sub '{{resolve:secretsmanager:${Secret}}}'
          B: '{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf:SecretString:password}}'
          C: !Sub 'x {{resolve:secretsmanager:app-${Env}:SecretString:user::AWSPREVIOUS}} {{resolve:secretsmanager:k}}'
          D: !Sub ['{{resolve:secretsmanager:${Name}:SecretString:password}}', {Name: !Ref Env}]
Outputs:
  Ignored:
    Value: '{{resolve:secretsmanager:in-an-output}}'
"""


def test_secret_references_are_parsed() -> None:
    found = {(r.path[-1], r.secret_id): r for r in gs.secret_references(template(REFERENCES))}
    assert set(found) == {
        ("Fn::Sub", "${Secret}"), ("B", "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf"),
        ("Fn::Sub", "app-${Env}"), ("Fn::Sub", "k"), (0, "${Name}"),
    }
    plain = found[("B", "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf")]
    assert not plain.in_sub and plain.json_key == "password"
    whole = found[("Fn::Sub", "k")]
    assert (whole.in_sub, whole.json_key, whole.version) == (True, None, "")
    versioned = found[("Fn::Sub", "app-${Env}")]
    assert (versioned.json_key, versioned.version, versioned.variables) == ("user", "AWSPREVIOUS", ["Env"])
    assert versioned.text[versioned.start:versioned.end] == "app-${Env}"
    local = found[(0, "${Name}")]
    assert local.local_variables == frozenset({"Name"}) and local.json_key == "password"


def test_secret_references_path_of_a_short_form_sub() -> None:
    (reference,) = [r for r in gs.secret_references(template(REFERENCES)) if r.secret_id == "${Secret}"]
    assert reference.path == ("Resources", "Fn", "Properties", "Environment", "Variables", "A", "Fn::Sub")
    assert reference.in_sub


def test_secrets_read_by_name() -> None:
    found = template("""
        Parameters:
          Env:
            Type: String
        Resources:
          Plain:
            Type: AWS::SecretsManager::Secret
            Properties:
              Name: plain-name
          Varying:
            Type: AWS::SecretsManager::Secret
            Properties:
              Name: !Sub 'db-${Env}'
        """)
    assert gs.secrets_read_by_name(found, "{{resolve:secretsmanager:plain-name:SecretString:x}}", False) == ["Plain"]
    assert gs.secrets_read_by_name(found, "{{resolve:secretsmanager:plain-name}}", True) == ["Plain"]
    assert gs.secrets_read_by_name(found, "{{resolve:secretsmanager:db-${Env}}}", True) == ["Varying"]
    assert gs.secrets_read_by_name(found, "{{resolve:secretsmanager:db-${Env}}}", False) == []  # no Sub: text
    assert gs.secrets_read_by_name(found, "{{resolve:secretsmanager:other}}", True) == []


INTERFACE = """
Metadata:
  AWS::CloudFormation::Interface:
    ParameterGroups:
      - Label: {default: A}
        Parameters: [One, Two]
      - Label: {default: B}
        Parameters: [Three]
    ParameterLabels:
      One: {default: one}
Parameters:
  One: {Type: String}
  Two: {Type: String}
  Three: {Type: String}
Resources:
  Topic:
    Type: AWS::SNS::Topic
"""


def test_parameter_removals_fold_what_they_empty_together() -> None:
    interface = ("Metadata", "AWS::CloudFormation::Interface")
    found = template(INTERFACE)
    assert gs.parameter_removals(found, ["Two", "Three"]) == {
        "Two": [("Parameters", "Two"), (*interface, "ParameterGroups", 0, "Parameters", 1)],
        "Three": [("Parameters", "Three"), (*interface, "ParameterGroups", 1)],
    }
    everything = gs.parameter_removals(found, ["One", "Two", "Three"])
    assert everything == {"One": [("Parameters",), ("Metadata",)], "Two": [], "Three": []}


def test_secret_resource_takes_the_shared_condition_of_its_users() -> None:
    found = template("""
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Condition: Prod
            DeletionPolicy: Snapshot
          Reader:
            Type: AWS::Lambda::Function
            Condition: Prod
          Other:
            Type: AWS::Lambda::Function
        """)
    shared = gs.secret_resource(found, "S", {}, serves="Db", users=["Db", "Reader"], retained_with=["Db"])
    assert shared.value == {"Type": gs.SECRET_TYPE, "Condition": "Prod", "DeletionPolicy": "Retain",
                            "UpdateReplacePolicy": "Retain", "Properties": {}}
    assert list(shared.value) == ["Type", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Properties"]
    assert shared.after == "Db"
    mixed = gs.secret_resource(found, "S", {}, serves="Db", users=["Db", "Other"])
    assert "Condition" not in mixed.value
    attachment = gs.attachment_resource(found, LogicalIds(found), "S", "Db")
    assert attachment.key == "SAttachment" and attachment.value["Condition"] == "Prod"
