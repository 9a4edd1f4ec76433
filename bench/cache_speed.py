"""A warm cache against a cold run: ``cfnfix check`` over a copy of a tree of templates, in a fresh
project, first with an empty cache, then with the cache the first run filled; the outputs compared.

Each is timed over all the templates and over one of them (best of ``--runs``; the cache emptied
before each cold run): the whole-run ratio, and the per-template ratio with start-up cancelled
(the time over all less the time over one, which a cache cannot save).

    .venv/bin/python bench/cache_speed.py ../shared/corpus [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(command: list[str], cwd: Path) -> tuple[float, tuple[str, str, int]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, (done.stdout, done.stderr, done.returncode)


def measure(project: Path, targets: list[str], runs: int) -> tuple[float, float, bool]:
    """(best cold time, best warm time, whether warm and cold output were the same)."""
    command = [sys.executable, "-m", "cfnfix", "check", *targets]
    colds, warms, same = [], [], True
    for _ in range(runs):
        shutil.rmtree(project / ".cfnfix_cache", ignore_errors=True)
        cold, cold_out = run(command, project)
        warm, warm_out = run(command, project)
        colds.append(cold)
        warms.append(warm)
        same = same and cold_out == warm_out
    return min(colds), min(warms), same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        shutil.copytree(args.path, project / "templates")
        (project / ".git").mkdir()
        files = sorted(str(p.relative_to(project)) for p in (project / "templates").rglob("*")
                       if p.suffix in (".yaml", ".yml", ".json", ".template"))
        cold, warm, same = measure(project, ["templates"], args.runs)
        cold_one, warm_one, _ = measure(project, files[:1], args.runs)
    count = len(files) - 1
    cold_each, warm_each = (cold - cold_one) / count, (warm - warm_one) / count
    print(f"whole run     cold {cold:6.2f} s        warm {warm:6.2f} s        {cold / warm:5.1f}x   "
          f"{'same output' if same else 'OUTPUT DIFFERS'}")
    ratio = f"{cold_each / warm_each:5.1f}x" if warm_each > 0 else "warm below the noise"
    print(f"per template  cold {cold_each * 1000:6.2f} ms       warm {warm_each * 1000:6.2f} ms       "
          f"{ratio}   (start-up cancelled: {len(files)} templates against one)")


if __name__ == "__main__":
    main()
