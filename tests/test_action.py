"""The GitHub Action (action.yml): its steps run here as a runner runs them.

Each step's ``run`` script goes to ``bash --noprofile --norc -eo pipefail`` with its ``env``
(``${{ inputs.* }}`` and ``${{ github.action_path }}`` filled in), and with ``RUNNER_TEMP``,
``GITHUB_PATH``, ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` as files, so that the install
step really builds a virtual environment from this checkout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
TEMPLATE = ("Parameters:\n  Token:\n    Default: Sup3rS3cret!\n    Type: String\n    NoEcho: true\nResources:\n"
            "  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Token\nOutputs:\n  O:\n"
            "    Value: !Ref T\n    Export:\n")


class Runner:
    """Just enough of a GitHub runner for a composite action's bash steps."""

    def __init__(self, workspace: Path, temp: Path) -> None:
        self.workspace, self.temp = workspace, temp
        self.path_file, self.summary = temp / "path", temp / "summary.md"
        self.path_file.touch()
        self.installed = False

    def run(self, inputs: dict[str, str]) -> dict[str, tuple[int, dict[str, str]]]:
        """Every step whose ``if`` holds: its exit code and outputs, by id (or name)."""
        values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
        results = {}
        for step in ACTION["runs"]["steps"]:
            condition = step.get("if")
            if condition:
                match = re.fullmatch(r"inputs\.(\S+) == '([^']*)'", condition)
                assert match, f"unsupported condition: {condition}"
                if values[match[1]] != match[2]:
                    continue
            if step["name"] == "Install cfnfix" and self.installed:
                continue  # a runner installs once per job; the second test's job reuses it
            output = self.temp / f"output-{len(results)}"
            output.touch()
            env = {**os.environ, "RUNNER_TEMP": str(self.temp), "GITHUB_PATH": str(self.path_file),
                   "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(self.summary)}
            env.pop("CI", None)
            added = [line for line in self.path_file.read_text().splitlines() if line]
            env["PATH"] = os.pathsep.join([*reversed(added), env["PATH"]])
            for key, value in (step.get("env") or {}).items():
                env[key] = self._expand(str(value), values)
            assert step["shell"] == "bash"
            done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                  cwd=self.workspace, env=env, capture_output=True, text=True, timeout=900,
                                  check=False)
            outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
            results[step.get("id", step["name"])] = (done.returncode, outputs)
            if step["name"] == "Install cfnfix":
                assert done.returncode == 0, done.stderr
                self.installed = True
        return results

    @staticmethod
    def _expand(value: str, inputs: dict[str, str]) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match[1].strip()
            if expression == "github.action_path":
                return str(ROOT)
            assert expression.startswith("inputs."), expression
            return inputs[expression.removeprefix("inputs.")]

        return re.sub(r"\$\{\{(.*?)\}\}", one, value)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    workspace, temp = tmp_path_factory.mktemp("workspace"), tmp_path_factory.mktemp("runner-temp")
    (workspace / "templates").mkdir()
    (workspace / "templates" / "topic.yaml").write_text(TEMPLATE)
    return Runner(workspace, temp)


def test_check_mode_writes_valid_sarif_and_findings_do_not_fail_the_step(runner: Runner) -> None:
    results = runner.run({"paths": "templates", "sarif-file": "out.sarif"})
    code, outputs = results["check"]
    assert code == 0 and outputs == {"sarif-file": "out.sarif", "exit-code": "1"}
    log = json.loads((runner.workspace / "out.sarif").read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"CFX002", "CFX005"}
    assert "Sup3rS3cret!" not in (runner.workspace / "out.sarif").read_text()


def test_fix_mode_writes_the_diff_to_the_job_summary_and_fails_when_a_fix_is_due(runner: Runner) -> None:
    results = runner.run({"paths": "templates", "mode": "fix", "args": "--unsafe-fixes"})
    code, outputs = results["fix"]
    assert code == 1 and outputs["exit-code"] == "1"
    summary = runner.summary.read_text()
    assert summary.startswith("## Would fix ")
    assert "```diff\n--- a/templates/topic.yaml\n+++ b/templates/topic.yaml\n" in summary
    assert "+      Name: !Sub '${AWS::StackName}-O'" in summary
    assert "Sup3rS3cret!" not in summary and "Default: ****" in summary
    assert (runner.workspace / "templates" / "topic.yaml").read_text() == TEMPLATE


def test_the_action_declares_what_the_readme_shows() -> None:
    readme = (ROOT / "README.md").read_text()
    example = readme.split("## GitHub Action", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow: dict[str, Any] = yaml.safe_load(example)
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    ours = [s for s in steps if "cfnfix" in str(s.get("uses", ""))]
    assert ours and all(set(s.get("with", {})) <= set(ACTION["inputs"]) for s in ours)
    assert any("upload-sarif" in str(s.get("uses", "")) for s in steps)
