"""The command-line contract: output formats, exit codes, bad input, directory walking."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tests.conftest import run_cli

NO_EXPORT_NAME = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T:\n    Type: AWS::SNS::Topic\n" \
    "Outputs:\n  O:\n    Value: !Ref T\n    Export:\n"
CLEAN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T:\n    Type: AWS::SNS::Topic\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def test_check_prints_findings_and_exits_1(tmp_path: Path) -> None:
    _write(tmp_path / "t.yaml", NO_EXPORT_NAME)
    done = run_cli("check", "t.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["t.yaml:8:5: CFX002 [*] Output `O` has an `Export` with no `Name`"] or (
        done.stdout.startswith("t.yaml:8:5: CFX002 [*] ")
    )


def test_check_clean_exits_0(tmp_path: Path) -> None:
    _write(tmp_path / "t.yaml", CLEAN)
    done = run_cli("check", "t.yaml", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "")


def test_check_json_is_the_models(tmp_path: Path) -> None:
    _write(tmp_path / "t.yaml", NO_EXPORT_NAME)
    done = run_cli("check", "--format", "json", "t.yaml", cwd=tmp_path)
    assert done.returncode == 1
    findings = json.loads(done.stdout)
    assert findings[0]["code"] == "CFX002"
    assert findings[0]["path"] == ["Outputs", "O", "Export"]
    assert findings[0]["fix"]["applicability"] == "safe"


def test_dry_run_prints_a_git_style_diff_and_writes_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.yaml", NO_EXPORT_NAME)
    done = run_cli("fix", "t.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("--- a/t.yaml\n+++ b/t.yaml\n@@")
    assert "+      Name: !Sub '${AWS::StackName}-O'" in done.stdout
    assert path.read_text() == NO_EXPORT_NAME


def test_apply_writes_keeps_mode_and_exits_0_when_nothing_remains(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.yaml", NO_EXPORT_NAME)
    os.chmod(path, 0o640)
    done = run_cli("fix", "--apply", "t.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Fixed 1 finding in 1 file (CFX002 x1)." in done.stderr
    assert path.read_text().endswith("    Export:\n      Name: !Sub '${AWS::StackName}-O'\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["t.yaml"]
    assert run_cli("fix", "t.yaml", cwd=tmp_path).returncode == 0


def test_unsafe_fixes_are_listed_not_applied_without_the_flag(tmp_path: Path) -> None:
    text = CLEAN.replace("  T:\n    Type: AWS::SNS::Topic\n", "  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
                         "      RoleName: fixed-name\n      AssumeRolePolicyDocument: {}\n")
    path = _write(tmp_path / "t.yaml", text)
    done = run_cli("check", "t.yaml", cwd=tmp_path)
    assert "CFX004 [unsafe]" in done.stdout
    assert run_cli("fix", "--apply", "t.yaml", cwd=tmp_path).returncode == 1
    assert path.read_text() == text
    assert run_cli("fix", "--apply", "--unsafe-fixes", "t.yaml", cwd=tmp_path).returncode == 0
    assert "RoleName" not in path.read_text()


def test_select_and_ignore_take_codes_and_names(tmp_path: Path) -> None:
    _write(tmp_path / "t.yaml", NO_EXPORT_NAME.replace("AWSTemplateFormatVersion: '2010-09-09'\n", ""))
    assert "CFX005" not in run_cli("check", "--select", "export-name", "t.yaml", cwd=tmp_path).stdout
    assert "CFX002" not in run_cli("check", "--ignore", "CFX002", "t.yaml", cwd=tmp_path).stdout
    both = run_cli("check", "--select", "CFX002,template-version", "t.yaml", cwd=tmp_path).stdout
    assert "CFX002" in both and "CFX005" in both
    bad = run_cli("check", "--select", "CFX999", "t.yaml", cwd=tmp_path)
    assert bad.returncode == 2 and "CFX999" in bad.stderr


def test_bad_input_is_one_line_exit_2_and_other_files_still_processed(tmp_path: Path) -> None:
    broken = _write(tmp_path / "d" / "broken.yaml", "Resources:\n  A:\n    Type: x\n  - nope\n")
    bad_json = _write(tmp_path / "d" / "bad.json", '{\n  "Resources": {\n    "A": 1,\n  }\n}\n')
    undecodable = tmp_path / "d" / "latin.yaml"
    undecodable.write_bytes(b"Resources:\n  A:\n    Type: caf\xe9\n")
    good = _write(tmp_path / "d" / "good.yaml", NO_EXPORT_NAME)
    done = run_cli("fix", "--apply", "d", "missing.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith("d/broken.yaml:4: ") for line in lines), lines
    assert any(line.startswith("d/bad.json:4:3: invalid JSON") for line in lines), lines
    assert any(line.startswith("d/latin.yaml:3: not UTF-8") for line in lines), lines
    assert "missing.yaml:1: no such file or directory" in lines
    assert broken.read_text() == "Resources:\n  A:\n    Type: x\n  - nope\n"
    assert bad_json.read_bytes().startswith(b'{\n  "Resources"')
    assert "Name:" in good.read_text()


def test_directories_skip_vcs_dependencies_and_non_templates(tmp_path: Path) -> None:
    for skipped in (".git", "node_modules", "cdk.out", ".hidden"):
        _write(tmp_path / skipped / "t.yaml", NO_EXPORT_NAME)
    _write(tmp_path / "config.yaml", "name: not a template\nitems: [1, 2]\n")
    _write(tmp_path / "package.json", '{"name": "x"}')
    _write(tmp_path / "sub" / "t.yml", NO_EXPORT_NAME)
    done = run_cli("check", ".", cwd=tmp_path)
    assert done.returncode == 1
    assert [line.split(":")[0] for line in done.stdout.splitlines()] == ["./sub/t.yml"]


def test_regions_option_and_cfnlintrc(tmp_path: Path) -> None:
    text = ("Mappings:\n  Zones:\n    us-east-1:\n      AZs: [us-east-1a, us-east-1b]\nResources:\n  S:\n"
            "    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: vpc-1\n      CidrBlock: 10.0.0.0/24\n"
            "      AvailabilityZone: !Select [0, !FindInMap [Zones, !Ref 'AWS::Region', AZs]]\n")
    _write(tmp_path / "t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n" + text)
    assert run_cli("check", "t.yaml", cwd=tmp_path).returncode == 0
    assert "eu-west-1" in run_cli("check", "--regions", "eu-west-1", "t.yaml", cwd=tmp_path).stdout
    _write(tmp_path / ".cfnlintrc", "regions:\n  - ap-south-1\n")
    assert "ap-south-1" in run_cli("check", "t.yaml", cwd=tmp_path).stdout


def test_rule_shows_the_docs() -> None:
    done = run_cli("rule", "CFX002")
    assert done.returncode == 0
    assert "## What it does" in done.stdout and "## Fix safety" in done.stdout


def test_an_unparsable_non_template_found_in_a_directory_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "chart" / "templates" / "deployment.yaml", "spec:\n  replicas: {{ .Values.n }}\n  - x\n")
    _write(tmp_path / "t.yaml", NO_EXPORT_NAME)
    done = run_cli("check", ".", cwd=tmp_path)
    assert (done.returncode, done.stderr.count("\n")) == (1, 1), done.stderr
    named = run_cli("check", "chart/templates/deployment.yaml", cwd=tmp_path)
    assert named.returncode == 2 and named.stderr.startswith("chart/templates/deployment.yaml:")
