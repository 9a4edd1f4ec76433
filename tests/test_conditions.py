"""Unit tests of cfnfix.conditions (switch parameters, conditions, values behind them) and of the
WrapValue edit they write: what conditions mean the same, what is guarded, where new sections go,
and that a wrapped value keeps its text."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfnfix import conditions
from cfnfix.conditions import Additions
from cfnfix.edits import EditError, apply_edits
from cfnfix.fixer import LogicalIds
from cfnfix.loader import Source, compose_ruamel, load_template
from cfnfix.models import InsertKey, WrapValue
from cfnfix.render import detect_style
from cfnfix.splice import SpliceError, splice
from cfnfix.template import Template, to_data
from tests.test_engine_properties import _leaf_paths, _lines_touched, _model, yaml_templates


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def wrapped(text: str, path: tuple[Any, ...], fmt: str = "yaml", **edit: Any) -> str:
    """``text`` with the value at ``path`` wrapped in ``!If [C, value, !Ref AWS::NoValue]``, checked
    the way the pipeline checks it: the new text parses to the data the edit describes."""
    root, alias_of = compose_ruamel(Source(text, False, fmt), f"t.{fmt}")  # type: ignore[arg-type]
    wrap = WrapValue(path=path, **({"function": "Fn::If", "before": ("C",), "after": (conditions.NO_VALUE,)} | edit))
    new_text = splice(text, root, detect_style(root, text, fmt), [wrap], alias_of)  # type: ignore[arg-type]
    fixed = compose_ruamel(Source(new_text, False, fmt), f"t.{fmt}")[0]  # type: ignore[arg-type]
    assert to_data(fixed) == apply_edits(to_data(root), [wrap])
    return new_text


# --- what conditions mean ------------------------------------------------------------------------
def test_canonical_reads_equivalent_definitions_alike() -> None:
    t = template("""\
        Parameters:
          Env: {Type: String}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          Named: !Condition IsProd
          Loop1: !Condition Loop2
          Loop2: !Condition Loop1
        """)
    same = [
        ({"Fn::Equals": [{"Ref": "Env"}, "prod"]}, {"Fn::Equals": ["prod", {"Ref": "Env"}]}),
        ({"Fn::Equals": [{"Ref": "Flag"}, "true"]}, {"Fn::Equals": [{"Ref": "Flag"}, True]}),
        ({"Fn::Equals": [{"Ref": "Count"}, "3"]}, {"Fn::Equals": [{"Ref": "Count"}, 3]}),
        ({"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
        ({"Condition": "Named"}, {"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
        ({"Fn::Not": [{"Fn::Not": [{"Condition": "IsProd"}]}]}, {"Condition": "IsProd"}),
        ({"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "b"]}]},
         {"Fn::And": [{"Fn::Equals": ["b", "a"]}, {"Condition": "IsProd"}]}),
    ]
    for a, b in same:
        assert conditions.canonical(t, a) == conditions.canonical(t, b), (a, b)
    different = [
        ({"Fn::Equals": [{"Ref": "Env"}, "prod"]}, {"Fn::Equals": [{"Ref": "Env"}, "dev"]}),
        ({"Fn::Not": [{"Condition": "IsProd"}]}, {"Condition": "IsProd"}),
        ({"Fn::And": [{"Condition": "IsProd"}]}, {"Fn::Or": [{"Condition": "IsProd"}]}),
    ]
    for a, b in different:
        assert conditions.canonical(t, a) != conditions.canonical(t, b), (a, b)
    # a loop of conditions is read as far as it goes, never forever
    assert conditions.canonical(t, {"Condition": "Loop1"}) == ("condition", "Loop1")


def test_find_condition() -> None:
    t = template("""\
        Conditions:
          Other: !Equals [!Ref Env, dev]
          UseKey: !Not [!Equals ['', !Ref KeyName]]
        """)
    assert conditions.find_condition(t, conditions.not_empty("KeyName")) == "UseKey"
    assert conditions.find_condition(t, conditions.not_empty("Other")) is None


def test_guarded() -> None:
    t = template("""\
        Conditions:
          HasKey: !Not [!Equals [!Ref KeyName, '']]
          NoKey: !Equals [!Ref KeyName, '']
          Both: !And [!Condition HasKey, !Equals [!Ref AWS::Region, us-east-1]]
          Unrelated: !Equals [!Ref AWS::Region, us-east-1]
        Resources:
          A:
            Type: AWS::EC2::Instance
            Properties:
              KeyName: !If [HasKey, !Ref KeyName, !Ref AWS::NoValue]
          B:
            Type: AWS::EC2::Instance
            Properties:
              KeyName: !If [NoKey, !Ref AWS::NoValue, !Ref KeyName]
          C:
            Type: AWS::EC2::Instance
            Condition: Both
            Properties:
              KeyName: !Ref KeyName
          D:
            Type: AWS::EC2::Instance
            Properties:
              KeyName: !If [Unrelated, !Ref KeyName, !Ref AWS::NoValue]
              Tags: [{Key: k, Value: !If [HasKey, {"Fn::Join": ['', [!Ref KeyName]]}, none]}]
          E:
            Type: AWS::EC2::Instance
            Properties:
              KeyName: !If [NoKey, !Ref KeyName, !Ref AWS::NoValue]
        """)
    has_key = conditions.not_empty("KeyName")
    by_owner = {use.path[1]: conditions.guarded(t, use.path, has_key) for use in t.references_to("KeyName")
                if use.section == "Resources" and use.path[3] == "KeyName"}
    assert by_owner == {"A": True, "B": True, "C": True, "D": False, "E": False}
    deep = next(use.path for use in t.references_to("KeyName") if "Tags" in use.path)
    assert conditions.guarded(t, deep, has_key)


# --- what a fix adds ------------------------------------------------------------------------------
def test_new_sections_go_where_the_documented_order_puts_them() -> None:
    cases = {
        "AWSTemplateFormatVersion: '2010-09-09'\nDescription: d\nMappings: {M: {a: {b: c}}}\nResources: {}\n":
            {"Parameters": ("after", "Description"), "Conditions": ("after", "Mappings")},
        "Resources: {}\nOutputs: {}\n": {"Parameters": ("first", None), "Conditions": ("first", None)},
        "Transform: AWS::Serverless-2016-10-31\nGlobals: {}\nResources: {}\n":
            {"Parameters": ("after", "Globals"), "Conditions": ("after", "Globals")},
        "Description: only a description\n": {"Parameters": ("after", "Description")},
        "Resources: {}\nParameters: {}\nMappings: {}\n": {"Conditions": ("first", None)},
    }
    for text, wanted in cases.items():
        t = template(text)
        for section, (where, after) in wanted.items():
            edit = conditions.new_section(t, section, {"X": {}})
            assert (edit.path, edit.key) == ((), section)
            assert (edit.first, edit.after) == ((True, None) if where == "first" else (False, after)), (text, section)


def test_additions_reuse_and_number() -> None:
    t = template("""\
        Parameters:
          EnableReplication: {Type: String, AllowedValues: ['yes', 'no'], Default: 'yes'}
          EnableReplication2: {Type: String, AllowedValues: [true, false], Default: false}
        Conditions:
          ReplicationEnabled: !Equals [!Ref EnableReplication, 'yes']
        Resources:
          EnableReplication3: {Type: AWS::SNS::Topic}
        """)
    switch = {"Type": "String", "Default": "false", "AllowedValues": ["true", "false"]}
    additions = Additions(t, LogicalIds(t))
    assert additions.parameter("EnableReplication", switch) == "EnableReplication2"  # same definition, numbered
    assert additions.condition("ReplicationEnabled", conditions.equals("EnableReplication2", "true")) \
        == "ReplicationEnabled2"
    assert additions.condition("ReplicationEnabled", conditions.equals("EnableReplication", "yes")) \
        == "ReplicationEnabled"  # the template's own, reused
    assert additions.parameter("EnableReplication", {**switch, "Default": "true"}) == "EnableReplication4"
    assert additions.parameter("EnableReplication", {**switch, "Default": "true"}) == "EnableReplication4"
    assert additions.edits() == [
        InsertKey(path=("Parameters",), key="EnableReplication4", value={**switch, "Default": "true"}),
        InsertKey(path=("Conditions",), key="ReplicationEnabled2",
                  value={"Fn::Equals": [{"Ref": "EnableReplication2"}, "true"]}),
    ]


def test_additions_of_two_fixes_sharing_ids_carry_the_same_edits() -> None:
    t = template("Resources:\n  Topic: {Type: AWS::SNS::Topic}\n")
    ids = LogicalIds(t)
    first, second = Additions(t, ids), Additions(t, ids)
    first.condition("HasKeyPair", conditions.not_empty("A"))
    second.condition("HasKeyPair", conditions.not_empty("B"))
    [one], [two] = first.edits(), second.edits()
    assert one.touches() == two.touches() == ("Conditions",)  # the pipeline defers the second fix
    assert one.value == {"HasKeyPair": conditions.not_empty("A")}
    assert two.value == {"HasKeyPair2": conditions.not_empty("B")}


def test_additions_problem() -> None:
    assert Additions(template("Conditions: [a]\nResources: {}\n"), LogicalIds(template("{}"))).problem()
    assert Additions(template("Parameters: !Ref X\nResources: {}\n"), LogicalIds(template("{}"))).problem()
    assert Additions(template("Parameters:\nResources: {}\n"), LogicalIds(template("{}"))).problem() is None


# --- WrapValue ------------------------------------------------------------------------------------
def test_wrap_keeps_a_block_mapping_and_its_comments() -> None:
    text = textwrap.dedent("""\
        Resources:
          B:
            Type: AWS::S3::Bucket
            Properties:
              Config:  # about the config
                # first
                Role: !GetAtt R.Arn  # the role
                Rules:
                - Id: a   # offset 0
                  Literal: |
                    line one
                      line two
              Next: 1
        """)
    assert wrapped(text, ("Resources", "B", "Properties", "Config")) == textwrap.dedent("""\
        Resources:
          B:
            Type: AWS::S3::Bucket
            Properties:
              Config: !If  # about the config
                - C
                  # first
                - Role: !GetAtt R.Arn  # the role
                  Rules:
                  - Id: a   # offset 0
                    Literal: |
                      line one
                        line two
                - !Ref AWS::NoValue
              Next: 1
        """)


def test_wrap_a_sequence_item_and_a_sequence() -> None:
    text = "Rules:\n  - Id: a\n    Status: on\n  - Id: b\nOther: x\n"
    assert wrapped(text, ("Rules", 0)) == (
        "Rules:\n  - !If\n    - C\n    - Id: a\n      Status: on\n    - !Ref AWS::NoValue\n  - Id: b\nOther: x\n")
    assert wrapped(text, ("Rules",)) == (
        "Rules: !If\n  - C\n  - - Id: a\n      Status: on\n    - Id: b\n  - !Ref AWS::NoValue\nOther: x\n")


def test_wrap_in_long_form_four_spaces_crlf_and_no_final_newline() -> None:
    text = "Resources:\r\n    B:\r\n        Properties:\r\n            Config:\r\n                Role:\r\n" \
           "                    Ref: R\r\n            Last: 'x'"
    assert wrapped(text, ("Resources", "B", "Properties", "Config")) == (
        "Resources:\r\n    B:\r\n        Properties:\r\n            Config:\r\n"
        "                Fn::If:\r\n                    - 'C'\r\n                    - Role:\r\n"
        "                          Ref: R\r\n                    - Ref: 'AWS::NoValue'\r\n            Last: 'x'")
    end = "Config:\n  Role: r\n  Literal: |\n    text"
    with pytest.raises(SpliceError):
        wrapped(end, ("Config",))


def test_wrap_values_that_are_written_anew() -> None:
    assert wrapped("A:\n  KeyName: !Ref Key  # why\n", ("A", "KeyName")) == \
        "A:\n  KeyName: !If [C, !Ref Key, !Ref AWS::NoValue]  # why\n"
    assert wrapped("A: {B: {C: d}}\n", ("A", "B")) == "A: {B: !If [C, {C: d}, !Ref AWS::NoValue]}\n"
    assert wrapped("A:\n  K: !If [X, !Ref Key, !Ref AWS::NoValue]\n", ("A", "K", "Fn::If", 1)) == \
        "A:\n  K: !If [X, !If [C, !Ref Key, !Ref AWS::NoValue], !Ref AWS::NoValue]\n"


def test_wrap_json() -> None:
    text = '{\n  "A": {\n    "K": {"Ref": "Key"},\n    "M": {\n      "x": [1,\n 2]\n    }\n  }\n}\n'
    assert wrapped(text, ("A", "K"), "json") == text.replace(
        '{"Ref": "Key"}', '{"Fn::If": ["C", {"Ref": "Key"}, {"Ref": "AWS::NoValue"}]}')
    assert wrapped(text, ("A", "M"), "json") == (
        '{\n  "A": {\n    "K": {"Ref": "Key"},\n    "M": {\n      "Fn::If": [\n        "C",\n        {\n'
        '          "x": [1,\n     2]\n        },\n        {"Ref": "AWS::NoValue"}\n      ]\n    }\n  }\n}\n')
    compact = '{"A": {"K": "v", "L": [1, 2]}}'
    assert wrapped(compact, ("A", "L"), "json") == \
        '{"A": {"K": "v", "L": {"Fn::If": ["C", [1, 2], {"Ref": "AWS::NoValue"}]}}}'
    assert json.loads(wrapped(compact, ("A", "L"), "json", before=(), after=())) == {
        "A": {"K": "v", "L": {"Fn::If": [[1, 2]]}}}


def test_apply_edits_wrap() -> None:
    data = {"A": {"B": [1, {"c": 2}]}}
    edit = conditions.optional(("A", "B", 1), "C")
    assert apply_edits(data, [edit]) == {"A": {"B": [1, {"Fn::If": ["C", {"c": 2}, {"Ref": "AWS::NoValue"}]}]}}
    assert data == {"A": {"B": [1, {"c": 2}]}}
    with pytest.raises(EditError):
        apply_edits(data, [conditions.optional(("A", "Z"), "C")])
    with pytest.raises(EditError):
        apply_edits(data, [conditions.optional(("A", "B", 5), "C")])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_wrap_changes_only_the_lines_of_its_node(data: st.DataObject) -> None:
    text = data.draw(yaml_templates())
    source, model = _model(text)
    path = data.draw(st.sampled_from([p for p in _leaf_paths(model.data) if len(p) == 4]))
    edit = conditions.optional(path, "Cond")
    style = detect_style(model.root, source.text, "yaml")
    try:
        new_text = splice(source.text, model.root, style, [edit], model.alias_of)
    except SpliceError:
        # refused only where a new line would change a block scalar that ends the file
        assert not source.text.endswith("\n") and re.search(r": [|>]\r?\n(?:[ ]+\S.*\n?)+$", source.text)
        return
    fixed = load_template(Source(new_text, source.bom, "yaml"), "t.yaml")
    assert fixed is not None
    assert fixed.data == apply_edits(model.data, [edit])
    first_changed, last_changed = _lines_touched(source.text, new_text)
    node = model.node_at(path)
    assert first_changed >= model.mark(path)[0] - 1
    assert last_changed <= node.end_mark.line + 1
    assert ("\r\n" in new_text) == ("\r\n" in source.text)
    comments = [line.split("#", 1)[1] for line in source.text.splitlines()
                if " # " in line or line.lstrip().startswith("#")]
    assert all(comment in new_text for comment in comments)
