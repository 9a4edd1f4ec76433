"""Unit tests of CFX101 lambda-runtime: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap

import yaml

from cfnfix.models import Applicability, Delete, Finding, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.lambda_runtime import LambdaRuntime


def find(text: str) -> list[Finding]:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    return list(LambdaRuntime().find(Template(to_data(node), node, "yaml", "t.yaml"), Options()))


def function(runtime: str, extra: str = "") -> str:
    return f"""\
    Resources:
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: {runtime}
          Handler: index.handler{extra}
    """


def test_metadata() -> None:
    fixer = LambdaRuntime()
    assert (fixer.code, fixer.name, fixer.applicability) == ("CFX101", "lambda-runtime", Applicability.UNSAFE)
    assert set(fixer.cfn_lint_rules) == {"W2531", "E2531", "E2533"}
    for section in ("## What it does", "## Why is this bad?", "Use instead:", "## Fix safety", "## References"):
        assert section in LambdaRuntime.docs()


def test_deprecated_python_gets_newest_python3() -> None:
    (finding,) = find(function("python3.7"))
    assert finding.path == ("Resources", "Fn", "Properties", "Runtime")
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert isinstance(edit, SetValue) and edit.value.startswith("python3.") and edit.value != "python3.7"


def test_current_runtime_is_not_reported() -> None:
    assert find(function("python3.14")) == []


def test_if_branches_are_fixed_one_by_one() -> None:
    findings = find(function("!If [C, nodejs16.x, nodejs24.x]"))
    assert [f.path[-2:] for f in findings] == [("Fn::If", 1)]


def test_no_fix_across_languages() -> None:
    for runtime in ("python2.7", "go1.x", "dotnetcore3.1"):
        (finding,) = find(function(runtime))
        assert finding.fix is None and finding.no_fix_reason


def test_inline_aws_sdk_v2_blocks_the_node_upgrade() -> None:
    code = "\n          Code:\n            ZipFile: |\n              const AWS = require('aws-sdk');"
    (finding,) = find(function("nodejs14.x", code))
    assert finding.fix is None and "aws-sdk" in (finding.no_fix_reason or "")


def test_sam_globals_relate_to_inheriting_functions() -> None:
    (finding,) = find("""\
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: nodejs16.x
    Resources:
      A:
        Type: AWS::Serverless::Function
        Properties: {Handler: a.handler}
      B:
        Type: AWS::Serverless::Function
        IgnoreGlobals: '*'
        Properties: {Handler: b.handler}
    """)
    assert finding.path == ("Globals", "Function", "Runtime")
    assert finding.related == (("Resources", "A", "Properties", "Runtime"),)


def test_parameter_default_and_allowed_values() -> None:
    (finding,) = find(textwrap.dedent("""\
    Parameters:
      Rt:
        Type: String
        Default: python3.9
        AllowedValues: [python3.9, python3.14]
    """) + textwrap.dedent(function("!Ref Rt")))
    assert finding.path == ("Parameters", "Rt", "Default")
    assert finding.fix is not None
    assert {type(e) for e in finding.fix.edits} == {SetValue, Delete}


def test_parameter_used_elsewhere_has_no_fix() -> None:
    (finding,) = find(textwrap.dedent("""\
    Parameters:
      Rt:
        Type: String
        Default: python3.9
    Outputs:
      Used:
        Value: !Ref Rt
    """) + textwrap.dedent(function("!Ref Rt")))
    assert finding.fix is None and "also used" in (finding.no_fix_reason or "")
