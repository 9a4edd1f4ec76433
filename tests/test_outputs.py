"""Output formats as CI systems read them: SARIF checked against the official schema, GitHub
workflow commands, statistics, JSON against its published schema, colour and progress only
on a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from cfnfix import report
from cfnfix.models import Applicability, Delete, Finding, Fix
from tests.conftest import ROOT, run_cli

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
YAML = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fixed-name  # kept as a tag
      AssumeRolePolicyDocument: {}
  Topic:
    Type: AWS::SNS::Topic
    DependsOn: Role
    Properties:
      TopicName: !Sub '${Role}-topic'
Outputs:
  O:
    Value: !Ref Topic
    Export:
"""
JSON = json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}},
                   "Outputs": {"O": {"Value": {"Ref": "T"}, "Export": {}}}}, indent=2) + "\n"


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "app.yaml").write_text(YAML)
    (tmp_path / "stacks" / "queue.json").write_text(JSON)
    return tmp_path


def _apply(text: str, replacements: list[dict]) -> str:
    """A SARIF fix's whole-line replacements applied to ``text``, last first."""
    lines = text.split("\n")
    for replacement in sorted(replacements, key=lambda r: -r["deletedRegion"]["startLine"]):
        region = replacement["deletedRegion"]
        start, end = region["startLine"] - 1, region["endLine"] - 1
        inserted = replacement["insertedContent"]["text"]
        lines[start:end] = inserted.split("\n")[:-1] if inserted else []
    return "\n".join(lines)


def test_sarif_is_valid_and_its_fixes_give_what_fix_writes(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    done = run_cli("check", "--format", "sarif", "--unsafe-fixes", "stacks", cwd=tree)
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run,) = log["runs"]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert {"CFX002", "CFX004", "CFX005", "CFX103"} <= set(rules)
    assert "## Fix safety" in rules["CFX004"]["help"]["markdown"]
    # every built-in rule's helpUri is its page in the project's docs, and that page exists
    for code, rule in rules.items():
        assert rule["helpUri"] == f"https://github.com/cfnfix/cfnfix/blob/main/docs/rules/{code}.md"
        assert (ROOT / "docs" / "rules" / f"{code}.md").is_file()
    results = run["results"]
    assert {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results} == {
        ("CFX002", "stacks/app.yaml"), ("CFX004", "stacks/app.yaml"), ("CFX005", "stacks/app.yaml"),
        ("CFX103", "stacks/app.yaml"), ("CFX002", "stacks/queue.json"), ("CFX005", "stacks/queue.json")}
    for result in results:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        (fix,) = result["fixes"]
        (change,) = fix["artifactChanges"]
        uri = change["artifactLocation"]["uri"]
        original = (tree / uri).read_text()
        alone = run_cli("fix", "--unsafe-fixes", "--select", result["ruleId"], uri, cwd=tree)
        patched = tmp_path / "patched"
        patched.mkdir(exist_ok=True)
        (patched / "t").write_text(original)
        subprocess.run(["patch", "-s", "-p1", "-o", str(patched / "expected"), str(patched / "t")],
                       input=alone.stdout.replace(f"a/{uri}", "a/t").replace(f"b/{uri}", "b/t").encode(),
                       check=True, cwd=patched, capture_output=True)
        assert _apply(original, change["replacements"]) == (patched / "expected").read_text(), result["ruleId"]


def test_sarif_is_cut_to_githubs_limits_and_says_so() -> None:
    finding = Finding(code="CFX002", name="export-name", message="m", path=("Outputs",), line=1, column=1,
                      filename="t.yaml", fix=Fix(edits=(Delete(path=("Outputs",)),), applicability=Applicability.SAFE))
    many = [report.Reported(finding, False)] * (report.SARIF_MAX_RESULTS + 7)
    log, notice = report.sarif_report(many, [], "0")
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run,) = log["runs"]
    assert len(run["results"]) == report.SARIF_MAX_RESULTS
    assert "7 results left out" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert notice.startswith("cfnfix: SARIF cut to 25,000 results (7 left out)")


