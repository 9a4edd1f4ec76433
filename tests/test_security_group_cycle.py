"""Unit tests of CFX113 security-group-cycle: what ``find`` reports, which rules it moves, and how."""

from __future__ import annotations

import textwrap

import yaml

import cfnfix
from cfnfix.models import Applicability, Delete, Finding, InsertKey, Options
from cfnfix.template import Template, to_data
from cfnfix_fixers.security_group_cycle import SecurityGroupCycle
from tests.fixer_helpers import calls, load


def template(text: str) -> Template:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(text: str) -> list[Finding]:
    return list(SecurityGroupCycle().find(template(text), Options()))


def inserts(finding: Finding) -> list[InsertKey]:
    assert finding.fix is not None
    return [e for e in finding.fix.edits if isinstance(e, InsertKey)]


def deletes(finding: Finding) -> list[tuple[object, ...]]:
    assert finding.fix is not None
    return [e.path for e in finding.fix.edits if isinstance(e, Delete)]


def group(name: str, *, vpc: bool = True, ingress: str = "", egress: str = "", extra: str = "") -> str:
    """A security group's YAML, its rules given as ``SecurityGroupIngress`` / ``SecurityGroupEgress`` items."""
    text = f"  {name}:\n    Type: AWS::EC2::SecurityGroup\n{extra}    Properties:\n      GroupDescription: {name}\n"
    if vpc:
        text += "      VpcId: vpc-0123456789abcdef0\n"
    for key, items in (("SecurityGroupIngress", ingress), ("SecurityGroupEgress", egress)):
        if items:
            text += f"      {key}:\n" + textwrap.indent(textwrap.dedent(items), " " * 8)
    return text


def rule(port: int, key: str = "", target: str = "") -> str:
    line = f"- {{IpProtocol: tcp, FromPort: {port}, ToPort: {port}"
    line += f", {key}: {target}}}\n" if key else ", CidrIp: 10.0.0.0/8}\n"
    return line


def src(target: str, port: int = 80) -> str:
    return rule(port, "SourceSecurityGroupId", target)


def dst(target: str, port: int = 80) -> str:
    return rule(port, "DestinationSecurityGroupId", target)


def resources(*groups: str) -> str:
    return "Resources:\n" + "".join(groups)


def test_metadata() -> None:
    fixer = SecurityGroupCycle()
    assert (fixer.code, fixer.name) == ("CFX113", "security-group-cycle")
    assert fixer.applicability is Applicability.SAFE
    assert fixer.cfn_lint_rules == ("E3004",)
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in SecurityGroupCycle.docs()


def test_no_cycle_no_finding() -> None:
    assert find(resources(group("A", ingress=src("!Ref B")), group("B"))) == []


def test_one_finding_per_component_with_every_member_related() -> None:
    findings = find(resources(
        group("A", ingress=src("!Ref B")), group("B", ingress=src("!Ref C")), group("C", ingress=src("!Ref A")),
        group("D", ingress=src("!Ref D")),
    ))
    assert [(f.path, f.related) for f in findings] == [
        (("Resources", "A"), (("Resources", "B"), ("Resources", "C"))),
        (("Resources", "D"), ()),
    ]
    assert all(f.fix is not None for f in findings)


def test_ingress_is_moved_rather_than_egress_at_equal_cost() -> None:
    # A -> B by an egress rule of A (which has a second egress rule), B -> A by an ingress rule of B
    findings = find(resources(group("A", egress=dst("!Ref B") + rule(443)), group("B", ingress=src("!Ref A"))))
    (insert,) = inserts(findings[0])
    assert insert.key == "BIngressFromA" and insert.value["Type"] == "AWS::EC2::SecurityGroupIngress"
    assert deletes(findings[0]) == [("Resources", "B", "Properties", "SecurityGroupIngress")]


def test_fewest_rules_before_ingress() -> None:
    # breaking B -> A takes two ingress rules; A -> B one egress rule, and A keeps another egress rule
    findings = find(resources(
        group("A", egress=dst("!Ref B") + rule(443)),
        group("B", ingress=src("!Ref A", 80) + src("!Ref A", 443)),
    ))
    assert [i.key for i in inserts(findings[0])] == ["AEgressToB"]
    assert deletes(findings[0]) == [("Resources", "A", "Properties", "SecurityGroupEgress", 0)]


def test_the_last_plain_egress_rule_never_moves() -> None:
    both_last = find(resources(group("A", egress=dst("!Ref B")), group("B", egress=dst("!Ref A"))))
    assert both_last[0].fix is None
    assert "last inline egress rule of `A` or `B`" in (both_last[0].no_fix_reason or "")
    # an egress rule inside Fn::If may vanish: it does not count as one that stays
    with_if = find(resources(
        group("A", egress=dst("!Ref B") + "- !If [C, {IpProtocol: '-1', CidrIp: 0.0.0.0/0}, !Ref AWS::NoValue]\n"),
        group("B", egress=dst("!Ref A")),
    ))
    assert with_if[0].fix is None


