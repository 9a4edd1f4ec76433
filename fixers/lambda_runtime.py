"""CFX101 lambda-runtime: a deprecated Lambda ``Runtime`` becomes a supported runtime of its language that
the function's layers are built for (by default the oldest one)."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field

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
_LAYER_TYPES = ("AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion")
_LAYER_NAME = re.compile(r":layer:([^:]+)")
# a runtime version written in a layer's name (AWS Lambda Powertools: ...PythonV3-python312-x86_64)
_NAMED_RUNTIME = {
    "python3": re.compile(r"(?<![a-z])(?:python|py)-?3[._-]?(\d{1,2})(?!\d)"),
    "nodejs": re.compile(r"(?<![a-z])node(?:js)?[-_]?(\d{1,2})(?!\d)"),
    "java": re.compile(r"(?<![a-z])java[-_]?(\d{1,2})(?!\d)"),
    "ruby": re.compile(r"(?<![a-z])ruby[-_]?(\d)[._-]?(\d)(?!\d)"),
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


def _supported(runtime: str, today: date) -> list[str]:
    """The runtimes of the same language that are not deprecated today, oldest first (empty when the
    code of ``runtime`` does not run on a newer runtime of its family)."""
    family = _family(runtime)
    if family not in _UPGRADABLE:
        return []
    return sorted((name for name, data in _lifecycle().items()
                   if _family(name) == family and not _reached(data.get("deprecated"), today)), key=_version)


@dataclass(frozen=True)
class _Layer:
    """A layer of a function, and the runtimes the template shows it is built for."""

    label: str  # how messages name it: "`DepsLayer`", "`arn:aws:lambda:...`", "`LayerArn` (a parameter)"
    runtimes: frozenset[str] | None  # the runtimes it is built for; None: the template does not tell
    defined_here: bool  # an AWS::Lambda::LayerVersion or AWS::Serverless::LayerVersion of this template
    evidence: str = ""  # where ``runtimes`` come from
    arn: str = ""  # the ARN (or ``Fn::Sub`` text) of a layer defined outside the template

    def for_family(self, family: str | None) -> _Layer:
        """The layer with the runtimes of ``family`` its ARN names, when it names one."""
        named = _named_runtimes(self.arn, family) if self.arn and self.runtimes is None else None
        if not named:
            return self
        shown = " or ".join(sorted(named, key=_version))
        return dataclasses.replace(self, runtimes=named, evidence=f"is built for {shown}, as its name says")


@dataclass(frozen=True)
class _Target:
    """The runtime a deprecated one becomes, or why there is none."""

    runtime: str | None
    default: str | None  # what the setting alone would choose
    newest: bool = False  # the setting: the newest supported runtime rather than the oldest
    blocking: tuple[_Layer, ...] = ()  # the layers that rule out ``default``
    unchecked: tuple[_Layer, ...] = ()  # layers outside the template, which cannot be checked


def _choose(runtime: str, today: date, newest: bool, layers: Iterable[_Layer]) -> _Target:
    """The runtime ``runtime`` becomes: the oldest (or newest) supported runtime of its language that
    every layer of the function is built for, as far as the template tells."""
    candidates = _supported(runtime, today)
    if newest:
        candidates.reverse()
    family = _family(runtime)
    layers = [layer.for_family(family) for layer in layers]
    default = candidates[0] if candidates else None
    blocking = tuple(layer for layer in layers if layer.runtimes is not None and default not in layer.runtimes)
    unchecked = tuple(layer for layer in layers if layer.runtimes is None and not layer.defined_here)
    fitting = [c for c in candidates if all(layer.runtimes is None or c in layer.runtimes for layer in layers)]
    return _Target(fitting[0] if fitting else None, default, newest, blocking, unchecked)


def _named_runtimes(text: str, family: str | None) -> frozenset[str] | None:
    """The runtimes of ``family`` a layer's name says it is built for (``...-python312-x86_64``), or None."""
    if family not in _NAMED_RUNTIME:
        return None
    name = _LAYER_NAME.search(text)
    found = _NAMED_RUNTIME[family].search((name.group(1) if name else text).lower())
    if found is None:
        return None
    named = tuple(int(n) for n in found.groups())
    if family == "python3":
        named = (3, *named)
    runtimes = frozenset(r for r in _lifecycle() if _family(r) == family and _version(r)[:len(named)] == named)
    return runtimes or None


class LambdaRuntimeSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX101]``: which supported runtime a deprecated one becomes
    (``runtime-target``; ``target``, its first name, is still read)."""

    runtime_target: Literal["oldest-supported", "newest"] = Field(
        "oldest-supported", validation_alias=AliasChoices("runtime-target", "target"))


class LambdaRuntime(Fixer):
    """Checks for Lambda functions on a deprecated or end-of-life runtime.

    ## What it does
    Finds a `Runtime` of `AWS::Lambda::Function`, of `AWS::Serverless::Function`
    or of the SAM `Globals.Function` section that Lambda has deprecated, as
    cfn-lint's runtime lifecycle data tells on the day of the check, and replaces
    it with a supported runtime of the same language: by default the oldest one
    that is not deprecated, the smallest step from the runtime the code was
    written for (`python3.9` becomes `python3.11`, `nodejs18.x` becomes
    `nodejs22.x`, `java8` becomes `java8.al2`, `ruby2.7` becomes `ruby3.3`,
    `provided` becomes `provided.al2023`, in December 2026). The newest runtime is
    a longer jump: from `nodejs18.x` to `nodejs24.x` crosses the removal of
    callback-style handlers in Node.js 24, which the code may still use.

    A runtime written in a branch of `Fn::If` is checked and fixed branch by
    branch. A runtime given by a parameter (`Runtime: !Ref PythonRuntime`) is
    checked in the parameter's `Default` and `AllowedValues`, which are fixed when
    the parameter feeds nothing but Lambda runtimes (a deprecated entry of
    `AllowedValues` is dropped when its successor is already allowed). Runtimes
    read from a mapping are not checked.

    The function's `Layers` (with, for a SAM function, those of
    `Globals.Function`) limit the choice. A layer defined in the template
    (`AWS::Lambda::LayerVersion`, `AWS::Serverless::LayerVersion`) that lists
    `CompatibleRuntimes` is built for those runtimes: the new runtime is the
    oldest (or newest) supported one that every such layer lists, and when none
    does the function keeps its runtime: a finding without a fix that names the
    layer. The layer's `CompatibleRuntimes` is never extended: the list is a claim
    about the layer's content (packages with compiled modules, built for one
    Python or Node.js version, may not load on another), which only rebuilding and
    testing the layer can make, and Lambda keeps at most five entries there.
    A layer the template takes by ARN (a literal, a parameter, an import) cannot
    be checked: when its name says which runtime it is built for (AWS Lambda
    Powertools' `...PythonV3-python39-x86_64`) it counts as listing that runtime;
    otherwise the runtime is still changed, and the fix's note names the layer to
    check.

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
          Runtime: python3.11
    ```

    ## Fix safety
    The fix is unsafe: the function's code runs on a newer language version,
    where removed modules, changed defaults or a newer bundled AWS SDK can change
    its behaviour. Test the function, and the layers it uses, on the new runtime
    before deploying.

    ## Options
    In `[tool.cfnfix.fixers.CFX101]`:
    - `runtime-target` (default `"oldest-supported"`): `"oldest-supported"` picks the
      oldest runtime of the language that is not deprecated; `"newest"` the newest
      one, which stays supported longest but is the larger change. `target` is the
      key's former name and is still read.

    ## References
    - [Lambda runtimes](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)
    - [Runtime deprecation policy](https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html)
    - [Lambda layers](https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html)
    - [Node.js 24 runtime: no callback-based handlers](https://aws.amazon.com/blogs/compute/node-js-24-runtime-now-available-in-aws-lambda/)
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
        newest = self.settings(options, LambdaRuntimeSettings).runtime_target == "newest"
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
                    layers = self._layers(template, (path, *related))
                    yield self._literal_finding(where, status, properties, related, today, newest, layers)
        for parameter, uses in parameters.items():
            yield from self._parameter(template, parameter, uses, today, newest)

    # --- where runtimes are written ----------------------------------------------------
    @staticmethod
    def _inheriting(template: Template) -> Iterator[Path]:
        """Serverless functions that take their runtime from ``Globals``: cfn-lint reports there."""
        for name, resource in template.resources_of_type("AWS::Serverless::Function"):
            properties = resource.get("Properties")
            if _ignores_globals(resource, "Runtime"):
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
        self, path: Path, status: _Status, properties: Any, related: tuple[Path, ...], today: date, newest: bool,
        layers: list[_Layer],
    ) -> Finding:
        message = status.describe()
        reason = self._no_fix_reason(status.runtime, properties)
        target = None if reason else _choose(status.runtime, today, newest, layers)
        if target is None or target.runtime is None:
            reason = reason or (_blocked(target) if target else None)
            return self.finding(path, message, no_fix_reason=reason or "no supported runtime of the same language",
                                related=related)
        why, unchecked = _because(target), _unchecked(target)
        return self.finding(
            path, f"{message}; use `{target.runtime}`" + (f" ({why})" if why else "") + unchecked,
            [SetValue(path=path, value=target.runtime)],
            note=f"sets the runtime to {target.runtime}{unchecked}", related=related,
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

    # --- the layers of the functions a runtime serves ----------------------------------
    def _layers(self, template: Template, runtime_paths: Iterable[Path]) -> list[_Layer]:
        """The layers of the functions whose runtime is written at ``runtime_paths`` (a function's
        ``Runtime``, or ``Globals.Function.Runtime`` with the functions inheriting it)."""
        values: list[Any] = []
        global_layers = template.get(("Globals", "Function", "Layers"))
        for path in runtime_paths:
            if path[0] == "Globals":
                values.append(global_layers)
                continue
            resource = template.resources.get(str(path[1]))
            properties = resource.get("Properties") if isinstance(resource, dict) else None
            if isinstance(properties, dict):
                values.append(properties.get("Layers"))
            if (isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::Function"
                    and not _ignores_globals(resource, "Layers")):
                values.append(global_layers)
        layers: dict[str, _Layer] = {}
        for value in values:
            for item in _layer_items(value):
                layer = self._layer(template, item)
                layers.setdefault(layer.label, layer)
        return list(layers.values())

    @staticmethod
    def _layer(template: Template, item: Any) -> _Layer:
        function = intrinsic_function(item)
        name: Any = None
        if function == "Ref":
            name = item["Ref"]
        elif function == "Fn::GetAtt":
            arguments = item["Fn::GetAtt"]
            name = arguments[0] if isinstance(arguments, list) and arguments else str(arguments).split(".")[0]
        elif function == "Fn::Sub" and isinstance(item["Fn::Sub"], str):
            variable = re.fullmatch(r"\$\{([A-Za-z0-9]+)\}", item["Fn::Sub"])
            name = variable.group(1) if variable else None
        resource = template.resources.get(name) if isinstance(name, str) else None
        if isinstance(resource, dict) and resource.get("Type") in _LAYER_TYPES:
            properties = resource.get("Properties")
            declared = properties.get("CompatibleRuntimes") if isinstance(properties, dict) else None
            if declared is None:
                return _Layer(f"`{name}`", None, True)
            if isinstance(declared, list) and all(isinstance(r, str) for r in declared):
                shown = ", ".join(declared) or "nothing"
                return _Layer(f"`{name}`", frozenset(declared), True, f"lists CompatibleRuntimes {shown}")
            return _Layer(f"`{name}`", frozenset(), True, "has computed CompatibleRuntimes")
        if function == "Ref" and isinstance(name, str) and name in template.parameters:
            return _Layer(f"`{name}` (a parameter)", None, False)
        text = item if isinstance(item, str) else item.get("Fn::Sub") if function == "Fn::Sub" else None
        if not isinstance(text, str):
            return _Layer(f"`{json.dumps(item, sort_keys=True)}`", None, False)
        return _Layer(f"`{text}`", None, False, arn=text)

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
        runtime_paths = [p for use in uses for p in ((use, *self._inheriting(template)) if use[0] == "Globals"
                                                       else (use,))]
        layers = self._layers(template, runtime_paths)
        edits: list[Edit] = []
        unchecked: dict[str, _Layer] = {}
        because: list[str] = []
        kept = {v for v in allowed if isinstance(v, str) and _status(v, today) is None} if isinstance(
            allowed, list) else set()
        for where, status in stale:
            reason = self._no_fix_reason(status.runtime, None)
            target = None if reason else _choose(status.runtime, today, newest, layers)
            if target is None or target.runtime is None:
                yield self.finding(path, message, related=related, no_fix_reason=(
                    reason or (_blocked(target) if target else None)
                    or f"`{status.runtime}` has no supported successor"))
                return
            unchecked.update((layer.label, layer) for layer in target.unchecked)
            if why := _because(target):
                because.append(f" ({why}: {target.runtime})")
            if where[2] == "AllowedValues":
                if target.runtime in kept:
                    edits.append(Delete(path=where))
                    continue
                kept.add(target.runtime)
            edits.append(SetValue(path=where, value=target.runtime))
        note = "replaces the deprecated runtimes of the parameter" + "".join(dict.fromkeys(because))
        note += _unchecked(_Target(None, None, unchecked=tuple(unchecked.values())))
        yield self.finding(path, message, edits, related=related, note=note)


def _ignores_globals(resource: dict[str, Any], key: str) -> bool:
    """Whether a SAM resource's ``IgnoreGlobals`` keeps ``key`` of ``Globals`` from it."""
    ignored = resource.get("IgnoreGlobals")
    return ignored == "*" or (isinstance(ignored, list) and key in ignored)


def _layer_items(value: Any) -> Iterator[Any]:
    """The entries of a ``Layers`` value, through the branches of ``Fn::If`` (``AWS::NoValue`` left out)."""
    if isinstance(value, list):
        for item in value:
            yield from _layer_items(item)
    elif intrinsic_function(value) == "Fn::If" and isinstance(value["Fn::If"], list) and len(value["Fn::If"]) == 3:
        for branch in value["Fn::If"][1:]:
            yield from _layer_items(branch)
    elif value is not None and value != {"Ref": "AWS::NoValue"}:
        yield value


def _blocked(target: _Target) -> str | None:
    """Why no runtime suits the function's layers."""
    if not target.blocking or target.default is None:
        return None
    default, layers = target.default, target.blocking
    claims = "; ".join(f"layer {layer.label} {layer.evidence}" for layer in layers)
    named = (lambda layer: f"layer {layer.label}") if len(layers) > 1 else (lambda layer: "the layer")
    remedies = "; ".join(
        f"rebuild {named(layer)} for {default} and add {default} to its CompatibleRuntimes" if layer.defined_here
        else f"use the build of {named(layer)} for {default}" for layer in layers)
    suits = "every layer" if len(layers) > 1 else "the layer"
    return (f"{claims}: no supported {_family(default)} runtime suits {suits}, and a layer's packages may not "
            f"load on a runtime it was not built for (compiled modules are built for one version); {remedies}, "
            "then change the function's runtime")


def _because(target: _Target) -> str:
    """Why the runtime differs from the one the setting alone chooses (``target.default``), or ''."""
    if target.runtime == target.default or not target.blocking:
        return ""
    labels = " and ".join(layer.label for layer in target.blocking)
    which = "newest" if target.newest else "oldest"
    layers = f"layers {labels} list" if len(target.blocking) > 1 else f"layer {labels} lists"
    return f"the {which} supported runtime that {layers}"


def _unchecked(target: _Target) -> str:
    """What the reviewer has to check: the layers defined outside the template."""
    if not target.unchecked:
        return ""
    labels = " and ".join(layer.label for layer in target.unchecked)
    many = len(target.unchecked) > 1
    return (f"; layer{'s' if many else ''} {labels} {'are' if many else 'is'} defined outside the template: "
            f"check that {'they support' if many else 'it supports'} the new runtime")
