#!/usr/bin/env python3
"""Time ``cfnfix check`` against cfn-lint and against libyaml's compose floor, on the same files.

Each tool runs once, in one process, over the same list of templates (a seeded sample
with --sample N). Prints the wall times and the ratios.

    python bench/check_speed.py ../shared/corpus
    python bench/check_speed.py --sample 100 ../shared/corpus
"""

from __future__ import annotations

import argparse
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


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--sample", type=int, default=0, help="a seeded random sample of N templates")
    parser.add_argument("--seed", type=int, default=1)
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
        floor = timed([sys.executable, "-c", COMPOSE_FLOOR, *names])
        check = timed([cfnfix, "check", "--no-cache", str(tree)])
        lint = timed([cfn_lint, "--", *names])
    print(f"{len(files)} templates, {megabytes:.1f} MB")
    print(f"libyaml compose (floor)  {floor:8.2f} s")
    print(f"cfnfix check             {check:8.2f} s   {check / floor:5.1f}x the floor")
    print(f"cfn-lint                 {lint:8.2f} s   {lint / check:5.1f}x slower than cfnfix check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
