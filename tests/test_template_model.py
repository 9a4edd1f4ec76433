"""The template model's indexes that fixers share: references by target, resources by type, the
dependency graph, logical ids, and the helpers for what fixes create."""

from __future__ import annotations

from cfnfix.fixer import LogicalIds, new_resource
from cfnfix.loader import Source, load_template
from cfnfix.models import InsertKey
from cfnfix.template import Template

TEMPLATE = """\
Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Topic:
    Type: AWS::SNS::Topic
    DependsOn: Queue
    Properties:
      TopicName: !Sub '${Env}-${Queue.QueueName}'
  Odd:
    Type: !If [IsProd, AWS::SNS::Topic, AWS::SQS::Queue]
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument: {Statement: [{Resource: !GetAtt Queue.Arn}]}
Outputs:
  QueueUrl:
    Value: !Ref Queue
"""


def _template(text: str = TEMPLATE) -> Template:
    template = load_template(Source(text, False, "yaml"), "t.yaml")
    assert template is not None
    return template


def test_references_to_are_indexed_in_document_order() -> None:
    template = _template()
    assert [(r.kind, r.path, r.owner) for r in template.references_to("Queue")] == [
        ("DependsOn", ("Resources", "Topic", "DependsOn"), "Topic"),
        ("Sub", ("Resources", "Topic", "Properties", "TopicName"), "Topic"),
        ("Ref", ("Resources", "Policy", "Properties", "Queues", 0), "Policy"),
        ("GetAtt", ("Resources", "Policy", "Properties", "PolicyDocument", "Statement", 0, "Resource"), "Policy"),
        ("Ref", ("Outputs", "QueueUrl", "Value"), "QueueUrl"),
    ]
    assert [r.section for r in template.references_to("Env")] == ["Conditions", "Resources"]
    assert template.references_to("Nothing") == []


def test_dependencies_hold_resource_edges_only_with_their_references() -> None:
    graph = _template().dependencies()
    assert set(graph) == {"Queue", "Topic", "Odd", "Policy"}
    assert set(graph["Topic"]) == {"Queue"}
    assert [r.kind for r in graph["Topic"]["Queue"]] == ["DependsOn", "Sub"]
    assert set(graph["Policy"]) == {"Queue"} and graph["Queue"] == {} and graph["Odd"] == {}


def test_resources_of_type_skip_types_that_are_not_strings() -> None:
    template = _template()
    assert [name for name, _ in template.resources_of_type("AWS::SQS::Queue")] == ["Queue"]
    assert [name for name, _ in template.resources_of_type("AWS::SNS::Topic", "AWS::SQS::Queue")] == ["Queue", "Topic"]
    assert list(template.resources_of_type("AWS::S3::Bucket")) == []


def test_logical_ids_and_new_ones_never_collide() -> None:
    template = _template()
    assert template.logical_ids == {"Env", "IsProd", "Queue", "Topic", "Odd", "Policy", "QueueUrl"}
    ids = LogicalIds(template)
    assert ids.new("Queue") == "Queue2"
    assert ids.new("Queue") == "Queue3"
    assert ids.new("Queue-Secret_1") == "QueueSecret1"
    assert ids.new("Topic") == "Topic2"


def test_a_new_resource_follows_and_shares_the_condition_of_the_one_it_serves() -> None:
    template = _template()
    edit = new_resource(template, "QueueKey", "AWS::KMS::Key", {"Description": "d"}, serves="Queue",
                        attributes={"DeletionPolicy": "Retain"})
    assert edit == InsertKey(path=("Resources",), key="QueueKey", after="Queue", value={
        "Type": "AWS::KMS::Key", "Condition": "IsProd", "DeletionPolicy": "Retain", "Properties": {"Description": "d"},
    })
    assert new_resource(template, "T", "AWS::SNS::Topic", {}, serves="Topic").value == {
        "Type": "AWS::SNS::Topic", "Properties": {}}


def test_nodes_with_a_function_key_are_indexed_with_the_references() -> None:
    template = _template(TEMPLATE + "  Odd:\n    Value: {Ref: Queue, Extra: 1}\n    Condition: IsProd\n")
    assert [path for path, _ in template.calls("Fn::Sub")] == [("Resources", "Topic", "Properties", "TopicName")]
    assert [path for path, _ in template.calls("Ref")] == [
        ("Conditions", "IsProd", "Fn::Equals", 0), ("Resources", "Policy", "Properties", "Queues", 0),
        ("Outputs", "QueueUrl", "Value")]
    assert ("Outputs", "Odd", "Value") in [path for path, _ in template.nodes_with("Ref")]
    assert [path for path, _ in template.nodes_with("Condition")] == [("Resources", "Queue"), ("Outputs", "Odd")]
    assert template.calls("Fn::Transform") == [] and not template.preprocessed
    assert _template("Resources:\n  M: {'Rain::Module': x, Type: T}\n").preprocessed


def test_comment_starts_are_the_comments_not_hashes_in_scalars() -> None:
    text = "# head\nResources:  # all\n  T:\n    Type: 'a #b'\n    Properties: {Name: x#y}  # end\n"
    template = load_template(Source(text, False, "yaml"), "t.yaml")
    assert template is not None
    assert [text[i:].split("\n")[0] for i in template.comment_starts()] == ["# head", "# all", "# end"]
    assert template.comments_between(text.index("T:"), text.index("# end")) is False
    assert template.comments_between(text.index("T:"), len(text))
    json_text = '{"Resources": {"T": {"Type": "a #b"}}}'
    assert load_template(Source(json_text, False, "json"), "t.json").comment_starts() == []  # type: ignore[union-attr]
