"""Unit tests of CFX208 unused-security-group: what counts as a use, and what goes with a group."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Delete, Finding, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.unused_security_group import UnusedSecurityGroup

GROUP = """\
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: unused
"""
TOPIC = """\
  Topic:
    Type: AWS::SNS::Topic
"""


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(text: str) -> list[Finding]:
    return list(UnusedSecurityGroup().find(template(text), Options()))


def deletes(finding: Finding) -> list[tuple[object, ...]]:
    assert finding.fix is not None
    assert all(isinstance(e, Delete) for e in finding.fix.edits)
    return [e.path for e in finding.fix.edits]


def test_metadata() -> None:
    fixer = UnusedSecurityGroup()
    assert (fixer.code, fixer.name) == ("CFX208", "unused-security-group")
    assert fixer.applicability is Applicability.UNSAFE
    assert fixer.cfn_lint_rules == ()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in UnusedSecurityGroup.docs()


def test_every_kind_of_reference_is_a_use() -> None:
    uses = {
        "a Ref": "  User:\n    Type: AWS::EC2::Instance\n    Properties:\n      SecurityGroupIds: [!Ref Sg]\n",
        "a GetAtt": "  User:\n    Type: AWS::EC2::Instance\n    Properties:\n"
                    "      SecurityGroupIds: [!GetAtt Sg.GroupId]\n",
        "a Sub variable": "  User:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '${Sg}-events'\n",
        "a DependsOn": "  User:\n    Type: AWS::SNS::Topic\n    DependsOn: [Sg]\n",
        "a standalone rule": "  User:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n"
                             "      GroupId: !Ref Sg\n      IpProtocol: '-1'\n      CidrIp: 10.0.0.0/8\n",
    }
    for what, user in uses.items():
        assert find("Resources:\n" + GROUP + user) == [], what
    assert find("Resources:\n" + GROUP + TOPIC + "Outputs:\n  Id:\n    Value: !Ref Sg\n") == []
    assert find("Globals:\n  Function:\n    VpcConfig:\n      SecurityGroupIds: [!Ref Sg]\nResources:\n"
                + GROUP + TOPIC) == []


def test_references_to_itself_do_not_count() -> None:
    text = "Resources:\n" + GROUP + "      Tags: [{Key: Name, Value: !Sub '${Sg}'}]\n" + TOPIC
    (finding,) = find(text)
    assert deletes(finding) == [("Resources", "Sg")]


def test_two_groups_naming_each_other_are_used() -> None:
    text = """\
        Resources:
          A:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: a
              SecurityGroupIngress: [{IpProtocol: '-1', SourceSecurityGroupId: !GetAtt B.GroupId}]
          B:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: b
              SecurityGroupIngress: [{IpProtocol: '-1', SourceSecurityGroupId: !GetAtt A.GroupId}]
        """
    assert find(text) == []


def test_a_name_used_whole_elsewhere_is_a_use() -> None:
    named = GROUP + "      GroupName: !Sub '${AWS::StackName}-web'\n"
    user = ("  User:\n    Type: AWS::EC2::Instance\n    Properties:\n"
            "      SecurityGroups: [!Sub '${AWS::StackName}-web']\n")
    assert find("Resources:\n" + named + user) == []
    literal = GROUP + "      GroupName: web\n      Tags: [{Key: Name, Value: web}]\n"
    assert find("Resources:\n" + literal + user.replace("!Sub '${AWS::StackName}-web'", "web")) == []
    (own_tag_only,) = find("Resources:\n" + literal + TOPIC)
    assert own_tag_only.fix is not None  # its own Name tag is not a use


def test_discovery_tags_and_rewriters_leave_it_unfixed() -> None:
    tagged = GROUP + "      Tags: [{Key: karpenter.sh/discovery, Value: cluster}]\n"
    (finding,) = find("Resources:\n" + tagged + TOPIC)
    assert finding.fix is None and "karpenter.sh/discovery" in (finding.no_fix_reason or "")
    computed = "  User:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: {Ref: !Sub '${AWS::Region}'}\n"
    (finding,) = find("Resources:\n" + GROUP + computed)
    assert finding.fix is None and "names its target with a function" in (finding.no_fix_reason or "")
    loop = """\
        Transform: AWS::LanguageExtensions
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: unused
          Fn::ForEach::Topics:
            - Name
            - [A, B]
            - Topic${Name}:
                Type: AWS::SNS::Topic
        """
    (finding,) = find(loop)
    assert finding.fix is None and "Fn::ForEach" in (finding.no_fix_reason or "")
    (finding,) = find("Resources:\n" + GROUP + TOPIC.replace("AWS::SNS::Topic", "AWS::SNS::Topic\n    Properties:\n"
                                                             "      Fn::Transform: {Name: AWS::Include}"))
    assert finding.fix is None and "Fn::Transform" in (finding.no_fix_reason or "")


def test_a_template_keeps_one_resource() -> None:
    (alone,) = find("Resources:\n" + GROUP)
    assert alone.fix is None and alone.no_fix_reason == "it is the template's only resource"
    first, last = find("Resources:\n" + GROUP + GROUP.replace("Sg:", "Other:"))
    assert first.fix is not None and deletes(first) == [("Resources", "Sg")]
    assert last.fix is None and "last of the template's resources" in (last.no_fix_reason or "")


def test_what_only_the_group_used_goes_with_it() -> None:
    text = """\
        Parameters:
          Cidr: {Type: String}
          Shared: {Type: String}
        Mappings:
          Ports: {Ssh: {Port: 22}}
        Conditions:
          IsProd: !Equals [!Ref Shared, prod]
          WithSsh: !And [!Condition IsProd, !Equals [!Ref Shared, ssh]]
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
            Condition: WithSsh
            Properties:
              GroupDescription: ssh
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: !FindInMap [Ports, Ssh, Port], ToPort: 22, CidrIp: !Ref Cidr}
          Topic:
            Type: AWS::SNS::Topic
            Condition: IsProd
            Properties:
              TopicName: !Ref Shared
        """
    (finding,) = find(text)
    assert deletes(finding) == [("Resources", "Sg"), ("Conditions", "WithSsh"), ("Parameters", "Cidr"),
                                ("Mappings",)]


def test_a_parameter_that_cannot_go_keeps_the_group() -> None:
    text = """\
        Parameters:
          Cidr: {Type: String}
        Rules:
          CidrGiven:
            Assertions:
              - Assert: !Not [!Equals [!Ref Cidr, '']]
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: ssh
              SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Cidr}]
          Topic:
            Type: AWS::SNS::Topic
        """
    # the Rules' Ref is a use for W2001, so the parameter stays used: the group goes alone
    (finding,) = find(text)
    assert deletes(finding) == [("Resources", "Sg")]
    value_of = text.replace("!Not [!Equals [!Ref Cidr, '']]", "!Not [!Equals [!ValueOf [Cidr, Type], '']]")
    (finding,) = find(value_of)
    assert finding.fix is None and "cannot be removed" in (finding.no_fix_reason or "")


def test_groups_that_share_what_only_they_use_go_together() -> None:
    text = """\
        Parameters:
          Env: {Type: String}
        Conditions:
          A: !Equals [!Ref Env, a]
          B: !Equals [!Ref Env, b]
        Resources:
          SgA:
            Type: AWS::EC2::SecurityGroup
            Condition: A
            Properties: {GroupDescription: a}
          SgB:
            Type: AWS::EC2::SecurityGroup
            Condition: B
            Properties: {GroupDescription: b}
          SgC:
            Type: AWS::EC2::SecurityGroup
            Properties: {GroupDescription: c}
          Topic:
            Type: AWS::SNS::Topic
        """
    first, second, third = find(text)
    together = [("Resources", "SgA"), ("Resources", "SgB"), ("Conditions",), ("Parameters",)]
    assert deletes(first) == together and deletes(second) == together
    assert deletes(third) == [("Resources", "SgC")]
