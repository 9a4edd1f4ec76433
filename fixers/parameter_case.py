"""CFX203 parameter-case: a parameter named like a configured canonical name but for case is renamed to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from cfnfix import rename
from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, Options
from cfnfix.template import Template

ParameterName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]+$")]


class ParameterCaseSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX203]``: the parameter names deploy scripts pass."""

    canonical_parameters: list[ParameterName] = Field(default_factory=list)


class ParameterCase(Fixer):
    """Checks for parameters whose name differs only in case from the name deploy scripts pass.

    ## What it does
    Finds a parameter whose name equals, but for case, one of the configured canonical
    parameter names (`environmentSuffix` where the pipeline passes `EnvironmentSuffix`),
    and renames it to the canonical name everywhere: its definition and every reference
    (`Ref`, `${environmentSuffix}` in `Fn::Sub` strings, conditions, `Fn::ValueOf` in
    `Rules`, the `AWS::CloudFormation::Interface` metadata), as CFX114 renames ids.

    Nothing is reported until canonical names are configured (see Options). The finding
    has no fix, with the reason, when the canonical name is already taken by another
    logical id of the template, when two parameters differ from it only in case, or
    when the rename cannot be proven complete (a macro rewrites the template, a `Ref`
    or an `Fn::Sub` computes the name it reads, a reference sits in a YAML anchor an
    alias repeats).

    ## Why is this bad?
    Parameter names are case-sensitive. A deploy script, a parameter file or a parent
    stack that passes `EnvironmentSuffix` to a template declaring `environmentSuffix`
    fails (`Parameters: [EnvironmentSuffix] do not exist in the template`), or the
    parameter silently keeps its default when the caller is lenient. Pipelines that
    deploy many templates pass one set of names.

    ## Example
    With `canonical-parameters = ["EnvironmentSuffix"]`:
    ```yaml
    Parameters:
      environmentSuffix:
        Type: String
        Default: dev
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Sub 'payments-${environmentSuffix}-${AWS::AccountId}'
    ```

    Use instead:
    ```yaml
    Parameters:
      EnvironmentSuffix:
        Type: String
        Default: dev
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Sub 'payments-${EnvironmentSuffix}-${AWS::AccountId}'
    ```

    ## Fix safety
    The fix is unsafe: it changes the template's interface. Callers pass parameters by
    name: a stack update, a parameter file, a parent stack or a pipeline that passes
    `environmentSuffix` fails with `Parameters: [environmentSuffix] do not exist in the
    template` once the parameter is renamed. The canonical name is what the configured
    callers pass; review the others.

    ## Options
    `canonical-parameters` (list of names, default empty): the parameter names callers
    pass. A parameter matching one of them but for case is renamed to it.

    ```toml
    [tool.cfnfix.fixers.CFX203]
    canonical-parameters = ["EnvironmentSuffix"]
    ```

    ## References
    - [Parameters section](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html)
    - [Parameter](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html) (`ParameterKey`)
    """

    code: ClassVar[str] = "CFX203"
    name: ClassVar[str] = "parameter-case"
    summary: ClassVar[str] = "Parameter named like a canonical parameter name but for case"
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    settings_model = ParameterCaseSettings

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        canonical = self.settings(options, ParameterCaseSettings).canonical_parameters
        parameters = template.parameters
        if not canonical or not parameters:
            return
        by_folded: dict[str, list[str]] = {}
        for name in canonical:
            by_folded.setdefault(name.casefold(), []).append(name)
        wanted: dict[str, list[str]] = {}  # parameter -> the canonical names it matches
        for name in parameters:
            matches = by_folded.get(str(name).casefold(), [])
            if matches and name not in matches:
                wanted[str(name)] = matches
        if not wanted:
            return
        claimants: dict[str, list[str]] = {}
        for name, matches in wanted.items():
            claimants.setdefault(matches[0], []).append(name)
        renames = {("Parameters", name): matches[0] for name, matches in wanted.items()
                   if len(matches) == 1 and len(claimants[matches[0]]) == 1
                   and matches[0] not in template.logical_ids}
        planned = rename.plan(template, renames)
        for name, matches in wanted.items():
            target = matches[0]
            path = ("Parameters", name)
            message = (f"Parameter `{name}` differs only in case from the canonical name `{target}`; "
                       "callers that pass the canonical name do not reach it")
            plan = planned.get(path)
            if len(matches) > 1:
                shown = ", ".join(f"`{m}`" for m in matches)
                reason = f"the canonical names {shown} differ only in case; which one is meant cannot be told"
            elif len(claimants[target]) > 1:
                others = ", ".join(f"`{n}`" for n in claimants[target] if n != name)
                reason = f"{others} also differs only in case from `{target}`; which one is meant cannot be told"
            elif target in template.logical_ids:
                reason = f"`{target}` is already a logical id of the template"
            else:
                assert plan is not None
                reason = plan.reason
            if reason or plan is None:
                yield self.finding(path, message, related=plan.uses if plan else (), no_fix_reason=reason)
                continue
            yield self.finding(path, message, plan.edits, related=plan.uses, note=plan.note("parameter"))
