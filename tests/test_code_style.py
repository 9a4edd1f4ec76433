"""The code base stays ruff- and mypy-clean (both are test dependencies)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_ruff_is_clean() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "cfnfix", "fixers", "tests", "bench"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_mypy_is_clean() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_no_fixer_imports_another_fixer() -> None:
    for path in (ROOT / "fixers").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) (fixers|cfnfix_fixers)\b|^\s*from \. import", text, re.M), path.name