def test_rule_inside_fn_if_is_not_moved() -> None:
    findings = find(resources(
        group("A", ingress="- !If [C, {IpProtocol: tcp, FromPort: 1, ToPort: 1, SourceSecurityGroupId: !Ref B}, "
                           "!Ref AWS::NoValue]\n"),
        group("B", ingress=src("!Ref A")),
    ))
    assert [i.key for i in inserts(findings[0])] == ["BIngressFromA"]
    only_if = find(resources(
        group("A", ingress="- !If [C, {IpProtocol: tcp, FromPort: 1, ToPort: 1, SourceSecurityGroupId: !Ref A}, "
                           "!Ref AWS::NoValue]\n"),
    ))
    assert only_if[0].fix is None
    assert "`Properties.SecurityGroupIngress[0]`, a rule built by `Fn::If`" in (only_if[0].no_fix_reason or "")


def test_fn_if_inside_a_rule_moves_with_it() -> None:
    findings = find(resources(
        group("A", ingress="- {IpProtocol: tcp, FromPort: 1, ToPort: 1, "
                           "SourceSecurityGroupId: !If [C, !Ref A, !Ref AWS::NoValue]}\n"),
    ))
    (insert,) = inserts(findings[0])
    assert insert.value["Properties"]["SourceSecurityGroupId"] == {
        "Fn::If": ["C", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]}


def test_rule_list_built_by_a_function_is_not_moved() -> None:
    text = resources(group("A", extra=""), group("B", ingress=src("!Ref A")))
    rules = ("      SecurityGroupIngress: !If\n        - C\n"
             "        - [{IpProtocol: tcp, FromPort: 1, ToPort: 1, SourceSecurityGroupId: !Ref B}]\n"
             "        - !Ref AWS::NoValue\n")
    text = text.replace("      GroupDescription: A\n", "      GroupDescription: A\n" + rules)
    findings = find(text)
    assert [i.key for i in inserts(findings[0])] == ["BIngressFromA"]


def test_group_without_vpc_gets_its_id_by_getatt() -> None:
    findings = find(resources(group("A", vpc=False, ingress=src("!GetAtt A.GroupId"))))
    (insert,) = inserts(findings[0])
    assert insert.value["Properties"]["GroupId"] == {"Fn::GetAtt": ["A", "GroupId"]}
    in_vpc = find(resources(group("A", ingress=src("!GetAtt A.GroupId"))))
    assert inserts(in_vpc[0])[0].value["Properties"]["GroupId"] == {"Ref": "A"}


