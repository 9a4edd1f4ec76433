"""Unit tests of CFX205 global-table-replicas: which replica lists it reports, and the lines it suggests."""

from __future__ import annotations

import pytest

from cfnfix.models import Applicability
from cfnfix_fixers.global_table_replicas import GlobalTableReplicas
from tests.fixer_helpers import DOC_SECTIONS, findings

HEAD = """\
Resources:
  Table:
    Type: AWS::DynamoDB::GlobalTable
    Properties:
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      BillingMode: PAY_PER_REQUEST
"""


def check(replicas: str, **options: object) -> list[str]:
    return [f.message for f in findings(GlobalTableReplicas(), HEAD + "      Replicas: " + replicas + "\n", **options)]


def test_metadata() -> None:
    fixer = GlobalTableReplicas()
    assert (fixer.code, fixer.name, fixer.applicability) == ("CFX205", "global-table-replicas", Applicability.DISPLAY)
    assert all(section in fixer.docs() for section in DOC_SECTIONS)


@pytest.mark.parametrize("replicas", [
    "[{Region: !Ref 'AWS::Region'}]",
    "[{Region: us-east-1}]",
    "[{Region: !Ref ReplicaRegion}]",
    "!If [Global, [{Region: us-east-1}, {Region: us-west-2}], [{Region: us-east-1}]]",
    "[]",
])
def test_one_replica_in_the_deploy_region_is_fine(replicas: str) -> None:
    assert check(replicas) == []


def test_a_literal_region_is_judged_against_the_target_regions() -> None:
    assert check("[{Region: eu-west-1}]", regions=("eu-west-1",)) == []
    assert check("[{Region: us-east-1}]", regions=("eu-west-1",))
    (message,) = check("[{Region: us-east-1}]", regions=("us-east-1", "eu-west-1"))
    assert "the stack in `eu-west-1` has no replica in its own region" in message


@pytest.mark.parametrize("replicas", [
    "[{Region: !Ref 'AWS::Region'}, {Region: us-west-2}]",
    "[{Region: !Ref 'AWS::Region'}, {Region: !Ref Other}]",
    "[{Region: us-east-1}, {Region: us-east-1}]",
])
def test_more_than_one_replica_is_reported(replicas: str) -> None:
    assert len(check(replicas)) == 1


def test_the_suggestion_keeps_the_deploy_region_replica() -> None:
    text = HEAD + """\
      Replicas:
        - Region: us-west-2
          TableClass: STANDARD
        - Region: us-east-1
          TableClass: STANDARD_INFREQUENT_ACCESS
"""
    (finding,) = findings(GlobalTableReplicas(), text)
    assert finding.path == ("Resources", "Table", "Properties", "Replicas")
    assert finding.suggestion == "Replicas:\n  - Region: !Ref AWS::Region\n    TableClass: STANDARD_INFREQUENT_ACCESS"
    (elsewhere,) = findings(GlobalTableReplicas(), text, regions=("eu-west-1",))
    assert elsewhere.suggestion == "Replicas:\n  - Region: !Ref AWS::Region\n    TableClass: STANDARD"
