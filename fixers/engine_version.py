"""CFX106 engine-version: an invalid or deprecated RDS ``EngineVersion`` becomes the newest usable one of its major."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from cfnfix.cfnlint_data import load_json
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Edit, Finding, Options, Path, SetValue
from cfnfix.template import Template, intrinsic_function

_KINDS = {"AWS::RDS::DBInstance": "aws_rds_dbinstance", "AWS::RDS::DBCluster": "aws_rds_dbcluster"}
# engines whose major version is the first number (PostgreSQL from 10 on, Oracle); others take two (8.0, 10.6)
_ONE_NUMBER_MAJOR = re.compile(r"^(postgres|aurora-postgresql|oracle|custom-oracle)")


@dataclass(frozen=True)
class _Engines:
    """cfn-lint's engine data of one resource type: known engines, their versions, the deprecated ones."""

    engines: tuple[str, ...]
    versions: dict[str, tuple[str, ...]]
    deprecated: dict[str, frozenset[str]]

    def usable(self, engine: str) -> list[str]:
        gone = self.deprecated.get(engine, frozenset())
        return [v for v in self.versions.get(engine, ()) if v not in gone]


def _schema(kind: str, filename: str) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = load_json("data", "schemas", "extensions", kind, filename)
    except FileNotFoundError:
        return {}
    return loaded


@functools.cache
def _engines(kind: str) -> _Engines:
    """The data behind cfn-lint's E3690/E3691 (engine_version.json) and W3690/W3691 (engine_version_deprecated.json)."""
    engines: tuple[str, ...] = ()
    versions: dict[str, tuple[str, ...]] = {}
    deprecated: dict[str, frozenset[str]] = {}
    for branch in _schema(kind, "engine_version.json").get("allOf", []):
        engine = branch["if"]["properties"]["Engine"]
        then = branch.get("then", {}).get("properties", {})
        if "const" in engine and "EngineVersion" in then:
            versions[engine["const"]] = tuple(then["EngineVersion"]["enum"])
        elif "Engine" in then:
            engines = tuple(then["Engine"]["enum"])
    for branch in _schema(kind, "engine_version_deprecated.json").get("allOf", []):
        condition = branch["if"]["properties"]
        if "const" in condition.get("Engine", {}) and "enum" in condition.get("EngineVersion", {}):
            deprecated[condition["Engine"]["const"]] = frozenset(condition["EngineVersion"]["enum"])
    return _Engines(engines, versions, deprecated)


def _text(value: Any) -> str | None:
    """An engine version as cfn-lint compares it (numbers as Python prints them), else None."""
    if isinstance(value, bool):
        return None
    return str(value) if isinstance(value, (str, int, float)) else None


def _numbers(version: str) -> list[str]:
    return re.findall(r"\d+", version)


def _major(engine: str, version: str) -> tuple[str, ...]:
    numbers = _numbers(version)
    size = 1 if _ONE_NUMBER_MAJOR.match(engine) and numbers and int(numbers[0]) >= 10 else 2
    if engine.startswith("oracle") or engine.startswith("custom-oracle"):
        size = 1
    return tuple(numbers[:size])


def _shape(version: str) -> tuple[str, ...]:
    """The words of a version (``mysql_aurora``, ``limitless``): a replacement keeps them."""
    return tuple(re.findall(r"[a-z_]+", version.lower()))


def _sort_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in _numbers(version))


def _replacement(engine: str, version: str, usable: list[str]) -> str | None:
    """The newest usable version of the same major (and the same form), or None."""
    major = _major(engine, version)
    if not major:
        return None
    same = [v for v in usable if _major(engine, v) == major and _shape(v) == _shape(version)]
    alike = [v for v in same if len(_numbers(v)) == len(_numbers(version))]
    candidates = alike or same
    return max(candidates, key=_sort_key) if candidates else None


@dataclass(frozen=True)
class _Use:
    """An ``EngineVersion`` given by a parameter: where, and the engine data that applies."""

    path: Path
    engine: str
    data: _Engines


