"""CFX110 property-typo: an unknown resource property with one close known name is renamed to it."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, ClassVar

from cfnfix.cfnlint_data import resource_schemas
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options, Path, RenameKey
from cfnfix.template import Template, intrinsic_function

# cfn-lint's similarity threshold: a name is suggested when difflib's ratio exceeds it
_RATIO = 0.8
_SCALARS = frozenset({"string", "integer", "number", "boolean"})


@functools.cache
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:
        return None


def _matches_pattern(pattern: str, key: str) -> bool:
    compiled = _pattern(pattern)
    return True if compiled is None else compiled.search(key) is not None  # unreadable: assume allowed


def _resolve(ref: Any, root: dict[str, Any]) -> Any:
    """The schema a local ``$ref`` (``#/definitions/X``) points at, or None."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    node: Any = root
    for part in ref[1:].split("/")[1:] if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part) if isinstance(node, dict) else None
    return node


#: each schema node's applied subschemas (schemas are read once and kept, so a node's id stays its own)
_APPLIED: dict[int, tuple[Any, list[dict[str, Any]]]] = {}


def _applied(schema: Any, root: dict[str, Any]) -> list[dict[str, Any]]:
    """Every subschema that must hold for one value: itself, its ``$ref``s and ``allOf`` members
    (worked out once per schema node)."""
    known = _APPLIED.get(id(schema))
    if known is None or known[0] is not schema:
        known = _APPLIED[id(schema)] = (schema, list(_gather_applied(schema, root)))
    return known[1]


def _gather_applied(schema: Any, root: dict[str, Any]) -> Iterator[dict[str, Any]]:
    seen: set[int] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if "$ref" in node:
            stack.append(_resolve(node["$ref"], root))
        branches = node.get("allOf")
        if isinstance(branches, list):
            stack.extend(reversed(branches))


def _alternatives(node: dict[str, Any]) -> Iterator[list[Any]]:
    for keyword in ("anyOf", "oneOf"):
        branches = node.get(keyword)
        if isinstance(branches, list) and branches:
            yield branches


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _fits(value: Any, schema: Any, root: dict[str, Any], strict: bool = False) -> bool:
    """Whether a value may hold under a schema, judged on its shape: types, ``const``, ``enum``,
    ``required`` and unknown keys at every depth; ``strict`` adds the patterns, lengths and
    ranges of literal scalars (never formats). Unstrict, it tells which alternative of a
    ``oneOf`` or ``anyOf`` a value takes; strict, whether a renamed value will pass."""
    function = intrinsic_function(value)
    if function is not None:
        branches = value[function]
        if function == "Fn::If" and isinstance(branches, list) and len(branches) == 3:
            return all(_fits(b, schema, root, strict) for b in branches[1:] if b != {"Ref": "AWS::NoValue"})
        return True  # cfn-lint cannot resolve it either
    kind = _kind(value)
    for node in _applied(schema, root):
        types = _types_of(node)
        if kind is not None and types and not _kind_allowed(kind, types):
            return False
        if kind == "scalar":
            if "const" in node and _text(node["const"]) != _text(value):
                return False
            if isinstance(node.get("enum"), list) and _text(value) not in {_text(e) for e in node["enum"]}:
                return False
            if strict and not _scalar_fits(value, node):
                return False
        if isinstance(value, dict) and not _mapping_fits(value, node, root, strict):
            return False
        items = node.get("items")
        if isinstance(value, list) and isinstance(items, dict) and not all(
            _fits(i, items, root, strict) for i in value
        ):
            return False
        if not all(any(_fits(value, b, root, strict) for b in branches) for branches in _alternatives(node)):
            return False
    return True


def _scalar_fits(value: Any, node: dict[str, Any]) -> bool:
    """A literal scalar against ``pattern``, ``minLength``/``maxLength`` and ``minimum``/``maximum``."""
    if isinstance(value, str):
        pattern = node.get("pattern")
        compiled = _pattern(pattern) if isinstance(pattern, str) else None
        if compiled is not None and compiled.search(value) is None:
            return False
        low, high = node.get("minLength"), node.get("maxLength")
        if (isinstance(low, int) and len(value) < low) or (isinstance(high, int) and len(value) > high):
            return False
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is not None:
        low, high = node.get("minimum"), node.get("maximum")
        too_low = isinstance(low, (int, float)) and number < low
        if too_low or (isinstance(high, (int, float)) and number > high):
            return False
    return True


