"""CFX101 lambda-runtime: a deprecated Lambda ``Runtime`` becomes the newest supported one of its language."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal

from cfnfix.cfnlint_data import load_json
from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Delete, Edit, Finding, Options, Path, SetValue
from cfnfix.template import Template, intrinsic_function

_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_FAMILY = re.compile(r"^(python3|python2|nodejs|java|ruby|dotnetcore|dotnet|go|provided)")
# families whose code package keeps running on a newer runtime of the family
_UPGRADABLE = frozenset({"python3", "nodejs", "java", "ruby", "provided"})
_NO_SUCCESSOR = {
    "python2": "Python 2 code does not run on Python 3; port the code, then choose a python3 runtime",
    "dotnetcore": "a .NET package is built for one framework version and does not start on a newer "
                  "runtime; retarget and rebuild it, then choose the new runtime",
    "dotnet": "a .NET package is built for one framework version and does not start on a newer "
              "runtime; retarget and rebuild it, then choose the new runtime",
    "go": "Go functions now run on the OS-only runtime `provided.al2023`, which needs the binary "
          "rebuilt and named `bootstrap`; rebuild it, then change the runtime and the handler",
}
_AWS_SDK_V2 = re.compile(r"""(require\s*\(\s*|from\s+)\\?['"]aws-sdk\\?['"]""")


@functools.cache
def _lifecycle() -> dict[str, dict[str, Any]]:
    """cfn-lint's Lambda runtime lifecycle data (deprecation, create and update block dates)."""
    try:
        loaded: dict[str, dict[str, Any]] = load_json("data", "AdditionalSpecs", "LmbdRuntimeLifecycle.json")
    except FileNotFoundError:
        return {}
    return loaded


def _date(text: Any) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) else None


def _reached(text: Any, today: date) -> bool:
    day = _date(text)
    return day is not None and day <= today


def _family(runtime: str) -> str | None:
    match = _FAMILY.match(runtime)
    return match.group(1) if match else None


