"""Unit tests of cfnfix.literals: folding string expressions, the per-template index of literal uses,
and what blocks rewriting a use or is left unused by it."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml

from cfnfix import literals
from cfnfix.literals import (
    Expression,
    LiteralIndex,
    Named,
    as_text,
    at_property,
    blocker,
    distinctive,
    dotted_prefixes,
    embedded_use,
    expressions,
    implied_depends_on,
    in_tags_or_names,
    is_opaque,
    left_unused,
    literal_index,
    may_use,
    names_in,
    rewrites,
    runs,
    wildcard_ends,
)
from cfnfix.models import Delete, SetValue
from cfnfix.template import Template, to_data


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


# --- folding ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "text"), [
    ("plain", "plain"),
    ("a-${x}", "a-${!x}"),
    ({"Fn::Sub": "a-${ Env }"}, "a-${Env}"),
    ({"Ref": "Env"}, "${Env}"),
    ({"Fn::GetAtt": ["R", "Arn"]}, "${R.Arn}"),
    ({"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}, "a-${Env}"),
    ({"Fn::Sub": ["x-${N}-${AWS::Region}", {"N": {"Ref": "Env"}}]}, "x-${Env}-${AWS::Region}"),
    (True, "true"),
    (12, "12"),
])
def test_as_text_folds_every_form_of_a_string(value: Any, text: str) -> None:
    assert as_text(value) == (text, [])


def test_join_and_sub_of_one_arn_compare_equal() -> None:
    join = {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "Env"}, "-data/*"]]}
    assert as_text(join)[0] == as_text({"Fn::Sub": "arn:aws:s3:::${Env}-data/*"})[0]


def test_what_cannot_be_folded_is_opaque_and_returned() -> None:
    branch = {"Fn::If": ["C", "x", "y"]}
    text, opaque = as_text({"Fn::Join": ["", ["a", branch]]})
    assert text.startswith("a\x00") and is_opaque(text)
    assert opaque == [(("Fn::Join", 1, 1), branch)]
    assert as_text(branch)[0] == as_text({"Fn::If": ["C", "x", "y"]})[0]  # equal only for equal values
    assert as_text(branch)[0] != as_text({"Fn::If": ["C", "x", "z"]})[0]
    assert not is_opaque(as_text({"Fn::Sub": "a-${B}"})[0])


def test_distinctive_counts_only_own_characters() -> None:
    assert distinctive("media-${Env}")
    assert not distinctive("${Env}-x")
    assert not distinctive("${Prefix}-${AWS::AccountId}")
    assert distinctive("acme-data")


def test_expressions_are_outermost_and_look_inside_unfolded_parts() -> None:
    value = {"A": "x", "B": [{"Fn::Sub": "y-${Env}"}],
             "C": {"Fn::Join": ["", ["z", {"Fn::If": ["Cond", "p", "q"]}]]}}
    found = [(e.path, e.text) for e in expressions(value, ("Root",))]
    assert found[:2] == [(("Root", "A"), "x"), (("Root", "B", 0), "y-${Env}")]
    assert found[2][0] == ("Root", "C")
    assert found[3:] == [(("Root", "C", "Fn::Join", 1, 1, "Fn::If", 1), "p"),
                         (("Root", "C", "Fn::Join", 1, 1, "Fn::If", 2), "q")]


@pytest.mark.parametrize(("path", "use"), [
    (("Resources", "R", "Properties", "Role"), True),
    (("Resources", "R", "Properties", "Description"), False),
    (("Resources", "R", "Metadata", "Source"), True),
    (("Resources", "R", "DependsOn", 0), False),
    (("Resources", "R", "Condition"), False),
    (("Description",), False),
    (("Metadata", "Note"), False),
    (("Parameters", "P", "Default"), True),
    (("Parameters", "P", "Type"), False),
    (("Outputs", "O", "Value"), True),
    (("Outputs", "O", "Export", "Name"), False),
])
def test_may_use(path: tuple[Any, ...], use: bool) -> None:
    assert may_use(path) is use


# --- tokens and the index -----------------------------------------------------------------------
def test_runs_keep_variables_whole_and_split_on_separators() -> None:
    text = "arn:${AWS::Partition}:s3:::media-${Env}/key=a,b"
    assert runs(text) == ["arn", "${AWS::Partition}", "s3", "media-${Env}", "key=a", "b", "key", "a"]


def test_dotted_prefixes() -> None:
    assert dotted_prefixes("name.s3.amazonaws.com") == ["name", "name.s3", "name.s3.amazonaws"]
    assert dotted_prefixes("${R.Arn}.x") == ["${R.Arn}"]  # the dot of a GetAtt is no separator
    assert dotted_prefixes(".hidden") == []
    assert len(dotted_prefixes("a." * 100)) == 8  # at most a few, so the index stays linear
    assert dotted_prefixes("x" * 300 + ".y") == []


@pytest.mark.parametrize(("run", "ends"), [("media-*", ("media-", "")), ("a?c", ("a", "c")),
                                           ("*-logs", ("", "-logs")), ("a*b*c", ("a", "c")),
                                           ("*", None), ("plain", None)])
def test_wildcard_ends(run: str, ends: tuple[str, str] | None) -> None:
    assert wildcard_ends(run) == ends


def _index(*texts: str) -> LiteralIndex:
    index = LiteralIndex()
    for i, text in enumerate(texts):
        index.add(Expression(("Resources", f"R{i}"), text, text))
    return index


def test_candidates_by_whole_text_run_prefix_and_wildcard() -> None:
    index = _index(
        "media-${Env}",  # the name itself
        "arn:aws:s3:::media-${Env}/*",  # a run
        "media-${Env}.s3.amazonaws.com",  # a dotted prefix
        "arn:aws:s3:::med*",  # a wildcard that may match
        "arn:aws:s3:::other-*",  # a wildcard that cannot
        "arn:aws:s3:::media-*-logs",  # nor can this one
        "xmedia-${Env}",  # no token of it is the name
        "logs:*",  # a lone * matches every name, the generated one too
    )
    assert [e.path[1] for e in index.candidates("media-${Env}")] == ["R0", "R1", "R2", "R3"]


def test_a_name_no_token_can_stand_for_looks_at_every_expression() -> None:
    index = _index("a", "b")
    assert len(index.candidates("my role")) == 2


def test_literal_index_is_built_once_per_template(monkeypatch: pytest.MonkeyPatch) -> None:
    t = template("""
        Resources:
          A: {Type: AWS::S3::Bucket, Properties: {BucketName: a-name}}
          B: {Type: AWS::S3::Bucket, Properties: {BucketName: b-name}}
    """)
    calls = []
    real = literals.expressions
    monkeypatch.setattr(literals, "expressions", lambda *a: calls.append(a[1]) or real(*a))
    for logical_id in ("A", "B", "A"):
        named = Named(t, logical_id, "BucketName", "bucket")
        assert [e.text for e in named.candidates()] == [f"{logical_id.lower()}-name"]
    assert calls.count(()) == 1  # one scan of the template, none per named resource
    assert literal_index(t) is literal_index(t)


# --- classifying ------------------------------------------------------------------------------
def test_embedded_use() -> None:
    assert embedded_use("s3://acme/x", ["acme"], "acme") == "partial"
    assert embedded_use("arn:aws:s3:::ac*", ["ac*"], "acme") == "wildcard"
    assert embedded_use("arn:aws:s3:::*", ["*"], "acme") is None
    assert embedded_use("arn:aws:iam::*:role/acme", ["acme"], "acme") == "partial"
    assert embedded_use("arn:aws:iam::*:role/acme", ["acme"], "acme", wildcard_text=True) == "wildcard"
    assert embedded_use("s3://other/x", ["other"], "acme") is None


T = template("""
    Conditions:
      C: !Equals [a, b]
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
        Condition: C
        DependsOn: Helper
        Properties: {BucketName: acme-data}
      Helper:
        Type: AWS::SQS::Queue
        Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt Deep.Arn}}
      Deep: {Type: AWS::SQS::Queue}
      User:
        Type: AWS::SNS::Topic
        DependsOn: [Helper, Bucket]
        Properties: {TopicName: acme-data}
      Same:
        Type: AWS::SNS::Topic
        Condition: C
        DependsOn: Bucket
        Properties: {DisplayName: acme-data}
    Outputs:
      Exported: {Value: acme-data, Export: {Name: x}}
      Plain: {Value: acme-data, Condition: C}
