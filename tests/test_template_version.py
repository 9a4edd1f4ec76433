"""CFX005 template-version: what ``TemplateVersion.find`` reports and the edit it proposes."""

from __future__ import annotations

import json
import textwrap

import yaml

from cfnfix.models import Finding, InsertKey, Options, SetValue
from cfnfix.template import Template, to_data
from cfnfix_fixers.template_version import TemplateVersion


def find(text: str, fmt: str = "yaml") -> list[Finding]:
    text = textwrap.dedent(text)
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    template = Template(to_data(node), node, "json" if fmt == "json" else "yaml")
    return list(TemplateVersion().find(template, Options()))


def test_missing_version_is_inserted_first() -> None:
    (finding,) = find("""
        Description: 'StreamFlix High Availability Database Infrastructure'
        Resources:
          Topic:
            Type: AWS::SNS::Topic
    """)
    assert finding.code == "CFX005" and finding.path == ()
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert edit == InsertKey(path=(), key="AWSTemplateFormatVersion", value="2010-09-09", first=True)


def test_json_template_without_version() -> None:
    text = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}, indent=2)
    (finding,) = find(text, "json")
    assert finding.fix is not None
    assert isinstance(finding.fix.edits[0], InsertKey)


def test_quoted_and_unquoted_versions_are_fine() -> None:
    for value in ("'2010-09-09'", '"2010-09-09"', "2010-09-09"):
        assert find(f"AWSTemplateFormatVersion: {value}\nResources: {{}}\n") == []


def test_version_anywhere_in_the_template_is_fine() -> None:
    assert find("""
        Description: x
        Resources:
          Topic:
            Type: AWS::SNS::Topic
        AWSTemplateFormatVersion: '2010-09-09'
    """) == []


def test_wrong_version_is_set() -> None:
    for value in ("2012-10-17", "'2010-09-10'", "1"):
        (finding,) = find(f"AWSTemplateFormatVersion: {value}\nResources: {{}}\n")
        assert finding.path == ("AWSTemplateFormatVersion",)
        assert finding.fix is not None
        assert finding.fix.edits == (SetValue(path=("AWSTemplateFormatVersion",), value="2010-09-09"),)


def test_empty_version_is_set() -> None:
    (finding,) = find("AWSTemplateFormatVersion:\nResources: {}\n")
    assert "empty" in finding.message
    assert finding.fix is not None and isinstance(finding.fix.edits[0], SetValue)


def test_files_without_resources_are_not_templates() -> None:
    assert find("Parameters:\n  Environment: prod\n") == []
    assert find("- just\n- a list\n") == []


def test_template_with_version_comes_back_unchanged() -> None:
    import cfnfix

    text = "# header\nAWSTemplateFormatVersion: 2010-09-09\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
    result = cfnfix.fix(text, "template.yaml", Options(select=("CFX005",)))
    assert result.findings == [] and result.fixed == text