class EngineVersion(Fixer):
    """Checks for RDS engine versions that do not exist or are deprecated.

    ## What it does
    Finds the `EngineVersion` of an `AWS::RDS::DBInstance` or `AWS::RDS::DBCluster`
    that cfn-lint's engine data does not know for the resource's `Engine` (E3690,
    E3691) or lists as deprecated, no longer usable to create a database (W3690,
    W3691), and replaces it with the newest version of the same major version
    that can still be used: `aurora-postgresql` `15.4` becomes `15.19`,
    `postgres` `15.5` becomes the newest `15.x`, `mysql` `8.0.36` the newest `8.0.x`. The
    replacement keeps the version's form (`16.9-limitless` stays limitless,
    `8.0.mysql_aurora.3.02.0` stays an Aurora MySQL 3 version).

    Versions are checked in each branch of `Fn::If`, and in the `Default` and
    `AllowedValues` of a parameter that feeds `EngineVersion`; the parameter is
    fixed when it feeds nothing else. An `Engine` cfn-lint does not know is
    reported too: it is lowercased when that makes it a known engine
    (`Aurora-PostgreSQL`), else left for the author (`aurora`, the retired Aurora
    MySQL 1, needs a new engine and version).

    When no version of the major version can be used any more, the finding has no
    fix: moving to a new major version is a database upgrade to plan, not an edit.

    ## Why is this bad?
    CloudFormation fails to create the database (`Cannot find version 15.4 for
    aurora-postgresql`) and rolls back the whole stack, often after creating
    resources that take long to delete.

    ## Example
    ```yaml
    AuroraCluster:
      Type: AWS::RDS::DBCluster
      Properties:
        Engine: aurora-postgresql
        EngineVersion: '15.4'
    ```

    Use instead:
    ```yaml
    AuroraCluster:
      Type: AWS::RDS::DBCluster
      Properties:
        Engine: aurora-postgresql
        EngineVersion: '15.19'
    ```

    ## Fix safety
    The fix is unsafe: on a stack that already runs the database, a new minor
    version upgrades it in place, with a short outage. Minor versions of one major
    are compatible, so the application and the parameter group keep working. The
    newest version may not yet be offered in every region: check the regions you
    deploy to.

    ## References
    - [Aurora PostgreSQL versions](https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html)
    - [RDS for PostgreSQL versions](https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-versions.html)
    - [Upgrading a DB engine version](https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html)
    - cfn-lint rules E3690, E3691 (engine and version) and W3690, W3691 (deprecated versions)
    """

    code: ClassVar[str] = "CFX106"
    name: ClassVar[str] = "engine-version"
    summary: ClassVar[str] = "RDS engine version that does not exist or is deprecated"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("E3690", "E3691", "W3690", "W3691")

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        parameters: dict[str, list[_Use]] = {}
        for name, resource in template.resources_of_type(*_KINDS):
            properties = resource.get("Properties")
            if not isinstance(properties, dict) or not isinstance(properties.get("Engine"), str):
                continue
            data = _engines(_KINDS[resource["Type"]])
            base: Path = ("Resources", name, "Properties")
            engine = properties["Engine"]
            if resource["Type"] == "AWS::RDS::DBInstance":
                engine = engine.lower()  # as cfn-lint does (E3691); RDS reads engines in any case
            if engine not in data.engines:
                yield self._unknown_engine(base, properties["Engine"], data)
                engine = engine.lower()
                if engine not in data.engines:
                    continue
            if "EngineVersion" in properties:
                yield from self._versions((*base, "EngineVersion"), properties["EngineVersion"], engine, data,
                                          parameters)
        for parameter, uses in parameters.items():
            yield from self._parameter(template, parameter, uses)

    def _unknown_engine(self, base: Path, engine: str, data: _Engines) -> Finding:
        path = (*base, "Engine")
        message = f"`{engine}` is not an RDS engine of this resource type"
        if engine.lower() in data.engines:
            return self.finding(path, f"{message}; engines are written `{engine.lower()}`",
                                [SetValue(path=path, value=engine.lower())], note="lowercases the engine")
        return self.finding(path, message, no_fix_reason="which engine was meant cannot be told; known engines: "
                            + ", ".join(data.engines))

    def _versions(
        self, path: Path, value: Any, engine: str, data: _Engines, parameters: dict[str, list[_Use]]
    ) -> Iterator[Finding]:
        function = intrinsic_function(value)
        if function == "Fn::If" and isinstance(value[function], list) and len(value[function]) == 3:
            for branch in (1, 2):
                yield from self._versions((*path, "Fn::If", branch), value[function][branch], engine, data,
                                          parameters)
            return
        if function == "Ref" and isinstance(value["Ref"], str):
            parameters.setdefault(value["Ref"], []).append(_Use(path, engine, data))
            return
        version = _text(value)
        problem = self._problem(engine, version, data) if version is not None else None
        if version is None or problem is None:
            return
        message = f"{problem}; "
        replacement = _replacement(engine, version, data.usable(engine))
        if replacement is None:
            yield self.finding(path, message + "no version of that major version can be used",
                               no_fix_reason=self._no_fix(engine, version))
            return
        yield self.finding(path, message + f"use `{replacement}`", [SetValue(path=path, value=replacement)],
                           note=f"sets the engine version to {replacement}")

    @staticmethod
    def _problem(engine: str, version: str, data: _Engines) -> str | None:
        if version not in data.versions.get(engine, (version,)):
            return f"`{engine}` has no engine version `{version}`"
        if version in data.deprecated.get(engine, ()):
            return f"`{engine}` version `{version}` is deprecated and cannot be used to create a database"
        return None

    @staticmethod
    def _no_fix(engine: str, version: str) -> str:
        major = ".".join(_major(engine, version)) or version
        return (f"no usable `{engine}` version of major version {major} is left; moving to a new major "
                "version is an upgrade to plan (parameter group family, application tests)")

    # --- versions given by a parameter ---------------------------------------------------
    def _parameter(self, template: Template, name: str, uses: list[_Use]) -> Iterator[Finding]:
        parameter = template.parameters.get(name)
        if not isinstance(parameter, dict):
            return
        engines = {use.engine for use in uses}
        engine = next(iter(engines))
        base: Path = ("Parameters", name)
        values: list[tuple[Path, str]] = []
        default = _text(parameter.get("Default"))
        if default is not None:
            values.append(((*base, "Default"), default))
        allowed = parameter.get("AllowedValues")
        if isinstance(allowed, list):
            values += [((*base, "AllowedValues", i), v) for i, v in enumerate(map(_text, allowed)) if v is not None]
        stale = []
        unknown: list[str] = []
        deprecated: list[str] = []
        for path, version in values:
            problems = {self._problem(use.engine, version, use.data) for use in uses} - {None}
            if problems:
                stale.append((path, version))
                listed = unknown if any("has no" in str(p) for p in problems) else deprecated
                if version not in listed:
                    listed.append(version)
        if not stale:
            return
        path = stale[0][0][:3]
        related = tuple(use.path for use in uses)
        kinds = (("unknown versions", unknown), ("deprecated versions", deprecated))
        offered = [f"{kind} " + ", ".join(f"`{v}`" for v in versions) for kind, versions in kinds if versions]
        message = f"Parameter `{name}` feeds an `{engine}` `EngineVersion` and offers " + " and ".join(offered)
        others = [r.path for r in template.references_to(name) if r.path not in related]
        reason = None
        if len(engines) > 1:
            reason = "the parameter feeds databases of different engines: " + ", ".join(sorted(engines))
        elif others:
            reason = f"the parameter is also used at {'/'.join(map(str, others[0]))}, not only as an engine version"
        if reason:
            yield self.finding(path, message, related=related, no_fix_reason=reason)
            return
        usable = set.intersection(*(set(use.data.usable(engine)) for use in uses))
        kept = {v for p, v in values if p[2] == "AllowedValues" and (p, v) not in stale}
        edits: list[Edit] = []
        for where, version in stale:
            replacement = _replacement(engine, version, sorted(usable))
            if replacement is None:
                yield self.finding(path, message, related=related, no_fix_reason=self._no_fix(engine, version))
                return
            if where[2] == "AllowedValues":
                if replacement in kept:
                    edits.append(Delete(path=where))
                    continue
                kept.add(replacement)
            edits.append(SetValue(path=where, value=replacement))
        yield self.finding(path, message, edits, related=related,
                           note="replaces the parameter's unusable engine versions")
