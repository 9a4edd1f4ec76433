"""What ``cfnfix check`` imports: never cfn-lint (its data is read from its package without importing it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import GOLDEN

PROBE = """
import sys
from cfnfix.cli import main
sys.argv = ["cfnfix", "check", "--jobs", "1", *sys.argv[1:]]  # in this process, to see its modules
try:
    main()
except SystemExit:
    pass
print("CFNLINT-IMPORTED" if any(m == "cfnlint" or m.startswith("cfnlint.") for m in sys.modules) else "CLEAN")
"""


def test_check_never_imports_cfn_lint(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, str(GOLDEN)], capture_output=True, text=True, check=False,
                          cwd=tmp_path)
    assert done.stdout.strip().splitlines()[-1] == "CLEAN", done.stdout[-500:] + done.stderr[-500:]
