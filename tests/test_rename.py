"""Unit tests of cfnfix.rename (logical id renames) and of what the engine does with renames:
key renames claimed alone, applied last, in passes of their own, and string edits kept in place."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

import cfnfix
from cfnfix import rename
from cfnfix.edits import apply_edits
from cfnfix.models import Applicability, Delete, Edit, Finding, Fix, InsertKey, Options, RenameKey, SetValue
from cfnfix.pipeline import choose
from cfnfix.template import Template, to_data


def template(text: str) -> Template:
    text = textwrap.dedent(text)
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def planned(text: str, renames: dict[tuple[str, str], str]) -> dict[tuple[str, str], rename.Rename]:
    return rename.plan(template(text), renames)


def renamed_data(text: str, renames: dict[tuple[str, str], str]) -> Any:
    """The template's data after the fixes of ``renames`` (each must have one)."""
    t = template(text)
    edits: list[Edit] = []
    for key, plan in rename.plan(t, renames).items():
        assert not plan.reason, (key, plan.reason)
        edits.extend(e for e in plan.edits if e not in edits)
    return apply_edits(t.data, edits)


def fixed(text: str, select: tuple[str, ...] = ("CFX114",), filename: str = "t.yaml") -> str:
    result = cfnfix.fix(textwrap.dedent(text), filename, Options(select=select, unsafe_fixes=True))
    assert result.error is None, result.error
    return result.fixed


# --- names ------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "expected"), [
    ("prod-private-subnet-1", "ProdPrivateSubnet1"),
    ("App_Role", "AppRole"),
    ("my_db.instance", "MyDbInstance"),
    ("myBucket-role", "MyBucketRole"),
    ("web server", "WebServer"),
    ("9-lives", "9Lives"),
    ("café-bar", "CafBar"),
    ("---", "Resource"),
])
def test_pascal_case(name: str, expected: str) -> None:
    assert rename.pascal_case(name) == expected


def test_free_name_numbers_after_letters_and_after_a_v_after_digits() -> None:
    assert rename.free_name("AppRole", {"Other"}) == "AppRole"
    assert rename.free_name("AppRole", {"AppRole", "AppRole2"}) == "AppRole3"
    assert rename.free_name("Subnet1", {"Subnet1"}) == "Subnet1V2"


@pytest.mark.parametrize(("section", "name", "valid"), [
    ("Resources", "AppRole", True),
    ("Resources", "App_Role", False),
    ("Outputs", "bucket-arn", False),
    ("Conditions", "Is_Prod", True),  # CloudFormation (and cfn-lint's E8001) accept _ and & there
    ("Conditions", "A&B", True),
    ("Conditions", "is-prod", False),
])
def test_is_valid(section: str, name: str, valid: bool) -> None:
    assert rename.is_valid(section, name) is valid


def test_definitions_skip_foreach_loops_and_keep_document_order() -> None:
    t = template("""\
        Outputs:
          o-1: {Value: x}
        Resources:
          Fn::ForEach::Topics: [T, [A, B], {'Topic${T}': {Type: AWS::SNS::Topic}}]
          r-1: {Type: AWS::SNS::Topic}
        """)
    assert list(rename.definitions(t)) == [("Outputs", "o-1"), ("Resources", "r-1")]


# --- every way a template names an id ------------------------------------------------------
RESOURCE_USES = """\
    Conditions:
      IsProd: !Equals [a, b]
    Resources:
      my-q:
        Type: AWS::SQS::Queue
      Other:
        Type: AWS::SNS::Topic
        DependsOn: [my-q]
        Properties:
          A: !Ref my-q
          B: !GetAtt my-q.Arn
          C: !GetAtt [my-q, QueueName]
          D: !Sub '${my-q}/${my-q.Arn}/${!my-q}'
          E: !Sub ['${my-q}-${x}', {x: !Ref my-q}]
          F: !If [IsProd, !Ref my-q, !Ref AWS::NoValue]
      Single:
        Type: AWS::SNS::Topic
        DependsOn: my-q
      Connected:
        Type: AWS::Serverless::Function
        Connectors:
          ToQueue:
            Properties:
              Destination: {Id: my-q}
              Permissions: [Write]
      Connector:
        Type: AWS::Serverless::Connector
        Properties:
          Source: {Id: my-q}
          Destination: [{Id: Other}, {Id: my-q}]
          Permissions: [Read]
    """


