"""Unit tests of CFX002 export-name: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from cfnfix.models import Applicability, Finding, InsertKey, Options, RenameKey, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.export_name import ExportName

HEAD = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
"""


def template(outputs: str) -> Template:
    text = HEAD + textwrap.indent(textwrap.dedent(outputs), "  ")
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return Template(to_data(node), node, "yaml", "t.yaml")


def find(outputs: str) -> list[Finding]:
    return list(ExportName().find(template(outputs), Options()))


def only_edit(findings: list[Finding]) -> object:
    assert len(findings) == 1
    fix = findings[0].fix
    assert fix is not None and len(fix.edits) == 1
    return fix.edits[0]


def generated(key: str, suffix: str = "") -> dict[str, str]:
    return {"Fn::Sub": "${AWS::StackName}-" + key + suffix}


def test_metadata() -> None:
    fixer = ExportName()
    assert (fixer.code, fixer.name) == ("CFX002", "export-name")
    assert fixer.applicability is Applicability.SAFE
    assert fixer.cfn_lint_rules == ("E6002", "E6003")
    docs = ExportName.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## References"):
        assert section in docs


@pytest.mark.parametrize("export", ["", "null", "~", "# a comment\n      "])
def test_null_export_gets_a_name(export: str) -> None:
    findings = find(f"A:\n  Value: !Ref Topic\n  Export: {export}\n")
    edit = only_edit(findings)
    assert edit == SetValue(path=("Outputs", "A", "Export"), value={"Name": generated("A")})
    assert findings[0].path == ("Outputs", "A", "Export")
    assert "null" in findings[0].message


def test_empty_mapping_gets_a_name() -> None:
    edit = only_edit(find("KMSKeyId:\n  Value: !Ref Topic\n  Export: {}\n"))
    assert edit == SetValue(path=("Outputs", "KMSKeyId", "Export"), value={"Name": generated("KMSKeyId")})


def test_mapping_without_name_gets_name_first() -> None:
    edit = only_edit(find("A:\n  Value: !Ref Topic\n  Export:\n    Value: x\n"))
    assert edit == InsertKey(path=("Outputs", "A", "Export"), key="Name", value=generated("A"), first=True)


@pytest.mark.parametrize("name", ["", "''", "!Ref AWS::NoValue"])
def test_name_without_value(name: str) -> None:
    edit = only_edit(find(f"A:\n  Value: !Ref Topic\n  Export:\n    Name: {name}\n"))
    assert edit == SetValue(path=("Outputs", "A", "Export", "Name"), value=generated("A"))


def test_name_in_another_case_is_renamed() -> None:
    edit = only_edit(find("A:\n  Value: !Ref Topic\n  Export:\n    name: !Sub '${AWS::StackName}-Topic'\n"))
    assert edit == RenameKey(path=("Outputs", "A", "Export", "name"), new_key="Name")


@pytest.mark.parametrize(("export", "value"), [
    ("'my-export'", "my-export"),
    ("!Sub '${AWS::StackName}-A'", {"Fn::Sub": "${AWS::StackName}-A"}),
    ("!Join ['-', [!Ref 'AWS::StackName', A]]", {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "A"]]}),
])
def test_name_directly_under_export_moves_under_name(export: str, value: object) -> None:
    edit = only_edit(find(f"A:\n  Value: !Ref Topic\n  Export: {export}\n"))
    assert edit == SetValue(path=("Outputs", "A", "Export"), value={"Name": value})


def test_one_item_list_becomes_the_mapping() -> None:
    edit = only_edit(find("A:\n  Value: !Ref Topic\n  Export:\n    - Name: x\n"))
    assert edit == SetValue(path=("Outputs", "A", "Export"), value={"Name": "x"})


@pytest.mark.parametrize("export", ["[]", "[a, b]", "[{Value: x}]", "5"])
def test_other_shapes_have_no_fix(export: str) -> None:
    findings = find(f"A:\n  Value: !Ref Topic\n  Export: {export}\n")
    assert len(findings) == 1
    assert findings[0].fix is None and findings[0].no_fix_reason


