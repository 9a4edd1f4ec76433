"""A warm cache against a cold run: ``cfnfix check`` twice over a copy of a tree of templates
(in a fresh project, so the first run fills the cache and the second reads it), and the
outputs compared:

    .venv/bin/python bench/cache_speed.py ../shared/corpus
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        shutil.copytree(args.path, project / "templates")
        (project / ".git").mkdir()
        command = [sys.executable, "-m", "cfnfix", "check", "templates"]
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            done = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
            runs.append((time.perf_counter() - started, done.stdout, done.stderr, done.returncode))
        (cold, *cold_out), (warm, *warm_out) = runs
        same = "same output" if cold_out == warm_out else "OUTPUT DIFFERS"
        print(f"cold {cold:5.2f} s   warm {warm:5.2f} s   {cold / warm:4.1f}x   {same}")


if __name__ == "__main__":
    main()
