"""``--verify``: fixes are kept only when cfn-lint reports nothing new."""

from __future__ import annotations

from pathlib import Path

import cfnfix
from cfnfix.loader import Source
from cfnfix.pipeline import Outcome
from cfnfix.verify import introduced, verify
from tests.conftest import run_cli

CLEAN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T:\n    Type: AWS::SNS::Topic\n"
NO_EXPORT_NAME = CLEAN + "Outputs:\n  O:\n    Value: !Ref T\n    Export:\n"


def test_a_change_that_adds_a_cfn_lint_finding_is_undone() -> None:
    worse = CLEAN.replace("Resources:", "Parameters:\n  Unused:\n    Type: String\nResources:")
    assert [rule for rule, _ in introduced(CLEAN, worse, ("us-east-1",))] == ["W2001"]
    outcome = Outcome("t.yaml", Source(CLEAN, False, "yaml"), worse)
    reason = verify(outcome, ("us-east-1",))
    assert reason is not None and reason.startswith("t.yaml: fixes not kept: cfn-lint reports 1 new finding(s): W2001")
    assert outcome.text == CLEAN and not outcome.changed


def test_a_clean_fix_is_kept() -> None:
    result = cfnfix.fix(NO_EXPORT_NAME, "t.yaml", cfnfix.Options(verify=True))
    assert result.not_kept is None and result.changed


def test_cli_verify_with_apply_and_dry_run(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(NO_EXPORT_NAME)
    dry = run_cli("fix", "--verify", "t.yaml", cwd=tmp_path)
    assert dry.returncode == 1 and "+      Name: !Sub" in dry.stdout
    done = run_cli("fix", "--verify", "--apply", "t.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Name: !Sub" in (tmp_path / "t.yaml").read_text()