def test_resource_references_of_every_kind_are_renamed() -> None:
    data = renamed_data(RESOURCE_USES, {("Resources", "my-q"): "MyQ"})
    resources = data["Resources"]
    assert list(resources) == ["MyQ", "Other", "Single", "Connected", "Connector"]  # keys keep their place
    assert resources["Other"]["DependsOn"] == ["MyQ"]
    assert resources["Other"]["Properties"] == {
        "A": {"Ref": "MyQ"},
        "B": {"Fn::GetAtt": ["MyQ", "Arn"]},
        "C": {"Fn::GetAtt": ["MyQ", "QueueName"]},
        "D": {"Fn::Sub": "${MyQ}/${MyQ.Arn}/${!my-q}"},  # the escape is literal text
        "E": {"Fn::Sub": ["${MyQ}-${x}", {"x": {"Ref": "MyQ"}}]},
        "F": {"Fn::If": ["IsProd", {"Ref": "MyQ"}, {"Ref": "AWS::NoValue"}]},
    }
    assert resources["Single"]["DependsOn"] == "MyQ"
    assert resources["Connected"]["Connectors"]["ToQueue"]["Properties"]["Destination"] == {"Id": "MyQ"}
    assert resources["Connector"]["Properties"]["Source"] == {"Id": "MyQ"}
    assert resources["Connector"]["Properties"]["Destination"] == [{"Id": "Other"}, {"Id": "MyQ"}]