def test_new_resource_copies_the_condition_and_keeps_the_rule_keys_in_order() -> None:
    findings = find(resources(group("A", extra="    Condition: Prod\n", ingress="""\
        - IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          SourceSecurityGroupId: !Ref A
          Description: Replication
        """)))
    (insert,) = inserts(findings[0])
    assert insert.after == "A"
    assert insert.value == {
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Condition": "Prod",
        "Properties": {"GroupId": {"Ref": "A"}, "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                       "SourceSecurityGroupId": {"Ref": "A"}, "Description": "Replication"},
    }


def test_cycle_through_other_references_has_no_fix_and_names_them() -> None:
    findings = find("""\
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument: {}
              Description: !Sub 'for ${Function}'
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Role: !GetAtt Role.Arn
              Code: {ZipFile: x}
              Handler: index.handler
              Runtime: python3.12
        """)
    (finding,) = findings
    assert finding.fix is None and finding.related == (("Resources", "Function"),)
    assert finding.no_fix_reason == (
        "the cycle `Role` -> `Function` -> `Role` goes through references that no move of an inline "
        "security-group rule removes (`Role` refers to `Function` in `Properties.Description`; `Function` "
        "refers to `Role` in `Properties.Role`); break it by hand")


def test_cycle_through_another_resource_broken_by_a_rule() -> None:
    findings = find(resources(
        group("A", ingress=src("!Ref B"), extra="    DependsOn: Db\n"),
        group("B"),
        "  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      VPCSecurityGroups: [!Ref A]\n",
    ).replace("      GroupDescription: B\n", "      GroupDescription: !Sub '${A}'\n"))
    # A -> Db (DependsOn), Db -> A, A -> B (rule), B -> A (Sub): the DependsOn cycle cannot be broken
    assert findings[0].fix is None
    breakable = find(resources(
        group("A", ingress=src("!Ref B")),
        group("B", extra="    DependsOn: Db\n"),
        "  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      VPCSecurityGroups: [!Ref A]\n",
    ))
    assert [i.key for i in inserts(breakable[0])] == ["AIngressFromB"]


def test_sam_components() -> None:
    api_and_function = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionBody: {x-uri: !GetAtt Function.Arn}
          Function:
            Type: AWS::Serverless::Function
            Properties:
              Events: {Get: {Type: Api, Properties: {RestApiId: !Ref Api}}}
        """
    assert find(api_and_function) == []  # every edge touches a SAM resource: cfn-lint skips it too
    mixed = find(resources(
        group("A", ingress=src("!Ref B")), group("B", extra="    DependsOn: Function\n"),
        "  Function:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      VpcConfig: {SecurityGroupIds: [!Ref A]}\n",
    ))
    assert mixed[0].fix is None and "SAM transform" in (mixed[0].no_fix_reason or "")


def test_logical_ids_stay_unique_across_components() -> None:
    findings = find(resources(group("A", ingress=src("!Ref A") + src("!Ref A", 81)), group("AIngressFromSelf")))
    assert [i.key for i in inserts(findings[0])] == ["AIngressFromSelf2", "AIngressFromSelf3"]
    assert deletes(findings[0]) == [("Resources", "A", "Properties", "SecurityGroupIngress")]


def test_fixed_template_has_no_cycle_and_fixing_again_changes_nothing() -> None:
    text = "AWSTemplateFormatVersion: '2010-09-09'\n" + resources(
        group("A", ingress=src("!Ref B") + rule(22), egress=dst("!Ref C") + rule(443)),
        group("B", ingress=src("!Ref C"), egress=dst("!Ref A") + rule(443)),
        group("C", ingress=src("!Ref A") + src("!Ref C", 9000), egress=rule(443)),
    )
    options = Options(select=("CFX113",))
    fixed = cfnfix.fix(text, "t.yaml", options)
    assert fixed.error is None and fixed.applied and fixed.remaining == []
    assert cfnfix.check(fixed.fixed, "t.yaml", options) == []


def _large(n: int, ring: int) -> Template:
    """10n groups in chains, n pairs of groups that allow each other, one ring of ``ring`` groups."""
    groups = [group(f"G{i}", ingress=src(f"!Ref G{i + 1}") if i % 2 == 0 else rule(22)) for i in range(10 * n)]
    pairs = [group(f"P{i}", ingress=src(f"!Ref Q{i}")) + group(f"Q{i}", ingress=src(f"!Ref P{i}")) for i in range(n)]
    rings = [group(f"R{i}", ingress=src(f"!Ref R{(i + 1) % ring}") + src(f"!Ref R{(i + 7) % ring}", 81))
             for i in range(ring)]
    return template(resources(*groups, *pairs, *rings))


def test_detection_is_linear_on_large_templates() -> None:
    found: list[Finding] = []

    def work(n: int, ring: int) -> int:
        parsed = _large(n, ring)
        found.clear()
        return calls(lambda: found.extend(SecurityGroupCycle().find(parsed, Options())))

    # four times the groups and pairs: about four times the calls, not sixteen
    assert work(300, 0) < work(75, 0) * 4 * 1.5
    # a ring too large for the exact search falls back to the greedy one, which stays linear
    assert work(0, 1200) < work(0, 300) * 4 * 1.5
    work(300, 300)
    assert len(found) == 301 and all(f.fix is not None for f in found)
    assert found[-1].fix is not None and "greedy" in found[-1].fix.note


def _moved_from(text: str) -> list[str]:
    """The logical ids of the rule resources CFX113's fix adds (the template read with its text, comments too)."""
    (finding,) = SecurityGroupCycle().find(load(text), Options())
    return [i.key for i in inserts(finding)]


def test_a_rule_with_a_comment_stays_and_another_moves() -> None:
    pair = resources(group("A", ingress=src("!Ref B")), group("B", ingress=src("!Ref A")))
    assert _moved_from(pair) == ["AIngressFromB"]
    commented = {
        "at its end": pair.replace("SourceSecurityGroupId: !Ref B}\n", "SourceSecurityGroupId: !Ref B}  # why\n"),
        "above it": pair.replace("        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupId: !Ref B}",
                                 "        # why\n        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, "
                                 "SourceSecurityGroupId: !Ref B}"),
        "on its list's key": pair.replace("GroupDescription: A\n      VpcId: vpc-0123456789abcdef0\n"
                                          "      SecurityGroupIngress:\n",
                                          "GroupDescription: A\n      VpcId: vpc-0123456789abcdef0\n"
                                          "      SecurityGroupIngress:  # why\n"),
    }
    for where, text in commented.items():
        assert text != pair, where
        assert _moved_from(text) == ["BIngressFromA"], where
    in_a_string = pair.replace("SourceSecurityGroupId: !Ref B}",
                               "SourceSecurityGroupId: !Ref B, Description: 'team #1'}")
    assert _moved_from(in_a_string) == ["AIngressFromB"]
    below_the_next = pair.replace("GroupDescription: B\n", "GroupDescription: B  # the database\n")
    assert _moved_from(below_the_next) == ["AIngressFromB"]


def test_a_cycle_only_commented_rules_can_break_has_no_fix() -> None:
    text = resources(group("A", ingress=src("!Ref B").rstrip("\n") + "  # why\n"),
                     group("B", ingress="# from A\n" + src("!Ref A")))
    (finding,) = SecurityGroupCycle().find(load(text), Options())
    assert finding.fix is None
    assert "a rule with a comment that moving it out would lose" in (finding.no_fix_reason or "")