""")
BUCKET = Named(T, "Bucket", "BucketName", "bucket")


def test_at_property_and_labels() -> None:
    patterns = {"AWS::SNS::Topic": (("TopicName",), ("Subscription", "*", "Endpoint"))}
    assert at_property(T, ("Resources", "User", "Properties", "TopicName"), patterns)
    assert at_property(T, ("Resources", "User", "Properties", "Subscription", 3, "Endpoint"), patterns)
    assert not at_property(T, ("Resources", "User", "Properties", "Subscription", "x", "Endpoint"), patterns)
    assert not at_property(T, ("Resources", "Bucket", "Properties", "TopicName"), patterns)
    assert in_tags_or_names(("Resources", "R", "Properties", "Tags", 0, "Value"))
    assert in_tags_or_names(("Resources", "R", "Properties", "LogGroupName"))
    assert not in_tags_or_names(("Resources", "R", "Properties", "Environment", "Variables", "BUCKET"))


def test_named_knows_its_condition_and_what_it_depends_on() -> None:
    assert (BUCKET.path, BUCKET.value, BUCKET.text) == (("Resources", "Bucket", "Properties", "BucketName"),
                                                        "acme-data", "acme-data")
    assert BUCKET.condition == "C"
    assert BUCKET.depends_on == {"Helper", "Deep"}


@pytest.mark.parametrize(("path", "words"), [
    (("Resources", "Bucket", "Properties", "X"), "the bucket names itself"),
    (("Resources", "Deep", "Properties", "X"), "depends on `Deep`"),
    (("Resources", "User", "Properties", "TopicName"), "exists only when `C` holds"),
    (("Outputs", "Exported", "Value"), "exported value"),
    (("Parameters", "P", "Default"), "no `!Ref` or `!GetAtt` is allowed in Parameters"),
    (("Mappings", "M", "k", "v"), "in Mappings"),
])
def test_blockers(path: tuple[Any, ...], words: str) -> None:
    why = blocker(BUCKET, path)
    assert why is not None and words in why


@pytest.mark.parametrize("path", [("Resources", "Same", "Properties", "DisplayName"), ("Outputs", "Plain", "Value")])
def test_uses_with_the_same_condition_are_not_blocked(path: tuple[Any, ...]) -> None:
    assert blocker(BUCKET, path) is None


def test_implied_depends_on_of_several_targets() -> None:
    t = template("""
        Resources:
          A: {Type: AWS::SNS::Topic}
          B: {Type: AWS::SNS::Topic}
          User:
            Type: AWS::SNS::Topic
            DependsOn: [A, B]
            Properties: {DisplayName: x, TopicName: y}
          Other:
            Type: AWS::SNS::Topic
            DependsOn: [A, B]
            Properties: {DisplayName: x}
    """)
    edits = [SetValue(path=("Resources", "User", "Properties", "DisplayName"), value={"Ref": "A"}),
             SetValue(path=("Resources", "User", "Properties", "TopicName"), value={"Fn::GetAtt": ["B", "Name"]}),
             SetValue(path=("Resources", "Other", "Properties", "DisplayName"), value={"Fn::Sub": "${B}-x"})]
    assert implied_depends_on(t, ["A", "B"], edits) == [
        Delete(path=("Resources", "Other", "DependsOn", 1)),
        Delete(path=("Resources", "User", "DependsOn")),  # no entry left
    ]


def test_implied_depends_on() -> None:
    edits = [SetValue(path=("Resources", "Same", "Properties", "DisplayName"), value={"Ref": "Bucket"}),
             SetValue(path=("Resources", "User", "Properties", "TopicName"), value={"Ref": "Bucket"}),
             Delete(path=("Resources", "Bucket", "Properties", "BucketName"))]
    assert implied_depends_on(T, "Bucket", edits) == [
        Delete(path=("Resources", "Same", "DependsOn")),
        Delete(path=("Resources", "User", "DependsOn", 1)),
    ]


def test_rewrites_report_why_a_use_cannot_be_rewritten() -> None:
    def classify(expression: Expression) -> Any:
        return ("name", {"Ref": "Bucket"}) if expression.text == "acme-data" else None

    found = {path: why for path, _kind, _value, why in rewrites(BUCKET, classify)}
    assert ("Resources", "Bucket", "Properties", "BucketName") not in found  # the name itself
    assert found[("Resources", "Same", "Properties", "DisplayName")] is None
    assert "`C`" in str(found[("Resources", "User", "Properties", "TopicName")])
    assert "exported" in str(found[("Outputs", "Exported", "Value")])
    assert found[("Outputs", "Plain", "Value")] is None


# --- what removing a name leaves unused ----------------------------------------------------------
def test_names_in() -> None:
    value = {"Fn::If": ["C", {"Fn::Sub": ["${A}-${Local}-${B.Arn}", {"Local": {"Ref": "D"}}]},
                        {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "k"]}]}
    assert sorted(names_in(value)) == [("Condition", "C"), ("FindInMap", "M"), ("Ref", "AWS::Region"),
                                      ("Ref", "D"), ("Sub", "A"), ("Sub", "B")]


UNUSED = template("""
    Metadata:
      AWS::CloudFormation::Interface:
        ParameterLabels:
          Prefix: {default: Prefix}
          Env: {default: Environment}
    Parameters:
      Prefix: {Type: String}
      Env: {Type: String}
      Ruled: {Type: String}
      Kept: {Type: String}
    Rules:
      Check:
        Assertions:
          - Assert: !Not [!Equals [!ValueOf [Ruled, Tag], '']]
    Mappings:
      Names: {us-east-1: {Value: x}}
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
      Shown: !Equals [a, b]
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !If
            - IsProd
            - !Sub '${Prefix}-${Ruled}-${Kept}'
            - !If [Shown, !FindInMap [Names, !Ref AWS::Region, Value], x]
    Outputs:
      Out: {Value: v, Condition: Shown}
