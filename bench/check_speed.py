#!/usr/bin/env python3
"""The per-template cost of ``cfnfix check`` against libyaml's C composer (the parse floor) and
against cfn-lint, on the same files.

Each command runs over all the templates and over one of them; the difference, divided by
the number of templates less one, is the cost of one more template, with start-up cancelled
(best of ``--runs`` runs; cfn-lint, slow, ``--lint-runs``). ``cfnfix check`` runs as a user
runs it (one process per core) and with ``--jobs 1``; the floor and cfn-lint use one core.

    python bench/check_speed.py ../shared/corpus
    python bench/check_speed.py --sample 100 --lint-runs 0 ../shared/corpus   # no cfn-lint
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUFFIXES = (".yaml", ".yml", ".json", ".template")
COMPOSE_FLOOR = """
import sys, yaml
for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as stream:
        yaml.compose(stream.read().lstrip("\\ufeff"), Loader=yaml.CSafeLoader)
"""


def templates(paths: list[str]) -> list[Path]:
    found = []
    for given in map(Path, paths):
        for path in [given] if given.is_file() else sorted(given.rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                try:
                    text = path.read_text(encoding="utf-8")
                except (UnicodeDecodeError, OSError):
                    continue
                if re.search(r'^(Resources|AWSTemplateFormatVersion)\s*:|"Resources"\s*:', text, re.M):
                    found.append(path)
    return found


def timed(command: list[str], runs: int) -> float:
    """The best wall time of ``runs`` runs of ``command`` (the machine's other work only adds)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return min(times)


def per_template(command: list[str], everything: list[str], one: list[str], runs: int) -> tuple[float, float]:
    """(seconds over every template, seconds per template with start-up cancelled)."""
    all_time = timed([*command, *everything], runs)
    one_time = timed([*command, *one], runs)
    count = len(everything) if len(everything) > 1 else 2
    return all_time, (all_time - one_time) / (count - 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--sample", type=int, default=0, help="a seeded random sample of N templates")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="runs of the floor and of cfnfix (best)")
    parser.add_argument("--lint-runs", type=int, default=1, help="runs of cfn-lint (0: skip it)")
    args = parser.parse_args()

    files = templates(args.paths)
    if args.sample and len(files) > args.sample:
        files = sorted(random.Random(args.seed).sample(files, args.sample))
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    bindir = Path(sys.executable).parent
    cfnfix = shutil.which("cfnfix", path=str(bindir)) or "cfnfix"
    cfn_lint = shutil.which("cfn-lint", path=str(bindir)) or "cfn-lint"
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch)
        for number, path in enumerate(files):
            target = tree / f"{number:05d}" / path.name
            target.parent.mkdir()
            shutil.copyfile(path, target)
        names = [str(p) for p in sorted(tree.rglob("*")) if p.is_file()]
        one = names[:1]
        rows = [
            ("libyaml compose (floor)", per_template([sys.executable, "-c", COMPOSE_FLOOR], names, one, args.runs)),
            (f"cfnfix check ({os.cpu_count()} jobs)",
             per_template([cfnfix, "check", "--no-cache"], names, one, args.runs)),
            ("cfnfix check --jobs 1", per_template([cfnfix, "check", "--no-cache", "--jobs", "1"], names, one,
                                                   args.runs)),
        ]
        if args.lint_runs:
            rows.append(("cfn-lint", per_template([cfn_lint, "--"], names, one, args.lint_runs)))
    print(f"{len(files)} templates, {megabytes:.1f} MB; per template: the time over all less the time over one")
    floor = rows[0][1][1]
    for label, (whole, each) in rows:
        print(f"{label:<26} {whole:7.2f} s in all   {each * 1000:7.2f} ms per template   "
              f"{each / floor:6.1f}x the floor")
    check = rows[1][1][1]
    if args.lint_runs:
        lint = rows[-1][1][1]
        print(f"cfn-lint per template is {lint / check:.1f}x cfnfix check's "
              f"({lint / rows[2][1][1]:.1f}x with --jobs 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
