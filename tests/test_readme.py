"""The README's library example runs as written, and its quick-start example has fixes to show."""

from __future__ import annotations

import re
import subprocess
import sys

from cfnfix.registry import all_fixers
from tests.conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_library_example_runs(capsys: object) -> None:
    section = README.split("## The library", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    exec(compile(code.group(1), "README.md", "exec"), {})


def test_quick_start_example_prints_a_diff() -> None:
    first = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first is not None and "examples/payment-db.yaml" in first.group(1)
    done = run_cli("fix", "--unsafe-fixes", "examples/payment-db.yaml", cwd=ROOT)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("--- a/examples/payment-db.yaml\n+++ b/examples/payment-db.yaml\n")
    for code in ("CFX001 x2", "CFX002 x1", "CFX005 x1"):
        assert code in done.stderr


def test_generated_docs_are_up_to_date() -> None:
    """The README's fixer table, docs/rules/*.md and docs/findings.schema.json come from the fixers."""
    done = subprocess.run([sys.executable, "-m", "cfnfix.docs", "--check", str(ROOT)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, f"run python -m cfnfix.docs: {done.stdout}"
    for fixer in all_fixers():
        page = (ROOT / "docs" / "rules" / f"{fixer.code}.md").read_text(encoding="utf-8")
        assert page.startswith(f"# {fixer.code} {fixer.name}\n") and fixer.docs() in page
        assert f"[{fixer.code}](docs/rules/{fixer.code}.md)" in README
