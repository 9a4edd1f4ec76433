"""Unit tests of CFX001 secret-parameter: what find() reports and the edits it proposes."""

from __future__ import annotations

from typing import Any

import yaml

from cfnfix.models import Delete, Finding, InsertKey, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.secret_parameter import SecretParameter

DYNAMIC = "{{resolve:secretsmanager:${%s}:SecretString:password}}"


def find(text: str) -> list[Finding]:
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    template = Template(to_data(node), node, "yaml")
    return list(SecretParameter().find(template, Options(unsafe_fixes=True)))


def edits_of(finding: Finding) -> list[Any]:
    assert finding.fix is not None, finding.no_fix_reason
    return list(finding.fix.edits)


def inserted(finding: Finding) -> dict[str, Any]:
    return {e.key: e.value for e in edits_of(finding) if isinstance(e, InsertKey)}


def generate(finding: Finding, secret: str) -> dict[str, Any]:
    return inserted(finding)[secret]["Properties"]["GenerateSecretString"]


RDS = """
Parameters:
  DBPassword:
    Type: String
    NoEcho: true
    MinLength: 8
    MaxLength: {max_length}
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: {engine}
      DBInstanceClass: db.t3.micro
      MasterUsername: admin
      MasterUserPassword: !Ref DBPassword
"""


def test_rds_instance_gets_secret_attachment_and_dynamic_reference() -> None:
    (finding,) = find(RDS.format(max_length=41, engine="mysql"))
    assert finding.code == "CFX001"
    assert finding.path == ("Parameters", "DBPassword")
    edits = edits_of(finding)
    assert edits[0] == InsertKey(
        path=("Resources",), key="DBPasswordSecret", after="Database",
        value={
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Description": "Generated value of the former DBPassword parameter",
                "GenerateSecretString": {
                    "SecretStringTemplate": '{"username": "admin"}',
                    "GenerateStringKey": "password",
                    "PasswordLength": 32,
                    "ExcludeCharacters": '"@/\\',
                    "RequireEachIncludedType": True,
                },
            },
        },
    )
    assert edits[1] == InsertKey(
        path=("Resources",), key="DBPasswordSecretAttachment", after="Database",
        value={
            "Type": "AWS::SecretsManager::SecretTargetAttachment",
            "Properties": {
                "SecretId": {"Ref": "DBPasswordSecret"},
                "TargetId": {"Ref": "Database"},
                "TargetType": "AWS::RDS::DBInstance",
            },
        },
    )
    assert SetValue(
        path=("Resources", "Database", "Properties", "MasterUserPassword"),
        value={"Fn::Sub": DYNAMIC % "DBPasswordSecret"},
    ) in edits
    assert Delete(path=("Parameters",)) in edits  # the only parameter: the section goes


def test_max_length_clamps_password_length() -> None:
    (finding,) = find(RDS.format(max_length=20, engine="mysql"))
    assert generate(finding, "DBPasswordSecret")["PasswordLength"] == 20


def test_engine_limit_clamps_password_length() -> None:
    (finding,) = find(RDS.format(max_length=128, engine="oracle-se2"))
    assert generate(finding, "DBPasswordSecret")["PasswordLength"] == 30
    (finding,) = find(RDS.format(max_length=128, engine="postgres"))
    assert generate(finding, "DBPasswordSecret")["PasswordLength"] == 32


def test_min_length_raises_password_length() -> None:
    text = RDS.format(max_length=128, engine="postgres").replace("MinLength: 8", "MinLength: 40")
    (finding,) = find(text)
    assert generate(finding, "DBPasswordSecret")["PasswordLength"] == 40


def test_allowed_pattern_characters_are_excluded() -> None:
    text = RDS.format(max_length=41, engine="mysql").replace(
        "MinLength: 8", "MinLength: 8\n    AllowedPattern: '^[a-zA-Z0-9!#_-]*$'"
    )
    (finding,) = find(text)
    excluded = generate(finding, "DBPasswordSecret")["ExcludeCharacters"]
    assert excluded.startswith('"@/\\')
    for char in "$%&*()+,.:;<=>?[]^`{|}~'":
        assert char in excluded
    for char in "!#_-aZ0":
        assert char not in excluded


def test_one_secret_for_two_uses() -> None:
    text = RDS.format(max_length=41, engine="mysql") + """
  Endpoint:
    Type: AWS::DMS::Endpoint
    Properties:
      EndpointType: target
      EngineName: mysql
      Username: admin
      Password: !Ref DBPassword
"""
    (finding,) = find(text)
    assert list(inserted(finding)) == ["DBPasswordSecret", "DBPasswordSecretAttachment"]
    sets = [e for e in edits_of(finding) if isinstance(e, SetValue)]
    assert {e.path for e in sets} == {
        ("Resources", "Database", "Properties", "MasterUserPassword"),
        ("Resources", "Endpoint", "Properties", "Password"),
    }
    assert all(e.value == {"Fn::Sub": DYNAMIC % "DBPasswordSecret"} for e in sets)


def test_use_in_outputs_means_no_fix() -> None:
    text = RDS.format(max_length=41, engine="mysql") + """
Outputs:
  Leak:
    Value: !Ref DBPassword
"""
    (finding,) = find(text)
    assert finding.fix is None
    assert finding.no_fix_reason is not None
    assert "Output (Leak)" in finding.no_fix_reason


def test_use_in_conditions_and_resource_metadata_means_no_fix() -> None:
    text = RDS.format(max_length=41, engine="mysql") + """
Conditions:
  HasPassword: !Not [!Equals [!Ref DBPassword, '']]
"""
    (finding,) = find(text)
    assert finding.fix is None and "Condition (HasPassword)" in str(finding.no_fix_reason)
    text = RDS.format(max_length=41, engine="mysql").replace(
        "    Properties:\n      Engine",
        "    Metadata:\n      Pw: !Ref DBPassword\n    Properties:\n      Engine",
    )
    (finding,) = find(text)
    assert finding.fix is None and "Metadata of resource Database" in str(finding.no_fix_reason)


