"""CFX111 enum-case: a property value that differs from one allowed value only in case becomes that value."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path as FilePath
from typing import Any, ClassVar

from cfnfix.cfnlint_data import package_dir
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options, Path, SetValue
from cfnfix.template import Template, intrinsic_function

_SCALARS = (str, int, float, bool)


@functools.cache
def _data_dir() -> FilePath | None:
    base = package_dir()
    return None if base is None else base / "data" / "schemas"


@functools.cache
def _provider_index(region: str) -> dict[str, str]:
    """Resource type -> schema file hash, as cfn-lint's schema manager reads it for a region."""
    root = _data_dir()
    path = root / "providers" / f"{region}.json" if root else None
    if path is None or not path.exists():
        return {}
    loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _resource_schema(region: str, resource_type: str) -> dict[str, Any] | None:
    """The resource provider schema cfn-lint validates a resource with (patches already applied)."""
    digest = _provider_index(region).get(resource_type)
    root = _data_dir()
    if digest is None or root is None:
        return None
    loaded: dict[str, Any] = json.loads((root / "resources" / f"{digest}.json").read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _pattern(text: str) -> Any:
    """A compiled ``patternProperties`` key; schemas use ``\\p{L}``, which only the ``regex`` module reads."""
    try:
        return re.compile(text)
    except re.error:
        pass
    try:
        import regex  # a dependency of cfn-lint, which matches these keys with it

        return regex.compile(text)
    except Exception:  # a key no engine reads is skipped: no value can match it
        return None


def _is_bool_text(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in ("true", "false")


def _equal(one: Any, two: Any) -> bool:
    """Whether a value matches an allowed value, as cfn-lint's ``equal`` decides (``5`` is ``'5'``)."""
    if isinstance(one, (bool, str)) and isinstance(two, (bool, str)) and (
        isinstance(one, bool) or isinstance(two, bool) or _is_bool_text(one) or _is_bool_text(two)
    ):
        first = one.lower() == "true" if isinstance(one, str) else one
        second = two.lower() == "true" if isinstance(two, str) else two
        return first is second
    if isinstance(one, bool) or isinstance(two, bool):
        return one is two
    if isinstance(one, str) or isinstance(two, str):
        return str(one) == str(two)
    return bool(one == two)


def _name(path: Path) -> str:
    """The property a path ends in (list indexes and ``Fn::If`` branches skipped)."""
    return next((p for p in reversed(path) if isinstance(p, str) and p != "Fn::If"), "")


class EnumCase(Fixer):
    """Checks for property values outside their allowed values, fixing those that differ only in case.

    ## What it does
    Finds a resource property whose value is not one of the values its resource
    schema allows (cfn-lint's E3030, from the provider schemas cfn-lint ships).
    When the value is a plain string equal, ignoring case, to exactly one allowed
    value (`Runtime: Python3.12`, `StorageClass: glacier`,
    `ProjectionType: all`), the value is replaced by that allowed value. Any other
    value outside the list is reported without a fix, naming the closest allowed
    values: what was meant cannot be told.

    Values are checked in each branch of `Fn::If`. Values given by a parameter,
    another intrinsic function, or under an `anyOf`/`oneOf` alternative of the
    schema are not checked; neither are SAM resources (`AWS::Serverless::*`),
    which cfn-lint checks after transforming them. The schemas are those of the
    configured regions (`--regions`, cfn-lint's `regions`, else `us-east-1`).

    ## Why is this bad?
    CloudFormation passes the value to the service, which rejects it
    (`1 validation error detected: Value 'Python3.12' at 'runtime' failed to
    satisfy constraint: Member must satisfy enum value set`), and the stack rolls
    back. Most services compare enumerated values case-sensitively.

    ## Example
    ```yaml
    Table:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: pay_per_request
    ```

    Use instead:
    ```yaml
    Table:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
    ```

    ## Fix safety
    The fix is safe: the template could not be deployed with the old value, and
    the new one is the only allowed value it can stand for.

    ## References
    - [Resource type schemas](https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html)
    - [cfn-lint's enum keyword](https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/cfn-schema-specification.md#enum)
    - cfn-lint rule E3030 (property values)
    """

    code: ClassVar[str] = "CFX111"
    name: ClassVar[str] = "enum-case"
    summary: ClassVar[str] = "Property value outside its allowed values (fixed when only its case differs)"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("E3030",)

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        for name, resource in template.resources.items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                continue
            properties = resource.get("Properties")
            if not isinstance(properties, dict) or not properties:
                continue
            seen: set[Path] = set()
            for region in options.target_regions:
                schema = _resource_schema(region, resource["Type"])
                if schema is None:
                    continue
                for finding in self._check(("Resources", name, "Properties"), properties, schema, schema):
                    if finding.path not in seen:
                        seen.add(finding.path)
                        yield finding

    def _check(self, path: Path, value: Any, node: Any, schema: dict[str, Any]) -> Iterator[Finding]:
        """Walk ``value`` along the schema ``node``, resolving ``$ref`` and following ``allOf``; a
        node below which the schema allows no enumerated value is not walked."""
        if not _holds_enum(node, schema):
            return
        for part in self._parts(node, schema):
            function = intrinsic_function(value)
            if function == "Fn::If":
                branches = value[function]
                if isinstance(branches, list) and len(branches) == 3:
                    for branch in (1, 2):
                        yield from self._check((*path, "Fn::If", branch), branches[branch], part, schema)
                return
            if function is not None:
                continue
            if isinstance(value, _SCALARS):
                yield from self._enum(path, value, part)
            elif isinstance(value, dict):
                yield from self._properties(path, value, part, schema)
            elif isinstance(value, list) and isinstance(part.get("items"), dict):
                for i, item in enumerate(value):
                    yield from self._check((*path, i), item, part["items"], schema)

    @staticmethod
    def _parts(node: Any, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """A schema node and the nodes its ``$ref`` and ``allOf`` bring in (worked out once per node)."""
        known = _PARTS.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        found = _schema_parts(node, schema)
        _PARTS[id(node)] = (node, found)
        return found

    def _properties(self, path: Path, value: dict[str, Any], node: dict[str, Any],
                    schema: dict[str, Any]) -> Iterator[Finding]:
        found, matched = node.get("properties"), node.get("patternProperties")
        properties: dict[str, Any] = found if isinstance(found, dict) else {}
        patterns: dict[str, Any] = matched if isinstance(matched, dict) else {}
        for key, item in value.items():
            if key in properties:
                yield from self._check((*path, key), item, properties[key], schema)
                continue
            for pattern, sub in patterns.items():
                compiled = _pattern(pattern)
                if compiled is not None and compiled.search(key):
                    yield from self._check((*path, key), item, sub, schema)

    def _enum(self, path: Path, value: Any, node: dict[str, Any]) -> Iterator[Finding]:
        insensitive = "enum" not in node and "enumCaseInsensitive" in node
        allowed = node.get("enumCaseInsensitive" if insensitive else "enum")
        if not isinstance(allowed, list) or not allowed:
            return
        if insensitive:
            folded = [a.lower() if isinstance(a, str) else a for a in allowed]
            matched = any(_equal(value.lower() if isinstance(value, str) else value, a) for a in folded)
        else:
            matched = any(_equal(value, a) for a in allowed)
        if matched:
            return
        shown = ", ".join(f"`{a}`" for a in allowed[:8]) + (", ..." if len(allowed) > 8 else "")
        message = f"`{value}` is not an allowed value of `{_name(path)}` ({shown})"
        same = [a for a in allowed if isinstance(a, str) and isinstance(value, str) and a.lower() == value.lower()]
        if len(same) == 1 and not insensitive:
            yield self.finding(path, f"`{value}` is not an allowed value of `{_name(path)}`; it is written `{same[0]}`",
                               [SetValue(path=path, value=same[0])], note=f"sets the value to {same[0]}")
        elif len(same) > 1:
            yield self.finding(path, message, no_fix_reason="several allowed values differ from it only in case: "
                               + ", ".join(f"`{a}`" for a in same))
        else:
            yield self.finding(path, message, no_fix_reason="no allowed value matches it ignoring case")

#: the parts of each schema node (schemas are read once and kept, so a node's id stays its own)
_PARTS: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
#: whether the values below each schema node may be enumerated ones
_ENUMS: dict[int, tuple[Any, bool]] = {}


def _schema_parts(node: Any, schema: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack and len(found) < 50:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        found.append(current)
        ref = current.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = schema
            for step in ref[2:].split("/"):
                target = target.get(step) if isinstance(target, dict) else None
            stack.append(target)
        if isinstance(current.get("allOf"), list):
            stack.extend(reversed(current["allOf"]))
    return found


def _holds_enum(node: Any, schema: dict[str, Any]) -> bool:
    """Whether the schema ``node`` or anything below it (properties, pattern properties, items,
    through ``$ref``, ``allOf``, ``anyOf``, ``oneOf``) lists allowed values."""
    known = _ENUMS.get(id(node))
    if known is not None and known[0] is node:
        return known[1]
    _ENUMS[id(node)] = (node, True)  # a node met again on its own way down: assumed to hold one
    result = False
    for part in EnumCase._parts(node, schema):
        if "enum" in part or "enumCaseInsensitive" in part:
            result = True
            break
        children: list[Any] = []
        for keyword in ("properties", "patternProperties"):
            found = part.get(keyword)
            if isinstance(found, dict):
                children.extend(found.values())
        for keyword in ("anyOf", "oneOf"):
            found = part.get(keyword)
            if isinstance(found, list):
                children.extend(found)
        if isinstance(part.get("items"), dict):
            children.append(part["items"])
        if any(_holds_enum(child, schema) for child in children):
            result = True
            break
    _ENUMS[id(node)] = (node, result)
    return result