def _text(value: Any) -> str:
    """A scalar as cfn-lint compares it with loose types (``"true"`` equals ``true``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _mapping_fits(value: dict[str, Any], node: dict[str, Any], root: dict[str, Any], strict: bool) -> bool:
    properties = _object(node.get("properties"))
    patterns = _object(node.get("patternProperties"))
    required = node.get("required")
    if isinstance(required, list) and not all(r in value for r in required):
        return False
    additional = node.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            if not _fits(item, properties[key], root, strict):
                return False
        elif any(_matches_pattern(p, key) for p in patterns):
            subschemas = [sub for p, sub in patterns.items() if _matches_pattern(p, key)]
            if strict and not all(_fits(item, sub, root, strict) for sub in subschemas):
                return False
        else:
            if additional is False:
                return False
            if isinstance(additional, dict) and not _fits(item, additional, root, strict):
                return False
    return True


def suggestions(key: str, properties: dict[str, Any]) -> list[str]:
    """The property names cfn-lint finds close to ``key``, in schema order; it names the first."""
    return [name for name in properties if SequenceMatcher(a=key, b=name).ratio() > _RATIO]


def _types_of(node: dict[str, Any]) -> set[str]:
    declared = node.get("type")
    return {declared} if isinstance(declared, str) else set(declared) if isinstance(declared, list) else set()


def _types(schema: Any, root: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for node in _applied(schema, root):
        found |= _types_of(node)
    return found


def _kind_allowed(kind: str, types: set[str]) -> bool:
    """Whether a value of this kind passes cfn-lint's loose type check (a scalar may be any scalar type)."""
    return kind in types or (kind == "scalar" and bool(types & _SCALARS))


def _kind(value: Any) -> str | None:
    """The schema type a literal value has (``scalar`` for any scalar), None for intrinsics and null."""
    if intrinsic_function(value) is not None or value is None:
        return None
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "scalar"


def _dotted(path: Path) -> str:
    """A property path as written in docs: ``Rules[0].Status``, ``Fn::If`` branches left out."""
    text = ""
    parts = list(path)
    for i, part in enumerate(parts):
        if part == "Fn::If" or (isinstance(part, int) and i > 0 and parts[i - 1] == "Fn::If"):
            continue
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _anchored(path: Path, aliases: list[tuple[Path, Path]]) -> Path:
    """The path where the node at ``path`` is written, following the YAML aliases on the way."""
    for _ in range(len(aliases) + 1):
        for alias, anchor in aliases:
            if len(alias) < len(path) and path[: len(alias)] == alias:
                path = (*anchor, *path[len(alias):])
                break
        else:
            return path
    return path


@dataclass
class _Key:
    """What the schemas applying to one mapping say about one of its keys."""

    allowed: bool = False
    #: the names cfn-lint would consider, and the schema of each, from every schema that flags the key
    candidates: dict[str, Any] = field(default_factory=dict)
    roots: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the name cfn-lint suggests (the first close one of the first schema flagging the key)
    suggested: str | None = None


class _Walk:
    """Follows a resource's properties through its schema, as cfn-lint's validator descends."""

    def __init__(self) -> None:
        self.mappings: dict[Path, dict[str, _Key]] = {}

    def visit(self, value: Any, schema: Any, root: dict[str, Any], path: Path) -> None:
        function = intrinsic_function(value)
        if function == "Fn::If":
            branches = value[function]
            if isinstance(branches, list) and len(branches) == 3:
                for branch in (1, 2):
                    self.visit(branches[branch], schema, root, (*path, function, branch))
            return
        if function is not None:
            return
        for node in _applied(schema, root):
            if isinstance(value, dict):
                self._mapping(value, node, root, path)
            elif isinstance(value, list):
                self._sequence(value, node, root, path)
            for branches in _alternatives(node):
                # when one alternative holds cfn-lint reports none; else it reports them all
                if not any(_fits(value, branch, root) for branch in branches):
                    for branch in branches:
                        self.visit(value, branch, root, path)

    def _sequence(self, value: list[Any], schema: dict[str, Any], root: dict[str, Any], path: Path) -> None:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        for i, item in enumerate(value):
            if isinstance(prefix, list) and i < len(prefix):
                self.visit(item, prefix[i], root, (*path, i))
            elif isinstance(items, dict):
                self.visit(item, items, root, (*path, i))

    def _mapping(self, value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: Path) -> None:
        properties = _object(schema.get("properties"))
        patterns = _object(schema.get("patternProperties"))
        additional = schema.get("additionalProperties", True)
        keys = self.mappings.setdefault(path, {})
        for key, item in value.items():
            if key == "Fn::Transform":
                continue
            record = keys.setdefault(key, _Key())
            known = key in properties
            if known:
                record.allowed = True
                self.visit(item, properties[key], root, (*path, key))
            for pattern, subschema in patterns.items():
                if _matches_pattern(pattern, key):
                    known = record.allowed = True
                    self.visit(item, subschema, root, (*path, key))
            if known:
                continue
            if isinstance(additional, dict):
                self.visit(item, additional, root, (*path, key))
            elif additional is False and not patterns:
                close = suggestions(key, properties)
                if close and record.suggested is None:
                    record.suggested = close[0]
                for name in close:
                    record.candidates.setdefault(name, properties[name])
                    record.roots.setdefault(name, root)