def test_parameter_feeding_no_password_is_not_reported() -> None:
    text = """
Parameters:
  ApiToken:
    Type: String
    NoEcho: true
  Unused:
    Type: String
    NoEcho: true
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !Ref ApiToken
"""
    assert find(text) == []


def test_any_parameter_in_a_w1011_property_is_reported() -> None:
    text = RDS.format(max_length=41, engine="mysql").replace("DBPassword", "Initial").replace(
        "    NoEcho: true\n", ""
    )
    (finding,) = find(text)
    assert finding.path == ("Parameters", "Initial")
    assert "InitialSecret" in inserted(finding)


def test_secret_like_parameter_in_dms_password_is_reported() -> None:
    text = """
Parameters:
  SourcePassword:
    Type: String
Resources:
  Source:
    Type: AWS::DMS::Endpoint
    Properties:
      EndpointType: source
      EngineName: mysql
      Username: migrator
      Password: !Ref SourcePassword
"""
    (finding,) = find(text)
    assert generate(finding, "SourcePasswordSecret")["SecretStringTemplate"] == '{"username": "migrator"}'
    assert not any(v["Type"].endswith("SecretTargetAttachment") for v in inserted(finding).values())


def test_sub_use_rewrites_the_string_and_username_from_parameter() -> None:
    text = """
Parameters:
  DBUser:
    Type: String
    Default: app
  DBPassword:
    Type: String
    NoEcho: true
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      MasterUsername: !Ref DBUser
      MasterUserPassword: !Ref DBPassword
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          URL: !Sub 'postgres://${DBUser}:${ DBPassword }@${Cluster.Endpoint.Address}/app'
"""
    (finding,) = find(text)
    gen = generate(finding, "DBPasswordSecret")
    assert gen["SecretStringTemplate"] == {"Fn::Sub": '{"username": "${DBUser}"}'}
    assert gen["PasswordLength"] == 32
    assert SetValue(
        path=("Resources", "Fn", "Properties", "Environment", "Variables", "URL", "Fn::Sub"),
        value="postgres://${DBUser}:" + DYNAMIC % "DBPasswordSecret" + "@${Cluster.Endpoint.Address}/app",
    ) in edits_of(finding)
    attachment = inserted(finding)["DBPasswordSecretAttachment"]
    assert attachment["Properties"]["TargetType"] == "AWS::RDS::DBCluster"
    assert Delete(path=("Parameters", "DBPassword")) in edits_of(finding)


def test_interface_metadata_entries_removed_without_nesting() -> None:
    text = """
Metadata:
  AWS::CloudFormation::Interface:
    ParameterGroups:
      - Label: {default: Database}
        Parameters: [DBClass, DBPassword]
      - Label: {default: Cache}
        Parameters: [CacheToken]
    ParameterLabels:
      DBClass: {default: Class}
      DBPassword: {default: Password}
Parameters:
  DBClass:
    Type: String
    Default: db.t3.micro
  DBPassword:
    Type: String
    NoEcho: true
  CacheToken:
    Type: String
    NoEcho: true
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: mysql
      DBInstanceClass: !Ref DBClass
      MasterUserPassword: !Ref DBPassword
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      ReplicationGroupDescription: cache
      TransitEncryptionEnabled: true
      AuthToken: !Ref CacheToken
"""
    db, cache = find(text)
    interface = ("Metadata", "AWS::CloudFormation::Interface")
    db_deletes = {e.path for e in edits_of(db) if isinstance(e, Delete)}
    assert db_deletes == {
        ("Parameters", "DBPassword"),
        (*interface, "ParameterGroups", 0, "Parameters", 1),
        (*interface, "ParameterLabels", "DBPassword"),
    }
    cache_deletes = {e.path for e in edits_of(cache) if isinstance(e, Delete)}
    assert cache_deletes == {("Parameters", "CacheToken"), (*interface, "ParameterGroups", 1)}
    assert generate(cache, "CacheTokenSecret")["PasswordLength"] == 32
    assert generate(cache, "CacheTokenSecret")["SecretStringTemplate"] == "{}"
    for finding in (db, cache):
        paths = [e.touches() for e in edits_of(finding)]
        for i, a in enumerate(paths):
            for b in paths[i + 1 :]:
                assert a[: len(b)] != b and b[: len(a)] != a, (a, b)


def test_free_logical_id_and_shared_condition() -> None:
    text = RDS.format(max_length=41, engine="mysql").replace(
        "  Database:\n    Type", "  Database:\n    Condition: IsProd\n    Type"
    ) + """
  DBPasswordSecret:
    Type: AWS::SNS::Topic
Conditions:
  IsProd: !Equals [!Ref AWS::AccountId, '123456789012']
"""
    (finding,) = find(text)
    secrets = inserted(finding)
    assert list(secrets) == ["DBPasswordSecret2", "DBPasswordSecret2Attachment"]
    assert secrets["DBPasswordSecret2"]["Condition"] == "IsProd"
    assert secrets["DBPasswordSecret2Attachment"]["Condition"] == "IsProd"
    assert list(secrets["DBPasswordSecret2"]) == ["Type", "Condition", "Properties"]


def test_non_string_parameter_has_no_fix() -> None:
    text = RDS.format(max_length=41, engine="mysql").replace("Type: String", "Type: Number")
    (finding,) = find(text)
    assert finding.fix is None and "Number" in str(finding.no_fix_reason)
