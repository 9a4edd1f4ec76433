"""Shared test helpers: paths, the cfn-lint oracle (cached by text) and the CLI runner."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


@functools.cache
def lint(text: str, filename: str = "template.yaml") -> frozenset[tuple[str, str]]:
    """cfn-lint's findings of a template text as (rule id, message) pairs."""
    import cfnlint.api

    return frozenset((m.rule.id, m.message) for m in cfnlint.api.lint(text))


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``cfnfix``; stdout and stderr are decoded without newline translation (CRLF stays)."""
    done = subprocess.run(
        [sys.executable, "-m", "cfnfix", *args], capture_output=True, cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"}, check=False,
    )
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8"),
                                       done.stderr.decode("utf-8"))
