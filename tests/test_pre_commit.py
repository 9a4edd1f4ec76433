"""The pre-commit hooks, run by the real ``pre-commit try-repo`` against this checkout.

pre-commit installs cfnfix from this repository into its own virtual environment (from the
package registry, as a user's machine would), so the test takes a minute and is marked slow;
it runs in CI all the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

NO_NAME = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  O:\n"
           "    Value: !Ref T\n    Export:\n")
ROLE = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      RoleName: fixed-name\n      AssumeRolePolicyDocument: {}\n")

pytestmark = pytest.mark.slow


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout as a git repository with its working tree committed (pre-commit clones a commit)."""
    copy = tmp_path_factory.mktemp("cfnfix-src") / "cfnfix"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", ".*cache",
                                                                ".hypothesis", "build"))
    _git("init", "-q", cwd=copy)
    _git("add", "-A", cwd=copy)
    _git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "snapshot", cwd=copy)
    return copy


def _try_repo(source: Path, hook: str, repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(source), hook, "--all-files"],
                          cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=900)


def test_the_hooks_fix_check_and_pass_once_fixed(source: Path, tmp_path: Path) -> None:
    repo = tmp_path / "infra"
    (repo / "templates").mkdir(parents=True)
    (repo / "templates" / "topic.yaml").write_text(NO_NAME)
    (repo / "templates" / "role.yaml").write_text(ROLE)
    (repo / "values.yaml").write_text("replicas: 2\n")  # not a template: passed over
    _git("init", "-q", cwd=repo)
    _git("add", "-A", cwd=repo)
    home = tmp_path / "pre-commit-home"

    checked = _try_repo(source, "cfnfix-check", repo, home)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "templates/topic.yaml:8:5: CFX002 [*]" in checked.stdout
    assert (repo / "templates" / "topic.yaml").read_text() == NO_NAME

    fixed = _try_repo(source, "cfnfix", repo, home)
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr  # a file changed (and CFX004 needs --unsafe-fixes)
    assert "files were modified by this hook" in fixed.stdout
    assert "Name: !Sub '${AWS::StackName}-O'" in (repo / "templates" / "topic.yaml").read_text()

    (repo / "templates" / "role.yaml").write_text(ROLE.replace("  R:\n", "  # cfnfix: ignore[CFX004]\n  R:\n"))
    _git("add", "-A", cwd=repo)
    clean = _try_repo(source, "cfnfix", repo, home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