""")
NAME = ("Resources", "Bucket", "Properties", "BucketName")


def test_left_unused_removes_what_only_the_removed_value_used() -> None:
    unused = left_unused(UNUSED, [NAME], written=[{"Fn::Sub": "${Bucket.Arn}/${Kept}"}])
    # IsProd goes, and Env with it; Shown stays (an Output's Condition), Ruled too (Fn::ValueOf in Rules),
    # Kept too (a written value names it)
    assert unused.names == {"Parameters": ["Prefix", "Env"], "Mappings": ["Names"], "Conditions": ["IsProd"]}
    assert "Env" in unused and "Kept" not in unused
    assert unused.removal(UNUSED) == ([("Conditions", "IsProd"), ("Mappings",), ("Parameters", "Prefix"),
                                       ("Parameters", "Env"), ("Metadata",)], "")


def test_left_unused_keeps_what_something_else_uses() -> None:
    t = template("""
        Parameters:
          Env: {Type: String}
        Resources:
          Bucket: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub 'a-${Env}'}}
          Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref Env}}
    """)
    unused = left_unused(t, [NAME])
    assert not unused and unused.removal(t) == ([], "")


def test_what_a_macro_may_use_is_not_removed() -> None:
    t = template("""
        Transform: AcmeMacro
        Parameters:
          Env: {Type: String}
        Resources:
          Bucket: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub 'a-${Env}'}}
    """)
    paths, why = left_unused(t, [NAME]).removal(t)
    assert paths == [] and "`Env` would be left unused" in why and "AcmeMacro" in why
