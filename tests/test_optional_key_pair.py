"""Unit tests of CFX214 optional-key-pair: which parameters it reports, which uses it can put behind
the condition, and why the others mean no fix."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from cfnfix.models import Applicability, Delete, Finding, InsertKey, Options, SetValue, WrapValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.optional_key_pair import OptionalKeyPair


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(text: str) -> list[Finding]:
    return list(OptionalKeyPair().find(template(text), Options()))


def one(parameter: str, resources: str = "", rest: str = "") -> Finding:
    text = "Parameters:\n  Key:\n" + textwrap.indent(textwrap.dedent(parameter), "    ")
    text += "Resources:\n" + (textwrap.indent(textwrap.dedent(resources), "  ") or "  T: {Type: AWS::SNS::Topic}\n")
    [finding] = find(text + textwrap.dedent(rest))
    return finding


def wraps(finding: Finding) -> list[tuple[object, ...]]:
    assert finding.fix is not None, finding.no_fix_reason
    return [e.path for e in finding.fix.edits if isinstance(e, WrapValue)]


def instance(key_name: str, resource_type: str = "AWS::EC2::Instance", prop: str = "KeyName") -> str:
    return f"I:\n  Type: {resource_type}\n  Properties:\n    {prop}: {key_name}\n"


def test_metadata() -> None:
    fixer = OptionalKeyPair()
    assert (fixer.code, fixer.name) == ("CFX214", "optional-key-pair")
    assert fixer.applicability is Applicability.UNSAFE
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in OptionalKeyPair.docs()


def test_which_parameters() -> None:
    assert find("Parameters:\n  K: {Type: AWS::EC2::KeyPair::KeyName, Default: mine}\nResources: {}\n") == []
    assert find("Parameters:\n  K: {Type: String}\nResources: {}\n") == []
    empty = one("Type: AWS::EC2::KeyPair::KeyName\nDefault: ''\n")
    assert "empty default" in empty.message
    assert empty.fix is not None
    assert list(empty.fix.edits) == [SetValue(path=("Parameters", "Key", "Type"), value="String"),
                                     SetValue(path=("Parameters", "Key", "Default"), value="")]


def test_unused_parameter_gets_no_condition() -> None:
    finding = one("Type: AWS::EC2::KeyPair::KeyName\nMinLength: '0'\n")
    assert finding.fix is not None
    assert list(finding.fix.edits) == [
        SetValue(path=("Parameters", "Key", "Type"), value="String"),
        InsertKey(path=("Parameters", "Key"), key="Default", value="", after="Type"),
    ]


def test_min_length_goes() -> None:
    finding = one("Type: AWS::EC2::KeyPair::KeyName\nMinLength: 1\n", instance("!Ref Key"))
    assert finding.fix is not None
    assert Delete(path=("Parameters", "Key", "MinLength")) in finding.fix.edits


@pytest.mark.parametrize(("resource_type", "prop", "wrapped"), [
    ("AWS::EC2::Instance", "KeyName", ("KeyName",)),
    ("AWS::AutoScaling::LaunchConfiguration", "KeyName", ("KeyName",)),
    ("AWS::ImageBuilder::InfrastructureConfiguration", "KeyPair", ("KeyPair",)),
    ("AWS::EC2::LaunchTemplate", "LaunchTemplateData: {KeyName: !Ref Key}", ("LaunchTemplateData", "KeyName")),
    ("AWS::EMR::Cluster", "Instances: {Ec2KeyName: !Ref Key}", ("Instances", "Ec2KeyName")),
    ("AWS::Batch::ComputeEnvironment", "ComputeResources: {Ec2KeyPair: !Ref Key}", ("ComputeResources", "Ec2KeyPair")),
    ("AWS::EKS::Nodegroup", "RemoteAccess: {Ec2SshKey: !Ref Key}", ("RemoteAccess",)),
])
def test_key_pair_properties(resource_type: str, prop: str, wrapped: tuple[str, ...]) -> None:
    text = instance("!Ref Key", resource_type, prop) if ":" not in prop else \
        f"I:\n  Type: {resource_type}\n  Properties:\n    {prop}\n"
    finding = one("Type: AWS::EC2::KeyPair::KeyName\n", text)
    assert wraps(finding) == [("Resources", "I", "Properties", *wrapped)]


def test_uses_already_guarded_are_left_and_the_condition_reused() -> None:
    finding = one(
        "Type: AWS::EC2::KeyPair::KeyName\n",
        instance("!If [NoKey, !Ref AWS::NoValue, !Ref Key]") + instance("!Ref Key").replace("I:", "J:"),
        "Conditions:\n  NoKey: !Equals [!Ref Key, '']\n  Uses: !Not [!Equals [!Ref Key, '']]\n",
    )
    assert finding.fix is not None
    [wrap] = [e for e in finding.fix.edits if isinstance(e, WrapValue)]
    assert wrap.path == ("Resources", "J", "Properties", "KeyName") and wrap.before == ("Uses",)
    assert not any(isinstance(e, InsertKey) and e.path[:1] == ("Conditions",) for e in finding.fix.edits)


def test_condition_names() -> None:
    text = """\
        Parameters:
          First: {Type: AWS::EC2::KeyPair::KeyName}
          Second: {Type: AWS::EC2::KeyPair::KeyName}
        Resources:
          A: {Type: AWS::EC2::Instance, Properties: {KeyName: !Ref First}}
          B: {Type: AWS::EC2::Instance, Properties: {KeyName: !Ref Second}}
        """
    names = [w.before for f in find(text) for w in f.fix.edits if isinstance(w, WrapValue)]  # type: ignore[union-attr]
    assert names == [("HasKeyPair",), ("HasSecond",)]


def test_outputs() -> None:
    finding = one("Type: AWS::EC2::KeyPair::KeyName\n", "", "Outputs:\n  K: {Value: !Ref Key}\n"
                  "  L: {Description: d, Value: !Sub 'ssh -i ${Key}.pem ec2-user@host'}\n")
    assert finding.fix is not None
    conditions = [e for e in finding.fix.edits if isinstance(e, InsertKey) and e.key == "Condition"]
    assert conditions == [InsertKey(path=("Outputs", "K"), key="Condition", value="HasKeyPair", first=True),
                          InsertKey(path=("Outputs", "L"), key="Condition", value="HasKeyPair", after="Description")]


@pytest.mark.parametrize(("parameter", "resources", "rest", "reason"), [
    ("", instance("!Sub '${Key}-x'"), "", "inside an `Fn::Sub` string"),
    ("", "", "Outputs:\n  K: {Condition: Other, Value: !Ref Key}\n", "already has a `Condition`"),
    ("", "", "Outputs:\n  K: {Value: v, Export: {Name: !Ref Key}}\n", "outside a resource property"),
    ("", "", "Rules:\n  R:\n    Assertions:\n      - Assert: !Not [!Equals [!Ref Key, '']]\n",
     "outside a resource property"),
    ("", instance("!Join ['', [!Ref Key]]"), "", "not a key-pair property"),
    ("", "I:\n  Type: AWS::EC2::Instance\n  Properties:\n    Tags: [{Key: k, Value: !Ref Key}]\n", "",
     "not a key-pair property"),
    ("", "I:\n  Type: AWS::CloudFormation::Stack\n  Properties:\n    Parameters: {KeyName: !Ref Key}\n", "",
     "nested stack"),
    ("", "I:\n  Type: AWS::EC2::Instance\n  Metadata: {Key: !Ref Key}\n", "",
     "outside a resource property"),
    ("AllowedPattern: '[a-z]+'\n", instance("!Ref Key"), "", "`AllowedPattern`"),
    ("AllowedValues: [a, b]\n", instance("!Ref Key"), "", "`AllowedValues`"),
])
def test_no_fix(parameter: str, resources: str, rest: str, reason: str) -> None:
    finding = one("Type: AWS::EC2::KeyPair::KeyName\n" + parameter, resources, rest)
    assert finding.fix is None
    assert finding.no_fix_reason is not None and reason in finding.no_fix_reason


def test_empty_allowed_by_constraints() -> None:
    finding = one("Type: AWS::EC2::KeyPair::KeyName\nAllowedPattern: '[\\x20-\\x7E]*'\nAllowedValues: ['', a]\n",
                  instance("!Ref Key"))
    assert finding.fix is not None
