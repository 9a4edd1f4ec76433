"""cfn-lint's data (regions, zones, runtimes, engine versions, stateful resource types, resource
provider schemas), read from its installed package without importing it: importing cfn-lint
costs about a second, reading a data file a few milliseconds. Everything is read once, on
first use.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import os
import sys
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


@functools.cache
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


@functools.cache
def stateful_types() -> frozenset[str]:
    """Resource types cfn-lint counts as stateful (``AdditionalSpecs/StatefulResources.json``, rule I3011)."""
    return frozenset(_stateful_resources())


def delete_requires_empty(resource_type: str) -> bool:
    """Whether deleting a stateful resource of this type fails unless it is empty first (an S3 bucket)."""
    details = _stateful_resources().get(resource_type)
    return isinstance(details, dict) and bool(details.get("DeleteRequiresEmptyResource"))


@functools.cache
def _stateful_resources() -> dict[str, Any]:
    types = load_json("data", "AdditionalSpecs", "StatefulResources.json").get("ResourceTypes")
    return types if isinstance(types, dict) else {}


# --- the resource provider schemas ------------------------------------------------------------
def _schema_date(directory: Path) -> str:
    try:
        date = json.loads((directory / "version.json").read_text(encoding="utf-8")).get("schema_date", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return date if isinstance(date, str) else ""


def _cache_dir() -> Path:
    """cfn-lint's schema cache, where ``cfn-lint --update-specs`` writes (``get_cache_dir``)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", os.path.expanduser("~\\AppData\\Local"))
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    return Path(base, "aws", "cfn-lint", "schemas")


@functools.cache
def _schema_dir() -> Path | None:
    """The schema directory cfn-lint reads: its bundled one, or its cache when that is newer."""
    base = package_dir()
    bundled = None if base is None else base / "data" / "schemas"
    cache = _cache_dir()
    has_bundled = bundled is not None and any((bundled / "providers").glob("*.json"))
    has_cache = (cache / "providers").is_dir() and any((cache / "providers").glob("*.json"))
    if has_bundled and has_cache and bundled is not None:
        return cache if _schema_date(cache) > _schema_date(bundled) else bundled
    if has_bundled:
        return bundled
    return cache if has_cache else None


def schema_source() -> str:
    """Which resource schemas cfn-lint reads (its bundled ones, or its cache after ``cfn-lint
    --update-specs``), with their date: what a cached result must be keyed by besides cfn-lint's version."""
    directory = _schema_dir()
    return f"{directory} {_schema_date(directory)}" if directory is not None else ""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@functools.cache
def _provider_types(region: str) -> dict[str, str]:
    """Resource type -> schema file hash in ``region`` (else us-east-1), SAM types included."""
    directory = _schema_dir()
    if directory is None:
        return {}
    providers = directory / "providers"
    found = providers / f"{region}.json"
    types = _read_json(found if found.exists() else providers / "us-east-1.json")
    sam = _read_json(providers / "sam.json")
    merged = dict(types) if isinstance(types, dict) else {}
    merged.update(sam if isinstance(sam, dict) else {})
    return merged


@functools.cache
def _schema_file(digest: str) -> dict[str, Any] | None:
    directory = _schema_dir()
    loaded = _read_json(directory / "resources" / f"{digest}.json") if directory else None
    return loaded if isinstance(loaded, dict) else None


def resource_schemas(resource_type: str, regions: tuple[str, ...]) -> list[dict[str, Any]]:
    """The distinct provider schemas of a resource type over the regions, as cfn-lint picks them
    (its bundled schemas, or its cache after ``cfn-lint --update-specs`` when that is newer)."""
    if resource_type.startswith("Custom::"):
        resource_type = "AWS::CloudFormation::CustomResource"
    digests = dict.fromkeys(
        d for d in (_provider_types(r).get(resource_type) for r in regions or ("us-east-1",)) if d
    )
    return [s for s in (_schema_file(d) for d in digests) if s is not None]


def resource_schema(resource_type: str) -> dict[str, Any] | None:
    """A resource type's schema as cfn-lint holds it for us-east-1, or None when it has none."""
    schemas = resource_schemas(resource_type, ("us-east-1",))
    return schemas[0] if schemas else None


def property_schema(resource_type: str, path: tuple[str | int, ...]) -> dict[str, Any] | None:
    """The schema of the property at ``path`` below a resource's ``Properties`` (list indexes step
    into ``items``, ``$ref`` followed), or None when the schema does not describe it."""
    schema = resource_schema(resource_type)
    if schema is None:
        return None
    found = schema.get("definitions")
    definitions: dict[str, Any] = found if isinstance(found, dict) else {}

    def resolve(node: Any) -> Any:
        for _ in range(32):  # definitions may refer to each other; never loop
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not (isinstance(ref, str) and ref.startswith("#/definitions/")):
                break
            node = definitions.get(ref.rsplit("/", 1)[-1])
        return node

    node: Any = {"properties": schema.get("properties")}
    for part in path:
        node = resolve(node)
        if not isinstance(node, dict):
            return None
        if isinstance(part, int):
            node = node.get("items")
        else:
            properties = node.get("properties")
            node = properties.get(part) if isinstance(properties, dict) else None
    node = resolve(node)
    return node if isinstance(node, dict) else None
