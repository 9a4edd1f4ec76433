"""Unit tests of cfnfix.sub_text: string values read as Fn::Sub text, and matching such texts."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from cfnfix.sub_text import literal, may_equal, names_of, pattern, referenced_resource, sub_text
from cfnfix.template import Template, sub_variables, to_data


def template(text: str) -> Template:
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


@pytest.mark.parametrize(("value", "expected"), [
    ("plain", "plain"),
    ("has ${literal}", "has ${!literal}"),
    (42, "42"),
    ({"Ref": "Bucket"}, "${Bucket}"),
    ({"Fn::GetAtt": ["Repo", "RepositoryUri"]}, "${Repo.RepositoryUri}"),
    ({"Fn::Sub": "${AWS::AccountId}.dkr.ecr"}, "${AWS::AccountId}.dkr.ecr"),
    ({"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "P"}}]}, "x-${P}"),
    ({"Fn::Sub": ["${A}", {"A": {"Fn::Sub": "${AWS::Region}-a"}}]}, "${AWS::Region}-a"),
    ({"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, ".amazonaws.com/b"]]}, "https://s3.${AWS::Region}.amazonaws.com/b"),
    ({"Fn::Join": ["-", ["a", {"Fn::Join": ["", ["b", "c"]]}]]}, "a-bc"),
])
def test_sub_text_reads_string_forms(value: Any, expected: str) -> None:
    assert sub_text(value) == expected


@pytest.mark.parametrize("value", [
    True, None, ["a"], {"Fn::If": ["C", "a", "b"]}, {"Fn::FindInMap": ["M", "a", "b"]},
    {"Fn::Join": ["", {"Ref": "List"}]}, {"Fn::Sub": ["${A}", {"A": {"Fn::ImportValue": "x"}}]},
    {"Fn::GetAtt": "Repo"}, {"Ref": ["x"]},
])
def test_sub_text_is_none_for_what_it_cannot_read(value: Any) -> None:
    assert sub_text(value) is None


def test_variables_and_literal() -> None:
    assert sub_variables("${A}-${ B.C }-${!D}") == ["A", "B.C"]
    assert literal("a-${!D}") == "a-${D}"
    assert literal("a-${D}") is None


def test_pattern_matches_any_text_for_a_variable_but_an_opaque_one_only_itself() -> None:
    assert pattern("/app/${Env}/db").match("/app/prod/db")
    assert not pattern("/app/${Env}/db").match("/app//db")
    opaque = frozenset({"Param"})
    assert not pattern("${Param}", opaque).match("/app/db")
    assert pattern("${Param}", opaque).match("${Param}")


@pytest.mark.parametrize(("first", "second", "equal"), [
    ("/a/b", "/a/b", True),
    ("/app/${Env}/db", "/app/prod/db", True),
    ("/app/prod/db", "/app/${Stage}/db", True),
    ("/app/${Env}/db", "/web/${Stage}/db", False),
    ("/app/${Env}/db", "/app/${Env}/cache", False),
    ("${Param}", "/x", False),  # Param is opaque: a resource's generated name
])
def test_may_equal(first: str, second: str, equal: bool) -> None:
    assert may_equal(first, second, frozenset({"Param"})) is equal


def test_referenced_resource_and_names_of() -> None:
    t = template(
        "Resources:\n"
        "  Named:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: !Sub '/x/${AWS::Region}'\n"
        "  Unnamed:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Value: v\n"
        "  Computed:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: !If [C, a, b]\n"
    )
    assert names_of(t, "AWS::SSM::Parameter", "Name") == [
        ("Named", "/x/${AWS::Region}"), ("Unnamed", "${Unnamed}"), ("Computed", None)]
    assert names_of(t, "AWS::SSM::Parameter", "Name") is names_of(t, "AWS::SSM::Parameter", "Name")
    assert referenced_resource("${Named}", t) == "Named"
    assert referenced_resource("${Named.Value}", t) == "Named"
    assert referenced_resource("${Other}", t) is None
    assert referenced_resource("/x/${Named}", t) is None