def test_parameter_condition_and_mapping_references() -> None:
    data = renamed_data("""\
        Metadata:
          AWS::CloudFormation::Interface:
            ParameterGroups:
              - Parameters: [env-name, Other]
            ParameterLabels:
              Other: {default: other}
              env-name: {default: Environment}
        Parameters:
          env-name: {Type: String}
          Other: {Type: AWS::EC2::Subnet::Id}
        Rules:
          R:
            Assertions:
              - Assert: !Contains [[vpc-1], !ValueOf [env-name, VpcId]]
              - Assert: !Equals [!Ref env-name, prod]
        Mappings:
          size_map: {prod: {Size: large}}
        Conditions:
          is-prod: !Equals [!Ref env-name, prod]
          Both: !And [!Condition is-prod, !Condition is-prod]
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Condition: is-prod
            Properties:
              TopicName: !FindInMap [size_map, !Ref env-name, Size]
        Outputs:
          Out:
            Condition: is-prod
            Value: !If [is-prod, a, b]
        """, {("Parameters", "env-name"): "EnvName", ("Conditions", "is-prod"): "IsProd",
              ("Mappings", "size_map"): "SizeMap"})
    interface = data["Metadata"]["AWS::CloudFormation::Interface"]
    assert interface["ParameterGroups"][0]["Parameters"] == ["EnvName", "Other"]
    assert list(interface["ParameterLabels"]) == ["Other", "EnvName"]
    assert data["Rules"]["R"]["Assertions"][0]["Assert"]["Fn::Contains"][1] == {"Fn::ValueOf": ["EnvName", "VpcId"]}
    assert data["Rules"]["R"]["Assertions"][1]["Assert"] == {"Fn::Equals": [{"Ref": "EnvName"}, "prod"]}
    assert data["Conditions"] == {
        "IsProd": {"Fn::Equals": [{"Ref": "EnvName"}, "prod"]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsProd"}]},
    }
    assert data["Resources"]["Topic"]["Condition"] == "IsProd"
    assert data["Resources"]["Topic"]["Properties"]["TopicName"] == {
        "Fn::FindInMap": ["SizeMap", {"Ref": "EnvName"}, "Size"]}
    assert data["Outputs"]["Out"] == {"Condition": "IsProd", "Value": {"Fn::If": ["IsProd", "a", "b"]}}


def test_helper_scripts_name_the_resource_in_strings() -> None:
    data = renamed_data("""\
        Resources:
          web-server:
            Type: AWS::EC2::Instance
            Metadata:
              Hook: 'path=Resources.web-server.Metadata.AWS::CloudFormation::Init'
            Properties:
              UserData: !Base64
                Fn::Join: ['', ['cfn-init -s ', !Ref AWS::StackName, ' -r web-server --region x',
                                ' --resource=web-server']]
              Tags:
                - {Key: a, Value: 'cfn-signal -r "web-server failed" --resource web-serverX'}
                - {Key: b, Value: 'rm -r web-server'}
        """, {("Resources", "web-server"): "WebServer"})
    resource = data["Resources"]["WebServer"]
    assert resource["Metadata"]["Hook"] == "path=Resources.WebServer.Metadata.AWS::CloudFormation::Init"
    parts = resource["Properties"]["UserData"]["Fn::Base64"]["Fn::Join"][1]
    assert parts[2:] == [" -r WebServer --region x", " --resource=WebServer"]
    # a quoted reason and a longer token are not the id; `-r` before the bare id is taken as cfn-init's
    assert resource["Properties"]["Tags"] == [
        {"Key": "a", "Value": 'cfn-signal -r "web-server failed" --resource web-serverX'},
        {"Key": "b", "Value": "rm -r WebServer"},
    ]


def test_dotted_ids_are_read_as_the_longest_id_the_name_starts_with() -> None:
    data = renamed_data("""\
        Resources:
          my_db: {Type: AWS::SNS::Topic}
          my_db.instance: {Type: AWS::RDS::DBInstance}
        Outputs:
          A: {Value: !GetAtt my_db.instance.Endpoint.Address}
          B: {Value: !Sub '${my_db.instance.Endpoint.Port}-${my_db.TopicName}'}
          C: {Value: !GetAtt my_db.TopicName}
        """, {("Resources", "my_db.instance"): "MyDbInstance", ("Resources", "my_db"): "MyDb"})
    assert data["Outputs"] == {
        "A": {"Value": {"Fn::GetAtt": ["MyDbInstance", "Endpoint.Address"]}},
        "B": {"Value": {"Fn::Sub": "${MyDbInstance.Endpoint.Port}-${MyDb.TopicName}"}},
        "C": {"Value": {"Fn::GetAtt": ["MyDb", "TopicName"]}},
    }


def test_an_output_sharing_a_resource_id_is_renamed_alone() -> None:
    data = renamed_data("""\
        Resources:
          my-q: {Type: AWS::SQS::Queue}
        Outputs:
          my-q: {Value: !Ref my-q}
        """, {("Outputs", "my-q"): "MyQ2"})
    assert data == {"Resources": {"my-q": {"Type": "AWS::SQS::Queue"}},
                    "Outputs": {"MyQ2": {"Value": {"Ref": "my-q"}}}}


def test_getatt_with_a_computed_attribute_renames_each_name_on_its_own_node() -> None:
    t = template("""\
        Parameters:
          attr-name: {Type: String}
        Resources:
          my-q: {Type: AWS::SQS::Queue}
        Outputs:
          Out: {Value: !GetAtt [my-q, !Ref attr-name]}
        """)
    plans = rename.plan(t, {("Resources", "my-q"): "MyQ", ("Parameters", "attr-name"): "AttrName"})
    edits = [e for plan in plans.values() for e in plan.edits]
    assert SetValue(path=("Outputs", "Out", "Value", "Fn::GetAtt", 0), value="MyQ") in edits
    assert SetValue(path=("Outputs", "Out", "Value", "Fn::GetAtt", 1, "Ref"), value="AttrName") in edits


# --- what blocks a rename -------------------------------------------------------------------
@pytest.mark.parametrize(("text", "key", "reason"), [
    ("Transform: MyMacro\nResources:\n  my-q: {Type: AWS::SQS::Queue}\n", ("Resources", "my-q"),
     "transform (MyMacro) rewrites"),
    ("Resources:\n  my-q: {Type: AWS::SQS::Queue}\n  T:\n    Type: AWS::SNS::Topic\n"
     "    Properties: {TopicName: !Ref {'Fn::Sub': '${AWS::Region}q'}}\n", ("Resources", "my-q"),
     "a `Ref` names its target with a function at `Resources.T.Properties.TopicName`"),
    ("Resources:\n  my-q: {Type: AWS::SQS::Queue}\nOutputs:\n  O: {Value: !GetAtt [!Join ['', [my, -q]], Arn]}\n",
     ("Resources", "my-q"), "an `Fn::GetAtt` names its resource with a function"),
    ("Parameters:\n  p-1: {Type: String}\nOutputs:\n  O: {Value: !Sub [!Join ['', ['${p-1}']], {}]}\n",
     ("Parameters", "p-1"), "an `Fn::Sub` substitutes a string that is not literal"),
    ("Mappings:\n  m-1: {a: {b: c}}\nParameters:\n  M: {Type: String}\n"
     "Outputs:\n  O: {Value: !FindInMap [!Ref M, a, b]}\n", ("Mappings", "m-1"), "map with a function"),
    ("Resources:\n  my-fn: {Type: AWS::Serverless::Function}\nOutputs:\n  O: {Value: !GetAtt my-fnRole.Arn}\n",
     ("Resources", "my-fn"), "names `my-fnRole`, which it does not define"),
    ("Parameters:\n  my-q: {Type: String}\nResources:\n  my-q: {Type: AWS::SQS::Queue}\n",
     ("Resources", "my-q"), "a parameter and a resource share the id"),
    ("Resources:\n  my-q: {Type: AWS::SQS::Queue}\nOutputs:\n  O: {Value: !Sub ['${my-q}${MyQ}', {MyQ: x}]}\n",
     ("Resources", "my-q"), "defines a variable `MyQ` of its own"),
    ("Resources:\n  my-q: {Type: AWS::SQS::Queue}\n  MyQ: {Type: AWS::SQS::Queue}\n",
     ("Resources", "my-q"), "`MyQ` is already a logical id"),
    ("Resources:\n  my-q: {Type: AWS::SQS::Queue}\n  T:\n    Type: AWS::SNS::Topic\n"
     "    Properties: &props {DisplayName: !Ref my-q}\n  U: {Type: AWS::SNS::Topic, Properties: *props}\n",
     ("Resources", "my-q"), "inside a YAML anchor an alias repeats"),
    ("Transform: AWS::LanguageExtensions\nResources:\n  my-q: {Type: AWS::SQS::Queue}\n"
     "  Fn::ForEach::T: [X, [A], {'T${X}': {Type: AWS::SNS::Topic}}]\n", ("Resources", "my-q"),
     "an `Fn::ForEach` loop at `Resources` builds names"),
])
def test_blocked_renames_say_why(text: str, key: tuple[str, str], reason: str) -> None:
    plan = planned(text, {key: "MyQ" if key[1] == "my-q" else "New"})[key]
    assert reason in plan.reason
    assert plan.edits == ()


def test_a_computed_map_name_blocks_mappings_only() -> None:
    plans = planned("""\
        Mappings:
          m-1: {a: {b: c}}
        Parameters:
          M: {Type: String}
        Resources:
          my-q: {Type: AWS::SQS::Queue}
        Outputs:
          O: {Value: !FindInMap [!Ref M, a, b]}
        """, {("Mappings", "m-1"): "M1", ("Resources", "my-q"): "MyQ"})
    assert plans[("Mappings", "m-1")].reason
    assert not plans[("Resources", "my-q")].reason


# --- one fix for ids that share a string ------------------------------------------------------
def test_ids_named_in_one_string_share_one_fix() -> None:
    plans = planned("""\
        Resources:
          a-1: {Type: AWS::SQS::Queue}
          b-1: {Type: AWS::SQS::Queue}
          c-1: {Type: AWS::SQS::Queue}
        Outputs:
          O: {Value: !Sub '${a-1}/${b-1}'}
          P: {Value: !Ref c-1}
        """, {("Resources", "a-1"): "A1", ("Resources", "b-1"): "B1", ("Resources", "c-1"): "C1"})
    a, b, c = plans[("Resources", "a-1")], plans[("Resources", "b-1")], plans[("Resources", "c-1")]
    assert a.edits == b.edits and (a.together, b.together) == (("b-1",), ("a-1",))
    assert SetValue(path=("Outputs", "O", "Value", "Fn::Sub"), value="${A1}/${B1}") in a.edits
    assert c.together == () and c.edits == (
        RenameKey(path=("Resources", "c-1"), new_key="C1"), SetValue(path=("Outputs", "P", "Value", "Ref"), value="C1"))


# --- the engine: claims, order of edits, passes ------------------------------------------------
def _finding(code: str, *edits: Edit, line: int = 1) -> Finding:
    return Finding(code=code, name="x", message="m", path=(), line=line,
                   fix=Fix(edits=edits, applicability=Applicability.SAFE))


def test_a_renamed_key_leaves_its_value_to_other_edits() -> None:
    rename_key = _finding("CFX114", RenameKey(path=("Resources", "a-1"), new_key="A1"),
                          SetValue(path=("Resources", "a-1", "DependsOn"), value="B1"))
    inside = _finding("CFX203", RenameKey(path=("Parameters", "p"), new_key="P"),
                      SetValue(path=("Resources", "a-1", "Properties", "X", "Ref"), value="P"))
    assert choose([rename_key, inside], unsafe=True) == [rename_key, inside]


@pytest.mark.parametrize("other", [
    Delete(path=("Resources", "a-1")),
    SetValue(path=("Resources", "a-1"), value={"Type": "AWS::SNS::Topic"}),
    RenameKey(path=("Resources", "a-1"), new_key="Other"),
    InsertKey(path=("Resources",), key="A1", value={"Type": "AWS::SNS::Topic"}),
    SetValue(path=("Resources",), value={}),
])
def test_a_renamed_key_clashes_with_edits_of_the_entry_or_its_new_name(other: Edit) -> None:
    first = _finding("CFX114", RenameKey(path=("Resources", "a-1"), new_key="A1"))
    second = _finding("CFX203", other)
    assert choose([first, second], unsafe=True) == [first]


def test_fixes_renaming_ids_go_in_a_pass_of_their_own() -> None:
    inserts = _finding("CFX001", InsertKey(path=("Resources",), key="Secret", value={"Condition": "is-prod"}))
    renames = _finding("CFX114", RenameKey(path=("Conditions", "is-prod"), new_key="IsProd"))
    assert choose([inserts, renames], unsafe=True) == [renames]
    property_rename = _finding("CFX110", RenameKey(path=("Resources", "A", "Properties", "Nmae"), new_key="Name"))
    assert choose([inserts, property_rename], unsafe=True) == [inserts, property_rename]


def test_key_renames_apply_last_and_deepest_first() -> None:
    data = {"Resources": {"a-1": {"Properties": {"Nmae": 1, "Old": 2}}}}
    edits: list[Edit] = [
        RenameKey(path=("Resources", "a-1"), new_key="A1"),
        RenameKey(path=("Resources", "a-1", "Properties", "Nmae"), new_key="Name"),
        Delete(path=("Resources", "a-1", "Properties", "Old")),
        InsertKey(path=("Resources", "a-1"), key="Condition", value="C"),
    ]
    assert apply_edits(data, edits) == {"Resources": {"A1": {"Properties": {"Name": 1}, "Condition": "C"}}}


def test_renames_go_first_so_resources_other_fixes_add_use_the_new_names() -> None:
    # CFX001 adds a secret placed after the database, with the database's condition: in the same
    # pass as the renames it would name the old ids
    text = fixed("""\
        AWSTemplateFormatVersion: '2010-09-09'
        Parameters:
          db-password:
            Type: String
            NoEcho: true
            MinLength: 8
        Conditions:
          is-prod: !Equals [!Ref 'AWS::Region', us-east-1]
        Resources:
          my-db:
            Type: AWS::RDS::DBInstance
            Condition: is-prod
            Properties:
              Engine: postgres
              DBInstanceClass: db.t4g.micro
              AllocatedStorage: '20'
              MasterUsername: admin
              MasterUserPassword: !Ref db-password
        """, select=("CFX001", "CFX114"))
    data = yaml.safe_load(text.replace("!", ""))
    assert set(data["Resources"]) >= {"MyDb"} and "is-prod" not in text and "my-db" not in text
    assert all(r.get("Condition") in (None, "IsProd") for r in data["Resources"].values())


# --- how the edits are written --------------------------------------------------------------
def test_literal_blocks_stay_literal_blocks_with_their_trailing_spaces_and_crlf() -> None:
    source = (
        "Resources:\r\n"
        "  my-sg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: x}}\r\n"
        "  web-1:\r\n"
        "    Type: AWS::EC2::Instance\r\n"
        "    Properties:\r\n"
        "      UserData: !Base64\r\n"
        "        Fn::Sub: |  # the script\r\n"
        "          #!/bin/bash -xe   \r\n"
        "\r\n"
        "            echo ${my-sg}\r\n"
        "          cfn-signal --resource web-1 \r\n"
        "      Tags:\r\n"
        "        - Key: note\r\n"
        "          Value: !Sub |-\r\n"
        "            ${my-sg}\r\n"
        "            end\r\n"
    )
    assert fixed(source) == (
        source.replace("my-sg", "MySg").replace("web-1", "Web1")
    )


def test_short_forms_keep_their_tags_quotes_and_list_form() -> None:
    source = """\
        Resources:
          a-1: {Type: AWS::SQS::Queue}
          B:
            Type: AWS::SNS::Topic
            Properties:
              DisplayName: !Sub "${a-1}"
              TopicName: !Ref 'a-1'
              Tags:
                - {Key: a, Value: !GetAtt [a-1, Arn]}
                - {Key: b, Value: !GetAtt "a-1.Arn"}
                - Key: c
                  Value:
                    Fn::GetAtt: a-1.QueueName
        """
    assert fixed(source) == textwrap.dedent("""\
        Resources:
          A1: {Type: AWS::SQS::Queue}
          B:
            Type: AWS::SNS::Topic
            Properties:
              DisplayName: !Sub "${A1}"
              TopicName: !Ref 'A1'
              Tags:
                - {Key: a, Value: !GetAtt [A1, Arn]}
                - {Key: b, Value: !GetAtt A1.Arn}
                - Key: c
                  Value:
                    Fn::GetAtt: [A1, QueueName]
        """)


def test_json_renames_keep_the_layout() -> None:
    source = '{"Resources": {\n  "a-1": {"Type": "AWS::SQS::Queue"},\n  "B": {"Type": "AWS::SNS::Topic", ' \
             '"Properties": {"TopicName": {"Fn::GetAtt": "a-1.QueueName"}, "DisplayName": {"Ref": "a-1"}}}\n}}\n'
    assert fixed(source, filename="t.json") == (
        '{"Resources": {\n  "A1": {"Type": "AWS::SQS::Queue"},\n  "B": {"Type": "AWS::SNS::Topic", '
        '"Properties": {"TopicName": {"Fn::GetAtt": ["A1", "QueueName"]}, "DisplayName": {"Ref": "A1"}}}\n}}\n')
