"""cfn-lint's data (regions, zones, runtimes, engine versions, schemas), read from its installed
package without importing it: importing cfn-lint costs about a second, reading a data file
a few milliseconds. Everything is read once, on first use.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
from pathlib import Path
from typing import Any


@functools.cache
def package_dir() -> Path | None:
    """The installed ``cfnlint`` package's directory (found without importing it)."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def load_json(*parts: str) -> Any:
    """A JSON file of the cfn-lint package, by its path parts (``"data", "AdditionalSpecs", ...``)."""
    base = package_dir()
    if base is None:
        raise FileNotFoundError("cfn-lint is not installed")
    return json.loads(base.joinpath(*parts).read_text(encoding="utf-8"))


@functools.cache
def helpers_constant(name: str) -> Any:
    """A literal constant of ``cfnlint/helpers.py`` (a dict, list or frozenset of literals)."""
    base = package_dir()
    if base is not None:
        tree = ast.parse((base / "helpers.py").read_text(encoding="utf-8"))
        for statement in tree.body:
            if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in statement.targets
            ):
                value = statement.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and len(value.args) == 1:
                    value = value.args[0]  # frozenset([...]) and the like
                try:
                    return ast.literal_eval(value)
                except ValueError:
                    break
    import cfnlint.helpers  # the slow way, should cfn-lint ever compute the constant

    return getattr(cfnlint.helpers, name)


def availability_zones() -> dict[str, list[str]]:
    """Region -> its availability zones, as cfn-lint knows them."""
    zones: dict[str, list[str]] = helpers_constant("AVAILABILITY_ZONES")
    return zones


def regions() -> list[str]:
    return list(availability_zones())


def snapshot_types() -> frozenset[str]:
    """Resource types whose DeletionPolicy and UpdateReplacePolicy accept ``Snapshot``."""
    return frozenset(helpers_constant("valid_snapshot_types"))
