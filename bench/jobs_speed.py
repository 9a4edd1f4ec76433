"""The speed-up of ``--jobs N`` over ``--jobs 1`` for ``cfnfix check`` and ``cfnfix fix`` (a dry run)
on a tree of templates, checking that the output is the same.

Each command runs over the whole tree and over one of its templates (best of ``--runs`` runs,
``--jobs 1`` and ``--jobs N`` alternated, so that a slower spell of the machine hits both). The
whole-run ratio includes start-up, which one process does before any other can share the work;
the per-template ratio cancels it (the time over all less the time over one, divided by the
number of templates less one), as ``check_speed.py`` does.

    .venv/bin/python bench/jobs_speed.py ../shared/corpus [--jobs 2] [--runs 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

SUFFIXES = (".yaml", ".yml", ".json", ".template")


def timed(command: list[str]) -> tuple[float, tuple[int, str, str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, (done.returncode, done.stdout, done.stderr)


def best_pair(base: list[str], target: str, jobs: int, runs: int) -> tuple[float, float, bool]:
    """(best --jobs 1 time, best --jobs N time, whether their outputs were the same)."""
    serials, parallels, same = [], [], True
    for _ in range(runs):
        serial, serial_out = timed([*base, "--jobs", "1", target])
        parallel, parallel_out = timed([*base, "--jobs", str(jobs), target])
        serials.append(serial)
        parallels.append(parallel)
        same = same and serial_out == parallel_out
    return min(serials), min(parallels), same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = sorted(p for p in Path(args.path).rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    one = str(files[0])
    count = max(len(files), 2)
    for command in (["check"], ["fix", "--unsafe-fixes"]):
        base = [sys.executable, "-m", "cfnfix", *command, "--no-cache"]
        serial, parallel, same = best_pair(base, args.path, args.jobs, args.runs)
        serial_one, parallel_one, _ = best_pair(base, one, args.jobs, args.runs)
        label = f"cfnfix {' '.join(command)}"
        print(f"{label:<26} whole run     --jobs 1 {serial:6.2f} s    --jobs {args.jobs} {parallel:6.2f} s    "
              f"{serial / parallel:4.2f}x   {'same output' if same else 'OUTPUT DIFFERS'}")
        serial_each, parallel_each = (serial - serial_one) / (count - 1), (parallel - parallel_one) / (count - 1)
        print(f"{label:<26} per template  --jobs 1 {serial_each * 1000:6.2f} ms   --jobs {args.jobs} "
              f"{parallel_each * 1000:6.2f} ms   {serial_each / parallel_each:4.2f}x   "
              f"(start-up cancelled: {len(files)} files against one)")


if __name__ == "__main__":
    main()
