"""Options from the command line and from cfn-lint's own configuration (``.cfnlintrc``)."""

from __future__ import annotations

from pathlib import Path

import yaml

CFNLINTRC_NAMES = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")
DEFAULT_REGIONS = ("us-east-1",)


def split_list(value: str | None) -> tuple[str, ...]:
    """``"a, b,c"`` -> ``("a", "b", "c")``."""
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def cfnlintrc_regions(directory: Path | None = None) -> tuple[str, ...] | None:
    """The ``regions`` of the first ``.cfnlintrc`` in ``directory`` (default: the working directory)."""
    base = directory or Path.cwd()
    for name in CFNLINTRC_NAMES:
        path = base / name
        if not path.is_file():
            continue
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError):  # UnicodeDecodeError is a ValueError
            return None
        regions = config.get("regions") if isinstance(config, dict) else None
        if isinstance(regions, str):
            regions = [regions]
        if isinstance(regions, list) and regions:
            return expand_regions(tuple(str(r) for r in regions))
    return None


def expand_regions(regions: tuple[str, ...]) -> tuple[str, ...]:
    """cfn-lint's ``ALL_REGIONS`` stands for every region it knows."""
    if "ALL_REGIONS" in regions:
        from cfnfix.cfnlint_data import regions as all_regions

        return tuple(all_regions())
    return regions


def resolve_regions(option: str | None) -> tuple[str, ...]:
    if option:
        return expand_regions(split_list(option))
    return cfnlintrc_regions() or DEFAULT_REGIONS
