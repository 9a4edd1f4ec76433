"""Profiles and opt-in fixers as a team uses them: real trees in temporary directories, the installed CLI.

A profile fixer (CFX206, profile ``ci``) runs only with ``--profile ci`` or ``profile = "ci"`` in
the closest configuration file; an opt-in fixer (CFX207) only when ``select`` or
``extend-select`` names it by its exact code or name. A profile nothing defines is one line and
exit 2, naming the file and key when a file gives it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cfnfix
from cfnfix.config import ConfigError
from tests.conftest import run_cli

#: a retained database (CFX206) on an Elastic IP without a Name tag (CFX207); nothing else to report
TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: '20'
      MasterUsername: dbadmin
      ManageMasterUserPassword: true
      Tags:
        - Key: Name
          Value: database
  Address:
    Type: AWS::EC2::EIP
    Properties:
      Domain: vpc
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _codes(stdout: str) -> list[str]:
    """The code of each ``check`` line, in order."""
    return [line.split(": ")[1].split()[0] for line in stdout.splitlines() if ": CFX" in line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _write(tmp_path / "t.yaml", TEMPLATE)
    return tmp_path


def test_a_profile_fixer_runs_only_with_its_profile(project: Path) -> None:
    plain = run_cli("check", "t.yaml", cwd=project)
    assert (plain.returncode, plain.stdout) == (0, ""), plain.stderr
    named = run_cli("check", "--select", "CFX206", "t.yaml", cwd=project)  # selecting it is not enough
    assert (named.returncode, _codes(named.stdout)) == (0, [])
    on = run_cli("check", "--profile", "ci", "t.yaml", cwd=project)
    assert (on.returncode, _codes(on.stdout)) == (1, ["CFX206", "CFX206"])
    assert "CFX206 [unsafe] Resource `Database` (AWS::RDS::DBInstance)" in on.stdout
    fixed = run_cli("fix", "--apply", "--unsafe-fixes", "--profile", "ci", "t.yaml", cwd=project)
    assert fixed.returncode == 0, fixed.stderr
    text = (project / "t.yaml").read_text()
    assert "DeletionPolicy: Delete\n    UpdateReplacePolicy: Delete\n" in text and "Retain" not in text


@pytest.mark.parametrize(("name", "text"), [
    (".cfnfix.toml", 'profile = "ci"\n'),
    ("cfnfix.toml", 'profile = "ci"\n'),
    ("pyproject.toml", '[project]\nname = "infra"\n\n[tool.cfnfix]\nprofile = "ci"\n'),
])
def test_a_configuration_file_turns_the_profile_on(project: Path, name: str, text: str) -> None:
    _write(project / name, text)
    done = run_cli("check", "t.yaml", cwd=project)
    assert (done.returncode, _codes(done.stdout)) == (1, ["CFX206", "CFX206"]), done.stderr
    shown = run_cli("config", "t.yaml", cwd=project)
    assert 'profile = "ci"' in shown.stdout.splitlines(), shown.stdout
    assert run_cli("check", "--isolated", "t.yaml", cwd=project).stdout == ""
    assert cfnfix.options_for(str(project / "t.yaml")).profile == "ci"


def test_the_command_line_profile_overrides_the_files_and_config_shows_it(project: Path) -> None:
    _write(project / ".cfnfix.toml", 'profile = "ci"\n')
    assert 'profile = ""' in run_cli("config", "--profile", "", "t.yaml", cwd=project).stdout.splitlines()
    assert run_cli("check", "--profile", "", "t.yaml", cwd=project).stdout == ""
    (project / ".cfnfix.toml").unlink()
    assert 'profile = ""' in run_cli("config", "t.yaml", cwd=project).stdout.splitlines()
    assert 'profile = "ci"' in run_cli("config", "--profile", "ci", "t.yaml", cwd=project).stdout.splitlines()


@pytest.mark.parametrize("command", [("check",), ("fix", "--apply"), ("config",)])
def test_an_unknown_profile_on_the_command_line_is_one_line_and_exit_2(project: Path, command: tuple[str]) -> None:
    done = run_cli(*command, "--profile", "nope", "t.yaml", cwd=project)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "cfnfix: unknown profile: nope (known: ci)\n"
    assert (project / "t.yaml").read_text() == TEMPLATE


@pytest.mark.parametrize(("name", "text", "error"), [
    (".cfnfix.toml", 'profile = "nope"\n', ".cfnfix.toml: profile: unknown profile: nope (known: ci)"),
    ("pyproject.toml", '[tool.cfnfix]\nprofile = "CI"\n',
     "pyproject.toml: tool.cfnfix.profile: unknown profile: CI (known: ci)"),
    (".cfnfix.toml", "profile = 1\n", ".cfnfix.toml: profile: Input should be a valid string"),
])
def test_a_bad_profile_in_a_file_names_the_file_and_key(project: Path, name: str, text: str, error: str) -> None:
    _write(project / name, text)
    for command in (("check",), ("fix", "--apply", "--unsafe-fixes"), ("config",)):
        done = run_cli(*command, "t.yaml", cwd=project)
        assert done.returncode == 2, (command, done.stdout)
        assert done.stderr.splitlines() == [error], (command, done.stderr)
    assert (project / "t.yaml").read_text() == TEMPLATE
    with pytest.raises(ConfigError):
        cfnfix.options_for(str(project / "t.yaml"))


def test_rules_show_the_profile_and_opt_in_columns() -> None:
    lines = {line.split()[0]: line.split() for line in run_cli("rules").stdout.splitlines()}
    assert lines["CFX206"][1:4] == ["retention-profile", "unsafe", "ci"]
    assert lines["CFX207"][1:4] == ["name-tag", "safe", "opt-in"]
    assert lines["CFX105"][3] != "ci" and lines["CFX105"][3] != "opt-in"


@pytest.mark.parametrize(("args", "runs"), [
    ((), False),
    (("--select", "CFX2"), False),  # a prefix selects the others, never an opt-in fixer
    (("--select", "CFX"), False),
    (("--extend-select", "CFX20"), False),
    (("--select", "CFX207"), True),
    (("--select", "name-tag"), True),
    (("--select", "cfx207"), True),
    (("--extend-select", "CFX207"), True),
    (("--select", "CFX2,NAME-TAG"), True),
])
def test_an_opt_in_fixer_runs_only_when_named(project: Path, args: tuple[str, ...], runs: bool) -> None:
    done = run_cli("check", *args, "t.yaml", cwd=project)
    assert ("CFX207" in _codes(done.stdout)) is runs, (done.stdout, done.stderr)
    assert done.returncode == (1 if runs else 0), done.stderr


def test_an_opt_in_fixer_named_in_a_configuration_file(project: Path) -> None:
    _write(project / ".cfnfix.toml", 'extend-select = ["name-tag"]\n')
    assert _codes(run_cli("check", "t.yaml", cwd=project).stdout) == ["CFX207"]
    _write(project / ".cfnfix.toml", 'select = ["CFX2"]\n')
    assert _codes(run_cli("check", "t.yaml", cwd=project).stdout) == []
    _write(project / ".cfnfix.toml", 'select = ["CFX207"]\nprofile = "ci"\n')
    assert sorted(_codes(run_cli("check", "t.yaml", cwd=project).stdout)) == ["CFX207"]
    _write(project / ".cfnfix.toml", 'select = ["CFX206", "CFX207"]\nprofile = "ci"\n')
    assert sorted(_codes(run_cli("check", "t.yaml", cwd=project).stdout)) == ["CFX206", "CFX206", "CFX207"]
    fixed = run_cli("fix", "--apply", "t.yaml", cwd=project)  # CFX207 is safe, CFX206 is not
    assert fixed.returncode == 1, fixed.stderr
    text = (project / "t.yaml").read_text()
    assert "Value: !Sub '${AWS::StackName}-Address'" in text and "DeletionPolicy: Retain" in text


def test_the_library_takes_the_profile_and_the_selection_as_options() -> None:
    assert [f.code for f in cfnfix.fix(TEMPLATE, "t.yaml", cfnfix.Options()).findings] == []
    with_profile = cfnfix.fix(TEMPLATE, "t.yaml", cfnfix.Options(profile="ci", unsafe_fixes=True))
    assert [f.code for f in with_profile.applied] == ["CFX206", "CFX206"]
    selected = cfnfix.fix(TEMPLATE, "t.yaml", cfnfix.Options(select=("CFX207",)))
    assert [f.code for f in selected.applied] == ["CFX207"]