def test_github_annotations_escape_what_workflow_commands_require(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    (tree / "stacks" / "a,b:c.yaml").write_text(YAML)
    done = run_cli("check", "--format", "github", "stacks/a,b:c.yaml", cwd=tree)
    lines = done.stdout.splitlines()
    assert "::warning file=stacks/a%2Cb%3Ac.yaml,line=15,col=5,title=CFX002 export-name [*]::Output `O` has an " \
           "`Export` that is null; an export needs a `Name`" in lines
    assert all(line.startswith(("::warning file=", "::notice file=")) for line in lines)
    assert report.github_report([report.Reported(Finding(code="X1", name="x", message="50%\nnext", path=(),
                                                         line=2, column=3, filename="f"), False)]) == \
        "::notice file=f,line=2,col=3,title=X1 x::50%25%0Anext\n"


def test_statistics_count_per_code(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    done = run_cli("check", "--statistics", "stacks", cwd=tree)
    assert done.stdout.splitlines() == ["2\tCFX002\t[*] export-name", "2\tCFX005\t[*] template-version",
                                        "1\tCFX004\t    iam-role-name", "1\tCFX103\t[*] redundant-depends-on"]


def test_output_file_and_fix_summary_formats(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    done = run_cli("check", "--format", "json", "--output-file", "out/findings.json", "stacks", cwd=tree)
    assert (done.returncode, done.stdout) == (2, "")  # the folder does not exist
    (tree / "out").mkdir()
    done = run_cli("check", "--format", "json", "--output-file", "out/findings.json", "stacks", cwd=tree)
    assert (done.returncode, done.stdout) == (1, "")
    findings = json.loads((tree / "out" / "findings.json").read_text())
    jsonschema.validate(findings, report.findings_schema())
    assert len(findings) == 6
    fixed = run_cli("fix", "--apply", "--format", "sarif", "-o", "out/left.sarif", "stacks", cwd=tree)
    assert fixed.returncode == 1
    left = json.loads((tree / "out" / "left.sarif").read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(left)
    assert [r["ruleId"] for r in left["runs"][0]["results"]] == ["CFX004"]  # unsafe, so not applied
    github = run_cli("fix", "--apply", "--unsafe-fixes", "--format", "github", "stacks", cwd=tree)
    assert github.returncode == 0 and "::" not in github.stderr


def test_the_published_json_schema_is_up_to_date() -> None:
    published = json.loads((ROOT / "docs" / "findings.schema.json").read_text())
    assert published == report.findings_schema(), "run python -m cfnfix.docs"


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What ``cfnfix`` writes to stdout and stderr when both are a terminal."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "cfnfix", *args], cwd=cwd, stdout=follower, stderr=follower,
                               env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("no_color", [False, True])
def test_colour_only_on_a_terminal_without_no_color(tmp_path: Path, no_color: bool) -> None:
    tree = _tree(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")}
    env.update({"TERM": "xterm-256color", **({"NO_COLOR": "1"} if no_color else {})})
    shown = _on_a_terminal(["check", "stacks"], tree, env)
    assert "CFX002" in shown
    assert ("\x1b[" in shown) is not no_color
    piped = run_cli("check", "stacks", cwd=tree)
    assert "\x1b[" not in piped.stdout + piped.stderr


@pytest.mark.parametrize("ci", [False, True])
def test_a_progress_bar_for_many_files_on_a_terminal_outside_ci(tmp_path: Path, ci: bool) -> None:
    for i in range(40):
        (tmp_path / f"t{i:02}.yaml").write_text(YAML)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({"TERM": "xterm-256color", "NO_COLOR": "1", **({"CI": "true"} if ci else {})})
    shown = _on_a_terminal(["check", "--statistics", "."], tmp_path, env)
    assert ("Checking templates" in shown) is not ci
    assert "CFX002" in shown
