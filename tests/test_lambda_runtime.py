"""Unit tests of CFX101 lambda-runtime: what ``find`` reports and the edits it proposes."""

from __future__ import annotations

import textwrap
from datetime import date
from typing import Any

import pytest
import yaml

from cfnfix.models import Applicability, Delete, Finding, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.lambda_runtime import LambdaRuntime, LambdaRuntimeSettings, _named_runtimes, _supported


def find(text: str, settings: dict[str, Any] | None = None) -> list[Finding]:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    options = Options(fixer_settings={"CFX101": settings} if settings else {})
    return list(LambdaRuntime().find(Template(to_data(node), node, "yaml", "t.yaml"), options))


def new_runtime(finding: Finding) -> str:
    assert finding.fix is not None, finding.no_fix_reason
    (edit,) = finding.fix.edits
    assert isinstance(edit, SetValue) and isinstance(edit.value, str)
    return edit.value


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


def test_deprecated_python_gets_the_oldest_supported_python3_by_default() -> None:
    (finding,) = find(function("python3.7"))
    assert finding.path == ("Resources", "Fn", "Properties", "Runtime")
    supported = _supported("python3.7", date.today())
    assert new_runtime(finding) == supported[0] and len(supported) > 1


@pytest.mark.parametrize("key", ["runtime-target", "target"])
def test_newest_target_under_either_key(key: str) -> None:
    (finding,) = find(function("python3.7"), {key: "newest"})
    assert new_runtime(finding) == _supported("python3.7", date.today())[-1]


def test_settings_default_and_former_key() -> None:
    assert LambdaRuntimeSettings().runtime_target == "oldest-supported"
    assert LambdaRuntimeSettings.model_validate({"target": "newest"}).runtime_target == "newest"
    assert LambdaRuntimeSettings.model_validate({"target": "newest"}).model_dump(by_alias=True) == {
        "runtime-target": "newest"}


def test_a_resource_type_that_is_not_a_string_is_passed_over() -> None:
    (finding,) = find(function("python3.7") + "  Module:\n    Type: {Rain::Module: bucket.yaml}\n")
    assert finding.fix is not None


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
    """) + textwrap.dedent(function("!Ref Rt")), {"runtime-target": "newest"})
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


LAYER = """\
    Resources:
      Lib:
        Type: AWS::Lambda::LayerVersion
        Properties:
          Content: {{S3Bucket: b, S3Key: k}}
          CompatibleRuntimes: {runtimes}
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.9
          Handler: index.handler
          Layers: [{layer}]
    """


def test_a_layer_that_lists_only_older_runtimes_keeps_the_runtime() -> None:
    (finding,) = find(LAYER.format(runtimes="[python3.8, python3.9]", layer="!Ref Lib"))
    assert finding.fix is None and "layer `Lib` lists CompatibleRuntimes python3.8, python3.9" in (
        finding.no_fix_reason or "")


def test_a_layer_given_by_its_version_arn_attribute_counts() -> None:
    (finding,) = find(LAYER.format(runtimes="[python3.9]", layer="!GetAtt Lib.LayerVersionArn"))
    assert finding.fix is None


def test_computed_compatible_runtimes_keep_the_runtime() -> None:
    (finding,) = find(LAYER.format(runtimes="[!Ref AWS::NoValue]", layer="!Ref Lib"))
    assert finding.fix is None and "computed CompatibleRuntimes" in (finding.no_fix_reason or "")


def test_the_newest_target_picks_the_newest_runtime_the_layer_lists() -> None:
    supported = _supported("python3.9", date.today())
    listed = f"[python3.9, {supported[0]}, {supported[1]}]"
    (oldest,) = find(LAYER.format(runtimes=listed, layer="!Ref Lib"))
    (newest,) = find(LAYER.format(runtimes=listed, layer="!Ref Lib"), {"runtime-target": "newest"})
    assert (new_runtime(oldest), new_runtime(newest)) == (supported[0], supported[1])
    assert "(the newest supported runtime that layer `Lib` lists)" in newest.message


@pytest.mark.parametrize(("arn", "family", "named"), [
    ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7", "python3",
     {"python3.12"}),
    ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python39-arm64:7", "python3",
     {"python3.9"}),
    ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:46", "python3", None),
    ("arn:aws:lambda:us-east-1:123456789012:layer:sharp-node18:3", "nodejs", {"nodejs18.x"}),
    ("arn:aws:lambda:us-east-1:123456789012:layer:numpy3-12:3", "python3", None),  # not "py..." at a word start
    ("arn:aws:lambda:us-east-1:123456789012:layer:tools-java8:1", "java", {"java8", "java8.al2"}),
    ("arn:aws:lambda:us-east-1:123456789012:layer:sharp-node18:3", "python3", None),  # another language
])
def test_runtimes_named_by_a_layer_arn(arn: str, family: str, named: set[str] | None) -> None:
    assert _named_runtimes(arn, family) == (frozenset(named) if named else None)