def _version(runtime: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", runtime))


@dataclass(frozen=True)
class _Status:
    """Where a runtime stands in its lifecycle today, as cfn-lint's W2531, E2531 and E2533 tell."""

    runtime: str
    stage: str  # "deprecated", "create-blocked" or "update-blocked"
    data: dict[str, Any]

    def describe(self) -> str:
        data = self.data
        text = f"Lambda runtime `{self.runtime}` was deprecated on {data['deprecated']}"
        if self.stage == "update-blocked":
            return f"{text}; functions using it can no longer be created or updated (since {data['update-block']})"
        if self.stage == "create-blocked":
            return (f"{text}; functions using it can no longer be created (since {data['create-block']}) "
                    f"and updates stop on {data['update-block']}")
        blocked = f"; creation stops on {data['create-block']}" if data.get("create-block") else ""
        return text + blocked


def _status(runtime: str, today: date) -> _Status | None:
    data = _lifecycle().get(runtime)
    if not data or not _reached(data.get("deprecated"), today):
        return None
    if _reached(data.get("update-block"), today):
        stage = "update-blocked"
    elif _reached(data.get("create-block"), today):
        stage = "create-blocked"
    else:
        stage = "deprecated"
    return _Status(runtime, stage, data)


def _successor(runtime: str, today: date, newest: bool = True) -> str | None:
    """The newest (or, with ``newest`` false, the oldest) runtime of the same language that is
    not deprecated today, or None."""
    family = _family(runtime)
    if family not in _UPGRADABLE:
        return None
    candidates = [
        name for name, data in _lifecycle().items()
        if _family(name) == family and not _reached(data.get("deprecated"), today)
    ]
    if not candidates:
        return None
    return max(candidates, key=_version) if newest else min(candidates, key=_version)


class LambdaRuntimeSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX101]``: which supported runtime a deprecated one becomes."""

    target: Literal["newest", "oldest-supported"] = "newest"


class LambdaRuntime(Fixer):
    """Checks for Lambda functions on a deprecated or end-of-life runtime.

    ## What it does
    Finds a `Runtime` of `AWS::Lambda::Function`, of `AWS::Serverless::Function`
    or of the SAM `Globals.Function` section that Lambda has deprecated, as
    cfn-lint's runtime lifecycle data tells on the day of the check, and replaces
    it with the newest runtime of the same language that is not deprecated:
    `python3.9` becomes `python3.14`, `nodejs16.x` becomes `nodejs24.x`, `java8`
    becomes `java25`, `ruby2.7` becomes `ruby4.0`, `provided` becomes
    `provided.al2023`.

    A runtime written in a branch of `Fn::If` is checked and fixed branch by
    branch. A runtime given by a parameter (`Runtime: !Ref PythonRuntime`) is
    checked in the parameter's `Default` and `AllowedValues`, which are fixed when
    the parameter feeds nothing but Lambda runtimes (a deprecated entry of
    `AllowedValues` is dropped when its successor is already allowed). Runtimes
    read from a mapping are not checked.

    Some runtimes are reported without a fix, as the same code would not run on
    the newer runtime: Python 2 (the code needs porting to Python 3), .NET (a
    package is built for one framework version), `go1.x` (Go now runs on the
    OS-only `provided.al2023` with a binary named `bootstrap`), and Node.js up to
    16 with inline code that loads the AWS SDK for JavaScript v2 (`aws-sdk`),
    which Node.js 18 and later no longer include.

    ## Why is this bad?
    Lambda stops patching a deprecated runtime, then blocks creating functions on
    it (cfn-lint E2531: a new stack fails), then blocks updating them (E2533: any
    change to the function fails). cfn-lint warns from the deprecation date on
    (W2531).

    ## Example
    ```yaml
    Resources:
      Handler:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.7
    ```

    Use instead:
    ```yaml
    Resources:
      Handler:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.14
    ```

    ## Fix safety
    The fix is unsafe: the function's code runs on a newer language version,
    where removed modules, changed defaults or a newer bundled AWS SDK can change
    its behaviour. Test the function on the new runtime before deploying.

    ## Options
    In `[tool.cfnfix.fixers.CFX101]`:
    - `target` (default `"newest"`): `"newest"` picks the newest supported runtime of
      the language; `"oldest-supported"` the oldest one that is not deprecated, the
      smallest step from the runtime the code was written for.

    ## References
    - [Lambda runtimes](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)
    - [Runtime deprecation policy](https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html)
    - cfn-lint rules W2531 (deprecated runtime), E2531 (creation blocked) and E2533 (update blocked)
    """

    code: ClassVar[str] = "CFX101"
    name: ClassVar[str] = "lambda-runtime"
    summary: ClassVar[str] = "Lambda function on a deprecated runtime"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ("W2531", "E2531", "E2533")
    settings_model = LambdaRuntimeSettings

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        today = date.today()
        newest = self.settings(options, LambdaRuntimeSettings).target == "newest"
        parameters: dict[str, list[Path]] = {}
        globals_path: Path = ("Globals", "Function", "Runtime")
        sites: list[tuple[Path, Any, Any, tuple[Path, ...]]] = []
        for name, resource in template.resources_of_type(*_FUNCTION_TYPES):
            properties = resource.get("Properties")
            if isinstance(properties, dict) and "Runtime" in properties:
                sites.append((("Resources", name, "Properties", "Runtime"), properties["Runtime"], properties, ()))
        if template.has(globals_path):
            inheriting = tuple(self._inheriting(template))
            sites.append((globals_path, template.get(globals_path), {}, inheriting))
        for path, value, properties, related in sites:
            for where, runtime in self._literals(path, value, parameters):
                status = _status(runtime, today)
                if status is not None:
                    yield self._literal_finding(where, status, properties, related, today, newest)
        for parameter, uses in parameters.items():
            yield from self._parameter(template, parameter, uses, today, newest)

    # --- where runtimes are written ----------------------------------------------------
    @staticmethod
    def _inheriting(template: Template) -> Iterator[Path]:
        """Serverless functions that take their runtime from ``Globals``: cfn-lint reports there."""
        for name, resource in template.resources_of_type("AWS::Serverless::Function"):
            properties = resource.get("Properties")
            ignored = resource.get("IgnoreGlobals")
            if ignored == "*" or (isinstance(ignored, list) and "Runtime" in ignored):
                continue
            if not (isinstance(properties, dict) and "Runtime" in properties):
                yield ("Resources", name, "Properties", "Runtime")

    def _literals(self, path: Path, value: Any, parameters: dict[str, list[Path]]) -> Iterator[tuple[Path, str]]:
        """The literal runtimes of a value, branches of ``Fn::If`` included; Refs to parameters noted."""
        if isinstance(value, str):
            yield path, value
            return
        function = intrinsic_function(value)
        if function == "Fn::If" and isinstance(value[function], list) and len(value[function]) == 3:
            for branch in (1, 2):
                yield from self._literals((*path, "Fn::If", branch), value[function][branch], parameters)
        elif function == "Ref" and isinstance(value["Ref"], str):
            parameters.setdefault(value["Ref"], []).append(path)

    def _literal_finding(
        self, path: Path, status: _Status, properties: Any, related: tuple[Path, ...], today: date, newest: bool
    ) -> Finding:
        message = status.describe()
        reason = self._no_fix_reason(status.runtime, properties)
        successor = None if reason else _successor(status.runtime, today, newest)
        if successor is None:
            return self.finding(path, message, no_fix_reason=reason or "no supported runtime of the same language",
                                related=related)
        return self.finding(
            path, f"{message}; use `{successor}`", [SetValue(path=path, value=successor)],
            note=f"sets the runtime to {successor}", related=related,
        )

    @staticmethod
    def _no_fix_reason(runtime: str, properties: Any) -> str | None:
        family = _family(runtime)
        if family in _NO_SUCCESSOR:
            return _NO_SUCCESSOR[family]
        if family == "nodejs" and (_version(runtime) or (0,))[0] < 18 and isinstance(properties, dict):
            code = properties.get("Code")
            inline = [code.get("ZipFile") if isinstance(code, dict) else None, properties.get("InlineCode")]
            if any(_AWS_SDK_V2.search(json.dumps(text)) for text in inline if text is not None):
                return ("the inline code loads the AWS SDK for JavaScript v2 (`aws-sdk`), which Node.js 18 "
                        "and later no longer include; move it to the v3 clients first")
        return None

    # --- runtimes given by a parameter -------------------------------------------------
    def _parameter(
        self, template: Template, name: str, uses: list[Path], today: date, newest: bool
    ) -> Iterator[Finding]:
        parameter = template.parameters.get(name)
        if not isinstance(parameter, dict):
            return
        base: Path = ("Parameters", name)
        default = parameter.get("Default")
        allowed = parameter.get("AllowedValues")
        stale: list[tuple[Path, _Status]] = []
        if isinstance(default, str) and (status := _status(default, today)) is not None:
            stale.append(((*base, "Default"), status))
        if isinstance(allowed, list):
            for i, value in enumerate(allowed):
                if isinstance(value, str) and (status := _status(value, today)) is not None:
                    stale.append(((*base, "AllowedValues", i), status))
        if not stale:
            return
        runtimes = sorted({status.runtime for _, status in stale})
        message = f"Parameter `{name}` feeds a Lambda `Runtime` and offers deprecated runtimes: " + ", ".join(
            f"`{r}` (deprecated on {_lifecycle()[r]['deprecated']})" for r in runtimes)
        path = stale[0][0][:3]
        related = tuple(uses)
        others = [r.path for r in template.references_to(name) if r.path not in uses]
        if others:
            yield self.finding(path, message, related=related, no_fix_reason=(
                f"the parameter is also used at {'/'.join(map(str, others[0]))}, not only as a runtime"))
            return
        edits: list[Edit] = []
        kept = {v for v in allowed if isinstance(v, str) and _status(v, today) is None} if isinstance(
            allowed, list) else set()
        for where, status in stale:
            successor = None if self._no_fix_reason(status.runtime, None) else _successor(
                status.runtime, today, newest)
            if successor is None:
                yield self.finding(path, message, related=related, no_fix_reason=(
                    self._no_fix_reason(status.runtime, None) or f"`{status.runtime}` has no supported successor"))
                return
            if where[2] == "AllowedValues":
                if successor in kept:
                    edits.append(Delete(path=where))
                    continue
                kept.add(successor)
            edits.append(SetValue(path=where, value=successor))
        yield self.finding(path, message, edits, related=related,
                           note="replaces the deprecated runtimes of the parameter")
