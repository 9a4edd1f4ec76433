"""Unit tests of CFX203 parameter-case: its settings, what ``find`` reports and when it has no fix."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from pydantic import ValidationError

from cfnfix.models import Applicability, Finding, Options, RenameKey
from cfnfix.template import Template, to_data
from cfnfix_fixers.parameter_case import ParameterCase, ParameterCaseSettings


def find(text: str, *canonical: str) -> list[Finding]:
    node = yaml.compose(textwrap.dedent(text), Loader=yaml.CSafeLoader)
    options = Options(fixer_settings={"CFX203": {"canonical-parameters": list(canonical)}})
    return list(ParameterCase().find(Template(to_data(node), node, "yaml", "t.yaml"), options))


TEMPLATE = textwrap.dedent("""\
    Parameters:
      environmentSuffix: {Type: String}
    Resources:
      Topic:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: !Sub 'alerts-${environmentSuffix}'
    """)


def test_metadata_and_settings() -> None:
    fixer = ParameterCase()
    assert (fixer.code, fixer.name) == ("CFX203", "parameter-case")
    assert fixer.applicability is Applicability.UNSAFE
    assert fixer.settings_model is ParameterCaseSettings
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:",
                    "## Fix safety", "## Options", "## References"):
        assert section in ParameterCase.docs()
    assert ParameterCaseSettings().canonical_parameters == []
    with pytest.raises(ValidationError):
        ParameterCaseSettings.model_validate({"canonical-parameters": ["Environment-Suffix"]})


def test_nothing_is_reported_until_names_are_configured() -> None:
    assert find(TEMPLATE) == []
    assert find(TEMPLATE, "ProjectName") == []
    assert find(TEMPLATE, "environmentSuffix") == []  # already the canonical name


def test_renamed_with_its_references() -> None:
    (finding,) = find(TEMPLATE, "EnvironmentSuffix")
    assert finding.path == ("Parameters", "environmentSuffix")
    assert finding.fix is not None
    assert finding.fix.edits[0] == RenameKey(path=("Parameters", "environmentSuffix"), new_key="EnvironmentSuffix")
    assert finding.fix.note == ("renames the parameter `environmentSuffix` to `EnvironmentSuffix` "
                                "and the place that names it")


@pytest.mark.parametrize(("text", "canonical", "reason"), [
    (TEMPLATE + "Outputs:\n  EnvironmentSuffix: {Value: x}\n", ("EnvironmentSuffix",),
     "`EnvironmentSuffix` is already a logical id"),
    (TEMPLATE.replace("Parameters:\n", "Parameters:\n  ENVIRONMENTSUFFIX: {Type: String}\n"),
     ("EnvironmentSuffix",), "`ENVIRONMENTSUFFIX` also differs only in case"),
    (TEMPLATE, ("EnvironmentSuffix", "ENVIRONMENTSuffix"), "differ only in case; which one is meant"),
    ("Transform: MyMacro\n" + TEMPLATE, ("EnvironmentSuffix",), "(MyMacro) rewrites the template"),
])
def test_no_fix_and_why(text: str, canonical: tuple[str, ...], reason: str) -> None:
    findings = [f for f in find(text, *canonical) if f.path == ("Parameters", "environmentSuffix")]
    (finding,) = findings
    assert finding.fix is None
    assert finding.no_fix_reason is not None and reason in finding.no_fix_reason
