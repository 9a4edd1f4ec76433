"""The speed-up of ``--jobs N`` over ``--jobs 1`` for ``cfnfix check`` and ``cfnfix fix`` (a dry run)
on a tree of templates, best of ``--runs`` runs each (alternated), checking that the output is the same:

    .venv/bin/python bench/jobs_speed.py ../shared/corpus [--jobs 2] [--runs 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def best(command: list[str], runs: int) -> tuple[float, tuple[int, str, str]]:
    times, result = [], (0, "", "")
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        result = (done.returncode, done.stdout, done.stderr)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for command in (["check"], ["fix", "--unsafe-fixes"]):
        base = [sys.executable, "-m", "cfnfix", *command, "--no-cache", args.path]
        serials, parallels = [], []
        for _ in range(args.runs):  # alternated, so that a slower spell of the machine hits both
            serials.append(best([*base, "--jobs", "1"], 1))
            parallels.append(best([*base, "--jobs", str(args.jobs)], 1))
        (serial, serial_out), (parallel, parallel_out) = min(serials), min(parallels)
        same = "same output" if serial_out == parallel_out else "OUTPUT DIFFERS"
        print(f"cfnfix {' '.join(command):<20} --jobs 1 {serial:6.2f} s   --jobs {args.jobs} {parallel:6.2f} s   "
              f"{serial / parallel:4.2f}x   {same}")


if __name__ == "__main__":
    main()
