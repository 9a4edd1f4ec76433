"""Start-up: median wall time of ``cfnfix --help``, ``cfnfix rules`` and ``cfnfix check`` on one small
template (best of the medians' spread hidden: ``--runs`` runs each), against a bare ``python -c pass``:

    .venv/bin/python bench/startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def median(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        small = Path(directory) / "t.yaml"
        small.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T:\n    Type: AWS::SNS::Topic\n")
        floor = median([sys.executable, "-c", "pass"], args.runs)
        print(f"{'python -c pass':<28} {floor:6.3f} s")
        for command in (["--help"], ["rules"], ["check", str(small)]):
            seconds = median([sys.executable, "-m", "cfnfix", *command], args.runs)
            label = "cfnfix " + " ".join(command).replace(str(small), "t.yaml")
            print(f"{label:<28} {seconds:6.3f} s")


if __name__ == "__main__":
    main()