@pytest.mark.parametrize("export", [
    "\n    Name: !Sub '${AWS::StackName}-A'",
    " {Name: plain-name}",
    " !If [IsProd, {Name: x}, !Ref AWS::NoValue]",
])
def test_named_exports_are_fine(export: str) -> None:
    assert find(f"A:\n  Value: !Ref Topic\n  Export:{export}\n") == []


def test_no_outputs_or_no_export() -> None:
    assert find("A:\n  Value: !Ref Topic\n") == []
    node = yaml.compose("Resources: {}\n", Loader=yaml.CSafeLoader)
    assert list(ExportName().find(Template(to_data(node), node, "yaml"), Options())) == []


def test_conditional_export_branch_without_name() -> None:
    edit = only_edit(find("A:\n  Value: !Ref Topic\n  Export: !If [IsProd, {}, !Ref AWS::NoValue]\n"))
    assert edit == SetValue(path=("Outputs", "A", "Export", "Fn::If", 1), value={"Name": generated("A")})


@pytest.mark.parametrize("other", [
    "!Sub '${AWS::StackName}-A'",
    "!Sub '${ AWS::StackName }-A'",
    "!Join ['-', [!Ref 'AWS::StackName', A]]",
    "!Join ['', [!Ref 'AWS::StackName', '-A']]",
])
def test_generated_name_avoids_a_taken_one(other: str) -> None:
    outputs = f"A:\n  Value: !Ref Topic\n  Export: {{}}\nB:\n  Value: x\n  Export:\n    Name: {other}\n"
    edit = only_edit(find(outputs))
    assert edit == SetValue(path=("Outputs", "A", "Export"), value={"Name": generated("A", "-Export")})


def test_suffix_counts_up() -> None:
    findings = find(
        "A:\n  Value: !Ref Topic\n  Export: {}\n"
        "B:\n  Value: x\n  Export:\n    Name: !Sub '${AWS::StackName}-A'\n"
        "C:\n  Value: x\n  Export:\n    Name: !Sub '${AWS::StackName}-A-Export'\n"
    )
    assert only_edit(findings) == SetValue(
        path=("Outputs", "A", "Export"), value={"Name": generated("A", "-Export2")}
    )


def test_literal_names_do_not_count_as_taken() -> None:
    outputs = "A:\n  Value: !Ref Topic\n  Export: {}\nB:\n  Value: x\n  Export:\n    Name: mystack-A\n"
    edit = only_edit(find(outputs))
    assert edit == SetValue(path=("Outputs", "A", "Export"), value={"Name": generated("A")})


def test_several_outputs_each_found() -> None:
    findings = find("A:\n  Value: x\n  Export:\nB:\n  Value: y\n  Export: {}\nC:\n  Value: z\n")
    assert [f.path for f in findings] == [("Outputs", "A", "Export"), ("Outputs", "B", "Export")]


def test_json_template() -> None:
    text = (
        '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}},\n'
        ' "Outputs": {"A": {"Value": "x", "Export": null}}}'
    )
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    findings = list(ExportName().find(Template(to_data(node), node, "json"), Options()))
    assert only_edit(findings) == SetValue(path=("Outputs", "A", "Export"), value={"Name": generated("A")})


@pytest.mark.parametrize("export", [
    "", "{}", "{Value: x}", "'abc'", "!Sub '${AWS::StackName}-A'", "{Name: }", "[]", "[{Name: x}]",
    "{name: x}", "{Name: !Ref AWS::NoValue}", "{Name: x}", "!Ref Env",
])
def test_every_cfn_lint_export_name_finding_is_found_and_fixed(export: str) -> None:
    import cfnlint.api

    from cfnfix.edits import apply_edits

    outputs = f"A:\n  Value: !Ref Topic\n  Export: {export}\n"
    rules = {"E6002", "E6003"}
    before = {m.rule.id for m in cfnlint.api.lint(HEAD + textwrap.indent(outputs, "  "))} & rules
    t = template(outputs)
    findings = list(ExportName().find(t, Options()))
    if before:
        assert findings, f"cfn-lint reports {before} for Export: {export!r}"
    for finding in findings:
        if finding.fix is None:
            continue
        fixed = apply_edits(t.data, finding.fix.edits)
        after = {m.rule.id for m in cfnlint.api.lint(yaml.safe_dump(fixed))} & rules
        assert not after, f"{after} still reported after fixing Export: {export!r}"