class PropertyTypo(Fixer):
    """Checks for misspelled resource properties.

    ## What it does
    Finds a key under a resource's `Properties`, at any depth, that the resource
    type's schema does not allow but that is close to a property it does allow,
    and renames it to that property: `Timeoutt` becomes `Timeout`, `bucketName`
    becomes `BucketName`, `Variable` under a Lambda function's `Environment`
    becomes `Variables`.

    The check follows the resource provider schemas cfn-lint ships (or its newer
    cache after `cfn-lint --update-specs`), for each region of the `regions`
    setting, exactly as cfn-lint's E3002 does: nested objects through `$ref`,
    lists through `items`, both branches of `Fn::If`, and every alternative of a
    `oneOf` or `anyOf` when the value fits none of them (when one fits, cfn-lint
    reports nothing there). A name is close when difflib's similarity ratio with
    the key exceeds 0.8, cfn-lint's own measure ("Additional properties are not
    allowed ('Timeoutt' was unexpected. Did you mean 'Timeout'?)").

    The finding has no fix when the rename could be wrong:

    - more than one allowed name is close (`ExpirationInDay` is close to both
      `ExpirationDate` and `ExpirationInDays`; cfn-lint names the first in the
      schema, which need not be the one meant);
    - the suggested property is already set in the same mapping, or two unknown
      keys of the mapping are both close to it only;
    - the key is allowed by another alternative (`oneOf`) of the schema;
    - the value is not valid for the suggested property (a list where it takes
      a string, a number out of its range, a string not matching its pattern,
      a nested mapping missing a required key): renamed, it would only trade
      one error for another. cfn-lint's `format` checks (a KMS key ARN, say)
      are not repeated here;
    - the key is inside a YAML anchor that an alias repeats elsewhere: it is
      reported once, where it is written (as cfn-lint does), with the other
      places as related, and renamed once CFX112 has written the aliases out.

    Unknown properties with no close name (`Kye` under `Tags`, which is too far
    from `Key` for cfn-lint to suggest it) are not reported: which name was meant,
    if any, cannot be told. cfn-lint's E3002 also reports other defects (a key
    that matches none of a `patternProperties` regex, a value that is not in its
    `format` such as an IP range, a `const`, `not` or `dependencies` violation...):
    those are not misspellings and are left to cfn-lint; `cfn_lint_exceptions`
    lists them.

    ## Why is this bad?
    CloudFormation rejects a resource with an unknown property
    (`Encountered unsupported property Timeoutt`), often only once the stack
    operation has started and other resources have been created and must be rolled
    back. When the misspelled property was optional, the intended setting is
    simply missing.

    ## Example
    ```yaml
    Resources:
      Function:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Role: !GetAtt Role.Arn
          Code:
            ZipFile: print("hello")
          Timeoutt: 30
          Environment:
            Variable:
              STAGE: prod
    ```

    Use instead:
    ```yaml
    Resources:
      Function:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Role: !GetAtt Role.Arn
          Code:
            ZipFile: print("hello")
          Timeout: 30
          Environment:
            Variables:
              STAGE: prod
    ```

    ## Fix safety
    The fix is unsafe: the renamed property takes effect on deployment (a 30 second
    timeout instead of the default 3, a bucket name instead of a generated one) and
    some properties replace the resource when they change. The template could not
    be deployed with the unknown key, but the closest name is still a guess: review
    that it is the property meant.

    ## References
    - [Resource type schemas](https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html)
    - [AWS resource and property types reference](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html)
    - cfn-lint rule E3002 (resource properties are invalid)
    """

    code: ClassVar[str] = "CFX110"
    name: ClassVar[str] = "property-typo"
    summary: ClassVar[str] = "Unknown resource property close to exactly one known name"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("E3002",)
    cfn_lint_exceptions: ClassVar[tuple[str, ...]] = (
        # an unknown property no allowed name is close to: not a recognisable misspelling
        r"^Additional properties are not allowed \('.*' was unexpected\)$",
        # a key matching none of the regexes of a patternProperties mapping
        r"does not match any of the regexes",
        # every other E3002 message is about a value (format, const, not, dependencies...)
        r"^(?!Additional properties are not allowed)",
    )

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        found: list[Finding] = []
        for name, resource in template.resources.items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                continue
            properties = resource.get("Properties")
            if not isinstance(properties, dict):
                continue
            walk = _Walk()
            base: Path = ("Resources", name, "Properties")
            for schema in resource_schemas(resource["Type"], options.target_regions):
                walk.visit(properties, schema, schema, base)
            found.extend(self._findings(template, name, resource["Type"], walk))
        yield from self._through_aliases(template, found) if template.aliases else found

    def _through_aliases(self, template: Template, found: list[Finding]) -> Iterator[Finding]:
        """One finding per source key when YAML aliases repeat it, without a fix.

        cfn-lint reports a key an alias repeats once, where it is first written; a rename
        there would change every place the alias stands, so it waits until CFX112 has
        written the aliases out.
        """
        groups: dict[Path, list[Finding]] = {}
        for finding in found:
            groups.setdefault(_anchored(finding.path, template.aliases), []).append(finding)
        for source, group in groups.items():
            first = group[0]
            shared = len(group) > 1 or source != first.path or any(
                len(anchor) < len(source) and source[: len(anchor)] == anchor for _alias, anchor in template.aliases
            )
            if not shared:
                yield first
                continue
            yield self.finding(
                first.path, first.message, related=[f.path for f in group[1:]],
                no_fix_reason="the key is inside a YAML anchor that an alias repeats; write the "
                              "aliases out first (CFX112 yaml-alias), then rename it",
            )

    def _findings(self, template: Template, name: str, resource_type: str, walk: _Walk) -> Iterator[Finding]:
        for path, keys in walk.mappings.items():
            flagged = {key: record for key, record in keys.items() if record.suggested and not record.allowed}
            for key, record in keys.items():
                if record.suggested is None:
                    continue
                where = _dotted((*path[3:], key))
                message = (f"Resource `{name}` ({resource_type}) has an unknown property `{where}`; "
                           f"did you mean `{record.suggested}`?")
                reason = self._no_fix_reason(template, path, key, record, flagged)
                if reason is not None:
                    yield self.finding((*path, key), message, no_fix_reason=reason)
                    continue
                yield self.finding(
                    (*path, key), message, [RenameKey(path=(*path, key), new_key=record.suggested)],
                    note=f"renames `{key}` to `{record.suggested}`",
                )

    @staticmethod
    def _no_fix_reason(
        template: Template, path: Path, key: str, record: _Key, flagged: dict[str, _Key]
    ) -> str | None:
        target = record.suggested
        assert target is not None
        if record.allowed:
            return f"`{key}` is allowed by another alternative of the schema here"
        if len(record.candidates) > 1:
            names = ", ".join(f"`{c}`" for c in record.candidates)
            return f"`{key}` is close to several properties ({names}); which one was meant cannot be told"
        mapping = template.get(path)
        if isinstance(mapping, dict) and target in mapping:
            return f"`{target}` is already set here; remove one of the two"
        rivals = [k for k, r in flagged.items() if k != key and set(r.candidates) == {target}]
        if rivals:
            return f"`{rivals[0]}` is also close to `{target}` only; which one was meant cannot be told"
        value = template.get((*path, key))
        kind = _kind(value)
        schema, root = record.candidates[target], record.roots[target]
        types = _types(schema, root)
        if kind is not None and types and not _kind_allowed(kind, types):
            shown = {"scalar": "a single value", "object": "a mapping", "array": "a list"}[kind]
            return f"the value of `{key}` is {shown}, but `{target}` takes {' or '.join(sorted(types))}"
        if not _fits(value, schema, root, strict=True):
            return (f"the value of `{key}` is not valid for `{target}` (its allowed values, pattern, length "
                    "or range); correct the value along with the name")
        return None
