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


@functools.cache
def regional_enum_rules() -> dict[str, tuple[str, str]]:
    """cfn-lint's rules that check a value against what a region offers (instance types, DB instance
    classes, node types...): the path each checks (``Resources/AWS::EC2::Instance/Properties/InstanceType``;
    a path ending in ``Properties`` checks the whole object) -> (directory, file) of its data under
    ``data/schemas/extensions``, read from the rules' source without importing them (once, when first asked)."""
    base = package_dir()
    found: dict[str, tuple[str, str]] = {}
    if base is None:
        return found
    for path in sorted((base / "rules" / "resources").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "CfnLintJsonSchemaRegional" not in source:
            continue
        for call in ast.walk(ast.parse(source)):
            rule = _regional_rule(call)
            if rule is not None:
                keywords, data = rule
                found.update((keyword, data) for keyword in keywords)
    return found


def _regional_rule(node: ast.AST) -> tuple[list[str], tuple[str, str]] | None:
    """(keywords, (directory, file)) of a ``super().__init__(keywords=[...], schema_details=SchemaDetails(...))``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"):
        return None
    arguments = dict(enumerate(node.args)) | {k.arg: k.value for k in node.keywords if k.arg}
    keywords, details = arguments.get("keywords", arguments.get(0)), arguments.get("schema_details", arguments.get(1))
    if not (isinstance(keywords, ast.List) and isinstance(details, ast.Call)):
        return None
    parts = dict(enumerate(details.args)) | {k.arg: k.value for k in details.keywords if k.arg}
    module, filename = parts.get("module", parts.get(0)), parts.get("filename", parts.get(1))
    if not (isinstance(module, ast.Attribute) and isinstance(filename, ast.Constant)
            and isinstance(filename.value, str)):
        return None
    paths = [k.value for k in keywords.elts if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return paths, (module.attr, filename.value)


def regional_schema(directory: str, filename: str) -> dict[str, Any]:
    """A regional data file of cfn-lint (``aws_ec2_instance``, ``instancetype_enum.json``): region -> the
    JSON schema the value (or the resource's properties) must match there."""
    try:
        loaded: dict[str, Any] = load_json("data", "schemas", "extensions", directory, filename)
    except FileNotFoundError:
        return {}
    return loaded
