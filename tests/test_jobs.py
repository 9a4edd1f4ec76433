"""``--jobs N`` processes files in N processes and prints exactly what ``--jobs 1`` prints."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import CORPUS, GOLDEN, run_cli

TREE = CORPUS if CORPUS.is_dir() else GOLDEN


@pytest.mark.parametrize("command", [("check",), ("check", "--format", "json"), ("fix", "--unsafe-fixes")],
                         ids=["check", "check-json", "fix-diff"])
def test_parallel_output_equals_serial_output(command: tuple[str, ...]) -> None:
    serial = run_cli(*command, "--no-cache", "--jobs", "1", str(TREE))
    parallel = run_cli(*command, "--no-cache", "--jobs", "2", str(TREE))
    assert serial.stdout, serial.stderr
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout,
                                                                       serial.stderr)


def test_parallel_apply_writes_what_serial_apply_writes(tmp_path: Path) -> None:
    trees = []
    for jobs in ("1", "2"):
        tree = tmp_path / f"jobs{jobs}"
        shutil.copytree(TREE, tree)
        for path in tree.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        done = run_cli("fix", "--apply", "--unsafe-fixes", "--no-cache", "--jobs", jobs, ".", cwd=tree)
        trees.append((done.returncode, done.stderr, {p.relative_to(tree): p.read_bytes()
                                                     for p in sorted(tree.rglob("*")) if p.is_file()}))
    assert trees[0] == trees[1]
