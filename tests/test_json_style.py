"""New JSON is written as the file writes intrinsic functions: on one line, or a line an entry."""

from __future__ import annotations

import json

import cfnfix

MULTI_LINE = """{
  "Resources": {
    "Topic": {"Type": "AWS::SNS::Topic"}
  },
  "Outputs": {
    "Arn": {
      "Value": {
        "Ref": "Topic"
      },
      "Export": {}
    }
  }
}
"""


def _fixed(text: str) -> str:
    result = cfnfix.fix(text, "t.json", cfnfix.Options(select=("CFX002",)))
    assert result.applied and json.loads(result.fixed)["Outputs"]["Arn"]["Export"]["Name"]
    return result.fixed


def test_a_file_that_writes_intrinsics_a_line_an_entry_gets_them_so() -> None:
    assert '"Name": {\n          "Fn::Sub": "${AWS::StackName}-Arn"\n        }\n' in _fixed(MULTI_LINE)


def test_a_file_that_writes_intrinsics_on_one_line_gets_them_so() -> None:
    inline = MULTI_LINE.replace('{\n        "Ref": "Topic"\n      }', '{"Ref": "Topic"}')
    assert '"Name": {"Fn::Sub": "${AWS::StackName}-Arn"}\n' in _fixed(inline)


def test_a_file_with_no_intrinsic_gets_them_on_one_line() -> None:
    plain = MULTI_LINE.replace('{\n        "Ref": "Topic"\n      }', '"arn:aws:sns:us-east-1:123456789012:t"')
    assert '"Name": {"Fn::Sub": "${AWS::StackName}-Arn"}\n' in _fixed(plain)
